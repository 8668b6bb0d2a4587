package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/schema"
)

// ReadOrg implements events.OrgReader. It first lists the organization's positions
// in subscriber order (one pass over the events_org_recorded index and one sort), then
// fetches the events a batch at a time by primary key. Paging on (transaction_id,
// global_position) instead would re-scan and re-sort the organization's whole part
// of the log for every page, since no index orders it that way. The list costs 8
// bytes an event.
func (s *Store) ReadOrg(ctx context.Context, orgID int64, asOf time.Time, batch int, fn func([]events.Event) error) error {
	if batch <= 0 {
		batch = 1000
	}
	q := schema.Conn(ctx, s.pool)
	rows, err := q.Query(ctx, `select global_position from events
		where org_id = $1 and recorded_at <= $2
		order by events.transaction_id, events.global_position`, orgID, asOf)
	if err != nil {
		return err
	}
	var positions []int64
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return err
		}
		positions = append(positions, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for chunk := range slices.Chunk(positions, batch) {
		rows, err := q.Query(ctx, `select `+eventColumns+` from events
			where global_position = any($1)
			order by events.transaction_id, events.global_position`, chunk)
		if err != nil {
			return err
		}
		evs, err := collect(rows)
		if err != nil {
			return err
		}
		if err := fn(evs); err != nil {
			return err
		}
	}
	return nil
}
