package audits

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	cmdrisks "github.com/strata-grc/strata/commands/risks"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
	evcontrols "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/events/postgres"
	evrisks "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/projections"
	pcontrols "github.com/strata-grc/strata/projections/controls"
	"github.com/strata-grc/strata/projections/projectiontest"
	qcontrols "github.com/strata-grc/strata/queries/controls"
	"github.com/strata-grc/strata/schema/testdb"
)

// Users of the two organizations the handler tests use. The engagement's work is
// assigned to 7; 2 and 3 are reviewers; 20 belongs to organization 2 only.
var membersOf = map[int64][]int64{1: {1, 2, 3, 7}, 2: {1, 20}}

type members struct{}

func (members) IsMember(_ context.Context, orgID, userID int64) (bool, error) {
	return slices.Contains(membersOf[orgID], userID), nil
}

// counter hands out ids; the audit module's sequences belong to its migration, which
// these tests do not depend on.
type counter struct{ n atomic.Int64 }

func (c *counter) Next(context.Context, string) (int64, error) { return 1000 + c.n.Add(1), nil }

// failingStore refuses appends while fail is set, as a full disk would.
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

// env is the audit handler over the real database, with the real risk register and
// control library behind it.
type env struct {
	t        *testing.T
	db       *testdb.DB
	pg       *postgres.Store
	store    *failingStore
	h        *Handler
	risks    *cmdrisks.Handler
	controls *cmdcontrols.Handler
	reader   *qcontrols.Reader
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, db: testdb.New(t)}
	reg := events.NewRegistry()
	ev.Register(reg)
	evrisks.Register(reg)
	evcontrols.Register(reg)
	e.pg = postgres.New(e.db.Pool)
	e.store = &failingStore{Store: e.pg}
	seq := commands.NewSequences(e.db.Pool)
	var err error
	if e.controls, err = cmdcontrols.NewHandler(e.db.Pool, e.pg, reg, seq, nil, nil); err != nil {
		t.Fatal(err)
	}
	if e.risks, err = cmdrisks.NewHandler(e.pg, reg, seq, nil, e.controls, nil); err != nil {
		t.Fatal(err)
	}
	e.reader = qcontrols.NewReader(e.db.Pool, e.controls.Controls(), e.controls.Frameworks())
	if e.h, err = NewHandler(e.db.Pool, e.store, reg, &counter{}, members{}, e.risks, e.controls, e.reader, nil); err != nil {
		t.Fatal(err)
	}
	return e
}

// project runs the control library's projection, which TestOutcome reads.
func (e *env) project() *projections.Runner {
	return projectiontest.Run(e.t, projections.RunnerConfig{
		Store: e.pg, Pool: e.db.Pool, Projectors: []projections.Projector{pcontrols.New(e.h.streams.Registry)},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Subscriber: projections.SubscriberConfig{IdlePoll: 20 * time.Millisecond, Wakeup: e.pg.Wakeup().C},
	})
}

func meta(org, actor int64) events.Metadata {
	return events.Metadata{OrgID: org, ActorID: actor, ActorName: "User " + strconv.FormatInt(actor, 10), CorrelationID: "t"}
}

var ctx = context.Background()

// ok is the result of a command that must succeed.
func (e *env) ok(res commands.Result, err error) commands.Result {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *env) engagement(org int64) int64 {
	e.t.Helper()
	return e.ok(e.h.CreateEngagement(ctx, meta(org, 1), ev.Fields{Title: "Payroll audit"}, "")).ID
}

func (e *env) finding(org, engagement int64) int64 {
	e.t.Helper()
	return e.ok(e.h.CreateFinding(ctx, meta(org, 1), engagement, ev.FindingFields{Title: "Weak passwords", AssignedTo: ptr(int64(7))}, nil)).ID
}

// fieldErr checks err is a VALIDATION_ERROR naming field.
func fieldErr(t *testing.T, err error, field string) {
	t.Helper()
	var se *strata.Error
	if !errors.As(err, &se) || se.Code != strata.Invalid || se.Fields[field] == "" {
		t.Fatalf("error %v, want a VALIDATION_ERROR on %s", err, field)
	}
}

