package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema/testdb"
)

// TestCrashSoak drives writes of every kind over HTTP at the strata binary while it
// is killed with SIGKILL again and again (and, when asked, while its PostgreSQL is
// stopped and started), and after every recovery checks that each acknowledged write
// is in the log and in the read models, that nothing was applied twice, and that
// every read model equals a fresh rebuild. By default it is short (3 kills on the
// shared test database); `make soak` sets STRATA_SOAK_KILLS and
// STRATA_SOAK_PG_RESTARTS, and restarts need a PostgreSQL cluster of the soak's own.
func TestCrashSoak(t *testing.T) {
	kills := soakSetting(t, "STRATA_SOAK_KILLS", 3)
	restarts := soakSetting(t, "STRATA_SOAK_PG_RESTARTS", 0)
	if testing.Short() {
		t.Skip("the crash soak builds and kills the server; skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()

	s := &soak{t: t}
	var dbURL string
	if restarts > 0 {
		s.cluster = startCluster(t)
		dbURL = s.cluster.url("strata_soak")
	} else {
		dbURL = schemaURL(testdb.New(t))
	}
	began := time.Now()
	s.bin, s.dbURL = buildStrata(t), dbURL
	t.Logf("built in %s", time.Since(began))
	strataCLI(t, s.bin, dbURL, soakAdminPassword+"\n", "admin", "create-user", "--email", soakAdminEmail,
		"--name", "Soak Admin", "--org", "Soak", "--role", "admin")

	var err error
	if s.pool, err = pgxpool.New(ctx, dbURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.pool.Close)
	wired, err := app.New(s.pool, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range wired.Projectors {
		s.projections = append(s.projections, p.Name())
		s.tables = append(s.tables, p.Tables()...)
	}

	s.srv = newSoakServer(t, s.bin, dbURL)
	s.srv.start(t)
	s.waitRecovered(time.Now(), s.lastEvent())

	for i, kind := range []string{"risk", "risk", "control", "control", "member"} {
		w := newSoakWriter(fmt.Sprintf("%c%d", kind[0], i), kind, s.srv.base(), uint64(time.Now().UnixNano())+uint64(i))
		org, err := w.login(soakAdminEmail, soakAdminPassword)
		if err != nil {
			t.Fatal(err)
		}
		s.orgID = org
		s.writers = append(s.writers, w)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, w := range s.writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(&s.gate, stop)
		}()
	}
	stopWriters := sync.OnceFunc(func() {
		close(stop)
		wg.Wait()
	})
	defer stopWriters()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	for i, step := range soakPlan(kills, restarts) {
		// The writers are at work for a random while when the step strikes, and again
		// against the recovered server before they are held for the checks.
		time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		switch step {
		case "kill":
			s.killRecoveries = append(s.killRecoveries, s.killAndRecover())
		default:
			s.dbRecoveries = append(s.dbRecoveries, s.restartDatabase(step))
		}
		time.Sleep(time.Duration(200+rng.IntN(600)) * time.Millisecond)
		s.checkHeld(fmt.Sprintf("step %d (%s)", i+1, step))
	}
	stopWriters()
	s.report()
}

const (
	soakAdminEmail    = "admin@soak-org.example"
	soakAdminPassword = "soak admin password"
)

// soakSetting reads a count from the environment; a typo must not quietly run the
// short soak instead of the long one.
func soakSetting(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a count", name, v)
	}
	return n
}

// soakPlan spreads the database restarts among the kills; they alternate between a
// fast shutdown and an immediate one (a crash the database recovers from).
func soakPlan(kills, restarts int) []string {
	plan := slices.Repeat([]string{"kill"}, kills)
	for j := restarts; j >= 1; j-- {
		mode := "fast"
		if j%2 == 0 {
			mode = "immediate"
		}
		at := j * len(plan) / (restarts + 1)
		plan = slices.Insert(plan, at, "database "+mode)
	}
	return plan
}

// soak is the state of one crash soak.
type soak struct {
	t                            *testing.T
	bin, dbURL                   string
	srv                          *soakServer
	cluster                      *pgCluster
	pool                         *pgxpool.Pool
	projections                  []string
	tables                       []string
	orgID                        int64
	writers                      []*soakWriter
	gate                         sync.RWMutex // writers hold it for reading around each request
	adopted                      []*soakEntity
	failures                     int
	suspects                     []string // streams whose read model disagrees with the log
	recovered                    string   // the last wait for the projections, for a diagnosis
	rebuilds                     int
	unreadySeen                  int
	killRecoveries, dbRecoveries []time.Duration
}

// eventMark is an event's place in the order projections apply the log.
type eventMark struct {
	xid string
	pos int64
}

// lastEvent is the last event in the order projections read, retried while the
// database is out of reach.
func (s *soak) lastEvent() eventMark {
	s.t.Helper()
	var m eventMark
	deadline := time.Now().Add(time.Minute)
	for {
		// The order names the table's columns: ordering by the text column of the
		// select list would put transaction 999 after 1000.
		err := s.pool.QueryRow(context.Background(), `select transaction_id::text, global_position from events
			order by events.transaction_id desc, events.global_position desc limit 1`).Scan(&m.xid, &m.pos)
		if errors.Is(err, pgx.ErrNoRows) {
			return eventMark{xid: "0"}
		}
		if err == nil {
			return m
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("read the head of the log: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// caughtUp reports whether every projection has applied the log up to m.
func (s *soak) caughtUp(m eventMark) bool {
	var n int
	err := s.pool.QueryRow(context.Background(), `select count(*) from checkpoints
		where name = any($1) and (transaction_id > $2::xid8 or (transaction_id = $2::xid8 and position >= $3))`,
		s.projections, m.xid, m.pos).Scan(&n)
	return err == nil && n == len(s.projections)
}

// waitRecovered waits until the server answers ready and its projections have applied
// everything logged up to m, and returns how long that took from t0.
func (s *soak) waitRecovered(t0 time.Time, m eventMark) time.Duration {
	s.t.Helper()
	deadline := t0.Add(2 * time.Minute)
	for {
		if s.srv.exited() {
			s.t.Fatalf("the server exited on its own:\n%s", s.srv.logTail())
		}
		if s.srv.ready() && s.caughtUp(m) {
			s.recovered = fmt.Sprintf("caught up with %v at %s", m, time.Now().Format("15:04:05.000000"))
			return time.Since(t0)
		}
		if time.Now().After(deadline) {
			fs, _ := projections.Failures(context.Background(), s.pool, s.projections)
			s.t.Fatalf("not recovered %s after %s (halted projections: %v):\n%s", t0.Format(time.TimeOnly),
				time.Since(t0), fs, s.srv.logTail())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// killAndRecover kills the server with SIGKILL, starts it again at once and returns
// the time from the kill until it is ready and caught up with the log as it stood.
func (s *soak) killAndRecover() time.Duration {
	s.srv.kill()
	t0 := time.Now()
	// Nothing appends now: the killed process's last writes are all settled.
	m := s.lastEvent()
	s.srv.start(s.t)
	return s.waitRecovered(t0, m)
}

// restartDatabase stops the soak's PostgreSQL in the step's mode, checks that /readyz
// says the database is unreachable while it is down (the writers meanwhile meet the
// outage), starts it again and returns the time from its start until the server is
// ready and caught up. The server keeps running throughout.
func (s *soak) restartDatabase(step string) time.Duration {
	s.t.Helper()
	if err := s.cluster.stop(strings.TrimPrefix(step, "database ")); err != nil {
		s.t.Fatal(err)
	}
	down := time.Now()
	unready := false
	for time.Since(down) < 1500*time.Millisecond || !unready {
		if time.Since(down) > 20*time.Second {
			s.t.Fatal("/readyz never said the database is unreachable while it was down")
		}
		status, reason := s.readyz()
		switch {
		case status == http.StatusServiceUnavailable && reason == "database unreachable":
			unready = true
			s.unreadySeen++
		case status == http.StatusOK:
			s.t.Fatal("/readyz answered 200 while the database was down")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s.srv.exited() {
		s.t.Fatalf("the server exited while the database was down:\n%s", s.srv.logTail())
	}
	if err := s.cluster.start(); err != nil {
		s.t.Fatal(err)
	}
	t0 := time.Now()
	s.pool.Reset()
	return s.waitRecovered(t0, s.lastEvent())
}

func (s *soak) readyz() (int, string) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(s.srv.base() + "/readyz")
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	var body struct{ Reason string }
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Reason
}

// fail records one discrepancy; the first few are printed in full.
func (s *soak) fail(format string, args ...any) {
	s.t.Helper()
	s.failures++
	if s.failures <= 25 {
		s.t.Errorf(format, args...)
	}
}

// checkHeld holds every writer between requests for the checks; they resume even
// when a check fails, so the test can stop them.
func (s *soak) checkHeld(step string) {
	s.t.Helper()
	s.gate.Lock()
	defer s.gate.Unlock()
	s.check(step)
}

// check runs with every writer held: once the projections have caught up, the log
// and the read models must account for every write, and a rebuild must reproduce
// every read model.
func (s *soak) check(step string) {
	s.t.Helper()
	held, head := time.Now(), s.lastEvent()
	s.waitRecovered(held, head)
	s.checkLog(step)
	if now := s.lastEvent(); now != head {
		s.fail("%s: the log grew from %v to %v while no request was in flight (held at %s)", step, head, now, held.Format("15:04:05.000000"))
	}
	s.checkReadModels(step)
	for _, w := range s.writers {
		for _, v := range w.violations {
			s.fail("%s: answer: %s", step, v)
		}
		w.violations = nil
	}
	// A rebuild would repair what the diagnosis needs to show, so it runs on read
	// models that passed.
	if !s.t.Failed() {
		s.checkRebuild(step)
	}
	if s.t.Failed() {
		s.t.Fatalf("%s: %d discrepancies\n%s\nthe server's log ends:\n%s", step, s.failures, s.diagnosis(), s.srv.logTail())
	}
}

// logged is what one request appended to one stream.
type logged struct {
	stream       string
	events, txns int
}

// checkLog resolves each attempt against the log: an acknowledged write must be
// there, on the streams it names, and every request's events on a stream must come
// from one transaction (a second means it was applied twice). What a check found is
// checked again later: nothing may appear or vanish once the writer has its answer.
func (s *soak) checkLog(step string) {
	s.t.Helper()
	rows, err := s.pool.Query(context.Background(), `select metadata->>'correlation_id', stream_id, count(*), count(distinct transaction_id)
		from events where metadata->>'correlation_id' like 'soak-%' group by 1, 2`)
	if err != nil {
		s.t.Fatal(err)
	}
	byRequest := map[string][]logged{}
	for rows.Next() {
		var id string
		var l logged
		if err := rows.Scan(&id, &l.stream, &l.events, &l.txns); err != nil {
			s.t.Fatal(err)
		}
		if l.txns != 1 {
			s.fail("%s: request %s appended to %s in %d transactions: applied more than once", step, id, l.stream, l.txns)
		}
		byRequest[id] = append(byRequest[id], l)
	}
	if err := rows.Err(); err != nil {
		s.t.Fatal(err)
	}
	org := "organization-" + strconv.FormatInt(s.orgID, 10)
	for _, w := range s.writers {
		for _, a := range w.attempts {
			var events int
			var streams []string
			for _, l := range byRequest[a.reqID] {
				events += l.events
				streams = append(streams, l.stream)
			}
			slices.Sort(streams)
			if a.resolved {
				if events != a.events || !slices.Equal(streams, a.streams) {
					s.fail("%s: %s %s changed in the log: %d events on %v, earlier %d on %v", step, a.op, a.reqID, events, streams, a.events, a.streams)
				}
				continue
			}
			a.resolved, a.events, a.streams = true, events, streams
			if events == 0 {
				if a.acked {
					s.fail("%s: LOST: %s %s was acknowledged (%d) but is not in the log", step, a.op, a.reqID, a.status)
				}
				continue
			}
			if a.entity == nil {
				// A create whose answer was lost but which happened: its id is in the log.
				e, err := adopt(w.kind, a, org)
				if err != nil {
					s.fail("%s: %v", step, err)
					continue
				}
				s.adopted = append(s.adopted, e)
			}
			if want := wantStreams(a, org); !slices.Equal(streams, want) && !(partialAdd(a, org) && !a.acked) {
				s.fail("%s: %s %s (%d) appended to %v, want %v", step, a.op, a.reqID, a.status, streams, want)
			}
		}
	}
}

// wantStreams are the streams a write appends to.
func wantStreams(a *soakAttempt, org string) []string {
	id := strconv.FormatInt(a.entity.id, 10)
	switch a.op {
	case "add member":
		return []string{org, "user-" + id}
	case "change role":
		return []string{org}
	}
	return []string{a.entity.kind + "-" + id}
}

// partialAdd reports whether a member's account was registered but the membership
// not added: two appends, which a crash can separate.
func partialAdd(a *soakAttempt, org string) bool {
	return a.op == "add member" && len(a.streams) == 1 && a.streams[0] != org
}

// adopt tracks an entity whose create the log shows although its answer was lost.
func adopt(kind string, a *soakAttempt, org string) (*soakEntity, error) {
	prefix := kind + "-"
	if kind == "member" {
		prefix = "user-"
	}
	for _, st := range a.streams {
		if id, ok := strings.CutPrefix(st, prefix); ok {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s %s: stream %s", a.op, a.reqID, st)
			}
			e := &soakEntity{kind: kind, id: n, attempts: []*soakAttempt{a}}
			a.entity = e
			return e, nil
		}
	}
	return nil, fmt.Errorf("%s %s appended to %v, none a %s stream", a.op, a.reqID, a.streams, kind)
}

// entities lists what the soak created, acknowledged or adopted, of one kind.
func (s *soak) entities(kind string) []*soakEntity {
	var out []*soakEntity
	for _, w := range s.writers {
		if w.kind == kind {
			out = append(out, w.entities...)
		}
	}
	for _, e := range s.adopted {
		if e.kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// expected is what the read model must show for an entity: the value the last
// write that happened set, and the version its events add up to.
func expected(e *soakEntity) (value string, version int64, exists bool) {
	for _, a := range e.attempts {
		if a.events > 0 && !(a.op == "add member" && len(a.streams) == 1) {
			value, exists = a.value, true
		}
	}
	for _, a := range slices.Concat(e.attempts, e.tests) {
		version += int64(a.events)
	}
	return value, version, exists
}

// checkReadModels compares each read model with what the writes that happened
// must have left, and counts rows so that nothing the soak did not write, or wrote
// twice, hides there.
func (s *soak) checkReadModels(step string) {
	s.t.Helper()
	ctx := context.Background()
	type row struct {
		value   string
		version int64
	}
	load := func(sql string, args ...any) map[int64]row {
		rows, err := s.pool.Query(ctx, sql, args...)
		if err != nil {
			s.t.Fatal(err)
		}
		out := map[int64]row{}
		var id int64
		var r row
		if _, err := pgx.ForEachRow(rows, []any{&id, &r.value, &r.version}, func() error { out[id] = r; return nil }); err != nil {
			s.t.Fatal(err)
		}
		return out
	}
	for _, kind := range []string{"risk", "control"} {
		table := kind + "s"
		got := load(`select id, title, version from ` + table)
		es := s.entities(kind)
		for _, e := range es {
			title, version, _ := expected(e)
			if r, ok := got[e.id]; !ok {
				s.suspects = append(s.suspects, kind+"-"+strconv.FormatInt(e.id, 10))
				s.fail("%s: %s %d is not in the read model %s; written by %v", step, kind, e.id, table, e.attempts)
			} else if r.value != title || r.version != version {
				s.suspects = append(s.suspects, kind+"-"+strconv.FormatInt(e.id, 10))
				s.fail("%s: %s %d reads %q version %d, the writes that happened leave %q version %d; written by %v",
					step, kind, e.id, r.value, r.version, title, version, slices.Concat(e.attempts, e.tests))
			}
		}
		if len(got) != len(es) {
			s.fail("%s: the read model %s holds %d rows, the soak created %d", step, table, len(got), len(es))
		}
	}

	tests := map[string]int{}
	rows, err := s.pool.Query(ctx, `select notes, count(*) from control_tests group by notes`)
	if err != nil {
		s.t.Fatal(err)
	}
	var notes string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&notes, &n}, func() error { tests[notes] = n; return nil }); err != nil {
		s.t.Fatal(err)
	}
	applied := 0
	for _, e := range s.entities("control") {
		for _, a := range e.tests {
			want := 0
			if a.events > 0 {
				want = 1
				applied++
			}
			if tests[a.value] != want {
				s.fail("%s: test %s (%d, %d events) is in control_tests %d times, want %d", step, a.reqID, a.status, a.events, tests[a.value], want)
			}
		}
	}
	if len(tests) != applied {
		s.fail("%s: control_tests holds %d distinct tests, the log %d", step, len(tests), applied)
	}

	members := load(`select user_id, role, 0 from memberships where org_id = $1`, s.orgID)
	wantMembers := 1 // the admin
	for _, e := range s.entities("member") {
		role, _, exists := expected(e)
		r, ok := members[e.id]
		switch {
		case exists:
			wantMembers++
			if !ok || r.value != role {
				s.fail("%s: member %d has role %q (listed: %v), the writes that happened leave %q", step, e.id, r.value, ok, role)
			}
		case ok:
			s.fail("%s: user %d is a member although its membership was never added", step, e.id)
		}
	}
	if len(members) != wantMembers {
		s.fail("%s: the organization has %d members, the soak added %d besides its admin", step, len(members), wantMembers-1)
	}
}

// snapshot is every row of every projection table, as JSON text, in a fixed order.
func (s *soak) snapshot() map[string][]string {
	s.t.Helper()
	out := map[string][]string{}
	for _, table := range s.tables {
		rows, err := s.pool.Query(context.Background(), `select row_to_json(t)::text from `+pgx.Identifier{table}.Sanitize()+` t order by 1`)
		if err != nil {
			s.t.Fatal(err)
		}
		if out[table], err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			s.t.Fatal(err)
		}
	}
	return out
}

// checkRebuild rebuilds every projection from the log with `strata projections
// rebuild`, as an operator would, and compares each table with what the live
// projections had built through the crashes.
func (s *soak) checkRebuild(step string) {
	s.t.Helper()
	live := s.snapshot()
	for _, name := range s.projections {
		strataCLI(s.t, s.bin, s.dbURL, "", "projections", "rebuild", name)
		s.rebuilds++
	}
	rebuilt := s.snapshot()
	for _, table := range s.tables {
		a, b := live[table], rebuilt[table]
		if slices.Equal(a, b) {
			continue
		}
		only := func(x, y []string) []string {
			var out []string
			for _, r := range x {
				if _, found := slices.BinarySearch(y, r); !found && len(out) < 3 {
					out = append(out, r)
				}
			}
			return out
		}
		s.fail("%s: %s differs from a fresh rebuild: %d rows live, %d rebuilt; live only: %v; rebuilt only: %v",
			step, table, len(a), len(b), only(a, b), only(b, a))
	}
}

// report prints the soak's figures.
func (s *soak) report() {
	var attempts, acked, lost, unanswered, unknownApplied, partial int
	statuses := map[int]int{}
	for _, w := range s.writers {
		for _, a := range w.attempts {
			if !a.resolved {
				continue // made after the last check
			}
			attempts++
			if a.status == 0 {
				unanswered++
			}
			switch {
			case a.acked && a.events == 0:
				lost++
			case a.acked:
				acked++
			case a.events > 0:
				unknownApplied++
			}
			if partialAdd(a, "") {
				partial++
			}
		}
		for k, v := range w.statuses {
			statuses[k] += v
		}
	}
	var events int64
	_ = s.pool.QueryRow(context.Background(), `select count(*) from events`).Scan(&events)
	s.t.Logf("crash soak figures:")
	s.t.Logf("  kills survived (SIGKILL of the server):      %d", len(s.killRecoveries))
	s.t.Logf("  database restarts survived:                  %d", len(s.dbRecoveries))
	s.t.Logf("  writes attempted:                            %d", attempts)
	s.t.Logf("  writes acknowledged (2xx):                   %d", acked)
	s.t.Logf("  writes with no answer (server down or gone): %d", unanswered)
	s.t.Logf("  writes lost (acknowledged, not in the log):  %d", lost)
	s.t.Logf("  writes not acknowledged that did happen:     %d (member accounts registered without their membership: %d)",
		unknownApplied, partial)
	s.t.Logf("  answers by status:                           %v", statuses)
	s.t.Logf("  /readyz 'database unreachable' while down:   %d polls", s.unreadySeen)
	s.t.Logf("  rebuilds compared with the live read models: %d, all equal", s.rebuilds)
	s.t.Logf("  events in the log:                           %d", events)
	s.t.Logf("  recovery after SIGKILL (kill -> /readyz 200 and projections past every event logged before the kill): %s",
		spread(s.killRecoveries))
	if len(s.dbRecoveries) > 0 {
		s.t.Logf("  recovery after a database restart (database up -> /readyz 200 and projections caught up): %s",
			spread(s.dbRecoveries))
	}
}

// spread is min, median and max of some durations.
func spread(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return fmt.Sprintf("min %s, median %s, max %s", r(ds[0]), r(ds[len(ds)/2]), r(ds[len(ds)-1]))
}

// diagnosis lists what a failed check needs to be understood: where each projection
// stands, and every event of the streams whose read model disagrees, in the order
// projections read them, with the server's projection log lines.
func (s *soak) diagnosis() string {
	var b strings.Builder
	ctx := context.Background()
	fmt.Fprintf(&b, "%s; diagnosed at %s\n", s.recovered, time.Now().Format("15:04:05.000000"))
	rows, err := s.pool.Query(ctx, `select name, transaction_id::text, position from checkpoints order by name`)
	if err == nil {
		var name, xid string
		var pos int64
		_, _ = pgx.ForEachRow(rows, []any{&name, &xid, &pos}, func() error {
			fmt.Fprintf(&b, "checkpoint %s at transaction %s position %d\n", name, xid, pos)
			return nil
		})
	}
	for _, st := range s.suspects {
		rows, err := s.pool.Query(ctx, `select global_position, transaction_id::text, stream_version, type,
				metadata->>'correlation_id', recorded_at from events where stream_id = $1 order by events.transaction_id, events.global_position`, st)
		if err != nil {
			continue
		}
		var pos, version int64
		var xid, typ, corr string
		var at time.Time
		_, _ = pgx.ForEachRow(rows, []any{&pos, &xid, &version, &typ, &corr, &at}, func() error {
			fmt.Fprintf(&b, "%s v%d: position %d transaction %s %s %s at %s\n", st, version, pos, xid, typ, corr, at.Format("15:04:05.000000"))
			return nil
		})
	}
	// Whether the read model catches up by itself while nothing is written tells a
	// late apply from a lost one.
	time.Sleep(3 * time.Second)
	for _, st := range s.suspects {
		kind, id, _ := strings.Cut(st, "-")
		var title string
		var version int64
		err := s.pool.QueryRow(ctx, `select title, version from `+pgx.Identifier{kind + "s"}.Sanitize()+` where id = $1`, id).Scan(&title, &version)
		fmt.Fprintf(&b, "3s later, writers still held: %s reads %q version %d (%v)\n", st, title, version, err)
	}
	rows, err = s.pool.Query(ctx, `select name, transaction_id::text, position from checkpoints order by name`)
	if err == nil {
		var name, xid string
		var pos int64
		_, _ = pgx.ForEachRow(rows, []any{&name, &xid, &pos}, func() error {
			fmt.Fprintf(&b, "3s later: checkpoint %s at transaction %s position %d\n", name, xid, pos)
			return nil
		})
	}
	log, _ := os.ReadFile(s.srv.logPath)
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "projection") || strings.HasPrefix(line, "--- start") {
			fmt.Fprintln(&b, line)
		}
	}
	return b.String()
}
