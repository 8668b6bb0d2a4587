package risks_test

// BenchmarkRebuild prints figures; run it once with -benchtime 1x. It fails only when
// the rebuilt read model is wrong, never on timing.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	cmd "github.com/strata-grc/strata/commands/risks"
	"github.com/strata-grc/strata/commands/risks/risktest"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	ev "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/risks"
	"github.com/strata-grc/strata/schema/testdb"
)

// benchRebuildTracer sums the client-side time of the statements the rebuild sends,
// by kind, so the report can tell database time from time spent in Go.
type benchRebuildTracer struct {
	mu    sync.Mutex
	dur   map[string]time.Duration
	n     map[string]int64
	reads []time.Duration // each ReadAll, in order
	// first and last bound the deferred index builds, which run side by side.
	first, last time.Time
	on          atomic.Bool
}

type benchRebuildKey struct{}

type benchRebuildStart struct {
	kind string
	at   time.Time
}

const (
	benchReadAll  = "ReadAll (read the log)"
	benchDeferred = "deferred indexes, analyze"
)

func benchRebuildKind(sql string) string {
	s := strings.TrimSpace(sql)
	switch {
	case strings.HasPrefix(s, "select event_id"):
		return benchReadAll
	case strings.HasPrefix(s, "commit"):
		return "commit"
	case strings.HasPrefix(s, "create index"), strings.HasPrefix(s, "analyze"):
		return benchDeferred
	default:
		return "other statements"
	}
}

func (t *benchRebuildTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if !t.on.Load() {
		return ctx
	}
	return context.WithValue(ctx, benchRebuildKey{}, benchRebuildStart{benchRebuildKind(d.SQL), time.Now()})
}

func (t *benchRebuildTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if s, ok := ctx.Value(benchRebuildKey{}).(benchRebuildStart); ok {
		t.add(s.kind, time.Since(s.at))
	}
}

func (t *benchRebuildTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	if !t.on.Load() {
		return ctx
	}
	return context.WithValue(ctx, benchRebuildKey{}, benchRebuildStart{"batch of projector writes", time.Now()})
}

