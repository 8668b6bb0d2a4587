package trail_test

import (
	"context"
	"slices"
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

// TestSearchFindsRenamedMembers: q matches the text recorded with each event, the
// actor's name when acting included, and also the members of the organization named
// so now; a member of another organization with that name does not widen it.
func TestSearchFindsRenamedMembers(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	if _, err := db.Pool.Exec(ctx, `
		insert into trail (org_id, position, global_position, event_id, at, type, entity_type, entity_id, actor_id, actor_name, search)
		values (1, 1, 1, gen_random_uuid(), now(), 'RiskCreated', 'risk', 1, 5, 'Dana Old', 'dana old riskcreated'),
		       (1, 2, 2, gen_random_uuid(), now(), 'RiskUpdated', 'risk', 1, 6, 'Eli', 'eli riskupdated 100%_done'),
		       (1, 3, 3, gen_random_uuid(), now(), 'RiskUpdated', 'risk', 1, 7, 'Fay', 'fay riskupdated');
		insert into users (id, email, name, created_at, updated_at, version)
		values (5, 'd@example.org', 'Dana New', now(), now(), 1), (7, 'f@example.org', 'Fay', now(), now(), 1),
		       (8, 'x@example.org', 'Dana Newer', now(), now(), 1);
		insert into memberships (org_id, user_id, role, added_at) values (1, 5, 'auditor', now()), (1, 7, 'auditor', now()),
		       (2, 8, 'auditor', now())`); err != nil {
		t.Fatal(err)
	}
	r := qtrail.NewReader(db.Pool, events.NewRegistry(), ptrail.Core)
	admin := qtrail.Viewer{UserID: 1, Admin: true}
	for _, c := range []struct {
		q    string
		want []int64
	}{
		{"DANA OLD", []int64{1}},
		{"dana new", []int64{1}},
		{"riskupdated", []int64{3, 2}},
		{"100%_", []int64{2}},
		{"%", []int64{2}},
		{"nobody", nil},
	} {
		p, err := r.Page(ctx, 1, admin, qtrail.Filter{Q: c.q, Limit: 10})
		if err != nil {
			t.Fatal(c.q, err)
		}
		var got []int64
		for _, x := range p.Items {
			got = append(got, x.Position)
		}
		if !slices.Equal(got, c.want) || p.Total != int64(len(c.want)) {
			t.Errorf("q=%q: positions %v (total %d), want %v", c.q, got, p.Total, c.want)
		}
		n, err := r.Each(ctx, 1, admin, qtrail.Filter{Q: c.q}, func(qtrail.Row) error { return nil }, func() error { return nil })
		if err != nil || n != int64(len(c.want)) {
			t.Errorf("q=%q: exported %d rows (%v), want %d", c.q, n, err, len(c.want))
		}
	}
}

// TestSearchPhrasesAndCounts: q is a phrase, spaces included, found exactly (not a row
// with its words apart or joined otherwise); a first page counts both a common word,
// whose matches lie close together, and a rare phrase, whose matches are far apart,
// exactly; an event type narrows both.
func TestSearchPhrasesAndCounts(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	// Row i: every third holds "looked", every 97th the phrase "rare phrase"; the two
	// rows after each of those hold the same words joined by a 'q' and by a dash. Even
	// rows are risk updates, odd ones case status changes.
	if _, err := db.Pool.Exec(ctx, `
		insert into trail (org_id, position, global_position, event_id, at, type, entity_type, entity_id, actor_id, search)
		select org, i, org * 100000 + i, gen_random_uuid(), now() - make_interval(secs => 3000 - i),
			case when i % 2 = 0 then 'RiskUpdated' else 'CaseStatusChanged' end, 'risk', 1 + i % 40, 1,
			'person ' || i % 50 || case when i % 2 = 0 then ' riskupdated ' else ' casestatuschanged ' end ||
			case when i % 3 = 0 then 'looked at ' || i else 'note ' || i end ||
			case i % 97 when 0 then ' a rare phrase' when 1 then ' a rareqphrase' when 2 then ' a rare-phrase' else '' end
		from generate_series(1, 3000) i, (values (1), (2)) o(org)`); err != nil {
		t.Fatal(err)
	}
	r := qtrail.NewReader(db.Pool, events.NewRegistry(), ptrail.Core)
	admin := qtrail.Viewer{UserID: 1, Admin: true}
	for _, c := range []struct {
		f     qtrail.Filter
		match func(i int64) bool
	}{
		{qtrail.Filter{Q: "looked", Limit: 50}, func(i int64) bool { return i%3 == 0 }},
		{qtrail.Filter{Q: "LOOKED AT", EventType: "CaseStatusChanged", Limit: 50}, func(i int64) bool { return i%6 == 3 }},
		{qtrail.Filter{Q: "rare phrase", Limit: 10}, func(i int64) bool { return i%97 == 0 }},
		{qtrail.Filter{Q: "Rare Phrase", EventType: "RiskUpdated", Limit: 5}, func(i int64) bool { return i%194 == 0 }},
		{qtrail.Filter{Q: "rareqphrase", Limit: 10}, func(i int64) bool { return i%97 == 1 }},
		{qtrail.Filter{Q: "e p", Limit: 10}, func(i int64) bool { return i%97 == 0 }},
		{qtrail.Filter{Q: "person 2 r", Limit: 10}, func(i int64) bool { return i%50 == 2 }},
		{qtrail.Filter{Q: "9 c", Limit: 10}, func(i int64) bool { return i%10 == 9 }},
	} {
		var want []int64
		for i := int64(3000); i >= 1; i-- {
			if c.match(i) {
				want = append(want, i)
			}
		}
		p, err := r.Page(ctx, 1, admin, c.f)
		if err != nil {
			t.Fatal(c.f.Q, err)
		}
		var got []int64
		for _, x := range p.Items {
			got = append(got, x.Position)
		}
		if n := min(len(want), c.f.Limit); !slices.Equal(got, want[:n]) || p.Total != int64(len(want)) || p.TotalCapped {
			t.Errorf("q=%q event_type=%q: positions %v, total %d (capped %t); want %v, total %d",
				c.f.Q, c.f.EventType, got, p.Total, p.TotalCapped, want[:n], len(want))
		}
		exported, err := r.Each(ctx, 1, admin, qtrail.Filter{Q: c.f.Q, EventType: c.f.EventType},
			func(qtrail.Row) error { return nil }, func() error { return nil })
		if err != nil || exported != int64(len(want)) {
			t.Errorf("q=%q event_type=%q: exported %d rows (%v), want %d", c.f.Q, c.f.EventType, exported, err, len(want))
		}
	}
}
