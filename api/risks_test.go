package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
)

// riskView is a risk as the API sends it.
type riskView struct {
	ID                 int64          `json:"id"`
	Title              string         `json:"title"`
	Description        string         `json:"description"`
	Category           string         `json:"category"`
	Status             string         `json:"status"`
	Likelihood         int            `json:"likelihood"`
	Impact             int            `json:"impact"`
	InherentScore      int            `json:"inherent_score"`
	Rating             string         `json:"rating"`
	ResidualLikelihood *int           `json:"residual_likelihood"`
	ResidualImpact     *int           `json:"residual_impact"`
	ResidualScore      *int           `json:"residual_score"`
	OwnerID            *int64         `json:"owner_id"`
	ReviewDate         *string        `json:"review_date"`
	ControlIDs         []int64        `json:"control_ids"`
	Controls           []controlRef   `json:"controls"` // the detail's only
	CreatedAt          time.Time      `json:"created_at"`
	UpdatedAt          time.Time      `json:"updated_at"`
	Version            int64          `json:"version"`
	Responses          []responseView `json:"responses"`
}

type responseView struct {
	ID          int64      `json:"id"`
	RiskID      int64      `json:"risk_id"`
	Type        string     `json:"type"`
	Description string     `json:"description"`
	OwnerID     *int64     `json:"owner_id"`
	DueDate     *string    `json:"due_date"`
	Status      string     `json:"status"`
	CompletedAt *time.Time `json:"completed_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

type historyEntry struct {
	Version       int64     `json:"version"`
	EventID       string    `json:"event_id"`
	Type          string    `json:"type"`
	RecordedAt    time.Time `json:"recorded_at"`
	CorrelationID string    `json:"correlation_id"`
	Actor         struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"actor"`
	Changes []struct {
		Field  string          `json:"field"`
		Before json.RawMessage `json:"before"`
		After  json.RawMessage `json:"after"`
	} `json:"changes"`
}

// newLiveEnv is newEnv once its projections keep up. Every subscriber reads the log
// only below the oldest transaction still open in the whole PostgreSQL cluster, and
// each test's schema is migrated in such a transaction, under one lock: while the
// package's tests start up together, a read may wait out its bound and be served
// stale. Tests that insist on fresh reads start when that is over.
func newLiveEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.waitLive()
	return e
}

// waitLive writes and withdraws a risk, then reads until a read sees that without
// going stale, so the list is as empty as it was.
func (e *env) waitLive() {
	e.t.Helper()
	r := e.do("POST", "/api/risks", map[string]any{"title": "warm-up", "category": "warm-up", "likelihood": 1, "impact": 1})
	wantOK(e.t, r, http.StatusCreated)
	var w riskView
	r.into(e.t, &w)
	wantOK(e.t, e.do("DELETE", riskPath(w.ID), nil), http.StatusOK)
	for deadline := time.Now().Add(30 * time.Second); ; {
		r := e.do("GET", "/api/risks?category=warm-up", nil)
		wantOK(e.t, r, http.StatusOK)
		if r.Header.Get("X-Read-Stale") == "" && r.Meta.Total == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("the projections did not catch up in 30s: %s", r.Raw)
		}
	}
}