func (t *benchRebuildTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (t *benchRebuildTracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	if s, ok := ctx.Value(benchRebuildKey{}).(benchRebuildStart); ok {
		t.add(s.kind, time.Since(s.at))
	}
}

func (t *benchRebuildTracer) add(kind string, d time.Duration) {
	t.mu.Lock()
	t.dur[kind] += d
	t.n[kind]++
	if kind == benchReadAll {
		t.reads = append(t.reads, d)
	}
	if kind == benchDeferred {
		end := time.Now()
		if t.first.IsZero() || end.Add(-d).Before(t.first) {
			t.first = end.Add(-d)
		}
		t.last = end
	}
	t.mu.Unlock()
}

// benchRiskState is what the generator remembers of a risk to write honest "previous"
// values.
type benchRiskState struct {
	title              string
	status             string
	likelihood, impact int
	owner              int64
	version            int64
}

// benchLog streams the events of the log: creates interleaved with updates, each
// risk's versions consecutive.
type benchLog struct {
	rng             *rand.Rand
	creates, total  int
	made, created   int
	risks           []benchRiskState
	meta            string
	fieldsForUpdate []string
}

func newBenchLog(creates, total int) *benchLog {
	return &benchLog{
		rng: rand.New(rand.NewPCG(5, 5)), creates: creates, total: total,
		risks:           make([]benchRiskState, 0, creates),
		meta:            `{"org_id":1,"actor_id":1,"actor_name":"Bench","correlation_id":"bench"}`,
		fieldsForUpdate: []string{"status", "likelihood", "impact", "title", "owner_id"},
	}
}

// next returns the next event's row, or nil at the end.
func (l *benchLog) next() ([]any, error) {
	if l.made == l.total {
		return nil, nil
	}
	left, createsLeft := l.total-l.made, l.creates-l.created
	l.made++
	rng := l.rng
	if l.created == 0 || l.rng.IntN(left) < createsLeft {
		l.created++
		id := int64(l.created)
		s := benchRiskState{title: risktest.Title(rng), status: risktest.Pick(rng, cmd.Statuses),
			likelihood: 1 + rng.IntN(5), impact: 1 + rng.IntN(5), owner: int64(1 + rng.IntN(50)), version: 1}
		l.risks = append(l.risks, s)
		owner := s.owner
		data, err := json.Marshal(ev.RiskCreated{RiskID: id, Fields: ev.Fields{
			Title: s.title, Description: risktest.Description(rng), Category: risktest.Pick(rng, risktest.Categories),
			Status: s.status, Likelihood: s.likelihood, Impact: s.impact, OwnerID: &owner,
		}})
		if err != nil {
			return nil, err
		}
		return []any{uuid.New(), ev.Stream(id), int64(1), "RiskCreated", int32(1), string(data), l.meta}, nil
	}
	i := rng.IntN(len(l.risks))
	s := &l.risks[i]
	id := int64(i + 1)
	set, prev := map[string]any{}, map[string]any{}
	for _, k := range rng.Perm(len(l.fieldsForUpdate))[:1+rng.IntN(3)] {
		switch f := l.fieldsForUpdate[k]; f {
		case "status":
			v := s.status
			for v == s.status {
				v = risktest.Pick(rng, cmd.Statuses)
			}
			set[f], prev[f], s.status = v, s.status, v
		case "likelihood":
			v := 1 + rng.IntN(4)
			if v >= s.likelihood {
				v++
			}
			set[f], prev[f], s.likelihood = v, s.likelihood, v
		case "impact":
			v := 1 + rng.IntN(4)
			if v >= s.impact {
				v++
			}
			set[f], prev[f], s.impact = v, s.impact, v
		case "title":
			v := risktest.Title(rng) + " (rev " + strconv.FormatInt(s.version+1, 10) + ")"
			set[f], prev[f], s.title = v, s.title, v
		case "owner_id":
			v := int64(1 + rng.IntN(49))
			if v >= s.owner {
				v++
			}
			set[f], prev[f], s.owner = v, s.owner, v
		}
	}
	s.version++
	setJSON, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	prevJSON, err := json.Marshal(prev)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(ev.RiskUpdated{RiskID: id, Set: setJSON, Previous: prevJSON})
	if err != nil {
		return nil, err
	}
	return []any{uuid.New(), ev.Stream(id), s.version, "RiskUpdated", int32(1), string(data), l.meta}, nil
}

type benchCPUSample struct {
	at          time.Time
	self        time.Duration
	busy, total uint64
}

func benchCPUNow() benchCPUSample {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	s := benchCPUSample{at: time.Now(), self: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	if raw, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(raw), "\n")
		for i, v := range strings.Fields(line)[1:] {
			n, _ := strconv.ParseUint(v, 10, 64)
			if i < 8 { // user nice system idle iowait irq softirq steal
				s.total += n
				if i != 3 && i != 4 {
					s.busy += n
				}
			}
		}
	}
	return s
}

