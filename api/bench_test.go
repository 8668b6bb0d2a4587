package api_test

// Benchmarks that print figures. They measure once per invocation and are meant to be
// run with -benchtime 1x:
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 30m ./api ./projections/risks
//
// No benchmark asserts on timing; a benchmark fails only when its setup or the data it
// produced is wrong.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
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

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/identity"
	cmdrisks "github.com/strata-grc/strata/commands/risks"
	"github.com/strata-grc/strata/commands/risks/risktest"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	evrisks "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema/testdb"
)

// ---------------------------------------------------------------------------------
// Harness: a real Strata on its own schema, whose pool counts what it sends.

// benchTracer counts every statement the pool sends (Exec, Query, each statement of a
// batch) and, while collecting, how long each kind took from the client's side.
type benchTracer struct {
	total      atomic.Int64
	collecting atomic.Bool

	mu    sync.Mutex
	stats map[string]*benchStmtStat
}

type benchStmtStat struct {
	n   int64         // calls (a batch counts once)
	dur time.Duration // summed client-side duration
}

type benchTraceKey struct{}

type benchTraceStart struct {
	key string
	at  time.Time
}

var benchSpaces = regexp.MustCompile(`\s+`)

func benchStmtKey(sql string) string {
	s := strings.TrimSpace(benchSpaces.ReplaceAllString(sql, " "))
	if len(s) <= 72 {
		return s
	}
	// Reads of the log share their select list; what tells them apart is their filter.
	if i := strings.Index(s, " where "); i > 40 {
		w := s[i+1:]
		if len(w) > 40 {
			w = w[:40]
		}
		return s[:32] + "… " + w + "…"
	}
	return s[:72] + "…"
}

func (t *benchTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	t.total.Add(1)
	if !t.collecting.Load() {
		return ctx
	}
	return context.WithValue(ctx, benchTraceKey{}, benchTraceStart{key: benchStmtKey(d.SQL), at: time.Now()})
}

func (t *benchTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if s, ok := ctx.Value(benchTraceKey{}).(benchTraceStart); ok {
		t.record(s.key, time.Since(s.at))
	}
}

func (t *benchTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	n := d.Batch.Len()
	t.total.Add(int64(n))
	if !t.collecting.Load() {
		return ctx
	}
	key := "[batch] projector writes"
	return context.WithValue(ctx, benchTraceKey{}, benchTraceStart{key: key, at: time.Now()})
}

func (t *benchTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (t *benchTracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	if s, ok := ctx.Value(benchTraceKey{}).(benchTraceStart); ok {
		t.record(s.key, time.Since(s.at))
	}
}

func (t *benchTracer) record(key string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats[key]
	if s == nil {
		s = &benchStmtStat{}
		t.stats[key] = s
	}
	s.n++
	s.dur += d
}

// collect starts a fresh per-statement collection.
func (t *benchTracer) collect() {
	t.mu.Lock()
	t.stats = map[string]*benchStmtStat{}
	t.mu.Unlock()
	t.collecting.Store(true)
}

// report stops collecting and prints the statements by total time; per is the number
// of operations (say creates) to express counts per operation.
func (t *benchTracer) report(title string, per int64, top int) {
	t.collecting.Store(false)
	t.mu.Lock()
	defer t.mu.Unlock()
	type row struct {
		key string
		s   benchStmtStat
	}
	var rows []row
	for k, s := range t.stats {
		rows = append(rows, row{k, *s})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].s.dur > rows[j].s.dur })
	fmt.Printf("  %s (client-side time per statement kind):\n", title)
	for i, r := range rows {
		if i == top {
			break
		}
		perOp := ""
		if per > 0 {
			perOp = fmt.Sprintf(" %5.2f/op", float64(r.s.n)/float64(per))
		}
		fmt.Printf("    %8d calls%s  mean %6.2f ms  total %7.2f s  %s\n", r.s.n, perOp,
			float64(r.s.dur.Microseconds())/1000/float64(r.s.n), r.s.dur.Seconds(), r.key)
	}
}

type benchEnv struct {
	b      *testing.B
	db     *testdb.DB
	pool   *pgxpool.Pool
	tracer *benchTracer
	app    *app.App
	runner *projections.Runner
	url    string

	runnerStarted time.Time
	stopOnce      sync.Once
	stopFn        func()
}