// at is e acting for a subtest, so a failed request fails the test that sent it.
func (e *env) at(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// wantOK asserts a success envelope with the given status.
func wantOK(t *testing.T, r *reply, status int) {
	t.Helper()
	if r.Status != status || !r.Success || r.Error != nil {
		t.Fatalf("want %d success, got %d: %s", status, r.Status, r.Raw)
	}
	if r.Header.Get("X-Request-ID") == "" {
		t.Fatalf("no X-Request-ID on %d reply", r.Status)
	}
}

// wantErr asserts an error envelope: status, code, the request id matching the
// header, no data, and at least the named fields.
func wantErr(t *testing.T, r *reply, status int, code string, fields ...string) {
	t.Helper()
	if r.Status == http.StatusInternalServerError {
		t.Fatalf("500 for a client error: %s", r.Raw)
	}
	if r.Status != status || r.Success || r.Error == nil {
		t.Fatalf("want %d %s, got %d: %s", status, code, r.Status, r.Raw)
	}
	if r.Error.Code != code {
		t.Fatalf("want code %s, got %s: %s", code, r.Error.Code, r.Raw)
	}
	if r.Error.Message == "" {
		t.Fatalf("error without message: %s", r.Raw)
	}
	if id := r.Header.Get("X-Request-ID"); id == "" || r.Error.RequestID != id {
		t.Fatalf("error.request_id %q, X-Request-ID %q", r.Error.RequestID, id)
	}
	if len(r.Data) != 0 && string(r.Data) != "null" {
		t.Fatalf("error reply carries data: %s", r.Raw)
	}
	for _, f := range fields {
		if _, ok := r.Error.Fields[f]; !ok {
			t.Fatalf("want error.fields[%q], got %v", f, r.Error.Fields)
		}
	}
}

func (e *env) create(fields map[string]any) riskView {
	e.t.Helper()
	body := map[string]any{"title": "Risk", "category": "Operational", "likelihood": 2, "impact": 3}
	for k, v := range fields {
		body[k] = v
	}
	r := e.do("POST", "/api/risks", body)
	wantOK(e.t, r, http.StatusCreated)
	var out riskView
	r.into(e.t, &out)
	return out
}

// read GETs a read-model route, asking again while the reply is marked stale. A
// read waits at most 2s for the projections, and any long write transaction in the
// PostgreSQL cluster (another test's migration, another process's rebuild) holds
// them back: the server then says X-Read-Stale, which is honest, and the test asks
// again. A reply not so marked must show every write of the session.
func (e *env) read(path string, headers ...string) *reply {
	e.t.Helper()
	for try := 1; ; try++ {
		r := e.do("GET", path, nil, headers...)
		if r.Header.Get("X-Read-Stale") == "" {
			return r
		}
		if try == 5 {
			e.t.Fatalf("GET %s still stale after %d tries: %s", path, try, r.Raw)
		}
		e.t.Logf("GET %s served stale (try %d); the projections are held back, asking again", path, try)
	}
}

func (e *env) get(id int64) riskView {
	e.t.Helper()
	r := e.read(riskPath(id))
	wantOK(e.t, r, http.StatusOK)
	var out riskView
	r.into(e.t, &out)
	return out
}

// list fetches a list and asserts it was served fresh.
func (e *env) list(query string) ([]riskView, *reply) {
	e.t.Helper()
	r := e.read("/api/risks" + query)
	return e.decodeList(r), r
}

// listMaybeStale fetches a list that may lag the session's last writes.
func (e *env) listMaybeStale(query string) ([]riskView, *reply) {
	e.t.Helper()
	r := e.do("GET", "/api/risks"+query, nil)
	return e.decodeList(r), r
}

func (e *env) decodeList(r *reply) []riskView {
	e.t.Helper()
	wantOK(e.t, r, http.StatusOK)
	if r.Meta == nil {
		e.t.Fatalf("list without meta: %s", r.Raw)
	}
	var out []riskView
	r.into(e.t, &out)
	return out
}

func (e *env) history(id int64) []historyEntry { return e.trail(riskPath(id)+"/history", 0) }

// trail reads a history route page by page (limit a page, 0 for the default), checks
// that the pages run newest first and follow on from each other, and returns the
// whole history oldest first.
func (e *env) trail(path string, limit int) []historyEntry {
	e.t.Helper()
	var all []historyEntry
	query := url.Values{}
	if limit > 0 {
		query.Set("limit", strconv.Itoa(limit))
	}
	for {
		r := e.do("GET", path+"?"+query.Encode(), nil)
		wantOK(e.t, r, http.StatusOK)
		if r.Meta == nil {
			e.t.Fatalf("history without meta: %s", r.Raw)
		}
		var page []historyEntry
		r.into(e.t, &page)
		for _, en := range page {
			if len(all) > 0 && en.Version != all[len(all)-1].Version-1 {
				e.t.Fatalf("%s: version %d follows version %d", path, en.Version, all[len(all)-1].Version)
			}
			all = append(all, en)
		}
		if r.Meta.NextCursor == nil {
			if int64(len(all)) != r.Meta.Total || len(all) == 0 || all[len(all)-1].Version != 1 {
				e.t.Fatalf("%s: read %d entries, total %d: %+v", path, len(all), r.Meta.Total, all)
			}
			break
		}
		query.Set("cursor", *r.Meta.NextCursor)
	}
	slices.Reverse(all)
	return all
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func riskPath(id int64) string { return "/api/risks/" + strconv.FormatInt(id, 10) }

func idsOf(rs []riskView) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func etag(v int64) string { return strconv.Quote(strconv.FormatInt(v, 10)) }

// wantWrite asserts a mutation's headers: the version as ETag and a write token that
// names the written stream at that version, and returns the token.
func wantWrite(t *testing.T, r *reply, version int64) string {
	t.Helper()
	if got := r.Header.Get("ETag"); got != etag(version) {
		t.Fatalf("ETag %q, want %q", got, etag(version))
	}
	tok := r.Header.Get("X-Event-Position")
	if _, v := decodeWriteToken(t, tok); v != version {
		t.Fatalf("X-Event-Position %q names version %d, want %d", tok, v, version)
	}
	return tok
}

func TestRiskCreate(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)

	t.Run("created reply", func(t *testing.T) {
		e := e.at(t)
		owner := e.members(1)[0]
		r := e.do("POST", "/api/risks", map[string]any{
			"title": "  Vendor outage ", "description": "Cloud vendor down", "category": "Operational",
			"likelihood": 3, "impact": 4, "residual_likelihood": 2, "residual_impact": 2,
			"owner_id": owner, "review_date": "2026-03-31",
		})
		wantOK(t, r, http.StatusCreated)
		var got riskView
		r.into(t, &got)
		if got.ID <= 0 || r.Header.Get("Location") != riskPath(got.ID) {
			t.Fatalf("id %d, Location %q", got.ID, r.Header.Get("Location"))
		}
		wantWrite(t, r, 1)
		if got.Title != "Vendor outage" || got.Description != "Cloud vendor down" || got.Category != "Operational" ||
			got.Status != "Identified" || got.Likelihood != 3 || got.Impact != 4 || got.InherentScore != 12 ||
			got.Rating != "High" || got.ResidualScore == nil || *got.ResidualScore != 4 ||
			got.OwnerID == nil || *got.OwnerID != owner || got.ReviewDate == nil || *got.ReviewDate != "2026-03-31" ||
			got.Version != 1 || got.CreatedAt.IsZero() || !got.UpdatedAt.Equal(got.CreatedAt) ||
			got.ControlIDs == nil || len(got.ControlIDs) != 0 {
			t.Fatalf("created risk: %s", r.Raw)
		}
		// The read model, read in the same session, says the same as the write's reply.
		read := e.get(got.ID)
		if a, b := mustJSON(t, read), mustJSON(t, got); a != b {
			t.Fatalf("GET differs from POST reply:\n%s\n%s", a, b)
		}
		if h := e.history(got.ID); len(h) != 1 || h[0].Type != "RiskCreated" || h[0].Version != 1 {
			t.Fatalf("history after create: %+v", h)
		}
	})

	t.Run("rating bands", func(t *testing.T) {
		e := e.at(t)
		for _, c := range []struct {
			l, i   int
			rating string
		}{
			{1, 1, "Low"}, {2, 2, "Low"}, {1, 4, "Low"},
			{1, 5, "Medium"}, {3, 3, "Medium"},
			{2, 5, "High"}, {4, 4, "High"},
			{4, 5, "Critical"}, {5, 5, "Critical"},
		} {
			got := e.create(map[string]any{"title": "band " + c.rating, "likelihood": c.l, "impact": c.i})
			if got.InherentScore != c.l*c.i || got.Rating != c.rating {
				t.Errorf("%dx%d: score %d rating %s, want %d %s", c.l, c.i, got.InherentScore, got.Rating, c.l*c.i, c.rating)
			}
			// The read model derives the band itself; it must agree.
			if read := e.get(got.ID); read.InherentScore != c.l*c.i || read.Rating != c.rating {
				t.Errorf("%dx%d read back: score %d rating %s, want %s", c.l, c.i, read.InherentScore, read.Rating, c.rating)
			}
		}
		for _, rating := range []string{"Low", "Medium", "High", "Critical"} {
			items, _ := e.list("?rating=" + rating)
			for _, it := range items {
				if it.Rating != rating {
					t.Errorf("rating=%s listed %+v", rating, it)
				}
			}
		}
	})
}

func TestRiskReadRoutes(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	a := e.create(map[string]any{"title": "Alpha"})
	b := e.create(map[string]any{"title": "Beta"})

	for _, prefix := range []string{"/api", "/api/v1"} {
		t.Run(prefix, func(t *testing.T) {
			e := e.at(t)
			r := e.read(prefix + "/risks/" + strconv.FormatInt(a.ID, 10))
			wantOK(t, r, http.StatusOK)
			var got riskView
			r.into(t, &got)
			if got.ID != a.ID || got.Title != "Alpha" || r.Header.Get("ETag") != etag(1) {
				t.Fatalf("get: %s", r.Raw)
			}

			r = e.read(prefix + "/risks?action=get&id=" + strconv.FormatInt(b.ID, 10))
			wantOK(t, r, http.StatusOK)
			r.into(t, &got)
			if got.ID != b.ID || got.Title != "Beta" || r.Meta != nil {
				t.Fatalf("action=get: %s", r.Raw)
			}

			for _, q := range []string{"", "?action=list"} {
				r = e.read(prefix + "/risks" + q)
				wantOK(t, r, http.StatusOK)
				var items []riskView
				r.into(t, &items)
				if !slices.Equal(idsOf(items), []int64{a.ID, b.ID}) || r.Meta == nil ||
					r.Meta.Total != 2 || r.Meta.Limit != 50 || r.Meta.NextCursor != nil {
					t.Fatalf("list%s: %s", q, r.Raw)
				}
			}
		})
	}
}

func TestRiskListFilters(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	owners := e.members(3)
	o10, o11, o12 := owners[0], owners[1], owners[2]
	mk := func(title, desc, category, status string, l, i int, owner any) int64 {
		return e.create(map[string]any{"title": title, "description": desc, "category": category,
			"status": status, "likelihood": l, "impact": i, "owner_id": owner}).ID
	}
	vendor := mk("Vendor outage", "Primary cloud VENDOR fails", "Operational", "Identified", 3, 4, o10) // 12 High
	breach := mk("Data breach", "Customer records", "Security", "Assessed", 4, 5, o11)                  // 20 Critical
	filing := mk("Late filing", "Regulator deadline", "Compliance", "Treating", 1, 2, o10)              // 2 Low
	fx := mk("FX exposure", "Currency 100% hedged", "Financial", "Accepted", 2, 3, nil)                 // 6 Medium
	person := mk("Key_person dependency", "One admin", "Operational risk", "Closed", 3, 3, o12)         // 9 Medium
	phish := mk("Phishing", "Credential theft", "Security", "Identified", 5, 5, o11)                    // 25 Critical
	lower := mk("Office flood", "Basement", "operational", "Identified", 1, 5, nil)                     // 5 Medium
	all := []int64{vendor, breach, filing, fx, person, phish, lower}

	for _, c := range []struct {
		query string
		want  []int64
	}{
		{"", all},
		{"?category=Operational", []int64{vendor}},
		{"?category=Security", []int64{breach, phish}},
		{"?category=Operational%20risk", []int64{person}},
		{"?category=Nothing", []int64{}},
		{"?status=Identified", []int64{vendor, phish, lower}},
		{"?status=Closed", []int64{person}},
		{fmt.Sprintf("?owner_id=%d", o10), []int64{vendor, filing}},
		{fmt.Sprintf("?owner_id=%d", o11), []int64{breach, phish}},
		{"?owner_id=999999999", []int64{}},
		{"?rating=Low", []int64{filing}},
		{"?rating=Medium", []int64{fx, person, lower}},
		{"?rating=High", []int64{vendor}},
		{"?rating=Critical", []int64{breach, phish}},
		{"?rating=High,Critical", []int64{vendor, breach, phish}},
		{"?rating=Critical,High", []int64{vendor, breach, phish}},
		{"?status=Accepted,Closed", []int64{fx, person}},
		{"?open=true", []int64{vendor, breach, filing, phish, lower}},
		{"?open=false", []int64{fx, person}},
		{"?open=true&rating=High,Critical", []int64{vendor, breach, phish}},
		{"?open=true&rating=Medium", []int64{lower}},
		{"?q=vendor", []int64{vendor}},                    // case-insensitive, title and description
		{"?q=records", []int64{breach}},                   // description only
		{"?q=%25", []int64{fx}},                           // a literal %, not a wildcard
		{"?q=_", []int64{person}},                         // a literal _, not a wildcard
		{"?q=" + url.QueryEscape("n d"), []int64{person}}, // across title words
		{"?q=zzz", []int64{}},
		{"?status=Identified&category=Security", []int64{phish}},
		{fmt.Sprintf("?status=Identified&rating=Critical&owner_id=%d&q=phish", o11), []int64{phish}},
		{"?action=list&category=Security&status=Assessed", []int64{breach}},
	} {
		t.Run(c.query, func(t *testing.T) {
			items, r := e.at(t).list(c.query)
			if got := idsOf(items); !slices.Equal(got, c.want) || r.Meta.Total != int64(len(c.want)) {
				t.Fatalf("ids %v total %d, want %v", got, r.Meta.Total, c.want)
			}
		})
	}

	t.Run("sorts", func(t *testing.T) {
		e := e.at(t)
		full := map[string][]riskView{}
		for _, sort := range []string{"", "score", "-score", "updated_at", "-updated_at"} {
			items, _ := e.list("?limit=500&sort=" + sort)
			if len(items) != len(all) {
				t.Fatalf("sort=%s: %d items", sort, len(items))
			}
			for i := 1; i < len(items); i++ {
				p, c := items[i-1], items[i]
				var inOrder bool
				switch sort {
				case "":
					inOrder = p.ID < c.ID
				case "score":
					inOrder = p.InherentScore < c.InherentScore || p.InherentScore == c.InherentScore && p.ID < c.ID
				case "-score":
					inOrder = p.InherentScore > c.InherentScore || p.InherentScore == c.InherentScore && p.ID > c.ID
				case "updated_at":
					inOrder = p.UpdatedAt.Before(c.UpdatedAt) || p.UpdatedAt.Equal(c.UpdatedAt) && p.ID < c.ID
				case "-updated_at":
					inOrder = p.UpdatedAt.After(c.UpdatedAt) || p.UpdatedAt.Equal(c.UpdatedAt) && p.ID > c.ID
				}
				if !inOrder {
					t.Fatalf("sort=%s: %d before %d", sort, p.ID, c.ID)
				}
			}
			full[sort] = items
		}
		// Every page size walks to the same order as one big page.
		for sort, want := range full {
			for _, limit := range []int{1, 2, 3, 7} {
				var got []int64
				cursor, pages := "", 0
				for {
					q := "?sort=" + sort + "&limit=" + strconv.Itoa(limit)
					if cursor != "" {
						q += "&cursor=" + url.QueryEscape(cursor)
					}
					items, r := e.list(q)
					pages++
					if len(items) > limit || r.Meta.Limit != limit || r.Meta.Total != int64(len(all)) {
						t.Fatalf("sort=%s limit=%d: %d items, meta %+v", sort, limit, len(items), *r.Meta)
					}
					got = append(got, idsOf(items)...)
					if r.Meta.NextCursor == nil {
						break
					}
					cursor = *r.Meta.NextCursor
					if pages > len(all)+1 {
						t.Fatalf("sort=%s limit=%d: cursor never ends", sort, limit)
					}
				}
				if !slices.Equal(got, idsOf(want)) {
					t.Fatalf("sort=%s limit=%d walked %v, want %v", sort, limit, got, idsOf(want))
				}
				if wantPages := (len(all) + limit - 1) / limit; pages != wantPages {
					t.Errorf("sort=%s limit=%d: %d pages, want %d", sort, limit, pages, wantPages)
				}
			}
		}
	})

	t.Run("filtered walk", func(t *testing.T) {
		e := e.at(t)
		items, r := e.list("?status=Identified&sort=-score&limit=1")
		got := idsOf(items)
		for r.Meta.NextCursor != nil {
			items, r = e.list("?status=Identified&sort=-score&limit=1&cursor=" + url.QueryEscape(*r.Meta.NextCursor))
			got = append(got, idsOf(items)...)
		}
		if want := []int64{phish, vendor, lower}; !slices.Equal(got, want) || r.Meta.Total != 3 {
			t.Fatalf("walked %v, want %v", got, want)
		}
	})

	t.Run("limit", func(t *testing.T) {
		e := e.at(t)
		items, r := e.list("?limit=3")
		if !slices.Equal(idsOf(items), all[:3]) || r.Meta.Limit != 3 || r.Meta.Total != 7 || r.Meta.NextCursor == nil {
			t.Fatalf("limit=3: %s", r.Raw)
		}
		items, r = e.list("?limit=500")
		if len(items) != 7 || r.Meta.Limit != 500 || r.Meta.NextCursor != nil {
			t.Fatalf("limit=500: %s", r.Raw)
		}
		items, r = e.list("?limit=7")
		if len(items) != 7 || r.Meta.NextCursor != nil {
			t.Fatalf("limit=7 of 7 offers another page: %s", r.Raw)
		}
	})
}

func TestRiskUpdate(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)

	t.Run("partial with If-Match", func(t *testing.T) {
		e := e.at(t)
		owner := e.members(1)[0]
		orig := e.create(map[string]any{"title": "Old", "description": "keep me", "owner_id": owner, "review_date": "2026-05-01"})
		r := e.do("PUT", riskPath(orig.ID), map[string]any{"title": "New", "likelihood": 5, "impact": 4}, "If-Match", etag(1))
		wantOK(t, r, http.StatusOK)
		wantWrite(t, r, 2)
		var got riskView
		r.into(t, &got)
		if got.Title != "New" || got.Likelihood != 5 || got.Impact != 4 || got.InherentScore != 20 || got.Rating != "Critical" ||
			got.Description != "keep me" || got.Category != orig.Category || got.Status != orig.Status ||
			*got.OwnerID != owner || *got.ReviewDate != "2026-05-01" || got.Version != 2 ||
			!got.CreatedAt.Equal(orig.CreatedAt) || !got.UpdatedAt.After(orig.UpdatedAt) {
			t.Fatalf("after update: %s", r.Raw)
		}
		if read := e.get(orig.ID); read.Title != "New" || read.Rating != "Critical" || read.Version != 2 || read.Description != "keep me" {
			t.Fatalf("read back: %+v", read)
		}

		// Weak and bare forms of the version are accepted too.
		r = e.do("PUT", riskPath(orig.ID), map[string]any{"status": "Assessed"}, "If-Match", `W/"2"`)
		wantOK(t, r, http.StatusOK)
		wantWrite(t, r, 3)
		r = e.do("PUT", riskPath(orig.ID), map[string]any{"status": "Treating"}, "If-Match", "3")
		wantOK(t, r, http.StatusOK)
		wantWrite(t, r, 4)

		// A stale version is refused and changes nothing.
		r = e.do("PUT", riskPath(orig.ID), map[string]any{"title": "Lost"}, "If-Match", etag(2))
		wantErr(t, r, http.StatusConflict, "CONFLICT")
		if read := e.get(orig.ID); read.Title != "New" || read.Version != 4 {
			t.Fatalf("after stale update: %+v", read)
		}

		// Clearing optional fields with null.
		r = e.do("PUT", riskPath(orig.ID), `{"owner_id":null,"review_date":null}`)
		wantOK(t, r, http.StatusOK)
		r.into(t, &got)
		if got.OwnerID != nil || got.ReviewDate != nil || got.Version != 5 {
			t.Fatalf("after clearing: %s", r.Raw)
		}
		if read := e.get(orig.ID); read.OwnerID != nil || read.ReviewDate != nil {
			t.Fatalf("read model kept cleared fields: %+v", read)
		}
	})

	t.Run("read-only fields echoed back are ignored", func(t *testing.T) {
		e := e.at(t)
		orig := e.create(map[string]any{"title": "Echo"})
		r := e.do("PUT", riskPath(orig.ID), map[string]any{"title": "Echoed", "id": 999, "version": 77,
			"inherent_score": 1, "rating": "Low", "created_at": "2000-01-01T00:00:00Z"})
		wantOK(t, r, http.StatusOK)
		var got riskView
		r.into(t, &got)
		if got.ID != orig.ID || got.Title != "Echoed" || got.Version != 2 || got.InherentScore != orig.InherentScore {
			t.Fatalf("echo: %s", r.Raw)
		}
	})

	t.Run("id in the body", func(t *testing.T) {
		e := e.at(t)
		orig := e.create(map[string]any{"title": "Body"})
		for _, prefix := range []string{"/api", "/api/v1"} {
			r := e.do("PUT", prefix+"/risks", map[string]any{"id": orig.ID, "title": "Body " + prefix})
			wantOK(t, r, http.StatusOK)
			var got riskView
			r.into(t, &got)
			if got.ID != orig.ID || got.Title != "Body "+prefix {
				t.Fatalf("PUT %s/risks: %s", prefix, r.Raw)
			}
		}
		r := e.do("PUT", "/api/risks", map[string]any{"id": orig.ID, "status": "Closed"}, "If-Match", etag(1))
		wantErr(t, r, http.StatusConflict, "CONFLICT")
		if read := e.get(orig.ID); read.Title != "Body /api/v1" || read.Version != 3 || read.Status != "Identified" {
			t.Fatalf("read back: %+v", read)
		}
	})

	t.Run("unchanged", func(t *testing.T) {
		e := e.at(t)
		orig := e.create(map[string]any{"title": "Same"})
		r := e.do("PUT", riskPath(orig.ID), map[string]any{"title": "Same"}, "If-Match", etag(1))
		wantOK(t, r, http.StatusOK)
		var got riskView
		r.into(t, &got)
		if got.Version != 1 || r.Header.Get("ETag") != etag(1) || r.Header.Get("X-Event-Position") != "" {
			t.Fatalf("no-op update: %s %v", r.Raw, r.Header)
		}
		if h := e.history(orig.ID); len(h) != 1 {
			t.Fatalf("no-op update wrote history: %+v", h)
		}
	})
}

