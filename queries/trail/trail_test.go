package trail_test

import (
	"context"
	"testing"

	"github.com/strata-grc/strata/events"
	ptrail "github.com/strata-grc/strata/projections/trail"
	"github.com/strata-grc/strata/queries"
	qtrail "github.com/strata-grc/strata/queries/trail"
	"github.com/strata-grc/strata/schema/testdb"
)

// TestPageCountStopsAtTheCap fills the trail read model directly: past CountCap the
// first page says "at least CountCap" and the pages after it repeat that, while a
// list at or under the cap, and any narrower filter, is counted exactly.
func TestPageCountStopsAtTheCap(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	fill := func(org int64, n int, entityOf string) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, `insert into trail (org_id, position, global_position, event_id, at, type, entity_type, entity_id, actor_id)
			select $1::bigint, i, $1::bigint * 1000000 + i, gen_random_uuid(), now() - make_interval(secs => $2::int - i), 'RiskUpdated', 'risk', `+entityOf+`, 1
			from generate_series(1, $2::int) i`, org, n); err != nil {
			t.Fatal(err)
		}
	}
	fill(1, qtrail.CountCap+25, "1 + i % 400")
	fill(2, qtrail.CountCap, "1 + i % 400")
	r := qtrail.NewReader(db.Pool, events.NewRegistry(), ptrail.Core)
	admin := qtrail.Viewer{UserID: 1, Admin: true}

	first, err := r.Page(ctx, 1, admin, qtrail.Filter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if first.Total != qtrail.CountCap || !first.TotalCapped || len(first.Items) != 50 || first.NextCursor == nil {
		t.Fatalf("over the cap: total %d capped %t, %d rows; want %d, capped, 50 rows and a cursor",
			first.Total, first.TotalCapped, len(first.Items), qtrail.CountCap)
	}
	if first.Items[0].Position != qtrail.CountCap+25 {
		t.Errorf("the newest row is position %d, want %d", first.Items[0].Position, qtrail.CountCap+25)
	}
	second, err := r.Page(ctx, 1, admin, qtrail.Filter{Limit: 50, Cursor: *first.NextCursor})
	if err != nil {
		t.Fatal(err)
	}
	if second.Total != qtrail.CountCap || !second.TotalCapped || second.Items[0].Position != first.Items[49].Position-1 {
		t.Errorf("the next page: total %d capped %t, first position %d", second.Total, second.TotalCapped, second.Items[0].Position)
	}

	for _, c := range []struct {
		name string
		org  int64
		f    qtrail.Filter
		want queries.Count
	}{
		{"exactly the cap", 2, qtrail.Filter{Limit: 50}, queries.Count{N: qtrail.CountCap}},
		{"one record", 1, qtrail.Filter{EntityType: "risk", EntityID: 7, Limit: 10}, queries.Count{N: 26}},
		{"fits one page", 1, qtrail.Filter{EntityType: "risk", EntityID: 7, Limit: 100}, queries.Count{N: 26}},
		{"nothing", 1, qtrail.Filter{EventType: "RiskCreated", Limit: 10}, queries.Count{}},
	} {
		p, err := r.Page(ctx, c.org, admin, c.f)
		if err != nil {
			t.Fatal(c.name, err)
		}
		if got := (queries.Count{N: p.Total, Capped: p.TotalCapped}); got != c.want {
			t.Errorf("%s: count %+v, want %+v", c.name, got, c.want)
		}
	}
}
