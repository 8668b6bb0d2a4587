package controls_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	pcontrols "github.com/strata-grc/strata/projections/controls"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/queries"
	qc "github.com/strata-grc/strata/queries/controls"
	"github.com/strata-grc/strata/schema/testdb"
)

func orgMeta(org int64) events.Metadata {
	return events.Metadata{OrgID: org, ActorID: 1, ActorName: "Tester", CorrelationID: "t"}
}

type env struct {
	t      *testing.T
	db     *testdb.DB
	h      *cmd.Handler
	r      *qc.Reader
	runner *projections.Runner
	last   events.Position
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, db: testdb.New(t)}
	reg := events.NewRegistry()
	ev.Register(reg)
	store := postgres.New(e.db.Pool)
	var err error
	if e.h, err = cmd.NewHandler(e.db.Pool, store, reg, commands.NewSequences(e.db.Pool), nil, nil); err != nil {
		t.Fatal(err)
	}
	e.r = qc.NewReader(e.db.Pool, e.h.Controls(), e.h.Frameworks())
	e.runner = projectiontest.Run(t, projections.RunnerConfig{
		Store: store, Pool: e.db.Pool, Projectors: []projections.Projector{pcontrols.New(reg)},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Subscriber: projections.SubscriberConfig{IdlePoll: 20 * time.Millisecond, Wakeup: store.Wakeup().C},
	})
	return e
}

// sync waits for the read model to hold every change made so far.
func (e *env) sync() {
	e.t.Helper()
	projectiontest.Wait(e.t, e.runner, e.last, pcontrols.Name)
}

func (e *env) done(res commands.Result, err error) commands.Result {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Changed && res.Position.Compare(e.last) > 0 {
		e.last = res.Position
	}
	return res
}

