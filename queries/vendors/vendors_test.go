package vendors_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/vendors"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	ev "github.com/strata-grc/strata/events/vendors"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/projectiontest"
	pvendors "github.com/strata-grc/strata/projections/vendors"
	"github.com/strata-grc/strata/queries"
	"github.com/strata-grc/strata/queries/dashboard"
	qrisks "github.com/strata-grc/strata/queries/risks"
	qv "github.com/strata-grc/strata/queries/vendors"
	"github.com/strata-grc/strata/schema/testdb"
)

type named struct {
	*pvendors.Projector
	name string
}

func (n named) Name() string { return n.name }

// risks stands in for the risk register: risks 1 to 3 of organization 1 are live,
// and so is risk 5, created a moment ago, which its read model does not hold yet.
type risks struct{}

func (risks) RiskStatus(_ context.Context, orgID, id int64) (string, error) {
	if orgID == 1 && (id >= 1 && id <= 3 || id == 5) {
		return "Assessed", nil
	}
	return "", strata.Errorf(strata.NotFound, "risk not found")
}

func (risks) Current(_ context.Context, orgID, id int64) (qrisks.Risk, error) {
	if orgID == 1 && id == 5 {
		return qrisks.Risk{ID: 5, Title: "Fresh", Rating: "Low", Status: "Identified"}, nil
	}
	return qrisks.Risk{}, strata.Errorf(strata.NotFound, "risk not found")
}

// AsOf describes risk 1 by another title than the read model's, and holds no other,
// so an as-of detail shows its risks were replayed rather than read.
func (risks) AsOf(_ context.Context, orgID, id int64, _ time.Time) (qrisks.Risk, error) {
	if orgID == 1 && id == 1 {
		return qrisks.Risk{ID: 1, Title: "Ransomware then", Rating: "Low", Status: "Identified"}, nil
	}
	return qrisks.Risk{}, strata.Errorf(strata.NotFound, "risk not found")
}

type env struct {
	t      *testing.T
	db     *testdb.DB
	h      *cmd.Handler
	r      *qv.Reader
	now    atomic.Pointer[time.Time]
	name   string
	runner *projections.Runner
	last   events.Position
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, db: testdb.New(t)}
	reg := events.NewRegistry()
	ev.Register(reg)
	store := postgres.New(e.db.Pool)
	e.setToday("2026-03-10")
	clock := func() time.Time { return *e.now.Load() }
	var err error
	if e.h, err = cmd.NewHandler(e.db.Pool, store, reg, commands.NewSequences(e.db.Pool), risks{}, clock); err != nil {
		t.Fatal(err)
	}
	if e.r, err = qv.NewReader(e.db.Pool, e.h.Streams(), risks{}, clock); err != nil {
		t.Fatal(err)
	}
	e.name = pvendors.Name + "-" + e.db.Schema
	e.runner = projectiontest.Run(t, projections.RunnerConfig{
		Store: store, Pool: e.db.Pool, Projectors: []projections.Projector{named{pvendors.New(reg), e.name}},
		Subscriber: projections.SubscriberConfig{IdlePoll: 20 * time.Millisecond, Wakeup: store.Wakeup().C},
	})
	// The risk register's read model, as the detail reads it: risk 3 was deleted since.
	for id, title := range map[int64]string{1: "Ransomware", 2: "Supplier outage", 3: "Gone"} {
		var deleted *time.Time
		if id == 3 {
			at := time.Now()
			deleted = &at
		}
		if _, err := e.db.Pool.Exec(context.Background(), `insert into risks (id, org_id, title, category, status, likelihood,
			impact, created_at, created_by, updated_at, updated_by, version, deleted_at)
			values ($1, 1, $2, 'Cyber', 'Assessed', 4, 4, now(), 1, now(), 1, 1, $3)`, id, title, deleted); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// setToday moves the clock to late evening UTC of a date, so a reader that took the
// date in another zone would be a day off.
func (e *env) setToday(date string) {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		e.t.Fatal(err)
	}
	at := d.Add(23*time.Hour + 30*time.Minute)
	e.now.Store(&at)
}