func wantCode(t *testing.T, what string, err error, code strata.Code) {
	t.Helper()
	if strata.ErrorCode(err) != code {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}

func (e *env) load(id int64) Engagement {
	e.t.Helper()
	agg, _, err := e.h.Engagements().Load(ctx, id, events.ReadOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return agg.State
}

func TestNewHandlerRefusesMissingDependencies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reg := e.h.streams.Registry
	for name, build := range map[string]func() (*Handler, error){
		"pool": func() (*Handler, error) {
			return NewHandler(nil, e.pg, reg, &counter{}, nil, e.risks, e.controls, e.reader, nil)
		},
		"store": func() (*Handler, error) {
			return NewHandler(e.db.Pool, nil, reg, &counter{}, nil, e.risks, e.controls, e.reader, nil)
		},
		"registry": func() (*Handler, error) {
			return NewHandler(e.db.Pool, e.pg, nil, &counter{}, nil, e.risks, e.controls, e.reader, nil)
		},
		"ids": func() (*Handler, error) {
			return NewHandler(e.db.Pool, e.pg, reg, nil, nil, e.risks, e.controls, e.reader, nil)
		},
		"risks": func() (*Handler, error) {
			return NewHandler(e.db.Pool, e.pg, reg, &counter{}, nil, nil, e.controls, e.reader, nil)
		},
		"controls": func() (*Handler, error) {
			return NewHandler(e.db.Pool, e.pg, reg, &counter{}, nil, e.risks, nil, e.reader, nil)
		},
		"tests": func() (*Handler, error) {
			return NewHandler(e.db.Pool, e.pg, reg, &counter{}, nil, e.risks, e.controls, nil, nil)
		},
	} {
		if _, err := build(); err == nil {
			t.Errorf("a handler without its %s", name)
		}
	}
	if _, err := NewHandler(e.db.Pool, e.pg, reg, &counter{}, nil, e.risks, e.controls, e.reader, nil); err != nil {
		t.Errorf("a handler without members: %v", err)
	}
}

// Every result names the entity the command is about and that entity's own version.
func TestResultsNameTheEntityAndItsVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.ok(e.h.CreateEngagement(ctx, meta(1, 1), ev.Fields{Title: "Payroll audit", LeadAuditorID: ptr(int64(2))}, AtRisk))
	g := res.ID
	if res.Version != 1 || !res.Changed || res.Stream != ev.Stream(g) {
		t.Errorf("create: %+v", res)
	}
	p := e.ok(e.h.AddProcedure(ctx, meta(1, 1), g, ev.Procedure{Title: "Walkthrough", AssignedTo: ptr(int64(7))}))
	f := e.ok(e.h.CreateFinding(ctx, meta(1, 1), g, ev.FindingFields{Title: "Weak passwords", AssignedTo: ptr(int64(7))}, nil))
	if p.ID == g || f.ID == g || p.Version != 1 || f.Version != 1 {
		t.Errorf("procedure %+v, finding %+v", p, f)
	}
	steps := []struct {
		name    string
		res     commands.Result
		id, ver int64
	}{
		{"update the engagement", e.ok(e.h.UpdateEngagement(ctx, meta(1, 1), g, nil, patch(`{"scope": "Payroll", "status": "Cancelled", "comment": "x"}`))), g, 3},
		{"reinstate", e.ok(e.h.UpdateEngagement(ctx, meta(1, 1), g, ptr(int64(3)), patch(`{"status": "On Track", "comment": "back"}`))), g, 4},
		{"change phase", e.ok(e.h.ChangePhase(ctx, meta(1, 1), g, ptr(int64(4)), Fieldwork, "")), g, 5},
		{"update the procedure", e.ok(e.h.UpdateProcedure(ctx, meta(1, 7), g, p.ID, ptr(int64(1)), patch(`{"status": "done", "conclusion": "Fine"}`))), p.ID, 2},
		{"sign off", e.ok(e.h.SignOffProcedure(ctx, meta(1, 2), g, p.ID, "agreed")), p.ID, 3},
		{"update the finding", e.ok(e.h.UpdateFinding(ctx, meta(1, 1), f.ID, ptr(int64(1)), patch(`{"severity": "High"}`))), f.ID, 2},
		{"approve", e.ok(e.h.ChangeFindingStatus(ctx, meta(1, 1), f.ID, ptr(int64(2)), Approved, "")), f.ID, 3},
		{"respond", e.ok(e.h.SubmitResponse(ctx, meta(1, 7), f.ID, ev.ManagementResponse{Response: "Fixing"}, false)), f.ID, 4},
		{"approve again: nothing", e.ok(e.h.ChangeFindingStatus(ctx, meta(1, 1), f.ID, nil, Approved, "")), f.ID, 4},
		{"same phase: nothing", e.ok(e.h.ChangePhase(ctx, meta(1, 1), g, nil, Fieldwork, "")), g, 5},
	}
	for _, s := range steps {
		if s.res.ID != s.id || s.res.Version != s.ver {
			t.Errorf("%s: id %d version %d, want %d and %d", s.name, s.res.ID, s.res.Version, s.id, s.ver)
		}
		if nothing := s.res.Position == (events.Position{}); nothing == s.res.Changed {
			t.Errorf("%s: changed %v at position %+v", s.name, s.res.Changed, s.res.Position)
		}
	}
	state := e.load(g)
	if state.Version != 5 || state.Procedures[p.ID].Version != 3 || state.Findings[f.ID].Version != 4 {
		t.Errorf("versions in the stream: engagement %d, procedure %d, finding %d", state.Version, state.Procedures[p.ID].Version, state.Findings[f.ID].Version)
	}
}