func TestRiskAsOf(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	beforeCreate := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	orig := e.create(map[string]any{"title": "Then", "likelihood": 1, "impact": 2})
	time.Sleep(20 * time.Millisecond)
	between := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	r := e.do("PUT", riskPath(orig.ID), map[string]any{"title": "Now", "likelihood": 5, "impact": 5})
	wantOK(t, r, http.StatusOK)
	var updated riskView
	r.into(t, &updated)

	asOf := func(t *testing.T, at time.Time) *reply {
		return e.at(t).do("GET", riskPath(orig.ID)+"?as_of="+url.QueryEscape(at.Format(time.RFC3339Nano)), nil)
	}
	for name, at := range map[string]time.Time{
		"noted between": between,
		"at creation":   orig.CreatedAt, // inclusive
		"just before":   updated.UpdatedAt.Add(-time.Microsecond),
	} {
		t.Run(name, func(t *testing.T) {
			r := asOf(t, at)
			wantOK(t, r, http.StatusOK)
			var got riskView
			r.into(t, &got)
			if got.Title != "Then" || got.InherentScore != 2 || got.Rating != "Low" || got.Version != 1 ||
				!got.UpdatedAt.Equal(orig.CreatedAt) {
				t.Fatalf("as of %s: %s", at, r.Raw)
			}
		})
	}
	t.Run("after the update", func(t *testing.T) {
		r := asOf(t, updated.UpdatedAt)
		wantOK(t, r, http.StatusOK)
		var got riskView
		r.into(t, &got)
		if got.Title != "Now" || got.Rating != "Critical" || got.Version != 2 {
			t.Fatalf("as of the update: %s", r.Raw)
		}
	})
	t.Run("other zone", func(t *testing.T) {
		at := between.In(time.FixedZone("x", -5*3600)).Format(time.RFC3339Nano)
		r := e.at(t).do("GET", riskPath(orig.ID)+"?as_of="+url.QueryEscape(at), nil)
		wantOK(t, r, http.StatusOK)
	})
	t.Run("before creation", func(t *testing.T) {
		wantErr(t, asOf(t, beforeCreate), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, asOf(t, orig.CreatedAt.Add(-time.Microsecond)), http.StatusNotFound, "NOT_FOUND")
	})
	t.Run("deleted", func(t *testing.T) {
		e := e.at(t)
		r := e.do("DELETE", riskPath(orig.ID), nil)
		wantOK(t, r, http.StatusOK)
		// Before the deletion the risk is still there; after it, it is gone.
		r = asOf(t, updated.UpdatedAt)
		wantOK(t, r, http.StatusOK)
		wantErr(t, asOf(t, time.Now().Add(time.Second)), http.StatusNotFound, "NOT_FOUND")
	})
}

