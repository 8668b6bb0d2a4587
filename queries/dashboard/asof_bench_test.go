package dashboard_test

// BenchmarkDashboardAsOf prints figures; run it once with -benchtime 1x. It fails only
// when an answer is wrong, never on timing.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/strata-grc/strata/cmd/strata/app"
	cmd "github.com/strata-grc/strata/commands/risks"
	"github.com/strata-grc/strata/commands/risks/risktest"
	ev "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/queries/dashboard"
	"github.com/strata-grc/strata/schema/testdb"
)

// benchOrgLog makes one organization's risk events: a tenth creates, the rest
// updates of a risk created before, each a second after the last, ending an hour ago
// so that answers as of its instants are settled and kept.
type benchOrgLog struct {
	rng     *rand.Rand
	org     int64
	firstID int64
	risks   []benchRisk
	meta    string
	at      time.Time
}

type benchRisk struct {
	status  string
	version int64
}

func (l *benchOrgLog) row(i, total int) ([]any, error) {
	at := l.at.Add(time.Duration(i-total) * time.Second)
	if len(l.risks) == 0 || l.rng.IntN(10) == 0 {
		id := l.firstID + int64(len(l.risks))
		r := benchRisk{status: risktest.Pick(l.rng, cmd.Statuses), version: 1}
		l.risks = append(l.risks, r)
		data, err := json.Marshal(ev.RiskCreated{RiskID: id, Fields: ev.Fields{
			Title: risktest.Title(l.rng), Description: risktest.Description(l.rng), Category: risktest.Pick(l.rng, risktest.Categories),
			Status: r.status, Likelihood: 1 + l.rng.IntN(5), Impact: 1 + l.rng.IntN(5)}})
		return []any{uuid.New(), ev.Stream(id), int64(1), "RiskCreated", int32(1), string(data), l.meta, at}, err
	}
	i = l.rng.IntN(len(l.risks))
	r := &l.risks[i]
	next := r.status
	for next == r.status {
		next = risktest.Pick(l.rng, cmd.Statuses)
	}
	set, _ := json.Marshal(map[string]any{"status": next})
	prev, _ := json.Marshal(map[string]any{"status": r.status})
	r.status = next
	r.version++
	data, err := json.Marshal(ev.RiskUpdated{RiskID: l.firstID + int64(i), Set: set, Previous: prev})
	return []any{uuid.New(), ev.Stream(l.firstID + int64(i)), r.version, "RiskUpdated", int32(1), string(data), l.meta, at}, err
}

// BenchmarkDashboardAsOf answers the dashboard as of an instant for an organization
// with 100,000 events (STRATA_BENCH_ASOF_EVENTS sets another count) while another
// organization's 50,000 share the log: cold (replayed) and from the cache.
func BenchmarkDashboardAsOf(b *testing.B) {
	total := 100_000
	if s := os.Getenv("STRATA_BENCH_ASOF_EVENTS"); s != "" {
		var err error
		if total, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	db := testdb.New(b)
	a, err := app.New(db.Pool, app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	end := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	ours := &benchOrgLog{rng: rand.New(rand.NewPCG(7, 7)), org: 1, firstID: 1, at: end,
		meta: `{"org_id":1,"actor_id":1,"actor_name":"Bench","correlation_id":"bench"}`}
	theirs := &benchOrgLog{rng: rand.New(rand.NewPCG(8, 8)), org: 2, firstID: 10_000_000, at: end,
		meta: `{"org_id":2,"actor_id":2,"actor_name":"Bench","correlation_id":"bench"}`}
	t0 := time.Now()
	for _, log := range []struct {
		l *benchOrgLog
		n int
	}{{ours, total}, {theirs, total / 2}} {
		i := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i == log.n {
				return nil, nil
			}
			i++
			return log.l.row(i, log.n)
		})
		if _, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"events"},
			[]string{"event_id", "stream_id", "stream_version", "type", "schema_version", "data", "metadata", "recorded_at"}, src); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d + %d events in %v", total, total/2, time.Since(t0).Round(time.Millisecond))
	wantOpen := 0
	for _, r := range ours.risks {
		if r.status != "Accepted" && r.status != "Closed" {
			wantOpen++
		}
	}

	admin := dashboard.Viewer{UserID: 1, Admin: true, Holds: func(string) bool { return true }}
	b.ResetTimer()
	for n := range b.N {
		// A distinct instant each round, all past the end of the log, so each first
		// answer replays.
		at := end.Add(time.Duration(n+1) * time.Millisecond)
		t1 := time.Now()
		counts, _, err := a.Dashboard.CountsAsOf(ctx, 1, admin, at)
		cold := time.Since(t1)
		if err != nil {
			b.Fatal(err)
		}
		if counts["risks_open"] != int64(wantOpen) {
			b.Fatalf("risks_open %d, want %d", counts["risks_open"], wantOpen)
		}
		t2 := time.Now()
		if _, _, err := a.Dashboard.CountsAsOf(ctx, 1, admin, at); err != nil {
			b.Fatal(err)
		}
		cached := time.Since(t2)
		t3 := time.Now()
		chart, _, err := a.Dashboard.ChartAsOf(ctx, 1, admin, "risks_by_status", at)
		chartCached := time.Since(t3)
		if err != nil || len(chart.Values) != len(cmd.Statuses) {
			b.Fatalf("chart %v, %v", chart, err)
		}
		// Half-way through the log: a smaller replay.
		t4 := time.Now()
		if _, _, err := a.Dashboard.CountsAsOf(ctx, 1, admin, end.Add(-time.Duration(total/2)*time.Second)); err != nil {
			b.Fatal(err)
		}
		half := time.Since(t4)
		b.ReportMetric(float64(cold.Milliseconds()), "cold-ms")
		b.ReportMetric(float64(cached.Microseconds()), "cached-µs")
		b.ReportMetric(float64(chartCached.Microseconds()), "chart-cached-µs")
		b.ReportMetric(float64(half.Milliseconds()), "half-log-cold-ms")
		fmt.Fprintf(os.Stderr, "as of the end of %d events: cold %v, cached %v (a chart from the same replay %v); as of half-way %v\n",
			total, cold.Round(time.Millisecond), cached, chartCached, half.Round(time.Millisecond))
	}
}
