package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema/testdb"
)

// controlView is a control as the API sends it; the detail's lists are nil in a list item.
type controlView struct {
	ID                   int64               `json:"id"`
	Code                 string              `json:"code"`
	Title                string              `json:"title"`
	Description          string              `json:"description"`
	FrameworkID          *int64              `json:"framework_id"`
	Status               string              `json:"status"`
	Type                 string              `json:"type"`
	Frequency            string              `json:"frequency"`
	OwnerID              *int64              `json:"owner_id"`
	Effectiveness        string              `json:"effectiveness"`
	LastTestedAt         *time.Time          `json:"last_tested_at"`
	RiskIDs              []int64             `json:"risk_ids"`
	RequirementIDs       []int64             `json:"requirement_ids"`
	CreatedAt            time.Time           `json:"created_at"`
	UpdatedAt            time.Time           `json:"updated_at"`
	Version              int64               `json:"version"`
	Tests                []controlTestView   `json:"tests"`
	EffectivenessHistory []effectivenessView `json:"effectiveness_history"`
	Risks                []controlRiskView   `json:"risks"`
	Requirements         []requirementRef    `json:"requirements"`
	// The totals and next cursors of the detail's paged lists.
	TestsTotal                     int64   `json:"tests_total"`
	TestsNextCursor                *string `json:"tests_next_cursor"`
	EffectivenessHistoryTotal      int64   `json:"effectiveness_history_total"`
	EffectivenessHistoryNextCursor *string `json:"effectiveness_history_next_cursor"`
}