func TestRiskDelete(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	keep := e.create(map[string]any{"title": "Keep"})
	// A real control, so mapping a deleted risk is refused for the risk's sake.
	control := e.newControl("DEL-1", map[string]any{"status": "Active"})

	for _, c := range []struct {
		name string
		del  func(e *env, id int64) *reply
	}{
		{"path", func(e *env, id int64) *reply { return e.do("DELETE", riskPath(id), nil) }},
		{"path with reason", func(e *env, id int64) *reply {
			return e.do("DELETE", riskPath(id), map[string]any{"reason": "duplicate"})
		}},
		{"body", func(e *env, id int64) *reply { return e.do("DELETE", "/api/risks", map[string]any{"id": id}) }},
		{"v1 body", func(e *env, id int64) *reply {
			return e.do("DELETE", "/api/v1/risks", map[string]any{"id": id, "reason": "gone"})
		}},
		{"If-Match", func(e *env, id int64) *reply { return e.do("DELETE", riskPath(id), nil, "If-Match", etag(1)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := e.at(t)
			gone := e.create(map[string]any{"title": "Gone " + c.name})
			r := c.del(e, gone.ID)
			wantOK(t, r, http.StatusOK)
			wantWrite(t, r, 2)
			var got struct {
				ID      int64 `json:"id"`
				Deleted bool  `json:"deleted"`
				Version int64 `json:"version"`
			}
			r.into(t, &got)
			if got.ID != gone.ID || !got.Deleted || got.Version != 2 {
				t.Fatalf("delete reply: %s", r.Raw)
			}

			wantErr(t, e.read(riskPath(gone.ID)), http.StatusNotFound, "NOT_FOUND")
			wantErr(t, e.read("/api/risks?action=get&id="+strconv.FormatInt(gone.ID, 10)), http.StatusNotFound, "NOT_FOUND")
			items, _ := e.list("?limit=500")
			if slices.Contains(idsOf(items), gone.ID) || !slices.Contains(idsOf(items), keep.ID) {
				t.Fatalf("list after delete: %v", idsOf(items))
			}
			h := e.history(gone.ID)
			if len(h) != 2 || h[0].Type != "RiskCreated" || h[1].Type != "RiskDeleted" || h[1].Version != 2 {
				t.Fatalf("history after delete: %+v", h)
			}
			// A deleted risk takes no further changes.
			wantErr(t, e.do("DELETE", riskPath(gone.ID), nil), http.StatusNotFound, "NOT_FOUND")
			wantErr(t, e.do("DELETE", "/api/risks", map[string]any{"id": gone.ID}), http.StatusNotFound, "NOT_FOUND")
			wantErr(t, e.do("PUT", riskPath(gone.ID), map[string]any{"title": "Back"}), http.StatusNotFound, "NOT_FOUND")
			wantErr(t, e.do("POST", riskPath(gone.ID)+"/controls", map[string]any{"control_id": control.ID}), http.StatusNotFound, "NOT_FOUND")
		})
	}

	t.Run("chunked body with the id in the path", func(t *testing.T) {
		e := e.at(t)
		x := e.create(map[string]any{"title": "Chunked"})
		chunked := func(body string) *reply {
			// A reader of unknown length makes the client send the body chunked.
			req, err := http.NewRequest("DELETE", e.URL+riskPath(x.ID), io.MultiReader(strings.NewReader(body)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			return send(t, e.Client, req)
		}
		wantErr(t, chunked(`{"force":true}`), http.StatusBadRequest, "VALIDATION_ERROR", "force")
		wantErr(t, chunked(`{"reason":`), http.StatusBadRequest, "VALIDATION_ERROR")
		if got := e.get(x.ID); got.Version != 1 {
			t.Fatalf("refused delete changed the risk: %+v", got)
		}
		wantOK(t, chunked(`{"reason":"duplicate"}`), http.StatusOK)
		wantErr(t, e.read(riskPath(x.ID)), http.StatusNotFound, "NOT_FOUND")
	})

	t.Run("stale If-Match", func(t *testing.T) {
		e := e.at(t)
		x := e.create(map[string]any{"title": "Stale"})
		wantOK(t, e.do("PUT", riskPath(x.ID), map[string]any{"title": "Stale 2"}), http.StatusOK)
		wantErr(t, e.do("DELETE", riskPath(x.ID), nil, "If-Match", etag(1)), http.StatusConflict, "CONFLICT")
		wantErr(t, e.do("DELETE", "/api/risks", map[string]any{"id": x.ID}, "If-Match", etag(1)), http.StatusConflict, "CONFLICT")
		if got := e.get(x.ID); got.Version != 2 {
			t.Fatalf("after stale delete: %+v", got)
		}
	})
}

func TestRiskHistory(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	orig := e.create(map[string]any{"title": "First title", "likelihood": 2, "impact": 2})
	r := e.do("PUT", riskPath(orig.ID), map[string]any{"title": "Second title", "likelihood": 3}, "X-Request-ID", "history-update-1")
	wantOK(t, r, http.StatusOK)
	wantWrite(t, r, 2)

	h := e.history(orig.ID)
	if len(h) != 2 {
		t.Fatalf("history: %+v", h)
	}
	for i, en := range h {
		if en.Version != int64(i+1) || en.Actor.ID != 1 || en.Actor.Name != "Test User" || en.RecordedAt.IsZero() ||
			en.EventID == "" {
			t.Fatalf("entry %d: %+v", i, en)
		}
	}
	if h[0].Type != "RiskCreated" || h[1].Type != "RiskUpdated" || !h[1].RecordedAt.After(h[0].RecordedAt) ||
		h[1].Version != 2 || h[1].CorrelationID != "history-update-1" {
		t.Fatalf("entries: %+v", h)
	}
	changes := map[string][2]string{}
	for _, c := range h[1].Changes {
		changes[c.Field] = [2]string{string(c.Before), string(c.After)}
	}
	want := map[string][2]string{
		"title":          {`"First title"`, `"Second title"`},
		"likelihood":     {`2`, `3`},
		"inherent_score": {`4`, `6`},
		"rating":         {`"Low"`, `"Medium"`},
	}
	if !reflect.DeepEqual(changes, want) {
		t.Fatalf("changes %v, want %v", changes, want)
	}
	created := map[string]string{}
	for _, c := range h[0].Changes {
		if string(c.Before) != "null" {
			t.Errorf("creation change %s has before %s", c.Field, c.Before)
		}
		created[c.Field] = string(c.After)
	}
	if created["title"] != `"First title"` || created["category"] != `"Operational"` {
		t.Fatalf("creation changes: %v", created)
	}
	wantOK(t, e.do("GET", "/api/v1/risks/"+strconv.FormatInt(orig.ID, 10)+"/history", nil), http.StatusOK)
}

func TestRiskResponses(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	risk := e.create(map[string]any{"title": "Treat me"})
	other := e.create(map[string]any{"title": "Other"})
	owner := e.members(1)[0]

	r := e.do("POST", riskPath(risk.ID)+"/responses", map[string]any{
		"type": "mitigate", "description": " Patch servers ", "owner_id": owner, "due_date": "2026-06-30"})
	wantOK(t, r, http.StatusCreated)
	wantWrite(t, r, 2)
	var got riskView
	r.into(t, &got)
	if len(got.Responses) != 1 {
		t.Fatalf("responses: %s", r.Raw)
	}
	resp := got.Responses[0]
	if resp.ID <= 0 || resp.RiskID != risk.ID || resp.Type != "mitigate" || resp.Description != "Patch servers" ||
		resp.Status != "planned" || *resp.OwnerID != owner || *resp.DueDate != "2026-06-30" || resp.CompletedAt != nil ||
		resp.CreatedAt.IsZero() || got.Version != 2 {
		t.Fatalf("response: %s", r.Raw)
	}
	respPath := riskPath(risk.ID) + "/responses/" + strconv.FormatInt(resp.ID, 10)
	if loc := r.Header.Get("Location"); loc != respPath {
		t.Fatalf("Location %q, want %q", loc, respPath)
	}

	r = e.do("POST", riskPath(risk.ID)+"/responses", map[string]any{"type": "transfer", "description": "Insure", "status": "in_progress"}, "If-Match", etag(2))
	wantOK(t, r, http.StatusCreated)
	r.into(t, &got)
	if len(got.Responses) != 2 || got.Responses[1].Status != "in_progress" || got.Responses[1].ID <= resp.ID {
		t.Fatalf("second response: %s", r.Raw)
	}
	wantErr(t, e.do("POST", riskPath(risk.ID)+"/responses", map[string]any{"type": "avoid", "description": "x"}, "If-Match", etag(2)),
		http.StatusConflict, "CONFLICT")

	t.Run("progress to done", func(t *testing.T) {
		e := e.at(t)
		r := e.do("PUT", respPath, map[string]any{"status": "in_progress"})
		wantOK(t, r, http.StatusOK)
		r.into(t, &got)
		if got.Responses[0].Status != "in_progress" || got.Responses[0].CompletedAt != nil {
			t.Fatalf("in progress: %s", r.Raw)
		}
		before := time.Now().Add(-time.Second)
		r = e.do("PUT", respPath, map[string]any{"status": "done"}, "If-Match", etag(got.Version))
		wantOK(t, r, http.StatusOK)
		r.into(t, &got)
		done := got.Responses[0]
		if done.Status != "done" || done.CompletedAt == nil || done.CompletedAt.Before(before) ||
			done.Description != "Patch servers" || got.Responses[1].Status != "in_progress" {
			t.Fatalf("done: %s", r.Raw)
		}
		read := e.get(risk.ID)
		if len(read.Responses) != 2 || read.Responses[0].Status != "done" || read.Responses[0].CompletedAt == nil ||
			!read.Responses[0].CompletedAt.Equal(*done.CompletedAt) {
			t.Fatalf("read back: %+v", read.Responses)
		}
		wantErr(t, e.do("PUT", respPath, map[string]any{"status": "planned"}, "If-Match", etag(1)), http.StatusConflict, "CONFLICT")
	})

	t.Run("errors", func(t *testing.T) {
		e := e.at(t)
		otherResp := riskPath(other.ID) + "/responses/" + strconv.FormatInt(resp.ID, 10)
		wantErr(t, e.do("PUT", otherResp, map[string]any{"status": "done"}), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, e.do("PUT", riskPath(risk.ID)+"/responses/999999", map[string]any{"status": "done"}), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, e.do("PUT", respPath, map[string]any{"status": "finished"}), http.StatusBadRequest, "VALIDATION_ERROR", "status")
		wantErr(t, e.do("PUT", respPath, map[string]any{"colour": "red"}), http.StatusBadRequest, "VALIDATION_ERROR", "colour")
		wantErr(t, e.do("PUT", respPath, map[string]any{"due_date": "soon"}), http.StatusBadRequest, "VALIDATION_ERROR", "due_date")
		wantErr(t, e.do("PUT", respPath, `{"status":`), http.StatusBadRequest, "VALIDATION_ERROR")
		wantErr(t, e.do("PUT", riskPath(risk.ID)+"/responses/abc", map[string]any{"status": "done"}), http.StatusBadRequest, "VALIDATION_ERROR", "response_id")
		wantErr(t, e.do("POST", riskPath(risk.ID)+"/responses", map[string]any{"type": "ignore", "description": ""}),
			http.StatusBadRequest, "VALIDATION_ERROR", "type", "description")
		wantErr(t, e.do("POST", riskPath(risk.ID)+"/responses", map[string]any{"type": "accept", "description": "x", "extra": 1}),
			http.StatusBadRequest, "VALIDATION_ERROR", "extra")
		wantErr(t, e.do("POST", riskPath(999999)+"/responses", map[string]any{"type": "accept", "description": "x"}),
			http.StatusNotFound, "NOT_FOUND")
		if read := e.get(other.ID); len(read.Responses) != 0 || read.Version != 1 {
			t.Fatalf("other risk changed: %+v", read)
		}
	})
}

func TestRiskControls(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	// Mapping checks the control library, so the controls mapped are real ones.
	c7 := e.newControl("RC-7", map[string]any{"title": "Seventh", "status": "Active"})
	c8 := e.newControl("RC-8", nil)
	c9 := e.newControl("RC-9", map[string]any{"title": "Ninth"})
	// A risk's reply describes its controls from the control library's read model:
	// wait for it to hold them, so the replies below are not racing it.
	if items, _ := e.listControls(""); len(items) != 3 {
		t.Fatalf("controls: %v", controlIDs(items))
	}
	risk := e.create(map[string]any{"title": "Mapped"})
	decode := func(r *reply) riskView {
		t.Helper()
		var got riskView
		r.into(t, &got)
		return got
	}
	ref := func(c controlView, status, effectiveness string) controlRef {
		return controlRef{ID: c.ID, Code: c.Code, Title: c.Title, Status: status, Effectiveness: effectiveness}
	}
	path := riskPath(risk.ID) + "/controls"
	c7Path, c9Path := path+"/"+strconv.FormatInt(c7.ID, 10), path+"/"+strconv.FormatInt(c9.ID, 10)

	r := e.do("POST", path, map[string]any{"control_id": c7.ID}, "If-Match", etag(1))
	wantOK(t, r, http.StatusOK)
	wantWrite(t, r, 2)
	if got := decode(r); !slices.Equal(got.ControlIDs, []int64{c7.ID}) ||
		!reflect.DeepEqual(got.Controls, []controlRef{ref(c7, "Active", "Not Tested")}) {
		t.Fatalf("after mapping %d: %s", c7.ID, r.Raw)
	}
	r = e.do("POST", path, map[string]any{"control_id": c9.ID})
	wantOK(t, r, http.StatusOK)
	if got := decode(r); !slices.Equal(got.ControlIDs, []int64{c7.ID, c9.ID}) {
		t.Fatalf("after mapping %d: %v", c9.ID, got.ControlIDs)
	}
	// Mapping again changes nothing.
	r = e.do("POST", path, map[string]any{"control_id": c7.ID})
	wantOK(t, r, http.StatusOK)
	if got := decode(r); !slices.Equal(got.ControlIDs, []int64{c7.ID, c9.ID}) || r.Header.Get("ETag") != etag(3) {
		t.Fatalf("after mapping %d again: %v %v", c7.ID, got.ControlIDs, r.Header)
	}
	// The detail lists the controls with their status and rating, by code.
	got := e.get(risk.ID)
	if want := []controlRef{ref(c7, "Active", "Not Tested"), ref(c9, "Draft", "Not Tested")}; !slices.Equal(got.ControlIDs, []int64{c7.ID, c9.ID}) ||
		got.Version != 3 || !reflect.DeepEqual(got.Controls, want) {
		t.Fatalf("GET after mapping: %+v, want controls %+v", got, want)
	}
	if !strings.Contains(string(e.read(riskPath(risk.ID)).Raw), `"controls":[{"id":`) {
		t.Fatal("the detail's controls are not a list of objects")
	}

	r = e.do("DELETE", c7Path, nil)
	wantOK(t, r, http.StatusOK)
	wantWrite(t, r, 4)
	if got := decode(r); !slices.Equal(got.ControlIDs, []int64{c9.ID}) || !reflect.DeepEqual(got.Controls, []controlRef{ref(c9, "Draft", "Not Tested")}) {
		t.Fatalf("after unmapping %d: %s", c7.ID, r.Raw)
	}
	if got := e.get(risk.ID); !slices.Equal(got.ControlIDs, []int64{c9.ID}) || len(got.Controls) != 1 {
		t.Fatalf("GET after unmapping: %+v", got)
	}
	items, _ := e.list("")
	if len(items) != 1 || !slices.Equal(items[0].ControlIDs, []int64{c9.ID}) {
		t.Fatalf("list after unmapping: %+v", items)
	}

	wantErr(t, e.do("DELETE", c7Path, nil), http.StatusNotFound, "NOT_FOUND")
	wantErr(t, e.do("DELETE", c9Path, nil, "If-Match", etag(1)), http.StatusConflict, "CONFLICT")
	wantErr(t, e.do("POST", path, map[string]any{"control_id": c8.ID}, "If-Match", etag(1)), http.StatusConflict, "CONFLICT")
	wantErr(t, e.do("DELETE", path+"/abc", nil), http.StatusBadRequest, "VALIDATION_ERROR", "control_id")
	wantErr(t, e.do("DELETE", path+"/0", nil), http.StatusBadRequest, "VALIDATION_ERROR", "control_id")
	wantErr(t, e.do("POST", path, map[string]any{}), http.StatusBadRequest, "VALIDATION_ERROR", "control_id")
	wantErr(t, e.do("POST", path, map[string]any{"control_id": 0}), http.StatusBadRequest, "VALIDATION_ERROR", "control_id")
	wantErr(t, e.do("POST", path, map[string]any{"control_id": "x"}), http.StatusBadRequest, "VALIDATION_ERROR", "control_id")
	wantErr(t, e.do("POST", path, map[string]any{"control_id": c8.ID, "note": "x"}), http.StatusBadRequest, "VALIDATION_ERROR", "note")
	wantErr(t, e.do("POST", riskPath(999999)+"/controls", map[string]any{"control_id": c8.ID}), http.StatusNotFound, "NOT_FOUND")
	if got := e.get(risk.ID); !slices.Equal(got.ControlIDs, []int64{c9.ID}) || got.Version != 4 {
		t.Fatalf("after refused changes: %+v", got)
	}

	t.Run("control that does not exist", func(t *testing.T) {
		e := e.at(t)
		wantErr(t, e.do("POST", path, map[string]any{"control_id": 999999}), http.StatusBadRequest, "VALIDATION_ERROR", "control_id")
		if got := e.get(risk.ID); got.Version != 4 {
			t.Fatalf("refused mapping changed the risk: %+v", got)
		}
	})

	t.Run("control of another organization", func(t *testing.T) {
		e := e.at(t)
		other := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		theirs := other.newControl("THEIR-SECRET", map[string]any{"title": "Classified control", "status": "Active"})
		r := e.do("POST", path, map[string]any{"control_id": theirs.ID})
		wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "control_id")
		if s := strings.ToLower(string(r.Raw)); strings.Contains(s, "secret") || strings.Contains(s, "classified") {
			t.Fatalf("reply tells about the other organization's control: %s", r.Raw)
		}
		// Nor may it differ from the reply about an id that was never used.
		n := e.do("POST", path, map[string]any{"control_id": 999999})
		if r.Error.Message != n.Error.Message || !reflect.DeepEqual(r.Error.Fields, n.Error.Fields) {
			t.Fatalf("foreign control: %s; unused id: %s", r.Raw, n.Raw)
		}
		if got := e.get(risk.ID); got.Version != 4 || slices.Contains(got.ControlIDs, theirs.ID) {
			t.Fatalf("refused mapping changed the risk: %+v", got)
		}
		// Org 2 cannot map org 1's control to its own risk either.
		mine := other.create(map[string]any{"title": "Org two risk"})
		wantErr(t, other.do("POST", riskPath(mine.ID)+"/controls", map[string]any{"control_id": c9.ID}),
			http.StatusBadRequest, "VALIDATION_ERROR", "control_id")
	})

	t.Run("archived control", func(t *testing.T) {
		e := e.at(t)
		archived := e.newControl("RC-ARCH", map[string]any{"status": "Archived"})
		r := e.do("POST", path, map[string]any{"control_id": archived.ID})
		wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "control_id")
		if got := e.get(risk.ID); got.Version != 4 || slices.Contains(got.ControlIDs, archived.ID) {
			t.Fatalf("archived control mapped: %+v", got)
		}
		// Made Draft or Active again, it may be mapped.
		e.setControl(archived.ID, map[string]any{"status": "Draft"})
		wantOK(t, e.do("POST", path, map[string]any{"control_id": archived.ID}), http.StatusOK)
		wantOK(t, e.do("DELETE", path+"/"+strconv.FormatInt(archived.ID, 10), nil), http.StatusOK)
	})

	t.Run("archiving a mapped control keeps it listed", func(t *testing.T) {
		e := e.at(t)
		e.rate(c9.ID, "Effective")
		e.setControl(c9.ID, map[string]any{"status": "Archived"})
		// The risk detail waits only for the risks projection (see
		// TestRiskDetailWaitsForControls); reading the control first makes sure the
		// control library's read model has the change too.
		if got := e.getControl(c9.ID); got.Status != "Archived" || !slices.Contains(got.RiskIDs, risk.ID) {
			t.Fatalf("archived control: %+v", got)
		}
		got := e.get(risk.ID)
		if !slices.Equal(got.ControlIDs, []int64{c9.ID}) || !reflect.DeepEqual(got.Controls, []controlRef{ref(c9, "Archived", "Effective")}) {
			t.Fatalf("risk after archiving its control: %+v", got)
		}
		// It can still be unmapped, and not mapped again while archived.
		wantOK(t, e.do("DELETE", c9Path, nil), http.StatusOK)
		wantErr(t, e.do("POST", path, map[string]any{"control_id": c9.ID}), http.StatusBadRequest, "VALIDATION_ERROR", "control_id")
	})
}

// TestRiskLifecycleV1 runs every risk route under /api/v1.
func TestRiskLifecycleV1(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	const v1 = "/api/v1/risks"
	r := e.do("POST", v1, map[string]any{"title": "Versioned", "category": "IT", "likelihood": 4, "impact": 4})
	wantOK(t, r, http.StatusCreated)
	wantWrite(t, r, 1)
	var risk riskView
	r.into(t, &risk)
	if risk.Rating != "High" || r.Header.Get("Location") == "" {
		t.Fatalf("create: %s", r.Raw)
	}
	id := strconv.FormatInt(risk.ID, 10)

	wantOK(t, e.read(v1+"/"+id), http.StatusOK)
	wantOK(t, e.read(v1+"?action=get&id="+id), http.StatusOK)
	r = e.read(v1 + "?action=list&category=IT&sort=-score&limit=5")
	wantOK(t, r, http.StatusOK)
	if r.Meta == nil || r.Meta.Total != 1 {
		t.Fatalf("list: %s", r.Raw)
	}
	wantOK(t, e.do("PUT", v1+"/"+id, map[string]any{"title": "Versioned 2"}, "If-Match", etag(1)), http.StatusOK)
	wantErr(t, e.do("PUT", v1+"/"+id, map[string]any{"title": "Versioned 3"}, "If-Match", etag(1)), http.StatusConflict, "CONFLICT")
	wantOK(t, e.do("GET", v1+"/"+id+"?as_of="+url.QueryEscape(risk.CreatedAt.Format(time.RFC3339Nano)), nil), http.StatusOK)
	r = e.do("POST", v1+"/"+id+"/responses", map[string]any{"type": "accept", "description": "Live with it"})
	wantOK(t, r, http.StatusCreated)
	r.into(t, &risk)
	respID := strconv.FormatInt(risk.Responses[0].ID, 10)
	wantOK(t, e.do("PUT", v1+"/"+id+"/responses/"+respID, map[string]any{"status": "done"}), http.StatusOK)
	r = e.do("POST", "/api/v1/controls", map[string]any{"code": "V1-1", "title": "Versioned control", "type": "preventive", "frequency": "monthly"})
	wantOK(t, r, http.StatusCreated)
	var control controlView
	r.into(t, &control)
	controlID := strconv.FormatInt(control.ID, 10)
	wantOK(t, e.do("POST", v1+"/"+id+"/controls", map[string]any{"control_id": control.ID}), http.StatusOK)
	wantOK(t, e.do("DELETE", v1+"/"+id+"/controls/"+controlID, nil), http.StatusOK)
	wantOK(t, e.do("DELETE", v1+"/"+id, nil), http.StatusOK)
	wantErr(t, e.read(v1+"/"+id), http.StatusNotFound, "NOT_FOUND")
	wantErr(t, e.do("GET", v1+"/nope", nil), http.StatusBadRequest, "VALIDATION_ERROR", "id")
	wantErr(t, e.do("GET", "/api/v1/nothing", nil), http.StatusNotFound, "NOT_FOUND")

	h := e.history(risk.ID)
	var types []string
	for _, en := range h {
		types = append(types, en.Type)
	}
	want := "RiskCreated RiskUpdated RiskResponseAdded RiskResponseUpdated RiskControlMapped RiskControlUnmapped RiskDeleted"
	if strings.Join(types, " ") != want {
		t.Fatalf("history types %v", types)
	}
}

// The answer to a create is built from the appended event, not read back: it must
// say exactly what a read of the risk then says.
func TestCreateAnswerEqualsRead(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	created := e.do("POST", "/api/risks", map[string]any{"title": "  Padded title ", "category": "Ops", "likelihood": 4, "impact": 5,
		"residual_likelihood": 2, "residual_impact": 2, "review_date": "2027-01-31", "description": "d"})
	wantOK(t, created, http.StatusCreated)
	var a riskView
	created.into(t, &a)
	read := e.read(riskPath(a.ID))
	wantOK(t, read, http.StatusOK)
	var got, want map[string]any
	if err := json.Unmarshal(created.Data, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(read.Data, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("create answered\n%v\na read says\n%v", got, want)
	}
	if created.Header.Get("X-Event-Position") == "" {
		t.Fatal("the create answer must carry its event position")
	}
}
