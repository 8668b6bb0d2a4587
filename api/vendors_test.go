package api_test

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/commands/identity"
)

type vendorView struct {
	ID            int64   `json:"id"`
	Name          string  `json:"name"`
	Criticality   string  `json:"criticality"`
	RiskTier      string  `json:"risk_tier"`
	Status        string  `json:"status"`
	NextReview    *string `json:"next_review"`
	OverdueReview bool    `json:"overdue_review"`
	RiskIDs       []int64 `json:"risk_ids"`
	LastReviewAt  *string `json:"last_review_at"`
	Version       int64   `json:"version"`
	Reviews       []struct {
		ID           int64  `json:"id"`
		ReviewedAt   string `json:"reviewed_at"`
		ReviewerID   int64  `json:"reviewer_id"`
		ReviewerName string `json:"reviewer_name"`
		Decision     string `json:"decision"`
		RiskTierFrom string `json:"risk_tier_from"`
		RiskTier     string `json:"risk_tier"`
		NextReview   string `json:"next_review"`
	} `json:"reviews"`
	TierHistory []struct {
		From     *string `json:"from"`
		To       string  `json:"to"`
		By       int64   `json:"by"`
		ByName   string  `json:"by_name"`
		Reason   string  `json:"reason"`
		ReviewID *int64  `json:"review_id"`
	} `json:"tier_history"`
	Risks []struct {
		ID     int64  `json:"id"`
		Title  string `json:"title"`
		Rating string `json:"rating"`
	} `json:"risks"`
}

func vendorPath(id int64) string { return "/api/vendors/" + strconv.FormatInt(id, 10) }

// day is a date days from today (UTC), as the server's clock and the database's
// take today.
func day(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly) }

func (e *env) newVendor(fields map[string]any) vendorView {
	e.t.Helper()
	return auditWrite[vendorView](e, "POST", "/api/vendors", http.StatusCreated, fields)
}

