package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/commands/identity"
)

// trailRow is a row of GET /api/audit-trail.
type trailRow struct {
	Position   int64                                              `json:"position"`
	EventID    string                                             `json:"event_id"`
	At         time.Time                                          `json:"at"`
	Type       string                                             `json:"type"`
	EntityType string                                             `json:"entity_type"`
	EntityID   int64                                              `json:"entity_id"`
	ActorID    int64                                              `json:"actor_id"`
	ActorName  string                                             `json:"actor_name"`
	IP         string                                             `json:"ip"`
	UserAgent  string                                             `json:"user_agent"`
	RequestID  string                                             `json:"request_id"`
	Changes    map[string]struct{ Before, After json.RawMessage } `json:"changes"`
	Comment    string                                             `json:"comment"`
}

// trail reads one page of the trail with the query given.
func (e *env) auditTrail(query string) ([]trailRow, *reply) {
	e.t.Helper()
	r := e.read("/api/audit-trail" + query)
	wantOK(e.t, r, http.StatusOK)
	var rows []trailRow
	r.into(e.t, &rows)
	return rows, r
}

// member is a new member of e's organization with role, logged in on a client of
// their own.
func (e *env) member(name, role string) *env {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	o := e.as(&http.Client{Jar: jar})
	o.Email = e.createUser(1, name, role)
	o.login(o.Email)
	return o
}

// trailHistoryEntry is an entry of an entity's history.
type trailHistoryEntry struct {
	EventID   string `json:"event_id"`
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
	Changes   []struct {
		Field  string          `json:"field"`
		Before json.RawMessage `json:"before"`
		After  json.RawMessage `json:"after"`
	} `json:"changes"`
}

func (e *env) trailHistory(path string) []trailHistoryEntry {
	e.t.Helper()
	r := e.read(path + "/history?limit=500")
	wantOK(e.t, r, http.StatusOK)
	var out []trailHistoryEntry
	r.into(e.t, &out)
	return out
}

