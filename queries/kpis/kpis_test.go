package kpis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/kpis"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/kpis"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	pkpis "github.com/strata-grc/strata/projections/kpis"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/queries"
	"github.com/strata-grc/strata/queries/dashboard"
	qk "github.com/strata-grc/strata/queries/kpis"
	"github.com/strata-grc/strata/queries/querytest"
	"github.com/strata-grc/strata/schema/testdb"
)

// named is a projector under a checkpoint name of its own: checkpoint locks are keyed
// by name across the whole database, and tests run side by side.
type named struct {
	projections.Projector
	name string
}

func (n named) Name() string { return n.name }

// fixedToday is the day the tests judge staleness on: far enough ahead of the day
// they run that every KPI they define (today) owes values by then. Monthly KPIs owe
// 2090-04 on it, quarterly ones 2089-Q4, annual ones 2088.
var fixedToday = time.Date(2090, 6, 15, 12, 0, 0, 0, time.UTC)

// env is a test's database with the kpis projection running. Events are appended
// through the streams as the command side would append them, periods in the future
// included.
type env struct {
	t          *testing.T
	db         *testdb.DB
	objectives *commands.Streams[cmd.Objective]
	kpis       *commands.Streams[cmd.Kpi]
	ids        *commands.Sequences
	// r judges staleness on fixedToday, now on the real date.
	r, now *qk.Reader
	dash   *dashboard.Reader
	runner *projections.Runner
	name   string
	last   events.Position
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, db: testdb.New(t)}
	reg := events.NewRegistry()
	ev.Register(reg)
	store := postgres.New(e.db.Pool)
	e.objectives = &commands.Streams[cmd.Objective]{Store: store, Registry: reg, Name: ev.ObjectiveStream, Evolve: cmd.EvolveObjective}
	e.kpis = &commands.Streams[cmd.Kpi]{Store: store, Registry: reg, Name: ev.KpiStream, Evolve: cmd.EvolveKpi}
	e.ids = commands.NewSequences(e.db.Pool)
	e.r = qk.NewReader(e.db.Pool, e.objectives, e.kpis, func() time.Time { return fixedToday })
	e.now = qk.NewReader(e.db.Pool, e.objectives, e.kpis, nil)
	var err error
	if e.dash, err = dashboard.NewReader(e.db.Pool, qk.Dashboard); err != nil {
		t.Fatal(err)
	}
	e.name = pkpis.Name + "-" + e.db.Schema
	e.runner = projectiontest.Run(t, projections.RunnerConfig{
		Store: store, Pool: e.db.Pool, Projectors: []projections.Projector{named{pkpis.New(reg), e.name}},
		Subscriber: projections.SubscriberConfig{IdlePoll: 20 * time.Millisecond, Wakeup: store.Wakeup().C},
	})
	return e
}

func (e *env) sync() {
	e.t.Helper()
	projectiontest.Wait(e.t, e.runner, e.last, e.name)
}

func meta(org, actor int64) events.Metadata {
	return events.Metadata{OrgID: org, ActorID: actor, ActorName: fmt.Sprintf("Person %d", actor), CorrelationID: "t"}
}

func (e *env) done(res commands.Result, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Changed && res.Position.Compare(e.last) > 0 {
		e.last = res.Position
	}
}

func (e *env) objective(org int64, name string, owner *int64) int64 {
	e.t.Helper()
	id, err := e.ids.Next(context.Background(), "objective")
	if err != nil {
		e.t.Fatal(err)
	}
	e.done(e.objectives.Create(context.Background(), id, meta(org, 1), ev.ObjectiveCreated{ObjectiveID: id,
		ObjectiveFields: ev.ObjectiveFields{Name: name, Description: "About " + name, OwnerID: owner}}))
	return id
}

func (e *env) define(org int64, f ev.KpiFields) int64 {
	e.t.Helper()
	id, err := e.ids.Next(context.Background(), "kpi")
	if err != nil {
		e.t.Fatal(err)
	}
	e.done(e.kpis.Create(context.Background(), id, meta(org, 1), ev.KpiDefined{KpiID: id, KpiFields: f}))
	return id
}