// A vendor's life: created with its defaults, named once per organization without
// regard to case, re-tiered by an edit (with a reason) and by a review, every tier
// kept; removed, it leaves lists and reads but keeps its history and frees its name.
func TestVendorLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	risk := e.create(map[string]any{"title": "Hosting outage", "likelihood": 4, "impact": 4})
	gone := e.create(map[string]any{"title": "Withdrawn"})
	wantOK(t, e.do("DELETE", riskPath(gone.ID), nil), http.StatusOK)

	r := e.do("POST", "/api/vendors", map[string]any{"name": "Northwind Cloud", "risk_ids": []int64{risk.ID}, "next_review": day(30)})
	wantOK(t, r, http.StatusCreated)
	var v vendorView
	r.into(t, &v)
	if r.Header.Get("Location") != vendorPath(v.ID) || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("headers %v", r.Header)
	}
	if v.Criticality != "medium" || v.RiskTier != "Medium" || v.Status != "onboarding" || v.Version != 1 || v.OverdueReview ||
		len(v.TierHistory) != 1 || v.TierHistory[0].From != nil || len(v.Risks) != 1 || v.Risks[0].Rating != "High" || len(v.Reviews) != 0 {
		t.Fatalf("new vendor %+v", v)
	}
	// Duplicates are refused as the control library refuses a duplicate code: a 400
	// on the field.
	wantErr(t, e.do("POST", "/api/vendors", map[string]any{"name": " northwind CLOUD "}), http.StatusBadRequest, "VALIDATION_ERROR", "name")
	wantErr(t, e.do("POST", "/api/vendors", map[string]any{"name": "Other", "risk_ids": []int64{gone.ID}}),
		http.StatusBadRequest, "VALIDATION_ERROR", "risk_ids")
	wantErr(t, e.do("POST", "/api/vendors", map[string]any{"name": "Other", "contact_email": "nobody"}),
		http.StatusBadRequest, "VALIDATION_ERROR", "contact_email")
	wantErr(t, e.do("POST", "/api/vendors", map[string]any{"name": "Other", "risk_tier": "Extreme", "owner": 1}),
		http.StatusBadRequest, "VALIDATION_ERROR", "owner")

	// A tier change by an edit needs a reason; If-Match guards it.
	p := vendorPath(v.ID)
	wantErr(t, e.do("PUT", p, map[string]any{"risk_tier": "High"}), http.StatusBadRequest, "VALIDATION_ERROR", "reason")
	v = auditWrite[vendorView](e, "PUT", p, http.StatusOK, map[string]any{"risk_tier": "High", "reason": "Two outages", "status": "active"}, "If-Match", `"1"`)
	if v.RiskTier != "High" || v.Version != 2 || len(v.TierHistory) != 2 || v.TierHistory[1].Reason != "Two outages" {
		t.Fatalf("re-tiered %+v", v)
	}
	wantErr(t, e.do("PUT", p, map[string]any{"service": "Hosting"}, "If-Match", `"1"`), http.StatusConflict, "CONFLICT")
	v = auditWrite[vendorView](e, "PUT", "/api/vendors", http.StatusOK, map[string]any{"id": v.ID, "service": "Hosting"})

	// A review re-tiers the vendor and sets its next review; its notes are the reason.
	wantErr(t, e.do("POST", p+"/reviews", map[string]any{"decision": "conditional", "risk_tier": "Critical", "next_review": day(90)}),
		http.StatusBadRequest, "VALIDATION_ERROR", "notes")
	wantErr(t, e.do("POST", p+"/reviews", map[string]any{"decision": "approved", "reviewed_at": day(-1), "next_review": day(-2)}),
		http.StatusBadRequest, "VALIDATION_ERROR", "next_review")
	r = e.do("POST", p+"/reviews", map[string]any{"decision": "conditional", "risk_tier": "Critical", "notes": "Financial distress",
		"reviewed_at": day(-1), "next_review": day(90)})
	wantOK(t, r, http.StatusCreated)
	r.into(t, &v)
	me := e.userID(e.Email)
	if v.RiskTier != "Critical" || *v.NextReview != day(90) || *v.LastReviewAt != day(-1) || len(v.Reviews) != 1 ||
		v.Reviews[0].ReviewerID != me || v.Reviews[0].RiskTierFrom != "High" || len(v.TierHistory) != 3 ||
		v.TierHistory[2].ReviewID == nil || *v.TierHistory[2].ReviewID != v.Reviews[0].ID || v.TierHistory[2].Reason != "Financial distress" {
		t.Fatalf("reviewed %+v", v)
	}
	r = e.do("POST", p+"/reviews", map[string]any{"decision": "approved", "next_review": day(365)})
	wantOK(t, r, http.StatusCreated)
	r.into(t, &v)
	if len(v.Reviews) != 2 || v.Reviews[0].Decision != "approved" || v.Reviews[0].ReviewedAt != day(0) || len(v.TierHistory) != 3 {
		t.Fatalf("confirmed %+v", v)
	}
	got, _ := readAudit[vendorView](e, p)
	if got.Version != v.Version || len(got.Reviews) != 2 || got.Reviews[0].ID != v.Reviews[0].ID || len(got.TierHistory) != 3 {
		t.Fatalf("read back %+v", got)
	}

	// Removed: out of lists and reads, history kept, name free.
	wantOK(t, e.do("DELETE", p, map[string]any{"reason": "Contract ended"}), http.StatusOK)
	wantErr(t, e.do("GET", p, nil), http.StatusNotFound, "NOT_FOUND")
	wantErr(t, e.do("DELETE", p, nil), http.StatusNotFound, "NOT_FOUND")
	list := e.read("/api/vendors")
	wantOK(t, list, http.StatusOK)
	if list.Meta.Total != 0 {
		t.Fatalf("a removed vendor is listed: %s", list.Raw)
	}
	trail := e.trail(p+"/history", 2) // oldest first
	if len(trail) != 6 || trail[0].Type != "VendorAdded" || trail[3].Type != "VendorReviewed" || trail[5].Type != "VendorRemoved" {
		t.Fatalf("history %+v", trail)
	}
	e.newVendor(map[string]any{"name": "NORTHWIND cloud"})
}

