package commands

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// idBlock is how many ids one round trip reserves. Ids are unique, not dense: a
// restart leaves the rest of a block unused.
const idBlock = 32

// Sequences hands out entity ids from PostgreSQL sequences named <kind>_id_seq, so ids
// are short positive integers as the API promises, whichever store holds the events.
// It reserves them in blocks, so a create does not pay a round trip for its id.
type Sequences struct {
	pool *pgxpool.Pool
	mu   sync.Mutex
	free map[string][]int64
}

// NewSequences returns an id source over pool.
func NewSequences(pool *pgxpool.Pool) *Sequences {
	return &Sequences{pool: pool, free: map[string][]int64{}}
}

// Next returns a fresh id of a kind ("risk", "risk_response").
func (s *Sequences) Next(ctx context.Context, kind string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.free[kind]) == 0 {
		rows, err := s.pool.Query(ctx, `select nextval($1::regclass) from generate_series(1, $2)`,
			pgx.Identifier{kind + "_id_seq"}.Sanitize(), idBlock)
		if err != nil {
			return 0, fmt.Errorf("next %s id: %w", kind, err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return 0, fmt.Errorf("next %s id: %w", kind, err)
		}
		s.free[kind] = ids
	}
	id := s.free[kind][0]
	s.free[kind] = s.free[kind][1:]
	return id, nil
}
