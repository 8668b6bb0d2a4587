package projections

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/events"
)

// State is how far one projection got.
type State struct {
	Name      string          `json:"name"`
	Position  events.Position `json:"position"`
	UpdatedAt *time.Time      `json:"updated_at"`
	// Head is the highest global position in the log.
	Head int64 `json:"head"`
	// Behind estimates how many events the projection has not applied yet; it is
	// zero exactly when nothing is left to apply.
	Behind int64 `json:"behind"`
	// LagSeconds is the age of the oldest event not applied yet (0 when caught up).
	LagSeconds float64 `json:"lag_seconds"`
	// Failure is the event the projection is halted on; nil while it runs.
	Failure *Failure `json:"failure"`
}

// headReader is a store that can tell its highest global position cheaply, which
// turns "something is left" into an estimate of how much.
type headReader interface {
	Head(ctx context.Context) (int64, error)
}

// Status reports each named projection's checkpoint (kept in pool) and lag behind
// log. A projection that never ran is at the start of the log.
func Status(ctx context.Context, pool *pgxpool.Pool, log events.Store, names []string) ([]State, error) {
	var head int64
	hr, counts := log.(headReader)
	if counts {
		var err error
		if head, err = hr.Head(ctx); err != nil {
			return nil, err
		}
	}
	failures, err := Failures(ctx, pool, names)
	if err != nil {
		return nil, err
	}
	out := make([]State, 0, len(names))
	for _, n := range names {
		s := State{Name: n, Head: head}
		if f, ok := failures[n]; ok {
			s.Failure = &f
		}
		var xid string
		var updated time.Time
		err := pool.QueryRow(ctx, `select transaction_id::text, position, updated_at from checkpoints where name = $1`, n).
			Scan(&xid, &s.Position.GlobalPosition, &updated)
		if err == nil {
			s.UpdatedAt = &updated
			if s.Position.TransactionID, err = strconv.ParseUint(xid, 10, 64); err != nil {
				return nil, err
			}
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return nil, err
		}
		// Cheap enough for every metrics scrape, and therefore an estimate: head minus
		// checkpoint counts aborted positions, and misses events of a transaction that
		// took its id early but its position late; a log without a head says only
		// whether anything is left. The age comes from the next event.
		if s.Behind = head - s.Position.GlobalPosition; s.Behind < 0 || !counts {
			s.Behind = 0
		}
		next, err := log.ReadAll(ctx, s.Position, 1)
		if err != nil {
			return nil, err
		}
		if len(next) == 0 {
			s.Behind = 0
		} else {
			s.LagSeconds = time.Since(next[0].RecordedAt).Seconds()
			s.Behind = max(s.Behind, 1)
		}
		out = append(out, s)
	}
	return out, nil
}
