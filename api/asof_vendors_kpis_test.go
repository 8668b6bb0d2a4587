package api_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	cmdkpis "github.com/strata-grc/strata/commands/kpis"
)

// asOfPath is path read as it stood at an instant.
func asOfPath(path string, at time.Time) string {
	return path + "?as_of=" + url.QueryEscape(at.Format(time.RFC3339Nano))
}

// A vendor read as of an instant is its own stream folded up to then: the fields,
// version and tier history it had, and its risks as their streams told them then.
func TestVendorAsOf(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	risk := e.create(map[string]any{"title": "Old title", "likelihood": 1, "impact": 2})
	beforeCreate := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	orig := e.newVendor(map[string]any{"name": "Contoso", "risk_tier": "Low", "service": "Payroll",
		"risk_ids": []int64{risk.ID}, "next_review": day(30)})
	time.Sleep(20 * time.Millisecond)
	between := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	p := vendorPath(orig.ID)
	updated := auditWrite[vendorView](e, "PUT", p, http.StatusOK,
		map[string]any{"risk_tier": "High", "reason": "Breach", "service": "Payroll and HR"})
	wantOK(t, e.do("PUT", riskPath(risk.ID), map[string]any{"title": "New title", "likelihood": 5, "impact": 5}), http.StatusOK)

	type stamped struct {
		vendorView
		Service   string    `json:"service"`
		CreatedAt time.Time `json:"created_at"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	read := func(t *testing.T, at time.Time) stamped {
		t.Helper()
		r := e.at(t).do("GET", asOfPath(p, at), nil)
		wantOK(t, r, http.StatusOK)
		if r.Header.Get("ETag") != "" {
			t.Fatalf("an as-of read carries an ETag: %v", r.Header)
		}
		var got stamped
		r.into(t, &got)
		return got
	}

	t.Run("between", func(t *testing.T) {
		got := read(t, between)
		if got.RiskTier != "Low" || got.Service != "Payroll" || got.Version != 1 || len(got.TierHistory) != 1 ||
			!got.UpdatedAt.Equal(got.CreatedAt) || len(got.Risks) != 1 || got.Risks[0].Title != "Old title" || got.Risks[0].Rating != "Low" {
			t.Fatalf("as of between: %+v", got)
		}
	})
	t.Run("after the update", func(t *testing.T) {
		got := read(t, time.Now().UTC())
		if got.RiskTier != "High" || got.Service != "Payroll and HR" || got.Version != updated.Version ||
			len(got.TierHistory) != 2 || len(got.Risks) != 1 || got.Risks[0].Title != "New title" {
			t.Fatalf("as of now: %+v", got)
		}
	})
	t.Run("before creation", func(t *testing.T) {
		wantErr(t, e.at(t).do("GET", asOfPath(p, beforeCreate), nil), http.StatusNotFound, "NOT_FOUND")
	})
	t.Run("bad as_of", func(t *testing.T) {
		for _, v := range []string{"yesterday", "2026-01-01", "2026-01-01T00:00:00"} {
			wantErr(t, e.at(t).do("GET", p+"?as_of="+url.QueryEscape(v), nil), http.StatusBadRequest, "VALIDATION_ERROR", "as_of")
		}
	})
	t.Run("action=get ignores as_of", func(t *testing.T) {
		r := e.at(t).do("GET", "/api/vendors?action=get&id="+itoa(orig.ID)+"&as_of=yesterday", nil)
		wantOK(t, r, http.StatusOK)
	})
	t.Run("another organization", func(t *testing.T) {
		other := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		wantErr(t, other.do("GET", asOfPath(p, time.Now().UTC()), nil), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, other.do("GET", asOfPath(p, between), nil), http.StatusNotFound, "NOT_FOUND")
	})
	t.Run("removed", func(t *testing.T) {
		wantOK(t, e.at(t).do("DELETE", p, nil), http.StatusOK)
		if got := read(t, between); got.RiskTier != "Low" {
			t.Fatalf("before the removal: %+v", got)
		}
		wantErr(t, e.at(t).do("GET", asOfPath(p, time.Now().Add(time.Second)), nil), http.StatusNotFound, "NOT_FOUND")
	})
}

// A KPI read as of an instant is its own stream folded up to then: the target and
// the latest value it had, and its objective's name as that objective's stream told it.
func TestKpiAsOf(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	lastMonth := cmdkpis.PeriodOf(cmdkpis.Monthly, time.Now()).Prev()
	o := auditWrite[objectiveView](e, "POST", "/api/objectives", http.StatusCreated, map[string]any{"name": "Resilience"})
	beforeCreate := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	orig := e.newKpi(map[string]any{"name": "Availability", "target": 99.5, "objective_id": o.ID})
	p := kpiPath(orig.ID)
	first := auditWrite[kpiView](e, "POST", p+"/performance", http.StatusCreated, map[string]any{"period": lastMonth.String(), "value": 99.7})
	time.Sleep(20 * time.Millisecond)
	between := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	auditWrite[kpiView](e, "POST", p+"/performance", http.StatusOK,
		map[string]any{"period": lastMonth.String(), "value": 98, "comment": "Recounted"})
	now := auditWrite[kpiView](e, "PUT", p, http.StatusOK, map[string]any{"target": 97, "name": "Uptime"})
	auditWrite[objectiveView](e, "PUT", objectivePath(o.ID), http.StatusOK, map[string]any{"name": "Operational resilience"})

	read := func(t *testing.T, at time.Time) kpiView {
		t.Helper()
		r := e.at(t).do("GET", asOfPath(p, at), nil)
		wantOK(t, r, http.StatusOK)
		var got kpiView
		r.into(t, &got)
		return got
	}
	t.Run("between", func(t *testing.T) {
		got := read(t, between)
		if got.Name != "Availability" || got.Target != 99.5 || got.LatestValue == nil || *got.LatestValue != 99.7 ||
			onTarget(got) != "true" || got.Version != first.Version || got.ObjectiveName == nil || *got.ObjectiveName != "Resilience" {
			t.Fatalf("as of between: %+v", got)
		}
	})
	t.Run("just after creation", func(t *testing.T) {
		r := e.at(t).do("GET", kpiPath(orig.ID), nil)
		wantOK(t, r, http.StatusOK)
		var stamp struct {
			CreatedAt time.Time `json:"created_at"`
		}
		r.into(t, &stamp)
		got := read(t, stamp.CreatedAt)
		if got.Version != 1 || got.LatestValue != nil || got.OnTarget != nil {
			t.Fatalf("as of creation: %+v", got)
		}
	})
	t.Run("now", func(t *testing.T) {
		got := read(t, time.Now().UTC())
		if got.Name != "Uptime" || got.Target != 97 || *got.LatestValue != 98 || onTarget(got) != "true" ||
			got.Version != now.Version || *got.ObjectiveName != "Operational resilience" {
			t.Fatalf("as of now: %+v", got)
		}
	})
	t.Run("before creation", func(t *testing.T) {
		wantErr(t, e.at(t).do("GET", asOfPath(p, beforeCreate), nil), http.StatusNotFound, "NOT_FOUND")
	})
	t.Run("bad as_of", func(t *testing.T) {
		for _, v := range []string{"yesterday", "2026-01-01", "2026-01-01T00:00:00"} {
			wantErr(t, e.at(t).do("GET", p+"?as_of="+url.QueryEscape(v), nil), http.StatusBadRequest, "VALIDATION_ERROR", "as_of")
		}
	})
	t.Run("another organization", func(t *testing.T) {
		other := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		wantErr(t, other.do("GET", asOfPath(p, time.Now().UTC()), nil), http.StatusNotFound, "NOT_FOUND")
	})
}