// BenchmarkRebuild replays 1,000,000 events (a tenth of them RiskCreated) by default;
// STRATA_BENCH_REBUILD_EVENTS sets another count for a quicker run.
func BenchmarkRebuild(b *testing.B) {
	const chunk = 100_000 // events per COPY (one transaction each)
	total := 1_000_000
	if v := os.Getenv("STRATA_BENCH_REBUILD_EVENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 {
			b.Fatalf("STRATA_BENCH_REBUILD_EVENTS=%q: want a number of events, at least 10", v)
		}
		total = n
	}
	creates := total / 10
	ctx := context.Background()
	db := testdb.New(b)
	tr := &benchRebuildTracer{dur: map[string]time.Duration{}, n: map[string]int64{}}
	cfg := db.Config.Copy()
	cfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)

	// The log: 100,000 risks created and 900,000 updates, COPYed in chunks.
	t0 := time.Now()
	gen := newBenchLog(creates, total)
	for loaded := 0; loaded < total; {
		n := min(chunk, total-loaded)
		left := n
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if left == 0 {
				return nil, nil
			}
			left--
			return gen.next()
		})
		copied, err := pool.CopyFrom(ctx, pgx.Identifier{"events"},
			[]string{"event_id", "stream_id", "stream_version", "type", "schema_version", "data", "metadata"}, src)
		if err != nil {
			b.Fatal(err)
		}
		loaded += int(copied)
	}
	if gen.created != creates {
		b.Fatalf("generated %d creates, want %d", gen.created, creates)
	}
	loadTime := time.Since(t0)
	if _, err := pool.Exec(ctx, `analyze events`); err != nil {
		b.Fatal(err)
	}

	reg := events.NewRegistry()
	ev.Register(reg)
	store := postgres.New(pool)
	p := risks.New(reg)
	b.ResetTimer()
	tr.on.Store(true)
	cpu0 := benchCPUNow()
	res, err := projections.Rebuild(ctx, store, pool, p, projections.RebuildConfig{})
	cpu1 := benchCPUNow()
	tr.on.Store(false)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}

	// Correctness, not timing.
	var rows, versions int64
	if err := pool.QueryRow(ctx, `select count(*), coalesce(sum(version), 0) from risks`).Scan(&rows, &versions); err != nil {
		b.Fatal(err)
	}
	if rows != int64(creates) || versions != int64(total) {
		b.Fatalf("after the rebuild risks holds %d rows with versions summing to %d; want %d and %d", rows, versions, creates, total)
	}
	if res.Events != total {
		b.Fatalf("the rebuild applied %d events, want %d", res.Events, total)
	}

	rate := float64(res.Events) / res.Elapsed.Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(res.Elapsed.Seconds(), "elapsed-s")
	fmt.Printf("rebuild: %d events (%d RiskCreated + %d RiskUpdated) in %.1fs = %.0f events/s (loading them by COPY took %.1fs)\n",
		res.Events, creates, total-creates, res.Elapsed.Seconds(), rate, loadTime.Seconds())

	wall := cpu1.at.Sub(cpu0.at).Seconds()
	self := (cpu1.self - cpu0.self).Seconds() / wall
	machine := math.NaN()
	if cpu1.total > cpu0.total {
		machine = float64(cpu1.busy-cpu0.busy) / float64(cpu1.total-cpu0.total) * float64(runtime.NumCPU())
	}
	load := "unknown"
	if raw, err := os.ReadFile("/proc/loadavg"); err == nil && len(strings.Fields(string(raw))) > 0 {
		load = strings.Fields(string(raw))[0]
	}
	fmt.Printf("  CPU: machine %.2f of %d cores busy; this Go process %.2f cores; the rest (postgres, anything else running) %.2f; load average %s\n",
		machine, runtime.NumCPU(), self, machine-self, load)
	tr.mu.Lock()
	// The log is read ahead on a connection of its own and the deferred indexes are
	// built side by side, so only the other kinds add up along the rebuild's path;
	// the index builds count there for their span, first start to last end.
	serial := tr.last.Sub(tr.first)
	for _, k := range []string{"batch of projector writes", benchReadAll, benchDeferred, "commit", "other statements"} {
		if k != benchReadAll && k != benchDeferred {
			serial += tr.dur[k]
		}
		fmt.Printf("  %-26s %6d calls  %6.1fs (%4.1f%% of the rebuild)\n", k, tr.n[k], tr.dur[k].Seconds(),
			100*tr.dur[k].Seconds()/res.Elapsed.Seconds())
	}
	fmt.Printf("  %-26s %6s        %6.1fs (the deferred indexes' span, first start to last end)\n", "", "", tr.last.Sub(tr.first).Seconds())
	tr.mu.Unlock()
	fmt.Printf("  %-26s %6s        %6.1fs (%4.1f%%: handling events in Go, watermill delivery, waiting for a read ahead)\n", "outside the database", "",
		(res.Elapsed - serial).Seconds(), 100*(res.Elapsed-serial).Seconds()/res.Elapsed.Seconds())
	if k := min(10, len(tr.reads)/2); k > 0 {
		mean := func(ds []time.Duration) float64 {
			var sum time.Duration
			for _, d := range ds {
				sum += d
			}
			return float64(sum.Microseconds()) / 1000 / float64(len(ds))
		}
		fmt.Printf("  ReadAll, one batch each: the first %d reads took %.1f ms on average, the last %d %.1f ms\n",
			k, mean(tr.reads[:k]), k, mean(tr.reads[len(tr.reads)-k:]))
	}
	var upd, hot, seqScans, seqRead, idxScans int64
	if err := pool.QueryRow(ctx, `select coalesce(n_tup_upd, 0), coalesce(n_tup_hot_upd, 0), coalesce(seq_scan, 0),
		coalesce(seq_tup_read, 0), coalesce(idx_scan, 0) from pg_stat_user_tables where schemaname = $1 and relname = 'risks'`,
		db.Schema).Scan(&upd, &hot, &seqScans, &seqRead, &idxScans); err == nil {
		fmt.Printf("  risks table statistics: %d updates (%d HOT), %d sequential scans reading %d rows, %d index scans (may lag by a second)\n",
			upd, hot, seqScans, seqRead, idxScans)
	}
}