// A finding's id leads to its engagement through a reserved key, in its own
// organization only; a create that did not happen gives the key back.
func TestFindingIDMapsToItsEngagement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.engagement(1)
	f := e.finding(1, g)
	if got, err := e.h.EngagementOf(ctx, 1, f); err != nil || got != g {
		t.Errorf("engagement of finding %d: %d, %v; want %d", f, got, err, g)
	}
	var kind string
	var owner int64
	if err := e.db.Pool.QueryRow(ctx, `select kind, owner_id from unique_keys where org_id = 1 and key = $1`, strconv.FormatInt(f, 10)).Scan(&kind, &owner); err != nil || kind != "finding" || owner != g {
		t.Errorf("key of finding %d: %q held by %d, %v", f, kind, owner, err)
	}
	for _, x := range []struct{ org, id int64 }{{2, f}, {1, 999999}, {1, 0}} {
		if _, err := e.h.EngagementOf(ctx, x.org, x.id); strata.ErrorCode(err) != strata.NotFound {
			t.Errorf("engagement of finding %d in organization %d: %v, want NOT_FOUND", x.id, x.org, err)
		}
	}

	keys := func() int {
		var n int
		if err := e.db.Pool.QueryRow(ctx, `select count(*) from unique_keys where kind = 'finding'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Refused, on another organization's engagement, or lost to a failing store:
	// no key stays behind.
	_, err := e.h.CreateFinding(ctx, meta(1, 1), g, ev.FindingFields{}, nil)
	fieldErr(t, err, "title")
	_, err = e.h.CreateFinding(ctx, meta(1, 1), g, ev.FindingFields{Title: "x", AssignedTo: ptr(int64(20))}, nil)
	fieldErr(t, err, "assigned_to")
	_, err = e.h.CreateFinding(ctx, meta(2, 1), g, ev.FindingFields{Title: "x"}, nil)
	wantCode(t, "a finding in another organization's engagement", err, strata.NotFound)
	_, err = e.h.CreateFinding(ctx, meta(1, 1), 0, ev.FindingFields{Title: "x"}, nil)
	fieldErr(t, err, "engagement_id")
	e.store.fail.Store(true)
	if _, err := e.h.CreateFinding(ctx, meta(1, 1), g, ev.FindingFields{Title: "x"}, nil); !errors.Is(err, errDiskFull) {
		t.Errorf("create with the store failing: %v", err)
	}
	e.store.fail.Store(false)
	if n := keys(); n != 1 {
		t.Errorf("%d finding keys, want 1", n)
	}
}

// Another organization's engagement, procedure or finding does not exist for it.
func TestAnotherOrganizationFindsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.engagement(1)
	p := e.ok(e.h.AddProcedure(ctx, meta(1, 1), g, ev.Procedure{Title: "Walkthrough", Status: Done, Conclusion: "Fine"})).ID
	f := e.finding(1, g)
	other := meta(2, 20)
	for name, run := range map[string]func() (commands.Result, error){
		"update engagement": func() (commands.Result, error) {
			return e.h.UpdateEngagement(ctx, other, g, nil, patch(`{"title": "x"}`))
		},
		"change phase":  func() (commands.Result, error) { return e.h.ChangePhase(ctx, other, g, nil, Fieldwork, "") },
		"add procedure": func() (commands.Result, error) { return e.h.AddProcedure(ctx, other, g, ev.Procedure{Title: "x"}) },
		"update procedure": func() (commands.Result, error) {
			return e.h.UpdateProcedure(ctx, other, g, p, nil, patch(`{"title": "x"}`))
		},
		"sign off": func() (commands.Result, error) { return e.h.SignOffProcedure(ctx, other, g, p, "") },
		"create finding": func() (commands.Result, error) {
			return e.h.CreateFinding(ctx, other, g, ev.FindingFields{Title: "x"}, nil)
		},
		"update finding": func() (commands.Result, error) { return e.h.UpdateFinding(ctx, other, f, nil, patch(`{"title": "x"}`)) },
		"finding status": func() (commands.Result, error) { return e.h.ChangeFindingStatus(ctx, other, f, nil, Approved, "") },
		"respond": func() (commands.Result, error) {
			return e.h.SubmitResponse(ctx, other, f, ev.ManagementResponse{Response: "x"}, true)
		},
		"unknown procedure": func() (commands.Result, error) {
			return e.h.UpdateProcedure(ctx, meta(1, 1), g, 999999, nil, patch(`{}`))
		},
		"unknown finding": func() (commands.Result, error) { return e.h.UpdateFinding(ctx, meta(1, 1), 999999, nil, patch(`{}`)) },
		// A procedure id belongs to its engagement only.
		"procedure of another engagement": func() (commands.Result, error) {
			return e.h.SignOffProcedure(ctx, meta(1, 2), e.engagement(1), p, "")
		},
	} {
		_, err := run()
		wantCode(t, name, err, strata.NotFound)
	}
	if state := e.load(g); state.Version != 1 || state.Procedures[p].Version != 1 || state.Findings[f].Version != 1 {
		t.Errorf("something changed: %+v", state)
	}
}

// If-Match is compared with the entity's own version: a finding's change does not
// make an engagement form stale, and a stale one is a CONFLICT.
func TestIfMatchIsTheEntitysOwnVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.engagement(1)
	p := e.ok(e.h.AddProcedure(ctx, meta(1, 1), g, ev.Procedure{Title: "Walkthrough"})).ID
	f := e.finding(1, g)
	e.ok(e.h.UpdateFinding(ctx, meta(1, 1), f, nil, patch(`{"severity": "Low"}`)))
	e.ok(e.h.UpdateProcedure(ctx, meta(1, 1), g, p, nil, patch(`{"status": "in_progress"}`)))

	// The engagement is still at version 1 for whoever loaded it before.
	e.ok(e.h.UpdateEngagement(ctx, meta(1, 1), g, ptr(int64(1)), patch(`{"title": "Payroll review"}`)))
	_, err := e.h.UpdateEngagement(ctx, meta(1, 1), g, ptr(int64(1)), patch(`{"title": "Payroll check"}`))
	wantCode(t, "a stale engagement update", err, strata.Conflict)
	_, err = e.h.ChangePhase(ctx, meta(1, 1), g, ptr(int64(1)), Fieldwork, "")
	wantCode(t, "a stale phase change", err, strata.Conflict)
	e.ok(e.h.ChangePhase(ctx, meta(1, 1), g, ptr(int64(2)), Fieldwork, ""))

	// An engagement change does not make the finding or procedure stale either.
	e.ok(e.h.UpdateFinding(ctx, meta(1, 1), f, ptr(int64(2)), patch(`{"severity": "High"}`)))
	_, err = e.h.ChangeFindingStatus(ctx, meta(1, 1), f, ptr(int64(2)), Approved, "")
	wantCode(t, "a stale finding status change", err, strata.Conflict)
	_, err = e.h.UpdateFinding(ctx, meta(1, 1), f, ptr(int64(4)), patch(`{"severity": "Low"}`))
	wantCode(t, "a finding version from the future", err, strata.Conflict)
	_, err = e.h.UpdateProcedure(ctx, meta(1, 1), g, p, ptr(int64(1)), patch(`{"status": "done"}`))
	wantCode(t, "a stale procedure update", err, strata.Conflict)
	e.ok(e.h.UpdateProcedure(ctx, meta(1, 1), g, p, ptr(int64(2)), patch(`{"status": "done"}`)))

	state := e.load(g)
	if state.Title != "Payroll review" || state.Findings[f].Severity != "High" || state.Findings[f].Status != Open || state.Procedures[p].Status != Done {
		t.Errorf("after the refusals: %+v", state)
	}
}

// Findings created at once in one engagement all land, each with its own id.
func TestConcurrentFindingCreates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.engagement(1)
	const n = 8
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := e.h.CreateFinding(ctx, meta(1, 1), g, ev.FindingFields{Title: fmt.Sprintf("Finding %d", i)}, nil)
			ids[i], errs[i] = res.ID, err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	if slices.Sort(ids); len(slices.Compact(slices.Clone(ids))) != n {
		t.Fatalf("ids %v are not distinct", ids)
	}
	state := e.load(g)
	if len(state.Findings) != n {
		t.Errorf("%d findings in the stream, want %d", len(state.Findings), n)
	}
	for _, id := range ids {
		if _, ok := state.Findings[id]; !ok {
			t.Errorf("finding %d is not in the stream", id)
		}
		if got, err := e.h.EngagementOf(ctx, 1, id); err != nil || got != g {
			t.Errorf("engagement of finding %d: %d, %v", id, got, err)
		}
	}
}

// Reopening a finding and moving the engagement into Reporting race many times;
// replaying the log shows the engagement never entering Reporting with a finding
// Open.
func TestReportingGateUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A second handler, as a second server would have, on the same log.
	other, err := NewHandler(e.db.Pool, e.pg, e.h.streams.Registry, &counter{}, members{}, e.risks, e.controls, e.reader, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := e.engagement(1)
	f := e.finding(1, g)
	for _, phase := range []string{Fieldwork, Review} {
		e.ok(e.h.ChangePhase(ctx, meta(1, 1), g, nil, phase, ""))
	}
	entered, refused := 0, 0
	for round := range 40 {
		// Set up: in Review with the finding Approved.
		state := e.load(g)
		if state.Phase == Reporting {
			e.ok(e.h.ChangePhase(ctx, meta(1, 1), g, nil, Review, "round "+strconv.Itoa(round)))
		}
		if state.Findings[f].Status == Open {
			e.ok(e.h.ChangeFindingStatus(ctx, meta(1, 1), f, nil, Approved, ""))
		}
		var wg sync.WaitGroup
		var phaseErr, reopenErr error
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, phaseErr = e.h.ChangePhase(ctx, meta(1, 1), g, nil, Reporting, "")
		}()
		go func() {
			defer wg.Done()
			<-start
			_, reopenErr = other.ChangeFindingStatus(ctx, meta(1, 1), f, nil, Open, "not fixed after all")
		}()
		close(start)
		wg.Wait()
		if reopenErr != nil {
			t.Fatalf("round %d: reopen: %v", round, reopenErr)
		}
		switch {
		case phaseErr == nil:
			entered++
		case strata.ErrorCode(phaseErr) == strata.Invalid:
			fieldErr(t, phaseErr, "phase")
			refused++
		default:
			t.Fatalf("round %d: phase: %v", round, phaseErr)
		}
	}
	t.Logf("entered Reporting %d times, refused %d times", entered, refused)

	evs, err := e.pg.ReadStream(ctx, ev.Stream(g), events.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var state Engagement
	for _, x := range evs {
		p, err := e.h.streams.Registry.Decode(x)
		if err != nil {
			t.Fatal(err)
		}
		if pc, ok := p.(ev.EngagementPhaseChanged); ok && pc.To == Reporting && openFindings(state) > 0 {
			t.Fatalf("event %d: the engagement entered Reporting with %d findings Open", x.StreamVersion, openFindings(state))
		}
		state = Evolve(state, p, x)
	}
}

// Links name the organization's own live risks and controls, checked against the
// risk register and the control library themselves.
func TestFindingLinksAreTheOrganizations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	risk := func(org int64) int64 {
		return e.ok(e.risks.Create(ctx, meta(org, 1), evrisks.Fields{Title: "Breach", Category: "Security", Likelihood: 3, Impact: 3})).ID
	}
	control := func(org int64, code string) int64 {
		return e.ok(e.controls.CreateControl(ctx, meta(org, 1), evcontrols.Fields{Code: code, Title: "MFA", Type: "preventive", Frequency: "monthly"}, "")).ID
	}
	own, theirs, deleted := risk(1), risk(2), risk(1)
	e.ok(e.risks.Execute(ctx, meta(1, 1), deleted, nil, cmdrisks.Delete{Reason: "duplicate"}))
	ownControl, theirControl := control(1, "AC-1"), control(2, "AC-1")
	g := e.engagement(1)

	res := e.ok(e.h.CreateFinding(ctx, meta(1, 1), g, ev.FindingFields{Title: "x", RiskID: &own, ControlID: &ownControl}, nil))
	if fs := e.load(g).Findings[res.ID]; *fs.RiskID != own || *fs.ControlID != ownControl {
		t.Errorf("links: %+v", fs)
	}
	for _, x := range []struct {
		field         string
		risk, control *int64
	}{
		{"risk_id", &theirs, nil}, {"risk_id", &deleted, nil}, {"risk_id", ptr(int64(999999)), nil},
		{"control_id", nil, &theirControl}, {"control_id", nil, ptr(int64(999999))},
	} {
		_, err := e.h.CreateFinding(ctx, meta(1, 1), g, ev.FindingFields{Title: "x", RiskID: x.risk, ControlID: x.control}, nil)
		fieldErr(t, err, x.field)
		_, err = e.h.UpdateFinding(ctx, meta(1, 1), res.ID, nil, patch(fmt.Sprintf(`{"risk_id": %s, "control_id": %s}`, idJSON(x.risk, own), idJSON(x.control, ownControl))))
		fieldErr(t, err, x.field)
	}
	// Once the linked risk is deleted, the finding can still be edited otherwise,
	// and the link cleared.
	e.ok(e.risks.Execute(ctx, meta(1, 1), own, nil, cmdrisks.Delete{Reason: "merged"}))
	e.ok(e.h.UpdateFinding(ctx, meta(1, 1), res.ID, nil, patch(`{"severity": "Low"}`)))
	e.ok(e.h.UpdateFinding(ctx, meta(1, 1), res.ID, nil, patch(`{"risk_id": null}`)))
	if fs := e.load(g).Findings[res.ID]; fs.RiskID != nil || fs.Severity != "Low" || fs.Version != 3 {
		t.Errorf("after the edits: %+v", fs)
	}
}

func idJSON(id *int64, otherwise int64) string {
	if id == nil {
		return strconv.FormatInt(otherwise, 10)
	}
	return strconv.FormatInt(*id, 10)
}

// A finding raised from a control test needs a failed test of the organization, as
// the control library's read model tells it, and links the tested control.
func TestFindingFromAFailedControlTest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	runner := e.project()
	control := func(org int64, code string) int64 {
		return e.ok(e.controls.CreateControl(ctx, meta(org, 1), evcontrols.Fields{Code: code, Title: "MFA", Type: "preventive", Frequency: "monthly"}, cmdcontrols.Active)).ID
	}
	var last events.Position
	test := func(org, control int64, result string) int64 {
		id, res, err := e.controls.RecordTest(ctx, meta(org, 1), control, nil, cmdcontrols.RecordTest{Result: result})
		if err != nil {
			t.Fatal(err)
		}
		if res.Position.Compare(last) > 0 {
			last = res.Position
		}
		return id
	}
	c1, c2, theirs := control(1, "AC-1"), control(1, "AC-2"), control(2, "AC-1")
	failed, passed, theirFailed := test(1, c1, cmdcontrols.Fail), test(1, c1, cmdcontrols.Pass), test(2, theirs, cmdcontrols.Fail)
	projectiontest.Wait(t, runner, last, qcontrols.Projection)
	g := e.engagement(1)

	res := e.ok(e.h.CreateFinding(ctx, meta(1, 1), g, ev.FindingFields{Title: "MFA not enforced"}, &failed))
	fs := e.load(g).Findings[res.ID]
	if fs.ControlID == nil || *fs.ControlID != c1 || fs.SourceTestID == nil || *fs.SourceTestID != failed {
		t.Errorf("finding from test %d: control %v, source %v; want control %d", failed, fs.ControlID, fs.SourceTestID, c1)
	}
	e.ok(e.h.CreateFinding(ctx, meta(1, 1), g, ev.FindingFields{Title: "x", ControlID: &c1}, &failed))
	for _, x := range []struct {
		field   string
		test    int64
		control *int64
	}{
		{"source_test_id", passed, nil}, {"source_test_id", theirFailed, nil}, {"source_test_id", 999999, nil},
		{"source_test_id", 0, nil}, {"control_id", failed, &c2},
	} {
		_, err := e.h.CreateFinding(ctx, meta(1, 1), g, ev.FindingFields{Title: "x", ControlID: x.control}, &x.test)
		fieldErr(t, err, x.field)
	}
	_, err := e.h.UpdateFinding(ctx, meta(1, 1), res.ID, nil, patch(fmt.Sprintf(`{"control_id": %d}`, c2)))
	fieldErr(t, err, "control_id")
}

// People named on the engagement, its procedures and findings are members.
func TestPeopleAreMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.h.CreateEngagement(ctx, meta(1, 1), ev.Fields{Title: "x", LeadAuditorID: ptr(int64(20))}, "")
	fieldErr(t, err, "lead_auditor_id")
	g := e.engagement(1)
	_, err = e.h.UpdateEngagement(ctx, meta(1, 1), g, nil, patch(`{"lead_auditor_id": 20}`))
	fieldErr(t, err, "lead_auditor_id")
	_, err = e.h.AddProcedure(ctx, meta(1, 1), g, ev.Procedure{Title: "x", AssignedTo: ptr(int64(20))})
	fieldErr(t, err, "assigned_to")
	p := e.ok(e.h.AddProcedure(ctx, meta(1, 1), g, ev.Procedure{Title: "x", AssignedTo: ptr(int64(7))})).ID
	_, err = e.h.UpdateProcedure(ctx, meta(1, 1), g, p, nil, patch(`{"assigned_to": 20}`))
	fieldErr(t, err, "assigned_to")
	f := e.finding(1, g)
	_, err = e.h.UpdateFinding(ctx, meta(1, 1), f, nil, patch(`{"assigned_to": 20}`))
	fieldErr(t, err, "assigned_to")
	e.ok(e.h.UpdateEngagement(ctx, meta(1, 1), g, nil, patch(`{"lead_auditor_id": 3}`)))
	e.ok(e.h.UpdateFinding(ctx, meta(1, 1), f, nil, patch(`{"assigned_to": 2}`)))
	if state := e.load(g); *state.LeadAuditorID != 3 || *state.Findings[f].AssignedTo != 2 || *state.Procedures[p].AssignedTo != 7 {
		t.Errorf("after the changes: %+v", state)
	}
}

// The acting user signs off and responds: not their own procedure, and only to their
// own finding unless they may write.
func TestSignOffAndResponseAreByTheActor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.engagement(1)
	p := e.ok(e.h.AddProcedure(ctx, meta(1, 1), g, ev.Procedure{Title: "x", AssignedTo: ptr(int64(7)), Status: Done, Conclusion: "Fine"})).ID
	_, err := e.h.SignOffProcedure(ctx, meta(1, 7), g, p, "")
	fieldErr(t, err, "assigned_to")
	e.ok(e.h.SignOffProcedure(ctx, meta(1, 2), g, p, "agreed"))
	if pr := e.load(g).Procedures[p]; pr.SignedOffBy == nil || *pr.SignedOffBy != 2 || pr.SignedOffAt == nil {
		t.Errorf("signed off: %+v", pr)
	}
	_, err = e.h.SignOffProcedure(ctx, meta(1, 3), g, p, "")
	fieldErr(t, err, "procedure")

	f := e.finding(1, g) // assigned to 7
	_, err = e.h.SubmitResponse(ctx, meta(1, 3), f, ev.ManagementResponse{Response: "x"}, false)
	wantCode(t, "a response by someone else", err, strata.PermissionDenied)
	e.ok(e.h.SubmitResponse(ctx, meta(1, 7), f, ev.ManagementResponse{Response: "first"}, false))
	e.ok(e.h.SubmitResponse(ctx, meta(1, 3), f, ev.ManagementResponse{Response: "second"}, true))
	if fs := e.load(g).Findings[f]; fs.Response == nil || fs.Response.Response != "second" || fs.Response.SubmittedBy != 3 || fs.Responses != 2 {
		t.Errorf("responses: %+v, %d", fs.Response, fs.Responses)
	}
}
