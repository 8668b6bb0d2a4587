package controls

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	pcontrols "github.com/strata-grc/strata/projections/controls"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/schema/testdb"
)

func orgMeta(org int64) events.Metadata {
	return events.Metadata{OrgID: org, ActorID: 1, ActorName: "Tester", CorrelationID: "t"}
}

// failingStore refuses appends while fail is set, as a full disk or a dropped
// connection would.
type failingStore struct {
	events.Store
	fail atomic.Bool
}

var errDiskFull = errors.New("disk full")

func (s *failingStore) Append(ctx context.Context, streamID string, expected events.ExpectedVersion, meta events.Metadata, evs ...events.NewEvent) (events.AppendResult, error) {
	if s.fail.Load() {
		return events.AppendResult{}, errDiskFull
	}
	return s.Store.Append(ctx, streamID, expected, meta, evs...)
}

// countingIDs counts the ids handed out.
type countingIDs struct {
	IDs
	n atomic.Int64
}

func (c *countingIDs) Next(ctx context.Context, kind string) (int64, error) {
	c.n.Add(1)
	return c.IDs.Next(ctx, kind)
}

type handlerEnv struct {
	db    *testdb.DB
	pg    *postgres.Store
	store *failingStore
	reg   *events.Registry
	ids   *countingIDs
	h     *Handler
}

func newHandlerEnv(t *testing.T) *handlerEnv {
	t.Helper()
	e := &handlerEnv{db: testdb.New(t), reg: events.NewRegistry()}
	ev.Register(e.reg)
	e.pg = postgres.New(e.db.Pool)
	e.store = &failingStore{Store: e.pg}
	e.ids = &countingIDs{IDs: commands.NewSequences(e.db.Pool)}
	var err error
	if e.h, err = NewHandler(e.db.Pool, e.store, e.reg, e.ids, nil, func() time.Time { return frozenNow }); err != nil {
		t.Fatal(err)
	}
	return e
}

// project runs the controls projection until the test ends.
func (e *handlerEnv) project(t *testing.T) *projections.Runner {
	t.Helper()
	r := projectiontest.Run(t, projections.RunnerConfig{
		Store: e.pg, Pool: e.db.Pool, Projectors: []projections.Projector{pcontrols.New(e.reg)},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Subscriber: projections.SubscriberConfig{IdlePoll: 20 * time.Millisecond, Wakeup: e.pg.Wakeup().C},
	})
	return r
}

func waitProjected(t *testing.T, r *projections.Runner, pos events.Position) {
	t.Helper()
	projectiontest.Wait(t, r, pos, pcontrols.Name)
}

func control(code string) ev.Fields {
	return ev.Fields{Code: code, Title: "Control " + code, Type: "preventive", Frequency: "monthly"}
}

func mustCreate(t *testing.T, h *Handler, org int64, f ev.Fields) int64 {
	t.Helper()
	res, err := h.CreateControl(context.Background(), orgMeta(org), f, "")
	if err != nil {
		t.Fatalf("create %s: %v", f.Code, err)
	}
	return res.ID
}

// fieldErr checks err is a VALIDATION_ERROR naming field, with a problem containing
// want, and returns the problem.
func fieldErr(t *testing.T, err error, field, want string) {
	t.Helper()
	var se *strata.Error
	if !errors.As(err, &se) || se.Code != strata.Invalid {
		t.Fatalf("error %v, want a VALIDATION_ERROR on %s", err, field)
	}
	if p, ok := se.Fields[field]; !ok || !strings.Contains(p, want) {
		t.Fatalf("error %v fields %q, want %s: ...%s...", err, se.Fields, field, want)
	}
}

func codeKeys(t *testing.T, e *handlerEnv, org int64) map[string]int64 {
	t.Helper()
	rows, err := e.db.Pool.Query(context.Background(), `select key, owner_id from unique_keys where kind = $1 and org_id = $2`, controlCodeKey, org)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var o int64
		if err := rows.Scan(&k, &o); err != nil {
			t.Fatal(err)
		}
		out[k] = o
	}
	return out
}