// value records a period's value, or corrects it when it has one, as actor.
func (e *env) value(org, actor, id int64, period string, v float64) {
	e.t.Helper()
	e.done(e.kpis.Execute(context.Background(), id, nil, meta(org, actor), func(agg commands.Aggregate[cmd.Kpi]) ([]events.Payload, error) {
		if was, ok := agg.State.Values[period]; ok {
			return []events.Payload{ev.KpiValueCorrected{KpiID: id, Period: period, Value: v, PreviousValue: was, Comment: "Recounted"}}, nil
		}
		return []events.Payload{ev.KpiValueRecorded{KpiID: id, Period: period, Value: v}}, nil
	}))
}

func ptr[T any](v T) *T { return &v }

func names(ks []qk.Kpi) []string {
	out := []string{}
	for _, k := range ks {
		out = append(out, k.Name)
	}
	return out
}

// fixture is an organization's objectives and KPIs, with another organization's
// alongside that match every filter they can.
type fixture struct {
	resilience, assurance, empty int64
	// KPIs by name.
	kpis map[string]int64
}

func (e *env) fixture() fixture {
	f := fixture{kpis: map[string]int64{}}
	f.resilience = e.objective(1, "Resilience", ptr(int64(3)))
	f.assurance = e.objective(1, "Assurance", nil)
	f.empty = e.objective(1, "Empty", ptr(int64(4)))
	kpi := func(name, frequency, direction string, target float64, objective int64, owner int64) int64 {
		k := ev.KpiFields{Name: name, Unit: "%", Target: target, Direction: direction, Frequency: frequency}
		if objective > 0 {
			k.ObjectiveID = &objective
		}
		if owner > 0 {
			k.OwnerID = &owner
		}
		f.kpis[name] = e.define(1, k)
		return f.kpis[name]
	}
	availability := kpi("Availability", cmd.Monthly, cmd.HigherIsBetter, 99, f.resilience, 3)
	e.value(1, 2, availability, "2090-04", 99.5)
	restore := kpi("Restore time", cmd.Monthly, cmd.LowerIsBetter, 4, f.resilience, 4)
	e.value(1, 2, restore, "2090-03", 6)
	e.value(1, 2, restore, "2090-01", 3) // filled in late: the latest stays March
	tests := kpi("Tests passed", cmd.Quarterly, cmd.HigherIsBetter, 95, f.assurance, 0)
	e.value(1, 2, tests, "2089-Q4", 90)
	e.value(1, 5, tests, "2089-Q3", 80)
	e.value(1, 5, tests, "2089-Q4", 96) // a correction puts it on target
	kpi("Fraud losses", cmd.Annual, cmd.LowerIsBetter, 250, 0, 0)
	ten := kpi("KPI 10", cmd.Annual, cmd.HigherIsBetter, 1, f.assurance, 0)
	e.value(1, 2, ten, "2088", 1)
	two := kpi("KPI 2", cmd.Annual, cmd.HigherIsBetter, 1, 0, 0)
	e.value(1, 2, two, "2089", 0)
	legacy := kpi("Legacy count", cmd.Monthly, cmd.HigherIsBetter, 1, 0, 0)
	e.value(1, 2, legacy, "2020-01", 5)

	theirs := e.objective(2, "Resilience", ptr(int64(3)))
	other := e.define(2, ev.KpiFields{Name: "Availability", Unit: "%", Target: 99, Direction: cmd.HigherIsBetter,
		Frequency: cmd.Monthly, OwnerID: ptr(int64(4)), ObjectiveID: &theirs})
	e.value(2, 2, other, "2020-01", 1)
	e.sync()
	return f
}

