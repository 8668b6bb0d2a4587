package api_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
)

// An objective read as of an instant is its own stream folded up to then: the name,
// description and period it had, and its version. Which KPIs served it then is not
// replayed, so its KPIs and their counts are null rather than today's.
func TestObjectiveAsOf(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	beforeCreate := time.Now().UTC()
	recordPause()
	var orig objectiveView
	created := writeRecord(e, "POST", "/api/objectives", http.StatusCreated,
		map[string]any{"name": "Resilience", "description": "Stay up", "period_end": "2026-12-31"}, &orig)
	e.newKpi(map[string]any{"name": "Availability", "target": 99.5, "objective_id": orig.ID})
	recordPause()
	between := time.Now().UTC()
	recordPause()
	p := objectivePath(orig.ID)
	var updated objectiveView
	changed := writeRecord(e, "PUT", p, http.StatusOK,
		map[string]any{"name": "Operational resilience", "description": "Stay up and recover", "period_end": nil}, &updated)

	type past struct {
		objectiveView
		Description   string `json:"description"`
		KpiCount      *int64 `json:"kpi_count"`
		OnTargetCount *int64 `json:"on_target_count"`
		recordStamp
	}
	read := func(t *testing.T, at time.Time) (past, []byte) {
		t.Helper()
		r := e.at(t).do("GET", asOfPath(p, at), nil)
		wantOK(t, r, http.StatusOK)
		if r.Header.Get("ETag") != "" {
			t.Fatalf("an as-of read carries an ETag: %v", r.Header)
		}
		var got past
		r.into(t, &got)
		return got, r.Raw
	}

	for name, at := range map[string]time.Time{
		"at creation": created.CreatedAt, // inclusive
		"between":     between,
		"just before": changed.UpdatedAt.Add(-time.Microsecond),
	} {
		t.Run(name, func(t *testing.T) {
			got, raw := read(t, at)
			if got.ID != orig.ID || got.Name != "Resilience" || got.Description != "Stay up" || got.PeriodEnd == nil ||
				*got.PeriodEnd != "2026-12-31" || got.Version != 1 || !got.UpdatedAt.Equal(got.CreatedAt) {
				t.Fatalf("as of %s: %s", at, raw)
			}
			for _, null := range []string{`"kpis":null`, `"kpi_count":null`, `"on_target_count":null`} {
				if !bytes.Contains(raw, []byte(null)) {
					t.Fatalf("as of %s, want %s: %s", at, null, raw)
				}
			}
		})
	}
	t.Run("after the update", func(t *testing.T) {
		got, raw := read(t, changed.UpdatedAt)
		if got.Name != "Operational resilience" || got.Description != "Stay up and recover" || got.PeriodEnd != nil ||
			got.Version != updated.Version || got.KpiCount != nil {
			t.Fatalf("as of the update: %s", raw)
		}
	})
	t.Run("the current read is unchanged", func(t *testing.T) {
		r := e.at(t).read(p)
		wantOK(t, r, http.StatusOK)
		var got objectiveView
		r.into(t, &got)
		if got.Name != "Operational resilience" || got.KpiCount != 1 || len(got.Kpis) != 1 ||
			r.Header.Get("ETag") != strconv.Quote(strconv.FormatInt(updated.Version, 10)) {
			t.Fatalf("current: %v %s", r.Header, r.Raw)
		}
	})
	t.Run("before creation", func(t *testing.T) {
		r := e.at(t).do("GET", asOfPath(p, beforeCreate), nil)
		wantErr(t, r, http.StatusNotFound, "NOT_FOUND")
		if want := "objective not found as of " + beforeCreate.Format(time.RFC3339); r.Error.Message != want {
			t.Fatalf("message %q, want %q", r.Error.Message, want)
		}
		wantErr(t, e.at(t).do("GET", asOfPath(p, created.CreatedAt.Add(-time.Microsecond)), nil), http.StatusNotFound, "NOT_FOUND")
	})
	t.Run("bad as_of", func(t *testing.T) { wantBadRecordAsOf(t, e, p) })
	t.Run("action=get ignores as_of", func(t *testing.T) {
		r := e.at(t).read("/api/objectives?action=get&id=" + strconv.FormatInt(orig.ID, 10) + "&as_of=" + url.QueryEscape(between.Format(time.RFC3339Nano)))
		wantOK(t, r, http.StatusOK)
		var got objectiveView
		r.into(t, &got)
		if got.Name != "Operational resilience" || r.Header.Get("ETag") == "" {
			t.Fatalf("action=get with as_of: %s", r.Raw)
		}
	})
	t.Run("another organization", func(t *testing.T) {
		two := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		wantRecordHidden(t, two, p, objectivePath(999999), []string{"resilience"}, between, time.Now().Add(time.Hour))
	})
}

