package schema

import (
	"context"
	"fmt"
)

// Advice lists settings of the database that Strata works badly without, each with
// what goes wrong; empty when all is well. It is advice, not a refusal: the server
// runs either way.
//
// Autovacuum is the one so far. Projections write read models continuously and never
// analyse them: autovacuum keeps the planner's statistics and the tables' visibility
// maps current. Without it a table the projections filled since its last analysis
// is planned blind, and a list that takes milliseconds can take seconds (a trail page
// over 1,000,000 events: 1.5 s blind, 20 ms analysed).
func Advice(ctx context.Context, q Querier) ([]string, error) {
	var autovacuum, trackCounts string
	if err := q.QueryRow(ctx, `select current_setting('autovacuum'), current_setting('track_counts')`).
		Scan(&autovacuum, &trackCounts); err != nil {
		return nil, fmt.Errorf("read database settings: %w", err)
	}
	var out []string
	if autovacuum != "on" || trackCounts != "on" {
		out = append(out, fmt.Sprintf("PostgreSQL runs with autovacuum = %s and track_counts = %s: nothing analyses the "+
			"read models as the projections fill them, and lists over large tables may be planned blind and slow; "+
			"turn both on (the default), or run ANALYZE after large catch-ups", autovacuum, trackCounts))
	}
	return out, nil
}