// Every filter keeps what it says, on_target and stale included as of the reader's
// today, lists walk in order across pages, and another organization's KPIs never show.
func TestKpiList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.fixture()
	ctx := context.Background()
	list := func(r *qk.Reader, name string, filter qk.Filter) []string {
		return names(querytest.Walk(t, name, func(cursor string) (queries.Page[qk.Kpi], error) {
			filter.Limit, filter.Cursor = 2, cursor
			return r.Kpis(ctx, 1, filter)
		}))
	}
	for _, c := range []struct {
		name   string
		r      *qk.Reader
		filter qk.Filter
		want   []string
	}{
		{"all, names as people read them", e.r, qk.Filter{},
			[]string{"Availability", "Fraud losses", "KPI 2", "KPI 10", "Legacy count", "Restore time", "Tests passed"}},
		{"by name descending", e.r, qk.Filter{Sort: "-name"},
			[]string{"Tests passed", "Restore time", "Legacy count", "KPI 10", "KPI 2", "Fraud losses", "Availability"}},
		{"objective", e.r, qk.Filter{ObjectiveID: f.resilience}, []string{"Availability", "Restore time"}},
		{"empty objective", e.r, qk.Filter{ObjectiveID: f.empty}, []string{}},
		{"owner", e.r, qk.Filter{OwnerID: 4}, []string{"Restore time"}},
		{"on target", e.r, qk.Filter{OnTarget: ptr(true)}, []string{"Availability", "KPI 10", "Legacy count", "Tests passed"}},
		{"off target", e.r, qk.Filter{OnTarget: ptr(false)}, []string{"KPI 2", "Restore time"}},
		{"without a value", e.r, qk.Filter{HasValue: ptr(false)}, []string{"Fraud losses"}},
		{"with a value", e.r, qk.Filter{HasValue: ptr(true)},
			[]string{"Availability", "KPI 2", "KPI 10", "Legacy count", "Restore time", "Tests passed"}},
		{"stale on the fixed day", e.r, qk.Filter{Stale: ptr(true)}, []string{"Fraud losses", "Legacy count", "Restore time"}},
		{"not stale on the fixed day", e.r, qk.Filter{Stale: ptr(false)}, []string{"Availability", "KPI 2", "KPI 10", "Tests passed"}},
		// Today, the KPIs defined today owe nothing yet, and only the one whose values
		// stopped in 2020 is behind.
		{"stale today", e.now, qk.Filter{Stale: ptr(true)}, []string{"Legacy count"}},
		{"off target and stale", e.r, qk.Filter{OnTarget: ptr(false), Stale: ptr(true)}, []string{"Restore time"}},
		{"frequency", e.r, qk.Filter{Frequency: cmd.Quarterly}, []string{"Tests passed"}},
		{"q, any case", e.r, qk.Filter{Q: "RESTORE"}, []string{"Restore time"}},
		{"q in the unit", e.r, qk.Filter{Q: "%", Frequency: cmd.Annual}, []string{"Fraud losses", "KPI 2", "KPI 10"}},
	} {
		if got := list(c.r, c.name, c.filter); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}

	// updated_at walks the same KPIs in the order of their last change.
	all, err := e.r.Kpis(ctx, 1, qk.Filter{Limit: 500, Sort: "updated_at"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(all.Items, func(a, b qk.Kpi) int { return a.UpdatedAt.Compare(b.UpdatedAt) }) || all.Total != 7 {
		t.Fatalf("by updated_at: %v (total %d)", names(all.Items), all.Total)
	}
	walked := list(e.r, "-updated_at", qk.Filter{Sort: "-updated_at"})
	want := names(all.Items)
	slices.Reverse(want)
	if !slices.Equal(walked, want) {
		t.Errorf("-updated_at walked %v, want %v", walked, want)
	}

	for _, c := range []struct {
		filter qk.Filter
		field  string
	}{
		{qk.Filter{Frequency: "weekly"}, "frequency"},
		{qk.Filter{Sort: "target"}, "sort"},
		{qk.Filter{ObjectiveID: -1}, "objective_id"},
		{qk.Filter{OwnerID: -1}, "owner_id"},
		{qk.Filter{Q: "a\x00"}, "q"},
		{qk.Filter{Limit: 501}, "limit"},
		{qk.Filter{Sort: "name", Cursor: "bm90IGEgY3Vyc29y"}, ""},
	} {
		_, err := e.r.Kpis(ctx, 1, c.filter)
		querytest.InvalidField(t, fmt.Sprintf("%+v", c.filter), err, c.field)
	}
}

// A KPI's detail from the read model is what its stream replays to, as of the same
// day; an objective's counts what its KPIs hold.
func TestDetails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.fixture()
	ctx := context.Background()
	for _, r := range []*qk.Reader{e.r, e.now} {
		for name, id := range f.kpis {
			read, err := r.Kpi(ctx, 1, id)
			if err != nil {
				t.Fatal(err)
			}
			current, err := r.CurrentKpi(ctx, 1, id)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := asJSON(read), asJSON(current); a != b {
				t.Errorf("%s:\n read model %s\n replayed   %s", name, a, b)
			}
		}
	}
	restore, err := e.r.Kpi(ctx, 1, f.kpis["Restore time"])
	if err != nil {
		t.Fatal(err)
	}
	if *restore.LatestPeriod != "2090-03" || *restore.LatestValue != 6 || *restore.OnTarget || !restore.Stale ||
		*restore.LastDuePeriod != "2090-04" || *restore.ObjectiveName != "Resilience" || restore.Version != 3 {
		t.Errorf("Restore time: %s", asJSON(restore))
	}
	fraud, _ := e.r.Kpi(ctx, 1, f.kpis["Fraud losses"])
	if fraud.OnTarget != nil || fraud.LatestValue != nil || !fraud.Stale || *fraud.LastDuePeriod != "2088" || fraud.ObjectiveName != nil {
		t.Errorf("Fraud losses: %s", asJSON(fraud))
	}
	if fraud, _ := e.now.Kpi(ctx, 1, f.kpis["Fraud losses"]); fraud.Stale || fraud.LastDuePeriod != nil {
		t.Errorf("Fraud losses, defined today, today: %s", asJSON(fraud))
	}

	for _, c := range []struct {
		id              int64
		count, onTarget int64
		kpis            []string
	}{
		{f.resilience, 2, 1, []string{"Availability", "Restore time"}},
		{f.assurance, 2, 2, []string{"KPI 10", "Tests passed"}},
		{f.empty, 0, 0, []string{}},
	} {
		d, err := e.r.Objective(ctx, 1, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if *d.KpiCount != c.count || *d.OnTargetCount != c.onTarget || !slices.Equal(names(d.Kpis), c.kpis) {
			t.Errorf("objective %s: %d KPIs, %d on target, %v", d.Name, *d.KpiCount, *d.OnTargetCount, names(d.Kpis))
		}
		current, err := e.r.CurrentObjective(ctx, 1, c.id)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := asJSON(d), asJSON(current); a != b {
			t.Errorf("objective %d:\n read model %s\n replayed   %s", c.id, a, b)
		}
	}

	page, err := e.r.Objectives(ctx, 1, qk.ObjectiveFilter{Limit: 1})
	if err != nil || page.Total != 3 || page.Items[0].Name != "Assurance" || page.NextCursor == nil {
		t.Fatalf("objectives, first page: %+v %v", page, err)
	}
	if got := querytest.Walk(t, "objectives of owner 4", func(cursor string) (queries.Page[qk.Objective], error) {
		return e.r.Objectives(ctx, 1, qk.ObjectiveFilter{OwnerID: 4, Q: "empty", Limit: 1, Cursor: cursor})
	}); len(got) != 1 || got[0].ID != f.empty {
		t.Errorf("objectives of owner 4: %+v", got)
	}
	_, err = e.r.Objectives(ctx, 1, qk.ObjectiveFilter{Sort: "kpi_count"})
	querytest.InvalidField(t, "objective sort", err, "sort")

	// Another organization's records, and records that never were, are not found.
	for what, err := range map[string]error{
		"KPI":               second(e.r.Kpi(ctx, 2, f.kpis["Availability"])),
		"current KPI":       second(e.r.CurrentKpi(ctx, 2, f.kpis["Availability"])),
		"objective":         second(e.r.Objective(ctx, 2, f.resilience)),
		"current objective": second(e.r.CurrentObjective(ctx, 2, f.resilience)),
		"performance":       second(e.r.Performance(ctx, 2, f.kpis["Availability"])),
		"KPI history":       second(e.r.KpiHistory(ctx, 2, f.kpis["Availability"], 0, "")),
		"objective history": second(e.r.ObjectiveHistory(ctx, 2, f.resilience, 0, "")),
		"missing KPI":       second(e.r.Kpi(ctx, 1, 999999)),
		"missing objective": second(e.r.CurrentObjective(ctx, 1, 999999)),
		"KPI id 0":          second(e.r.CurrentKpi(ctx, 1, 0)),
	} {
		querytest.NotFound(t, what, err)
	}
}

func second[T any](_ T, err error) error { return err }

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The performance keeps every recording and correction, by period then time; the
// history tells each value as a change of "value <period>".
func TestPerformanceAndHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.fixture()
	ctx := context.Background()
	entries, err := e.r.Performance(ctx, 1, f.kpis["Tests passed"])
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Period    string
		Value     float64
		Corrected bool
		Previous  *float64
		By        string
	}
	var got []row
	for _, x := range entries {
		got = append(got, row{x.Period, x.Value, x.Corrected, x.PreviousValue, x.RecordedByName})
	}
	want := []row{{"2089-Q3", 80, false, nil, "Person 5"}, {"2089-Q4", 90, false, nil, "Person 2"}, {"2089-Q4", 96, true, ptr(90.0), "Person 5"}}
	if asJSON(got) != asJSON(want) || entries[2].Comment != "Recounted" || entries[2].RecordedBy != 5 {
		t.Fatalf("performance %s", asJSON(entries))
	}
	if entries, err := e.r.Performance(ctx, 1, f.kpis["Fraud losses"]); err != nil || entries == nil || len(entries) != 0 {
		t.Fatalf("performance without values: %v %v", entries, err)
	}

	h, err := e.r.KpiHistory(ctx, 1, f.kpis["Tests passed"], 2, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.Total != 4 || len(h.Items) != 2 || h.Items[0].Type != "KpiValueCorrected" || h.NextCursor == nil {
		t.Fatalf("history %s", asJSON(h))
	}
	if c := h.Items[0].Changes; len(c) != 2 || c[0].Field != "comment" || c[1].Field != "value 2089-Q4" ||
		string(c[1].Before) != "90" || string(c[1].After) != "96" {
		t.Fatalf("correction changes %s", asJSON(c))
	}
	rest, err := e.r.KpiHistory(ctx, 1, f.kpis["Tests passed"], 2, *h.NextCursor)
	if err != nil || len(rest.Items) != 2 || rest.Items[1].Type != "KpiDefined" || rest.NextCursor != nil {
		t.Fatalf("history, second page %s %v", asJSON(rest), err)
	}
	oh, err := e.r.ObjectiveHistory(ctx, 1, f.resilience, 0, "")
	if err != nil || len(oh.Items) != 1 || oh.Items[0].Type != "ObjectiveCreated" {
		t.Fatalf("objective history %s %v", asJSON(oh), err)
	}
}

