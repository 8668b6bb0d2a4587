package cases

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/cases"
	evevidence "github.com/strata-grc/strata/events/evidence"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/schema/testdb"
)

// Users of the handler tests. In organization 1, 1 to 9 investigate (2 opens the
// confidential cases, 7 and 8 are assigned, 9 is an admin) and 50 belongs without
// cases:read; 20 investigates in organization 2 only.
const (
	author    = 2
	admin     = 9
	bystander = 3
	outsider  = 50
	stranger  = 20
)

// investigators stands in for the identity module, whose roles decide who holds
// cases:read.
type investigators struct{}

func (investigators) MayInvestigate(_ context.Context, orgID, userID int64) (bool, error) {
	switch orgID {
	case 1:
		return userID >= 1 && userID <= 9, nil
	case 2:
		return userID == stranger, nil
	}
	return false, nil
}

type env struct {
	t     *testing.T
	db    *testdb.DB
	store *postgres.Store
	reg   *events.Registry
	ids   *commands.Sequences
	h     *Handler
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, db: testdb.New(t), reg: events.NewRegistry()}
	ev.Register(e.reg)
	evevidence.Register(e.reg)
	e.store = postgres.New(e.db.Pool)
	e.ids = commands.NewSequences(e.db.Pool)
	var err error
	if e.h, err = NewHandler(e.store, e.reg, e.ids, investigators{}, nil); err != nil {
		t.Fatal(err)
	}
	return e
}

func meta(org, actor int64) events.Metadata {
	return events.Metadata{OrgID: org, ActorID: actor, ActorName: "User " + strconv.FormatInt(actor, 10), CorrelationID: "t"}
}

func viewer(id int64) Viewer { return Viewer{UserID: id} }

var ctx = context.Background()

