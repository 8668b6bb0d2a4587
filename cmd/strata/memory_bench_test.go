package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	_ "net/http/pprof" // the profiled server's heap profiles
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/blobs"
	"github.com/strata-grc/strata/schema/testdb"
)

// BenchmarkServerMemory measures the resident memory of `strata serve`, as users run
// it and with its default settings, serving an organization of 1,000,000 events: once
// its projections have caught up with the whole log, and after 20 s of four members
// reading lists, records, histories, the dashboard (once as of six months ago) and the
// audit trail with its CSV export. An idle server on an empty organization is the
// baseline. The target is under 150 MB resident.
//
//	go test -run '^$' -bench BenchmarkServerMemory -benchtime 1x -timeout 60m ./cmd/strata
//
// STRATA_MEMBENCH_EVENTS changes the log's size (for a quick look); GOGC, GOMEMLIMIT
// and GODEBUG in the environment reach the server, to compare deployment settings.
// STRATA_MEMBENCH_PROFILE=DIR runs the server as this test binary with a heap
// profiler, and writes heap profiles there at catch-up and after the mix, and the
// server's output (with GODEBUG=gctrace=1, the heap at every collection).
func BenchmarkServerMemory(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("STRATA_MEMBENCH_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("STRATA_MEMBENCH_EVENTS=%q: want a count of at least 1000", v)
		}
	}
	profileDir := os.Getenv("STRATA_MEMBENCH_PROFILE")
	ctx := context.Background()
	bin := buildStrata(b)

	// The baseline: a server on an organization with nothing but its admin, idle.
	empty := testdb.New(b)
	strataCLI(b, bin, schemaURL(empty), "baseline admin password\n", "admin", "create-user", "--email", "admin@empty.example",
		"--name", "Baseline Admin", "--org", "Empty", "--role", "admin")
	idleSrv := startMemServer(b, bin, empty, "")
	idleSrv.waitCaughtUp(b, empty.Pool, false)
	time.Sleep(5 * time.Second)
	idle := idleSrv.sample(b)
	idleSrv.stop()

	// The large organization: the demo through the commands, then a year of work.
	db := testdb.New(b)
	out := strataCLI(b, bin, schemaURL(db), "", "seed", "--risks", "300")
	logins := demoLogins(b, out)
	began := time.Now()
	base := loadFillBase(ctx, b, db.Pool)
	fill := newFillLog(base, n, time.Now().Add(-time.Hour))
	fill.copyInto(ctx, b, db.Pool)
	var total, streams int64
	if err := db.Pool.QueryRow(ctx, `select count(*), count(distinct stream_id) from events`).Scan(&total, &streams); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("filled: %d events in %d streams (%d copied in %s, %.0f events/s; the rest is the seeded demo); load average %s\n",
		total, streams, n, time.Since(began).Round(time.Millisecond), float64(n)/time.Since(began).Seconds(), loadAvg())
	fmt.Printf("  copied by type: %s\n", countsLine(fill.Counts))

	srv := startMemServer(b, bin, db, profileDir)
	began = time.Now()
	loadAtStart := loadAvg()
	srv.waitCaughtUp(b, db.Pool, true)
	catchUp := time.Since(began)
	caught := srv.sample(b)
	loadCaught := loadAvg()
	srv.profile(b, profileDir, "caught-up")
	fmt.Printf("caught up with %d events in %s (%.0f events/s per projection); load average at start %s, at catch-up %s\n",
		total, catchUp.Round(time.Second), float64(total)/catchUp.Seconds(), loadAtStart, loadCaught)

	// A production database runs autovacuum, which analyses and vacuums the tables the
	// catch-up filled within minutes; a database without it (this machine's may be one:
	// the server warns at start) plans every list blind, and the mix would measure that.
	t0 := time.Now()
	var tables string
	if err := db.Pool.QueryRow(ctx, `select string_agg(format('%I.%I', schemaname, tablename), ', ') from pg_tables
		where schemaname = $1`, db.Schema).Scan(&tables); err != nil {
		b.Fatal(err)
	}
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `set statement_timeout = 0`); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `vacuum analyze `+tables); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `reset statement_timeout`); err != nil {
		b.Fatal(err)
	}
	conn.Release()
	fmt.Printf("vacuum analyze, as autovacuum would have run: %s\n", time.Since(t0).Round(time.Millisecond))

	// The peak of the mix alone: the kernel forgets the catch-up's.
	srv.resetPeak(b)
	mix := runMemMix(b, srv.base(), srv.cmd.Process.Pid, logins, fill.start, 20*time.Second)
	after := srv.sample(b)
	loadMix := loadAvg()
	srv.profile(b, profileDir, "after-mix")
	fmt.Printf("mix: %s; load average after %s\n", mix, loadMix)

	mb := func(kb int64) float64 { return float64(kb) / 1024 }
	b.ReportMetric(mb(idle.rss), "idle-RSS-MB")
	b.ReportMetric(mb(caught.hwm), "catchup-peak-RSS-MB")
	b.ReportMetric(mb(caught.rss), "caughtup-RSS-MB")
	b.ReportMetric(mb(after.hwm), "mix-peak-RSS-MB")
	b.ReportMetric(mb(after.rss), "after-mix-RSS-MB")
	b.ReportMetric(float64(after.goHeapInuse)/(1<<20), "after-mix-Go-heap-inuse-MB")
	fmt.Printf("server memory, %d events (target: under 150 MB resident):\n", total)
	for _, r := range []struct {
		what string
		s    memSample
	}{{"idle, empty organization", idle}, {"caught up (peak during catch-up)", caught}, {"after the mix (peak during the mix)", after}} {
		fmt.Printf("  %-36s RSS %6.1f MB, peak %6.1f MB; Go: heap in use %6.1f MB, heap idle %6.1f MB (released %6.1f), stacks %5.1f MB, from the OS %6.1f MB, %d goroutines\n",
			r.what, mb(r.s.rss), mb(r.s.hwm), float64(r.s.goHeapInuse)/(1<<20), float64(r.s.goHeapIdle)/(1<<20),
			float64(r.s.goHeapReleased)/(1<<20), float64(r.s.goStack)/(1<<20), float64(r.s.goSys)/(1<<20), r.s.goroutines)
	}
	if worst := max(caught.hwm, after.hwm); mb(worst) >= 150 {
		fmt.Printf("  over the 150 MB target: peak %.1f MB resident\n", mb(worst))
	}
}

