package audits_test

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
	cmd "github.com/strata-grc/strata/commands/audits"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/queries"
	qa "github.com/strata-grc/strata/queries/audits"
	"github.com/strata-grc/strata/queries/querytest"
	"github.com/strata-grc/strata/schema/testdb"
)

// benchWords make titles and descriptions, so that q finds some rows and not all.
var benchWords = []string{"access", "backup", "change", "encryption", "incident", "logging", "patch", "review",
	"vendor", "training", "password", "segregation", "payroll", "firewall", "retention", "approval"}

// seedFindings writes an organization's engagements, risks and findings straight
// into the read models with COPY. The lists read only the read models, and replaying
// 150,000 findings' events through the projection would make the benchmark take
// minutes to measure what is the same table either way.
func seedFindings(ctx context.Context, b *testing.B, pool *pgxpool.Pool, rng *rand.Rand, org int64, firstID int64,
	engagements, risks, findings int, today time.Time) {
	b.Helper()
	at := today.Add(-400 * 24 * time.Hour)
	var rows [][]any
	for i := range engagements {
		id := firstID + int64(i)
		rows = append(rows, []any{id, org, fmt.Sprintf("Engagement %d: %s", id, benchWords[rng.IntN(len(benchWords))]),
			"", "", int64(1 + rng.IntN(20)), cmd.Phases[rng.IntN(len(cmd.Phases))], cmd.Statuses[rng.IntN(len(cmd.Statuses))],
			at, int64(1), at.Add(time.Duration(rng.IntN(400*24)) * time.Hour), int64(1), int64(1 + rng.IntN(5))})
	}
	copyRows(ctx, b, pool, "audit_engagements", []string{"id", "org_id", "title", "scope", "auditee", "lead_auditor_id",
		"phase", "status", "created_at", "created_by", "updated_at", "updated_by", "version"}, rows)

	rows = rows[:0]
	for i := range risks {
		rows = append(rows, []any{firstID + int64(i), org, fmt.Sprintf("Risk %d", i), "Operational", "Identified",
			1 + rng.IntN(5), 1 + rng.IntN(5), at, int64(1), at, int64(1), int64(1)})
	}
	copyRows(ctx, b, pool, "risks", []string{"id", "org_id", "title", "category", "status", "likelihood", "impact",
		"created_at", "created_by", "updated_at", "updated_by", "version"}, rows)

	rows = rows[:0]
	for i := range findings {
		id := firstID + int64(i)
		status := []string{cmd.Open, cmd.Open, cmd.Approved, cmd.Closed, cmd.Closed}[rng.IntN(5)]
		var assigned, risk, control any
		if rng.IntN(10) > 0 {
			assigned = int64(1 + rng.IntN(50))
		}
		if rng.IntN(10) < 6 {
			risk = firstID + int64(rng.IntN(risks))
		}
		if rng.IntN(2) == 0 {
			control = int64(1 + rng.IntN(2000))
		}
		var due any
		if rng.IntN(10) > 0 {
			due = today.AddDate(0, 0, rng.IntN(730)-365)
		}
		var response, plan, by, submitted any
		if rng.IntN(10) < 3 {
			response, plan, by, submitted = "We will fix it", "Plan", int64(1+rng.IntN(50)), at
		}
		w1, w2 := benchWords[rng.IntN(len(benchWords))], benchWords[rng.IntN(len(benchWords))]
		updated := at.Add(time.Duration(rng.IntN(400*24*60)) * time.Minute)
		rows = append(rows, []any{id, org, firstID + int64(rng.IntN(engagements)),
			fmt.Sprintf("Finding %d: %s %s", id, w1, w2), "Observed weak " + w2 + " practice in sample " + fmt.Sprint(rng.IntN(1000)),
			cmd.Severities[rng.IntN(4)], risk, control, status, assigned, due, response, plan, by, submitted,
			at, int64(1), updated, int64(1), int64(1 + rng.IntN(6))})
	}
	copyRows(ctx, b, pool, "audit_findings", []string{"id", "org_id", "engagement_id", "title", "description", "severity",
		"risk_id", "control_id", "status", "assigned_to", "due_date", "response", "response_action_plan",
		"response_submitted_by", "response_submitted_at", "created_at", "created_by", "updated_at", "updated_by", "version"}, rows)
}

func copyRows(ctx context.Context, b *testing.B, pool *pgxpool.Pool, table string, columns []string, rows [][]any) {
	b.Helper()
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows)); err != nil {
		b.Fatalf("copy into %s: %v", table, err)
	}
}