// Simultaneous creates of one code: exactly one wins, the others are told which
// control has it.
func TestCreateControlCodeIsUniqueUnderRace(t *testing.T) {
	t.Parallel()
	e := newHandlerEnv(t)
	ctx := context.Background()
	spellings := []string{"AC-%d", "ac-%d", " Ac-%d ", "aC-%d\t"}
	for round := range 4 {
		const n = 8
		var wg sync.WaitGroup
		ids := make([]int64, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, err := e.h.CreateControl(ctx, orgMeta(1), control(fmt.Sprintf(spellings[i%len(spellings)], round)), "")
				ids[i], errs[i] = res.ID, err
			}()
		}
		close(start)
		wg.Wait()
		var winner int64
		for i, err := range errs {
			if err == nil {
				if winner != 0 {
					t.Fatalf("round %d: controls %d and %d both got the code", round, winner, ids[i])
				}
				winner = ids[i]
			}
		}
		if winner == 0 {
			t.Fatalf("round %d: nobody got the code: %v", round, errs)
		}
		for _, err := range errs {
			if err != nil {
				fieldErr(t, err, "code", fmt.Sprintf("is already used by control %d", winner))
			}
		}
		if got := codeKeys(t, e, 1)[fmt.Sprintf("ac-%d", round)]; got != winner {
			t.Errorf("round %d: the key is held by %d, want %d", round, got, winner)
		}
		// The code is the organization's, not everyone's.
		mustCreate(t, e.h, 2, control(fmt.Sprintf("AC-%d", round)))
	}
	var streams int
	if err := e.db.Pool.QueryRow(ctx, `select count(distinct stream_id) from events where stream_id like 'control-%' and (metadata->>'org_id')::bigint = 1`).Scan(&streams); err != nil {
		t.Fatal(err)
	}
	if streams != 4 {
		t.Errorf("%d control streams in organization 1, want 4", streams)
	}
}

// A create or rename whose append fails gives its code back; so does a framework's.
func TestFailedAppendReleasesTheKey(t *testing.T) {
	t.Parallel()
	e := newHandlerEnv(t)
	ctx := context.Background()

	e.store.fail.Store(true)
	if _, err := e.h.CreateControl(ctx, orgMeta(1), control("AC-1"), ""); !errors.Is(err, errDiskFull) {
		t.Fatalf("create with the store failing: %v", err)
	}
	if keys := codeKeys(t, e, 1); len(keys) != 0 {
		t.Errorf("keys left after the failed create: %v", keys)
	}
	if _, err := e.h.CreateFramework(ctx, orgMeta(1), CreateFramework{Name: "ISO 27001", Version: "2022"}); !errors.Is(err, errDiskFull) {
		t.Fatalf("framework with the store failing: %v", err)
	}
	e.store.fail.Store(false)
	a := mustCreate(t, e.h, 1, control("AC-1"))
	if _, err := e.h.CreateFramework(ctx, orgMeta(1), CreateFramework{Name: "ISO 27001", Version: "2022"}); err != nil {
		t.Fatalf("the framework after the failure: %v", err)
	}

	// A rename whose append fails keeps the old code and frees the new one.
	e.store.fail.Store(true)
	if _, err := e.h.UpdateControl(ctx, orgMeta(1), a, nil, patch(`{"code": "AC-2"}`)); !errors.Is(err, errDiskFull) {
		t.Fatalf("rename with the store failing: %v", err)
	}
	e.store.fail.Store(false)
	if keys := codeKeys(t, e, 1); len(keys) != 1 || keys["ac-1"] != a {
		t.Errorf("keys after the failed rename: %v, want only ac-1 held by %d", keys, a)
	}
	mustCreate(t, e.h, 1, control("AC-2"))
	if _, err := e.h.CreateControl(ctx, orgMeta(1), control("ac-1"), ""); err == nil {
		t.Error("AC-1 was taken again after a failed rename of its holder")
	}
}

