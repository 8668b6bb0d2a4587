package api_test

import (
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
)

func TestDashboard(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	risks := []map[string]any{
		{"title": "a", "category": "Cyber", "likelihood": 5, "impact": 5},                       // Critical, open
		{"title": "b", "category": "Cyber", "likelihood": 4, "impact": 3},                       // High, open
		{"title": "c", "category": "Legal", "likelihood": 1, "impact": 2},                       // Low, open
		{"title": "d", "category": "Legal", "likelihood": 5, "impact": 4, "status": "Closed"},   // High, closed
		{"title": "e", "category": "Legal", "likelihood": 2, "impact": 3, "status": "Accepted"}, // Medium, not open
		{"title": "f", "category": "Ops", "likelihood": 5, "impact": 5},                         // deleted below
	}
	var last riskView
	for _, r := range risks {
		reply := e.do("POST", "/api/risks", r)
		wantOK(t, reply, http.StatusCreated)
		reply.into(t, &last)
	}
	wantOK(t, e.do("DELETE", riskPath(last.ID), nil), http.StatusOK)

	// Controls: only Active ones count, and only Active ones rated Ineffective are
	// ineffective; a draft or archived control protects nothing either way.
	active := func(code string) controlView { return e.newControl(code, map[string]any{"status": "Active"}) }
	e.rate(active("D-EFF").ID, "Effective")
	e.recordTest(active("D-FAIL").ID, "Fail", time.Time{}) // Ineffective by a test
	e.rate(active("D-BAD").ID, "Ineffective")              // Ineffective by a person
	e.rate(active("D-PART").ID, "Partially Effective")
	active("D-NEW")                                        // Not Tested
	e.rate(e.newControl("D-DRAFT", nil).ID, "Ineffective") // Draft: not counted
	gone := active("D-GONE")                               // Ineffective, then archived: not counted
	e.rate(gone.ID, "Ineffective")
	e.setControl(gone.ID, map[string]any{"status": "Archived"})

	var counts struct {
		RisksOpen           int64 `json:"risks_open"`
		RisksHigh           int64 `json:"risks_high"`
		ControlsActive      int64 `json:"controls_active"`
		ControlsIneffective int64 `json:"controls_ineffective"`
	}
	r := e.read("/api/dashboard")
	wantOK(t, r, http.StatusOK)
	r.into(t, &counts)
	if counts.RisksOpen != 3 || counts.RisksHigh != 2 || counts.ControlsActive != 5 || counts.ControlsIneffective != 2 {
		t.Fatalf("counts %+v, want 3 open and 2 high risks, 5 active and 2 ineffective controls", counts)
	}
	// Only modules that exist are counted, each figure once: no invented figures for
	// the others.
	var raw map[string]any
	r.into(t, &raw)
	var want []string
	for _, m := range e.App.Modules {
		for _, c := range m.Dashboard.Counts {
			want = append(want, c.Name)
		}
	}
	if got := slices.Sorted(maps.Keys(raw)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Fatalf("dashboard figures %v, want the modules' own %v", got, want)
	}

	type chart struct {
		ChartType string   `json:"chart_type"`
		Labels    []string `json:"labels"`
		Values    []int64  `json:"values"`
	}
	get := func(kind string) chart {
		t.Helper()
		r := e.read("/api/dashboard/charts?chart_type=" + kind)
		wantOK(t, r, http.StatusOK)
		var c chart
		r.into(t, &c)
		if c.ChartType != kind || len(c.Labels) != len(c.Values) {
			t.Fatalf("%s: %+v", kind, c)
		}
		return c
	}
	value := func(c chart, label string) int64 {
		i := slices.Index(c.Labels, label)
		if i < 0 {
			t.Fatalf("%s has no label %q: %v", c.ChartType, label, c.Labels)
		}
		return c.Values[i]
	}
	heat := get("risk_heatmap")
	if len(heat.Labels) != 25 || value(heat, "5x5") != 1 || value(heat, "4x3") != 1 || value(heat, "1x2") != 1 ||
		value(heat, "5x4") != 1 || value(heat, "1x1") != 0 {
		t.Fatalf("heat map: %+v", heat)
	}
	// A heat map cell links to the list filtered to that cell.
	for _, c := range [][2]string{{"4", "3"}, {"5", "4"}, {"2", "3"}, {"5", "5"}} {
		cell := e.do("GET", "/api/risks?likelihood="+c[0]+"&impact="+c[1], nil)
		wantOK(t, cell, http.StatusOK)
		if label := c[0] + "x" + c[1]; cell.Meta.Total != value(heat, label) {
			t.Fatalf("list for cell %s: %d risks, heat map says %d", label, cell.Meta.Total, value(heat, label))
		}
	}
	wantErr(t, e.do("GET", "/api/risks?likelihood=6", nil), http.StatusBadRequest, "VALIDATION_ERROR", "likelihood")
	wantErr(t, e.do("GET", "/api/risks?impact=0", nil), http.StatusBadRequest, "VALIDATION_ERROR", "impact")
	status := get("risks_by_status")
	if value(status, "Identified") != 3 || value(status, "Closed") != 1 || value(status, "Accepted") != 1 {
		t.Fatalf("by status: %+v", status)
	}
	rating := get("risks_by_rating")
	if value(rating, "Critical") != 1 || value(rating, "High") != 1 || value(rating, "Low") != 1 || value(rating, "Medium") != 0 {
		t.Fatalf("by rating: %+v", rating)
	}
	cat := get("risks_by_category")
	if !slices.Equal(cat.Labels, []string{"Cyber", "Legal"}) || !slices.Equal(cat.Values, []int64{2, 1}) {
		t.Fatalf("by category: %+v", cat)
	}

	// Control charts list every label, in a fixed order, even at 0. The effectiveness
	// chart counts Active controls, so it adds up to controls_active.
	eff := get("controls_by_effectiveness")
	if !slices.Equal(eff.Labels, []string{"Effective", "Partially Effective", "Ineffective", "Not Tested"}) ||
		!slices.Equal(eff.Values, []int64{1, 1, 2, 1}) {
		t.Fatalf("controls by effectiveness: %+v", eff)
	}
	if value(eff, "Ineffective") != counts.ControlsIneffective {
		t.Fatalf("the chart's Ineffective %d, the count %d", value(eff, "Ineffective"), counts.ControlsIneffective)
	}
	byStatus := get("controls_by_status")
	if !slices.Equal(byStatus.Labels, []string{"Draft", "Active", "Archived"}) || !slices.Equal(byStatus.Values, []int64{1, 5, 1}) {
		t.Fatalf("controls by status: %+v", byStatus)
	}
	if value(byStatus, "Active") != counts.ControlsActive {
		t.Fatalf("the chart's Active %d, the count %d", value(byStatus, "Active"), counts.ControlsActive)
	}

	for _, bad := range []string{"", "vendors_by_colour", "bogus", "controls_by_owner"} {
		wantErr(t, e.do("GET", "/api/dashboard/charts?chart_type="+bad, nil), http.StatusBadRequest, "VALIDATION_ERROR", "chart_type")
	}

	// Another organization sees its own, empty dashboard, with the same labels.
	other := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other"})
	r = other.do("GET", "/api/dashboard", nil)
	wantOK(t, r, http.StatusOK)
	r.into(t, &counts)
	if counts.RisksOpen != 0 || counts.RisksHigh != 0 || counts.ControlsActive != 0 || counts.ControlsIneffective != 0 {
		t.Fatalf("another organization's dashboard: %+v", counts)
	}
	for kind, labels := range map[string][]string{
		"controls_by_effectiveness": {"Effective", "Partially Effective", "Ineffective", "Not Tested"},
		"controls_by_status":        {"Draft", "Active", "Archived"},
	} {
		r := other.do("GET", "/api/dashboard/charts?chart_type="+kind, nil)
		wantOK(t, r, http.StatusOK)
		var c chart
		r.into(t, &c)
		if !slices.Equal(c.Labels, labels) || !slices.Equal(c.Values, make([]int64, len(labels))) {
			t.Fatalf("another organization's %s: %+v", kind, c)
		}
	}
}
