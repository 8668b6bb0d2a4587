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
}

// Status reports each named projection's checkpoint and lag. A projection that never
// ran is at the start of the log.
func Status(ctx context.Context, pool *pgxpool.Pool, names []string) ([]State, error) {
	var head int64
	if err := pool.QueryRow(ctx, `select coalesce(max(global_position), 0) from events`).Scan(&head); err != nil {
		return nil, err
	}
	out := make([]State, 0, len(names))
	for _, n := range names {
		s := State{Name: n, Head: head}
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
		// took its id early but its position late. The age comes from the next event.
		if s.Behind = head - s.Position.GlobalPosition; s.Behind < 0 {
			s.Behind = 0
		}
		var next time.Time
		err = pool.QueryRow(ctx, `select recorded_at from events
			where (transaction_id, global_position) > ($1::text::xid8, $2)
			order by transaction_id, global_position limit 1`,
			strconv.FormatUint(s.Position.TransactionID, 10), s.Position.GlobalPosition).Scan(&next)
		switch {
		case err == nil:
			s.LagSeconds = time.Since(next).Seconds()
			s.Behind = max(s.Behind, 1)
		case errors.Is(err, pgx.ErrNoRows):
			s.Behind = 0
		default:
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