// memServer is `strata serve` as a child process with /metrics on a listener of its own.
type memServer struct {
	addr, metricsAddr, pprofAddr, logPath string
	lastProfile                           string
	cmd                                   *exec.Cmd
	done                                  chan struct{}
	names                                 []string
}

func (s *memServer) base() string { return "http://" + s.addr }

// startMemServer starts the built binary with the default settings, but for a quieter
// log and /metrics on a listener of its own (the Go runtime's figures); with
// profileDir set it starts this test binary serving the same way with a heap profiler
// beside it.
func startMemServer(b *testing.B, bin string, db *testdb.DB, profileDir string) *memServer {
	b.Helper()
	wired, err := app.New(db.Pool, app.Options{Blobs: mustBlobDir(b)})
	if err != nil {
		b.Fatal(err)
	}
	dbURL := schemaURL(db)
	logDir := b.TempDir()
	if profileDir != "" {
		logDir = profileDir
	}
	s := &memServer{addr: fmt.Sprintf("127.0.0.1:%d", freePort(b)), metricsAddr: fmt.Sprintf("127.0.0.1:%d", freePort(b)),
		logPath: filepath.Join(logDir, "serve.log"), done: make(chan struct{})}
	for _, p := range wired.Projectors {
		s.names = append(s.names, p.Name())
	}
	log, err := os.Create(s.logPath)
	if err != nil {
		b.Fatal(err)
	}
	args := []string{"serve", "--addr", s.addr, "--database-url", dbURL}
	env := cleanEnv("STRATA_METRICS_ADDR="+s.metricsAddr, "STRATA_LOG_LEVEL=warn")
	cmd := exec.Command(bin, args...)
	if profileDir != "" {
		s.pprofAddr = fmt.Sprintf("127.0.0.1:%d", freePort(b))
		cmd = exec.Command(os.Args[0], "-test.run=^TestMemBenchProfiledServer$")
		raw, _ := json.Marshal(args)
		env = append(env, "STRATA_MEMBENCH_SERVE="+string(raw), "STRATA_MEMBENCH_PPROF="+s.pprofAddr)
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s.cmd = cmd
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(s.done)
	}()
	b.Cleanup(s.stop)
	return s
}

