package api_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/commands/identity"
	cmdkpis "github.com/strata-grc/strata/commands/kpis"
)

type objectiveView struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	OwnerID       *int64    `json:"owner_id"`
	PeriodStart   *string   `json:"period_start"`
	PeriodEnd     *string   `json:"period_end"`
	KpiCount      int64     `json:"kpi_count"`
	OnTargetCount int64     `json:"on_target_count"`
	Kpis          []kpiView `json:"kpis"`
	Version       int64     `json:"version"`
}

type kpiView struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	Target        float64  `json:"target"`
	Direction     string   `json:"direction"`
	Frequency     string   `json:"frequency"`
	OwnerID       *int64   `json:"owner_id"`
	ObjectiveID   *int64   `json:"objective_id"`
	ObjectiveName *string  `json:"objective_name"`
	LatestValue   *float64 `json:"latest_value"`
	LatestPeriod  *string  `json:"latest_period"`
	OnTarget      *bool    `json:"on_target"`
	Stale         bool     `json:"stale"`
	LastDuePeriod *string  `json:"last_due_period"`
	Version       int64    `json:"version"`
}

type performanceView struct {
	Period         string   `json:"period"`
	Value          float64  `json:"value"`
	Comment        string   `json:"comment"`
	RecordedBy     int64    `json:"recorded_by"`
	RecordedByName string   `json:"recorded_by_name"`
	Corrected      bool     `json:"corrected"`
	PreviousValue  *float64 `json:"previous_value"`
}

func kpiPath(id int64) string       { return "/api/kpis/" + strconv.FormatInt(id, 10) }
func objectivePath(id int64) string { return "/api/objectives/" + strconv.FormatInt(id, 10) }

func (e *env) newKpi(fields map[string]any) kpiView {
	e.t.Helper()
	body := map[string]any{"name": "KPI", "target": 1, "direction": "higher_is_better"}
	for k, v := range fields {
		body[k] = v
	}
	return auditWrite[kpiView](e, "POST", "/api/kpis", http.StatusCreated, body)
}

func (e *env) kpis(query string) []string {
	e.t.Helper()
	r := e.read("/api/kpis" + query)
	wantOK(e.t, r, http.StatusOK)
	var list []kpiView
	r.into(e.t, &list)
	out := []string{}
	for _, k := range list {
		out = append(out, k.Name)
	}
	return out
}

func onTarget(k kpiView) string {
	if k.OnTarget == nil {
		return "null"
	}
	return strconv.FormatBool(*k.OnTarget)
}

