package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cmdrisks "github.com/strata-grc/strata/commands/risks"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/cmd/strata/app"
	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/events"
	evcontrols "github.com/strata-grc/strata/events/controls"
	evrisks "github.com/strata-grc/strata/events/risks"
)

// pageOf reads one page of a list route into items and returns the reply.
func (e *env) pageOf(path string, query url.Values, items any) *reply {
	e.t.Helper()
	r := e.read(path + "?" + query.Encode())
	wantOK(e.t, r, http.StatusOK)
	if r.Meta == nil {
		e.t.Fatalf("%s: a list without meta: %s", path, r.Raw)
	}
	r.into(e.t, items)
	return r
}

// walk reads a list route page by page from cursor (the first page when empty) and
// returns every item after it, checking each page's size and total.
func walk[T any](e *env, path string, limit int, cursor string, total int64) []T {
	e.t.Helper()
	var all []T
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	for {
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page []T
		r := e.pageOf(path, q, &page)
		if r.Meta.Total != total || (r.Meta.NextCursor != nil && len(page) != limit) || len(page) > limit {
			e.t.Fatalf("%s: a page of %d with limit %d, total %d (want %d), next %v", path, len(page), limit,
				r.Meta.Total, total, r.Meta.NextCursor)
		}
		all = append(all, page...)
		if r.Meta.NextCursor == nil {
			return all
		}
		cursor = *r.Meta.NextCursor
	}
}