// Renaming a control frees its old code and holds the new one.
func TestRenameMovesTheCode(t *testing.T) {
	t.Parallel()
	e := newHandlerEnv(t)
	ctx := context.Background()
	m := orgMeta(1)
	a := mustCreate(t, e.h, 1, control("AC-1"))
	b := mustCreate(t, e.h, 1, control("AC-2"))

	// Another control's code is refused by name and changes nothing.
	_, err := e.h.UpdateControl(ctx, m, a, nil, patch(`{"code": " ac-2 ", "title": "Renamed"}`))
	fieldErr(t, err, "code", fmt.Sprintf("is already used by control %d", b))
	if st, _, _ := e.h.Controls().Load(ctx, a, events.ReadOptions{}); st.State.Code != "AC-1" || st.Version != 1 {
		t.Errorf("a refused rename changed the control: %+v", st)
	}

	// A rename.
	res, err := e.h.UpdateControl(ctx, m, a, nil, patch(`{"code": "ac-3"}`))
	if err != nil || !res.Changed {
		t.Fatalf("rename: %+v, %v", res, err)
	}
	if keys := codeKeys(t, e, 1); len(keys) != 2 || keys["ac-3"] != a || keys["ac-2"] != b {
		t.Errorf("keys after the rename: %v", keys)
	}
	mustCreate(t, e.h, 1, control("AC-1")) // the old code is free
	_, err = e.h.CreateControl(ctx, m, control("AC-3"), "")
	fieldErr(t, err, "code", fmt.Sprintf("is already used by control %d", a))

	// A change of case keeps the key.
	if _, err := e.h.UpdateControl(ctx, m, a, nil, patch(`{"code": "AC-3"}`)); err != nil {
		t.Fatalf("change of case: %v", err)
	}
	if keys := codeKeys(t, e, 1); keys["ac-3"] != a {
		t.Errorf("keys after a change of case: %v", keys)
	}
	// An update without the code leaves the keys alone.
	if _, err := e.h.UpdateControl(ctx, m, a, nil, patch(`{"title": "Renamed", "status": "Active"}`)); err != nil {
		t.Fatal(err)
	}
	if keys := codeKeys(t, e, 1); keys["ac-3"] != a || len(keys) != 3 {
		t.Errorf("keys after a title change: %v", keys)
	}

	// A refused rename reserves nothing: invalid, stale, or of a missing control.
	if _, err := e.h.UpdateControl(ctx, m, a, nil, patch(`{"code": "AC-9", "title": ""}`)); strata.ErrorCode(err) != strata.Invalid {
		t.Fatalf("invalid rename: %v", err)
	}
	stale := int64(1)
	if _, err := e.h.UpdateControl(ctx, m, a, &stale, patch(`{"code": "AC-9"}`)); strata.ErrorCode(err) != strata.Conflict {
		t.Fatalf("stale rename: %v", err)
	}
	if _, err := e.h.UpdateControl(ctx, m, 999999, nil, patch(`{"code": "AC-9"}`)); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("rename of a missing control: %v", err)
	}
	if _, err := e.h.UpdateControl(ctx, orgMeta(2), a, nil, patch(`{"code": "AC-9"}`)); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("rename of another organization's control: %v", err)
	}
	if _, ok := codeKeys(t, e, 1)["ac-9"]; ok {
		t.Error("a refused rename left AC-9 reserved")
	}
	mustCreate(t, e.h, 1, control("AC-9"))

	// Renaming back and forth.
	for _, code := range []string{"AC-4", "AC-3", "AC-4"} {
		if _, err := e.h.UpdateControl(ctx, m, a, nil, patch(`{"code": "`+code+`"}`)); err != nil {
			t.Fatalf("rename to %s: %v", code, err)
		}
	}
	if keys := codeKeys(t, e, 1); keys["ac-4"] != a || keys["ac-3"] != 0 {
		t.Errorf("keys after renaming back and forth: %v", keys)
	}
}

// Simultaneous renames of two controls to one code: one wins.
func TestRenameRace(t *testing.T) {
	t.Parallel()
	e := newHandlerEnv(t)
	ctx := context.Background()
	var ids []int64
	for i := range 6 {
		ids = append(ids, mustCreate(t, e.h, 1, control(fmt.Sprintf("C-%d", i))))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.h.UpdateControl(ctx, orgMeta(1), id, nil, patch(`{"code": "SHARED"}`))
		}()
	}
	wg.Wait()
	winners := 0
	for _, err := range errs {
		if err == nil {
			winners++
		} else if strata.ErrorCode(err) != strata.Invalid {
			t.Errorf("a losing rename: %v", err)
		}
	}
	if winners != 1 {
		t.Fatalf("%d renames won: %v", winners, errs)
	}
	keys := codeKeys(t, e, 1)
	if len(keys) != len(ids) {
		t.Errorf("keys after the race: %v, want %d", keys, len(ids))
	}
	holder := keys["shared"]
	for i, id := range ids {
		agg, _, err := e.h.Controls().Load(ctx, id, events.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("C-%d", i)
		if id == holder {
			want = "SHARED"
		}
		if agg.State.Code != want {
			t.Errorf("control %d has code %s, want %s", id, agg.State.Code, want)
		}
		if k := keys[strings.ToLower(agg.State.Code)]; k != id {
			t.Errorf("control %d's code %s is held by %d", id, agg.State.Code, k)
		}
	}
}