func (e *env) framework(org int64, name string, codes ...string) (int64, map[string]int64) {
	e.t.Helper()
	c := cmd.CreateFramework{Name: name, Source: "import"}
	for i, code := range codes {
		c.Requirements = append(c.Requirements, cmd.NewRequirement{Line: i + 2, Requirement: ev.Requirement{Code: code, Title: "Requirement " + code}})
	}
	res := e.done(e.h.CreateFramework(context.Background(), orgMeta(org), c))
	agg, _, err := e.h.Frameworks().Load(context.Background(), res.ID, events.ReadOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.sync() // MapRequirement finds requirements in the read model
	return res.ID, agg.State.Codes
}

func (e *env) control(org int64, f ev.Fields, status string) int64 {
	e.t.Helper()
	if f.Title == "" {
		f.Title = "Control " + f.Code
	}
	if f.Type == "" {
		f.Type = "preventive"
	}
	if f.Frequency == "" {
		f.Frequency = "monthly"
	}
	return e.done(e.h.CreateControl(context.Background(), orgMeta(org), f, status)).ID
}

func (e *env) exec(org, id int64, c any) {
	e.t.Helper()
	e.done(e.h.Execute(context.Background(), orgMeta(org), id, nil, c))
}

func (e *env) update(org, id int64, p string) {
	e.t.Helper()
	e.done(e.h.UpdateControl(context.Background(), orgMeta(org), id, nil, json.RawMessage(p)))
}

func (e *env) test(org, id int64, result string) int64 {
	e.t.Helper()
	tid, res, err := e.h.RecordTest(context.Background(), orgMeta(org), id, nil, cmd.RecordTest{Result: result, Notes: "sampled"})
	e.done(res, err)
	return tid
}

func (e *env) mapReq(org, id, req int64) {
	e.t.Helper()
	e.done(e.h.MapRequirement(context.Background(), orgMeta(org), id, req, nil))
}

func (e *env) coverage(org, fw int64) qc.Coverage {
	e.t.Helper()
	e.sync()
	c, err := e.r.Coverage(context.Background(), org, fw)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func checkCoverage(t *testing.T, what string, c qc.Coverage, total, covered int, percent float64, coveredCodes ...string) {
	t.Helper()
	if c.RequirementsTotal != total || c.RequirementsCovered != covered || c.CoveragePercent != percent {
		t.Errorf("%s: %d of %d covered, %v%%; want %d of %d, %v%%", what, c.RequirementsCovered, c.RequirementsTotal,
			c.CoveragePercent, covered, total, percent)
	}
	if len(c.Requirements) != total {
		t.Errorf("%s: %d requirements listed, want %d", what, len(c.Requirements), total)
	}
	var got []string
	for _, q := range c.Requirements {
		if q.Covered {
			got = append(got, q.Code)
		}
	}
	if !slices.Equal(got, coveredCodes) {
		t.Errorf("%s: covered %q, want %q", what, got, coveredCodes)
	}
}

// A requirement is covered only by an Active control rated Effective; the percentage
// is rounded to one decimal.
func TestCoverage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fw, codes := e.framework(1, "ISO 27001", "A.1", "A.2", "A.3")
	empty, _ := e.framework(1, "Empty")
	six, sixCodes := e.framework(1, "Six", "S.1", "S.2", "S.3", "S.4", "S.5", "S.6")

	c1 := e.control(1, ev.Fields{Code: "C-1"}, cmd.Active)
	e.test(1, c1, cmd.Pass) // Effective
	e.mapReq(1, c1, codes["a.1"])
	e.mapReq(1, c1, sixCodes["s.1"])

	c2 := e.control(1, ev.Fields{Code: "C-2"}, "") // Draft
	e.test(1, c2, cmd.Pass)
	e.mapReq(1, c2, codes["a.2"])
	c3 := e.control(1, ev.Fields{Code: "C-3"}, cmd.Active)
	e.test(1, c3, cmd.Fail) // Ineffective
	e.mapReq(1, c3, codes["a.2"])

	c4 := e.control(1, ev.Fields{Code: "C-4"}, cmd.Active)
	e.exec(1, c4, cmd.SetEffectiveness{Effectiveness: cmd.PartiallyEffective, Notes: "gaps"})
	e.mapReq(1, c4, codes["a.3"])

	cov := e.coverage(1, fw)
	checkCoverage(t, "one of three", cov, 3, 1, 33.3, "A.1")
	if cov.FrameworkID != fw {
		t.Errorf("framework_id %d, want %d", cov.FrameworkID, fw)
	}
	var a2 []qc.Ref
	for _, q := range cov.Requirements {
		if q.Code == "A.2" {
			a2 = q.Controls
		}
	}
	wantA2 := []qc.Ref{
		{ID: c2, Code: "C-2", Title: "Control C-2", Status: cmd.Draft, Effectiveness: cmd.Effective},
		{ID: c3, Code: "C-3", Title: "Control C-3", Status: cmd.Active, Effectiveness: cmd.Ineffective},
	}
	if !slices.Equal(a2, wantA2) {
		t.Errorf("A.2's controls: %+v, want %+v", a2, wantA2)
	}
	checkCoverage(t, "one of six", e.coverage(1, six), 6, 1, 16.7, "S.1")

	e.update(1, c2, `{"status": "Active"}`)
	checkCoverage(t, "two of three", e.coverage(1, fw), 3, 2, 66.7, "A.1", "A.2")

	// Archiving keeps the mapping, shown as Archived, but no longer covers.
	e.update(1, c1, `{"status": "Archived"}`)
	cov = e.coverage(1, fw)
	checkCoverage(t, "after archiving", cov, 3, 1, 33.3, "A.2")
	if got := cov.Requirements[0].Controls; len(got) != 1 || got[0].ID != c1 || got[0].Status != cmd.Archived {
		t.Errorf("A.1's controls after archiving: %+v", got)
	}
	checkCoverage(t, "none of six", e.coverage(1, six), 6, 0, 0)

	// A pass leaves Partially Effective alone; a person's Effective covers.
	e.test(1, c4, cmd.Pass)
	checkCoverage(t, "after a pass over Partially Effective", e.coverage(1, fw), 3, 1, 33.3, "A.2")
	e.exec(1, c4, cmd.SetEffectiveness{Effectiveness: cmd.Effective, Notes: "fixed"})
	e.update(1, c1, `{"status": "Active"}`)
	checkCoverage(t, "all three", e.coverage(1, fw), 3, 3, 100, "A.1", "A.2", "A.3")

	// A failing test uncovers; unmapping uncovers.
	e.test(1, c4, cmd.Fail)
	e.exec(1, c1, cmd.UnmapRequirement{RequirementID: codes["a.1"]})
	checkCoverage(t, "after a failure and an unmapping", e.coverage(1, fw), 3, 1, 33.3, "A.2")

	cov = e.coverage(1, empty)
	checkCoverage(t, "empty framework", cov, 0, 0, 0)
	if cov.Requirements == nil {
		t.Error("an empty framework's requirements are null, want []")
	}

	for _, x := range []struct{ org, id int64 }{{2, fw}, {1, 999999}} {
		if _, err := e.r.Coverage(context.Background(), x.org, x.id); strata.ErrorCode(err) != strata.NotFound {
			t.Errorf("coverage of framework %d for organization %d: %v, want NOT_FOUND", x.id, x.org, err)
		}
	}
}

func fieldsOf(err error) []string {
	var se *strata.Error
	if !errors.As(err, &se) {
		return nil
	}
	var out []string
	for k := range se.Fields {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func cursor(c queries.Cursor) string { return c.Encode() }

func TestListValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		f      qc.Filter
		fields []string
	}{
		{"unknown status", qc.Filter{Status: "Open"}, []string{"status"}},
		{"status in the wrong case", qc.Filter{Status: "active"}, []string{"status"}},
		{"unknown effectiveness", qc.Filter{Effectiveness: "Good"}, []string{"effectiveness"}},
		{"unknown type", qc.Filter{Type: "manual"}, []string{"type"}},
		{"unknown sort", qc.Filter{Sort: "title"}, []string{"sort"}},
		{"sort by id is the default, not a sort", qc.Filter{Sort: "id"}, []string{"sort"}},
		{"negative framework", qc.Filter{FrameworkID: -1}, []string{"framework_id"}},
		{"negative owner", qc.Filter{OwnerID: -1}, []string{"owner_id"}},
		{"limit too big", qc.Filter{Limit: 501}, []string{"limit"}},
		{"negative limit", qc.Filter{Limit: -1}, []string{"limit"}},
		{"q too long", qc.Filter{Q: strings.Repeat("q", 201)}, []string{"q"}},
		{"q with NUL", qc.Filter{Q: "a\x00"}, []string{"q"}},
		{"all at once", qc.Filter{Status: "x", Effectiveness: "x", Type: "x", Sort: "x", Limit: 1000, Q: strings.Repeat("q", 300)},
			[]string{"effectiveness", "limit", "q", "sort", "status", "type"}},
	} {
		_, err := e.r.List(ctx, 1, tc.f)
		if strata.ErrorCode(err) != strata.Invalid || !slices.Equal(fieldsOf(err), tc.fields) {
			t.Errorf("%s: %v (fields %q), want VALIDATION_ERROR on %q", tc.name, err, fieldsOf(err), tc.fields)
		}
	}
	for _, tc := range []struct {
		name   string
		sort   string
		cursor string
	}{
		{"not base64", "", "!!!"},
		{"not JSON", "", base64.RawURLEncoding.EncodeToString([]byte("nonsense"))},
		{"made for another sort", "code", cursor(queries.Cursor{Sort: "-code", Key: json.RawMessage(`"C-1"`), ID: 3})},
		{"made for the default sort", "code", cursor(queries.Cursor{ID: 3})},
		{"without an id", "", cursor(queries.Cursor{})},
		{"a code key that is not a string", "code", cursor(queries.Cursor{Sort: "code", Key: json.RawMessage(`5`), ID: 3})},
		{"an updated_at key that is not a time", "-updated_at", cursor(queries.Cursor{Sort: "-updated_at", Key: json.RawMessage(`"yesterday"`), ID: 3})},
	} {
		_, err := e.r.List(ctx, 1, qc.Filter{Sort: tc.sort, Cursor: tc.cursor})
		if strata.ErrorCode(err) != strata.Invalid || !strings.Contains(err.Error(), "cursor") {
			t.Errorf("cursor %s: %v, want a VALIDATION_ERROR about the cursor", tc.name, err)
		}
	}
	for _, tc := range []struct {
		name   string
		f      qc.FrameworkFilter
		fields []string
	}{
		{"q too long", qc.FrameworkFilter{Q: strings.Repeat("q", 201)}, []string{"q"}},
		{"limit too big", qc.FrameworkFilter{Limit: 501}, []string{"limit"}},
	} {
		_, err := e.r.Frameworks(ctx, 1, tc.f)
		if strata.ErrorCode(err) != strata.Invalid || !slices.Equal(fieldsOf(err), tc.fields) {
			t.Errorf("frameworks %s: %v, want VALIDATION_ERROR on %q", tc.name, err, tc.fields)
		}
	}
	if _, err := e.r.Frameworks(ctx, 1, qc.FrameworkFilter{Cursor: "!!!"}); strata.ErrorCode(err) != strata.Invalid {
		t.Errorf("frameworks with a bad cursor: %v", err)
	}
	// Limits at the bounds are fine; 0 is the default.
	for _, limit := range []int{0, 1, 500} {
		page, err := e.r.List(ctx, 1, qc.Filter{Limit: limit})
		if err != nil || page.Items == nil {
			t.Errorf("limit %d: %+v, %v", limit, page, err)
		}
		if limit == 0 && page.Limit != 50 {
			t.Errorf("the default limit is %d, want 50", page.Limit)
		}
	}
}

func ids(cs []qc.Control) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func TestListFiltersAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	fw, _ := e.framework(1, "ISO 27001")
	other, _ := e.framework(2, "Other")
	owner := int64(7)
	var all, active, withFw, detective, owned, needle []int64
	for i := range 13 {
		f := ev.Fields{Code: fmt.Sprintf("C-%02d", 13-i)}
		if i%3 == 0 {
			f.FrameworkID = &fw
			withFw = append(withFw, 0)
		}
		if i%4 == 0 {
			f.Type = "detective"
		}
		if i%5 == 0 {
			f.OwnerID = &owner
		}
		if i == 4 || i == 9 {
			f.Description = "has a NeedLe_ in it"
		}
		status := []string{cmd.Draft, cmd.Active, cmd.Archived}[i%3]
		id := e.control(1, f, status)
		all = append(all, id)
		if status == cmd.Active {
			active = append(active, id)
		}
		if f.FrameworkID != nil {
			withFw[len(withFw)-1] = id
		}
		if f.Type == "detective" {
			detective = append(detective, id)
		}
		if f.OwnerID != nil {
			owned = append(owned, id)
		}
		if f.Description != "" {
			needle = append(needle, id)
		}
	}
	// Another organization's controls are never listed.
	e.control(2, ev.Fields{Code: "C-01", FrameworkID: &other, Description: "needle"}, cmd.Active)
	ineffective := all[1]
	e.test(1, ineffective, cmd.Fail)
	e.sync()

	for _, tc := range []struct {
		name string
		f    qc.Filter
		want []int64
	}{
		{"everything, archived included", qc.Filter{}, all},
		{"status", qc.Filter{Status: cmd.Active}, active},
		{"framework", qc.Filter{FrameworkID: fw}, withFw},
		{"another organization's framework", qc.Filter{FrameworkID: other}, nil},
		{"type", qc.Filter{Type: "detective"}, detective},
		{"owner", qc.Filter{OwnerID: owner}, owned},
		{"effectiveness", qc.Filter{Effectiveness: cmd.Ineffective}, []int64{ineffective}},
		{"q, case-insensitive, wildcards literal", qc.Filter{Q: "needle_"}, needle},
		{"q with a wildcard that matches nothing literally", qc.Filter{Q: "need%"}, nil},
		{"q on code", qc.Filter{Q: "c-13"}, []int64{all[0]}},
	} {
		page, err := e.r.List(ctx, 1, tc.f)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := ids(page.Items); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if page.Total != int64(len(tc.want)) {
			t.Errorf("%s: total %d, want %d", tc.name, page.Total, len(tc.want))
		}
	}

	// Every sort pages through the whole list once, in order.
	for _, sort := range append([]string{""}, qc.Sorts...) {
		full, err := e.r.List(ctx, 1, qc.Filter{Sort: sort, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(full.Items) != len(all) || full.NextCursor != nil {
			t.Fatalf("sort %q: %d items, cursor %v", sort, len(full.Items), full.NextCursor)
		}
		for i := 1; i < len(full.Items); i++ {
			a, b := full.Items[i-1], full.Items[i]
			var c int
			switch strings.TrimPrefix(sort, "-") {
			case "":
				c = int(a.ID - b.ID)
			case "code":
				c = strings.Compare(a.Code, b.Code)
			case "updated_at":
				c = a.UpdatedAt.Compare(b.UpdatedAt)
			}
			if strings.HasPrefix(sort, "-") {
				c = -c
			}
			if c > 0 {
				t.Errorf("sort %q: %+v before %+v", sort, a, b)
			}
		}
		var paged []int64
		cur := ""
		for pages := 0; ; pages++ {
			page, err := e.r.List(ctx, 1, qc.Filter{Sort: sort, Limit: 4, Cursor: cur})
			if err != nil {
				t.Fatalf("sort %q page %d: %v", sort, pages, err)
			}
			if page.Total != int64(len(all)) {
				t.Errorf("sort %q page %d: total %d", sort, pages, page.Total)
			}
			paged = append(paged, ids(page.Items)...)
			if page.NextCursor == nil {
				break
			}
			cur = *page.NextCursor
			if pages > 10 {
				t.Fatalf("sort %q: paging does not end", sort)
			}
		}
		if want := ids(full.Items); !slices.Equal(paged, want) {
			t.Errorf("sort %q: paged %v, want %v", sort, paged, want)
		}
	}

	// Frameworks list only the organization's own, and page by id.
	fws := []int64{fw}
	for _, name := range []string{"SOC 2", "NIST CSF", "PCI DSS"} {
		id, _ := e.framework(1, name, "R.1")
		fws = append(fws, id)
	}
	var paged []int64
	cur := ""
	for pages := 0; ; pages++ {
		page, err := e.r.Frameworks(ctx, 1, qc.FrameworkFilter{Limit: 3, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != int64(len(fws)) {
			t.Errorf("frameworks page %d: total %d, want %d", pages, page.Total, len(fws))
		}
		for _, f := range page.Items {
			paged = append(paged, f.ID)
		}
		if page.NextCursor == nil || pages > 5 {
			break
		}
		cur = *page.NextCursor
	}
	if !slices.Equal(paged, fws) {
		t.Errorf("frameworks paged %v, want %v", paged, fws)
	}
	page, err := e.r.Frameworks(ctx, 1, qc.FrameworkFilter{Q: "soc"})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != fws[1] || page.Items[0].RequirementCount != 1 {
		t.Errorf("frameworks matching soc: %+v, %v", page, err)
	}
}

// chronological reads a history page by page, newest first, checks that the pages
// follow on from each other, and returns the whole history oldest first.
func chronological(t *testing.T, limit int, read func(limit int, cursor string) (queries.Page[queries.Entry], error)) []queries.Entry {
	t.Helper()
	var all []queries.Entry
	cursor := ""
	for {
		page, err := read(limit, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > limit || (page.NextCursor != nil && len(page.Items) != limit) {
			t.Fatalf("a page of %d entries with limit %d and next cursor %v", len(page.Items), limit, page.NextCursor)
		}
		for _, en := range page.Items {
			if len(all) > 0 && en.Version != all[len(all)-1].Version-1 {
				t.Fatalf("version %d follows version %d", en.Version, all[len(all)-1].Version)
			}
			all = append(all, en)
		}
		if page.Total != int64(len(all)) && page.NextCursor == nil {
			t.Fatalf("total %d, read %d", page.Total, len(all))
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if len(all) > 0 && all[len(all)-1].Version != 1 {
		t.Fatalf("the history ends at version %d", all[len(all)-1].Version)
	}
	slices.Reverse(all)
	return all
}

// History lists each test under tests.<id>.*, and the rating it caused under
// effectiveness.
func TestHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.control(1, ev.Fields{Code: "C-1"}, cmd.Active)
	first := e.test(1, id, cmd.Fail)
	e.update(1, id, `{"title": "Renamed", "status": "Draft"}`)
	at := time.Date(2025, 1, 2, 12, 0, 0, 0, time.UTC)
	second, res, err := e.h.RecordTest(ctx, orgMeta(1), id, nil, cmd.RecordTest{TestedAt: &at, Result: cmd.Inconclusive, Notes: "unclear"})
	e.done(res, err)

	// Two entries a page, so the history is read across three pages.
	hist := chronological(t, 2, func(limit int, cursor string) (queries.Page[queries.Entry], error) {
		return e.r.History(ctx, 1, id, limit, cursor)
	})
	var types []string
	for _, h := range hist {
		types = append(types, h.Type)
	}
	wantTypes := []string{"ControlCreated", "ControlTestRecorded", "ControlEffectivenessUpdated", "ControlUpdated", "ControlStatusChanged", "ControlTestRecorded"}
	if !slices.Equal(types, wantTypes) {
		t.Fatalf("history %v, want %v", types, wantTypes)
	}
	fields := func(i int) map[string]queries.Change {
		out := map[string]queries.Change{}
		for _, c := range hist[i].Changes {
			out[c.Field] = c
		}
		return out
	}
	prefix := func(tid int64) string { return fmt.Sprintf("tests.%d.", tid) }
	tested := fields(1)
	for _, k := range []string{"tested_at", "result", "notes"} {
		if c, ok := tested[prefix(first)+k]; !ok || string(c.Before) != "null" {
			t.Errorf("the first test's entry lacks %s%s: %+v", prefix(first), k, hist[1].Changes)
		}
	}
	if c := tested[prefix(first)+"result"]; string(c.After) != `"Fail"` {
		t.Errorf("the first test's result: %s", c.After)
	}
	if _, ok := tested["last_tested_at"]; !ok {
		t.Errorf("the first test's entry does not change last_tested_at: %+v", hist[1].Changes)
	}
	if _, ok := tested["effectiveness"]; ok {
		t.Error("the test's own entry changes effectiveness; the rating change is its own event")
	}
	if c, ok := fields(2)["effectiveness"]; !ok || string(c.Before) != `"Not Tested"` || string(c.After) != `"Ineffective"` {
		t.Errorf("the rating change: %+v", hist[2].Changes)
	}
	if c, ok := fields(4)["status"]; !ok || string(c.After) != `"Draft"` || len(hist[4].Changes) != 1 {
		t.Errorf("the status change: %+v", hist[4].Changes)
	}
	last := fields(5)
	for k := range last {
		if !strings.HasPrefix(k, prefix(second)) {
			t.Errorf("an older test changed %s: %+v", k, hist[5].Changes)
		}
	}
	if c := last[prefix(second)+"tested_at"]; string(c.After) != `"2025-01-02T12:00:00Z"` {
		t.Errorf("the second test's tested_at: %s", c.After)
	}
	if c := last[prefix(second)+"notes"]; string(c.After) != `"unclear"` {
		t.Errorf("the second test's notes: %s", c.After)
	}

	if _, err := e.r.History(ctx, 2, id, 0, ""); strata.ErrorCode(err) != strata.NotFound {
		t.Errorf("history for another organization: %v, want NOT_FOUND", err)
	}
	if _, err := e.r.History(ctx, 1, 999999, 0, ""); strata.ErrorCode(err) != strata.NotFound {
		t.Errorf("history of a missing control: %v, want NOT_FOUND", err)
	}

	// The detail as it stood after the first event, and before it.
	cur, err := e.r.Current(ctx, 1, id)
	if err != nil {
		t.Fatal(err)
	}
	then, err := e.r.AsOf(ctx, 1, id, hist[0].RecordedAt)
	if err != nil {
		t.Fatal(err)
	}
	if then.Version != 1 || then.Title != "Control C-1" || len(then.Tests) != 0 || then.Effectiveness != cmd.NotTested {
		t.Errorf("as of creation: %+v", then)
	}
	if cur.Version != 6 || cur.Title != "Renamed" || len(cur.Tests) != 2 || cur.Tests[0].ID != first {
		t.Errorf("current: %+v", cur)
	}
	if _, err := e.r.AsOf(ctx, 1, id, hist[0].RecordedAt.Add(-time.Second)); strata.ErrorCode(err) != strata.NotFound {
		t.Errorf("as of before creation: %v, want NOT_FOUND", err)
	}
}