// The bench logs in as an admin of the schema's first organization, whose id is 1:
// events loaded straight into the log are filed under it.
const benchEmail, benchPassword = "bench@example.com", "bench password long enough"

// newBenchEnv makes a migrated schema and the app over a counting pool; start runs the
// projections and the HTTP server.
func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	db := testdb.New(b)
	tr := &benchTracer{stats: map[string]*benchStmtStat{}}
	cfg := db.Config.Copy()
	cfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	a, err := app.New(pool, app.Options{Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		pool.Close()
		b.Fatal(err)
	}
	e := &benchEnv{b: b, db: db, pool: pool, tracer: tr, app: a}
	e.stopFn = func() { pool.Close() }
	b.Cleanup(e.stop)
	return e
}

func (e *benchEnv) start() {
	b := e.b
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	runner, err := e.app.Runner(ctx, quiet, nil)
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	done := make(chan error, 1)
	e.runnerStarted = time.Now()
	go func() { done <- runner.Run(ctx) }()
	select {
	case <-runner.Running():
	case err := <-done:
		cancel()
		b.Fatalf("runner stopped before running: %v", err)
	}
	// Each bench client is one session sending as fast as it can: lift the per-session
	// rate limit, which is not what is measured.
	// and the login throttle: 32 clients log in as one account from one address at once.
	srv, err := e.app.Server(api.Config{Tracker: runner.Tracker, Logger: quiet, RateLimit: api.RateLimit{Rate: 1e9, Burst: 1e9},
		Throttle: api.ThrottlePolicy{PairFailures: 1000, AccountFailures: 1000, AddressFailures: 1000},
		// One account holds every client's session; the cap would end all but ten.
		MaxSessions: 1000})
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	e.runner, e.url = runner, hs.URL
	// The server remembers sessions and access as in production.
	listening := make(chan struct{})
	go func() { defer close(listening); e.app.Auth.Listen(ctx, e.pool) }()
	meta := events.Metadata{OrgID: 1, ActorName: events.System, CorrelationID: "bench-setup"}
	if orgID, err := e.app.Identity.OrganizationByName(ctx, "Bench"); err != nil {
		b.Fatal(err)
	} else if orgID == 0 {
		org, err := e.app.Identity.CreateOrganization(ctx, meta, "Bench")
		if err != nil || org.ID != 1 {
			b.Fatalf("bench organization: %d %v", org.ID, err)
		}
		user, err := e.app.Identity.RegisterUser(ctx, meta, benchEmail, "Bench", benchPassword)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.app.Identity.SetMembership(ctx, meta, user.ID, identity.Admin); err != nil {
			b.Fatal(err)
		}
	}
	e.stopFn = func() {
		hs.Close()
		cancel()
		_ = runner.Close()
		if err := <-done; err != nil {
			b.Errorf("runner: %v", err)
		}
		<-listening
		e.pool.Close()
	}
}

// stop ends the server, the runner and the pool (once).
func (e *benchEnv) stop() { e.stopOnce.Do(func() { e.stopFn() }) }

