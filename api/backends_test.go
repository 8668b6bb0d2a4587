package api_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	prisks "github.com/strata-grc/strata/projections/risks"
	"github.com/strata-grc/strata/schema/testdb"
)

// pushedLog is the PostgreSQL log seen the way Strata sees EventStoreDB: a store that
// is not the database's own and that pushes events through a subscription. Everything
// the server does differently for such a log (projections fed by a subscription, no
// NOTIFY, appends counted by a wrapper, status without a cheap head) runs here against
// the real database; the EventStoreDB adapter itself has its own tests.
type pushedLog struct {
	events.Store
	down *atomic.Bool // the log's server stops answering
}

func (p pushedLog) Ping(context.Context) error {
	if p.down != nil && p.down.Load() {
		return errors.New("connection refused")
	}
	return nil
}

func (p pushedLog) Follow(ctx context.Context, from events.Position) (events.Subscription, error) {
	return events.PollingFollower{Store: p.Store, Interval: 2 * time.Millisecond}.Follow(ctx, from)
}

// TestBothLogKindsBehaveAlike runs one scenario on a server whose log is its
// database's and on one whose log is followed through a subscription: read-your-writes,
// time travel, history and a rebuild must answer the same way.
func TestBothLogKindsBehaveAlike(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"postgres", "pushed"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			db := testdb.New(t)
			var opts app.Options
			down := &atomic.Bool{}
			if kind == "pushed" {
				opts.Store = pushedLog{Store: postgres.New(db.Pool), down: down}
			}
			e, start, _ := newStoppedEnvWith(t, db, opts)
			start()
			e.loginAs(api.Principal{OrgID: 1, Name: "Both Kinds"})
			if kind == "pushed" && e.App.Log != nil {
				t.Fatal("a log that is not the database's must not be treated as one")
			}
			scenarioOnEitherLog(t, e)
			if kind == "pushed" {
				// Readiness covers a log kept apart from the database.
				if r := e.do("GET", "/readyz", nil); r.Status != http.StatusOK {
					t.Fatalf("readyz with the log up: %d %s", r.Status, r.Raw)
				}
				down.Store(true)
				if r := e.do("GET", "/readyz", nil); r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Raw), "event store unreachable") {
					t.Fatalf("readyz with the log down: %d %s", r.Status, r.Raw)
				}
			}
		})
	}
}

func scenarioOnEitherLog(t *testing.T, e *env) {
	ctx := context.Background()
	created := e.do("POST", "/api/risks", map[string]any{"title": "Backup gap", "category": "Operational", "likelihood": 2, "impact": 3})
	wantOK(t, created, http.StatusCreated)
	var r riskView
	created.into(t, &r)
	id := r.ID
	path := "/api/risks/" + strconv.FormatInt(id, 10)
	// Read-your-writes: the list answers with the new risk at once, not stale.
	list := e.do("GET", "/api/risks", nil)
	wantOK(t, list, http.StatusOK)
	if list.Header.Get("X-Read-Stale") != "" || list.Meta == nil || list.Meta.Total != 1 {
		t.Fatalf("list after create: total %d, stale %q", list.Meta.Total, list.Header.Get("X-Read-Stale"))
	}
	before := time.Now()
	time.Sleep(5 * time.Millisecond)
	wantOK(t, e.do("PUT", path, map[string]any{"likelihood": 5, "status": "Assessed"}), http.StatusOK)
	now := e.do("GET", path, nil)
	now.into(t, &r)
	if r.Likelihood != 5 || r.Status != "Assessed" || now.Header.Get("X-Read-Stale") != "" {
		t.Fatalf("after update: %+v stale %q", r, now.Header.Get("X-Read-Stale"))
	}
	// Time travel and history come from the log, whichever it is.
	then := e.do("GET", path+"?as_of="+before.UTC().Format(time.RFC3339Nano), nil)
	then.into(t, &r)
	if r.Likelihood != 2 || r.Status != "Identified" {
		t.Fatalf("as of before the update: %+v", r)
	}
	if n := len(e.history(id)); n != 2 {
		t.Fatalf("history has %d entries, want 2", n)
	}
	// Controls and the dashboard read their projections through the same feed.
	ctl := e.do("POST", "/api/controls", map[string]any{"code": "BK-1", "title": "Nightly backup", "type": "corrective",
		"frequency": "daily", "status": "Active"})
	wantOK(t, ctl, http.StatusCreated)
	var c struct{ ID int64 }
	ctl.into(t, &c)
	ctlID := strconv.FormatInt(c.ID, 10)
	wantOK(t, e.do("POST", "/api/controls/"+ctlID+"/tests", map[string]any{"result": "Fail", "notes": "no restore"}), http.StatusCreated)
	dash := e.do("GET", "/api/dashboard", nil)
	wantOK(t, dash, http.StatusOK)
	var counts map[string]int64
	dash.into(t, &counts)
	if counts["controls_ineffective"] != 1 || counts["risks_open"] != 1 {
		t.Fatalf("dashboard: %v", counts)
	}
	// A rebuild replays this log into fresh tables and gives the same answers.
	p, _ := e.App.Projector(prisks.Name)
	if _, err := projections.Rebuild(ctx, e.App.Store, e.App.Pool, p, projections.RebuildConfig{}); err != nil {
		t.Fatal(err)
	}
	e.do("GET", path, nil).into(t, &r)
	if r.Likelihood != 5 || r.Version != 2 {
		t.Fatalf("after rebuild: %+v", r)
	}
	st, err := projections.Status(ctx, e.App.Pool, e.App.Store, e.App.ProjectorNames())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Behind != 0 {
			t.Errorf("projection %s is %d behind after the scenario", s.Name, s.Behind)
		}
	}
}