// BenchmarkFindingsList seeds an organization with 100,000 findings over 1,000
// engagements (and another with 50,000, which every index must tell apart), then
// prints the p50 and p95 latency of the findings list: each filter, search, sorts,
// first pages and the pages after.
func BenchmarkFindingsList(b *testing.B) {
	const org = 1
	ctx := context.Background()
	db := testdb.New(b)
	today := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	start := time.Now()
	seedFindings(ctx, b, db.Pool, rand.New(rand.NewPCG(1, 2)), org, 1, 1000, 500, 100_000, today)
	seedFindings(ctx, b, db.Pool, rand.New(rand.NewPCG(3, 4)), 2, 1_000_000, 500, 300, 50_000, today)
	// A production table has been analyzed and vacuumed by autovacuum long since.
	if _, err := db.Pool.Exec(ctx, `vacuum analyze audit_findings, audit_engagements, risks`); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("seeded 150,000 findings in %v\n", time.Since(start).Round(time.Millisecond))

	reg := events.NewRegistry()
	ev.Register(reg)
	streams := &commands.Streams[cmd.Engagement]{Store: postgres.New(db.Pool), Registry: reg, Name: ev.Stream, Evolve: cmd.Evolve}
	r := qa.NewReader(db.Pool, streams, func() time.Time { return today })
	rng := rand.New(rand.NewPCG(5, 6))
	// list reads the findings list, which is what most probes below time.
	var list querytest.Lister[qa.FindingFilter, qa.Finding] = func(f qa.FindingFilter, cursor string) (queries.Page[qa.Finding], error) {
		f.Cursor = cursor
		return r.Findings(ctx, org, f)
	}
	probes := []querytest.Probe{
		{Name: "first-page", Run: list.Fixed(qa.FindingFilter{})},
		{Name: "status=Open", Run: list.Fixed(qa.FindingFilter{Status: cmd.Open})},
		{Name: "severity=Critical", Run: list.Fixed(qa.FindingFilter{Severity: "Critical"})},
		{Name: "open=true", Run: list.Fixed(qa.FindingFilter{Open: ptr(true)})},
		{Name: "overdue=true", Run: list.Fixed(qa.FindingFilter{Overdue: ptr(true)})},
		{Name: "overdue=true,sort=due_date", Run: list.Fixed(qa.FindingFilter{Overdue: ptr(true), Sort: "due_date"})},
		{Name: "risk_rating=High", Run: list.Fixed(qa.FindingFilter{RiskRating: "High"})},
		{Name: "risk_rating=Critical,open", Run: list.Fixed(qa.FindingFilter{RiskRating: "Critical", Open: ptr(true)})},
		{Name: "risk_rating=none", Run: list.Fixed(qa.FindingFilter{RiskRating: "none"})},
		{Name: "q=encryption", Run: list.Fixed(qa.FindingFilter{Q: "encryption"})},
		{Name: "q=finding 4242", Run: list.Fixed(qa.FindingFilter{Q: "finding 4242"})},
		{Name: "engagement_id", Run: list.First(func() qa.FindingFilter { return qa.FindingFilter{EngagementID: int64(1 + rng.IntN(1000))} })},
		{Name: "assigned_to", Run: list.First(func() qa.FindingFilter { return qa.FindingFilter{AssignedTo: int64(1 + rng.IntN(50))} })},
		{Name: "assigned_to+open+overdue", Run: list.First(func() qa.FindingFilter {
			return qa.FindingFilter{AssignedTo: int64(1 + rng.IntN(50)), Open: ptr(true), Overdue: ptr(true)}
		})},
		{Name: "status+severity+risk_rating", Run: list.Fixed(qa.FindingFilter{Status: cmd.Open, Severity: "High", RiskRating: "Medium"})},
		{Name: "sort=-due_date", Run: list.Fixed(qa.FindingFilter{Sort: "-due_date"})},
		{Name: "sort=-severity", Run: list.Fixed(qa.FindingFilter{Sort: "-severity"})},
		{Name: "sort=-updated_at", Run: list.Fixed(qa.FindingFilter{Sort: "-updated_at"})},
	}
	// The pages after: each walks on from a first page, read untimed, up to 20 pages
	// deep.
	for _, f := range []qa.FindingFilter{
		{}, {Overdue: ptr(true)}, {RiskRating: "High"}, {Q: "encryption"}, {Sort: "-due_date"}, {Sort: "-severity", Open: ptr(true)},
		{Status: cmd.Open, Sort: "due_date"},
	} {
		probes = append(probes, querytest.Probe{Name: "next:" + describe(f), Run: list.Next(f, 20)})
	}
	probes = append(probes, querytest.Probe{Name: "engagements:active", Run: querytest.Timed(func() error {
		_, err := r.Engagements(ctx, org, qa.EngagementFilter{Active: ptr(true)})
		return err
	})})

	b.ResetTimer()
	for range b.N {
		querytest.Report(b, 36, probes)
	}
}

func describe(f qa.FindingFilter) string {
	var parts []string
	if f.Overdue != nil {
		parts = append(parts, "overdue")
	}
	if f.Open != nil {
		parts = append(parts, "open")
	}
	if f.Status != "" {
		parts = append(parts, "status="+f.Status)
	}
	if f.RiskRating != "" {
		parts = append(parts, "risk_rating="+f.RiskRating)
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
