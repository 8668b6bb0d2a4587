package cases_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/cases"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/cases"
	"github.com/strata-grc/strata/events/evidence"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/queries"
	qc "github.com/strata-grc/strata/queries/cases"
	"github.com/strata-grc/strata/queries/dashboard"
	"github.com/strata-grc/strata/queries/querytest"
	"github.com/strata-grc/strata/schema/testdb"
)

// benchWords make titles and descriptions, so that q finds some rows and not all.
var benchWords = []string{"expense", "payroll", "laptop", "phishing", "harassment", "vendor", "kickback", "leak",
	"badge", "invoice", "overtime", "gift", "conflict", "bribery", "theft", "retaliation"}

var benchTypes = []string{"fraud", "misconduct", "data breach", "theft", "harassment", "conflict of interest"}

// seedCases writes an organization's cases straight into the read model with COPY.
// The lists read only the read model, and replaying 150,000 cases' events through the
// projection would make the benchmark take minutes to measure what is the same table
// either way. One case in ten is confidential.
func seedCases(ctx context.Context, b *testing.B, pool *pgxpool.Pool, rng *rand.Rand, org, firstID int64, n int) {
	b.Helper()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([][]any, 0, n)
	for i := range n {
		id := firstID + int64(i)
		status := cmd.Statuses[rng.IntN(len(cmd.Statuses))]
		if rng.IntN(3) == 0 {
			status = cmd.Completed
		}
		var assignee, resolution any
		if status != cmd.New {
			assignee = int64(1 + rng.IntN(40))
		}
		if status == cmd.Completed {
			resolution = cmd.Resolutions[rng.IntN(len(cmd.Resolutions))]
		}
		created := start.Add(time.Duration(i) * 5 * time.Minute)
		updated := created.Add(time.Duration(rng.IntN(90*24*60)) * time.Minute)
		w1, w2 := benchWords[rng.IntN(len(benchWords))], benchWords[rng.IntN(len(benchWords))]
		rows = append(rows, []any{id, org, fmt.Sprintf("Case %d: %s %s", id, w1, w2),
			"Reported " + w2 + " concern in unit " + fmt.Sprint(rng.IntN(500)), benchTypes[rng.IntN(len(benchTypes))], status,
			cmd.Priorities[rng.IntN(len(cmd.Priorities))], fmt.Sprintf("Reporter %d", rng.IntN(2000)), assignee,
			rng.IntN(10) == 0, resolution, int64(rng.IntN(30)), created, int64(1 + rng.IntN(40)), updated, int64(1),
			updated, int64(1 + rng.IntN(12))})
	}
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"cases"}, []string{"id", "org_id", "title", "description", "type", "status",
		"priority", "reporter", "assignee_id", "confidential", "resolution", "evidence_count", "created_at", "created_by",
		"updated_at", "updated_by", "status_changed_at", "version"}, pgx.CopyFromRows(rows))
	if err != nil {
		b.Fatalf("copy into cases: %v", err)
	}
}