// The dashboard counts and charts the KPIs as of the database's today.
func TestDashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fixture()
	ctx := context.Background()
	v := dashboard.Viewer{UserID: 1, Holds: func(p string) bool { return p == qk.ReadPermission }}
	counts, err := e.dash.Counts(ctx, 1, v)
	if err != nil {
		t.Fatal(err)
	}
	// Off target: Restore time and KPI 2; stale today: Legacy count alone.
	if counts["kpis_off_target"] != 2 || counts["kpis_stale"] != 1 {
		t.Fatalf("counts %v", counts)
	}
	chart, err := e.dash.Chart(ctx, 1, v, "kpis_on_target")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(chart.Labels, []string{"On target", "Off target", "No data"}) || !slices.Equal(chart.Values, []int64{4, 2, 1}) {
		t.Fatalf("chart %+v", chart)
	}
	if counts, err := e.dash.Counts(ctx, 1, dashboard.Viewer{}); err != nil || len(counts) != 0 {
		t.Fatalf("counts without kpis:read: %v %v", counts, err)
	}
	other, err := e.dash.Counts(ctx, 2, v)
	if err != nil || other["kpis_off_target"] != 1 || other["kpis_stale"] != 1 {
		t.Fatalf("organization 2's counts %v %v", other, err)
	}
}