func meta(org int64) events.Metadata {
	return events.Metadata{OrgID: org, ActorID: 5, ActorName: "Rita Manager", CorrelationID: "t"}
}

func (e *env) done(res commands.Result, err error) commands.Result {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Changed && res.Position.Compare(e.last) > 0 {
		e.last = res.Position
	}
	return res
}

func (e *env) sync() {
	e.t.Helper()
	projectiontest.Wait(e.t, e.runner, e.last, e.name)
}

func date(s string) *string { return &s }

func (e *env) add(org int64, f ev.Fields) int64 {
	e.t.Helper()
	return e.done(e.h.Add(context.Background(), meta(org), f)).ID
}

func (e *env) list(f qv.Filter) []string {
	e.t.Helper()
	page, err := e.r.List(context.Background(), 1, f)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, v := range page.Items {
		out = append(out, v.Name)
	}
	return out
}

// A vendor as of an instant is its stream folded up to then: nothing before its
// creation, its first tier between the writes, overdue_review against that instant's
// date, its risks as the risk register replays them, and nothing once removed.
func TestAsOf(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	before := time.Now()
	time.Sleep(10 * time.Millisecond)
	id := e.add(1, ev.Fields{Name: "Northwind", RiskTier: "Medium", Status: "active", NextReview: date("2026-01-01"),
		RiskIDs: []int64{1, 2}})
	time.Sleep(10 * time.Millisecond)
	between := time.Now()
	time.Sleep(10 * time.Millisecond)
	e.done(e.h.Update(ctx, meta(1), id, nil, json.RawMessage(`{"risk_tier":"High","reason":"Outage","next_review":"2999-01-01"}`)))

	if _, err := e.r.AsOf(ctx, 1, id, before); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("before creation: %v", err)
	}
	then, err := e.r.AsOf(ctx, 1, id, between)
	if err != nil {
		t.Fatal(err)
	}
	// The next review, 2026-01-01, had passed at the instant read.
	if then.RiskTier != "Medium" || then.Version != 1 || len(then.TierHistory) != 1 || !then.OverdueReview ||
		len(then.Risks) != 1 || then.Risks[0].Title != "Ransomware then" || !slices.Equal(then.RiskIDs, []int64{1, 2}) {
		t.Fatalf("as of between %+v", then)
	}
	current, err := e.r.Current(ctx, 1, id)
	if err != nil {
		t.Fatal(err)
	}
	now, err := e.r.AsOf(ctx, 1, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if now.RiskTier != "High" || now.Version != current.Version || now.OverdueReview || len(now.TierHistory) != 2 {
		t.Fatalf("as of now %+v", now)
	}
	if _, err := e.r.AsOf(ctx, 2, id, time.Now()); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("another organization's vendor: %v", err)
	}
	e.done(e.h.Remove(ctx, meta(1), id, nil, "Contract ended"))
	if _, err := e.r.AsOf(ctx, 1, id, time.Now()); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("a removed vendor: %v", err)
	}
	if _, err := e.r.AsOf(ctx, 1, id, between); err != nil {
		t.Fatalf("before the removal: %v", err)
	}
}

func yes() *bool { v := true; return &v }
func no() *bool  { v := false; return &v }

