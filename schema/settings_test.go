package schema_test

import (
	"context"
	"strings"
	"testing"

	"github.com/strata-grc/strata/schema"
	"github.com/strata-grc/strata/schema/testdb"
)

// TestAdviceNamesAutovacuumOff: the advice speaks of autovacuum exactly when the
// server runs without it or without the counts it works from. Autovacuum is set for
// the whole server, the counts per session, so the second case is made here.
func TestAdviceNamesAutovacuumOff(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	var off bool
	if err := db.Pool.QueryRow(ctx, `select current_setting('autovacuum') <> 'on' or current_setting('track_counts') <> 'on'`).Scan(&off); err != nil {
		t.Fatal(err)
	}
	check := func(what string, q schema.Querier, off bool) {
		t.Helper()
		advice, err := schema.Advice(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if off != (len(advice) == 1 && strings.Contains(advice[0], "autovacuum")) || (!off && len(advice) != 0) {
			t.Errorf("%s: off %v, advice %q", what, off, advice)
		}
	}
	check("as the server runs", db.Pool, off)
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `set track_counts = off`); err != nil {
		t.Skipf("this role may not turn track_counts off: %v", err)
	}
	check("without track_counts", conn, true)
	if _, err := conn.Exec(ctx, `reset track_counts`); err != nil {
		t.Fatal(err)
	}
}