// A KPI as of an instant is its stream folded up to then, its objective's name from
// that objective's stream at the same instant: nothing before its definition, the
// first value between the writes, and another organization's never.
func TestAsOfKpi(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	before := time.Now()
	time.Sleep(10 * time.Millisecond)
	objective := e.objective(1, "Resilience", nil)
	id := e.define(1, ev.KpiFields{Name: "Availability", Unit: "%", Target: 99, Direction: cmd.HigherIsBetter,
		Frequency: cmd.Monthly, ObjectiveID: &objective})
	e.value(1, 2, id, "2020-01", 99.5)
	time.Sleep(10 * time.Millisecond)
	between := time.Now()
	time.Sleep(10 * time.Millisecond)
	e.value(1, 2, id, "2020-01", 90)
	e.done(e.objectives.Execute(ctx, objective, nil, meta(1, 1), func(commands.Aggregate[cmd.Objective]) ([]events.Payload, error) {
		return []events.Payload{ev.ObjectiveUpdated{ObjectiveID: objective, Set: json.RawMessage(`{"name":"Operational resilience"}`)}}, nil
	}))

	if _, err := e.r.AsOfKpi(ctx, 1, id, before); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("before its definition: %v", err)
	}
	then, err := e.r.AsOfKpi(ctx, 1, id, between)
	if err != nil {
		t.Fatal(err)
	}
	// Staleness is judged against the instant read, not the reader's today.
	due := cmd.LastDuePeriod(cmd.Monthly, cmd.Date(then.CreatedAt), "2020-01", cmd.Date(between))
	if *then.LatestValue != 99.5 || !*then.OnTarget || then.Version != 2 || *then.ObjectiveName != "Resilience" ||
		!then.Stale || then.LastDuePeriod == nil || *then.LastDuePeriod != due {
		t.Fatalf("as of between: %s (due %s)", asJSON(then), due)
	}
	now, err := e.now.AsOfKpi(ctx, 1, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	current, err := e.now.CurrentKpi(ctx, 1, id)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := asJSON(now), asJSON(current); a != b || *now.ObjectiveName != "Operational resilience" {
		t.Fatalf("as of now:\n %s\n current %s", a, b)
	}
	if _, err := e.r.AsOfKpi(ctx, 2, id, time.Now()); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("another organization's KPI: %v", err)
	}
}

