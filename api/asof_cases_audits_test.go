package api_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/commands/identity"
)

// recordStamp is the part of a record's answer that says when it last changed.
type recordStamp struct {
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// recordAsOfPath is path read as of at.
func recordAsOfPath(path string, at time.Time) string {
	return path + "?as_of=" + url.QueryEscape(at.Format(time.RFC3339Nano))
}

// writeRecord sends a mutation that must succeed with status and decodes its answer
// twice: as v and as its timestamps.
func writeRecord(e *env, method, path string, status int, body any, v any) recordStamp {
	e.t.Helper()
	r := e.do(method, path, body)
	wantOK(e.t, r, status)
	r.into(e.t, v)
	var s recordStamp
	r.into(e.t, &s)
	return s
}

// readRecordAsOf reads path as of at, which must succeed, into v; a historical answer has
// no ETag, since it cannot be written back.
func readRecordAsOf(t *testing.T, e *env, path string, at time.Time, v any) {
	t.Helper()
	r := e.at(t).do("GET", recordAsOfPath(path, at), nil)
	wantOK(t, r, http.StatusOK)
	if r.Header.Get("ETag") != "" {
		t.Fatalf("as of %s: ETag %s on a historical answer", at, r.Header.Get("ETag"))
	}
	r.into(t, v)
}

// wantBadRecordAsOf checks that every malformed as_of is a 400 naming it.
func wantBadRecordAsOf(t *testing.T, e *env, path string) {
	t.Helper()
	for _, v := range []string{"yesterday", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "%00"} {
		wantErr(t, e.at(t).do("GET", path+"?as_of="+url.QueryEscape(v), nil), http.StatusBadRequest, "VALIDATION_ERROR", "as_of")
	}
}

// wantRecordHidden checks that who reading path as of each instant gets the 404 an id
// that was never used gets, telling nothing of the record.
func wantRecordHidden(t *testing.T, who *env, path, absent string, secrets []string, ats ...time.Time) {
	t.Helper()
	for _, at := range ats {
		r := who.at(t).do("GET", recordAsOfPath(path, at), nil)
		wantErr(t, r, http.StatusNotFound, "NOT_FOUND")
		for _, s := range secrets {
			if strings.Contains(strings.ToLower(string(r.Raw)), strings.ToLower(s)) {
				t.Fatalf("reply tells of the hidden record: %s", r.Raw)
			}
		}
		n := who.at(t).do("GET", recordAsOfPath(absent, at), nil)
		wantErr(t, n, http.StatusNotFound, "NOT_FOUND")
		if r.Error.Message != n.Error.Message {
			t.Fatalf("hidden %q, never used %q", r.Error.Message, n.Error.Message)
		}
	}
}

// pause puts a clear gap between events, so an instant can fall between them.
func recordPause() { time.Sleep(20 * time.Millisecond) }

func TestCaseAsOf(t *testing.T) {
	t.Parallel()
	e, _ := caseEnv(t, 1<<20)
	beforeCreate := time.Now().UTC()
	recordPause()
	var orig caseView
	created := writeRecord(e, "POST", "/api/cases", http.StatusCreated, map[string]any{"title": "Then", "priority": "low"}, &orig)
	recordPause()
	between := time.Now().UTC()
	recordPause()
	var updated caseView
	changed := writeRecord(e, "PUT", casePath(orig.ID), http.StatusOK, map[string]any{"title": "Now", "priority": "urgent"}, &updated)
	recordPause()
	wantOK(t, e.upload(casePath(orig.ID)+"/evidence", "later.txt", []byte("later"), ""), http.StatusCreated)

	for name, at := range map[string]time.Time{
		"at creation": created.CreatedAt, // inclusive
		"between":     between,
		"just before": changed.UpdatedAt.Add(-time.Microsecond),
	} {
		t.Run(name, func(t *testing.T) {
			var got caseView
			readRecordAsOf(t, e, casePath(orig.ID), at, &got)
			if got.ID != orig.ID || got.Title != "Then" || got.Priority != "low" || got.Version != 1 ||
				got.EvidenceCount != 0 || len(got.Evidence) != 0 {
				t.Fatalf("as of %s: %+v", at, got)
			}
		})
	}
	t.Run("after the update, before the upload", func(t *testing.T) {
		var got caseView
		readRecordAsOf(t, e, casePath(orig.ID), changed.UpdatedAt, &got)
		if got.Title != "Now" || got.Priority != "urgent" || got.Version != 2 || len(got.Evidence) != 0 {
			t.Fatalf("as of the update: %+v", got)
		}
	})
	t.Run("now", func(t *testing.T) {
		var got caseView
		readRecordAsOf(t, e, casePath(orig.ID), time.Now().Add(time.Second), &got)
		if got.Title != "Now" || got.EvidenceCount != 1 || len(got.Evidence) != 1 || got.Evidence[0].FileName != "later.txt" {
			t.Fatalf("as of now: %+v", got)
		}
	})
	t.Run("before creation", func(t *testing.T) {
		e := e.at(t)
		wantErr(t, e.do("GET", recordAsOfPath(casePath(orig.ID), beforeCreate), nil), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, e.do("GET", recordAsOfPath(casePath(orig.ID), created.CreatedAt.Add(-time.Microsecond)), nil), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, e.do("GET", recordAsOfPath(casePath(999999), between), nil), http.StatusNotFound, "NOT_FOUND")
	})
	t.Run("bad as_of", func(t *testing.T) { wantBadRecordAsOf(t, e, casePath(orig.ID)) })
	t.Run("action=get ignores as_of", func(t *testing.T) {
		r := e.at(t).read("/api/cases?action=get&id=" + strconv.FormatInt(orig.ID, 10) + "&as_of=" + url.QueryEscape(between.Format(time.RFC3339Nano)))
		wantOK(t, r, http.StatusOK)
		var got caseView
		r.into(t, &got)
		if got.Title != "Now" || r.Header.Get("ETag") == "" {
			t.Fatalf("action=get with as_of: %s", r.Raw)
		}
	})
	t.Run("another organization", func(t *testing.T) {
		two := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		wantRecordHidden(t, two, casePath(orig.ID), casePath(999999), []string{"Then", "Now"}, between, time.Now().Add(time.Hour))
	})
}

// TestConfidentialCaseAsOf: who may see a case is decided by the case as it is now,
// so an outsider cannot look back to before a case was marked confidential, and a
// case no longer confidential shows its whole past, as its history does.
func TestConfidentialCaseAsOf(t *testing.T) {
	t.Parallel()
	e, _ := caseEnv(t, 1<<20)
	var secret, open caseView
	opened := writeRecord(e, "POST", "/api/cases", http.StatusCreated, map[string]any{"title": "Expenses review"}, &secret)
	recordPause()
	marked := writeRecord(e, "PUT", casePath(secret.ID), http.StatusOK, map[string]any{"confidential": true, "title": "Board member expenses"}, &secret)
	recordPause()
	wasSecret := writeRecord(e, "POST", "/api/cases", http.StatusCreated, map[string]any{"title": "Stock shortfall", "confidential": true}, &open)
	recordPause()
	writeRecord(e, "PUT", casePath(open.ID), http.StatusOK, map[string]any{"confidential": false}, &open)

	outsider := e.loggedIn(e.createUser(1, "Olaf Other", identity.Investigator))
	admin := e.loggedIn(e.createUser(1, "Ada Admin", identity.Admin))
	e.settle()

	t.Run("outsider", func(t *testing.T) {
		wantRecordHidden(t, outsider, casePath(secret.ID), casePath(999999), []string{"expenses"},
			opened.CreatedAt, marked.UpdatedAt.Add(-time.Microsecond), marked.UpdatedAt, time.Now().Add(time.Hour))
		var got caseView
		readRecordAsOf(t, outsider, casePath(open.ID), wasSecret.CreatedAt, &got)
		if !got.Confidential || got.Title != "Stock shortfall" {
			t.Fatalf("a case confidential then but not now: %+v", got)
		}
	})
	for name, who := range map[string]*env{"creator": e, "admin": admin} {
		t.Run(name, func(t *testing.T) {
			var then, now caseView
			readRecordAsOf(t, who, casePath(secret.ID), opened.CreatedAt, &then)
			readRecordAsOf(t, who, casePath(secret.ID), marked.UpdatedAt, &now)
			if then.Confidential || then.Title != "Expenses review" || !now.Confidential || now.Title != "Board member expenses" {
				t.Fatalf("then %+v, now %+v", then, now)
			}
		})
	}
}

func TestEngagementAsOf(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	beforeCreate := time.Now().UTC()
	recordPause()
	var orig engagementView
	created := writeRecord(e, "POST", "/api/engagements", http.StatusCreated, map[string]any{"title": "Then", "auditee": "Finance"}, &orig)
	recordPause()
	between := time.Now().UTC()
	recordPause()
	var updated engagementView
	changed := writeRecord(e, "PUT", engagementPath(orig.ID), http.StatusOK, map[string]any{"title": "Now", "auditee": "Treasury"}, &updated)
	recordPause()
	moved := e.moveEngagement(orig.ID, "Fieldwork", "")
	auditWrite[procedureView](e, "POST", engagementPath(orig.ID)+"/procedures", http.StatusCreated, map[string]any{"title": "Walkthrough"})
	e.newFinding(orig.ID, nil)

	for name, at := range map[string]time.Time{
		"at creation": created.CreatedAt,
		"between":     between,
		"just before": changed.UpdatedAt.Add(-time.Microsecond),
	} {
		t.Run(name, func(t *testing.T) {
			var got engagementView
			readRecordAsOf(t, e, engagementPath(orig.ID), at, &got)
			if got.ID != orig.ID || got.Title != "Then" || got.Auditee != "Finance" || got.Phase != "Planning" ||
				got.Version != 1 || len(got.Procedures) != 0 || got.FindingsByStatus["Open"] != 0 {
				t.Fatalf("as of %s: %+v", at, got)
			}
		})
	}
	t.Run("after the update", func(t *testing.T) {
		var got engagementView
		readRecordAsOf(t, e, engagementPath(orig.ID), changed.UpdatedAt, &got)
		if got.Title != "Now" || got.Auditee != "Treasury" || got.Phase != "Planning" || got.Version != 2 {
			t.Fatalf("as of the update: %+v", got)
		}
	})
	t.Run("now", func(t *testing.T) {
		var got engagementView
		readRecordAsOf(t, e, engagementPath(orig.ID), time.Now().Add(time.Second), &got)
		if got.Phase != moved.Phase || len(got.Procedures) != 1 || got.Procedures[0].Title != "Walkthrough" ||
			got.FindingsByStatus["Open"] != 1 {
			t.Fatalf("as of now: %+v", got)
		}
	})
	t.Run("before creation", func(t *testing.T) {
		e := e.at(t)
		wantErr(t, e.do("GET", recordAsOfPath(engagementPath(orig.ID), beforeCreate), nil), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, e.do("GET", recordAsOfPath(engagementPath(orig.ID), created.CreatedAt.Add(-time.Microsecond)), nil), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, e.do("GET", recordAsOfPath(engagementPath(999999), between), nil), http.StatusNotFound, "NOT_FOUND")
	})
	t.Run("bad as_of", func(t *testing.T) { wantBadRecordAsOf(t, e, engagementPath(orig.ID)) })
	t.Run("another organization", func(t *testing.T) {
		two := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		wantRecordHidden(t, two, engagementPath(orig.ID), engagementPath(999999), []string{"Then", "Now", "Treasury"}, between, time.Now().Add(time.Hour))
	})
}

func TestFindingAsOf(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.newEngagement("Payments")
	recordPause()
	beforeCreate := time.Now().UTC()
	recordPause()
	var orig findingView
	created := writeRecord(e, "POST", "/api/findings", http.StatusCreated,
		map[string]any{"engagement_id": g.ID, "title": "Then", "severity": "Low", "due_date": "2099-12-31"}, &orig)
	recordPause()
	between := time.Now().UTC()
	recordPause()
	var updated findingView
	changed := writeRecord(e, "PUT", findingPath(orig.ID), http.StatusOK,
		map[string]any{"title": "Now", "severity": "High", "due_date": "2020-01-31"}, &updated)
	recordPause()
	approved := e.setFindingStatus(orig.ID, "Approved", "")
	// Another finding of the same engagement, which the picked one must not take after.
	e.newFinding(g.ID, map[string]any{"title": "Sibling"})

	for name, at := range map[string]time.Time{
		"at creation": created.CreatedAt,
		"between":     between,
		"just before": changed.UpdatedAt.Add(-time.Microsecond),
	} {
		t.Run(name, func(t *testing.T) {
			var got findingView
			readRecordAsOf(t, e, findingPath(orig.ID), at, &got)
			if got.ID != orig.ID || got.EngagementID != g.ID || got.EngagementTitle != "Payments" || got.Title != "Then" ||
				got.Severity != "Low" || got.Status != "Open" || got.Overdue || got.Version != 1 ||
				got.DueDate == nil || *got.DueDate != "2099-12-31" {
				t.Fatalf("as of %s: %+v", at, got)
			}
		})
	}
	t.Run("after the update", func(t *testing.T) {
		var got findingView
		readRecordAsOf(t, e, findingPath(orig.ID), changed.UpdatedAt, &got)
		if got.Title != "Now" || got.Severity != "High" || got.Status != "Open" || !got.Overdue || got.Version != 2 {
			t.Fatalf("as of the update: %+v", got)
		}
	})
	t.Run("now", func(t *testing.T) {
		var got findingView
		readRecordAsOf(t, e, findingPath(orig.ID), time.Now().Add(time.Second), &got)
		if got.Title != "Now" || got.Status != "Approved" || got.Version != approved.Version {
			t.Fatalf("as of now: %+v", got)
		}
	})
	t.Run("before creation", func(t *testing.T) {
		e := e.at(t)
		// The engagement existed then; the finding did not.
		wantErr(t, e.do("GET", recordAsOfPath(findingPath(orig.ID), beforeCreate), nil), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, e.do("GET", recordAsOfPath(findingPath(orig.ID), created.CreatedAt.Add(-time.Microsecond)), nil), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, e.do("GET", recordAsOfPath(findingPath(999999), between), nil), http.StatusNotFound, "NOT_FOUND")
	})
	t.Run("bad as_of", func(t *testing.T) { wantBadRecordAsOf(t, e, findingPath(orig.ID)) })
	t.Run("another organization", func(t *testing.T) {
		two := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		wantRecordHidden(t, two, findingPath(orig.ID), findingPath(999999), []string{"Then", "Now", "Payments"}, between, time.Now().Add(time.Hour))
	})
}