// BenchmarkCasesList seeds an organization with 100,000 cases (and another with
// 50,000, which every index must tell apart), then prints the p50 and p95 latency of
// the case list for an admin and for an investigator who sees only the confidential
// cases that are theirs: each filter, search, sorts, first pages and the pages after,
// and the dashboard's figures.
func BenchmarkCasesList(b *testing.B) {
	const org = 1
	ctx := context.Background()
	db := testdb.New(b)
	t0 := time.Now()
	seedCases(ctx, b, db.Pool, rand.New(rand.NewPCG(1, 2)), org, 1, 100_000)
	seedCases(ctx, b, db.Pool, rand.New(rand.NewPCG(3, 4)), 2, 1_000_000, 50_000)
	// A production table has been analyzed and vacuumed by autovacuum long since.
	if _, err := db.Pool.Exec(ctx, `vacuum analyze cases`); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("seeded 150,000 cases in %v\n", time.Since(t0).Round(time.Millisecond))

	reg := events.NewRegistry()
	ev.Register(reg)
	evidence.Register(reg)
	streams := &commands.Streams[cmd.Case]{Store: postgres.New(db.Pool), Registry: reg, Name: ev.Stream, Evolve: cmd.Evolve}
	r := qc.NewReader(db.Pool, streams)
	dash, err := dashboard.NewReader(db.Pool, qc.Dashboard)
	if err != nil {
		b.Fatal(err)
	}
	investigator := cmd.Viewer{UserID: 7}
	rng := rand.New(rand.NewPCG(5, 6))
	// list reads a viewer's case list, which is what the probes below time.
	list := func(v cmd.Viewer) querytest.Lister[qc.Filter, qc.Case] {
		return func(f qc.Filter, cursor string) (queries.Page[qc.Case], error) {
			f.Cursor = cursor
			return r.List(ctx, org, v, f)
		}
	}
	var probes []querytest.Probe
	for _, who := range []struct {
		name string
		v    cmd.Viewer
	}{{"admin", admin}, {"investigator", investigator}} {
		l := list(who.v)
		for _, p := range []querytest.Probe{
			{Name: "first-page", Run: l.Fixed(qc.Filter{})},
			{Name: "status=in_progress", Run: l.Fixed(qc.Filter{Status: cmd.InProgress})},
			{Name: "status=new,sort=-priority", Run: l.Fixed(qc.Filter{Status: cmd.New, Sort: "-priority"})},
			{Name: "priority=urgent", Run: l.Fixed(qc.Filter{Priority: cmd.Urgent})},
			{Name: "assignee_id", Run: l.First(func() qc.Filter { return qc.Filter{AssigneeID: int64(1 + rng.IntN(40))} })},
			{Name: "assignee_id+status", Run: l.First(func() qc.Filter {
				return qc.Filter{AssigneeID: int64(1 + rng.IntN(40)), Status: cmd.Review}
			})},
			{Name: "type=theft", Run: l.Fixed(qc.Filter{Type: "theft"})},
			{Name: "confidential=true", Run: l.Fixed(qc.Filter{Confidential: ptr(true)})},
			{Name: "q=bribery", Run: l.Fixed(qc.Filter{Q: "bribery"})},
			{Name: "q=case 4242", Run: l.Fixed(qc.Filter{Q: "case 4242:"})},
			{Name: "q=reporter 1999", Run: l.Fixed(qc.Filter{Q: "reporter 1999"})},
			{Name: "sort=-priority", Run: l.Fixed(qc.Filter{Sort: "-priority"})},
			{Name: "sort=created_at", Run: l.Fixed(qc.Filter{Sort: "created_at"})},
			{Name: "sort=updated_at", Run: l.Fixed(qc.Filter{Sort: "updated_at"})},
		} {
			p.Name = who.name + ":" + p.Name
			probes = append(probes, p)
		}
		// The pages after: each walks on from a first page, read untimed, up to 20
		// pages deep.
		for _, f := range []qc.Filter{{}, {Status: cmd.InProgress}, {Priority: cmd.Urgent, Sort: "-created_at"}, {Q: "bribery"},
			{Sort: "-priority"}, {Confidential: ptr(true)}} {
			probes = append(probes, querytest.Probe{Name: who.name + ":next:" + describe(f), Run: l.Next(f, 20)})
		}
		dv := dashboard.Viewer{UserID: who.v.UserID, Admin: who.v.Admin, Holds: func(string) bool { return true }}
		probes = append(probes, querytest.Probe{Name: who.name + ":dashboard-counts", Run: querytest.Timed(func() error {
			_, err := dash.Counts(ctx, org, dv)
			return err
		})}, querytest.Probe{Name: who.name + ":chart-cases_by_status", Run: querytest.Timed(func() error {
			_, err := dash.Chart(ctx, org, dv, "cases_by_status")
			return err
		})})
	}

	b.ResetTimer()
	for range b.N {
		querytest.Report(b, 48, probes)
	}
}

func describe(f qc.Filter) string {
	var parts []string
	if f.Status != "" {
		parts = append(parts, "status="+f.Status)
	}
	if f.Priority != "" {
		parts = append(parts, "priority="+f.Priority)
	}
	if f.Confidential != nil {
		parts = append(parts, "confidential")
	}
	if f.Q != "" {
		parts = append(parts, "q="+f.Q)
	}
	if f.Sort != "" {
		parts = append(parts, "sort="+f.Sort)
	}
	if len(parts) == 0 {
		return "unfiltered"
	}
	return strings.Join(parts, ",")
}