// The dashboard counts vendors not offboarded: tiered High or Critical, and with
// their review overdue; vendors_by_risk counts them per tier. The list filters agree.
// Another organization sees none of them and a viewer may read but not write.
func TestVendorDashboardAndAccess(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	for _, v := range []map[string]any{
		{"name": "A", "risk_tier": "Critical", "status": "active", "next_review": day(-3)}, // high, overdue
		{"name": "B", "risk_tier": "High", "next_review": day(0)},                          // high, due today
		{"name": "C", "risk_tier": "Low", "status": "active", "next_review": day(-1)},      // overdue
		{"name": "D", "risk_tier": "High", "status": "offboarded", "next_review": day(-9)}, // offboarded: counted nowhere
		{"name": "E"}, // Medium, no review date
	} {
		e.newVendor(v)
	}
	removed := e.newVendor(map[string]any{"name": "F", "risk_tier": "Critical", "next_review": day(-5)})
	wantOK(t, e.do("DELETE", vendorPath(removed.ID), nil), http.StatusOK)

	var counts struct {
		High    *int64 `json:"vendors_high_risk"`
		Overdue *int64 `json:"vendors_review_overdue"`
	}
	readAuditInto(e, "/api/dashboard", &counts)
	if counts.High == nil || *counts.High != 2 || *counts.Overdue != 2 {
		t.Fatalf("counts %+v", counts)
	}
	var chart struct {
		Labels []string `json:"labels"`
		Values []int64  `json:"values"`
	}
	readAuditInto(e, "/api/dashboard/charts?chart_type=vendors_by_risk", &chart)
	if !slices.Equal(chart.Labels, []string{"Low", "Medium", "High", "Critical"}) || !slices.Equal(chart.Values, []int64{1, 1, 1, 1}) {
		t.Fatalf("chart %+v", chart)
	}
	overdue := e.read("/api/vendors?overdue_review=true")
	wantOK(t, overdue, http.StatusOK)
	var names []vendorView
	overdue.into(t, &names)
	if len(names) != 2 || names[0].Name != "A" || !names[0].OverdueReview || names[1].Name != "C" {
		t.Fatalf("overdue list %s", overdue.Raw)
	}
	wantErr(t, e.do("GET", "/api/vendors?overdue_review=yes", nil), http.StatusBadRequest, "VALIDATION_ERROR", "overdue_review")
	wantErr(t, e.do("GET", "/api/vendors?risk_tier=high", nil), http.StatusBadRequest, "VALIDATION_ERROR", "risk_tier")

	a := names[0]
	other := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
	for _, c := range []struct{ method, path string }{{"GET", vendorPath(a.ID)}, {"PUT", vendorPath(a.ID)},
		{"DELETE", vendorPath(a.ID)}, {"POST", vendorPath(a.ID) + "/reviews"}, {"GET", vendorPath(a.ID) + "/history"}} {
		var body any
		switch c.method {
		case "PUT":
			body = map[string]any{"service": "x"}
		case "POST":
			body = map[string]any{"decision": "approved", "next_review": day(30)}
		}
		wantErr(t, other.do(c.method, c.path, body), http.StatusNotFound, "NOT_FOUND")
	}
	r := other.do("GET", "/api/vendors", nil)
	wantOK(t, r, http.StatusOK)
	if r.Meta.Total != 0 {
		t.Fatalf("another organization lists %s", r.Raw)
	}
	// Names are per organization.
	other.newVendor(map[string]any{"name": "a"})

	email := e.createUser(1, "Vera Viewer", identity.Viewer)
	e.settle()
	viewer := e.loggedIn(email)
	wantOK(t, viewer.do("GET", vendorPath(a.ID), nil), http.StatusOK)
	wantErr(t, viewer.do("POST", "/api/vendors", map[string]any{"name": "Z"}), http.StatusForbidden, "PERMISSION_DENIED")
	wantErr(t, viewer.do("POST", vendorPath(a.ID)+"/reviews", map[string]any{"decision": "approved", "next_review": day(9)}),
		http.StatusForbidden, "PERMISSION_DENIED")
	wantErr(t, viewer.do("DELETE", vendorPath(a.ID), nil), http.StatusForbidden, "PERMISSION_DENIED")
}

// readAuditInto GETs a read-model route until it is not stale and decodes its data.
func readAuditInto(e *env, path string, v any) {
	e.t.Helper()
	r := e.read(path)
	wantOK(e.t, r, http.StatusOK)
	r.into(e.t, v)
}
