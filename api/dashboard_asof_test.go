package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/projections/replay"
	"github.com/strata-grc/strata/queries/dashboard"
	"github.com/strata-grc/strata/schema"
)

// dashView is everything the dashboard tells one caller: the counts and every chart
// the caller may read (a chart the caller may not read is recorded as its status).
type dashView struct {
	Counts map[string]int64
	Charts map[string]json.RawMessage
}

// dashboardNow reads the live dashboard as the caller sees it now.
func (e *env) dashboardNow() dashView {
	e.t.Helper()
	return e.dashboardAt("")
}

// dashboardAt reads the dashboard as of the instant asOf ("" for the present),
// checking that an answer as of an instant names that instant.
func (e *env) dashboardAt(asOf string) dashView {
	e.t.Helper()
	get := func(path string) *reply {
		if asOf == "" {
			return e.read(path)
		}
		sep := "?"
		if len(path) > len("/api/dashboard") {
			sep = "&"
		}
		r := e.do("GET", path+sep+"as_of="+url.QueryEscape(asOf), nil)
		if r.Status == http.StatusOK {
			var env struct {
				Meta struct {
					AsOf string `json:"as_of"`
				} `json:"meta"`
			}
			_ = json.Unmarshal(r.Raw, &env)
			want, _ := time.Parse(time.RFC3339Nano, asOf)
			if got, err := time.Parse(time.RFC3339Nano, env.Meta.AsOf); err != nil || !got.Equal(want.Truncate(time.Microsecond)) {
				e.t.Errorf("GET %s as of %s: meta.as_of %q", path, asOf, env.Meta.AsOf)
			}
		}
		return r
	}
	// As of an instant, the counts and charts are asked for at once, as the page
	// does: one replay serves the callers that arrive while it runs.
	paths := []string{"/api/dashboard"}
	kinds := e.App.Dashboard.ChartTypes()
	for _, kind := range kinds {
		paths = append(paths, "/api/dashboard/charts?chart_type="+kind)
	}
	replies := make([]*reply, len(paths))
	var wg sync.WaitGroup
	for i, path := range paths {
		if asOf == "" {
			replies[i] = get(path)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i] = get(path)
		}()
	}
	wg.Wait()
	v := dashView{Charts: map[string]json.RawMessage{}}
	wantOK(e.t, replies[0], http.StatusOK)
	replies[0].into(e.t, &v.Counts)
	for i, kind := range kinds {
		r := replies[i+1]
		if r.Status == http.StatusForbidden {
			v.Charts[kind] = json.RawMessage(`"forbidden"`)
			continue
		}
		wantOK(e.t, r, http.StatusOK)
		v.Charts[kind] = r.Data
	}
	return v
}

// dbNow is the database's clock, which stamps the events.
func (e *env) dbNow() string {
	e.t.Helper()
	var at time.Time
	if err := e.DB.Pool.QueryRow(context.Background(), `select clock_timestamp()`).Scan(&at); err != nil {
		e.t.Fatal(err)
	}
	return at.UTC().Format(time.RFC3339Nano)
}