func TestListFiltersAndSorts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.add(1, ev.Fields{Name: "Bravo", Service: "Payroll", Criticality: "high", RiskTier: "High", Status: "active",
		NextReview: date("2026-03-09"), RiskIDs: []int64{1}})
	e.add(1, ev.Fields{Name: "alpha", Service: "Hosting", Criticality: "low", RiskTier: "Low", Status: "active",
		NextReview: date("2026-03-10"), ContactName: "Ann Lee"})
	e.add(1, ev.Fields{Name: "Charlie", Criticality: "critical", RiskTier: "Critical", Status: "offboarded",
		NextReview: date("2025-01-01"), RiskIDs: []int64{1, 2}})
	e.add(1, ev.Fields{Name: "Delta", RiskTier: "High", Status: "onboarding"})
	e.add(1, ev.Fields{Name: "Echo", RiskTier: "Medium", Status: "active", NextReview: date("2026-02-01")})
	gone := e.add(1, ev.Fields{Name: "Foxtrot", NextReview: date("2020-01-01")})
	e.done(e.h.Remove(context.Background(), meta(1), gone, nil, ""))
	e.add(2, ev.Fields{Name: "Other org", NextReview: date("2020-01-01")})
	e.sync()

	for _, c := range []struct {
		name string
		f    qv.Filter
		want []string
	}{
		{"all by name, without regard to case", qv.Filter{}, []string{"alpha", "Bravo", "Charlie", "Delta", "Echo"}},
		{"name descending", qv.Filter{Sort: "-name"}, []string{"Echo", "Delta", "Charlie", "Bravo", "alpha"}},
		// Overdue: before today, not offboarded. Due today is not overdue.
		{"overdue", qv.Filter{OverdueReview: yes()}, []string{"Bravo", "Echo"}},
		{"not overdue", qv.Filter{OverdueReview: no()}, []string{"alpha", "Charlie", "Delta"}},
		{"tier", qv.Filter{RiskTier: "High"}, []string{"Bravo", "Delta"}},
		{"tiers", qv.Filter{RiskTier: "High,Critical"}, []string{"Bravo", "Charlie", "Delta"}},
		{"current tiers", qv.Filter{RiskTier: "High,Critical", Status: "onboarding,active"}, []string{"Bravo", "Delta"}},
		{"criticalities", qv.Filter{Criticality: "low,critical"}, []string{"alpha", "Charlie"}},
		{"status", qv.Filter{Status: "active"}, []string{"alpha", "Bravo", "Echo"}},
		{"criticality", qv.Filter{Criticality: "medium"}, []string{"Delta", "Echo"}},
		{"risk", qv.Filter{RiskID: 1}, []string{"Bravo", "Charlie"}},
		{"risk 2", qv.Filter{RiskID: 2}, []string{"Charlie"}},
		{"q service", qv.Filter{Q: "HOST"}, []string{"alpha"}},
		{"q contact", qv.Filter{Q: "lee"}, []string{"alpha"}},
		{"q wildcard is literal", qv.Filter{Q: "%"}, nil},
		{"next review, undated last", qv.Filter{Sort: "next_review"}, []string{"Charlie", "Echo", "Bravo", "alpha", "Delta"}},
		{"next review descending", qv.Filter{Sort: "-next_review"}, []string{"Delta", "alpha", "Bravo", "Echo", "Charlie"}},
		{"updated", qv.Filter{Sort: "updated_at"}, []string{"Bravo", "alpha", "Charlie", "Delta", "Echo"}},
		{"updated descending", qv.Filter{Sort: "-updated_at"}, []string{"Echo", "Delta", "Charlie", "alpha", "Bravo"}},
	} {
		if got := e.list(c.f); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}

	// The day after, what was due today is overdue.
	e.setToday("2026-03-11")
	if got := e.list(qv.Filter{OverdueReview: yes()}); !slices.Equal(got, []string{"alpha", "Bravo", "Echo"}) {
		t.Errorf("overdue the day after: %v", got)
	}
	page, _ := e.r.List(context.Background(), 1, qv.Filter{Q: "alpha"})
	if !page.Items[0].OverdueReview {
		t.Errorf("alpha is not marked overdue: %+v", page.Items[0])
	}

	// Every sort pages through the whole list, each page's cursor good only for its sort.
	for _, sort := range qv.Sorts {
		all := e.list(qv.Filter{Sort: sort})
		var paged []string
		cursor := ""
		for {
			page, err := e.r.List(context.Background(), 1, qv.Filter{Sort: sort, Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != 5 {
				t.Fatalf("%s: total %d", sort, page.Total)
			}
			for _, v := range page.Items {
				paged = append(paged, v.Name)
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
			if sort != "name" {
				if _, err := e.r.List(context.Background(), 1, qv.Filter{Sort: "name", Cursor: cursor}); strata.ErrorCode(err) != strata.Invalid {
					t.Errorf("%s's cursor on another sort: %v", sort, err)
				}
			}
		}
		if !slices.Equal(paged, all) {
			t.Errorf("%s paged %v, listed %v", sort, paged, all)
		}
	}

	for _, f := range []qv.Filter{{RiskTier: "high"}, {Status: "Active"}, {Criticality: "severe"}, {Sort: "name,id"},
		{RiskID: -1}, {Q: "a\x00"}, {Limit: 501}, {Cursor: "x"}} {
		if _, err := e.r.List(context.Background(), 1, f); strata.ErrorCode(err) != strata.Invalid {
			t.Errorf("filter %+v: %v", f, err)
		}
	}
	bad := queries.Cursor{Sort: "next_review", Key: json.RawMessage(`"2026-13-45"`), ID: 1}.Encode()
	if _, err := e.r.List(context.Background(), 1, qv.Filter{Sort: "next_review", Cursor: bad}); strata.ErrorCode(err) != strata.Invalid {
		t.Errorf("a cursor with a bad date: %v", err)
	}
}

// The detail holds the reviews newest first, every tier oldest first and the live
// linked risks; replayed from the stream it is the same. A removed vendor is not
// found, but its history stays.
func TestDetailHistoryAndDashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.add(1, ev.Fields{Name: "Northwind", RiskTier: "Medium", Status: "active", NextReview: date("2026-01-01"),
		RiskIDs: []int64{1, 2, 3}})
	e.done(e.h.Update(ctx, meta(1), id, nil, json.RawMessage(`{"risk_tier":"High","reason":"Outage"}`)))
	_, res, err := e.h.Review(ctx, meta(1), id, nil, cmd.ReviewVendor{Decision: "approved", ReviewedAt: date("2026-02-01"),
		NextReview: date("2026-03-01")})
	e.done(res, err)
	// The dashboard takes today from the database's clock: these dates are far from it.
	_, res, err = e.h.Review(ctx, meta(1), id, nil, cmd.ReviewVendor{Decision: "conditional", ReviewedAt: date("2026-03-05"),
		RiskTier: "Critical", Notes: "Distress", NextReview: date("2999-06-01")})
	e.done(res, err)
	e.add(1, ev.Fields{Name: "Low one", RiskTier: "Low", NextReview: date("2000-03-01")})
	e.add(1, ev.Fields{Name: "Ended", RiskTier: "High", Status: "offboarded", NextReview: date("2000-03-01")})
	e.sync()

	got, err := e.r.Get(ctx, 1, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.RiskTier != "Critical" || *got.NextReview != "2999-06-01" || *got.LastReviewAt != "2026-03-05" || got.OverdueReview ||
		got.Version != 4 || len(got.Reviews) != 2 || got.Reviews[0].Decision != "conditional" || got.Reviews[0].ReviewerName != "Rita Manager" {
		t.Fatalf("detail %+v", got)
	}
	var tiers []string
	for _, c := range got.TierHistory {
		from := "-"
		if c.From != nil {
			from = *c.From
		}
		tiers = append(tiers, fmt.Sprintf("%s>%s:%s:%v", from, c.To, c.Reason, c.ReviewID != nil))
	}
	if want := []string{"->Medium::false", "Medium>High:Outage:false", "High>Critical:Distress:true"}; !slices.Equal(tiers, want) {
		t.Fatalf("tier history %v, want %v", tiers, want)
	}
	if len(got.Risks) != 2 || got.Risks[0].Title != "Ransomware" || got.Risks[0].Rating != "High" || len(got.RiskIDs) != 3 {
		t.Fatalf("risks %+v of %v", got.Risks, got.RiskIDs)
	}
	current, err := e.r.Current(ctx, 1, id)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(current)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("read model and stream differ:\n %s\n %s", a, b)
	}

	// The answer to a write describes a risk the register's read model does not hold
	// yet from its stream; the read model's detail, read once the projections caught
	// up, leaves it to them.
	fresh := e.add(1, ev.Fields{Name: "Fresh link", RiskTier: "Low", RiskIDs: []int64{5, 1}})
	if d, err := e.r.Current(ctx, 1, fresh); err != nil || len(d.Risks) != 2 || d.Risks[0].ID != 1 || d.Risks[1].Title != "Fresh" {
		t.Fatalf("risks of a write's answer %+v, %v", d.Risks, err)
	}
	e.sync()
	if d, err := e.r.Get(ctx, 1, fresh); err != nil || len(d.Risks) != 1 || d.Risks[0].ID != 1 {
		t.Fatalf("risks of the read model's detail %+v, %v", d.Risks, err)
	}

	counts, chart := e.dashboard()
	if counts["vendors_high_risk"] != 1 || counts["vendors_review_overdue"] != 1 || !slices.Equal(chart, []int64{2, 0, 0, 1}) {
		t.Fatalf("dashboard %v %v", counts, chart)
	}

	e.done(e.h.Remove(ctx, meta(1), id, nil, "Contract ended"))
	e.sync()
	for _, read := range []func(context.Context, int64, int64) (qv.VendorDetail, error){e.r.Get, e.r.Current} {
		if _, err := read(ctx, 1, id); strata.ErrorCode(err) != strata.NotFound {
			t.Fatalf("a removed vendor: %v", err)
		}
	}
	if _, err := e.r.Get(ctx, 2, id); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("another organization's vendor: %v", err)
	}
	h, err := e.r.History(ctx, 1, id, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.Total != 5 || h.Items[0].Type != "VendorRemoved" || h.Items[4].Type != "VendorAdded" {
		t.Fatalf("history %+v", h)
	}
	var review []string
	for _, c := range h.Items[1].Changes {
		review = append(review, c.Field+"="+string(c.After))
	}
	if s := strings.Join(review, " "); !strings.Contains(s, `risk_tier="Critical"`) || !strings.Contains(s, `: decision="conditional"`) ||
		!strings.Contains(s, `next_review="2999-06-01"`) || !strings.Contains(s, `last_review_at="2026-03-05"`) {
		t.Fatalf("review entry %s", s)
	}
	if _, err := e.r.History(ctx, 2, id, 0, ""); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("another organization's history: %v", err)
	}
	counts, chart = e.dashboard()
	if counts["vendors_high_risk"] != 0 || counts["vendors_review_overdue"] != 1 || !slices.Equal(chart, []int64{2, 0, 0, 0}) {
		t.Fatalf("dashboard after the removal %v %v", counts, chart)
	}
}

// dashboard reads the module's counts and its chart for organization 1. The counts
// take today from the database's clock: the fixtures are dated years apart from it.
func (e *env) dashboard() (map[string]int64, []int64) {
	e.t.Helper()
	r, err := dashboard.NewReader(e.db.Pool, qv.Dashboard)
	if err != nil {
		e.t.Fatal(err)
	}
	counts, err := r.Counts(context.Background(), 1, dashboard.Viewer{})
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := r.Chart(context.Background(), 1, dashboard.Viewer{}, "vendors_by_risk")
	if err != nil {
		e.t.Fatal(err)
	}
	if !slices.Equal(c.Labels, cmd.RiskTiers) {
		e.t.Fatalf("chart labels %v", c.Labels)
	}
	return counts, c.Values
}