// A framework read as of an instant is its own stream folded up to then: the
// requirements it held by that instant, and updated_at the last of them.
func TestFrameworkAsOf(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	beforeCreate := time.Now().UTC()
	recordPause()
	orig := e.newFramework("Baseline", "2024", "BS-2")
	recordPause()
	between := time.Now().UTC()
	recordPause()
	p := frameworkPath(orig.ID)
	added := e.addRequirement(orig.ID, "BS-1", "Inventory")

	read := func(t *testing.T, at time.Time) frameworkView {
		t.Helper()
		var got frameworkView
		readRecordAsOf(t, e, p, at, &got)
		return got
	}
	t.Run("at creation", func(t *testing.T) {
		got := read(t, orig.CreatedAt) // inclusive
		if got.ID != orig.ID || got.Name != "Baseline" || got.Version != "2024" || got.RequirementCount != 0 ||
			got.Requirements == nil || len(got.Requirements) != 0 || !got.UpdatedAt.Equal(got.CreatedAt) {
			t.Fatalf("as of creation: %+v", got)
		}
	})
	for name, at := range map[string]time.Time{
		"the first requirement": orig.UpdatedAt,
		"between":               between,
		"just before":           added.UpdatedAt.Add(-time.Microsecond),
	} {
		t.Run(name, func(t *testing.T) {
			got := read(t, at)
			if got.ID != orig.ID || got.Name != "Baseline" || got.Version != "2024" || got.RequirementCount != 1 ||
				len(got.Requirements) != 1 || got.Requirements[0].Code != "BS-2" || !got.UpdatedAt.Equal(orig.UpdatedAt) {
				t.Fatalf("as of %s: %+v", at, got)
			}
		})
	}
	t.Run("after the addition", func(t *testing.T) {
		got := read(t, added.UpdatedAt)
		if codes := requirementCodes(got.Requirements); got.RequirementCount != 2 || len(codes) != 2 || codes[0] != "BS-1" ||
			codes[1] != "BS-2" || !got.UpdatedAt.Equal(added.UpdatedAt) {
			t.Fatalf("as of the addition: %+v", got)
		}
	})
	t.Run("the current read is unchanged", func(t *testing.T) {
		r := e.at(t).read(p)
		wantOK(t, r, http.StatusOK)
		var got frameworkView
		r.into(t, &got)
		if got.RequirementCount != 2 || r.Header.Get("ETag") != "" {
			t.Fatalf("current: %v %s", r.Header, r.Raw)
		}
	})
	t.Run("before creation", func(t *testing.T) {
		r := e.at(t).do("GET", asOfPath(p, beforeCreate), nil)
		wantErr(t, r, http.StatusNotFound, "NOT_FOUND")
		if want := "framework not found as of " + beforeCreate.Format(time.RFC3339); r.Error.Message != want {
			t.Fatalf("message %q, want %q", r.Error.Message, want)
		}
		wantErr(t, e.at(t).do("GET", asOfPath(p, orig.CreatedAt.Add(-time.Microsecond)), nil), http.StatusNotFound, "NOT_FOUND")
	})
	t.Run("bad as_of", func(t *testing.T) { wantBadRecordAsOf(t, e, p) })
	t.Run("another organization", func(t *testing.T) {
		two := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		wantRecordHidden(t, two, p, frameworkPath(999999), []string{"baseline", "inventory"}, between, time.Now().Add(time.Hour))
	})
}