// TestDashboardAsOf builds an organization's history step by step, notes what the
// live dashboard told two callers after each step, and asks the dashboard as of each
// step's instant afterwards: every count and chart must be what was said then.
func TestDashboardAsOf(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	olaf := e.loggedIn(e.createUser(1, "Olaf Other", identity.Investigator))
	outsider := e.loggedIn(e.createUser(2, "Otto Outsider", identity.Admin))

	type step struct {
		at         string
		admin, inv dashView
	}
	var steps []step
	mark := func() {
		t.Helper()
		e.settle()
		steps = append(steps, step{at: e.dbNow(), admin: e.dashboardNow(), inv: olaf.dashboardNow()})
	}

	mark() // only the organization and its members
	a := e.create(map[string]any{"title": "Ransomware", "category": "Cyber", "likelihood": 5, "impact": 5})
	b := e.create(map[string]any{"title": "Fraud", "category": "Finance", "likelihood": 4, "impact": 3})
	c := e.create(map[string]any{"title": "Flood", "category": "Ops", "likelihood": 1, "impact": 2})
	ctl := e.newControl("AS-1", map[string]any{"status": "Active"})
	e.rate(ctl.ID, "Ineffective")
	mark()

	// Another organization's writes never count here.
	for range 3 {
		wantOK(t, outsider.do("POST", "/api/risks", map[string]any{"title": "Theirs", "category": "Cyber", "likelihood": 5, "impact": 5}), http.StatusCreated)
	}
	wantOK(t, e.do("PUT", riskPath(b.ID), map[string]any{"status": "Closed"}), http.StatusOK)
	wantOK(t, e.do("DELETE", riskPath(a.ID), map[string]any{"reason": "duplicate"}), http.StatusOK)
	// A confidential case the investigator may not know of, and one everybody sees.
	secret := e.newCase(map[string]any{"title": "Board expenses", "confidential": true, "priority": "urgent"})
	e.newCase(map[string]any{"title": "Stock shortfall", "priority": "urgent"})
	mark()

	g := e.newEngagement("Payroll audit")
	e.newFinding(g.ID, map[string]any{"severity": "High", "risk_id": b.ID})
	e.newFinding(g.ID, map[string]any{"severity": "Low"})
	e.newVendor(map[string]any{"name": "Northwind", "risk_tier": "High", "next_review": day(3)})
	e.newKpi(map[string]any{"name": "Uptime"})
	e.rate(ctl.ID, "Effective")
	mark()

	wantOK(t, e.do("PUT", riskPath(c.ID), map[string]any{"likelihood": 4}), http.StatusOK)
	// Assigned to the investigator, the confidential case is theirs to know of from now on.
	wantOK(t, e.do("PUT", casePath(secret.ID)+"/assignee", map[string]any{"assignee_id": e.userID(olaf.Email)}), http.StatusOK)
	wantOK(t, e.do("PUT", casePath(secret.ID)+"/status", map[string]any{"status": "in_progress"}), http.StatusOK)
	e.moveEngagement(g.ID, "Fieldwork", "")
	mark()

	if reflect.DeepEqual(steps[1].admin, steps[4].admin) || reflect.DeepEqual(steps[2].admin.Counts, steps[2].inv.Counts) {
		t.Fatal("the history changed nothing the dashboard shows, or the confidential case changed nothing: the test would prove nothing")
	}
	for i, s := range steps {
		if got := e.dashboardAt(s.at); !reflect.DeepEqual(got, s.admin) {
			t.Errorf("step %d, admin, as of %s:\n got %v\nwant %v", i, s.at, got, s.admin)
		}
		if got := olaf.dashboardAt(s.at); !reflect.DeepEqual(got, s.inv) {
			t.Errorf("step %d, investigator, as of %s:\n got %v\nwant %v", i, s.at, got, s.inv)
		}
	}

	t.Run("before the organization existed everything is zero", func(t *testing.T) {
		v := e.at(t).dashboardAt("2001-02-03T04:05:06Z")
		for name, n := range v.Counts {
			if n != 0 {
				t.Errorf("%s = %d", name, n)
			}
		}
		for kind, raw := range v.Charts {
			var c dashboard.Chart
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
			for _, n := range c.Values {
				if n != 0 {
					t.Errorf("%s: %v", kind, c.Values)
				}
			}
		}
		if len(v.Counts) != len(e.App.Dashboard.CountNames()) {
			t.Errorf("counts %v, want every count", v.Counts)
		}
	})

	t.Run("the other organization sees its own past only", func(t *testing.T) {
		v := outsider.at(t).dashboardAt(steps[len(steps)-1].at)
		if v.Counts["risks_open"] != 3 || v.Counts["controls_active"] != 0 {
			t.Fatalf("outsider's counts %v, want its 3 risks and nothing of the first organization", v.Counts)
		}
	})

	t.Run("a caller without a permission is not given its figures", func(t *testing.T) {
		viewer := e.loggedIn(e.createUser(1, "Vera Viewer", identity.Viewer)).at(t)
		v := viewer.dashboardAt(steps[3].at)
		if _, ok := v.Counts["cases_open"]; ok {
			t.Errorf("a viewer was given cases_open: %v", v.Counts)
		}
		if string(v.Charts["cases_by_status"]) != `"forbidden"` {
			t.Errorf("a viewer read cases_by_status: %s", v.Charts["cases_by_status"])
		}
		if v.Counts["risks_open"] != steps[3].admin.Counts["risks_open"] {
			t.Errorf("viewer's risks_open %d, admin's %d", v.Counts["risks_open"], steps[3].admin.Counts["risks_open"])
		}
	})

	t.Run("bad instants", func(t *testing.T) {
		for _, q := range []string{"as_of=yesterday", "as_of=", "as_of=2026-13-01T00:00:00Z", "as_of=2026-01-01",
			"as_of=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))} {
			wantErr(t, e.do("GET", "/api/dashboard?"+q, nil), http.StatusBadRequest, "VALIDATION_ERROR", "as_of")
			wantErr(t, e.do("GET", "/api/dashboard/charts?chart_type=risk_heatmap&"+q, nil), http.StatusBadRequest, "VALIDATION_ERROR", "as_of")
		}
		wantErr(t, e.do("GET", "/api/dashboard/charts?chart_type=nope&as_of=2025-01-01T00:00:00Z", nil), http.StatusBadRequest, "VALIDATION_ERROR", "chart_type")
		// An offset other than Z is the same instant.
		at, _ := time.Parse(time.RFC3339Nano, steps[2].at)
		if got := e.dashboardAt(at.In(time.FixedZone("", 2*3600)).Format(time.RFC3339Nano)); !reflect.DeepEqual(got, steps[2].admin) {
			t.Errorf("as of the same instant at +02:00: %v, want %v", got, steps[2].admin)
		}
	})

	t.Run("settled answers are kept, recent ones are not", func(t *testing.T) {
		e := e.at(t)
		replays, hits := e.App.Dashboard.AsOfStats()
		e.dashboardAt("2001-02-03T04:05:06Z") // kept by the first subtest
		r2, h2 := e.App.Dashboard.AsOfStats()
		if r2 != replays || h2 <= hits {
			t.Fatalf("an instant long settled was replayed again: replays %d -> %d, hits %d -> %d", replays, r2, hits, h2)
		}
		recent := e.dbNow()
		e.dashboardAt(recent)
		r3, _ := e.App.Dashboard.AsOfStats()
		e.dashboardAt(recent)
		r4, _ := e.App.Dashboard.AsOfStats()
		if r4 == r3 {
			t.Fatalf("an instant seconds old was answered from the cache: an event recorded before it may still commit")
		}
	})

	t.Run("replayed read models equal the live ones", func(t *testing.T) {
		rp, err := replay.New(e.App.Store, e.DB.Pool, e.App.Projectors, e.App.Dashboard.Projections()...)
		if err != nil {
			t.Fatal(err)
		}
		ctx, org := context.Background(), e.orgID(1)
		var tables []string
		for _, p := range e.App.Projectors {
			for _, name := range e.App.Dashboard.Projections() {
				if p.Name() == name {
					tables = append(tables, p.Tables()...)
				}
			}
		}
		rows := func(q schema.Querier, table string) string {
			var out string
			if err := q.QueryRow(ctx, `select coalesce(jsonb_agg(to_jsonb(t) order by to_jsonb(t)::text), '[]')::text from `+table+` t
				where org_id = $1`, org).Scan(&out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		e.settle()
		live := map[string]string{}
		for _, table := range tables {
			live[table] = rows(e.DB.Pool, table)
		}
		res, err := rp.Read(ctx, org, time.Now().Add(time.Minute), func(ctx context.Context, q schema.Querier) error {
			for _, table := range tables {
				if got := rows(q, table); got != live[table] {
					t.Errorf("%s replayed:\n%s\nlive:\n%s", table, got, live[table])
				}
			}
			return nil
		})
		if err != nil || res.Events == 0 {
			t.Fatalf("replay: %d events, %v", res.Events, err)
		}
		// The connection went back without its copies: the live tables are read again.
		for _, table := range tables {
			if got := rows(e.DB.Pool, table); got != live[table] {
				t.Errorf("%s after the replay differs from before", table)
			}
		}
	})

	t.Run("answers kept are never another caller's", func(t *testing.T) {
		// Keep even a fresh instant's answer, as if it were long settled (the writes
		// above have all committed), so that callers of one instant share a cache.
		rp, err := replay.New(e.App.Store, e.DB.Pool, e.App.Projectors, e.App.Dashboard.Projections()...)
		if err != nil {
			t.Fatal(err)
		}
		e.App.Dashboard.EnableAsOf(rp, dashboard.AsOfOptions{Settled: time.Nanosecond})
		at := steps[3].at
		first := e.at(t).dashboardAt(at)
		r1, h1 := e.App.Dashboard.AsOfStats()
		again := e.at(t).dashboardAt(at)
		r2, h2 := e.App.Dashboard.AsOfStats()
		if !reflect.DeepEqual(first, again) || !reflect.DeepEqual(first, steps[3].admin) || r2 != r1 || h2 == h1 {
			t.Fatalf("cached answer %v (replays %d -> %d, hits %d -> %d), first %v", again, r1, r2, h1, h2, first)
		}
		inv := olaf.at(t).dashboardAt(at)
		r3, _ := e.App.Dashboard.AsOfStats()
		if !reflect.DeepEqual(inv, steps[3].inv) || r3 == r2 {
			t.Fatalf("the investigator got %v (replays %d -> %d), want their own %v", inv, r2, r3, steps[3].inv)
		}
	})
}

// limitedReplayer counts the replays running at once.
type limitedReplayer struct {
	dashboard.Replayer
	running, most atomic.Int64
}

func (l *limitedReplayer) Read(ctx context.Context, orgID int64, asOf time.Time, read func(context.Context, schema.Querier) error) (replay.Result, error) {
	n := l.running.Add(1)
	defer l.running.Add(-1)
	for {
		m := l.most.Load()
		if n <= m || l.most.CompareAndSwap(m, n) {
			break
		}
	}
	return l.Replayer.Read(ctx, orgID, asOf, read)
}

// TestDashboardAsOfUnderLoad sends many answers as of distinct instants at once, with
// ordinary reads and writes beside them, on the production pool: replays wait their
// turn (two at a time) and never take the pool from the others.
func TestDashboardAsOfUnderLoad(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	if got := e.DB.Pool.Config().MaxConns; got != schema.DefaultMaxConns {
		t.Fatalf("pool of %d connections, want production's %d", got, schema.DefaultMaxConns)
	}
	for i := range 20 {
		e.create(map[string]any{"title": fmt.Sprintf("Risk %d", i), "likelihood": 1 + i%5, "impact": 1 + i/5%5})
	}
	e.settle()
	rp, err := replay.New(e.App.Store, e.DB.Pool, e.App.Projectors, e.App.Dashboard.Projections()...)
	if err != nil {
		t.Fatal(err)
	}
	lr := &limitedReplayer{Replayer: rp}
	e.App.Dashboard.EnableAsOf(lr, dashboard.AsOfOptions{})
	base := time.Now().UTC()
	const pastReads = 12
	var wg sync.WaitGroup
	errs := make(chan string, 3*pastReads)
	for i := range pastReads {
		wg.Add(3)
		go func() {
			defer wg.Done()
			at := base.Add(-time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano)
			r := e.do("GET", "/api/dashboard?as_of="+url.QueryEscape(at), nil)
			var counts map[string]int64
			_ = json.Unmarshal(r.Data, &counts)
			if r.Status != http.StatusOK || counts["risks_open"] != 20 {
				errs <- fmt.Sprintf("as of %s: %d %s", at, r.Status, r.Raw)
			}
		}()
		go func() {
			defer wg.Done()
			if r := e.do("GET", "/api/dashboard", nil); r.Status != http.StatusOK {
				errs <- fmt.Sprintf("live dashboard: %d %s", r.Status, r.Raw)
			}
		}()
		go func() {
			defer wg.Done()
			if r := e.do("POST", "/api/risks", map[string]any{"title": "During", "category": "Load", "likelihood": 1, "impact": 1}); r.Status != http.StatusCreated {
				errs <- fmt.Sprintf("write: %d %s", r.Status, r.Raw)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	if most := lr.most.Load(); most > 2 || most < 1 {
		t.Errorf("%d replays ran at once, want at most 2", most)
	}
	if replays, _ := e.App.Dashboard.AsOfStats(); replays != pastReads {
		t.Errorf("%d replays for %d distinct instants", replays, pastReads)
	}
}