// A control's tests and rating history are paged: the detail embeds the first 50 of
// each with the total and the cursor of the rest, and the list routes serve every
// page after, in the same order.
func TestControlChildListsArePaged(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	c := e.newControl("PG-1", map[string]any{"status": "Active"})
	const n = 57
	base := time.Now().UTC().Add(-n * time.Hour).Truncate(time.Second)
	var written controlView
	for i := range n {
		// Pass and Fail in turn, each dated after the last: every test moves the rating.
		result := "Pass"
		if i%2 == 1 {
			result = "Fail"
		}
		written = e.recordTest(c.ID, result, base.Add(time.Duration(i)*time.Hour))
	}
	r := e.read(controlPath(c.ID))
	wantOK(t, r, http.StatusOK)
	var got controlView
	r.into(t, &got)
	for _, d := range []controlView{written, got} {
		if d.Version != 1+2*n || len(d.Tests) != 50 || d.TestsTotal != n || d.TestsNextCursor == nil ||
			len(d.EffectivenessHistory) != 50 || d.EffectivenessHistoryTotal != n || d.EffectivenessHistoryNextCursor == nil {
			t.Fatalf("detail: version %d, %d of %d tests (next %v), %d of %d changes (next %v)", d.Version, len(d.Tests),
				d.TestsTotal, d.TestsNextCursor, len(d.EffectivenessHistory), d.EffectivenessHistoryTotal, d.EffectivenessHistoryNextCursor)
		}
		if !d.Tests[0].TestedAt.Equal(base.Add((n-1)*time.Hour)) || d.EffectivenessHistory[0].Effectiveness != "Effective" {
			t.Fatalf("the first pages do not start with the latest: %+v %+v", d.Tests[0], d.EffectivenessHistory[0])
		}
	}
	if r.Header.Get("ETag") != etag(got.Version) {
		t.Fatalf("ETag %s, version %d", r.Header.Get("ETag"), got.Version)
	}

	// The detail's cursor reads the rest, and the write's answer gives the same one.
	tests := walk[controlTestView](e, controlPath(c.ID)+"/tests", 50, *got.TestsNextCursor, n)
	all := append(slices.Clone(got.Tests), tests...)
	if len(all) != n {
		t.Fatalf("%d tests after the detail's cursor, want %d", len(tests), n-50)
	}
	for i, x := range all {
		if !x.TestedAt.Equal(base.Add(time.Duration(n-1-i) * time.Hour)) {
			t.Fatalf("test %d: tested at %v, want %v", i, x.TestedAt, base.Add(time.Duration(n-1-i)*time.Hour))
		}
	}
	if !slices.Equal(testIDs(walk[controlTestView](e, controlPath(c.ID)+"/tests", 50, *written.TestsNextCursor, n)), testIDs(tests)) {
		t.Fatal("the write's answer and the read disagree on the tests after the first page")
	}
	for _, limit := range []int{1, 10, 56, 57, 500} {
		if got := walk[controlTestView](e, controlPath(c.ID)+"/tests", limit, "", n); !slices.Equal(testIDs(got), testIDs(all)) {
			t.Fatalf("limit %d: tests %v, want %v", limit, testIDs(got), testIDs(all))
		}
	}

	changes := append(slices.Clone(got.EffectivenessHistory),
		walk[effectivenessView](e, controlPath(c.ID)+"/effectiveness-history", 50, *got.EffectivenessHistoryNextCursor, n)...)
	if len(changes) != n {
		t.Fatalf("%d rating changes, want %d", len(changes), n)
	}
	for i, x := range changes {
		// Newest first, each caused by the test of its rank: the latest test is all[0].
		if x.TestID == nil || *x.TestID != all[i].ID {
			t.Fatalf("change %d: caused by %v, want test %d", i, x.TestID, all[i].ID)
		}
	}
	if got := walk[effectivenessView](e, controlPath(c.ID)+"/effectiveness-history", 7, "", n); len(got) != n ||
		*got[n-1].TestID != *changes[n-1].TestID {
		t.Fatalf("rating changes by sevens: %d", len(got))
	}

	// As of now: the first pages and their totals, but no cursor into the present.
	r = e.read(controlPath(c.ID) + "?as_of=" + url.QueryEscape(time.Now().UTC().Format(time.RFC3339Nano)))
	wantOK(t, r, http.StatusOK)
	var then controlView
	r.into(t, &then)
	if len(then.Tests) != 50 || then.TestsTotal != n || then.TestsNextCursor != nil ||
		len(then.EffectivenessHistory) != 50 || then.EffectivenessHistoryTotal != n || then.EffectivenessHistoryNextCursor != nil {
		t.Fatalf("as of now: %d of %d tests (next %v), %d of %d changes (next %v)", len(then.Tests), then.TestsTotal,
			then.TestsNextCursor, len(then.EffectivenessHistory), then.EffectivenessHistoryTotal, then.EffectivenessHistoryNextCursor)
	}

	t.Run("refused", func(t *testing.T) {
		e := e.at(t)
		for _, path := range []string{"/tests", "/effectiveness-history"} {
			for _, limit := range []string{"0", "501", "-1", "ten", "1.5"} {
				wantErr(t, e.do("GET", controlPath(c.ID)+path+"?limit="+limit, nil), http.StatusBadRequest, "VALIDATION_ERROR", "limit")
			}
			for _, cursor := range []string{"garbage", "%00", base64JSON(`{"s":"tests","i":0}`)} {
				wantErr(t, e.do("GET", controlPath(c.ID)+path+"?cursor="+cursor, nil), http.StatusBadRequest, "VALIDATION_ERROR")
			}
			wantErr(t, e.do("GET", controlPath(999999)+path, nil), http.StatusNotFound, "NOT_FOUND")
			wantErr(t, e.do("GET", "/api/controls/abc"+path, nil), http.StatusBadRequest, "VALIDATION_ERROR", "id")
		}
		// A cursor is only good for the list it came from.
		wantErr(t, e.do("GET", controlPath(c.ID)+"/effectiveness-history?cursor="+url.QueryEscape(*got.TestsNextCursor), nil),
			http.StatusBadRequest, "VALIDATION_ERROR")
		wantErr(t, e.do("GET", controlPath(c.ID)+"/tests?cursor="+url.QueryEscape(*got.EffectivenessHistoryNextCursor), nil),
			http.StatusBadRequest, "VALIDATION_ERROR")
		wantErr(t, e.do("GET", controlPath(c.ID)+"/history?cursor="+url.QueryEscape(*got.TestsNextCursor), nil),
			http.StatusBadRequest, "VALIDATION_ERROR")
		other := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		for path, cursor := range map[string]string{"/tests": *got.TestsNextCursor,
			"/effectiveness-history": *got.EffectivenessHistoryNextCursor, "/history": ""} {
			wantErr(t, other.do("GET", controlPath(c.ID)+path, nil), http.StatusNotFound, "NOT_FOUND")
			wantErr(t, other.do("GET", controlPath(c.ID)+path+"?cursor="+url.QueryEscape(cursor), nil),
				http.StatusNotFound, "NOT_FOUND")
		}
	})

	// The history pages too, and a test's entry holds that test alone.
	h := e.trail(controlPath(c.ID)+"/history", 7)
	if len(h) != 1+2*n {
		t.Fatalf("history of %d entries, want %d", len(h), 1+2*n)
	}
	for _, en := range h {
		if en.Type != "ControlTestRecorded" {
			continue
		}
		var test string
		for _, ch := range en.Changes {
			if f, ok := strings.CutPrefix(ch.Field, "tests."); ok {
				id, _, _ := strings.Cut(f, ".")
				if test != "" && id != test {
					t.Fatalf("version %d names tests %s and %s: %+v", en.Version, test, id, en.Changes)
				}
				test = id
			} else if ch.Field != "last_tested_at" {
				t.Fatalf("version %d changes %s", en.Version, ch.Field)
			}
		}
		if len(en.Changes) != 4 {
			t.Fatalf("version %d: %d changes, want the test's three fields and last_tested_at", en.Version, len(en.Changes))
		}
	}
}