func mustBlobDir(b *testing.B) blobs.Store {
	s, err := blobs.Dir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func (s *memServer) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *memServer) logTail() string {
	raw, _ := os.ReadFile(s.logPath)
	if len(raw) > 4000 {
		raw = raw[len(raw)-4000:]
	}
	return string(raw)
}

// waitCaughtUp waits until /readyz answers and every projection's checkpoint is at the
// last event of the log, printing the progress every 30 s when asked.
func (s *memServer) waitCaughtUp(b *testing.B, pool *pgxpool.Pool, progress bool) {
	b.Helper()
	ctx := context.Background()
	var xid string
	var pos int64
	if err := pool.QueryRow(ctx, `select transaction_id::text, global_position from events
		order by events.transaction_id desc, events.global_position desc limit 1`).Scan(&xid, &pos); err != nil {
		b.Fatal(err)
	}
	began, told := time.Now(), time.Now()
	client := http.Client{Timeout: 5 * time.Second}
	for {
		select {
		case <-s.done:
			b.Fatalf("the server exited:\n%s", s.logTail())
		default:
		}
		var at, behind int
		err := pool.QueryRow(ctx, `select count(*) filter (where transaction_id > $2::xid8 or (transaction_id = $2::xid8 and position >= $3)),
				count(*) filter (where position < $3) from checkpoints where name = any($1)`, s.names, xid, pos).Scan(&at, &behind)
		if err == nil && at == len(s.names) {
			if resp, err := client.Get(s.base() + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return
				}
			}
		}
		if progress && time.Since(told) > 30*time.Second {
			told = time.Now()
			var least int64
			_ = pool.QueryRow(ctx, `select coalesce(min(position), 0) from checkpoints where name = any($1)`, s.names).Scan(&least)
			rss, _ := readRSS(s.cmd.Process.Pid)
			fmt.Printf("  catching up: %s, %d projections caught up, the last at position %d of %d; RSS %.1f MB; load average %s\n",
				time.Since(began).Round(time.Second), len(s.names)-behind, least, pos, float64(rss)/1024, loadAvg())
		}
		if time.Since(began) > 50*time.Minute {
			b.Fatalf("projections not caught up after %s:\n%s", time.Since(began), s.logTail())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// memSample is the process's memory as the kernel and the Go runtime see it.
type memSample struct {
	rss, hwm                                         int64 // KiB
	goHeapInuse, goHeapIdle, goHeapReleased, goStack int64 // bytes
	goSys                                            int64
	goroutines                                       int64
}

func (s *memServer) sample(b *testing.B) memSample {
	b.Helper()
	var m memSample
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		for prefix, to := range map[string]*int64{"VmRSS:": &m.rss, "VmHWM:": &m.hwm} {
			if rest, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				*to, _ = strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			}
		}
	}
	f.Close()
	resp, err := http.Get("http://" + s.metricsAddr + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	sc = bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		to := map[string]*int64{"go_memstats_heap_inuse_bytes": &m.goHeapInuse, "go_memstats_heap_idle_bytes": &m.goHeapIdle,
			"go_memstats_heap_released_bytes": &m.goHeapReleased, "go_memstats_stack_inuse_bytes": &m.goStack,
			"go_memstats_sys_bytes": &m.goSys, "go_goroutines": &m.goroutines}[name]
		if to != nil {
			f, _ := strconv.ParseFloat(value, 64)
			*to = int64(f)
		}
	}
	return m
}