// TestKpiLifecycle sets an objective with KPIs, records and corrects values, and
// follows on_target, staleness, the performance and the dashboard through it.
func TestKpiLifecycle(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	me := e.userID(e.Email)
	now := time.Now()
	lastMonth := cmdkpis.PeriodOf(cmdkpis.Monthly, now).Prev()
	twoAgo := lastMonth.Prev().String()

	r := e.do("POST", "/api/objectives", map[string]any{"name": "Operational resilience", "owner_id": me,
		"period_start": "2026-01-01", "period_end": "2026-12-31"})
	wantOK(t, r, http.StatusCreated)
	var o objectiveView
	r.into(t, &o)
	if o.Version != 1 || o.KpiCount != 0 || *o.PeriodEnd != "2026-12-31" || r.Header.Get("Location") != objectivePath(o.ID) {
		t.Fatalf("objective %+v", o)
	}

	a := e.newKpi(map[string]any{"name": "Availability", "unit": "%", "target": 99.5, "objective_id": o.ID, "owner_id": me})
	if a.Frequency != "monthly" || a.OnTarget != nil || a.Stale || a.LastDuePeriod != nil || a.LatestValue != nil ||
		a.ObjectiveName == nil || *a.ObjectiveName != "Operational resilience" || a.Version != 1 {
		t.Fatalf("defined %+v", a)
	}
	x := e.newKpi(map[string]any{"name": "Open exceptions", "target": 5, "direction": "lower_is_better", "frequency": "quarterly",
		"objective_id": o.ID})
	nps := e.newKpi(map[string]any{"name": "Net promoter score", "target": 30, "frequency": "annual"})

	record := func(id int64, status int, period string, value float64, comment string, headers ...string) kpiView {
		t.Helper()
		return auditWrite[kpiView](e, "POST", kpiPath(id)+"/performance", status,
			map[string]any{"period": period, "value": value, "comment": comment}, headers...)
	}
	a = record(a.ID, http.StatusCreated, lastMonth.String(), 99.7, "")
	if *a.LatestValue != 99.7 || *a.LatestPeriod != lastMonth.String() || onTarget(a) != "true" || a.Version != 2 {
		t.Fatalf("after the first value %+v", a)
	}
	// An earlier month filled in later leaves the latest value alone.
	a = record(a.ID, http.StatusCreated, twoAgo, 99.0, "Late figures")
	if *a.LatestValue != 99.7 || onTarget(a) != "true" {
		t.Fatalf("after an earlier month %+v", a)
	}
	wantErr(t, e.do("POST", kpiPath(a.ID)+"/performance", map[string]any{"period": lastMonth.String(), "value": 99.2}),
		http.StatusBadRequest, "VALIDATION_ERROR", "comment")
	a = record(a.ID, http.StatusOK, lastMonth.String(), 99.2, "Outage minutes were undercounted")
	if *a.LatestValue != 99.2 || onTarget(a) != "false" || a.Version != 4 {
		t.Fatalf("after the correction %+v", a)
	}
	r = e.do("POST", kpiPath(a.ID)+"/performance", map[string]any{"period": lastMonth.String(), "value": 99.2})
	wantOK(t, r, http.StatusOK)
	if r.Header.Get("X-Event-Position") != "" || r.Header.Get("ETag") != etag(4) {
		t.Fatalf("the same value again: %v", r.Header)
	}

	var perf []performanceView
	r = e.do("GET", kpiPath(a.ID)+"/performance", nil)
	wantOK(t, r, http.StatusOK)
	r.into(t, &perf)
	if len(perf) != 3 || perf[0].Period != twoAgo || perf[1].Value != 99.7 || perf[1].Corrected ||
		!perf[2].Corrected || *perf[2].PreviousValue != 99.7 || perf[2].Value != 99.2 ||
		perf[2].Comment != "Outage minutes were undercounted" || perf[2].RecordedBy != me || perf[2].RecordedByName != "Test User" {
		t.Fatalf("performance %+v", perf)
	}

	// A quarter long past makes the quarterly KPI stale; it is on target all the same.
	x = record(x.ID, http.StatusCreated, "2020-Q1", 3, "")
	due := cmdkpis.DuePeriod(cmdkpis.Quarterly, now)
	if !x.Stale || x.LastDuePeriod == nil || *x.LastDuePeriod != due || onTarget(x) != "true" {
		t.Fatalf("stale quarterly KPI %+v (due %s)", x, due)
	}
	var got kpiView
	r = e.read(kpiPath(x.ID))
	wantOK(t, r, http.StatusOK)
	r.into(t, &got)
	if !got.Stale || *got.LastDuePeriod != due || got.Version != 2 || r.Header.Get("ETag") != etag(2) {
		t.Fatalf("stale KPI's detail %+v", got)
	}
	for query, want := range map[string][]string{
		"":                             {"Availability", "Net promoter score", "Open exceptions"},
		"?stale=true":                  {"Open exceptions"},
		"?stale=false&sort=-name":      {"Net promoter score", "Availability"},
		"?on_target=false":             {"Availability"},
		"?on_target=true":              {"Open exceptions"},
		"?objective_id=" + itoa(o.ID):  {"Availability", "Open exceptions"},
		"?frequency=annual":            {"Net promoter score"},
		"?owner_id=" + itoa(me):        {"Availability"},
		"?q=EXCEPTIONS&on_target=true": {"Open exceptions"},
		"?stale=true&on_target=false":  {},
		"?limit=1&sort=name&q=a":       {"Availability"},
	} {
		if got := e.kpis(query); !slices.Equal(got, want) {
			t.Errorf("GET /api/kpis%s: %v, want %v", query, got, want)
		}
	}

	var detail objectiveView
	r = e.read(objectivePath(o.ID))
	wantOK(t, r, http.StatusOK)
	r.into(t, &detail)
	if detail.KpiCount != 2 || detail.OnTargetCount != 1 || len(detail.Kpis) != 2 || detail.Kpis[1].Name != "Open exceptions" ||
		!detail.Kpis[1].Stale {
		t.Fatalf("objective detail %+v", detail)
	}

	var counts map[string]int64
	r = e.read("/api/dashboard")
	wantOK(t, r, http.StatusOK)
	r.into(t, &counts)
	if counts["kpis_off_target"] != 1 || counts["kpis_stale"] != 1 {
		t.Fatalf("dashboard counts %v", counts)
	}
	var chart struct {
		Labels []string `json:"labels"`
		Values []int64  `json:"values"`
	}
	r = e.read("/api/dashboard/charts?chart_type=kpis_on_target")
	wantOK(t, r, http.StatusOK)
	r.into(t, &chart)
	if !slices.Equal(chart.Labels, []string{"On target", "Off target", "No data"}) || !slices.Equal(chart.Values, []int64{1, 1, 1}) {
		t.Fatalf("chart %+v", chart)
	}

	// A new target changes on_target at once; a stale version is refused.
	wantErr(t, e.do("PUT", kpiPath(a.ID), map[string]any{"target": 99}, "If-Match", etag(3)), http.StatusConflict, "CONFLICT")
	a = auditWrite[kpiView](e, "PUT", kpiPath(a.ID), http.StatusOK, map[string]any{"target": 99}, "If-Match", etag(4))
	if onTarget(a) != "true" || a.Version != 5 {
		t.Fatalf("after a new target %+v", a)
	}
	wantErr(t, e.do("PUT", kpiPath(a.ID), map[string]any{"frequency": "quarterly"}), http.StatusBadRequest, "VALIDATION_ERROR", "frequency")
	nps = auditWrite[kpiView](e, "PUT", kpiPath(nps.ID), http.StatusOK, map[string]any{"frequency": "quarterly", "objective_id": o.ID})
	if nps.Frequency != "quarterly" || *nps.ObjectiveName != "Operational resilience" {
		t.Fatalf("a KPI without values changed frequency: %+v", nps)
	}
	o2 := auditWrite[objectiveView](e, "PUT", objectivePath(o.ID), http.StatusOK, map[string]any{"name": "Resilience", "period_start": nil},
		"If-Match", etag(1))
	if o2.Name != "Resilience" || o2.PeriodStart != nil || o2.Version != 2 {
		t.Fatalf("objective after an update %+v", o2)
	}

	var history []struct {
		Type    string `json:"type"`
		Changes []struct {
			Field string `json:"field"`
		} `json:"changes"`
	}
	r = e.do("GET", kpiPath(a.ID)+"/history", nil)
	wantOK(t, r, http.StatusOK)
	r.into(t, &history)
	if len(history) != 5 || history[0].Type != "KpiUpdated" || history[1].Type != "KpiValueCorrected" ||
		history[1].Changes[1].Field != "value "+lastMonth.String() || history[4].Type != "KpiDefined" {
		t.Fatalf("history %+v", history)
	}
	r = e.do("GET", objectivePath(o.ID)+"/history", nil)
	wantOK(t, r, http.StatusOK)
	r.into(t, &history)
	if len(history) != 2 || history[0].Type != "ObjectiveUpdated" {
		t.Fatalf("objective history %+v", history)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestKpiRefusals: bad input is a 400 naming the field, another organization's
// records are a 404 as if they did not exist, and a viewer may read but not write.
func TestKpiRefusals(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	o := auditWrite[objectiveView](e, "POST", "/api/objectives", http.StatusCreated, map[string]any{"name": "Compliance culture"})
	monthly := e.newKpi(map[string]any{"name": "Training", "objective_id": o.ID})
	quarterly := e.newKpi(map[string]any{"name": "Breaches", "frequency": "quarterly"})
	next := cmdkpis.PeriodOf(cmdkpis.Monthly, time.Now().AddDate(0, 1, 0)).String()
	thisYear := strconv.Itoa(time.Now().UTC().Year())

	bad := []struct {
		method, path string
		body         any
		fields       []string
	}{
		{"POST", "/api/kpis", map[string]any{}, []string{"name", "target", "direction"}},
		{"POST", "/api/kpis", map[string]any{"name": "K", "target": "high", "direction": "up"}, []string{"target"}},
		{"POST", "/api/kpis", map[string]any{"name": "K", "target": 1, "direction": "up", "frequency": "weekly"}, []string{"direction", "frequency"}},
		{"POST", "/api/kpis", map[string]any{"name": "K", "target": 1, "direction": "higher_is_better", "objective_id": 999999}, []string{"objective_id"}},
		{"POST", "/api/kpis", map[string]any{"name": "K", "target": 1, "direction": "higher_is_better", "owner_id": 999999}, []string{"owner_id"}},
		{"POST", "/api/kpis", `{"name":"K","target":1e999,"direction":"higher_is_better"}`, []string{"target"}},
		{"POST", "/api/objectives", map[string]any{"name": " ", "period_start": "2026-12-31", "period_end": "2026-01-01"}, []string{"name"}},
		{"POST", "/api/objectives", map[string]any{"name": "O", "period_start": "2026-12-31", "period_end": "2026-01-01"}, []string{"period_end"}},
		{"POST", "/api/objectives", map[string]any{"name": "O", "colour": "red"}, []string{"colour"}},
		{"PUT", objectivePath(o.ID), map[string]any{"period_start": "31/12/2026"}, []string{"period_start"}},
		{"PUT", kpiPath(monthly.ID), map[string]any{"target": nil, "name": ""}, []string{"target", "name"}},
		{"PUT", kpiPath(monthly.ID), map[string]any{"objective_id": 999999}, []string{"objective_id"}},
		{"POST", kpiPath(monthly.ID) + "/performance", map[string]any{"period": "2026-13", "value": 1}, []string{"period"}},
		{"POST", kpiPath(monthly.ID) + "/performance", map[string]any{"period": "2026-1", "value": 1}, []string{"period"}},
		{"POST", kpiPath(monthly.ID) + "/performance", map[string]any{"period": "2026-Q1", "value": 1}, []string{"period"}},
		{"POST", kpiPath(monthly.ID) + "/performance", map[string]any{"period": next, "value": 1}, []string{"period"}},
		{"POST", kpiPath(monthly.ID) + "/performance", map[string]any{"period": "2026-01"}, []string{"value"}},
		{"POST", kpiPath(monthly.ID) + "/performance", map[string]any{"period": "2026-01", "value": "1"}, []string{"value"}},
		{"POST", kpiPath(monthly.ID) + "/performance", map[string]any{"period": "2026-01", "value": 1, "note": "x"}, []string{"note"}},
		{"POST", kpiPath(quarterly.ID) + "/performance", map[string]any{"period": "2026-Q5", "value": 1}, []string{"period"}},
		{"POST", kpiPath(quarterly.ID) + "/performance", map[string]any{"period": thisYear, "value": 1}, []string{"period"}},
		{"GET", "/api/kpis?frequency=weekly", nil, []string{"frequency"}},
		{"GET", "/api/kpis?stale=maybe", nil, []string{"stale"}},
		{"GET", "/api/kpis?on_target=1", nil, []string{"on_target"}},
		{"GET", "/api/kpis?objective_id=x", nil, []string{"objective_id"}},
		{"GET", "/api/kpis?sort=target", nil, []string{"sort"}},
		{"GET", "/api/objectives?sort=-kpi_count", nil, []string{"sort"}},
		{"GET", kpiPath(0), nil, []string{"id"}},
	}
	for _, c := range bad {
		wantErr(t, e.do(c.method, c.path, c.body), http.StatusBadRequest, "VALIDATION_ERROR", c.fields...)
	}

	// Another organization's records do not exist for its members.
	two := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
	foreign := []struct {
		method, path string
		body         any
	}{
		{"GET", kpiPath(monthly.ID), nil},
		{"GET", "/api/kpis?action=get&id=" + itoa(monthly.ID), nil},
		{"PUT", kpiPath(monthly.ID), map[string]any{"name": "Taken"}},
		{"GET", kpiPath(monthly.ID) + "/performance", nil},
		{"POST", kpiPath(monthly.ID) + "/performance", map[string]any{"period": "2026-01", "value": 1}},
		{"GET", kpiPath(monthly.ID) + "/history", nil},
		{"GET", objectivePath(o.ID), nil},
		{"PUT", objectivePath(o.ID), map[string]any{"name": "Taken"}},
		{"GET", objectivePath(o.ID) + "/history", nil},
	}
	for _, c := range foreign {
		wantErr(t, two.do(c.method, c.path, c.body), http.StatusNotFound, "NOT_FOUND")
	}
	wantErr(t, two.do("POST", "/api/kpis", map[string]any{"name": "K", "target": 1, "direction": "higher_is_better", "objective_id": o.ID}),
		http.StatusBadRequest, "VALIDATION_ERROR", "objective_id")
	if got := two.kpis(""); len(got) != 0 {
		t.Fatalf("organization 2 lists %v", got)
	}

	// A viewer reads; only the risk and compliance managers (and admins) write.
	viewer := e.loggedIn(e.createUser(1, "Vic Viewer", identity.Viewer))
	manager := e.loggedIn(e.createUser(1, "Rita Risk", identity.RiskManager))
	e.settle()
	if got := viewer.kpis(""); !slices.Equal(got, []string{"Breaches", "Training"}) {
		t.Fatalf("the viewer lists %v", got)
	}
	writes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/objectives", map[string]any{"name": "Mine"}},
		{"PUT", objectivePath(o.ID), map[string]any{"name": "Mine"}},
		{"POST", "/api/kpis", map[string]any{"name": "K", "target": 1, "direction": "higher_is_better"}},
		{"PUT", kpiPath(monthly.ID), map[string]any{"name": "Mine"}},
		{"POST", kpiPath(monthly.ID) + "/performance", map[string]any{"period": "2026-01", "value": 1}},
	}
	for _, w := range writes {
		wantErr(t, viewer.do(w.method, w.path, w.body), http.StatusForbidden, "PERMISSION_DENIED")
	}
	auditWrite[kpiView](manager, "POST", kpiPath(monthly.ID)+"/performance", http.StatusCreated, map[string]any{"period": "2026-01", "value": 1})
	if got := e.read(kpiPath(monthly.ID)); got.Status != http.StatusOK {
		t.Fatalf("GET after the manager's write: %s", got.Raw)
	}
}

// TestKpiDemoSeed: the demo has KPIs at every frequency, some off target, some
// corrected, and exactly the two meant to be stale.
func TestKpiDemoSeed(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	st := e.status()
	me := module.Person{ID: st.User.ID, Name: "Seeder"}
	s := &module.Seeding{OrgID: st.Organization.ID, People: map[string]module.Person{identity.RiskManager: me, identity.ComplianceManager: me},
		Rand: rand.New(rand.NewPCG(1, 2)), Seeded: map[string][]int64{}, Out: io.Discard}
	for _, m := range e.App.Modules {
		if m.Name == "kpis" {
			if err := m.Seed(context.Background(), s); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(s.Seeded["objective"]) != 3 || len(s.Seeded["kpi"]) != 10 {
		t.Fatalf("seeded %v", s.Seeded)
	}
	e.settle() // the seed wrote outside the session, which its reads do not wait for
	if got := e.kpis("?stale=true"); len(got) != 2 {
		t.Errorf("stale demo KPIs: %v", got)
	}
	if got := e.kpis("?on_target=false"); len(got) == 0 {
		t.Error("no demo KPI is off target")
	}
	for _, f := range []string{"monthly", "quarterly", "annual"} {
		if got := e.kpis("?frequency=" + f); len(got) < 2 {
			t.Errorf("%s demo KPIs: %v", f, got)
		}
	}
	corrected := 0
	for _, id := range s.Seeded["kpi"] {
		var perf []performanceView
		r := e.do("GET", kpiPath(id)+"/performance", nil)
		wantOK(t, r, http.StatusOK)
		r.into(t, &perf)
		for _, p := range perf {
			if p.Corrected {
				corrected++
			}
		}
	}
	if corrected != 3 {
		t.Errorf("%d demo corrections", corrected)
	}
}
