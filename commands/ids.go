package commands

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Sequences hands out entity ids from PostgreSQL sequences named <kind>_id_seq, so ids
// are short positive integers as the API promises, whichever store holds the events.
type Sequences struct{ Pool *pgxpool.Pool }

// Next returns a fresh id of a kind ("risk", "risk_response").
func (s Sequences) Next(ctx context.Context, kind string) (int64, error) {
	var id int64
	err := s.Pool.QueryRow(ctx, `select nextval($1::regclass)`, pgx.Identifier{kind + "_id_seq"}.Sanitize()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("next %s id: %w", kind, err)
	}
	return id, nil
}