func (e *env) ok(res commands.Result, err error) commands.Result {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// open opens a case in organization 1 by author, assigned to 7 and in progress.
func (e *env) open(confidential bool) int64 {
	e.t.Helper()
	id := e.ok(e.h.Open(ctx, meta(1, author), ev.Fields{Title: "Expense fraud", Confidential: confidential})).ID
	e.ok(e.h.Assign(ctx, meta(1, author), viewer(author), id, nil, ptr(int64(investigator))))
	e.ok(e.h.ChangeStatus(ctx, meta(1, investigator), viewer(investigator), id, nil, InProgress, "", ""))
	return id
}

func (e *env) attach(caseID int64, name string) int64 {
	e.t.Helper()
	return e.ok(e.h.AttachEvidence(ctx, meta(1, investigator), viewer(investigator), caseID, file(name))).ID
}

func (e *env) load(id int64) commands.Aggregate[Case] {
	e.t.Helper()
	agg, _, err := e.h.Streams().Load(ctx, id, events.ReadOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return agg
}

func (e *env) stream(id int64) []events.Event {
	e.t.Helper()
	evs, err := e.store.ReadStream(ctx, ev.Stream(id), events.ReadOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func fieldErr(t *testing.T, what string, err error, field string) {
	t.Helper()
	var se *strata.Error
	if !errors.As(err, &se) || se.Code != strata.Invalid || se.Fields[field] == "" {
		t.Errorf("%s: %v, want a VALIDATION_ERROR on %s", what, err, field)
	}
}

func wantCode(t *testing.T, what string, err error, code strata.Code, message string) {
	t.Helper()
	var se *strata.Error
	if !errors.As(err, &se) || se.Code != code || (message != "" && se.Message != message) {
		t.Errorf("%s: %v, want %s %q", what, err, code, message)
	}
}

func TestNewHandlerRefusesMissingDependencies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for name, build := range map[string]func() (*Handler, error){
		"store":    func() (*Handler, error) { return NewHandler(nil, e.reg, e.ids, nil, nil) },
		"registry": func() (*Handler, error) { return NewHandler(e.store, nil, e.ids, nil, nil) },
		"ids":      func() (*Handler, error) { return NewHandler(e.store, e.reg, nil, nil, nil) },
	} {
		if _, err := build(); err == nil {
			t.Errorf("a handler without its %s", name)
		}
	}
	h, err := NewHandler(e.store, e.reg, e.ids, nil, nil)
	if err != nil {
		t.Fatalf("a handler without investigators: %v", err)
	}
	// Without investigators any assignee passes.
	id := e.ok(h.Open(ctx, meta(1, author), ev.Fields{Title: "x"})).ID
	e.ok(h.Assign(ctx, meta(1, author), viewer(author), id, nil, ptr(int64(outsider))))
}

// Opening and then assigning a new case: the assignment and the move to assigned are
// one append, and results carry the case's version.
func TestOpenAndAssign(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.ok(e.h.Open(ctx, meta(1, author), ev.Fields{Title: " Expense fraud ", Type: "fraud"}))
	id := res.ID
	if res.Version != 1 || res.StreamVersion != 1 || !res.Changed || res.Stream != ev.Stream(id) || len(res.Appended) != 1 {
		t.Errorf("open: %+v", res)
	}
	_, err := e.h.Open(ctx, meta(1, author), ev.Fields{Title: "\n"})
	fieldErr(t, "a case without a title", err, "title")

	res = e.ok(e.h.Assign(ctx, meta(1, author), viewer(author), id, ptr(int64(1)), ptr(int64(investigator))))
	if res.ID != id || res.Version != 3 || res.StreamVersion != 3 || len(res.Appended) != 2 {
		t.Errorf("assign: %+v", res)
	}
	evs := e.stream(id)
	if len(evs) != 3 || evs[1].Type != "CaseAssigned" || evs[2].Type != "CaseStatusChanged" || evs[1].TransactionID != evs[2].TransactionID {
		t.Fatalf("stream: %+v", evs)
	}
	agg := e.load(id)
	c := agg.State
	if c.Title != "Expense fraud" || c.Priority != Medium || c.Status != Assigned || c.AssigneeID == nil || *c.AssigneeID != investigator ||
		c.CreatedBy != author || c.Version != 3 || !c.StatusChangedAt.Equal(evs[2].RecordedAt) {
		t.Errorf("state: %+v", c)
	}

	// The same assignee again changes nothing.
	res = e.ok(e.h.Assign(ctx, meta(1, author), viewer(author), id, nil, ptr(int64(investigator))))
	if res.Changed || res.Version != 3 || res.Position != (events.Position{}) {
		t.Errorf("assign again: %+v", res)
	}

	// Only someone who may investigate in the organization is given a case.
	for _, who := range []int64{outsider, stranger} {
		_, err := e.h.Assign(ctx, meta(1, author), viewer(author), id, nil, ptr(who))
		fieldErr(t, fmt.Sprintf("assigning %d", who), err, "assignee_id")
	}
	// Taking the case back moves it to new again.
	res = e.ok(e.h.Assign(ctx, meta(1, author), viewer(author), id, nil, nil))
	if res.Version != 5 || len(res.Appended) != 2 {
		t.Errorf("take back: %+v", res)
	}
	if c := e.load(id).State; c.Status != New || c.AssigneeID != nil {
		t.Errorf("taken back: %+v", c)
	}
}

// If-Match is compared with the case's own version: evidence uploads, downloads and
// checks do not make an editor's form stale, and a stale one is a CONFLICT.
func TestIfMatchIsTheCasesOwnVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.open(false) // version 4: opened, assigned, moved to assigned, moved to in_progress
	f := e.attach(id, "receipts.pdf")
	_, res, err := e.h.RecordDownload(ctx, meta(1, 4), viewer(4), id, f, "review")
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != f || res.Version != 4 || res.StreamVersion != 6 || !res.Changed {
		t.Errorf("download: %+v", res)
	}
	res = e.ok(e.h.RecordVerification(ctx, meta(1, 4), viewer(4), id, f, hashOf("receipts.pdf"), evevidence.Match, DuringVerify))
	if res.ID != f || res.Version != 4 || res.StreamVersion != 7 {
		t.Errorf("verification: %+v", res)
	}

	res = e.ok(e.h.Update(ctx, meta(1, 4), viewer(4), id, ptr(int64(4)), patch(`{"priority": "high"}`)))
	if res.ID != id || res.Version != 5 || res.StreamVersion != 8 {
		t.Errorf("update: %+v", res)
	}
	_, err = e.h.Update(ctx, meta(1, 4), viewer(4), id, ptr(int64(4)), patch(`{"priority": "low"}`))
	wantCode(t, "a stale update", err, strata.Conflict, "")
	_, err = e.h.ChangeStatus(ctx, meta(1, 4), viewer(4), id, ptr(int64(4)), Review, "", "")
	wantCode(t, "a stale status change", err, strata.Conflict, "")
	_, err = e.h.Assign(ctx, meta(1, 4), viewer(4), id, ptr(int64(4)), ptr(int64(8)))
	wantCode(t, "a stale assignment", err, strata.Conflict, "")
	_, err = e.h.Update(ctx, meta(1, 4), viewer(4), id, ptr(int64(6)), patch(`{"priority": "low"}`))
	wantCode(t, "a version from the future", err, strata.Conflict, "")
	_, err = e.h.Update(ctx, meta(1, 4), viewer(4), id, ptr(int64(8)), patch(`{"priority": "low"}`))
	wantCode(t, "the stream's version", err, strata.Conflict, "")
	res = e.ok(e.h.ChangeStatus(ctx, meta(1, 4), viewer(4), id, ptr(int64(5)), Review, "", ""))
	if res.Version != 6 {
		t.Errorf("status change: %+v", res)
	}
	// Asking for the status the case is in appends nothing and answers its version.
	res = e.ok(e.h.ChangeStatus(ctx, meta(1, 4), viewer(4), id, ptr(int64(6)), Review, "", ""))
	if res.Changed || res.Version != 6 || res.StreamVersion != 9 {
		t.Errorf("same status: %+v", res)
	}
	if c := e.load(id).State; c.Priority != High || c.Status != Review || c.Version != 6 || c.Evidence[f].Downloads != 1 || c.Evidence[f].Integrity != evevidence.Match {
		t.Errorf("after the refusals: %+v", c)
	}
}

// A confidential case does not exist for anyone but admins, its assignee and its
// creator: every method answers "case not found" and records nothing.
func TestConfidentialCasesAreInvisible(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.open(true)
	f := e.attach(id, "receipts.pdf")
	plain := e.open(false)
	before := e.load(id).Version

	tries := func(m events.Metadata, v Viewer, caseID int64) map[string]func() error {
		return map[string]func() error{
			"update": func() error {
				_, err := e.h.Update(ctx, m, v, caseID, nil, patch(`{"title": "x"}`))
				return err
			},
			"assign": func() error {
				_, err := e.h.Assign(ctx, m, v, caseID, nil, ptr(int64(8)))
				return err
			},
			"change status": func() error {
				_, err := e.h.ChangeStatus(ctx, m, v, caseID, nil, Review, "", "")
				return err
			},
			"same status": func() error {
				_, err := e.h.ChangeStatus(ctx, m, v, caseID, nil, InProgress, "", "")
				return err
			},
			"can attach": func() error { return e.h.CanAttach(ctx, m.OrgID, v, caseID) },
			"attach": func() error {
				_, err := e.h.AttachEvidence(ctx, m, v, caseID, file("x.pdf"))
				return err
			},
			"download": func() error {
				_, _, err := e.h.RecordDownload(ctx, m, v, caseID, f, "")
				return err
			},
			"verify": func() error {
				_, err := e.h.RecordVerification(ctx, m, v, caseID, f, hashOf("receipts.pdf"), evevidence.Match, DuringVerify)
				return err
			},
			"evidence": func() error {
				_, err := e.h.Evidence(ctx, m.OrgID, v, caseID, f)
				return err
			},
		}
	}
	for _, x := range []struct {
		name string
		m    events.Metadata
		v    Viewer
		id   int64
	}{
		{"someone else", meta(1, bystander), viewer(bystander), id},
		{"no one in particular", meta(1, bystander), Viewer{}, id},
		{"an admin of another organization", meta(2, stranger), Viewer{UserID: stranger, Admin: true}, id},
		{"a case that does not exist", meta(1, admin), Viewer{UserID: admin, Admin: true}, 999999},
		{"case 0", meta(1, admin), Viewer{UserID: admin, Admin: true}, 0},
	} {
		for name, try := range tries(x.m, x.v, x.id) {
			wantCode(t, x.name+": "+name, try(), strata.NotFound, "case not found")
		}
	}
	if v := e.load(id).Version; v != before {
		t.Errorf("the stream moved from %d to %d", before, v)
	}

	// An admin, the creator and the assignee see it; an ordinary case is everyone's.
	for _, x := range []struct {
		name string
		v    Viewer
		id   int64
	}{
		{"an admin", Viewer{UserID: admin, Admin: true}, id},
		{"the creator", viewer(author), id},
		{"the assignee", viewer(investigator), id},
		{"anyone, an ordinary case", viewer(bystander), plain},
	} {
		if err := e.h.CanAttach(ctx, 1, x.v, x.id); err != nil {
			t.Errorf("%s: can attach: %v", x.name, err)
		}
		if x.id == id {
			if got, err := e.h.Evidence(ctx, 1, x.v, id, f); err != nil || got.ID != f || got.SHA256 != hashOf("receipts.pdf") {
				t.Errorf("%s: evidence %+v, %v", x.name, got, err)
			}
			if _, err := e.h.Evidence(ctx, 1, x.v, id, 999999); strata.ErrorCode(err) != strata.NotFound || err.Error() != "NOT_FOUND: evidence not found" {
				t.Errorf("%s: unknown evidence: %v", x.name, err)
			}
			if _, _, err := e.h.RecordDownload(ctx, meta(1, x.v.UserID), x.v, id, 999999, ""); err.Error() != "NOT_FOUND: evidence not found" {
				t.Errorf("%s: download of unknown evidence: %v", x.name, err)
			}
		}
		e.ok(e.h.Update(ctx, meta(1, x.v.UserID), x.v, x.id, nil, patch(`{"reporter": "`+x.name+`"}`)))
	}
	// Evidence of one case is not reached through another.
	if _, err := e.h.Evidence(ctx, 1, viewer(author), plain, f); err == nil || err.Error() != "NOT_FOUND: evidence not found" {
		t.Errorf("evidence through another case: %v", err)
	}

	// Given to someone else, the case leaves the former assignee's sight and stays in
	// its creator's.
	e.ok(e.h.Assign(ctx, meta(1, admin), Viewer{UserID: admin, Admin: true}, id, nil, ptr(int64(8))))
	_, err := e.h.Update(ctx, meta(1, investigator), viewer(investigator), id, nil, patch(`{"type": "x"}`))
	wantCode(t, "the former assignee", err, strata.NotFound, "case not found")
	e.ok(e.h.Update(ctx, meta(1, author), viewer(author), id, nil, patch(`{"type": "fraud"}`)))
	e.ok(e.h.ChangeStatus(ctx, meta(1, 8), viewer(8), id, nil, Review, "", ""))
	// Made ordinary, it is everyone's.
	e.ok(e.h.Update(ctx, meta(1, author), viewer(author), id, nil, patch(`{"confidential": false}`)))
	e.ok(e.h.Update(ctx, meta(1, bystander), viewer(bystander), id, nil, patch(`{"type": "misconduct"}`)))
}

// A status change arriving while another commits is decided again on the fresh
// state: none is lost, and the log reads as one consistent sequence.
func TestConcurrentStatusChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.open(false)
	// A second handler, as a second server would have, on the same log.
	other, err := NewHandler(e.store, e.reg, commands.NewSequences(e.db.Pool), investigators{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 10, 5
	var changed atomic.Int64
	errs := make(chan error, workers*rounds)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := e.h
			if i%3 == 0 {
				h = other
			}
			<-start
			for range rounds {
				status, comment := Review, ""
				if i%2 == 1 {
					status, comment = InProgress, fmt.Sprintf("back from worker %d", i)
				}
				res, err := h.ChangeStatus(ctx, meta(1, investigator), viewer(investigator), id, nil, status, comment, "")
				if err != nil {
					errs <- err
					continue
				}
				if res.Changed {
					changed.Add(1)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("status change: %v", err)
	}

	evs := e.stream(id)
	status, moves := InProgress, int64(0)
	for _, x := range evs[4:] {
		p, err := e.reg.Decode(x)
		if err != nil {
			t.Fatal(err)
		}
		m, ok := p.(ev.CaseStatusChanged)
		if !ok {
			t.Fatalf("unexpected event %s", x.Type)
		}
		if m.From != status || m.From == m.To {
			t.Errorf("event %d moves from %s to %s after %s", x.StreamVersion, m.From, m.To, status)
		}
		status = m.To
		moves++
	}
	if moves != changed.Load() {
		t.Errorf("%d status changes in the log, %d reported", moves, changed.Load())
	}
	if c := e.load(id).State; c.Status != status || c.Version != 4+moves {
		t.Errorf("state %s at version %d; the log ends at %s after %d moves", c.Status, c.Version, status, moves)
	}
}

// Uploads racing the case's completion: none lands after it.
func TestNoEvidenceAfterCompletionUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.open(false)
	e.ok(e.h.ChangeStatus(ctx, meta(1, investigator), viewer(investigator), id, nil, Review, "", ""))
	const n = 10
	results := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i == n/2 {
				_, results[i] = e.h.ChangeStatus(ctx, meta(1, investigator), viewer(investigator), id, nil, Completed, "Proven.", Substantiated)
				return
			}
			_, results[i] = e.h.AttachEvidence(ctx, meta(1, investigator), viewer(investigator), id, file(fmt.Sprintf("%d.pdf", i)))
		}()
	}
	close(start)
	wg.Wait()
	attached := 0
	for i, err := range results {
		switch {
		case i == n/2 && err != nil:
			t.Fatalf("completing: %v", err)
		case err == nil && i != n/2:
			attached++
		case err != nil:
			fieldErr(t, "an upload after completion", err, "case_id")
		}
	}
	done := false
	for _, x := range e.stream(id) {
		if x.Type == "CaseStatusChanged" && done {
			t.Errorf("a status change after completion")
		}
		done = done || (x.Type == "CaseStatusChanged" && x.StreamVersion > 5)
		if done && x.Type == "EvidenceUploaded" {
			t.Errorf("evidence uploaded at %d, after the case was completed", x.StreamVersion)
		}
	}
	c := e.load(id).State
	if c.Status != Completed || len(c.Evidence) != attached {
		t.Errorf("%s with %d files; %d uploads succeeded", c.Status, len(c.Evidence), attached)
	}
	err := e.h.CanAttach(ctx, 1, viewer(investigator), id)
	fieldErr(t, "can attach to a completed case", err, "case_id")
}

// A file whose last check found it altered is not handed out, and the refusal
// records nothing; once it checks out again it is.
func TestDownloadOfAnAlteredFileIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.open(false)
	f := e.attach(id, "receipts.pdf")
	e.ok(e.h.RecordVerification(ctx, meta(1, 4), viewer(4), id, f, hashOf("tampered"), evevidence.Mismatch, DuringVerify))
	before := e.load(id).Version
	_, _, err := e.h.RecordDownload(ctx, meta(1, 4), viewer(4), id, f, "court")
	wantCode(t, "downloading an altered file", err, strata.Conflict, "")
	if v := e.load(id).Version; v != before {
		t.Errorf("the refusal appended: %d -> %d", before, v)
	}
	if got, err := e.h.Evidence(ctx, 1, viewer(4), id, f); err != nil || got.Integrity != evevidence.Mismatch || got.LastVerifiedAt == nil {
		t.Errorf("evidence after the mismatch: %+v, %v", got, err)
	}
	_, _, err = e.h.RecordDownload(ctx, meta(1, 4), viewer(4), id, f, "line one\nline two")
	fieldErr(t, "a reason on two lines", err, "reason")

	e.ok(e.h.RecordVerification(ctx, meta(1, 4), viewer(4), id, f, hashOf("receipts.pdf"), evevidence.Match, DuringVerify))
	got, res, err := e.h.RecordDownload(ctx, meta(1, 4), viewer(4), id, f, " court ")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != f || got.FileName != "receipts.pdf" || got.ContentType != "application/pdf" || got.Size != 1234 || got.Downloads != 1 ||
		got.UploadedBy != investigator || got.Integrity != evevidence.Match || !res.Changed {
		t.Errorf("download: %+v, %+v", got, res)
	}
	evs := e.stream(id)
	p, err := e.reg.Decode(evs[len(evs)-1])
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := p.(evevidence.EvidenceDownloaded); !ok || d.Reason != "court" || d.SHA256 != hashOf("receipts.pdf") ||
		d.Owner != (evevidence.Owner{Kind: OwnerKind, ID: id}) || evs[len(evs)-1].Metadata.ActorID != 4 {
		t.Errorf("last event: %+v", p)
	}
}