func testIDs(ts []controlTestView) []int64 {
	out := make([]int64, len(ts))
	for i, x := range ts {
		out[i] = x.ID
	}
	return out
}

// base64JSON is a cursor made by hand: JSON in unpadded URL-safe base64.
func base64JSON(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// A history reads newest first, a page at a time, and every page size gives the same
// history.
func TestHistoryIsPagedNewestFirst(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	risk := e.create(map[string]any{"title": "Paged 0"})
	for i := 1; i <= 6; i++ {
		wantOK(t, e.do("PUT", riskPath(risk.ID), map[string]any{"title": fmt.Sprintf("Paged %d", i)}), http.StatusOK)
	}
	whole := e.history(risk.ID)
	if len(whole) != 7 {
		t.Fatalf("history of %d entries", len(whole))
	}
	for _, limit := range []int{1, 2, 3, 6, 7, 8, 500} {
		got := e.trail(riskPath(risk.ID)+"/history", limit)
		for i := range got {
			if got[i].EventID != whole[i].EventID {
				t.Fatalf("limit %d: entry %d is %+v, want %+v", limit, i, got[i], whole[i])
			}
		}
	}
	r := e.do("GET", riskPath(risk.ID)+"/history?limit=3", nil)
	wantOK(t, r, http.StatusOK)
	var first []historyEntry
	r.into(t, &first)
	if len(first) != 3 || first[0].Version != 7 || first[2].Version != 5 || r.Meta.Total != 7 || r.Meta.Limit != 3 || r.Meta.NextCursor == nil {
		t.Fatalf("first page: %s", r.Raw)
	}
	if c := changesOf(first[0]); c["title"] != [2]string{`"Paged 5"`, `"Paged 6"`} || len(c) != 1 {
		t.Fatalf("the newest entry: %v", c)
	}

	// Deleted, the risk keeps its history, paged the same way.
	wantOK(t, e.do("DELETE", riskPath(risk.ID), nil), http.StatusOK)
	if h := e.trail(riskPath(risk.ID)+"/history", 2); len(h) != 8 || h[7].Type != "RiskDeleted" {
		t.Fatalf("history after delete: %v", typesOf(h))
	}

	fw := e.newFramework("Paged framework", "1", "PF-1", "PF-2", "PF-3")
	if h := e.trail(frameworkPath(fw.ID)+"/history", 2); len(h) != 4 || h[0].Type != "FrameworkCreated" {
		t.Fatalf("framework history: %v", typesOf(h))
	}

	t.Run("refused", func(t *testing.T) {
		e := e.at(t)
		for _, path := range []string{riskPath(risk.ID) + "/history", frameworkPath(fw.ID) + "/history"} {
			for _, limit := range []string{"0", "501", "x"} {
				wantErr(t, e.do("GET", path+"?limit="+limit, nil), http.StatusBadRequest, "VALIDATION_ERROR", "limit")
			}
			for _, cursor := range []string{"garbage", base64JSON(`{"s":"-version","i":-3}`), base64JSON(`{"s":"score","i":3}`)} {
				wantErr(t, e.do("GET", path+"?cursor="+cursor, nil), http.StatusBadRequest, "VALIDATION_ERROR")
			}
		}
		// A cursor past the end of the stream reads what is there, never a 500.
		far := base64JSON(`{"s":"-version","i":1000000,"t":7}`)
		for _, path := range []string{riskPath(risk.ID) + "/history", frameworkPath(fw.ID) + "/history"} {
			wantOK(t, e.do("GET", path+"?cursor="+far, nil), http.StatusOK)
		}
		wantErr(t, e.do("GET", riskPath(999999)+"/history", nil), http.StatusNotFound, "NOT_FOUND")
		other := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other Org"})
		for _, path := range []string{riskPath(risk.ID) + "/history", frameworkPath(fw.ID) + "/history"} {
			wantErr(t, other.do("GET", path, nil), http.StatusNotFound, "NOT_FOUND")
			for _, c := range []string{`{"s":"-version","i":3,"t":7}`, `{"s":"-version","i":1,"t":7}`} {
				wantErr(t, other.do("GET", path+"?cursor="+base64JSON(c), nil), http.StatusNotFound, "NOT_FOUND")
			}
		}
	})
}

// Details are read in one snapshot: while writers keep changing a control, a risk and
// a framework, every detail read describes one version, its embedded lists included.
func TestDetailsReadOneSnapshot(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	control := e.newControl("SN-1", map[string]any{"status": "Active"})
	risk := e.create(map[string]any{"title": "Snapshot"})
	fw := e.newFramework("Snapshot framework", "1", "SN-0")
	meta := events.Metadata{OrgID: e.orgID(1), ActorID: e.userID(e.Email), ActorName: "Writer", CorrelationID: "snapshot-writer"}

	const writes = 80
	ctx := context.Background()
	done := make(chan struct{})
	errs := make(chan error, 3)
	var wg sync.WaitGroup
	write := func(what func(i int) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range writes {
				if err := what(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	base := time.Now().UTC().Add(-writes * time.Minute).Truncate(time.Second)
	write(func(i int) error {
		// Each test, dated after the last and of the other result, also moves the rating.
		at, result := base.Add(time.Duration(i)*time.Minute), cmdcontrols.Pass
		if i%2 == 1 {
			result = cmdcontrols.Fail
		}
		_, _, err := app.MustLookup[*cmdcontrols.Handler](e.App).RecordTest(ctx, meta, control.ID, nil, cmdcontrols.RecordTest{TestedAt: &at, Result: result})
		return err
	})
	write(func(i int) error {
		_, _, err := app.MustLookup[*cmdrisks.Handler](e.App).AddResponse(ctx, meta, risk.ID, nil, evrisks.Response{Type: "mitigate",
			Description: fmt.Sprintf("Response %d", i), Status: "planned"})
		return err
	})
	write(func(i int) error {
		_, _, err := app.MustLookup[*cmdcontrols.Handler](e.App).AddRequirement(ctx, meta, fw.ID, evcontrols.Requirement{
			Code: fmt.Sprintf("SN-%d", i+1), Title: "Snapshot requirement"})
		return err
	})
	go func() { wg.Wait(); close(done) }()

	seen := map[string]map[int64]bool{"control": {}, "risk": {}, "framework": {}}
	check := func() (finished bool) {
		r := e.do("GET", controlPath(control.ID), nil)
		wantOK(t, r, http.StatusOK)
		var c controlView
		r.into(t, &c)
		seen["control"][c.Version] = true
		if r.Header.Get("ETag") != etag(c.Version) || c.Version != 1+c.TestsTotal+c.EffectivenessHistoryTotal ||
			int64(len(c.Tests)) != min(c.TestsTotal, 50) || int64(len(c.EffectivenessHistory)) != min(c.EffectivenessHistoryTotal, 50) {
			t.Fatalf("control: ETag %s, version %d with %d of %d tests and %d of %d rating changes", r.Header.Get("ETag"),
				c.Version, len(c.Tests), c.TestsTotal, len(c.EffectivenessHistory), c.EffectivenessHistoryTotal)
		}
		if c.TestsTotal > 0 && (!c.LastTestedAt.Equal(c.Tests[0].TestedAt) || c.Effectiveness != c.EffectivenessHistory[0].Effectiveness) {
			t.Fatalf("control version %d: last tested %v, rated %s; its lists say %v, %s", c.Version, c.LastTestedAt,
				c.Effectiveness, c.Tests[0].TestedAt, c.EffectivenessHistory[0].Effectiveness)
		}

		r = e.do("GET", riskPath(risk.ID), nil)
		wantOK(t, r, http.StatusOK)
		var k riskView
		r.into(t, &k)
		seen["risk"][k.Version] = true
		if r.Header.Get("ETag") != etag(k.Version) || k.Version != 1+int64(len(k.Responses)) {
			t.Fatalf("risk: ETag %s, version %d with %d responses", r.Header.Get("ETag"), k.Version, len(k.Responses))
		}

		r = e.do("GET", frameworkPath(fw.ID), nil)
		wantOK(t, r, http.StatusOK)
		var f frameworkView
		r.into(t, &f)
		seen["framework"][int64(f.RequirementCount)] = true
		if f.RequirementCount != len(f.Requirements) {
			t.Fatalf("framework: requirement_count %d with %d requirements", f.RequirementCount, len(f.Requirements))
		}
		return c.Version == 1+2*writes && k.Version == 1+writes && f.RequirementCount == 1+writes
	}
	for finished := false; !finished; {
		select {
		case err := <-errs:
			t.Fatal(err)
		case <-done:
			// Once the writers are done, read until the read models have every write.
			deadline := time.Now().Add(30 * time.Second)
			for !check() {
				if time.Now().After(deadline) {
					t.Fatal("the read models did not catch up with the writers in 30s")
				}
				time.Sleep(20 * time.Millisecond)
			}
			finished = true
		default:
			check()
		}
	}
	t.Logf("versions seen while writing: %d of the control, %d of the risk, %d of the framework",
		len(seen["control"]), len(seen["risk"]), len(seen["framework"]))
}