type actorView struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type controlTestView struct {
	ID         int64     `json:"id"`
	TestedAt   time.Time `json:"tested_at"`
	Result     string    `json:"result"`
	Notes      string    `json:"notes"`
	RecordedBy actorView `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

type effectivenessView struct {
	Effectiveness string    `json:"effectiveness"`
	Previous      string    `json:"previous"`
	Notes         string    `json:"notes"`
	TestID        *int64    `json:"test_id"`
	ChangedBy     actorView `json:"changed_by"`
	ChangedAt     time.Time `json:"changed_at"`
}

type controlRiskView struct {
	ID            int64  `json:"id"`
	Title         string `json:"title"`
	Status        string `json:"status"`
	Rating        string `json:"rating"`
	InherentScore int    `json:"inherent_score"`
}

type requirementRef struct {
	ID            int64  `json:"id"`
	FrameworkID   int64  `json:"framework_id"`
	FrameworkName string `json:"framework_name"`
	Code          string `json:"code"`
	Title         string `json:"title"`
}

// controlRef is a control as a risk's detail and a coverage report show it.
type controlRef struct {
	ID            int64  `json:"id"`
	Code          string `json:"code"`
	Title         string `json:"title"`
	Status        string `json:"status"`
	Effectiveness string `json:"effectiveness"`
}

func controlPath(id int64) string { return "/api/controls/" + strconv.FormatInt(id, 10) }

// newControl creates a control with the given code; fields add to or replace the
// defaults of a valid body.
func (e *env) newControl(code string, fields map[string]any) controlView {
	e.t.Helper()
	body := map[string]any{"code": code, "title": "Control " + code, "type": "preventive", "frequency": "monthly"}
	for k, v := range fields {
		body[k] = v
	}
	r := e.do("POST", "/api/controls", body)
	wantOK(e.t, r, http.StatusCreated)
	var out controlView
	r.into(e.t, &out)
	return out
}

// getControl reads a control's detail, fresh for the session.
func (e *env) getControl(id int64) controlView {
	e.t.Helper()
	r := e.read(controlPath(id))
	wantOK(e.t, r, http.StatusOK)
	var out controlView
	r.into(e.t, &out)
	return out
}

func (e *env) listControls(query string) ([]controlView, *reply) {
	e.t.Helper()
	r := e.read("/api/controls" + query)
	wantOK(e.t, r, http.StatusOK)
	if r.Meta == nil {
		e.t.Fatalf("list without meta: %s", r.Raw)
	}
	var out []controlView
	r.into(e.t, &out)
	return out, r
}

func (e *env) controlHistory(id int64) []historyEntry { return e.trail(controlPath(id)+"/history", 0) }

// controlWrite sends a control mutation that must succeed with status and returns
// the control it answers with.
func (e *env) controlWrite(method, path string, status int, body any, headers ...string) controlView {
	e.t.Helper()
	r := e.do(method, path, body, headers...)
	wantOK(e.t, r, status)
	var out controlView
	r.into(e.t, &out)
	return out
}

func (e *env) setControl(id int64, fields map[string]any) controlView {
	e.t.Helper()
	return e.controlWrite("PUT", controlPath(id), http.StatusOK, fields)
}

func (e *env) rate(id int64, effectiveness string) controlView {
	e.t.Helper()
	return e.controlWrite("PUT", controlPath(id)+"/effectiveness", http.StatusOK,
		map[string]any{"effectiveness": effectiveness, "notes": "rated " + effectiveness})
}

// recordTest records a test dated at (now when zero).
func (e *env) recordTest(id int64, result string, at time.Time) controlView {
	e.t.Helper()
	body := map[string]any{"result": result, "notes": result + " test"}
	if !at.IsZero() {
		body["tested_at"] = at.Format(time.RFC3339Nano)
	}
	return e.controlWrite("POST", controlPath(id)+"/tests", http.StatusCreated, body)
}

func controlIDs(cs []controlView) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func refIDs(cs []controlRef) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// sortedIDs is ids in ascending order, the order of a list without sort.
func sortedIDs(ids ...int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	if out == nil {
		out = []int64{}
	}
	return out
}

// changesOf maps a history entry's changed fields to their before and after values.
func changesOf(en historyEntry) map[string][2]string {
	out := map[string][2]string{}
	for _, c := range en.Changes {
		out[c.Field] = [2]string{string(c.Before), string(c.After)}
	}
	return out
}

func typesOf(h []historyEntry) []string {
	out := make([]string, len(h))
	for i, en := range h {
		out[i] = en.Type
	}
	return out
}

func TestControlCreate(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	fw := e.newFramework("ISO 27001", "2022")

	t.Run("defaults", func(t *testing.T) {
		e := e.at(t)
		r := e.do("POST", "/api/controls", map[string]any{"code": " AC-01 ", "title": "  Access review ",
			"description": " Quarterly ", "type": "preventive", "frequency": "monthly"})
		wantOK(t, r, http.StatusCreated)
		wantWrite(t, r, 1)
		var got controlView
		r.into(t, &got)
		if got.ID <= 0 || r.Header.Get("Location") != controlPath(got.ID) {
			t.Fatalf("id %d, Location %q", got.ID, r.Header.Get("Location"))
		}
		if got.Code != "AC-01" || got.Title != "Access review" || got.Description != "Quarterly" ||
			got.Status != "Draft" || got.Effectiveness != "Not Tested" || got.Type != "preventive" ||
			got.Frequency != "monthly" || got.FrameworkID != nil || got.OwnerID != nil || got.LastTestedAt != nil ||
			got.Version != 1 || got.CreatedAt.IsZero() || !got.UpdatedAt.Equal(got.CreatedAt) {
			t.Fatalf("created control: %s", r.Raw)
		}
		// Every list of the detail is an array, never null.
		if got.RiskIDs == nil || got.RequirementIDs == nil || got.Tests == nil || got.EffectivenessHistory == nil ||
			got.Risks == nil || got.Requirements == nil || len(got.RiskIDs)+len(got.RequirementIDs)+len(got.Tests)+
			len(got.EffectivenessHistory)+len(got.Risks)+len(got.Requirements) != 0 {
			t.Fatalf("lists of a new control: %s", r.Raw)
		}
		// The read model, read in the same session, says what the write's reply said.
		read := e.read(controlPath(got.ID))
		wantOK(t, read, http.StatusOK)
		if read.Header.Get("ETag") != etag(1) {
			t.Fatalf("GET ETag %q", read.Header.Get("ETag"))
		}
		var back controlView
		read.into(t, &back)
		if a, b := mustJSON(t, back), mustJSON(t, got); a != b {
			t.Fatalf("GET differs from POST reply:\n%s\n%s", a, b)
		}
		if h := e.controlHistory(got.ID); len(h) != 1 || h[0].Type != "ControlCreated" || h[0].Version != 1 {
			t.Fatalf("history after create: %+v", h)
		}
	})

	t.Run("every field", func(t *testing.T) {
		e := e.at(t)
		owner := e.members(1)[0]
		got := e.newControl("AC-02", map[string]any{"status": "Active", "type": "detective", "frequency": "ad_hoc",
			"framework_id": fw.ID, "owner_id": owner, "description": "Logs"})
		if got.Status != "Active" || got.Type != "detective" || got.Frequency != "ad_hoc" || got.FrameworkID == nil ||
			*got.FrameworkID != fw.ID || got.OwnerID == nil || *got.OwnerID != owner || got.Effectiveness != "Not Tested" {
			t.Fatalf("created: %+v", got)
		}
		if back := e.getControl(got.ID); mustJSON(t, back) != mustJSON(t, got) {
			t.Fatalf("GET %+v, POST %+v", back, got)
		}
		for _, v := range []string{"Draft", "Archived"} {
			if c := e.newControl("AC-status-"+v, map[string]any{"status": v}); c.Status != v {
				t.Fatalf("created with status %s: %+v", v, c)
			}
		}
		for _, typ := range []string{"preventive", "detective", "corrective"} {
			for _, freq := range []string{"continuous", "daily", "weekly", "monthly", "quarterly", "semiannual", "annual", "ad_hoc"} {
				c := e.newControl("T-"+typ+"-"+freq, map[string]any{"type": typ, "frequency": freq})
				if c.Type != typ || c.Frequency != freq {
					t.Fatalf("type %s frequency %s: %+v", typ, freq, c)
				}
			}
		}
	})

	t.Run("duplicate code", func(t *testing.T) {
		e := e.at(t)
		first := e.newControl("DUP-1", nil)
		before, _ := e.listControls("?limit=500")
		// Codes compare without case or surrounding blanks.
		for _, code := range []string{"DUP-1", "dup-1", " Dup-1 "} {
			r := e.do("POST", "/api/controls", map[string]any{"code": code, "title": "Again", "type": "preventive", "frequency": "daily"})
			wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "code")
			if !strings.Contains(r.Error.Fields["code"], strconv.FormatInt(first.ID, 10)) {
				t.Errorf("duplicate %q: %q does not name the control holding the code", code, r.Error.Fields["code"])
			}
		}
		if after, _ := e.listControls("?limit=500"); len(after) != len(before) {
			t.Fatalf("refused duplicates created controls: %d, then %d", len(before), len(after))
		}
	})

	t.Run("framework of another organization", func(t *testing.T) {
		e := e.at(t)
		other := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		theirs := other.newFramework("Their framework", "1")
		for _, id := range []int64{theirs.ID, 999999} {
			r := e.do("POST", "/api/controls", map[string]any{"code": "FW-X", "title": "x", "type": "preventive",
				"frequency": "daily", "framework_id": id})
			wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "framework_id")
			if strings.Contains(string(r.Raw), "Their framework") {
				t.Fatalf("reply tells about the other organization's framework: %s", r.Raw)
			}
		}
		// The code was not taken by the refused creations.
		e.newControl("FW-X", map[string]any{"framework_id": fw.ID})
	})
}

// TestControlReadYourWrites: a session lists a control the moment it is created, and
// sees its changes at once.
func TestControlReadYourWrites(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	fresh := e.otherSession()
	for i := range 10 {
		code := fmt.Sprintf("RYW-%02d", i)
		r := e.do("POST", "/api/controls", map[string]any{"code": code, "title": "Written", "type": "preventive", "frequency": "daily"})
		wantOK(t, r, http.StatusCreated)
		var created controlView
		r.into(t, &created)

		items, lr := e.listControls("?q=" + code)
		if !slices.Equal(controlIDs(items), []int64{created.ID}) || lr.Meta.Total != 1 {
			t.Fatalf("write %d: list in the same session: %s", i, lr.Raw)
		}
		items, _ = e.listControls("?limit=500")
		if !slices.Contains(controlIDs(items), created.ID) {
			t.Fatalf("write %d: unfiltered list misses %d", i, created.ID)
		}
		wantOK(t, e.read("/api/controls?action=get&id="+strconv.FormatInt(created.ID, 10)), http.StatusOK)

		u := e.do("PUT", controlPath(created.ID), map[string]any{"status": "Active", "title": "Written again"})
		wantOK(t, u, http.StatusOK)
		upos := wantWrite(t, u, 3)
		if got := e.getControl(created.ID); got.Status != "Active" || got.Title != "Written again" || got.Version != 3 {
			t.Fatalf("write %d: GET after update: %+v", i, got)
		}
		if items, _ := e.listControls("?status=Active&q=" + code); len(items) != 1 {
			t.Fatalf("write %d: status filter after update: %v", i, controlIDs(items))
		}
		// Without the session, the position carries the guarantee.
		g := fresh.at(t).read(controlPath(created.ID), "X-Min-Position", upos)
		wantOK(t, g, http.StatusOK)
		var got controlView
		g.into(t, &got)
		if got.Status != "Active" || got.Version != 3 {
			t.Fatalf("write %d: other session with X-Min-Position: %s", i, g.Raw)
		}
	}
}

func TestControlReadRoutes(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	a := e.newControl("RR-1", nil)
	b := e.newControl("RR-2", nil)
	for _, prefix := range []string{"/api", "/api/v1"} {
		t.Run(prefix, func(t *testing.T) {
			e := e.at(t)
			r := e.read(prefix + "/controls/" + strconv.FormatInt(a.ID, 10))
			wantOK(t, r, http.StatusOK)
			var got controlView
			r.into(t, &got)
			if got.ID != a.ID || got.Code != "RR-1" || r.Header.Get("ETag") != etag(1) || got.Tests == nil {
				t.Fatalf("get: %s", r.Raw)
			}
			// action=get answers the detail, as the path does.
			r = e.read(prefix + "/controls?action=get&id=" + strconv.FormatInt(b.ID, 10))
			wantOK(t, r, http.StatusOK)
			got = controlView{}
			r.into(t, &got)
			if got.ID != b.ID || r.Meta != nil || r.Header.Get("ETag") != etag(1) || got.Tests == nil || got.Requirements == nil {
				t.Fatalf("action=get: %s", r.Raw)
			}
			for _, q := range []string{"", "?action=list"} {
				r = e.read(prefix + "/controls" + q)
				wantOK(t, r, http.StatusOK)
				var items []controlView
				r.into(t, &items)
				if !slices.Equal(controlIDs(items), []int64{a.ID, b.ID}) || r.Meta == nil || r.Meta.Total != 2 ||
					r.Meta.Limit != 50 || r.Meta.NextCursor != nil {
					t.Fatalf("list%s: %s", q, r.Raw)
				}
			}
			wantOK(t, e.do("GET", prefix+"/controls/"+strconv.FormatInt(a.ID, 10)+"/history", nil), http.StatusOK)
		})
	}
}

func TestControlListFilters(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	fwA := e.newFramework("Framework A", "1")
	fwB := e.newFramework("Framework B", "1")
	owners := e.members(3)
	o10, o11, o12 := owners[0], owners[1], owners[2]
	// Created out of code order, so the code sorts differ from the id order.
	patch := e.newControl("CTL-B01", map[string]any{"title": "Patch management", "description": "100% of servers",
		"framework_id": fwB.ID, "status": "Active", "type": "corrective", "owner_id": o10})
	access := e.newControl("CTL-A01", map[string]any{"title": "Access review", "description": "Quarterly review of ACCESS rights",
		"framework_id": fwA.ID, "status": "Active", "type": "preventive", "owner_id": o10})
	vendor := e.newControl("CTL-C01", map[string]any{"title": "Vendor due diligence", "type": "preventive", "owner_id": o12})
	backup := e.newControl("CTL-A02", map[string]any{"title": "Backup restore", "description": "Restore test",
		"framework_id": fwA.ID, "type": "detective", "owner_id": o11})
	logs := e.newControl("CTL-B02", map[string]any{"title": "Log_review", "description": "SIEM alerts",
		"framework_id": fwB.ID, "type": "detective"})
	e.rate(access.ID, "Effective")
	e.rate(patch.ID, "Ineffective")
	e.rate(logs.ID, "Partially Effective")
	e.setControl(logs.ID, map[string]any{"status": "Archived"})
	all := []int64{patch.ID, access.ID, vendor.ID, backup.ID, logs.ID}
	fwa, fwb := strconv.FormatInt(fwA.ID, 10), strconv.FormatInt(fwB.ID, 10)

	for _, c := range []struct {
		query string
		want  []int64
	}{
		{"", all},
		{"?framework_id=" + fwa, []int64{access.ID, backup.ID}},
		{"?framework_id=" + fwb, []int64{patch.ID, logs.ID}},
		{"?framework_id=999999", nil},
		{"?status=Active", []int64{patch.ID, access.ID}},
		{"?status=Draft", []int64{vendor.ID, backup.ID}},
		{"?status=Archived", []int64{logs.ID}}, // archived controls stay listed
		{"?effectiveness=Effective", []int64{access.ID}},
		{"?effectiveness=Ineffective", []int64{patch.ID}},
		{"?effectiveness=Partially%20Effective", []int64{logs.ID}},
		{"?effectiveness=Not%20Tested", []int64{vendor.ID, backup.ID}},
		{"?type=preventive", []int64{access.ID, vendor.ID}},
		{"?type=detective", []int64{backup.ID, logs.ID}},
		{"?type=corrective", []int64{patch.ID}},
		{fmt.Sprintf("?owner_id=%d", o10), []int64{patch.ID, access.ID}},
		{fmt.Sprintf("?owner_id=%d", o12), []int64{vendor.ID}},
		{"?owner_id=999999999", nil},
		{"?q=access", []int64{access.ID}},                           // case-insensitive, title and description
		{"?q=restore%20test", []int64{backup.ID}},                   // description
		{"?q=ctl-b", []int64{patch.ID, logs.ID}},                    // code
		{"?q=" + url.QueryEscape("a01 access"), []int64{access.ID}}, // across code and title
		{"?q=%25", []int64{patch.ID}},                               // a literal %, not a wildcard
		{"?q=_", []int64{logs.ID}},                                  // a literal _, not a wildcard
		{"?q=zzz", nil},
		{"?status=Active&framework_id=" + fwb, []int64{patch.ID}},
		{"?type=detective&status=Archived&effectiveness=Partially%20Effective", []int64{logs.ID}},
		{fmt.Sprintf("?action=list&owner_id=%d&type=preventive&q=review", o10), []int64{access.ID}},
	} {
		t.Run(c.query, func(t *testing.T) {
			items, r := e.at(t).listControls(c.query)
			want := sortedIDs(c.want...)
			if got := controlIDs(items); !slices.Equal(got, want) || r.Meta.Total != int64(len(want)) {
				t.Fatalf("ids %v total %d, want %v", got, r.Meta.Total, want)
			}
		})
	}

	t.Run("sorts", func(t *testing.T) {
		e := e.at(t)
		for _, sort := range []string{"", "code", "-code", "updated_at", "-updated_at"} {
			full, _ := e.listControls("?limit=500&sort=" + sort)
			if len(full) != len(all) {
				t.Fatalf("sort=%s: %d items", sort, len(full))
			}
			for i := 1; i < len(full); i++ {
				if !controlBefore(sort, full[i-1], full[i]) {
					t.Fatalf("sort=%s: %s before %s", sort, full[i-1].Code, full[i].Code)
				}
			}
			if sort == "code" {
				want := []int64{access.ID, backup.ID, patch.ID, logs.ID, vendor.ID}
				if got := controlIDs(full); !slices.Equal(got, want) {
					t.Fatalf("sort=code: %v, want %v", got, want)
				}
			}
			// Every page size walks to the same order as one big page.
			for _, limit := range []int{1, 2, 3} {
				got, pages := walkControls(e, "?sort="+sort, limit, nil)
				if !slices.Equal(got, controlIDs(full)) {
					t.Fatalf("sort=%s limit=%d walked %v, want %v", sort, limit, got, controlIDs(full))
				}
				if want := (len(all) + limit - 1) / limit; pages != want {
					t.Errorf("sort=%s limit=%d: %d pages, want %d", sort, limit, pages, want)
				}
			}
		}
	})

	t.Run("filtered walk", func(t *testing.T) {
		got, _ := walkControls(e.at(t), "?status=Active&sort=-code", 1, nil)
		if want := []int64{patch.ID, access.ID}; !slices.Equal(got, want) {
			t.Fatalf("walked %v, want %v", got, want)
		}
	})

	t.Run("limit", func(t *testing.T) {
		e := e.at(t)
		items, r := e.listControls("?limit=2")
		if !slices.Equal(controlIDs(items), all[:2]) || r.Meta.Limit != 2 || r.Meta.Total != 5 || r.Meta.NextCursor == nil {
			t.Fatalf("limit=2: %s", r.Raw)
		}
		if items, r := e.listControls("?limit=5"); len(items) != 5 || r.Meta.NextCursor != nil {
			t.Fatalf("limit=5 of 5 offers another page: %s", r.Raw)
		}
		// A list item is the control without the detail's lists.
		if items[0].Tests != nil || items[0].Risks != nil || items[0].RiskIDs == nil || items[0].RequirementIDs == nil {
			t.Fatalf("list item: %s", r.Raw)
		}
	})
}

// TestControlListNaturalCodeOrder: the code sorts order digit runs by value and
// letters without regard to case (IAM-2 before iam-3 before IAM-10), and the cursor
// walks that order.
func TestControlListNaturalCodeOrder(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	ids := map[string]int64{}
	for _, code := range []string{"IAM-10", "iam-3", "IAM-2", "BCK-1", "IAM-2a", "IAM-02b", "IAM-100"} {
		ids[code] = e.newControl(code, nil).ID
	}
	order := func(codes ...string) []int64 {
		out := make([]int64, len(codes))
		for i, c := range codes {
			out[i] = ids[c]
		}
		return out
	}
	want := order("BCK-1", "IAM-2", "IAM-2a", "IAM-02b", "iam-3", "IAM-10", "IAM-100")
	reversed := slices.Clone(want)
	slices.Reverse(reversed)
	for sort, want := range map[string][]int64{"code": want, "-code": reversed} {
		items, _ := e.listControls("?limit=500&sort=" + sort)
		if got := controlIDs(items); !slices.Equal(got, want) {
			t.Fatalf("sort=%s: %v, want %v", sort, codesOf(items), want)
		}
		for _, limit := range []int{1, 2, 3} {
			if got, _ := walkControls(e, "?sort="+sort, limit, nil); !slices.Equal(got, want) {
				t.Fatalf("sort=%s limit=%d walked %v, want %v", sort, limit, got, want)
			}
		}
	}
}

func codesOf(cs []controlView) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Code
	}
	return out
}

// controlBefore reports whether a comes strictly before b in the sort; ties break by id.
func controlBefore(sort string, a, b controlView) bool {
	switch sort {
	case "code":
		return a.Code < b.Code || a.Code == b.Code && a.ID < b.ID
	case "-code":
		return a.Code > b.Code || a.Code == b.Code && a.ID > b.ID
	case "updated_at":
		return a.UpdatedAt.Before(b.UpdatedAt) || a.UpdatedAt.Equal(b.UpdatedAt) && a.ID < b.ID
	case "-updated_at":
		return a.UpdatedAt.After(b.UpdatedAt) || a.UpdatedAt.Equal(b.UpdatedAt) && a.ID > b.ID
	}
	return a.ID < b.ID
}

// walkControls pages through a control list, calling between (when set) after each
// page, and returns the ids in the order seen with the number of pages.
func walkControls(e *env, query string, limit int, between func(page int)) ([]int64, int) {
	e.t.Helper()
	var got []int64
	cursor, pages := "", 0
	var total int64 = -1
	for {
		q := query + "&limit=" + strconv.Itoa(limit)
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		items, r := e.listControls(q)
		pages++
		if len(items) > limit || r.Meta.Limit != limit {
			e.t.Fatalf("%s: %d items, meta %+v", q, len(items), *r.Meta)
		}
		// The total is the one counted when the walk began.
		if total >= 0 && r.Meta.Total != total {
			e.t.Fatalf("%s: total %d, first page said %d", q, r.Meta.Total, total)
		}
		total = r.Meta.Total
		got = append(got, controlIDs(items)...)
		if r.Meta.NextCursor == nil {
			return got, pages
		}
		cursor = *r.Meta.NextCursor
		if pages > 200 {
			e.t.Fatalf("%s: the cursor never ends", query)
		}
		if between != nil {
			between(pages)
		}
	}
}

// TestControlListStableWhileWriting walks each sort while controls are added (and,
// for the code sorts, edited) between pages: every control that existed when the
// walk began is returned exactly once, in order.
func TestControlListStableWhileWriting(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	owners := e.members(3)
	for i := range 12 {
		e.newControl(fmt.Sprintf("ST-%02d", i*2), map[string]any{"owner_id": owners[i%3]})
	}
	added := 0
	for _, sort := range []string{"", "code", "-code", "updated_at", "-updated_at"} {
		t.Run("sort="+sort, func(t *testing.T) {
			e := e.at(t)
			before, _ := e.listControls("?limit=500&sort=" + sort)
			got, _ := walkControls(e, "?sort="+sort, 3, func(page int) {
				if page > 3 {
					return // in id order every new control lands ahead: stop adding so the walk ends
				}
				// New codes land before, between and after those already walked.
				for _, code := range []string{fmt.Sprintf("ST-%02d-new%d", page, added), fmt.Sprintf("ST-00-new%d", added), fmt.Sprintf("ST-99-new%d", added)} {
					e.newControl(code, nil)
				}
				added++
				if strings.HasSuffix(sort, "code") {
					// Edits of fields the order does not use, seen and not yet seen.
					for _, c := range []controlView{before[0], before[len(before)-1]} {
						e.setControl(c.ID, map[string]any{"title": fmt.Sprintf("Edited %d", added)})
					}
				}
			})
			seen := map[int64]int{}
			for _, id := range got {
				seen[id]++
				if seen[id] > 1 {
					t.Fatalf("control %d returned twice", id)
				}
			}
			var order []int64
			for _, id := range got {
				if slices.Contains(controlIDs(before), id) {
					order = append(order, id)
				}
			}
			if !slices.Equal(order, controlIDs(before)) {
				t.Fatalf("the walk returned the controls that existed before it as %v, want %v", order, controlIDs(before))
			}
		})
	}
}

func TestControlUpdate(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	fw := e.newFramework("Update framework", "1")

	t.Run("partial with If-Match", func(t *testing.T) {
		e := e.at(t)
		owner := e.members(1)[0]
		orig := e.newControl("UP-1", map[string]any{"description": "keep me", "owner_id": owner, "framework_id": fw.ID})
		r := e.do("PUT", controlPath(orig.ID), map[string]any{"title": "New title", "frequency": "weekly"}, "If-Match", etag(1))
		wantOK(t, r, http.StatusOK)
		wantWrite(t, r, 2)
		var got controlView
		r.into(t, &got)
		if got.Title != "New title" || got.Frequency != "weekly" || got.Description != "keep me" || got.Code != "UP-1" ||
			*got.OwnerID != owner || *got.FrameworkID != fw.ID || got.Status != "Draft" || got.Version != 2 ||
			!got.CreatedAt.Equal(orig.CreatedAt) || !got.UpdatedAt.After(orig.UpdatedAt) || got.Tests == nil {
			t.Fatalf("after update: %s", r.Raw)
		}
		if read := e.getControl(orig.ID); read.Title != "New title" || read.Frequency != "weekly" || read.Version != 2 {
			t.Fatalf("read back: %+v", read)
		}
		// A stale version is refused and changes nothing.
		wantErr(t, e.do("PUT", controlPath(orig.ID), map[string]any{"title": "Lost"}, "If-Match", etag(1)), http.StatusConflict, "CONFLICT")
		wantErr(t, e.do("PUT", controlPath(orig.ID), map[string]any{"status": "Active"}, "If-Match", etag(3)), http.StatusConflict, "CONFLICT")
		if read := e.getControl(orig.ID); read.Title != "New title" || read.Version != 2 || read.Status != "Draft" {
			t.Fatalf("after stale updates: %+v", read)
		}
		// Weak and bare versions are accepted; null clears the optional fields.
		r = e.do("PUT", controlPath(orig.ID), `{"owner_id":null,"framework_id":null}`, "If-Match", `W/"2"`)
		wantOK(t, r, http.StatusOK)
		r.into(t, &got)
		if got.OwnerID != nil || got.FrameworkID != nil || got.Version != 3 {
			t.Fatalf("after clearing: %s", r.Raw)
		}
		if read := e.getControl(orig.ID); read.OwnerID != nil || read.FrameworkID != nil {
			t.Fatalf("read model kept cleared fields: %+v", read)
		}
	})

	t.Run("status change is its own event", func(t *testing.T) {
		e := e.at(t)
		orig := e.newControl("UP-2", nil)
		r := e.do("PUT", controlPath(orig.ID), map[string]any{"status": "Active", "title": "Live"})
		wantOK(t, r, http.StatusOK)
		wantWrite(t, r, 3)
		var got controlView
		r.into(t, &got)
		if got.Status != "Active" || got.Title != "Live" {
			t.Fatalf("after update: %s", r.Raw)
		}
		h := e.controlHistory(orig.ID)
		if !slices.Equal(typesOf(h), []string{"ControlCreated", "ControlUpdated", "ControlStatusChanged"}) {
			t.Fatalf("history types %v", typesOf(h))
		}
		if c := changesOf(h[1]); !reflect.DeepEqual(c, map[string][2]string{"title": {`"Control UP-2"`, `"Live"`}}) {
			t.Fatalf("update changes %v", c)
		}
		if c := changesOf(h[2]); !reflect.DeepEqual(c, map[string][2]string{"status": {`"Draft"`, `"Active"`}}) {
			t.Fatalf("status changes %v", c)
		}
		// A status change alone writes only the status event; any status may follow any other.
		for i, s := range []string{"Archived", "Draft", "Archived", "Active"} {
			r := e.do("PUT", controlPath(orig.ID), map[string]any{"status": s})
			wantOK(t, r, http.StatusOK)
			wantWrite(t, r, int64(4+i))
		}
		h = e.controlHistory(orig.ID)
		if !slices.Equal(typesOf(h[3:]), []string{"ControlStatusChanged", "ControlStatusChanged", "ControlStatusChanged", "ControlStatusChanged"}) {
			t.Fatalf("history types %v", typesOf(h))
		}
		if got := e.getControl(orig.ID); got.Status != "Active" || got.Version != 7 {
			t.Fatalf("read back: %+v", got)
		}
	})

	t.Run("read-only fields echoed back are ignored", func(t *testing.T) {
		e := e.at(t)
		orig := e.newControl("UP-3", nil)
		// The whole detail sent back, as a client that edits what it read would.
		r := e.read(controlPath(orig.ID))
		wantOK(t, r, http.StatusOK)
		var echo map[string]any
		r.into(t, &echo)
		echo["title"] = "Echoed"
		echo["id"], echo["version"], echo["effectiveness"], echo["last_tested_at"] = 999, 77, "Effective", "2000-01-01T00:00:00Z"
		echo["risk_ids"], echo["requirement_ids"], echo["created_at"] = []int{1}, []int{2}, "2000-01-01T00:00:00Z"
		echo["tests"] = []map[string]any{{"id": 1, "result": "Pass"}}
		r = e.do("PUT", controlPath(orig.ID), echo)
		wantOK(t, r, http.StatusOK)
		var got controlView
		r.into(t, &got)
		if got.ID != orig.ID || got.Title != "Echoed" || got.Version != 2 || got.Effectiveness != "Not Tested" ||
			got.LastTestedAt != nil || len(got.RiskIDs) != 0 || len(got.RequirementIDs) != 0 || len(got.Tests) != 0 ||
			!got.CreatedAt.Equal(orig.CreatedAt) {
			t.Fatalf("echo: %s", r.Raw)
		}
		if h := e.controlHistory(orig.ID); len(h) != 2 || len(h[1].Changes) != 1 || h[1].Changes[0].Field != "title" {
			t.Fatalf("echo history: %+v", h)
		}
	})

	t.Run("unknown and wrong fields are named", func(t *testing.T) {
		e := e.at(t)
		orig := e.newControl("UP-4", nil)
		for _, c := range []struct {
			body   any
			fields []string
		}{
			{map[string]any{"colour": "red"}, []string{"colour"}},
			{map[string]any{"title": "x", "colour": "red"}, []string{"colour"}},
			{map[string]any{"status": "Live", "colour": "red"}, []string{"status", "colour"}},
			{map[string]any{"type": "manual", "frequency": "hourly"}, []string{"type", "frequency"}},
			{map[string]any{"title": []int{1}}, []string{"title"}},
			{map[string]any{"owner_id": "me"}, []string{"owner_id"}},
			{`{"title":null}`, []string{"title"}},
			{map[string]any{"code": " "}, []string{"code"}},
		} {
			wantErr(t, e.do("PUT", controlPath(orig.ID), c.body), http.StatusBadRequest, "VALIDATION_ERROR", c.fields...)
		}
		if got := e.getControl(orig.ID); got.Version != 1 {
			t.Fatalf("refused updates changed the control: %+v", got)
		}
	})

	t.Run("unchanged", func(t *testing.T) {
		e := e.at(t)
		orig := e.newControl("UP-5", nil)
		for _, body := range []map[string]any{{"title": "Control UP-5"}, {"status": "Draft"}, {"code": " UP-5 "}} {
			r := e.do("PUT", controlPath(orig.ID), body, "If-Match", etag(1))
			wantOK(t, r, http.StatusOK)
			if r.Header.Get("ETag") != etag(1) || r.Header.Get("X-Event-Position") != "" {
				t.Fatalf("no-op update %v: %s %v", body, r.Raw, r.Header)
			}
		}
		if h := e.controlHistory(orig.ID); len(h) != 1 {
			t.Fatalf("no-op updates wrote history: %+v", h)
		}
	})

	t.Run("codes", func(t *testing.T) {
		e := e.at(t)
		a := e.newControl("CODE-A", nil)
		b := e.newControl("CODE-B", nil)
		// Another control's code, in any case, is refused.
		for _, code := range []string{"CODE-B", "code-b"} {
			r := e.do("PUT", controlPath(a.ID), map[string]any{"code": code})
			wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "code")
		}
		// A refused update keeps both codes where they were.
		if got := e.getControl(a.ID); got.Code != "CODE-A" || got.Version != 1 {
			t.Fatalf("after refused rename: %+v", got)
		}
		wantErr(t, e.do("POST", "/api/controls", map[string]any{"code": "code-a", "title": "x", "type": "preventive", "frequency": "daily"}),
			http.StatusBadRequest, "VALIDATION_ERROR", "code")
		wantErr(t, e.do("POST", "/api/controls", map[string]any{"code": "code-b", "title": "x", "type": "preventive", "frequency": "daily"}),
			http.StatusBadRequest, "VALIDATION_ERROR", "code")

		// A change of case only is the control's own code.
		if got := e.setControl(b.ID, map[string]any{"code": "code-b"}); got.Code != "code-b" || got.Version != 2 {
			t.Fatalf("case change: %+v", got)
		}
		wantErr(t, e.do("POST", "/api/controls", map[string]any{"code": "CODE-B", "title": "x", "type": "preventive", "frequency": "daily"}),
			http.StatusBadRequest, "VALIDATION_ERROR", "code")

		// A new code frees the old one for reuse, and takes the new one.
		if got := e.setControl(a.ID, map[string]any{"code": "CODE-A2"}); got.Code != "CODE-A2" {
			t.Fatalf("rename: %+v", got)
		}
		reused := e.newControl("code-a", nil)
		if reused.ID == a.ID {
			t.Fatalf("reused code: %+v", reused)
		}
		wantErr(t, e.do("POST", "/api/controls", map[string]any{"code": "code-a2", "title": "x", "type": "preventive", "frequency": "daily"}),
			http.StatusBadRequest, "VALIDATION_ERROR", "code")
		// And the old owner may not take its old code back now that it is reused.
		wantErr(t, e.do("PUT", controlPath(a.ID), map[string]any{"code": "CODE-A"}), http.StatusBadRequest, "VALIDATION_ERROR", "code")
		// A stale rename claims nothing.
		wantErr(t, e.do("PUT", controlPath(a.ID), map[string]any{"code": "CODE-C"}, "If-Match", etag(1)), http.StatusConflict, "CONFLICT")
		e.newControl("CODE-C", nil)
	})

	t.Run("framework of another organization", func(t *testing.T) {
		e := e.at(t)
		other := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		theirs := other.newFramework("Their update framework", "1")
		orig := e.newControl("UP-6", map[string]any{"framework_id": fw.ID})
		for _, id := range []any{theirs.ID, 999999, 0, "x"} {
			r := e.do("PUT", controlPath(orig.ID), map[string]any{"framework_id": id})
			wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "framework_id")
		}
		if got := e.getControl(orig.ID); got.FrameworkID == nil || *got.FrameworkID != fw.ID || got.Version != 1 {
			t.Fatalf("after refused framework changes: %+v", got)
		}
	})

	t.Run("missing control", func(t *testing.T) {
		wantErr(t, e.at(t).do("PUT", controlPath(999999), map[string]any{"title": "x"}), http.StatusNotFound, "NOT_FOUND")
	})
}

func TestControlEffectiveness(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	c := e.newControl("EF-1", map[string]any{"status": "Active"})
	path := controlPath(c.ID) + "/effectiveness"

	r := e.do("PUT", path, map[string]any{"effectiveness": "Partially Effective", "notes": " Two of three sites "}, "If-Match", etag(1))
	wantOK(t, r, http.StatusOK)
	wantWrite(t, r, 2)
	var got controlView
	r.into(t, &got)
	if got.Effectiveness != "Partially Effective" || got.Version != 2 || len(got.EffectivenessHistory) != 1 {
		t.Fatalf("after rating: %s", r.Raw)
	}
	me := e.userID(e.Email)
	want := effectivenessView{Effectiveness: "Partially Effective", Previous: "Not Tested", Notes: "Two of three sites",
		ChangedBy: actorView{me, "Test User"}}
	if h := got.EffectivenessHistory[0]; h.Effectiveness != want.Effectiveness || h.Previous != want.Previous ||
		h.Notes != want.Notes || h.TestID != nil || h.ChangedBy != want.ChangedBy || h.ChangedAt.IsZero() {
		t.Fatalf("effectiveness history %+v, want %+v", h, want)
	}
	if read := e.getControl(c.ID); mustJSON(t, read.EffectivenessHistory) != mustJSON(t, got.EffectivenessHistory) ||
		read.Effectiveness != "Partially Effective" {
		t.Fatalf("read back: %+v", read)
	}

	t.Run("refused", func(t *testing.T) {
		e := e.at(t)
		for _, c := range []struct {
			body   any
			fields []string
		}{
			{map[string]any{"effectiveness": "Effective"}, []string{"notes"}},
			{map[string]any{"effectiveness": "Effective", "notes": "   "}, []string{"notes"}},
			{map[string]any{"effectiveness": "Effective", "notes": strings.Repeat("n", 2001)}, []string{"notes"}},
			{map[string]any{"effectiveness": "Great", "notes": "x"}, []string{"effectiveness"}},
			{map[string]any{"effectiveness": "effective", "notes": "x"}, []string{"effectiveness"}},
			{map[string]any{"notes": "x"}, []string{"effectiveness"}},
			{map[string]any{}, []string{"effectiveness", "notes"}},
			{map[string]any{"effectiveness": 1, "notes": "x"}, []string{"effectiveness"}},
			{map[string]any{"effectiveness": "Effective", "notes": "x", "test_id": 1}, []string{"test_id"}},
			{`{"effectiveness":`, nil},
		} {
			wantErr(t, e.do("PUT", path, c.body), http.StatusBadRequest, "VALIDATION_ERROR", c.fields...)
		}
		wantErr(t, e.do("PUT", path, map[string]any{"effectiveness": "Effective", "notes": "x"}, "If-Match", etag(1)),
			http.StatusConflict, "CONFLICT")
		wantErr(t, e.do("PUT", controlPath(999999)+"/effectiveness", map[string]any{"effectiveness": "Effective", "notes": "x"}),
			http.StatusNotFound, "NOT_FOUND")
		if got := e.getControl(c.ID); got.Version != 2 || got.Effectiveness != "Partially Effective" {
			t.Fatalf("after refused ratings: %+v", got)
		}
	})

	t.Run("unchanged writes nothing", func(t *testing.T) {
		e := e.at(t)
		r := e.do("PUT", path, map[string]any{"effectiveness": "Partially Effective", "notes": "still"}, "If-Match", etag(2))
		wantOK(t, r, http.StatusOK)
		if r.Header.Get("ETag") != etag(2) || r.Header.Get("X-Event-Position") != "" {
			t.Fatalf("unchanged rating: %v", r.Header)
		}
		if h := e.controlHistory(c.ID); len(h) != 2 {
			t.Fatalf("unchanged rating wrote history: %v", typesOf(h))
		}
		if got := e.getControl(c.ID); got.Version != 2 || len(got.EffectivenessHistory) != 1 {
			t.Fatalf("after unchanged rating: %+v", got)
		}
	})

	t.Run("archived", func(t *testing.T) {
		e := e.at(t)
		a := e.newControl("EF-2", map[string]any{"status": "Archived"})
		wantErr(t, e.do("PUT", controlPath(a.ID)+"/effectiveness", map[string]any{"effectiveness": "Effective", "notes": "x"}),
			http.StatusBadRequest, "VALIDATION_ERROR")
		if got := e.getControl(a.ID); got.Version != 1 || got.Effectiveness != "Not Tested" {
			t.Fatalf("archived control rated: %+v", got)
		}
	})

	t.Run("newest first", func(t *testing.T) {
		e := e.at(t)
		x := e.newControl("EF-3", nil)
		for _, v := range []string{"Effective", "Ineffective", "Not Tested", "Partially Effective"} {
			e.rate(x.ID, v)
		}
		got := e.getControl(x.ID)
		var seq []string
		for _, h := range got.EffectivenessHistory {
			seq = append(seq, h.Previous+">"+h.Effectiveness)
		}
		want := []string{"Not Tested>Partially Effective", "Ineffective>Not Tested", "Effective>Ineffective", "Not Tested>Effective"}
		if !slices.Equal(seq, want) {
			t.Fatalf("history %v, want %v", seq, want)
		}
	})
}

// TestControlTests records tests as an auditor, who is not the control's owner, and
// follows the rules of docs/controls.md for what a test does to the rating.
func TestControlTests(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	// The tester's own session reads what it wrote; the admin's would not wait for it.
	tester := e.loggedIn(e.createUser(1, "Tess Tester", identity.Auditor))
	testerID := tester.userID(tester.Email)
	c := e.newControl("TS-1", map[string]any{"status": "Active"})
	path := controlPath(c.ID) + "/tests"
	day := 24 * time.Hour
	base := time.Now().UTC().Truncate(time.Second)

	// test records a test as the tester and checks the version and rating after it.
	test := func(t *testing.T, result string, at time.Time, version int64, effectiveness string) controlView {
		t.Helper()
		body := map[string]any{"result": result, "notes": " " + result + " "}
		if !at.IsZero() {
			body["tested_at"] = at.Format(time.RFC3339Nano)
		}
		r := tester.at(t).do("POST", path, body)
		wantOK(t, r, http.StatusCreated)
		wantWrite(t, r, version)
		if r.Header.Get("Location") != controlPath(c.ID) {
			t.Fatalf("Location %q", r.Header.Get("Location"))
		}
		var got controlView
		r.into(t, &got)
		if got.Version != version || got.Effectiveness != effectiveness {
			t.Fatalf("%s test dated %s: version %d effectiveness %q, want %d %q", result, at, got.Version, got.Effectiveness, version, effectiveness)
		}
		// Timestamps are compared to the microsecond the database keeps; the
		// "precision" subtest holds the reply to the same.
		if read := tester.at(t).getControl(c.ID); read.Version != version || read.Effectiveness != effectiveness ||
			mustJSON(t, micro(read.Tests)) != mustJSON(t, micro(got.Tests)) ||
			mustJSON(t, read.EffectivenessHistory) != mustJSON(t, got.EffectivenessHistory) {
			t.Fatalf("read back differs from the reply:\n%+v\n%+v", read, got)
		}
		return got
	}

	var passID int64
	t.Run("a pass sets Effective", func(t *testing.T) {
		got := test(t, "Pass", base.Add(-10*day), 3, "Effective") // the test and the rating change
		if len(got.Tests) != 1 || len(got.EffectivenessHistory) != 1 {
			t.Fatalf("after the first pass: %+v", got)
		}
		tt, h := got.Tests[0], got.EffectivenessHistory[0]
		passID = tt.ID
		if tt.ID <= 0 || !tt.TestedAt.Equal(base.Add(-10*day)) || tt.Result != "Pass" || tt.Notes != "Pass" ||
			tt.RecordedBy != (actorView{testerID, "Tess Tester"}) || tt.RecordedAt.IsZero() {
			t.Fatalf("test: %+v", tt)
		}
		if h.Effectiveness != "Effective" || h.Previous != "Not Tested" || h.TestID == nil || *h.TestID != tt.ID ||
			h.ChangedBy != (actorView{testerID, "Tess Tester"}) {
			t.Fatalf("effectiveness history: %+v", h)
		}
		if got.LastTestedAt == nil || !got.LastTestedAt.Equal(base.Add(-10*day)) {
			t.Fatalf("last_tested_at %v", got.LastTestedAt)
		}
	})

	t.Run("a fail dated before the latest pass changes nothing", func(t *testing.T) {
		got := test(t, "Fail", base.Add(-20*day), 4, "Effective")
		if len(got.Tests) != 2 || len(got.EffectivenessHistory) != 1 {
			t.Fatalf("after a backdated fail: %+v", got)
		}
		// The latest test is still the pass, newest tested_at first.
		if got.Tests[0].ID != passID || got.Tests[1].Result != "Fail" {
			t.Fatalf("tests order: %+v", got.Tests)
		}
		if got.LastTestedAt == nil || !got.LastTestedAt.Equal(base.Add(-10*day)) {
			t.Fatalf("last_tested_at moved back to %v", got.LastTestedAt)
		}
	})

	t.Run("inconclusive never decides", func(t *testing.T) {
		got := test(t, "Inconclusive", base.Add(-1*day), 5, "Effective")
		if len(got.EffectivenessHistory) != 1 || got.LastTestedAt == nil || !got.LastTestedAt.Equal(base.Add(-1*day)) {
			t.Fatalf("after inconclusive: %+v", got)
		}
	})

	var failID int64
	t.Run("a fail after the latest pass sets Ineffective", func(t *testing.T) {
		// Dated before the inconclusive test, but after the last decisive one.
		got := test(t, "Fail", base.Add(-5*day), 7, "Ineffective")
		h := got.EffectivenessHistory[0]
		failID = *h.TestID
		if len(got.EffectivenessHistory) != 2 || h.Effectiveness != "Ineffective" || h.Previous != "Effective" ||
			h.ChangedBy != (actorView{testerID, "Tess Tester"}) || !slices.ContainsFunc(got.Tests, func(x controlTestView) bool {
			return x.ID == failID && x.Result == "Fail"
		}) {
			t.Fatalf("after the fail: %+v", got)
		}
		// last_tested_at stays the latest of all tests.
		if !got.LastTestedAt.Equal(base.Add(-1 * day)) {
			t.Fatalf("last_tested_at %v", got.LastTestedAt)
		}
	})

	t.Run("a pass dated before the fail does not overturn it", func(t *testing.T) {
		got := test(t, "Pass", base.Add(-7*day), 8, "Ineffective")
		if len(got.EffectivenessHistory) != 2 {
			t.Fatalf("after an older pass: %+v", got.EffectivenessHistory)
		}
	})

	t.Run("a later pass overturns the fail", func(t *testing.T) {
		got := test(t, "Pass", time.Time{}, 10, "Effective") // tested_at defaults to now
		h := got.EffectivenessHistory[0]
		if h.Previous != "Ineffective" || h.Effectiveness != "Effective" || h.TestID == nil || *h.TestID == failID {
			t.Fatalf("after the later pass: %+v", h)
		}
		if got.LastTestedAt == nil || got.LastTestedAt.Before(base) || got.LastTestedAt.After(time.Now().Add(time.Second)) ||
			!got.Tests[0].TestedAt.Equal(*got.LastTestedAt) || got.Tests[0].ID != *h.TestID {
			t.Fatalf("a test without tested_at: last_tested_at %v, tests %+v", got.LastTestedAt, got.Tests[0])
		}
	})

	t.Run("a pass leaves a person's Partially Effective alone", func(t *testing.T) {
		e := e.at(t)
		r := e.do("PUT", controlPath(c.ID)+"/effectiveness", map[string]any{"effectiveness": "Partially Effective", "notes": "one site lags"})
		wantOK(t, r, http.StatusOK) // version 11
		got := test(t, "Pass", time.Time{}, 12, "Partially Effective")
		if h := got.EffectivenessHistory[0]; h.Effectiveness != "Partially Effective" || h.TestID != nil ||
			h.ChangedBy.ID != e.userID(e.Email) || h.Notes != "one site lags" {
			t.Fatalf("the person's rating is not the latest: %+v", h)
		}
		// A failure still overrides the person.
		got = test(t, "Fail", time.Time{}, 14, "Ineffective")
		if h := got.EffectivenessHistory[0]; h.Previous != "Partially Effective" || h.TestID == nil {
			t.Fatalf("after failing a partially effective control: %+v", h)
		}
	})

	t.Run("lists are newest first", func(t *testing.T) {
		got := tester.at(t).getControl(c.ID)
		if len(got.Tests) != 8 {
			t.Fatalf("%d tests", len(got.Tests))
		}
		for i := 1; i < len(got.Tests); i++ {
			p, n := got.Tests[i-1], got.Tests[i]
			if p.TestedAt.Before(n.TestedAt) || p.TestedAt.Equal(n.TestedAt) && p.ID < n.ID {
				t.Fatalf("tests out of order: %+v before %+v", p, n)
			}
		}
		var seq []string
		for _, h := range got.EffectivenessHistory {
			seq = append(seq, h.Effectiveness)
		}
		if want := []string{"Ineffective", "Partially Effective", "Effective", "Ineffective", "Effective"}; !slices.Equal(seq, want) {
			t.Fatalf("effectiveness history %v, want %v", seq, want)
		}
		for i := 1; i < len(got.EffectivenessHistory); i++ {
			if got.EffectivenessHistory[i-1].ChangedAt.Before(got.EffectivenessHistory[i].ChangedAt) {
				t.Fatalf("effectiveness history out of order: %+v", got.EffectivenessHistory)
			}
		}
		if !got.LastTestedAt.Equal(got.Tests[0].TestedAt) {
			t.Fatalf("last_tested_at %v, newest test %v", got.LastTestedAt, got.Tests[0].TestedAt)
		}
	})

	t.Run("refused", func(t *testing.T) {
		tester := tester.at(t)
		for _, c := range []struct {
			name   string
			body   any
			fields []string
		}{
			{"future", map[string]any{"result": "Pass", "tested_at": time.Now().Add(time.Hour).Format(time.RFC3339)}, []string{"tested_at"}},
			{"far future", map[string]any{"result": "Pass", "tested_at": "2999-01-01T00:00:00Z"}, []string{"tested_at"}},
			{"word", map[string]any{"result": "Pass", "tested_at": "yesterday"}, []string{"tested_at"}},
			{"date only", map[string]any{"result": "Pass", "tested_at": "2026-01-01"}, []string{"tested_at"}},
			{"no zone", map[string]any{"result": "Pass", "tested_at": "2026-01-01T10:00:00"}, []string{"tested_at"}},
			{"impossible", map[string]any{"result": "Pass", "tested_at": "2026-02-30T10:00:00Z"}, []string{"tested_at"}},
			{"year 1", map[string]any{"result": "Pass", "tested_at": "0001-01-01T00:00:00Z"}, []string{"tested_at"}},
			{"number", map[string]any{"result": "Pass", "tested_at": 1700000000}, []string{"tested_at"}},
			{"no result", map[string]any{"notes": "x"}, []string{"result"}},
			{"lowercase result", map[string]any{"result": "pass"}, []string{"result"}},
			{"unknown result", map[string]any{"result": "Skipped"}, []string{"result"}},
			{"result and date", map[string]any{"result": "Maybe", "tested_at": time.Now().Add(time.Hour).Format(time.RFC3339)}, []string{"result", "tested_at"}},
			{"long notes", map[string]any{"result": "Pass", "notes": strings.Repeat("n", 5001)}, []string{"notes"}},
			{"NUL notes", `{"result":"Pass","notes":"a\u0000b"}`, []string{"notes"}},
			{"unknown field", map[string]any{"result": "Pass", "tester": "me"}, []string{"tester"}},
			{"malformed", `{"result":`, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantErr(t, tester.at(t).do("POST", path, c.body), http.StatusBadRequest, "VALIDATION_ERROR", c.fields...)
			})
		}
		wantErr(t, tester.do("POST", path, map[string]any{"result": "Pass"}, "If-Match", etag(1)), http.StatusConflict, "CONFLICT")
		wantErr(t, tester.do("POST", controlPath(999999)+"/tests", map[string]any{"result": "Pass"}), http.StatusNotFound, "NOT_FOUND")
		if got := tester.getControl(c.ID); got.Version != 14 || len(got.Tests) != 8 {
			t.Fatalf("refused tests changed the control: version %d, %d tests", got.Version, len(got.Tests))
		}
		// An archived control is not tested.
		a := e.newControl("TS-2", map[string]any{"status": "Archived"})
		wantErr(t, tester.do("POST", controlPath(a.ID)+"/tests", map[string]any{"result": "Pass"}), http.StatusBadRequest, "VALIDATION_ERROR")
		if got := e.getControl(a.ID); got.Version != 1 || len(got.Tests) != 0 {
			t.Fatalf("archived control tested: %+v", got)
		}
	})

	// The reply to a test, the detail read later and the as-of view all tell the same
	// tested_at and last_tested_at: a client that compares or sends back what it was
	// told must not see the test move by a fraction of a microsecond.
	t.Run("precision", func(t *testing.T) {
		tester := tester.at(t)
		p := e.newControl("TS-3", map[string]any{"status": "Active"})
		for _, at := range []string{"", base.Add(-time.Hour + 123456789).Format(time.RFC3339Nano)} {
			body := map[string]any{"result": "Inconclusive"}
			if at != "" {
				body["tested_at"] = at
			}
			got := tester.controlWrite("POST", controlPath(p.ID)+"/tests", http.StatusCreated, body)
			read := tester.getControl(p.ID)
			if !read.LastTestedAt.Equal(*got.LastTestedAt) || mustJSON(t, read.Tests) != mustJSON(t, got.Tests) {
				t.Errorf("tested_at %q: the reply says last_tested_at %s and tests %s; the detail says %s and %s", at,
					got.LastTestedAt.Format(time.RFC3339Nano), mustJSON(t, got.Tests), read.LastTestedAt.Format(time.RFC3339Nano), mustJSON(t, read.Tests))
			}
		}
	})
}

// micro is tests with their dates cut to the microsecond, as PostgreSQL stores them.
func micro(tests []controlTestView) []controlTestView {
	out := slices.Clone(tests)
	for i := range out {
		out[i].TestedAt = out[i].TestedAt.Truncate(time.Microsecond)
	}
	return out
}

func TestControlRequirements(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	fw := e.newFramework("SOC 2", "2017", "CC6.1", "CC6.2")
	other := e.newFramework("ISO 27001", "2022", "A.5.1")
	r1, r2, r3 := fw.Requirements[0], fw.Requirements[1], other.Requirements[0]
	c := e.newControl("RQ-1", map[string]any{"status": "Active"})
	path := controlPath(c.ID) + "/requirements"

	r := e.do("POST", path, map[string]any{"requirement_id": r2.ID}, "If-Match", etag(1))
	wantOK(t, r, http.StatusOK)
	wantWrite(t, r, 2)
	var got controlView
	r.into(t, &got)
	if !slices.Equal(got.RequirementIDs, []int64{r2.ID}) || len(got.Requirements) != 1 {
		t.Fatalf("after mapping: %s", r.Raw)
	}
	wantOK(t, e.do("POST", path, map[string]any{"requirement_id": r3.ID}), http.StatusOK)
	got = e.controlWrite("POST", path, http.StatusOK, map[string]any{"requirement_id": r1.ID})
	if got.Version != 4 || !slices.Equal(got.RequirementIDs, sortedIDs(r1.ID, r2.ID, r3.ID)) {
		t.Fatalf("after mapping three: %+v", got)
	}
	// The detail names each requirement with its framework, by framework name then code.
	want := []requirementRef{
		{r3.ID, other.ID, "ISO 27001", "A.5.1", r3.Title},
		{r1.ID, fw.ID, "SOC 2", "CC6.1", r1.Title},
		{r2.ID, fw.ID, "SOC 2", "CC6.2", r2.Title},
	}
	if !reflect.DeepEqual(got.Requirements, want) {
		t.Fatalf("requirements %+v, want %+v", got.Requirements, want)
	}
	read := e.getControl(c.ID)
	if !reflect.DeepEqual(read.Requirements, want) || !slices.Equal(sortedIDs(read.RequirementIDs...), got.RequirementIDs) || read.Version != 4 {
		t.Fatalf("read back: %+v", read)
	}
	// The same version of the control lists its requirement ids in the same order
	// wherever it is read: the write's reply and the as-of view sort them.
	if !slices.Equal(read.RequirementIDs, got.RequirementIDs) {
		t.Errorf("requirement_ids: the detail says %v, the write's reply %v", read.RequirementIDs, got.RequirementIDs)
	}
	items, _ := e.listControls("")
	if len(items) != 1 || !slices.Equal(items[0].RequirementIDs, got.RequirementIDs) {
		t.Errorf("requirement_ids: the list says %v, the write's reply %v", items[0].RequirementIDs, got.RequirementIDs)
	}

	// Mapping again changes nothing.
	r = e.do("POST", path, map[string]any{"requirement_id": r1.ID}, "If-Match", etag(4))
	wantOK(t, r, http.StatusOK)
	if r.Header.Get("ETag") != etag(4) || r.Header.Get("X-Event-Position") != "" {
		t.Fatalf("mapping again: %v", r.Header)
	}

	r = e.do("DELETE", path+"/"+strconv.FormatInt(r2.ID, 10), nil, "If-Match", etag(4))
	wantOK(t, r, http.StatusOK)
	wantWrite(t, r, 5)
	r.into(t, &got)
	if !slices.Equal(got.RequirementIDs, sortedIDs(r1.ID, r3.ID)) || len(got.Requirements) != 2 {
		t.Fatalf("after unmapping: %s", r.Raw)
	}
	if read := e.getControl(c.ID); !slices.Equal(sortedIDs(read.RequirementIDs...), sortedIDs(r1.ID, r3.ID)) || len(read.Requirements) != 2 {
		t.Fatalf("read back after unmapping: %+v", read)
	}
	h := e.controlHistory(c.ID)
	if !slices.Equal(typesOf(h), []string{"ControlCreated", "ControlMappedToRequirement", "ControlMappedToRequirement",
		"ControlMappedToRequirement", "ControlUnmappedFromRequirement"}) {
		t.Fatalf("history types %v", typesOf(h))
	}
	// A mapping's entry names the one requirement it changed, not the whole list.
	if ch, want := changesOf(h[4]), map[string][2]string{"requirements." + strconv.FormatInt(r2.ID, 10): {`"mapped"`, "null"}}; !reflect.DeepEqual(ch, want) {
		t.Fatalf("unmapping changes %v, want %v", ch, want)
	}
	if ch, want := changesOf(h[3]), map[string][2]string{"requirements." + strconv.FormatInt(r1.ID, 10): {"null", `"mapped"`}}; !reflect.DeepEqual(ch, want) {
		t.Fatalf("mapping changes %v, want %v", ch, want)
	}

	t.Run("refused", func(t *testing.T) {
		e := e.at(t)
		other := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		theirs := other.newFramework("Their SOC 2", "2017", "SECRET-1")
		// In the read model, so the refusal below is about the organization, not timing.
		other.getFramework(theirs.ID)
		for _, c := range []struct {
			name   string
			body   any
			fields []string
		}{
			{"another organization's", map[string]any{"requirement_id": theirs.Requirements[0].ID}, []string{"requirement_id"}},
			{"unknown", map[string]any{"requirement_id": 999999}, []string{"requirement_id"}},
			{"missing", map[string]any{}, []string{"requirement_id"}},
			{"null", `{"requirement_id":null}`, []string{"requirement_id"}},
			{"zero", map[string]any{"requirement_id": 0}, []string{"requirement_id"}},
			{"negative", map[string]any{"requirement_id": -1}, []string{"requirement_id"}},
			{"text", map[string]any{"requirement_id": "x"}, []string{"requirement_id"}},
			{"fraction", map[string]any{"requirement_id": 1.5}, []string{"requirement_id"}},
			{"unknown field", map[string]any{"requirement_id": r1.ID, "framework_id": fw.ID}, []string{"framework_id"}},
			{"malformed", `{"requirement_id":`, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := e.at(t).do("POST", path, c.body)
				wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", c.fields...)
				if strings.Contains(string(r.Raw), "SECRET") || strings.Contains(string(r.Raw), "Their") {
					t.Fatalf("reply tells about the other organization: %s", r.Raw)
				}
			})
		}
		wantErr(t, e.do("DELETE", path+"/"+strconv.FormatInt(r2.ID, 10), nil), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, e.do("DELETE", path+"/999999", nil), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, e.do("DELETE", path+"/"+strconv.FormatInt(r1.ID, 10), nil, "If-Match", etag(1)), http.StatusConflict, "CONFLICT")
		wantErr(t, e.do("POST", path, map[string]any{"requirement_id": r2.ID}, "If-Match", etag(1)), http.StatusConflict, "CONFLICT")
		wantErr(t, e.do("POST", controlPath(999999)+"/requirements", map[string]any{"requirement_id": r2.ID}), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, e.do("DELETE", controlPath(999999)+"/requirements/"+strconv.FormatInt(r1.ID, 10), nil), http.StatusNotFound, "NOT_FOUND")
		if got := e.getControl(c.ID); got.Version != 5 {
			t.Fatalf("refused mappings changed the control: %+v", got)
		}
	})

	t.Run("archived", func(t *testing.T) {
		e := e.at(t)
		a := e.newControl("RQ-2", nil)
		e.controlWrite("POST", controlPath(a.ID)+"/requirements", http.StatusOK, map[string]any{"requirement_id": r1.ID})
		e.setControl(a.ID, map[string]any{"status": "Archived"})
		wantErr(t, e.do("POST", controlPath(a.ID)+"/requirements", map[string]any{"requirement_id": r2.ID}),
			http.StatusBadRequest, "VALIDATION_ERROR")
		// The mapping it had stays, and shows the control as archived.
		got := e.getControl(a.ID)
		if got.Version != 3 || !slices.Equal(got.RequirementIDs, []int64{r1.ID}) || len(got.Requirements) != 1 {
			t.Fatalf("archived control: %+v", got)
		}
		cov := e.coverage(fw.ID)
		if !slices.ContainsFunc(cov.Requirements[0].Controls, func(x controlRef) bool { return x.ID == a.ID && x.Status == "Archived" }) {
			t.Fatalf("coverage does not list the archived control: %+v", cov.Requirements[0])
		}
	})
}

func TestControlHistory(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	tester := e.loggedIn(e.createUser(1, "Tess Tester", identity.Auditor))
	fw := e.newFramework("History framework", "1", "H-1")
	c := e.newControl("HI-1", map[string]any{"title": "First title"})
	owner := e.members(1)[0]
	wantOK(t, e.do("PUT", controlPath(c.ID), map[string]any{"title": "Second title", "owner_id": owner, "status": "Active"},
		"X-Request-ID", "control-history-1"), http.StatusOK)
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	tested := tester.recordTest(c.ID, "Fail", at)
	testID := strconv.FormatInt(tested.Tests[0].ID, 10)
	e.controlWrite("POST", controlPath(c.ID)+"/requirements", http.StatusOK, map[string]any{"requirement_id": fw.Requirements[0].ID})

	h := e.controlHistory(c.ID)
	want := []string{"ControlCreated", "ControlUpdated", "ControlStatusChanged", "ControlTestRecorded",
		"ControlEffectivenessUpdated", "ControlMappedToRequirement"}
	if !slices.Equal(typesOf(h), want) {
		t.Fatalf("history types %v, want %v", typesOf(h), want)
	}
	me, them := actorView{e.userID(e.Email), "Test User"}, actorView{tester.userID(tester.Email), "Tess Tester"}
	for i, en := range h {
		actor := me
		if i == 3 || i == 4 {
			actor = them // the test and the rating it caused are the tester's
		}
		if en.Version != int64(i+1) || en.Actor != actor || en.RecordedAt.IsZero() || en.EventID == "" {
			t.Fatalf("entry %d: %+v, want actor %+v", i, en, actor)
		}
	}
	if h[1].CorrelationID != "control-history-1" || h[2].CorrelationID != "control-history-1" || h[1].EventID == h[2].EventID {
		t.Fatalf("the update's two events: %+v %+v", h[1], h[2])
	}
	created := changesOf(h[0])
	for f, v := range map[string]string{"code": `"HI-1"`, "title": `"First title"`, "status": `"Draft"`,
		"effectiveness": `"Not Tested"`, "type": `"preventive"`, "frequency": `"monthly"`} {
		if created[f] != [2]string{"null", v} {
			t.Errorf("creation change %s: %v, want null -> %s", f, created[f], v)
		}
	}
	for i, want := range []map[string][2]string{
		1: {"title": {`"First title"`, `"Second title"`}, "owner_id": {"null", strconv.FormatInt(owner, 10)}},
		2: {"status": {`"Draft"`, `"Active"`}},
		3: {
			// A test is a new fact, shown under tests.<id>, not a field change.
			"tests." + testID + ".tested_at": {"null", mustJSON(t, at)},
			"tests." + testID + ".result":    {"null", `"Fail"`},
			"tests." + testID + ".notes":     {"null", `"Fail test"`},
			"last_tested_at":                 {"null", mustJSON(t, at)},
		},
		4: {"effectiveness": {`"Not Tested"`, `"Ineffective"`}},
		5: {"requirements." + strconv.FormatInt(fw.Requirements[0].ID, 10): {"null", `"mapped"`}},
	} {
		if i == 0 {
			continue
		}
		if got := changesOf(h[i]); !reflect.DeepEqual(got, want) {
			t.Errorf("%s changes %v, want %v", h[i].Type, got, want)
		}
	}
	wantOK(t, e.do("GET", "/api/v1/controls/"+strconv.FormatInt(c.ID, 10)+"/history", nil), http.StatusOK)
	wantErr(t, e.do("GET", controlPath(999999)+"/history", nil), http.StatusNotFound, "NOT_FOUND")
}

func TestControlAsOf(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	fw := e.newFramework("As-of framework", "1", "AO-R1")
	beforeCreate := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	c := e.newControl("AO-1", map[string]any{"title": "Then"})
	time.Sleep(20 * time.Millisecond)
	between := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	updated := e.setControl(c.ID, map[string]any{"status": "Active", "title": "Now"})
	tested := e.recordTest(c.ID, "Pass", time.Time{})
	mapped := e.controlWrite("POST", controlPath(c.ID)+"/requirements", http.StatusOK, map[string]any{"requirement_id": fw.Requirements[0].ID})

	asOf := func(t *testing.T, at time.Time) *reply {
		return e.at(t).do("GET", controlPath(c.ID)+"?as_of="+url.QueryEscape(at.Format(time.RFC3339Nano)), nil)
	}
	h := e.controlHistory(c.ID)
	if !slices.Equal(typesOf(h), []string{"ControlCreated", "ControlUpdated", "ControlStatusChanged", "ControlTestRecorded",
		"ControlEffectivenessUpdated", "ControlMappedToRequirement"}) {
		t.Fatalf("history types %v", typesOf(h))
	}
	for name, at := range map[string]time.Time{
		"noted between": between,
		"at creation":   c.CreatedAt, // inclusive
		"just before":   h[1].RecordedAt.Add(-time.Microsecond),
	} {
		t.Run(name, func(t *testing.T) {
			r := asOf(t, at)
			wantOK(t, r, http.StatusOK)
			var got controlView
			r.into(t, &got)
			if got.Title != "Then" || got.Status != "Draft" || got.Version != 1 || got.Effectiveness != "Not Tested" ||
				len(got.Tests) != 0 || len(got.RequirementIDs) != 0 || got.Tests == nil || !got.UpdatedAt.Equal(c.CreatedAt) {
				t.Fatalf("as of %s: %s", at, r.Raw)
			}
		})
	}
	t.Run("after the status change", func(t *testing.T) {
		r := asOf(t, updated.UpdatedAt)
		wantOK(t, r, http.StatusOK)
		var got controlView
		r.into(t, &got)
		if got.Title != "Now" || got.Status != "Active" || got.Version != 3 || len(got.Tests) != 0 {
			t.Fatalf("as of the update: %s", r.Raw)
		}
	})
	t.Run("after the test", func(t *testing.T) {
		r := asOf(t, tested.UpdatedAt)
		wantOK(t, r, http.StatusOK)
		var got controlView
		r.into(t, &got)
		if got.Effectiveness != "Effective" || len(got.Tests) != 1 || len(got.EffectivenessHistory) != 1 || len(got.RequirementIDs) != 0 {
			t.Fatalf("as of the test: %s", r.Raw)
		}
	})
	t.Run("now", func(t *testing.T) {
		r := asOf(t, time.Now().Add(time.Second))
		wantOK(t, r, http.StatusOK)
		var got controlView
		r.into(t, &got)
		if got.Version != mapped.Version || len(got.Requirements) != 1 || got.Requirements[0].FrameworkName != "As-of framework" {
			t.Fatalf("as of now: %s", r.Raw)
		}
	})
	// One request's events are one append, committed together: no instant shows the
	// control with the update's title but not its status, or with a failed test but
	// not the rating the test caused.
	t.Run("no change is seen half made", func(t *testing.T) {
		ends := map[int64]bool{1: true, 3: true, 5: true, 6: true} // the last version of each append
		for _, en := range h {
			r := asOf(t, en.RecordedAt)
			wantOK(t, r, http.StatusOK)
			var got controlView
			r.into(t, &got)
			if !ends[got.Version] {
				t.Errorf("as of %s (the %s event, version %d) the control stands at version %d, halfway through one append: %s",
					en.RecordedAt.Format(time.RFC3339Nano), en.Type, en.Version, got.Version, r.Raw)
			}
		}
	})
	t.Run("before creation", func(t *testing.T) {
		wantErr(t, asOf(t, beforeCreate), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, asOf(t, c.CreatedAt.Add(-time.Microsecond)), http.StatusNotFound, "NOT_FOUND")
	})
	t.Run("bad as_of", func(t *testing.T) {
		for _, v := range []string{"yesterday", "2026-01-01", "2026-01-01T00:00:00", "1700000000"} {
			wantErr(t, e.at(t).do("GET", controlPath(c.ID)+"?as_of="+url.QueryEscape(v), nil), http.StatusBadRequest, "VALIDATION_ERROR", "as_of")
		}
	})
}

// TestControlDetail: the detail's risks are the live risks mapping the control, and
// stay listed when the control is archived.
func TestControlDetail(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	c := e.newControl("DT-1", map[string]any{"status": "Active"})
	high := e.create(map[string]any{"title": "High risk", "likelihood": 3, "impact": 4})
	low := e.create(map[string]any{"title": "Low risk", "likelihood": 1, "impact": 2, "status": "Assessed"})
	gone := e.create(map[string]any{"title": "Gone risk"})
	for _, r := range []riskView{high, low, gone} {
		wantOK(t, e.do("POST", riskPath(r.ID)+"/controls", map[string]any{"control_id": c.ID}), http.StatusOK)
	}
	wantOK(t, e.do("DELETE", riskPath(gone.ID), nil), http.StatusOK)

	want := []controlRiskView{{high.ID, "High risk", "Identified", "High", 12}, {low.ID, "Low risk", "Assessed", "Low", 2}}
	got := e.getControl(c.ID)
	if !reflect.DeepEqual(got.Risks, want) || !slices.Equal(got.RiskIDs, []int64{high.ID, low.ID}) {
		t.Fatalf("risks %+v (ids %v), want %+v", got.Risks, got.RiskIDs, want)
	}
	items, _ := e.listControls("")
	if len(items) != 1 || !slices.Equal(items[0].RiskIDs, []int64{high.ID, low.ID}) {
		t.Fatalf("list risk_ids: %+v", items)
	}
	// A write's reply tells the same.
	archived := e.setControl(c.ID, map[string]any{"status": "Archived"})
	if !reflect.DeepEqual(archived.Risks, want) || !slices.Equal(archived.RiskIDs, []int64{high.ID, low.ID}) {
		t.Fatalf("archive reply risks %+v", archived.Risks)
	}
	if got := e.getControl(c.ID); !reflect.DeepEqual(got.Risks, want) || got.Status != "Archived" {
		t.Fatalf("archived control's risks %+v", got.Risks)
	}
	// A risk change shows in the control's detail.
	wantOK(t, e.do("PUT", riskPath(low.ID), map[string]any{"likelihood": 5, "impact": 5}), http.StatusOK)
	if got := e.getControl(c.ID); got.Risks[1].Rating != "Critical" || got.Risks[1].InherentScore != 25 {
		t.Fatalf("after the risk changed: %+v", got.Risks)
	}
}

// TestControlLibraryTenancy runs two organizations on one database: every control
// and framework route with the other organization's ids is a plain 404 that tells
// nothing, the same as for an id never used, and changes nothing.
func TestControlLibraryTenancy(t *testing.T) {
	t.Parallel()
	one := newLiveEnv(t)
	two := newEnvOn(t, one.DB, api.Principal{OrgID: 2, Name: "Other Org"})
	two.waitLive()

	fw := one.newFramework("Secret framework", "classified", "SECRET-R1")
	req := fw.Requirements[0]
	secret := one.newControl("SECRET-1", map[string]any{"title": "Classified control", "description": "classified",
		"status": "Active", "framework_id": fw.ID, "owner_id": one.status().User.ID})
	one.recordTest(secret.ID, "Pass", time.Time{})
	secret = one.controlWrite("POST", controlPath(secret.ID)+"/requirements", http.StatusOK, map[string]any{"requirement_id": req.ID})
	version := secret.Version

	mineFW := two.newFramework("Mine", "1", "MINE-R1")
	mine := two.newControl("SECRET-1", map[string]any{"title": "Org two control"}) // codes are per organization

	type request struct {
		method, path string
		body         any
		headers      []string
	}
	// requests are every route on a control or framework id, as org 2 might try them
	// with its own requirement and org 1's, or with ids never used.
	requests := func(prefix string, controlID, frameworkID, requirementID int64) []request {
		c := prefix + "/controls/" + strconv.FormatInt(controlID, 10)
		f := prefix + "/frameworks/" + strconv.FormatInt(frameworkID, 10)
		id := strconv.FormatInt(controlID, 10)
		return []request{
			{"GET", c, nil, nil},
			{"GET", prefix + "/controls?action=get&id=" + id, nil, nil},
			{"GET", c + "?as_of=" + url.QueryEscape(secret.UpdatedAt.Format(time.RFC3339Nano)), nil, nil},
			{"GET", c + "?as_of=2999-01-01T00:00:00Z", nil, nil},
			{"GET", c + "/history", nil, nil},
			{"PUT", c, map[string]any{"title": "Taken over"}, nil},
			// The right version must not turn the 404 into a 409 or a 200.
			{"PUT", c, map[string]any{"title": "Taken over"}, []string{"If-Match", etag(version)}},
			{"PUT", c, map[string]any{"status": "Archived"}, []string{"If-Match", etag(1)}},
			{"PUT", c + "/effectiveness", map[string]any{"effectiveness": "Ineffective", "notes": "mine now"}, nil},
			{"PUT", c + "/effectiveness", map[string]any{"effectiveness": "Ineffective", "notes": "mine now"}, []string{"If-Match", etag(version)}},
			{"POST", c + "/tests", map[string]any{"result": "Fail"}, nil},
			{"POST", c + "/requirements", map[string]any{"requirement_id": mineFW.Requirements[0].ID}, nil},
			{"DELETE", c + "/requirements/" + strconv.FormatInt(requirementID, 10), nil, nil},
			{"GET", f, nil, nil},
			{"GET", f + "/coverage", nil, nil},
			{"GET", f + "/history", nil, nil},
			{"POST", f + "/requirements", map[string]any{"code": "MINE-2", "title": "Mine now"}, nil},
		}
	}
	for _, prefix := range []string{"/api", "/api/v1"} {
		foreign, absent := requests(prefix, secret.ID, fw.ID, req.ID), requests(prefix, 999999, 999999, 999999)
		for i, c := range foreign {
			t.Run(c.method+" "+c.path+" "+strings.Join(c.headers, ":"), func(t *testing.T) {
				two := two.at(t)
				r := two.do(c.method, c.path, c.body, c.headers...)
				wantErr(t, r, http.StatusNotFound, "NOT_FOUND")
				if s := strings.ToLower(string(r.Raw)); strings.Contains(s, "secret") || strings.Contains(s, "classified") {
					t.Fatalf("reply tells about the other organization's records: %s", r.Raw)
				}
				a := absent[i]
				n := two.do(a.method, a.path, a.body, a.headers...)
				wantErr(t, n, http.StatusNotFound, "NOT_FOUND")
				ids := strings.NewReplacer(strconv.FormatInt(secret.ID, 10), "N", strconv.FormatInt(fw.ID, 10), "N",
					strconv.FormatInt(req.ID, 10), "N", "999999", "N")
				if ids.Replace(r.Error.Message) != ids.Replace(n.Error.Message) || len(r.Error.Fields) != len(n.Error.Fields) {
					t.Fatalf("foreign id: %q %v; unused id: %q %v", r.Error.Message, r.Error.Fields, n.Error.Message, n.Error.Fields)
				}
			})
		}
	}

	t.Run("other organization's ids in bodies", func(t *testing.T) {
		two := two.at(t)
		// Mapping org 1's requirement onto org 2's own control: a field error, no data.
		r := two.do("POST", controlPath(mine.ID)+"/requirements", map[string]any{"requirement_id": req.ID})
		wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "requirement_id")
		n := two.do("POST", controlPath(mine.ID)+"/requirements", map[string]any{"requirement_id": 999999})
		wantErr(t, n, http.StatusBadRequest, "VALIDATION_ERROR", "requirement_id")
		if r.Error.Message != n.Error.Message || strings.Contains(strings.ToLower(string(r.Raw)), "secret") {
			t.Fatalf("foreign requirement %s, unused %s", r.Raw, n.Raw)
		}
		for _, body := range []map[string]any{
			{"code": "X-1", "title": "x", "type": "preventive", "frequency": "daily", "framework_id": fw.ID},
		} {
			wantErr(t, two.do("POST", "/api/controls", body), http.StatusBadRequest, "VALIDATION_ERROR", "framework_id")
		}
		wantErr(t, two.do("PUT", controlPath(mine.ID), map[string]any{"framework_id": fw.ID}), http.StatusBadRequest, "VALIDATION_ERROR", "framework_id")
		// Org 1's risk and control never meet org 2's.
		risk := two.create(map[string]any{"title": "Org two risk"})
		r = two.do("POST", riskPath(risk.ID)+"/controls", map[string]any{"control_id": secret.ID})
		wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "control_id")
		if s := strings.ToLower(string(r.Raw)); strings.Contains(s, "secret") || strings.Contains(s, "classified") {
			t.Fatalf("risk mapping tells about the other organization's control: %s", r.Raw)
		}
	})

	t.Run("lists", func(t *testing.T) {
		two := two.at(t)
		for _, q := range []string{"", "?q=secret", "?status=Active", "?effectiveness=Effective", fmt.Sprintf("?owner_id=%d", *secret.OwnerID),
			"?framework_id=" + strconv.FormatInt(fw.ID, 10), "?sort=-updated_at", "?limit=500&sort=code"} {
			items, r := two.listControls(q)
			if ids := controlIDs(items); slices.Contains(ids, secret.ID) || r.Meta.Total > 1 {
				t.Fatalf("org 2 controls%s: %s", q, r.Raw)
			}
		}
		r := two.read("/api/frameworks?limit=500")
		wantOK(t, r, http.StatusOK)
		var fws []frameworkView
		r.into(t, &fws)
		if len(fws) != 1 || fws[0].ID != mineFW.ID || r.Meta.Total != 1 {
			t.Fatalf("org 2 frameworks: %s", r.Raw)
		}
		r = two.read("/api/frameworks?q=secret")
		wantOK(t, r, http.StatusOK)
		if r.Meta.Total != 0 {
			t.Fatalf("org 2 frameworks q=secret: %s", r.Raw)
		}
		// Org 2's dashboard counts none of org 1's controls.
		r = two.read("/api/dashboard")
		wantOK(t, r, http.StatusOK)
		var counts struct {
			Active int64 `json:"controls_active"`
		}
		r.into(t, &counts)
		if counts.Active != 0 {
			t.Fatalf("org 2 dashboard: %s", r.Raw)
		}
	})

	t.Run("nothing changed", func(t *testing.T) {
		one := one.at(t)
		got := one.getControl(secret.ID)
		if got.Version != version || got.Title != "Classified control" || got.Status != "Active" ||
			got.Effectiveness != "Effective" || len(got.Tests) != 1 || !slices.Equal(got.RequirementIDs, []int64{req.ID}) {
			t.Fatalf("org 1's control after org 2's attempts: %+v", got)
		}
		for _, en := range one.controlHistory(secret.ID) {
			if en.Actor.ID != one.userID(one.Email) {
				t.Fatalf("org 1's control history has an entry by %+v", en.Actor)
			}
		}
		if f := one.getFramework(fw.ID); len(f.Requirements) != 1 || f.RequirementCount != 1 {
			t.Fatalf("org 1's framework after org 2's attempts: %+v", f)
		}
		// Org 2's own control with the same code is its own.
		if got := two.at(t).getControl(mine.ID); got.Code != "SECRET-1" || got.Title != "Org two control" {
			t.Fatalf("org 2's control: %+v", got)
		}
	})
}

// TestControlErrorReplies sends bad requests to every control library route: each
// gets the contract's status, code and fields, never a 500, and changes nothing.
func TestControlErrorReplies(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	fw := e.newFramework("Errors framework", "1", "ER-1")
	c := e.newControl("ERR-1", nil)
	e.setControl(c.ID, map[string]any{"status": "Active"}) // version 2
	path := controlPath(c.ID)
	fwPath := "/api/frameworks/" + strconv.FormatInt(fw.ID, 10)
	valid := map[string]any{"code": "NEW-1", "title": "T", "type": "preventive", "frequency": "daily"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range valid {
			m[k] = v
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cursorFor := func(c string) string { return base64.RawURLEncoding.EncodeToString([]byte(c)) }

	type tc struct {
		name         string
		method, path string
		body         any
		headers      []string
		status       int
		code         string
		fields       []string
	}
	bad := func(name, method, path string, body any, fields ...string) tc {
		return tc{name: name, method: method, path: path, body: body, status: 400, code: "VALIDATION_ERROR", fields: fields}
	}
	notFound := func(name, method, path string, body any) tc {
		return tc{name: name, method: method, path: path, body: body, status: 404, code: "NOT_FOUND"}
	}
	cases := []tc{
		// Bodies of a control create.
		bad("malformed JSON", "POST", "/api/controls", `{"code": "x",`),
		bad("not JSON", "POST", "/api/controls", `code=x`),
		bad("trailing data", "POST", "/api/controls", `{"code":"x"} {}`),
		bad("empty body", "POST", "/api/controls", ``),
		bad("null body", "POST", "/api/controls", `null`, "code", "title", "type", "frequency"),
		bad("array body", "POST", "/api/controls", `[]`),
		bad("empty object", "POST", "/api/controls", `{}`, "code", "title", "type", "frequency"),
		bad("unknown field", "POST", "/api/controls", with("colour", "red"), "colour"),
		bad("read-only field", "POST", "/api/controls", with("effectiveness", "Effective"), "effectiveness"),
		bad("wrong type code", "POST", "/api/controls", with("code", 5), "code"),
		bad("wrong type framework", "POST", "/api/controls", with("framework_id", "x"), "framework_id"),
		bad("wrong type owner", "POST", "/api/controls", with("owner_id", "me"), "owner_id"),
		bad("wrong type status", "POST", "/api/controls", with("status", 1), "status"),
		bad("fractional owner", "POST", "/api/controls", with("owner_id", 1.5), "owner_id"),
		bad("blank code", "POST", "/api/controls", with("code", "  "), "code"),
		bad("long code", "POST", "/api/controls", with("code", strings.Repeat("c", 51)), "code"),
		bad("long title", "POST", "/api/controls", with("title", strings.Repeat("t", 301)), "title"),
		bad("long description", "POST", "/api/controls", with("description", strings.Repeat("d", 10001)), "description"),
		bad("NUL title", "POST", "/api/controls", `{"code":"N","title":"a\u0000b","type":"preventive","frequency":"daily"}`, "title"),
		bad("unknown type", "POST", "/api/controls", with("type", "manual"), "type"),
		bad("capitalised type", "POST", "/api/controls", with("type", "Preventive"), "type"),
		bad("unknown frequency", "POST", "/api/controls", with("frequency", "hourly"), "frequency"),
		bad("unknown status", "POST", "/api/controls", with("status", "Live"), "status"),
		bad("lowercase status", "POST", "/api/controls", with("status", "active"), "status"),
		bad("framework 0", "POST", "/api/controls", with("framework_id", 0), "framework_id"),
		bad("framework -1", "POST", "/api/controls", with("framework_id", -1), "framework_id"),
		bad("framework unknown", "POST", "/api/controls", with("framework_id", 999999), "framework_id"),
		bad("owner 0", "POST", "/api/controls", with("owner_id", 0), "owner_id"),
		bad("duplicate code", "POST", "/api/controls", with("code", "err-1"), "code"),

		// Bodies of an update.
		bad("update malformed", "PUT", path, `{"title":`),
		bad("update empty body", "PUT", path, ``),
		bad("update array", "PUT", path, `[1]`),
		bad("update null", "PUT", path, `null`),
		bad("update string", "PUT", path, `"x"`),
		bad("update unknown field", "PUT", path, map[string]any{"colour": "red"}, "colour"),
		bad("update wrong type", "PUT", path, map[string]any{"owner_id": "5"}, "owner_id"),
		bad("update null code", "PUT", path, `{"code":null}`, "code"),
		bad("update bad status", "PUT", path, map[string]any{"status": "Done"}, "status"),
		bad("update null status", "PUT", path, `{"status":null}`, "status"),
		bad("update bad frequency", "PUT", path, map[string]any{"frequency": "never"}, "frequency"),
		bad("update framework unknown", "PUT", path, map[string]any{"framework_id": 999999}, "framework_id"),
		bad("update framework 0", "PUT", path, map[string]any{"framework_id": 0}, "framework_id"),
		bad("update framework text", "PUT", path, map[string]any{"framework_id": "one"}, "framework_id"),

		// Effectiveness, tests and mappings.
		bad("effectiveness malformed", "PUT", path+"/effectiveness", `{`),
		bad("effectiveness empty", "PUT", path+"/effectiveness", ``),
		bad("effectiveness missing", "PUT", path+"/effectiveness", map[string]any{}, "effectiveness", "notes"),
		bad("effectiveness bad", "PUT", path+"/effectiveness", map[string]any{"effectiveness": "Good", "notes": "x"}, "effectiveness"),
		bad("effectiveness array", "PUT", path+"/effectiveness", map[string]any{"effectiveness": []string{"Effective"}, "notes": "x"}, "effectiveness"),
		bad("test malformed", "POST", path+"/tests", `{`),
		bad("test empty", "POST", path+"/tests", ``),
		bad("test no result", "POST", path+"/tests", map[string]any{}, "result"),
		bad("test bad tested_at", "POST", path+"/tests", map[string]any{"result": "Pass", "tested_at": "31/12/2025"}, "tested_at"),
		bad("test future", "POST", path+"/tests", map[string]any{"result": "Pass", "tested_at": "2999-01-01T00:00:00Z"}, "tested_at"),
		bad("test wrong type result", "POST", path+"/tests", map[string]any{"result": true}, "result"),
		bad("map malformed", "POST", path+"/requirements", `{`),
		bad("map empty", "POST", path+"/requirements", ``),
		bad("map missing", "POST", path+"/requirements", map[string]any{}, "requirement_id"),
		bad("map unknown", "POST", path+"/requirements", map[string]any{"requirement_id": 999999}, "requirement_id"),
		bad("map text", "POST", path+"/requirements", map[string]any{"requirement_id": "1"}, "requirement_id"),

		// Control lists.
		bad("status filter", "GET", "/api/controls?status=Bogus", nil, "status"),
		bad("lowercase status filter", "GET", "/api/controls?status=active", nil, "status"),
		bad("effectiveness filter", "GET", "/api/controls?effectiveness=Great", nil, "effectiveness"),
		bad("type filter", "GET", "/api/controls?type=manual", nil, "type"),
		bad("sort title", "GET", "/api/controls?sort=title", nil, "sort"),
		bad("sort score", "GET", "/api/controls?sort=score", nil, "sort"),
		bad("framework abc", "GET", "/api/controls?framework_id=abc", nil, "framework_id"),
		bad("framework -1", "GET", "/api/controls?framework_id=-1", nil, "framework_id"),
		bad("owner abc", "GET", "/api/controls?owner_id=abc", nil, "owner_id"),
		bad("owner -1", "GET", "/api/controls?owner_id=-1", nil, "owner_id"),
		bad("limit 0", "GET", "/api/controls?limit=0", nil, "limit"),
		bad("limit 501", "GET", "/api/controls?limit=501", nil, "limit"),
		bad("limit abc", "GET", "/api/controls?limit=abc", nil, "limit"),
		bad("limit huge", "GET", "/api/controls?limit=99999999999999999999", nil, "limit"),
		bad("q too long", "GET", "/api/controls?q="+strings.Repeat("q", 201), nil, "q"),
		bad("q NUL", "GET", "/api/controls?q=a%00b", nil, "q"),
		bad("action delete", "GET", "/api/controls?action=delete", nil, "action"),
		bad("action get without id", "GET", "/api/controls?action=get", nil, "id"),
		bad("action get id abc", "GET", "/api/controls?action=get&id=abc", nil, "id"),
		bad("cursor garbage", "GET", "/api/controls?cursor=%21%21%21", nil),
		bad("cursor not JSON", "GET", "/api/controls?cursor="+cursorFor("hello"), nil),
		bad("cursor of another sort", "GET", "/api/controls?sort=code&cursor="+cursorFor(`{"s":"","i":1}`), nil),
		bad("cursor bad code key", "GET", "/api/controls?sort=code&cursor="+cursorFor(`{"s":"code","k":5,"i":1}`), nil),
		bad("cursor bad time key", "GET", "/api/controls?sort=-updated_at&cursor="+cursorFor(`{"s":"-updated_at","k":"x","i":1}`), nil),
		bad("as_of word", "GET", path+"?as_of=yesterday", nil, "as_of"),
		bad("as_of date only", "GET", path+"?as_of=2026-01-01", nil, "as_of"),

		// Frameworks.
		bad("framework malformed", "POST", "/api/frameworks", `{"name":`),
		bad("framework empty", "POST", "/api/frameworks", ``),
		bad("framework array", "POST", "/api/frameworks", `[]`),
		bad("framework no name", "POST", "/api/frameworks", map[string]any{"version": "1"}, "name"),
		bad("framework blank name", "POST", "/api/frameworks", map[string]any{"name": "  "}, "name"),
		bad("framework long name", "POST", "/api/frameworks", map[string]any{"name": strings.Repeat("n", 201)}, "name"),
		bad("framework long version", "POST", "/api/frameworks", map[string]any{"name": "n", "version": strings.Repeat("v", 51)}, "version"),
		bad("framework long description", "POST", "/api/frameworks", map[string]any{"name": "n", "description": strings.Repeat("d", 5001)}, "description"),
		bad("framework NUL name", "POST", "/api/frameworks", `{"name":"a\u0000b"}`, "name"),
		bad("framework wrong type", "POST", "/api/frameworks", map[string]any{"name": 5}, "name"),
		bad("framework unknown field", "POST", "/api/frameworks", map[string]any{"name": "n", "requirements": []int{}}, "requirements"),
		bad("framework duplicate", "POST", "/api/frameworks", map[string]any{"name": "ERRORS FRAMEWORK", "version": "1"}, "name"),
		bad("frameworks limit 0", "GET", "/api/frameworks?limit=0", nil, "limit"),
		bad("frameworks limit 501", "GET", "/api/frameworks?limit=501", nil, "limit"),
		bad("frameworks limit abc", "GET", "/api/frameworks?limit=abc", nil, "limit"),
		bad("frameworks q too long", "GET", "/api/frameworks?q="+strings.Repeat("q", 201), nil, "q"),
		bad("frameworks q NUL", "GET", "/api/frameworks?q=a%00b", nil, "q"),
		bad("frameworks cursor garbage", "GET", "/api/frameworks?cursor=%21%21%21", nil),
		bad("requirement malformed", "POST", fwPath+"/requirements", `{"code":`),
		bad("requirement empty", "POST", fwPath+"/requirements", ``),
		bad("requirement missing", "POST", fwPath+"/requirements", map[string]any{}, "code", "title"),
		bad("requirement long code", "POST", fwPath+"/requirements", map[string]any{"code": strings.Repeat("c", 51), "title": "t"}, "code"),
		bad("requirement long title", "POST", fwPath+"/requirements", map[string]any{"code": "c", "title": strings.Repeat("t", 301)}, "title"),
		bad("requirement wrong type", "POST", fwPath+"/requirements", map[string]any{"code": 1, "title": "t"}, "code"),
		bad("requirement unknown field", "POST", fwPath+"/requirements", map[string]any{"code": "c", "title": "t", "id": 1}, "id"),
		bad("requirement duplicate", "POST", fwPath+"/requirements", map[string]any{"code": "er-1", "title": "t"}, "code"),
		bad("requirement NUL", "POST", fwPath+"/requirements", `{"code":"c","title":"a\u0000b"}`, "title"),
		{name: "import text/plain", method: "POST", path: "/api/frameworks/import", body: "name,version", headers: []string{"Content-Type", "text/plain"}, status: 400, code: "VALIDATION_ERROR"},
		{name: "import xml", method: "POST", path: "/api/frameworks/import", body: "<framework/>", headers: []string{"Content-Type", "application/xml"}, status: 400, code: "VALIDATION_ERROR"},
		{name: "import form", method: "POST", path: "/api/frameworks/import", body: "a=b", headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 400, code: "VALIDATION_ERROR"},
		{name: "import without type", method: "POST", path: "/api/frameworks/import", body: "a", headers: []string{"Content-Type", ""}, status: 400, code: "VALIDATION_ERROR"},
		{name: "import empty JSON", method: "POST", path: "/api/frameworks/import", body: "", status: 400, code: "VALIDATION_ERROR"},
		{name: "import blank CSV", method: "POST", path: "/api/frameworks/import", body: "\n\n", headers: []string{"Content-Type", "text/csv"}, status: 400, code: "VALIDATION_ERROR"},
		bad("import malformed JSON", "POST", "/api/frameworks/import", `{"name": "x", "requirements": [`),
		bad("import JSON list", "POST", "/api/frameworks/import", `[{"code":"x"}]`),
		bad("import no requirements", "POST", "/api/frameworks/import", `{"name":"Empty","requirements":[]}`, "requirements"),
		bad("import wrong type name", "POST", "/api/frameworks/import", `{"name":5,"requirements":[{"code":"a","title":"b"}]}`, "name"),
		{name: "import CSV bad header", method: "POST", path: "/api/frameworks/import", body: "framework,colour\nx,red\n", headers: []string{"Content-Type", "text/csv"}, status: 400, code: "VALIDATION_ERROR", fields: []string{"header"}},
		{name: "import CSV unclosed quote", method: "POST", path: "/api/frameworks/import", body: "framework,version,code,title\nx,1,\"a,b\n", headers: []string{"Content-Type", "text/csv"}, status: 400, code: "VALIDATION_ERROR"},
		{name: "import duplicate framework", method: "POST", path: "/api/frameworks/import", body: `{"name":"errors framework","version":"1","requirements":[{"code":"a","title":"b"}]}`, status: 400, code: "VALIDATION_ERROR", fields: []string{"name"}},

		// If-Match.
		{name: "If-Match abc", method: "PUT", path: path, body: map[string]any{"title": "x"}, headers: []string{"If-Match", "abc"}, status: 400, code: "VALIDATION_ERROR"},
		{name: "If-Match 0 on effectiveness", method: "PUT", path: path + "/effectiveness", body: map[string]any{"effectiveness": "Effective", "notes": "x"}, headers: []string{"If-Match", `"0"`}, status: 400, code: "VALIDATION_ERROR"},
		{name: "If-Match garbage on test", method: "POST", path: path + "/tests", body: map[string]any{"result": "Pass"}, headers: []string{"If-Match", `W/"x"`}, status: 400, code: "VALIDATION_ERROR"},
		{name: "If-Match on mapping", method: "POST", path: path + "/requirements", body: map[string]any{"requirement_id": fw.Requirements[0].ID}, headers: []string{"If-Match", "two"}, status: 400, code: "VALIDATION_ERROR"},
		{name: "If-Match on unmapping", method: "DELETE", path: path + "/requirements/" + strconv.FormatInt(fw.Requirements[0].ID, 10), headers: []string{"If-Match", "-2"}, status: 400, code: "VALIDATION_ERROR"},
		{name: "stale update", method: "PUT", path: path, body: map[string]any{"title": "x"}, headers: []string{"If-Match", etag(1)}, status: 409, code: "CONFLICT"},
		{name: "stale future update", method: "PUT", path: path, body: map[string]any{"title": "x"}, headers: []string{"If-Match", etag(99)}, status: 409, code: "CONFLICT"},
		{name: "stale effectiveness", method: "PUT", path: path + "/effectiveness", body: map[string]any{"effectiveness": "Effective", "notes": "x"}, headers: []string{"If-Match", etag(1)}, status: 409, code: "CONFLICT"},
		{name: "stale test", method: "POST", path: path + "/tests", body: map[string]any{"result": "Pass"}, headers: []string{"If-Match", etag(1)}, status: 409, code: "CONFLICT"},
		{name: "stale mapping", method: "POST", path: path + "/requirements", body: map[string]any{"requirement_id": fw.Requirements[0].ID}, headers: []string{"If-Match", etag(1)}, status: 409, code: "CONFLICT"},

		// Not found.
		notFound("missing control", "GET", "/api/controls/999999", nil),
		notFound("missing control action get", "GET", "/api/controls?action=get&id=999999", nil),
		notFound("missing control as_of", "GET", "/api/controls/999999?as_of=2030-01-01T00:00:00Z", nil),
		notFound("missing control history", "GET", "/api/controls/999999/history", nil),
		notFound("missing control update", "PUT", "/api/controls/999999", map[string]any{"title": "x"}),
		notFound("missing control effectiveness", "PUT", "/api/controls/999999/effectiveness", map[string]any{"effectiveness": "Effective", "notes": "x"}),
		notFound("missing control test", "POST", "/api/controls/999999/tests", map[string]any{"result": "Pass"}),
		notFound("missing control mapping", "POST", "/api/controls/999999/requirements", map[string]any{"requirement_id": fw.Requirements[0].ID}),
		notFound("missing control unmapping", "DELETE", "/api/controls/999999/requirements/1", nil),
		notFound("unmapped requirement", "DELETE", path+"/requirements/999999", nil),
		notFound("largest control id", "GET", "/api/controls/9223372036854775807", nil),
		notFound("missing framework", "GET", "/api/frameworks/999999", nil),
		notFound("missing framework coverage", "GET", "/api/frameworks/999999/coverage", nil),
		notFound("missing framework history", "GET", "/api/frameworks/999999/history", nil),
		notFound("missing framework requirement", "POST", "/api/frameworks/999999/requirements", map[string]any{"code": "c", "title": "t"}),
		notFound("largest framework id", "GET", "/api/frameworks/9223372036854775807", nil),
		notFound("unknown control sub-route", "GET", path+"/nothing", nil),
		notFound("unsupported method on control", "PATCH", path, map[string]any{"title": "x"}),
		notFound("delete a control", "DELETE", path, nil),
		notFound("delete a framework", "DELETE", fwPath, nil),
		notFound("put a framework", "PUT", fwPath, map[string]any{"name": "x"}),
	}
	// A bad id in the path, on every route that takes one.
	for _, badID := range []string{"abc", "0", "-1", "1.5", "99999999999999999999"} {
		p, f := "/api/controls/"+badID, "/api/frameworks/"+badID
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", p, nil},
			{"GET", p + "?as_of=2030-01-01T00:00:00Z", nil},
			{"PUT", p, map[string]any{"title": "x"}},
			{"PUT", p + "/effectiveness", map[string]any{"effectiveness": "Effective", "notes": "x"}},
			{"POST", p + "/tests", map[string]any{"result": "Pass"}},
			{"POST", p + "/requirements", map[string]any{"requirement_id": 1}},
			{"DELETE", p + "/requirements/1", nil},
			{"GET", p + "/history", nil},
			{"GET", f, nil},
			{"GET", f + "/coverage", nil},
			{"GET", f + "/history", nil},
			{"POST", f + "/requirements", map[string]any{"code": "c", "title": "t"}},
		} {
			cases = append(cases, bad("id "+badID+" "+c.method+" "+c.path, c.method, c.path, c.body, "id"))
		}
		cases = append(cases,
			bad("action get id "+badID, "GET", "/api/controls?action=get&id="+badID, nil, "id"),
			bad("requirement id "+badID, "DELETE", path+"/requirements/"+badID, nil, "requirement_id"))
	}

	before, _ := e.listControls("?limit=500")
	fwsBefore := e.read("/api/frameworks")
	wantOK(t, fwsBefore, http.StatusOK)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.at(t).do(c.method, c.path, c.body, c.headers...)
			wantErr(t, r, c.status, c.code, c.fields...)
		})
	}

	// None of that changed anything.
	if got := e.getControl(c.ID); got.Version != 2 || got.Title != "Control ERR-1" || got.Status != "Active" ||
		len(got.Tests) != 0 || len(got.RequirementIDs) != 0 {
		t.Fatalf("control changed by refused requests: %+v", got)
	}
	if after, r := e.listControls("?limit=500"); len(after) != len(before) {
		t.Fatalf("refused requests created controls: %s", r.Raw)
	}
	if f := e.getFramework(fw.ID); len(f.Requirements) != 1 {
		t.Fatalf("refused requests added requirements: %+v", f.Requirements)
	}
	if r := e.read("/api/frameworks"); r.Meta.Total != fwsBefore.Meta.Total {
		t.Fatalf("refused requests created frameworks: %s", r.Raw)
	}
}

// TestRiskDetailWaitsForControls: a risk's detail describes its controls from the
// control library's read model, so a read fresh for the session's writes must have
// that read model caught up too, or say it is stale. A second server that runs every
// projection but the control library's shows the difference without racing.
func TestRiskDetailWaitsForControls(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	full, startFull, stopFull := newStoppedEnv(t, db)
	startFull()
	full.loginAs(api.Principal{OrgID: 1, Name: "Test User"})
	full.waitLive()
	c := full.newControl("RD-1", map[string]any{"status": "Active"})
	risk := full.create(map[string]any{"title": "Mitigated"})
	wantOK(t, full.do("POST", riskPath(risk.ID)+"/controls", map[string]any{"control_id": c.ID}), http.StatusOK)
	if got := full.getControl(c.ID); !slices.Equal(got.RiskIDs, []int64{risk.ID}) {
		t.Fatalf("control before the test: %+v", got)
	}
	stopFull()

	held := newEnvWithout(t, db, "controls")
	held.Client, held.Email = full.Client, full.Email // sessions live in the database
	r := held.do("PUT", controlPath(c.ID), map[string]any{"status": "Archived"})
	wantOK(t, r, http.StatusOK)
	// The risks projection, which this server runs, passes the write: a read that
	// waits only for it is then served as fresh.
	pos, err := tokenPosition(context.Background(), held.App.Store, r.Header.Get("X-Event-Position"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if !held.tracker.Wait(ctx, []string{"risks"}, pos) {
		t.Fatal("the risks projection did not reach the write in 30s")
	}

	for _, path := range []string{riskPath(risk.ID), "/api/risks?action=get&id=" + strconv.FormatInt(risk.ID, 10)} {
		r := held.do("GET", path, nil)
		wantOK(t, r, http.StatusOK)
		var got struct {
			Controls []controlRef `json:"controls"`
		}
		r.into(t, &got)
		if r.Header.Get("X-Read-Stale") == "" && (len(got.Controls) != 1 || got.Controls[0].Status != "Archived") {
			t.Errorf("GET %s is served as fresh but shows the archived control as %+v: the read does not wait for the controls projection",
				path, got.Controls)
		}
	}
}

// newEnvWithout is a Strata on db that runs every projection except the named one,
// with a short consistency wait; it has no session of its own.
func newEnvWithout(t *testing.T, db *testdb.DB, skip string) *env {
	t.Helper()
	a, err := app.New(db.Pool, app.Options{Hasher: cheapHasher})
	if err != nil {
		t.Fatal(err)
	}
	a.Projectors = slices.DeleteFunc(a.Projectors, func(p projections.Projector) bool { return p.Name() == skip })
	ctx, cancel := context.WithCancel(context.Background())
	runner, err := a.Runner(ctx, quiet, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	srv, err := a.Server(api.Config{Tracker: runner.Tracker, Logger: quiet, ConsistencyWait: 300 * time.Millisecond,
		RateLimit: api.RateLimit{Rate: 1e9, Burst: 1e9}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	done := make(chan struct{})
	go func() { defer close(done); _ = runner.Run(ctx) }()
	t.Cleanup(func() {
		hs.Close()
		cancel()
		_ = runner.Close()
		<-done
	})
	jar, _ := cookiejar.New(nil)
	return &env{t: t, App: a, DB: db, URL: hs.URL, Client: &http.Client{Jar: jar}, Server: srv, tracker: runner.Tracker}
}