// Files attached at once, to two cases through two servers, each get their own id
// and all land.
func TestEvidenceIDsAreUnique(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.open(false), e.open(false)
	other, err := NewHandler(e.store, e.reg, commands.NewSequences(e.db.Pool), investigators{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	ids := make([]int64, 2*n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c := a
			if i%2 == 1 {
				c = b
			}
			h := e.h
			if i%4 >= 2 {
				h = other
			}
			res, err := h.AttachEvidence(ctx, meta(1, investigator), viewer(investigator), c, file(fmt.Sprintf("%d.pdf", i)))
			ids[i], errs[i] = res.ID, err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("attach %d: %v", i, err)
		}
	}
	sorted := slices.Sorted(slices.Values(ids))
	if len(slices.Compact(sorted)) != 2*n || slices.Contains(ids, 0) {
		t.Fatalf("ids %v are not distinct", ids)
	}
	for i, id := range ids {
		c := a
		if i%2 == 1 {
			c = b
		}
		got, err := e.h.Evidence(ctx, 1, viewer(investigator), c, id)
		if err != nil || got.FileName != fmt.Sprintf("%d.pdf", i) || got.Integrity != Unverified || got.UploadedByName != "User 7" {
			t.Errorf("evidence %d: %+v, %v", id, got, err)
		}
	}
	if c := e.load(a).State; len(c.Evidence) != n || c.Version != 4 {
		t.Errorf("case %d: %d files at version %d", a, len(c.Evidence), c.Version)
	}
}
