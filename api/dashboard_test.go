package api_test

import (
	"net/http"
	"slices"
	"testing"

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

	var counts struct {
		RisksOpen int64 `json:"risks_open"`
		RisksHigh int64 `json:"risks_high"`
	}
	r := e.do("GET", "/api/dashboard", nil)
	wantOK(t, r, http.StatusOK)
	r.into(t, &counts)
	if counts.RisksOpen != 3 || counts.RisksHigh != 2 {
		t.Fatalf("counts %+v, want 3 open and 2 high", counts)
	}
	// Only modules that exist are counted: no invented figures for the others.
	var raw map[string]any
	r.into(t, &raw)
	if len(raw) != 2 {
		t.Fatalf("dashboard lists more than the risk figures: %v", raw)
	}

	type chart struct {
		ChartType string   `json:"chart_type"`
		Labels    []string `json:"labels"`
		Values    []int64  `json:"values"`
	}
	get := func(kind string) chart {
		t.Helper()
		r := e.do("GET", "/api/dashboard/charts?chart_type="+kind, nil)
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

	for _, bad := range []string{"", "findings_by_risk", "bogus"} {
		wantErr(t, e.do("GET", "/api/dashboard/charts?chart_type="+bad, nil), http.StatusBadRequest, "VALIDATION_ERROR", "chart_type")
	}

	// Another organization sees its own, empty dashboard.
	other := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other"})
	r = other.do("GET", "/api/dashboard", nil)
	wantOK(t, r, http.StatusOK)
	r.into(t, &counts)
	if counts.RisksOpen != 0 || counts.RisksHigh != 0 {
		t.Fatalf("another organization's dashboard: %+v", counts)
	}
}