// An objective as of an instant is its own stream folded up to then: nothing before
// its creation, the old fields between the writes, the current fields after them, and
// never another organization's. Its KPIs and their counts are left null rather than
// given as they stand now.
func TestAsOfObjective(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	before := time.Now()
	time.Sleep(10 * time.Millisecond)
	id := e.objective(1, "Resilience", ptr(int64(3)))
	e.define(1, ev.KpiFields{Name: "Availability", Unit: "%", Target: 99, Direction: cmd.HigherIsBetter,
		Frequency: cmd.Monthly, ObjectiveID: &id})
	time.Sleep(10 * time.Millisecond)
	between := time.Now()
	time.Sleep(10 * time.Millisecond)
	e.done(e.objectives.Execute(ctx, id, nil, meta(1, 1), func(commands.Aggregate[cmd.Objective]) ([]events.Payload, error) {
		return []events.Payload{ev.ObjectiveUpdated{ObjectiveID: id,
			Set: json.RawMessage(`{"name":"Operational resilience","owner_id":null,"period_end":"2091-12-31"}`)}}, nil
	}))
	e.sync()

	_, err := e.r.AsOfObjective(ctx, 1, id, before)
	var se *strata.Error
	if !errors.As(err, &se) || se.Code != strata.NotFound || se.Message != "objective not found as of "+before.UTC().Format(time.RFC3339) {
		t.Fatalf("before its creation: %v", err)
	}
	then, err := e.r.AsOfObjective(ctx, 1, id, between)
	if err != nil {
		t.Fatal(err)
	}
	if then.Name != "Resilience" || then.Description != "About Resilience" || then.OwnerID == nil || *then.OwnerID != 3 ||
		then.PeriodEnd != nil || then.Version != 1 || !then.UpdatedAt.Equal(then.CreatedAt) {
		t.Fatalf("as of between: %s", asJSON(then))
	}
	if then.Kpis != nil || then.KpiCount != nil || then.OnTargetCount != nil {
		t.Fatalf("as of between, KPIs: %s", asJSON(then))
	}
	if b := asJSON(then); !strings.Contains(b, `"kpi_count":null`) || !strings.Contains(b, `"kpis":null`) {
		t.Fatalf("as of between, as sent: %s", b)
	}

	now, err := e.r.AsOfObjective(ctx, 1, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	current, err := e.r.Objective(ctx, 1, id)
	if err != nil {
		t.Fatal(err)
	}
	// As of now, its own fields are the read model's.
	current.Kpis, current.KpiCount, current.OnTargetCount = nil, nil, nil
	if a, b := asJSON(now), asJSON(current); a != b || now.Name != "Operational resilience" || now.OwnerID != nil {
		t.Fatalf("as of now:\n %s\n read model %s", a, b)
	}

	for what, err := range map[string]error{
		"another organization's": second(e.r.AsOfObjective(ctx, 2, id, time.Now())),
		"never used":             second(e.r.AsOfObjective(ctx, 1, 999999, time.Now())),
		"id 0":                   second(e.r.AsOfObjective(ctx, 1, 0, time.Now())),
	} {
		querytest.NotFound(t, what, err)
	}
}
