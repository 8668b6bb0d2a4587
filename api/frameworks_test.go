package api_test

import (
	"io/fs"
	"net/http"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/api/controls/examples"
)

// frameworkView is a framework as the API sends it; Requirements is nil in a list item.
type frameworkView struct {
	ID               int64             `json:"id"`
	Name             string            `json:"name"`
	Version          string            `json:"version"`
	Description      string            `json:"description"`
	Source           string            `json:"source"`
	RequirementCount int               `json:"requirement_count"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
	Requirements     []requirementView `json:"requirements"`
}

type requirementView struct {
	ID          int64  `json:"id"`
	FrameworkID int64  `json:"framework_id"`
	Code        string `json:"code"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

type coverageView struct {
	FrameworkID         int64   `json:"framework_id"`
	RequirementsTotal   int     `json:"requirements_total"`
	RequirementsCovered int     `json:"requirements_covered"`
	CoveragePercent     float64 `json:"coverage_percent"`
	Requirements        []struct {
		ID       int64        `json:"id"`
		Code     string       `json:"code"`
		Title    string       `json:"title"`
		Covered  bool         `json:"covered"`
		Controls []controlRef `json:"controls"`
	} `json:"requirements"`
}

func frameworkPath(id int64) string { return "/api/frameworks/" + strconv.FormatInt(id, 10) }

// newFramework creates a framework through the API with a requirement for each code
// (titled "Requirement CODE"), and returns it as the last write's reply tells it.
func (e *env) newFramework(name, version string, codes ...string) frameworkView {
	e.t.Helper()
	r := e.do("POST", "/api/frameworks", map[string]any{"name": name, "version": version, "description": name + " described"})
	wantOK(e.t, r, http.StatusCreated)
	var out frameworkView
	r.into(e.t, &out)
	for _, code := range codes {
		out = e.addRequirement(out.ID, code, "Requirement "+code)
	}
	// Requirements come back ordered by code; hand them back in the order asked for.
	slices.SortStableFunc(out.Requirements, func(a, b requirementView) int {
		return slices.Index(codes, a.Code) - slices.Index(codes, b.Code)
	})
	return out
}

func (e *env) addRequirement(frameworkID int64, code, title string) frameworkView {
	e.t.Helper()
	r := e.do("POST", frameworkPath(frameworkID)+"/requirements", map[string]any{"code": code, "title": title, "description": "About " + code})
	wantOK(e.t, r, http.StatusCreated)
	var out frameworkView
	r.into(e.t, &out)
	return out
}

func (e *env) getFramework(id int64) frameworkView {
	e.t.Helper()
	r := e.read(frameworkPath(id))
	wantOK(e.t, r, http.StatusOK)
	var out frameworkView
	r.into(e.t, &out)
	return out
}

func (e *env) listFrameworks(query string) ([]frameworkView, *reply) {
	e.t.Helper()
	r := e.read("/api/frameworks" + query)
	wantOK(e.t, r, http.StatusOK)
	if r.Meta == nil {
		e.t.Fatalf("list without meta: %s", r.Raw)
	}
	var out []frameworkView
	r.into(e.t, &out)
	return out, r
}

func (e *env) coverage(id int64) coverageView {
	e.t.Helper()
	r := e.read(frameworkPath(id) + "/coverage")
	wantOK(e.t, r, http.StatusOK)
	var out coverageView
	r.into(e.t, &out)
	return out
}

// importFramework posts a framework file with the given Content-Type.
func (e *env) importFramework(file, contentType string) *reply {
	e.t.Helper()
	return e.do("POST", "/api/frameworks/import", file, "Content-Type", contentType)
}

func frameworkIDs(fs []frameworkView) []int64 {
	out := make([]int64, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func requirementCodes(rs []requirementView) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

func TestFrameworkCreate(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)

	r := e.do("POST", "/api/frameworks", map[string]any{"name": " ISO 27001 ", "version": " 2022 ", "description": " Information security "})
	wantOK(t, r, http.StatusCreated)
	_, version := decodeWriteToken(t, r.Header.Get("X-Event-Position"))
	var got frameworkView
	r.into(t, &got)
	if got.ID <= 0 || r.Header.Get("Location") != frameworkPath(got.ID) || version != 1 {
		t.Fatalf("id %d, Location %q, written version %d", got.ID, r.Header.Get("Location"), version)
	}
	if got.Name != "ISO 27001" || got.Version != "2022" || got.Description != "Information security" || got.Source != "api" ||
		got.RequirementCount != 0 || got.Requirements == nil || len(got.Requirements) != 0 || got.CreatedAt.IsZero() {
		t.Fatalf("created framework: %s", r.Raw)
	}
	if back := e.getFramework(got.ID); mustJSON(t, back) != mustJSON(t, got) {
		t.Fatalf("GET differs from POST reply:\n%s\n%s", mustJSON(t, back), mustJSON(t, got))
	}

	t.Run("name and version are unique together", func(t *testing.T) {
		e := e.at(t)
		for _, v := range []map[string]any{
			{"name": "ISO 27001", "version": "2022"},
			{"name": "iso 27001", "version": "2022"},
			{"name": " ISO 27001", "version": "2022 "},
		} {
			r := e.do("POST", "/api/frameworks", v)
			wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "name")
			if !strings.Contains(r.Error.Fields["name"], strconv.FormatInt(got.ID, 10)) {
				t.Errorf("duplicate %v: %q does not name the framework", v, r.Error.Fields["name"])
			}
		}
		// Another version of the same framework is another framework; so is no version.
		other := e.newFramework("ISO 27001", "2013")
		bare := e.newFramework("ISO 27001", "")
		if other.ID == got.ID || bare.ID == other.ID || bare.Version != "" {
			t.Fatalf("other versions: %+v %+v", other, bare)
		}
		wantErr(t, e.do("POST", "/api/frameworks", map[string]any{"name": "iso 27001"}), http.StatusBadRequest, "VALIDATION_ERROR", "name")
		if items, _ := e.listFrameworks(""); len(items) != 3 {
			t.Fatalf("frameworks: %v", frameworkIDs(items))
		}
	})
}

func TestFrameworkList(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	iso := e.newFramework("ISO 27001", "2022", "A.5.1", "A.5.2")
	soc := e.newFramework("SOC 2", "2017", "CC6.1")
	nist := e.newFramework("NIST CSF", "2.0")
	old := e.newFramework("ISO 27001", "2013")
	all := []int64{iso.ID, soc.ID, nist.ID, old.ID}

	for _, c := range []struct {
		query string
		want  []int64
	}{
		{"", all},
		{"?q=iso", []int64{iso.ID, old.ID}},         // case-insensitive name
		{"?q=2013", []int64{old.ID}},                // version
		{"?q=soc%202%20described", []int64{soc.ID}}, // description
		{"?q=%25", []int64{}},
		{"?q=zzz", []int64{}},
	} {
		t.Run(c.query, func(t *testing.T) {
			items, r := e.at(t).listFrameworks(c.query)
			if got := frameworkIDs(items); !slices.Equal(got, c.want) || r.Meta.Total != int64(len(c.want)) {
				t.Fatalf("ids %v total %d, want %v", got, r.Meta.Total, c.want)
			}
		})
	}

	t.Run("items", func(t *testing.T) {
		items, _ := e.at(t).listFrameworks("")
		if items[0].RequirementCount != 2 || items[1].RequirementCount != 1 || items[2].RequirementCount != 0 ||
			items[0].Requirements != nil || items[0].Source != "api" || items[0].Name != "ISO 27001" {
			t.Fatalf("list items: %+v", items)
		}
	})

	t.Run("paging", func(t *testing.T) {
		e := e.at(t)
		walk := func(limit int, between func()) []int64 {
			var got []int64
			cursor, pages := "", 0
			for {
				q := "?limit=" + strconv.Itoa(limit)
				if cursor != "" {
					q += "&cursor=" + cursor
				}
				items, r := e.listFrameworks(q)
				pages++
				if len(items) > limit || r.Meta.Limit != limit || r.Meta.Total != int64(len(all)) {
					t.Fatalf("limit %d: %d items, meta %+v", limit, len(items), *r.Meta)
				}
				got = append(got, frameworkIDs(items)...)
				if r.Meta.NextCursor == nil {
					return got
				}
				cursor = *r.Meta.NextCursor
				if pages > 10 {
					t.Fatal("the cursor never ends")
				}
				if between != nil {
					between()
				}
			}
		}
		for _, limit := range []int{1, 2, 3, 4} {
			if got := walk(limit, nil); !slices.Equal(got, all) {
				t.Fatalf("limit %d walked %v, want %v", limit, got, all)
			}
		}
		// A framework added mid-walk comes after the cursor, in id order; the total is
		// the one counted when the walk began.
		var added int64
		got := walk(2, func() {
			if added == 0 {
				added = e.newFramework("Added mid-walk", "1").ID
			}
		})
		if want := append(slices.Clone(all), added); !slices.Equal(got, want) {
			t.Fatalf("walk while adding: %v, want %v", got, want)
		}
	})
}

func TestFrameworkRequirements(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	fw := e.newFramework("Ordered", "1")

	// Added out of order: the detail lists requirements by code, digit runs by value
	// and letters without regard to case.
	for _, code := range []string{"B-2", "A-10", "A-2", "a-3"} {
		r := e.do("POST", frameworkPath(fw.ID)+"/requirements", map[string]any{"code": " " + code + " ", "title": " Title " + code + " ", "description": "d"})
		wantOK(t, r, http.StatusCreated)
		if r.Header.Get("Location") != frameworkPath(fw.ID) || r.Header.Get("X-Event-Position") == "" {
			t.Fatalf("headers %v", r.Header)
		}
	}
	want := []string{"A-2", "a-3", "A-10", "B-2"}
	got := e.getFramework(fw.ID)
	if !slices.Equal(requirementCodes(got.Requirements), want) || got.RequirementCount != 4 {
		t.Fatalf("requirements %v (count %d), want %v", requirementCodes(got.Requirements), got.RequirementCount, want)
	}
	for _, q := range got.Requirements {
		if q.ID <= 0 || q.FrameworkID != fw.ID || q.Title != "Title "+q.Code || q.Description != "d" {
			t.Fatalf("requirement %+v", q)
		}
	}
	// The write's reply lists them the same way.
	reply := e.addRequirement(fw.ID, "0-first", "First")
	if want := append([]string{"0-first"}, want...); !slices.Equal(requirementCodes(reply.Requirements), want) || reply.RequirementCount != 5 {
		t.Fatalf("reply requirements %v, want %v", requirementCodes(reply.Requirements), want)
	}
	if back := e.getFramework(fw.ID); !reflect.DeepEqual(back.Requirements, reply.Requirements) || back.RequirementCount != 5 {
		t.Fatalf("GET %+v, reply %+v", back.Requirements, reply.Requirements)
	}
	if items, _ := e.listFrameworks(""); len(items) != 1 || items[0].RequirementCount != 5 {
		t.Fatalf("list count: %+v", items)
	}

	// Codes are unique within the framework, without case; other frameworks may reuse them.
	for _, code := range []string{"B-2", "b-2", " A-10"} {
		wantErr(t, e.do("POST", frameworkPath(fw.ID)+"/requirements", map[string]any{"code": code, "title": "Again"}),
			http.StatusBadRequest, "VALIDATION_ERROR", "code")
	}
	e.newFramework("Another", "1", "B-2")
	if got := e.getFramework(fw.ID); got.RequirementCount != 5 {
		t.Fatalf("after refused duplicates: %+v", got)
	}

	h := e.frameworkHistory(fw.ID)
	if len(h) != 6 || h[0].Type != "FrameworkCreated" || h[5].Type != "RequirementAdded" {
		t.Fatalf("history %v", typesOf(h))
	}
}

func (e *env) frameworkHistory(id int64) []historyEntry {
	return e.trail(frameworkPath(id)+"/history", 0)
}

func TestFrameworkHistory(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	r := e.do("POST", "/api/frameworks", map[string]any{"name": "Trail", "version": "1", "description": "d"}, "X-Request-ID", "fw-history-1")
	wantOK(t, r, http.StatusCreated)
	var fw frameworkView
	r.into(t, &fw)
	added := e.addRequirement(fw.ID, "T-1", "Keep a trail")
	reqID := strconv.FormatInt(added.Requirements[0].ID, 10)

	h := e.frameworkHistory(fw.ID)
	if !slices.Equal(typesOf(h), []string{"FrameworkCreated", "RequirementAdded"}) {
		t.Fatalf("history types %v", typesOf(h))
	}
	me := actorView{e.userID(e.Email), "Test User"}
	for i, en := range h {
		if en.Version != int64(i+1) || en.Actor != me || en.EventID == "" || en.RecordedAt.IsZero() {
			t.Fatalf("entry %d: %+v", i, en)
		}
	}
	if h[0].CorrelationID != "fw-history-1" {
		t.Fatalf("correlation id %q", h[0].CorrelationID)
	}
	if got, want := changesOf(h[0]), map[string][2]string{"name": {"null", `"Trail"`}, "version": {"null", `"1"`},
		"description": {"null", `"d"`}, "source": {"null", `"api"`}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("creation changes %v, want %v", got, want)
	}
	if got, want := changesOf(h[1]), map[string][2]string{
		"requirements." + reqID + ".code":        {"null", `"T-1"`},
		"requirements." + reqID + ".title":       {"null", `"Keep a trail"`},
		"requirements." + reqID + ".description": {"null", `"About T-1"`},
	}; !reflect.DeepEqual(got, want) {
		t.Fatalf("requirement changes %v, want %v", got, want)
	}
	wantOK(t, e.do("GET", "/api/v1/frameworks/"+strconv.FormatInt(fw.ID, 10)+"/history", nil), http.StatusOK)
	wantErr(t, e.do("GET", frameworkPath(999999)+"/history", nil), http.StatusNotFound, "NOT_FOUND")
}

// TestFrameworkCoverage: a requirement is covered only by a mapped control that is
// both Active and Effective.
func TestFrameworkCoverage(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	fw := e.newFramework("Coverage", "1", "R-1", "R-2", "R-3")
	r1, r2, r3 := fw.Requirements[0], fw.Requirements[1], fw.Requirements[2]
	mapTo := func(c controlView, reqs ...requirementView) {
		t.Helper()
		for _, q := range reqs {
			e.controlWrite("POST", controlPath(c.ID)+"/requirements", http.StatusOK, map[string]any{"requirement_id": q.ID})
		}
	}

	cov := e.coverage(fw.ID)
	if cov.FrameworkID != fw.ID || cov.RequirementsTotal != 3 || cov.RequirementsCovered != 0 || cov.CoveragePercent != 0 ||
		len(cov.Requirements) != 3 || cov.Requirements[0].Controls == nil || len(cov.Requirements[0].Controls) != 0 {
		t.Fatalf("coverage with no controls: %+v", cov)
	}

	good := e.newControl("CV-GOOD", map[string]any{"status": "Active"})
	e.rate(good.ID, "Effective")
	weak := e.newControl("CV-WEAK", map[string]any{"status": "Active"})
	e.rate(weak.ID, "Ineffective")
	draft := e.newControl("CV-DRAFT", nil) // Draft
	e.rate(draft.ID, "Effective")
	partial := e.newControl("CV-PART", map[string]any{"status": "Active"})
	e.rate(partial.ID, "Partially Effective")
	untested := e.newControl("CV-NEW", map[string]any{"status": "Active"})
	mapTo(good, r1)
	mapTo(weak, r1, r2)
	mapTo(draft, r2, r3)
	mapTo(partial, r3)
	mapTo(untested, r3)

	cov = e.coverage(fw.ID)
	if cov.RequirementsTotal != 3 || cov.RequirementsCovered != 1 || cov.CoveragePercent != 33.3 {
		t.Fatalf("coverage: %+v", cov)
	}
	covered := map[string]bool{}
	for _, q := range cov.Requirements {
		covered[q.Code] = q.Covered
	}
	if !reflect.DeepEqual(covered, map[string]bool{"R-1": true, "R-2": false, "R-3": false}) {
		t.Fatalf("covered %v", covered)
	}
	// Each requirement lists every control mapped to it, by code, with status and rating.
	if want := []controlRef{
		{good.ID, "CV-GOOD", "Control CV-GOOD", "Active", "Effective"},
		{weak.ID, "CV-WEAK", "Control CV-WEAK", "Active", "Ineffective"},
	}; !reflect.DeepEqual(cov.Requirements[0].Controls, want) || cov.Requirements[0].ID != r1.ID ||
		cov.Requirements[0].Title != r1.Title {
		t.Fatalf("R-1: %+v, want controls %+v", cov.Requirements[0], want)
	}
	if got := refIDs(cov.Requirements[2].Controls); !slices.Equal(got, []int64{draft.ID, untested.ID, partial.ID}) {
		t.Fatalf("R-3 controls %v", got)
	}

	// The draft made Active covers two more: 3 of 3.
	e.setControl(draft.ID, map[string]any{"status": "Active"})
	if cov = e.coverage(fw.ID); cov.RequirementsCovered != 3 || cov.CoveragePercent != 100 {
		t.Fatalf("after activating the draft: %+v", cov)
	}
	// A failed test takes it back out: 1 of 3 again; two of three is 66.7.
	e.recordTest(draft.ID, "Fail", time.Time{})
	if cov = e.coverage(fw.ID); cov.RequirementsCovered != 1 || cov.CoveragePercent != 33.3 {
		t.Fatalf("after failing the draft: %+v", cov)
	}
	e.recordTest(untested.ID, "Pass", time.Time{})
	if cov = e.coverage(fw.ID); cov.RequirementsCovered != 2 || cov.CoveragePercent != 66.7 {
		t.Fatalf("after passing a control of R-3: %+v", cov)
	}
	// Archived controls stay listed but cover nothing.
	e.setControl(good.ID, map[string]any{"status": "Archived"})
	cov = e.coverage(fw.ID)
	if cov.RequirementsCovered != 1 || cov.CoveragePercent != 33.3 || cov.Requirements[0].Covered ||
		cov.Requirements[0].Controls[0].Status != "Archived" {
		t.Fatalf("after archiving: %+v", cov)
	}
	// Unmapping takes a control off the requirement.
	e.controlWrite("DELETE", controlPath(untested.ID)+"/requirements/"+strconv.FormatInt(r3.ID, 10), http.StatusOK, nil)
	if cov = e.coverage(fw.ID); cov.RequirementsCovered != 0 || cov.CoveragePercent != 0 || len(cov.Requirements[2].Controls) != 2 {
		t.Fatalf("after unmapping: %+v", cov)
	}

	t.Run("rounding", func(t *testing.T) {
		e := e.at(t)
		codes := []string{"S-1", "S-2", "S-3", "S-4", "S-5", "S-6", "S-7"}
		seven := e.newFramework("Sevenths", "1", codes...)
		c := e.newControl("CV-SEVEN", map[string]any{"status": "Active"})
		e.rate(c.ID, "Effective")
		for i, want := range []float64{14.3, 28.6, 42.9, 57.1, 71.4, 85.7, 100} {
			e.controlWrite("POST", controlPath(c.ID)+"/requirements", http.StatusOK, map[string]any{"requirement_id": seven.Requirements[i].ID})
			if cov := e.coverage(seven.ID); cov.CoveragePercent != want || cov.RequirementsCovered != i+1 {
				t.Fatalf("%d of 7: %v%%, want %v", i+1, cov.CoveragePercent, want)
			}
		}
	})

	t.Run("empty framework", func(t *testing.T) {
		e := e.at(t)
		empty := e.newFramework("Empty", "1")
		r := e.read(frameworkPath(empty.ID) + "/coverage")
		wantOK(t, r, http.StatusOK)
		if !strings.Contains(string(r.Raw), `"coverage_percent":0`) || !strings.Contains(string(r.Raw), `"requirements":[]`) {
			t.Fatalf("empty framework coverage: %s", r.Raw)
		}
	})
}

func TestFrameworkImport(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	count := func(t *testing.T) int64 {
		t.Helper()
		_, r := e.at(t).listFrameworks("")
		return r.Meta.Total
	}

	t.Run("JSON", func(t *testing.T) {
		e := e.at(t)
		file := `{"name": "Imported JSON", "version": "1", "description": "From a file",
 "requirements": [
  {"code": "J-2", "title": "Second", "description": "two"},
  {"code": "J-1", "title": "First"}
 ]}`
		for i, ct := range []string{"application/json", "application/json; charset=utf-8"} {
			version := strconv.Itoa(i + 1)
			r := e.importFramework(strings.Replace(file, `"1"`, strconv.Quote(version), 1), ct)
			wantOK(t, r, http.StatusCreated)
			var got frameworkView
			r.into(t, &got)
			if got.Name != "Imported JSON" || got.Version != version || got.Description != "From a file" || got.Source != "import" ||
				got.RequirementCount != 2 || !slices.Equal(requirementCodes(got.Requirements), []string{"J-1", "J-2"}) ||
				r.Header.Get("Location") != frameworkPath(got.ID) {
				t.Fatalf("imported: %s", r.Raw)
			}
			if back := e.getFramework(got.ID); mustJSON(t, back) != mustJSON(t, got) {
				t.Fatalf("GET differs from the import's reply:\n%s\n%s", mustJSON(t, back), mustJSON(t, got))
			}
			// An import is one append: the framework and its requirements at once.
			h := e.frameworkHistory(got.ID)
			if !slices.Equal(typesOf(h), []string{"FrameworkCreated", "RequirementAdded", "RequirementAdded"}) ||
				h[0].EventID == h[2].EventID || h[0].CorrelationID != h[2].CorrelationID {
				t.Fatalf("history %+v", h)
			}
		}
	})

	t.Run("CSV", func(t *testing.T) {
		e := e.at(t)
		file := "code,title,framework,version,description,framework_description\r\n" +
			"C-1,First,Imported CSV,2024,\"one, with a comma\",About the framework\r\n" +
			"C-2,\"Second, quoted\",Imported CSV,2024,,\r\n"
		for i, ct := range []string{"text/csv", "text/csv; charset=utf-8"} {
			r := e.importFramework(strings.ReplaceAll(file, "2024", strconv.Itoa(2024+i)), ct)
			wantOK(t, r, http.StatusCreated)
			var got frameworkView
			r.into(t, &got)
			if got.Name != "Imported CSV" || got.Description != "About the framework" || got.Source != "import" ||
				got.RequirementCount != 2 || got.Requirements[0].Description != "one, with a comma" || got.Requirements[1].Title != "Second, quoted" {
				t.Fatalf("imported: %s", r.Raw)
			}
		}
	})

	t.Run("other content types", func(t *testing.T) {
		e := e.at(t)
		before := count(t)
		for _, ct := range []string{"text/plain", "application/xml", "multipart/form-data; boundary=x", "application/octet-stream", ""} {
			wantErr(t, e.importFramework(`{"name":"Typed","requirements":[{"code":"a","title":"b"}]}`, ct), http.StatusBadRequest, "VALIDATION_ERROR")
		}
		// A CSV file sent as JSON is not JSON.
		wantErr(t, e.importFramework("framework,version,code,title\nx,1,a,b\n", "application/json"), http.StatusBadRequest, "VALIDATION_ERROR")
		if after := count(t); after != before {
			t.Fatalf("frameworks %d, then %d", before, after)
		}
	})

	t.Run("bad rows import nothing", func(t *testing.T) {
		e := e.at(t)
		before := count(t)
		csv := "framework,version,code,title,description\n" +
			"Bad rows,1,R-1,Good row,\n" +
			"Bad rows,1,,Missing code,\n" +
			"Bad rows,1,R-3,,Missing title\n" +
			"Bad rows,1,R-4,Fine too,\n" +
			"Bad rows,1,r-1,Duplicate code,\n" +
			"Bad rows,1,R-6," + strings.Repeat("t", 301) + ",\n"
		r := e.importFramework(csv, "text/csv")
		wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "line 3", "line 4", "line 6", "line 7")
		for _, good := range []string{"line 2", "line 5"} {
			if _, ok := r.Error.Fields[good]; ok {
				t.Fatalf("good row %s reported: %v", good, r.Error.Fields)
			}
		}
		if !strings.Contains(r.Error.Fields["line 6"], "line 2") {
			t.Errorf("duplicate does not point at the first use: %q", r.Error.Fields["line 6"])
		}

		js := `{"name": "Bad JSON rows", "requirements": [
  {"code": "J-1", "title": "Good"},
  {"code": "J-2"},
  {"title": "No code"},
  {"code": "J-1", "title": "Duplicate"}
]}`
		r = e.importFramework(js, "application/json")
		wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "line 3", "line 4", "line 5")
		if _, ok := r.Error.Fields["line 2"]; ok {
			t.Fatalf("good requirement reported: %v", r.Error.Fields)
		}
		if after := count(t); after != before {
			t.Fatalf("a refused import created frameworks: %d, then %d", before, after)
		}
		// Nothing of the refused files was kept: the same name imports cleanly now.
		r = e.importFramework("framework,version,code,title\nBad rows,1,R-1,Fixed\n", "text/csv")
		wantOK(t, r, http.StatusCreated)
	})

	t.Run("duplicate framework", func(t *testing.T) {
		e := e.at(t)
		file := `{"name":"Twice","version":"1","requirements":[{"code":"a","title":"b"}]}`
		wantOK(t, e.importFramework(file, "application/json"), http.StatusCreated)
		before := count(t)
		wantErr(t, e.importFramework(strings.Replace(file, "Twice", "TWICE", 1), "application/json"), http.StatusBadRequest, "VALIDATION_ERROR", "name")
		wantErr(t, e.do("POST", "/api/frameworks", map[string]any{"name": "twice", "version": "1"}), http.StatusBadRequest, "VALIDATION_ERROR", "name")
		if after := count(t); after != before {
			t.Fatalf("frameworks %d, then %d", before, after)
		}
	})

	t.Run("examples", func(t *testing.T) {
		e := e.at(t)
		want := map[string]struct {
			name, version string
			requirements  int
		}{
			"baseline-security.json":     {"Strata Baseline Security", "2026.1", 14},
			"vendor-data-protection.csv": {"Vendor Data Protection Checklist", "1.0", 10},
		}
		entries, err := fs.ReadDir(examples.Files, ".")
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != len(want) {
			t.Fatalf("examples: %v", entries)
		}
		for _, en := range entries {
			w, ok := want[en.Name()]
			if !ok {
				t.Fatalf("unexpected example %s", en.Name())
			}
			data, err := fs.ReadFile(examples.Files, en.Name())
			if err != nil {
				t.Fatal(err)
			}
			ct := map[string]string{".json": "application/json", ".csv": "text/csv"}[path.Ext(en.Name())]
			r := e.do("POST", "/api/frameworks/import?file_name="+en.Name(), data, "Content-Type", ct)
			wantOK(t, r, http.StatusCreated)
			var got frameworkView
			r.into(t, &got)
			if got.Name != w.name || got.Version != w.version || got.RequirementCount != w.requirements ||
				len(got.Requirements) != w.requirements || got.Source != "import" {
				t.Fatalf("%s: %s %s with %d requirements (%d listed)", en.Name(), got.Name, got.Version, got.RequirementCount, len(got.Requirements))
			}
			back := e.getFramework(got.ID)
			if back.RequirementCount != w.requirements || !reflect.DeepEqual(back.Requirements, got.Requirements) {
				t.Fatalf("%s read back: %d requirements", en.Name(), back.RequirementCount)
			}
			if cov := e.coverage(got.ID); cov.RequirementsTotal != w.requirements || cov.CoveragePercent != 0 {
				t.Fatalf("%s coverage: %+v", en.Name(), cov)
			}
			// The trail says where the framework came from: imported, from which file.
			first := changesOf(e.frameworkHistory(got.ID)[0])
			if first["source"][1] != `"import"` || first["file_name"][1] != strconv.Quote(en.Name()) {
				t.Fatalf("%s: the creation entry does not name the import and its file: %v", en.Name(), first)
			}
		}
	})
}