// sameChanges fails unless the trail shows each history entry's changes, field for
// field, for the same event.
func sameChanges(t *testing.T, what string, history []trailHistoryEntry, rows []trailRow) {
	t.Helper()
	byEvent := map[string]trailRow{}
	for _, r := range rows {
		byEvent[r.EventID] = r
	}
	if len(history) == 0 || len(rows) != len(history) {
		t.Fatalf("%s: %d history entries, %d trail rows", what, len(history), len(rows))
	}
	for _, h := range history {
		row, ok := byEvent[h.EventID]
		if !ok {
			t.Errorf("%s: event %s is in the history, not the trail", what, h.EventID)
			continue
		}
		if len(row.Changes) != len(h.Changes) {
			t.Errorf("%s: event %s changes %d fields in the history, %d in the trail: %+v", what, h.EventID, len(h.Changes), len(row.Changes), row.Changes)
		}
		for _, c := range h.Changes {
			got, ok := row.Changes[c.Field]
			if !ok || !jsonEqual(got.Before, c.Before) || !jsonEqual(got.After, c.After) {
				t.Errorf("%s: event %s field %s: history %s -> %s, trail %s -> %s", what, h.EventID, c.Field, c.Before, c.After, got.Before, got.After)
			}
		}
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	_ = json.Unmarshal(a, &x)
	_ = json.Unmarshal(b, &y)
	return fmt.Sprint(x) == fmt.Sprint(y)
}

// TestAuditTrail drives the organization-wide trail: rows newest first and numbered
// per organization, every filter, paging, bad queries refused, the changes a record's
// history shows, the CSV export and its own record, the permission, and what another
// organization and an uninvolved member may not see.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	risk := e.create(map[string]any{"title": "Ledger tampering", "likelihood": 2, "impact": 3})
	for _, l := range []int{4, 3, 5} {
		wantOK(t, e.do("PUT", riskPath(risk.ID), map[string]any{"likelihood": l, "description": fmt.Sprint("raised to ", l)}), http.StatusOK)
	}
	other := e.create(map[string]any{"title": "Other risk"})
	wantOK(t, e.do("DELETE", riskPath(other.ID), map[string]any{"reason": `=HYPERLINK("http://x")`}), http.StatusOK)
	vendor := e.newVendor(map[string]any{"name": "Acme Hosting", "next_review": day(30)})
	wantOK(t, e.do("PUT", vendorPath(vendor.ID), map[string]any{"risk_tier": "High", "reason": "outage"}), http.StatusOK)
	secret := e.newCase(map[string]any{"title": "Whistleblower report", "priority": "high", "confidential": true})

	all, r := e.auditTrail("")
	if r.Meta == nil || r.Meta.Total != int64(len(all)) || len(all) < 10 {
		t.Fatalf("first page: %d rows, meta %+v", len(all), r.Meta)
	}
	for i, row := range all {
		if i > 0 && row.Position != all[i-1].Position-1 {
			t.Fatalf("positions not consecutive newest first: %d after %d", row.Position, all[i-1].Position)
		}
		if row.ActorName == "" || row.RequestID == "" || row.EventID == "" || row.At.IsZero() {
			t.Errorf("row %d lacks its envelope: %+v", row.Position, row)
		}
	}
	if last := all[len(all)-1]; last.Position != 1 {
		t.Errorf("the organization's first event is numbered %d", last.Position)
	}

	// Filters.
	mine, _ := e.auditTrail(fmt.Sprintf("?entity_type=risk&entity_id=%d", risk.ID))
	if len(mine) != 4 {
		t.Fatalf("risk %d has %d rows, want 4", risk.ID, len(mine))
	}
	for _, row := range mine {
		if row.EntityType != "risk" || row.EntityID != risk.ID {
			t.Errorf("filtered by risk %d, got %s %d", risk.ID, row.EntityType, row.EntityID)
		}
	}
	updates, _ := e.auditTrail("?event_type=RiskUpdated")
	if len(updates) != 3 {
		t.Errorf("%d RiskUpdated rows, want 3", len(updates))
	}
	byActor, _ := e.auditTrail(fmt.Sprintf("?actor_id=%d", all[0].ActorID))
	if len(byActor) == 0 {
		t.Error("no rows for the actor of the newest row")
	}
	found, _ := e.auditTrail("?q=" + url.QueryEscape("RAISED TO 5"))
	if len(found) != 1 || found[0].Type != "RiskUpdated" {
		t.Errorf("q found %+v", found)
	}
	byName, _ := e.auditTrail("?q=test+user&event_type=RiskCreated")
	if len(byName) != 2 {
		t.Errorf("q by the actor's name found %d risk creations, want 2", len(byName))
	}
	if rows, _ := e.auditTrail("?from=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))); len(rows) != 0 {
		t.Errorf("%d rows from an hour ahead", len(rows))
	}
	window, _ := e.auditTrail("?from=" + url.QueryEscape(all[len(all)-1].At.Format(time.RFC3339Nano)) + "&to=" + url.QueryEscape(all[1].At.Format(time.RFC3339Nano)))
	if len(window) != len(all)-1 {
		t.Errorf("from the first event to the second newest: %d rows, want %d", len(window), len(all)-1)
	}

	// Paging reads every row once, in order.
	var paged []trailRow
	cursor := ""
	for {
		rows, r := e.auditTrail("?limit=3" + cursor)
		paged = append(paged, rows...)
		if r.Meta.Total != int64(len(all)) {
			t.Errorf("a page reports total %d, want %d", r.Meta.Total, len(all))
		}
		if r.Meta.NextCursor == nil {
			break
		}
		cursor = "&cursor=" + url.QueryEscape(*r.Meta.NextCursor)
	}
	if len(paged) != len(all) {
		t.Fatalf("paging read %d rows, want %d", len(paged), len(all))
	}
	for i := range paged {
		if paged[i].EventID != all[i].EventID {
			t.Fatalf("paged row %d is %s, want %s", i, paged[i].EventID, all[i].EventID)
		}
	}

	// Bad queries are refused in the envelope.
	for query, field := range map[string]string{
		"?entity_type=spaceship":  "entity_type",
		"?event_type=NoSuchEvent": "event_type",
		"?from=yesterday":         "from",
		"?to=2026-13-01":          "to",
		"?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z": "from",
		"?limit=0":        "limit",
		"?limit=501":      "limit",
		"?entity_id=-3":   "entity_id",
		"?actor_id=x":     "actor_id",
		"?format=xml":     "format",
		"?cursor=garbage": "",
	} {
		wantErr(t, e.do("GET", "/api/audit-trail"+query, nil), http.StatusBadRequest, "VALIDATION_ERROR")
		_ = field
	}

	// The changes are those the records' histories show: a risk (whose score comes
	// from the state before each update) and a vendor.
	sameChanges(t, "risk", e.trailHistory(riskPath(risk.ID)), mine)
	vendorRows, _ := e.auditTrail(fmt.Sprintf("?entity_type=vendor&entity_id=%d", vendor.ID))
	sameChanges(t, "vendor", e.trailHistory(vendorPath(vendor.ID)), vendorRows)
	if vendorRows[0].Comment != "outage" {
		t.Errorf("the re-tier's comment is %q", vendorRows[0].Comment)
	}

	// CSV: every row, the JSON's columns, formula-like cells defused; and the export
	// is recorded in the trail itself.
	before, _ := e.auditTrail("?limit=500")
	resp := e.csv("/api/audit-trail?format=csv")
	if len(resp) != len(before)+1 {
		t.Fatalf("CSV has %d lines, want %d rows and a header", len(resp), len(before))
	}
	if resp[0][0] != "position" || resp[0][11] != "changes" || len(resp[0]) != 13 {
		t.Errorf("CSV header %v", resp[0])
	}
	defused := false
	for _, line := range resp[1:] {
		if line[3] == "RiskDeleted" {
			defused = line[12] == `'=HYPERLINK("http://x")`
		}
	}
	if !defused {
		t.Error("the deletion's formula-like reason is not defused in the CSV")
	}
	if byAccept := e.csvWith("/api/audit-trail?entity_type=risk", "Accept", "text/csv"); len(byAccept) != 7 {
		t.Errorf("Accept: text/csv for risks gave %d lines, want 7", len(byAccept))
	}
	exports, _ := e.auditTrail("?event_type=AuditTrailExported")
	if len(exports) != 2 {
		t.Fatalf("%d exports recorded, want 2", len(exports))
	}
	first := exports[1]
	if first.EntityType != "organization" || string(first.Changes["export.rows"].After) != strconv.Itoa(len(before)) ||
		string(first.Changes["export.complete"].After) != "true" {
		t.Errorf("the export's record: %+v", first)
	}
	if f := string(exports[0].Changes["export.filter"].After); f != `{"entity_type":"risk"}` {
		t.Errorf("the second export's filter is recorded as %s", f)
	}

	// Permission: a viewer may not read the trail; an auditor may.
	viewer := e.member("Vera Viewer", identity.Viewer)
	wantErr(t, viewer.do("GET", "/api/audit-trail", nil), http.StatusForbidden, "PERMISSION_DENIED")
	auditor := e.member("Otto Auditor", identity.Auditor)
	auditor.auditTrail("?limit=1")

	// Where someone was and with what browser is the trail's to show: histories show
	// it to those who may read the trail only.
	for _, path := range []string{riskPath(risk.ID), vendorPath(vendor.ID)} {
		for _, h := range viewer.trailHistory(path) {
			if h.IP != "" || h.UserAgent != "" {
				t.Errorf("a viewer sees %s's origins: %+v", path, h)
			}
		}
		shown := false
		for _, h := range auditor.trailHistory(path) {
			shown = shown || (h.IP != "" && h.UserAgent != "")
		}
		if !shown {
			t.Errorf("an auditor does not see %s's origins", path)
		}
	}

	// A confidential case is in the trail for the admin, not for a compliance manager
	// who is neither its assignee nor its creator.
	cases := fmt.Sprintf("?entity_type=case&entity_id=%d", secret.ID)
	if rows, _ := e.auditTrail(cases); len(rows) == 0 {
		t.Error("the admin does not see the confidential case's rows")
	}
	manager := e.member("Cora Compliance", identity.ComplianceManager)
	if rows, _ := manager.auditTrail(cases); len(rows) != 0 {
		t.Errorf("an uninvolved member sees %d rows of a confidential case", len(rows))
	}
	if rows, _ := manager.auditTrail("?q=whistleblower"); len(rows) != 0 {
		t.Errorf("an uninvolved member finds the confidential case by search: %+v", rows)
	}

	// Another organization sees none of this one's rows, and none by this one's ids.
	o := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Admin"})
	theirs, _ := o.auditTrail("?limit=500")
	for _, row := range theirs {
		for _, ours := range all {
			if row.EventID == ours.EventID {
				t.Fatalf("another organization sees event %s", row.EventID)
			}
		}
	}
	if len(theirs) == 0 || theirs[len(theirs)-1].Position != 1 {
		t.Errorf("the other organization's trail is not numbered from 1: %d rows", len(theirs))
	}
	if rows, _ := o.auditTrail(fmt.Sprintf("?entity_type=risk&entity_id=%d", risk.ID)); len(rows) != 0 {
		t.Errorf("another organization reads %d rows of this one's risk", len(rows))
	}
}

// csv reads a CSV export whole.
func (e *env) csv(path string) [][]string { return e.csvWith(path) }

func (e *env) csvWith(path string, headers ...string) [][]string {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		e.t.Fatalf("GET %s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	lines, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		e.t.Fatalf("CSV: %v\n%s", err, body)
	}
	return lines
}