// resetPeak makes the kernel start the process's VmHWM again from its present size.
func (s *memServer) resetPeak(b *testing.B) {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0); err != nil {
		b.Logf("cannot reset the peak resident size (%v); the mix's peak includes the catch-up's", err)
	}
}

// profile saves a heap profile of a server started with a profiler, and prints its
// largest holders.
func (s *memServer) profile(b *testing.B, dir, name string) {
	if s.pprofAddr == "" {
		return
	}
	// After a collection: what is live, not what awaits the collector.
	resp, err := http.Get("http://" + s.pprofAddr + "/debug/pprof/heap?gc=1")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	path := filepath.Join(dir, name+".heap.pb.gz")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		b.Fatal(err)
	}
	f.Close()
	top, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=25", "-sample_index=inuse_space", path).CombinedOutput()
	if err != nil {
		b.Logf("go tool pprof: %v", err)
	}
	fmt.Printf("heap profile %s, in use (%s):\n%s\n", name, path, top)
	if s.lastProfile != "" {
		// What was allocated since the last profile: the transient peaks' makers.
		top, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=25", "-sample_index=alloc_space",
			"-diff_base", s.lastProfile, path).CombinedOutput()
		if err != nil {
			b.Logf("go tool pprof: %v", err)
		}
		fmt.Printf("allocated between %s and %s:\n%s\n", filepath.Base(s.lastProfile), filepath.Base(path), top)
	}
	s.lastProfile = path
}

// TestMemBenchProfiledServer is not a test: BenchmarkServerMemory runs the server
// through it, in this test binary, when it wants heap profiles.
func TestMemBenchProfiledServer(t *testing.T) {
	raw := os.Getenv("STRATA_MEMBENCH_SERVE")
	if raw == "" {
		t.Skip("runs only as BenchmarkServerMemory's profiled server")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	go func() { _ = http.ListenAndServe(os.Getenv("STRATA_MEMBENCH_PPROF"), nil) }()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, args, nil, os.Stdout, os.Stderr); err != nil {
		t.Fatal(err)
	}
}

// demoLogins reads the demo members' emails and passwords, by role, from what `strata
// seed` printed.
func demoLogins(b *testing.B, out string) map[string][2]string {
	b.Helper()
	logins := map[string][2]string{}
	_, rest, _ := strings.Cut(out, "demo logins")
	for _, line := range strings.Split(rest, "\n")[1:] {
		if f := strings.Fields(line); len(f) == 3 && strings.Contains(f[1], "@") {
			logins[f[0]] = [2]string{f[1], f[2]}
		}
	}
	for _, role := range []string{"admin", "risk_manager", "compliance_manager", "auditor"} {
		if _, ok := logins[role]; !ok {
			b.Fatalf("no %s login in the seed's output:\n%s", role, out)
		}
	}
	return logins
}

func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(raw))[:3], " ")
}

func countsLine(counts map[string]int) string {
	types := slices.Collect(func(yield func(string) bool) {
		for t := range counts {
			if !yield(t) {
				return
			}
		}
	})
	slices.SortFunc(types, func(a, b string) int { return counts[b] - counts[a] })
	var parts []string
	for _, t := range types {
		parts = append(parts, fmt.Sprintf("%s %d", t, counts[t]))
	}
	return strings.Join(parts, ", ")
}

// memClient is one member reading through the API with a session of their own.
type memClient struct {
	role   string
	base   string
	http   *http.Client
	rng    *rand.Rand
	ids    map[string][]int64
	mu     *sync.Mutex
	stats  *memMixStats
	asOf   time.Time
	asOfDo bool
}

type memMixStats struct {
	requests, limited int
	// unavailable are 503s: requests that ran out of their time (the server's
	// request timeout) or found the database busy. They are figures, not failures.
	unavailable []string
	bytes       int64
	failures    []string
	byRoute     map[string][]time.Duration
	inFlight    map[*memClient]string
	// peak is the largest resident size sampled during the mix, with the requests
	// that were running then.
	peak       int64
	peakRoutes []string
	// took is how long the mix ran: a request under way at its end is waited for.
	took time.Duration
}