// client is one logged-in client: its own connections (kept alive) and its own session.
func (e *benchEnv) client() *http.Client {
	c := benchClient()
	resp, err := c.Post(e.url+"/api/auth/login", "application/json",
		strings.NewReader(`{"email":"`+benchEmail+`","password":"`+benchPassword+`"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		e.b.Fatalf("bench login: %v %v", resp, err)
	}
	resp.Body.Close()
	return c
}

func benchClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:     jar,
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second,
			DisableCompression: true,
		},
	}
}

func benchClose(c *http.Client) {
	if t, ok := c.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}

// benchOwner is the bench user's id: the first user registered in its schema.
var benchOwner int64 = 1

// benchCreateBody is a POST /api/risks body, owned by the bench's one member (an
// owner must be a member of the organization).
func benchCreateBody(rng *rand.Rand) []byte {
	f := risktest.Fields(rng)
	f.OwnerID = &benchOwner
	raw, err := json.Marshal(f)
	if err != nil {
		panic(err)
	}
	return raw
}

// ---------------------------------------------------------------------------------
// Small measuring tools.

// benchPct is the p-quantile (0..1) of sorted durations, in milliseconds.
func benchPct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	i = min(max(i, 0), len(sorted)-1)
	return float64(sorted[i].Microseconds()) / 1000
}

func benchSorted(ds []time.Duration) []time.Duration {
	out := slices.Clone(ds)
	slices.Sort(out)
	return out
}

// benchCPU samples this process's CPU time and the machine's busy and total jiffies.
type benchCPU struct {
	at         time.Time
	self       time.Duration
	busy, tota uint64
}

func benchCPUNow() benchCPU {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	s := benchCPU{at: time.Now(), self: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	if raw, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(raw), "\n")
		f := strings.Fields(line)
		for i, v := range f[1:] {
			n, _ := strconv.ParseUint(v, 10, 64)
			if i < 8 { // user nice system idle iowait irq softirq steal
				s.tota += n
				if i != 3 && i != 4 {
					s.busy += n
				}
			}
		}
	}
	return s
}

// benchCPUSince describes CPU use between two samples in cores.
func benchCPUSince(a benchCPU) benchCPUUse {
	b := benchCPUNow()
	u := benchCPUUse{wall: b.at.Sub(a.at).Seconds(), machine: math.NaN(), load: benchLoadAvg()}
	u.self = (b.self - a.self).Seconds() / u.wall
	if b.tota > a.tota {
		u.machine = float64(b.busy-a.busy) / float64(b.tota-a.tota) * float64(runtime.NumCPU())
	}
	return u
}

// benchCPUUse is the processor use over a span of wall time, in cores.
type benchCPUUse struct {
	wall, machine, self float64
	load                string
}

func (u benchCPUUse) String() string {
	return fmt.Sprintf("CPU: machine %.2f of %d cores busy; this Go process (clients+server+runner) %.2f cores; the rest (postgres, anything else running) %.2f; load average %s",
		u.machine, runtime.NumCPU(), u.self, u.machine-u.self, u.load)
}

// perOp is the processor time, in milliseconds, that each of rate operations a
// second took in this process and in the rest of the machine. Less noisy than a rate
// on a shared machine: a busy neighbour slows the rate more than it changes the cost.
func (u benchCPUUse) perOp(rate float64) (self, rest float64) {
	return 1000 * u.self / rate, 1000 * (u.machine - u.self) / rate
}

// benchLoadAvg is the machine's 1-minute load average: other work running beside the
// benchmark skews every figure.
func benchLoadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return "unknown"
	}
	return f[0]
}

// ---------------------------------------------------------------------------------
// 1. Create throughput versus pgbench.

func BenchmarkCreateThroughput(b *testing.B) {
	const (
		clients = 32
		warmup  = time.Second
		measure = 10 * time.Second
	)
	ctx := context.Background()
	e := newBenchEnv(b)
	e.start()

	var (
		measuring, stop atomic.Bool
		created, failed atomic.Int64
		wg              sync.WaitGroup
		latMu           sync.Mutex
		lats            []time.Duration
		firstErr        atomic.Value
	)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(1, uint64(i)))
			c := e.client()
			defer benchClose(c)
			var mine []time.Duration
			for !stop.Load() {
				body := benchCreateBody(rng)
				t0 := time.Now()
				resp, err := c.Post(e.url+"/api/risks", "application/json", bytes.NewReader(body))
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				if resp.StatusCode != http.StatusCreated {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%d %s", resp.StatusCode, raw))
					continue
				}
				if measuring.Load() {
					created.Add(1)
					mine = append(mine, d)
				}
			}
			latMu.Lock()
			lats = append(lats, mine...)
			latMu.Unlock()
		}()
	}
	time.Sleep(warmup)
	b.ResetTimer()
	e.tracer.collect()
	cpu0 := benchCPUNow()
	measuring.Store(true)
	t0 := time.Now()
	time.Sleep(measure)
	measuring.Store(false)
	elapsed := time.Since(t0)
	cpuLine := benchCPUSince(cpu0)
	stop.Store(true)
	wg.Wait()
	b.StopTimer()
	n := created.Load()
	e.tracer.report("database statements during the measured create window", n, 12)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d creates failed; first: %v", f, firstErr.Load())
	}
	if n == 0 {
		b.Fatal("no create succeeded")
	}
	rps := float64(n) / elapsed.Seconds()
	sl := benchSorted(lats)

	// The same shape of row, one per transaction, straight into PostgreSQL.
	var dataText, metaText string
	var avgData, avgMeta float64
	if err := e.pool.QueryRow(ctx, `select avg(octet_length(data::text)), avg(octet_length(metadata::text)) from events
		where type = 'RiskCreated'`).Scan(&avgData, &avgMeta); err != nil {
		b.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `select data::text, metadata::text from events where type = 'RiskCreated'
		order by abs(octet_length(data::text) - $1), global_position limit 1`, avgData).Scan(&dataText, &metaText); err != nil {
		b.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `create table pgbench_events (like events including defaults including identity including generated)`); err != nil {
		b.Fatal(err)
	}
	e.stop() // the server, runner and their connections make room for pgbench's
	cpu0 = benchCPUNow()
	tps, latAvg, err := benchPgbench(b, e.db.Schema, clients, 10, dataText, metaText)
	if err != nil {
		b.Fatal(err)
	}
	pgbenchCPU := benchCPUSince(cpu0)
	ratio := rps / tps
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(tps, "pgbench-tps")
	b.ReportMetric(ratio, "http/pgbench")
	b.ReportMetric(benchPct(sl, 0.5), "p50-ms")
	b.ReportMetric(benchPct(sl, 0.99), "p99-ms")
	fmt.Printf("create throughput: %.0f req/s over %.1fs with %d clients (latency p50 %.1f ms, p99 %.1f ms) "+
		"(pgbench same-shape insert: %.0f tps, latency avg %.1f ms; ratio %.2f)\n",
		rps, elapsed.Seconds(), clients, benchPct(sl, 0.5), benchPct(sl, 0.99), tps, latAvg, ratio)
	fmt.Printf("  during HTTP creates: %s\n", cpuLine)
	hits, misses := e.app.Auth.Stats()
	fmt.Printf("  session and access lookups: %d answered from memory, %d read from the database\n", hits, misses)
	if pg, ok := e.app.Store.(*postgres.Store); ok {
		grouped, groups := pg.GroupStats()
		fmt.Printf("  appends written in groups: %d in %d groups (%.1f per group)\n", grouped, groups,
			float64(grouped)/math.Max(1, float64(groups)))
	}
	fmt.Printf("  during pgbench:      %s\n", pgbenchCPU)
	createGo, createRest := cpuLine.perOp(rps)
	_, insertRest := pgbenchCPU.perOp(tps)
	fmt.Printf("  processor time per create: %.3f ms in this Go process, %.3f ms in the rest (PostgreSQL); per pgbench insert %.3f ms (PostgreSQL and pgbench itself); cost ratio %.2f\n",
		createGo, createRest, insertRest, insertRest/(createGo+createRest))
	fmt.Printf("  event row: data %.0f bytes, metadata %.0f bytes on average; pgbench_events has no indexes, events has 5\n", avgData, avgMeta)
}

var (
	benchTPS     = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)
	benchLatency = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
)

// benchPgbench runs pgbench in the test schema and returns its tps and mean latency.
func benchPgbench(b *testing.B, schema string, clients, seconds int, dataText, metaText string) (float64, float64, error) {
	b.Helper()
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	script := `\set n random(1, 1000000000000)` + "\n" +
		`insert into pgbench_events (event_id, stream_id, stream_version, type, schema_version, data, metadata) ` +
		`values (gen_random_uuid(), 'risk-pgbench-' || :n, 1, 'RiskCreated', 1, ` +
		quote(dataText) + `::jsonb, ` + quote(metaText) + `::jsonb);` + "\n"
	path := filepath.Join(b.TempDir(), "insert.sql")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		return 0, 0, err
	}
	bin := "pgbench"
	if _, err := exec.LookPath(bin); err != nil {
		bin = "/usr/bin/pgbench"
	}
	cmd := exec.Command(bin, "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(seconds), "-n", "-f", path,
		testdb.URL())
	cmd.Env = append(os.Environ(), "PGOPTIONS=-c search_path="+schema+",public")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("pgbench: %v\n%s", err, out)
	}
	m := benchTPS.FindSubmatch(out)
	if m == nil {
		return 0, 0, fmt.Errorf("pgbench printed no tps line:\n%s", out)
	}
	tps, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		return 0, 0, err
	}
	var lat float64
	if m := benchLatency.FindSubmatch(out); m != nil {
		lat, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	return tps, lat, nil
}

// ---------------------------------------------------------------------------------
// 2. Projection lag under steady load, and the idle database load.

func BenchmarkProjectionLag(b *testing.B) {
	const (
		clients  = 8
		perSec   = 25
		duration = 10 * time.Second
		idle     = 5 * time.Second
	)
	e := newBenchEnv(b)
	e.start()
	names := []string{"risks"}

	var (
		wg, waiters sync.WaitGroup
		mu          sync.Mutex
		lags        []time.Duration // reply arrival -> tracker reached the event
		lookups     []time.Duration // reply arrival -> PositionOf answered
		reqs        []time.Duration
		failed      atomic.Int64
		notReached  atomic.Int64
		firstErr    atomic.Value
	)
	interval := time.Second / perSec
	start := time.Now().Add(50 * time.Millisecond)
	end := start.Add(duration)
	b.ResetTimer()
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(2, uint64(i)))
			c := e.client()
			defer benchClose(c)
			next := start.Add(time.Duration(i) * interval / clients) // spread the clients out
			for next.Before(end) {
				time.Sleep(time.Until(next))
				body := benchCreateBody(rng)
				t0 := time.Now()
				resp, err := c.Post(e.url+"/api/risks", "application/json", bytes.NewReader(body))
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				} else {
					arrived := time.Now()
					header := resp.Header.Get("X-Event-Position")
					raw, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					_, _, perr := parseWriteToken(header)
					if resp.StatusCode != http.StatusCreated || perr != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, fmt.Sprintf("%d %q %s", resp.StatusCode, header, raw))
					} else {
						waiters.Add(1)
						go func() {
							defer waiters.Done()
							ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
							defer cancel()
							pos, err := tokenPosition(ctx, e.app.Store, header)
							looked := time.Since(arrived)
							if err != nil {
								failed.Add(1)
								firstErr.CompareAndSwap(nil, err.Error())
								return
							}
							if !e.runner.Tracker.Wait(ctx, names, pos) {
								notReached.Add(1)
								return
							}
							lag := time.Since(arrived)
							mu.Lock()
							lags, lookups = append(lags, lag), append(lookups, looked)
							mu.Unlock()
						}()
						mu.Lock()
						reqs = append(reqs, arrived.Sub(t0))
						mu.Unlock()
					}
				}
				next = next.Add(interval)
				if now := time.Now(); next.Before(now) {
					next = now // behind schedule: do not burst to catch up
				}
			}
		}()
	}
	wg.Wait()
	waiters.Wait()
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d creates failed; first: %v", f, firstErr.Load())
	}
	if n := notReached.Load(); n > 0 {
		b.Fatalf("the risks projection did not reach %d events within 30s", n)
	}
	sl, slk, sr := benchSorted(lags), benchSorted(lookups), benchSorted(reqs)
	rate := float64(len(lags)) / duration.Seconds()

	// Idle: no writes. Let the subscriber's settle waits run out first.
	time.Sleep(1500 * time.Millisecond)
	e.tracer.collect()
	before := e.tracer.total.Load()
	time.Sleep(idle)
	sent := e.tracer.total.Load() - before
	idleQPS := float64(sent) / idle.Seconds()

	b.ReportMetric(benchPct(sl, 0.5), "lag-p50-ms")
	b.ReportMetric(benchPct(sl, 0.99), "lag-p99-ms")
	b.ReportMetric(benchPct(sl, 1), "lag-max-ms")
	b.ReportMetric(idleQPS, "idle-queries/s")
	fmt.Printf("projection lag (HTTP 201 arrival -> tracker reached the event): p50 %.1f ms, p99 %.1f ms, max %.1f ms "+
		"over %d creates (%.0f/s from %d clients; p90 %.1f ms, p95 %.1f ms)\n", benchPct(sl, 0.5), benchPct(sl, 0.99),
		benchPct(sl, 1), len(lags), rate, clients, benchPct(sl, 0.9), benchPct(sl, 0.95))
	fmt.Printf("  of which the PositionOf lookup: p50 %.2f ms, p99 %.2f ms; create request latency p50 %.1f ms, p99 %.1f ms\n",
		benchPct(slk, 0.5), benchPct(slk, 0.99), benchPct(sr, 0.5), benchPct(sr, 0.99))
	fmt.Printf("idle database load: %.1f queries/s (%d statements in %v with no writes)\n", idleQPS, sent, idle)
	e.tracer.report("statements sent while idle", 0, 8)
}

// ---------------------------------------------------------------------------------
// 3. List latency over 100,000 risks.

// benchLoadRisks COPYs n RiskCreated events into the log, as if they had been created
// one by one, and moves the id sequence past them.
func benchLoadRisks(ctx context.Context, b *testing.B, pool *pgxpool.Pool, n int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(3, 3))
	const meta = `{"org_id":1,"actor_id":1,"actor_name":"Bench","correlation_id":"bench"}`
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		i++
		id := int64(i)
		data, err := json.Marshal(evrisks.RiskCreated{RiskID: id, Fields: risktest.Fields(rng)})
		if err != nil {
			return nil, err
		}
		return []any{uuid.New(), evrisks.Stream(id), int64(1), "RiskCreated", int32(1), string(data), meta}, nil
	})
	copied, err := pool.CopyFrom(ctx, pgx.Identifier{"events"},
		[]string{"event_id", "stream_id", "stream_version", "type", "schema_version", "data", "metadata"}, src)
	if err != nil {
		b.Fatal(err)
	}
	if copied != int64(n) {
		b.Fatalf("copied %d events, want %d", copied, n)
	}
	if _, err := pool.Exec(ctx, `select setval('risk_id_seq', $1)`, int64(n)); err != nil {
		b.Fatal(err)
	}
}

// benchLast is the last event in subscriber order.
func benchLast(ctx context.Context, b *testing.B, pool *pgxpool.Pool) events.Position {
	b.Helper()
	var xid string
	var pos events.Position
	if err := pool.QueryRow(ctx, `select transaction_id::text, global_position from events
		order by events.transaction_id desc, events.global_position desc limit 1`).Scan(&xid, &pos.GlobalPosition); err != nil {
		b.Fatal(err)
	}
	var err error
	if pos.TransactionID, err = strconv.ParseUint(xid, 10, 64); err != nil {
		b.Fatal(err)
	}
	return pos
}

type benchListReply struct {
	Success bool `json:"success"`
	Data    []struct {
		ID int64 `json:"id"`
	} `json:"data"`
	Meta struct {
		Total      int64   `json:"total"`
		NextCursor *string `json:"next_cursor"`
	} `json:"meta"`
}

func BenchmarkListLatency(b *testing.B) {
	const (
		risks    = 100_000
		requests = 1000
	)
	ctx := context.Background()
	e := newBenchEnv(b)
	t0 := time.Now()
	benchLoadRisks(ctx, b, e.pool, risks)
	copied := time.Since(t0)
	last := benchLast(ctx, b, e.pool)

	e.tracer.collect()
	cpu0 := benchCPUNow()
	e.start()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	reached := e.runner.Tracker.Wait(wctx, []string{"risks"}, last)
	cancel()
	catchUp := time.Since(e.runnerStarted)
	catchCPU := benchCPUSince(cpu0)
	if !reached {
		b.Fatalf("the risks projection did not catch up in 5 minutes; at %+v of %+v", e.runner.Tracker.Position("risks"), last)
	}
	var rows int64
	if err := e.pool.QueryRow(ctx, `select count(*) from risks`).Scan(&rows); err != nil {
		b.Fatal(err)
	}
	if rows != risks {
		b.Fatalf("risks holds %d rows after the catch-up, want %d", rows, risks)
	}

	catchRate := float64(risks) / catchUp.Seconds()
	fmt.Printf("projection catch-up: %d RiskCreated events in %.2fs = %.0f events/s (COPY of the events took %.2fs)\n",
		risks, catchUp.Seconds(), catchRate, copied.Seconds())
	fmt.Printf("  %s\n", catchCPU)
	e.tracer.report("database statements during the catch-up", 0, 6)
	// The other projections (the trail, the seal, ...) catch up on the same events
	// after the risks one; lists are measured once they are done, as on a server
	// that is not importing.
	wctx, cancel = context.WithTimeout(ctx, 10*time.Minute)
	reached = e.runner.Tracker.Wait(wctx, e.runner.Names(), last)
	cancel()
	if !reached {
		b.Fatal("the projections did not all catch up in 10 minutes")
	}
	fmt.Printf("  every projection caught up %.2fs after the start\n", time.Since(e.runnerStarted).Seconds())
	// A running system's autovacuum keeps the visibility map current, which lets the
	// list's count(*) use index-only scans; a freshly bulk-loaded table has none yet.
	if _, err := e.pool.Exec(ctx, `vacuum analyze risks, events`); err != nil {
		b.Fatal(err)
	}

	// The request mix.
	rng := rand.New(rand.NewPCG(4, 4))
	type kind struct {
		name  string
		query func() string
	}
	v := func(k, val string) string { return k + "=" + url.QueryEscape(val) }
	owner := func() string { return strconv.Itoa(1 + rng.IntN(50)) }
	kinds := []kind{
		{"none", func() string { return "" }},
		{"status", func() string { return v("status", risktest.Pick(rng, cmdrisks.Statuses)) }},
		{"category", func() string { return v("category", risktest.Pick(rng, risktest.Categories)) }},
		{"rating", func() string { return v("rating", risktest.Pick(rng, []string{"Low", "Medium", "High", "Critical"})) }},
		{"owner_id", func() string { return v("owner_id", owner()) }},
		{"q", func() string { return v("q", risktest.Pick(rng, risktest.Words)) }},
		{"status+category", func() string {
			return v("status", risktest.Pick(rng, cmdrisks.Statuses)) + "&" + v("category", risktest.Pick(rng, risktest.Categories))
		}},
		{"rating+owner", func() string { return v("rating", "High") + "&" + v("owner_id", owner()) }},
		{"q+status", func() string {
			return v("q", risktest.Pick(rng, risktest.Words)) + "&" + v("status", risktest.Pick(rng, cmdrisks.Statuses))
		}},
		{"sort=-score", func() string { return "sort=-score" }},
		{"sort=updated_at", func() string { return "sort=updated_at" }},
		{"category+sort=-score", func() string { return v("category", risktest.Pick(rng, risktest.Categories)) + "&sort=-score" }},
	}
	c := e.client()
	defer benchClose(c)
	get := func(query string) (benchListReply, time.Duration) {
		t0 := time.Now()
		resp, err := c.Get(e.url + "/api/risks?" + query)
		if err != nil {
			b.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		var r benchListReply
		if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &r) != nil || !r.Success {
			b.Fatalf("GET /api/risks?%s: %d %s", query, resp.StatusCode, raw)
		}
		return r, d
	}
	// A few requests to warm the connection and the statement cache.
	for _, k := range kinds {
		get(k.query())
	}

	var all []time.Duration
	byKind := map[string][]time.Duration{}
	var totals int64
	b.ResetTimer()
	e.tracer.collect()
	for len(all) < requests {
		k := kinds[rng.IntN(len(kinds))]
		q := k.query()
		r, d := get(q)
		all = append(all, d)
		byKind[k.name] = append(byKind[k.name], d)
		totals += r.Meta.Total
		if rng.IntN(3) == 0 { // follow next_cursor for 2 more pages
			for page := 2; page <= 3 && r.Meta.NextCursor != nil && len(all) < requests; page++ {
				nq := "cursor=" + url.QueryEscape(*r.Meta.NextCursor)
				if q != "" {
					nq = q + "&" + nq
				}
				r, d = get(nq)
				all = append(all, d)
				byKind["next page"] = append(byKind["next page"], d)
			}
		}
	}
	b.StopTimer()
	sa := benchSorted(all)
	b.ReportMetric(catchRate, "catchup-events/s")
	b.ReportMetric(benchPct(sa, 0.5), "p50-ms")
	b.ReportMetric(benchPct(sa, 0.95), "p95-ms")
	b.ReportMetric(benchPct(sa, 0.99), "p99-ms")
	fmt.Printf("list latency over %d risks: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms (%d requests, client side over loopback)\n",
		risks, benchPct(sa, 0.5), benchPct(sa, 0.95), benchPct(sa, 0.99), len(all))
	names := make([]string, 0, len(byKind))
	for k := range byKind {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		return benchPct(benchSorted(byKind[names[i]]), 0.5) > benchPct(benchSorted(byKind[names[j]]), 0.5)
	})
	for _, k := range names {
		s := benchSorted(byKind[k])
		fmt.Printf("    %-22s %4d requests  p50 %7.2f ms  p99 %7.2f ms\n", k, len(s), benchPct(s, 0.5), benchPct(s, 0.99))
	}
	e.tracer.report("database statements during the list requests", int64(len(all)), 6)
}