func TestFrameworkNameAndVersionAreUnique(t *testing.T) {
	t.Parallel()
	e := newHandlerEnv(t)
	ctx := context.Background()
	res, err := e.h.CreateFramework(ctx, orgMeta(1), CreateFramework{Name: "ISO 27001", Version: "2022"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.h.CreateFramework(ctx, orgMeta(1), CreateFramework{Name: " iso 27001 ", Version: "2022 "})
	fieldErr(t, err, "name", fmt.Sprintf("framework %d", res.ID))
	for _, ok := range []struct {
		org           int64
		name, version string
	}{{1, "ISO 27001", "2013"}, {1, "ISO 27002", "2022"}, {1, "ISO 27001", ""}, {2, "ISO 27001", "2022"}} {
		if _, err := e.h.CreateFramework(ctx, orgMeta(ok.org), CreateFramework{Name: ok.name, Version: ok.version}); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}

	// Simultaneous creates: one wins.
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.h.CreateFramework(ctx, orgMeta(1), CreateFramework{Name: "SOC 2", Version: "2017"})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			fieldErr(t, err, "name", "is already used")
		}
	}
	if won != 1 {
		t.Errorf("%d of the simultaneous creates won", won)
	}
}

// A bad file is refused before any id is spent or any name reserved; a good one lands
// in one append.
func TestCreateFrameworkImport(t *testing.T) {
	t.Parallel()
	e := newHandlerEnv(t)
	ctx := context.Background()
	before := e.ids.n.Load()
	_, err := e.h.CreateFramework(ctx, orgMeta(1), CreateFramework{Name: "ISO 27001", Source: "import",
		Requirements: []NewRequirement{newReq(0, 2, "A.1", "One"), newReq(0, 3, "a.1", "Two")}})
	fieldErr(t, err, "line 3", "already used at line 2")
	if n := e.ids.n.Load(); n != before {
		t.Errorf("a refused file spent %d ids", n-before)
	}
	var keys int
	if err := e.db.Pool.QueryRow(ctx, `select count(*) from unique_keys`).Scan(&keys); err != nil || keys != 0 {
		t.Errorf("%d keys after a refused file (%v)", keys, err)
	}

	reqs := []NewRequirement{newReq(0, 2, "A.1", "One"), newReq(0, 3, "A.2", "Two"), newReq(0, 4, "A.3", "Three")}
	res, err := e.h.CreateFramework(ctx, orgMeta(1), CreateFramework{Name: "ISO 27001", Source: "import", FileName: "iso.csv", Requirements: reqs})
	if err != nil {
		t.Fatal(err)
	}
	if reqs[0].ID != 0 {
		t.Error("CreateFramework wrote ids into the caller's slice")
	}
	evs, err := e.pg.ReadStream(ctx, ev.FrameworkStream(res.ID), events.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 4 || res.Version != 4 {
		t.Fatalf("%d events, version %d; want 4", len(evs), res.Version)
	}
	for _, x := range evs {
		if x.TransactionID != evs[0].TransactionID {
			t.Errorf("the import was appended in more than one transaction")
		}
	}
	agg, _, err := e.h.Frameworks().Load(ctx, res.ID, events.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(agg.State.Requirements) != 3 || agg.State.ID != res.ID {
		t.Errorf("state after import: %+v", agg.State)
	}
	for id := range agg.State.Requirements {
		if id <= 0 {
			t.Errorf("requirement id %d", id)
		}
	}

	// AddRequirement: a duplicate names the holder; another organization's framework
	// is not found.
	_, _, err = e.h.AddRequirement(ctx, orgMeta(1), res.ID, ev.Requirement{Code: "a.2", Title: "Dup"})
	fieldErr(t, err, "code", fmt.Sprintf("requirement %d", agg.State.Codes["a.2"]))
	_, _, err = e.h.AddRequirement(ctx, orgMeta(2), res.ID, ev.Requirement{Code: "A.4", Title: "Four"})
	if strata.ErrorCode(err) != strata.NotFound {
		t.Errorf("add to another organization's framework: %v", err)
	}
	_, _, err = e.h.AddRequirement(ctx, orgMeta(1), 999999, ev.Requirement{Code: "A.4", Title: "Four"})
	if strata.ErrorCode(err) != strata.NotFound {
		t.Errorf("add to a missing framework: %v", err)
	}
	rid, r2, err := e.h.AddRequirement(ctx, orgMeta(1), res.ID, ev.Requirement{Code: "A.4", Title: "Four"})
	if err != nil || rid <= 0 || r2.Version != 5 {
		t.Errorf("add: %d, %+v, %v", rid, r2, err)
	}
}

func TestFrameworkOfAnotherOrganizationIsRefused(t *testing.T) {
	t.Parallel()
	e := newHandlerEnv(t)
	ctx := context.Background()
	own, err := e.h.CreateFramework(ctx, orgMeta(1), CreateFramework{Name: "Own"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.h.CreateFramework(ctx, orgMeta(2), CreateFramework{Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{other.ID, 999999} {
		f := control("AC-1")
		f.FrameworkID = &id
		_, err := e.h.CreateControl(ctx, orgMeta(1), f, "")
		fieldErr(t, err, "framework_id", "not a framework of this organization")
	}
	if keys := codeKeys(t, e, 1); len(keys) != 0 {
		t.Errorf("a refused create reserved %v", keys)
	}
	f := control("AC-1")
	f.FrameworkID = &own.ID
	c := mustCreate(t, e.h, 1, f)

	_, err = e.h.UpdateControl(ctx, orgMeta(1), c, nil, patch(fmt.Sprintf(`{"framework_id": %d}`, other.ID)))
	fieldErr(t, err, "framework_id", "not a framework of this organization")
	for _, p := range []string{`{"framework_id": null}`, fmt.Sprintf(`{"framework_id": %d}`, own.ID)} {
		if _, err := e.h.UpdateControl(ctx, orgMeta(1), c, nil, patch(p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	// Wrong types are reported by the decision, not mistaken for a missing framework.
	_, err = e.h.UpdateControl(ctx, orgMeta(1), c, nil, patch(`{"framework_id": "x"}`))
	fieldErr(t, err, "framework_id", "whole number")
	_, err = e.h.UpdateControl(ctx, orgMeta(1), c, nil, patch(`{"framework_id": 0}`))
	fieldErr(t, err, "framework_id", "positive")
}

func TestStatusAndCommandsOfAnotherOrganization(t *testing.T) {
	t.Parallel()
	e := newHandlerEnv(t)
	ctx := context.Background()
	c := mustCreate(t, e.h, 1, control("AC-1"))
	if s, err := e.h.Status(ctx, 1, c); err != nil || s != Draft {
		t.Errorf("status: %q, %v", s, err)
	}
	for _, x := range []struct{ org, id int64 }{{2, c}, {1, 999999}} {
		if _, err := e.h.Status(ctx, x.org, x.id); strata.ErrorCode(err) != strata.NotFound {
			t.Errorf("status of control %d for organization %d: %v, want NOT_FOUND", x.id, x.org, err)
		}
	}
	for _, cmd := range []any{
		SetEffectiveness{Effectiveness: Effective, Notes: "x"},
		RecordTest{Result: Pass},
		UnmapRequirement{RequirementID: 1},
	} {
		if _, err := e.h.Execute(ctx, orgMeta(2), c, nil, cmd); strata.ErrorCode(err) != strata.NotFound {
			t.Errorf("%T by another organization: %v, want NOT_FOUND", cmd, err)
		}
	}
	if _, err := e.h.Execute(ctx, orgMeta(1), c, nil, UpdateControl{Patch: patch(`{}`)}); err == nil {
		t.Error("Execute ran an UpdateControl")
	}

	// A test recorded through the handler gets an id and is dated by the clock.
	id, res, err := e.h.RecordTest(ctx, orgMeta(1), c, nil, RecordTest{Result: Fail, Notes: "x"})
	if err != nil || id <= 0 || res.Version != 3 {
		t.Fatalf("record test: %d, %+v, %v", id, res, err)
	}
	agg, evs, err := e.h.Controls().Load(ctx, c, events.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if agg.State.Effectiveness != Ineffective || agg.State.LastTestedAt == nil || !agg.State.LastTestedAt.Equal(frozenNow) {
		t.Errorf("after a failed test: %+v", agg.State)
	}
	var eff ev.ControlEffectivenessUpdated
	if err := json.Unmarshal(evs[2].Data, &eff); err != nil || eff.TestID == nil || *eff.TestID != id {
		t.Errorf("the rating change names test %v, want %d (%v)", eff.TestID, id, err)
	}

	if _, err := e.h.UpdateControl(ctx, orgMeta(1), c, nil, patch(`{"status": "Archived"}`)); err != nil {
		t.Fatal(err)
	}
	if s, err := e.h.Status(ctx, 1, c); err != nil || s != Archived {
		t.Errorf("status after archiving: %q, %v", s, err)
	}
}

// MapRequirement finds the requirement's framework in the read model, only among
// the organization's own.
func TestMapRequirementNeedsARequirementOfTheOrganization(t *testing.T) {
	t.Parallel()
	e := newHandlerEnv(t)
	r := e.project(t)
	ctx := context.Background()
	own, err := e.h.CreateFramework(ctx, orgMeta(1), CreateFramework{Name: "Own", Requirements: []NewRequirement{newReq(0, 0, "A.1", "One")}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.h.CreateFramework(ctx, orgMeta(2), CreateFramework{Name: "Other", Requirements: []NewRequirement{newReq(0, 0, "B.1", "One")}})
	if err != nil {
		t.Fatal(err)
	}
	waitProjected(t, r, own.Position)
	waitProjected(t, r, other.Position)
	reqOf := func(fw int64) int64 {
		agg, _, err := e.h.Frameworks().Load(ctx, fw, events.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for id := range agg.State.Requirements {
			return id
		}
		t.Fatalf("framework %d has no requirement", fw)
		return 0
	}
	ownReq, otherReq := reqOf(own.ID), reqOf(other.ID)
	c := mustCreate(t, e.h, 1, control("AC-1"))

	for _, id := range []int64{otherReq, 999999} {
		_, err := e.h.MapRequirement(ctx, orgMeta(1), c, id, nil)
		fieldErr(t, err, "requirement_id", "not a requirement of this organization")
	}
	res, err := e.h.MapRequirement(ctx, orgMeta(1), c, ownReq, nil)
	if err != nil || !res.Changed {
		t.Fatalf("map: %+v, %v", res, err)
	}
	agg, _, err := e.h.Controls().Load(ctx, c, events.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fw := agg.State.Requirements[ownReq]; fw != own.ID {
		t.Errorf("requirement %d mapped with framework %d, want %d", ownReq, fw, own.ID)
	}
	if res, err := e.h.MapRequirement(ctx, orgMeta(1), c, ownReq, nil); err != nil || res.Changed {
		t.Errorf("mapping again: %+v, %v; want no change", res, err)
	}
	// Another organization cannot map its own requirement onto this control.
	if _, err := e.h.MapRequirement(ctx, orgMeta(2), c, otherReq, nil); strata.ErrorCode(err) != strata.NotFound {
		t.Errorf("organization 2 mapping onto organization 1's control: %v, want NOT_FOUND", err)
	}

	// A requirement added later, once projected.
	rid, added, err := e.h.AddRequirement(ctx, orgMeta(1), own.ID, ev.Requirement{Code: "A.2", Title: "Two"})
	if err != nil {
		t.Fatal(err)
	}
	waitProjected(t, r, added.Position)
	if _, err := e.h.MapRequirement(ctx, orgMeta(1), c, rid, nil); err != nil {
		t.Errorf("map a requirement added later: %v", err)
	}

	// An archived control keeps its mappings but takes no new one.
	if _, err := e.h.UpdateControl(ctx, orgMeta(1), c, nil, patch(`{"status": "Archived"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.h.Execute(ctx, orgMeta(1), c, nil, UnmapRequirement{RequirementID: rid}); err != nil {
		t.Fatalf("unmap from an archived control: %v", err)
	}
	if _, err := e.h.MapRequirement(ctx, orgMeta(1), c, rid, nil); strata.ErrorCode(err) != strata.Invalid {
		t.Errorf("map onto an archived control: %v, want VALIDATION_ERROR", err)
	}
	agg, _, err = e.h.Controls().Load(ctx, c, events.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(agg.State.Requirements) != 1 || agg.State.Requirements[ownReq] != own.ID {
		t.Errorf("mappings after archiving: %v", agg.State.Requirements)
	}
}