func (s *memMixStats) String() string {
	routes := slices.Sorted(func(yield func(string) bool) {
		for r := range s.byRoute {
			if !yield(r) {
				return
			}
		}
	})
	var parts []string
	for _, r := range routes {
		ds := slices.Sorted(slices.Values(s.byRoute[r]))
		parts = append(parts, fmt.Sprintf("%s ×%d (p50 %s, max %s)", r, len(ds), ds[len(ds)/2].Round(time.Millisecond),
			ds[len(ds)-1].Round(time.Millisecond)))
	}
	out := fmt.Sprintf("%d requests in %s (%d rate-limited), %.1f MB answered; largest RSS sampled %.1f MB while running: %s\n    %s",
		s.requests, s.took.Round(time.Second), s.limited, float64(s.bytes)/(1<<20), float64(s.peak)/1024, strings.Join(s.peakRoutes, ", "),
		strings.Join(parts, "\n    "))
	if len(s.unavailable) > 0 {
		out += "\n    503 (request timeout or database busy): " + strings.Join(s.unavailable, "; ")
	}
	return out
}

// runMemMix has the admin, the risk manager, the compliance manager and the auditor
// work through the API at once for d.
func runMemMix(b *testing.B, base string, pid int, logins map[string][2]string, logStart time.Time, d time.Duration) *memMixStats {
	b.Helper()
	stats := &memMixStats{byRoute: map[string][]time.Duration{}, inFlight: map[*memClient]string{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	began := time.Now()
	deadline := began.Add(d)
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if kb, err := readRSS(pid); err == nil {
				mu.Lock()
				if kb > stats.peak {
					stats.peak, stats.peakRoutes = kb, slices.Sorted(maps.Values(stats.inFlight))
				}
				mu.Unlock()
			}
			select {
			case <-sampling:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	for i, role := range []string{"admin", "risk_manager", "compliance_manager", "auditor"} {
		jar, _ := cookiejar.New(nil)
		c := &memClient{role: role, base: base, http: &http.Client{Jar: jar, Timeout: 2 * time.Minute},
			rng: rand.New(rand.NewPCG(uint64(i), 9)), ids: map[string][]int64{}, mu: &mu, stats: stats,
			asOf: logStart.Add(182 * 24 * time.Hour), asOfDo: role == "admin"}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// They log in at the same moment, as people do at the start of the day.
			if !c.login(logins[role][0], logins[role][1]) {
				return
			}
			for time.Now().Before(deadline) {
				c.round()
			}
		}()
	}
	wg.Wait()
	stats.took = time.Since(began)
	close(sampling)
	<-sampled
	if len(stats.failures) > 0 {
		b.Errorf("%d requests of the mix failed; the first: %s", len(stats.failures), strings.Join(stats.failures[:min(5, len(stats.failures))], "; "))
	}
	return stats
}

// get reads one answer whole, and notes the ids of the records a list names.
func (c *memClient) get(route, path string, kind string) {
	for {
		began := time.Now()
		c.running(route)
		resp, err := c.http.Get(c.base + path)
		if err != nil {
			c.running("")
			c.fail(fmt.Sprintf("GET %s: %v", path, err))
			return
		}
		var body []byte
		var n int64
		if strings.Contains(resp.Header.Get("Content-Type"), "json") {
			body, err = io.ReadAll(resp.Body)
			n = int64(len(body))
		} else {
			n, err = io.Copy(io.Discard, resp.Body)
		}
		resp.Body.Close()
		c.running("")
		took := time.Since(began)
		c.mu.Lock()
		c.stats.requests++
		c.stats.bytes += n
		if resp.StatusCode == http.StatusTooManyRequests {
			c.stats.limited++
		} else {
			c.stats.byRoute[route] = append(c.stats.byRoute[route], took)
		}
		c.mu.Unlock()
		if resp.StatusCode == http.StatusTooManyRequests {
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			time.Sleep(time.Duration(max(secs, 1)) * time.Second)
			continue
		}
		if resp.StatusCode == http.StatusServiceUnavailable {
			c.unavailable(path, took)
			return
		}
		if resp.StatusCode != http.StatusOK || err != nil {
			c.fail(fmt.Sprintf("GET %s: %d %v %.300s", path, resp.StatusCode, err, body))
			return
		}
		if kind != "" {
			var page struct {
				Data []struct {
					ID int64 `json:"id"`
				} `json:"data"`
			}
			if json.Unmarshal(body, &page) == nil {
				for _, r := range page.Data {
					if len(c.ids[kind]) < 500 && !slices.Contains(c.ids[kind], r.ID) {
						c.ids[kind] = append(c.ids[kind], r.ID)
					}
				}
			}
		}
		return
	}
}

// pages reads a list's first page and follows next_cursor for a few more.
func (c *memClient) pages(route, path, kind string, pages int) {
	cursor := ""
	for range pages {
		p := path
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		began := time.Now()
		c.running(route)
		resp, err := c.http.Get(c.base + p)
		if err != nil {
			c.running("")
			c.fail(fmt.Sprintf("GET %s: %v", p, err))
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.running("")
		c.mu.Lock()
		c.stats.requests++
		c.stats.bytes += int64(len(body))
		if resp.StatusCode == http.StatusOK {
			c.stats.byRoute[route] = append(c.stats.byRoute[route], time.Since(began))
		} else if resp.StatusCode == http.StatusTooManyRequests {
			c.stats.limited++
		}
		c.mu.Unlock()
		if resp.StatusCode == http.StatusTooManyRequests {
			time.Sleep(time.Second)
			continue
		}
		if resp.StatusCode == http.StatusServiceUnavailable {
			c.unavailable(p, time.Since(began))
			return
		}
		if resp.StatusCode != http.StatusOK || err != nil {
			c.fail(fmt.Sprintf("GET %s: %d %v %.300s", p, resp.StatusCode, err, body))
			return
		}
		var page struct {
			Data []struct {
				ID int64 `json:"id"`
			} `json:"data"`
			Meta struct {
				NextCursor *string `json:"next_cursor"`
			} `json:"meta"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			c.fail(fmt.Sprintf("GET %s: %v", p, err))
			return
		}
		for _, r := range page.Data {
			if kind != "" && len(c.ids[kind]) < 500 && !slices.Contains(c.ids[kind], r.ID) {
				c.ids[kind] = append(c.ids[kind], r.ID)
			}
		}
		if page.Meta.NextCursor == nil || *page.Meta.NextCursor == "" {
			return
		}
		cursor = *page.Meta.NextCursor
	}
}

// login starts the member's session; false when it failed (and is recorded).
func (c *memClient) login(email, password string) bool {
	raw, _ := json.Marshal(map[string]string{"email": email, "password": password})
	c.running("POST /api/auth/login")
	resp, err := c.http.Post(c.base+"/api/auth/login", "application/json", bytes.NewReader(raw))
	c.running("")
	if err != nil {
		c.fail(fmt.Sprintf("login: %v", err))
		return false
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.fail(fmt.Sprintf("login: %d %.300s", resp.StatusCode, body))
		return false
	}
	return true
}

// running notes the route the member is waiting on ("" for none).
func (c *memClient) running(route string) {
	c.mu.Lock()
	if route == "" {
		delete(c.stats.inFlight, c)
	} else {
		c.stats.inFlight[c] = route
	}
	c.mu.Unlock()
}

func (c *memClient) unavailable(path string, took time.Duration) {
	c.mu.Lock()
	c.stats.unavailable = append(c.stats.unavailable, fmt.Sprintf("%s after %s", path, took.Round(time.Millisecond)))
	c.mu.Unlock()
}

func (c *memClient) fail(msg string) {
	c.mu.Lock()
	c.stats.failures = append(c.stats.failures, c.role+": "+msg)
	c.mu.Unlock()
}

// record reads one record the member has seen in a list, and its history.
func (c *memClient) record(kind, collection string, extra ...string) {
	ids := c.ids[kind]
	if len(ids) == 0 {
		return
	}
	id := strconv.FormatInt(ids[c.rng.IntN(len(ids))], 10)
	c.get("GET /api/"+collection+"/:id", "/api/"+collection+"/"+id, "")
	c.get("GET /api/"+collection+"/:id/history", "/api/"+collection+"/"+id+"/history", "")
	for _, x := range extra {
		c.get("GET /api/"+collection+"/:id/"+x, "/api/"+collection+"/"+id+"/"+x, "")
	}
}

// round is one pass of a member's work, as their role has it.
func (c *memClient) round() {
	pickOf := func(xs ...string) string { return xs[c.rng.IntN(len(xs))] }
	switch c.role {
	case "admin":
		c.get("GET /api/dashboard", "/api/dashboard", "")
		c.get("GET /api/dashboard/charts", "/api/dashboard/charts?chart_type="+pickOf("risk_heatmap", "risks_by_status",
			"controls_by_effectiveness", "risks_by_category"), "")
		if c.asOfDo {
			c.asOfDo = false
			c.get("GET /api/dashboard?as_of", "/api/dashboard?as_of="+url.QueryEscape(c.asOf.UTC().Format(time.RFC3339)), "")
		}
		c.pages("GET /api/cases", "/api/cases?limit=50&"+pickOf("status=in_progress", "open=true&sort=-priority",
			"priority=urgent", "q=invoice", "sort=-updated_at"), "case", 3)
		c.record("case", "cases")
		c.get("GET /api/members", "/api/members", "")
	case "risk_manager":
		c.pages("GET /api/risks", "/api/risks?limit=50&"+pickOf("sort=-score", "status=Treating&sort=-updated_at",
			"category=Cybersecurity&open=true", "rating=High,Critical", "q=ransomware", "owner_id=2"), "risk", 4)
		c.record("risk", "risks")
		c.get("GET /api/dashboard", "/api/dashboard", "")
		c.get("GET /api/dashboard/charts", "/api/dashboard/charts?chart_type=risk_heatmap", "")
	case "compliance_manager":
		c.pages("GET /api/controls", "/api/controls?limit=50&"+pickOf("status=Active", "effectiveness=Ineffective",
			"sort=-updated_at", "q=review", "type=detective&sort=code"), "control", 3)
		c.record("control", "controls", "tests", "effectiveness-history")
		c.pages("GET /api/frameworks", "/api/frameworks?limit=50", "framework", 1)
		if ids := c.ids["framework"]; len(ids) > 0 {
			c.get("GET /api/frameworks/:id/coverage", "/api/frameworks/"+strconv.FormatInt(ids[c.rng.IntN(len(ids))], 10)+"/coverage", "")
		}
		c.pages("GET /api/audit-trail", "/api/audit-trail?limit=50&entity_type=control", "", 2)
	case "auditor":
		c.pages("GET /api/audit-trail", "/api/audit-trail?limit=50&"+pickOf("", "entity_type=finding", "event_type=RiskUpdated",
			"q=sample", "entity_type=case&actor_id=1"), "", 3)
		c.pages("GET /api/findings", "/api/findings?limit=50&"+pickOf("open=true", "severity=High", "status=Approved", "overdue=true"), "finding", 2)
		c.record("finding", "findings")
		c.pages("GET /api/engagements", "/api/engagements?limit=50&"+pickOf("active=true", "sort=-updated_at", "phase=Fieldwork"), "engagement", 2)
		c.record("engagement", "engagements")
		if c.rng.IntN(3) == 0 {
			// A quarter's changes to cases, as an auditor takes them away.
			from := time.Now().AddDate(0, -3, 0).UTC().Format(time.RFC3339)
			c.get("GET /api/audit-trail?format=csv", "/api/audit-trail?format=csv&entity_type=case&from="+url.QueryEscape(from), "")
		}
	}
}
