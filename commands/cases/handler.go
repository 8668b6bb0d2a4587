package cases

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/cases"
	evevidence "github.com/strata-grc/strata/events/evidence"
)

// IDs hands out new entity ids; kinds "case" and "evidence".
type IDs interface {
	Next(ctx context.Context, kind string) (int64, error)
}

// Investigators tells who may be given a case: a member of the organization whose
// role holds cases:read. Identity answers it.
type Investigators interface {
	MayInvestigate(ctx context.Context, orgID, userID int64) (bool, error)
}

// Handler runs case commands against the event log.
type Handler struct {
	streams       *commands.Streams[Case]
	ids           IDs
	investigators Investigators
	now           func() time.Time
}

// NewHandler refuses missing dependencies; now defaults to time.Now. investigators
// vouches for every assignee; nil accepts any id, for replays and tests of this
// module alone.
func NewHandler(store events.Store, reg *events.Registry, ids IDs, investigators Investigators, now func() time.Time) (*Handler, error) {
	if store == nil || reg == nil || ids == nil {
		return nil, errors.New("cases: handler needs a store, a registry and an id source")
	}
	if now == nil {
		now = time.Now
	}
	return &Handler{
		streams: &commands.Streams[Case]{Store: store, Registry: reg, Name: ev.Stream, Evolve: Evolve},
		ids:     ids, investigators: investigators, now: now,
	}, nil
}

// Streams exposes the case streams for replay (current views, history).
func (h *Handler) Streams() *commands.Streams[Case] { return h.streams }

// Open opens a case by meta's actor, its creator, and returns its id in the result.
func (h *Handler) Open(ctx context.Context, meta events.Metadata, f ev.Fields) (commands.Result, error) {
	// Checked before an id is spent on it.
	payloads, err := Decide(Case{}, false, Open{Fields: f})
	if err != nil {
		return commands.Result{}, err
	}
	id, err := h.ids.Next(ctx, "case")
	if err != nil {
		return commands.Result{}, err
	}
	opened := payloads[0].(ev.CaseOpened)
	opened.CaseID = id
	return h.streams.Create(ctx, id, meta, opened)
}

// Update applies a partial update to a case's fields.
func (h *Handler) Update(ctx context.Context, meta events.Metadata, v Viewer, id int64, ifMatch *int64, patch json.RawMessage) (commands.Result, error) {
	return h.execute(ctx, meta, v, id, ifMatch, func(c Case) ([]events.Payload, error) {
		return Decide(c, true, Update{Patch: patch})
	})
}

// Assign gives a case to assigneeID, who must be able to investigate, or takes it
// back when nil. Assigning a new case moves it to assigned; taking back an assigned
// one moves it to new.
func (h *Handler) Assign(ctx context.Context, meta events.Metadata, v Viewer, id int64, ifMatch *int64, assigneeID *int64) (commands.Result, error) {
	return h.execute(ctx, meta, v, id, ifMatch, func(c Case) ([]events.Payload, error) {
		payloads, err := Decide(c, true, Assign{AssigneeID: assigneeID})
		if err != nil {
			return nil, err
		}
		return payloads, h.checkAssignees(ctx, meta.OrgID, payloads)
	})
}

// checkAssignees refuses decided events that give the case to someone who may not
// investigate in the organization. Only an assignment is checked, so a case whose
// assignee has since lost the right can still move otherwise.
func (h *Handler) checkAssignees(ctx context.Context, orgID int64, payloads []events.Payload) error {
	if h.investigators == nil {
		return nil
	}
	for _, p := range payloads {
		a, ok := p.(ev.CaseAssigned)
		if !ok || a.AssigneeID == nil {
			continue
		}
		may, err := h.investigators.MayInvestigate(ctx, orgID, *a.AssigneeID)
		if err != nil {
			return err
		}
		if !may {
			return commands.FieldError("assignee_id", "is not a member of this organization who may investigate")
		}
	}
	return nil
}

// ChangeStatus moves a case to another status, with the comment and resolution the
// move needs.
func (h *Handler) ChangeStatus(ctx context.Context, meta events.Metadata, v Viewer, id int64, ifMatch *int64, status, comment, resolution string) (commands.Result, error) {
	return h.execute(ctx, meta, v, id, ifMatch, func(c Case) ([]events.Payload, error) {
		return Decide(c, true, ChangeStatus{Status: status, Comment: comment, Resolution: resolution})
	})
}

// CanAttach tells whether v may attach a file to a case now: the API asks before it
// streams the file into the blob store, so a refused upload stores nothing.
// AttachEvidence asks again on the state it appends to.
func (h *Handler) CanAttach(ctx context.Context, orgID int64, v Viewer, id int64) error {
	c, err := h.load(ctx, orgID, v, id)
	if err != nil {
		return err
	}
	return attachable(c)
}

// AttachEvidence attaches a stored file to a case; the result's ID is the evidence's.
func (h *Handler) AttachEvidence(ctx context.Context, meta events.Metadata, v Viewer, caseID int64, f evevidence.File) (commands.Result, error) {
	evidenceID, err := h.ids.Next(ctx, "evidence")
	if err != nil {
		return commands.Result{}, err
	}
	res, err := h.execute(ctx, meta, v, caseID, nil, func(c Case) ([]events.Payload, error) {
		return Decide(c, true, AttachEvidence{EvidenceID: evidenceID, File: f})
	})
	res.ID = evidenceID
	return res, err
}

// RecordDownload records v downloading a file with the reason given, before the
// bytes go out, and returns the file as the log knows it. A file whose last check
// found it altered is refused and nothing is recorded.
func (h *Handler) RecordDownload(ctx context.Context, meta events.Metadata, v Viewer, caseID, evidenceID int64, reason string) (Evidence, commands.Result, error) {
	var f Evidence
	res, err := h.execute(ctx, meta, v, caseID, nil, func(c Case) ([]events.Payload, error) {
		payloads, err := Decide(c, true, RecordDownload{EvidenceID: evidenceID, Reason: reason})
		f = c.Evidence[evidenceID]
		return payloads, err
	})
	if err != nil {
		return Evidence{}, commands.Result{}, err
	}
	f.Downloads++
	res.ID = evidenceID
	return f, res, nil
}

// RecordVerification records a file read back and hashed: actual is the hash read
// ("" when the file was missing), result evevidence.Match or evevidence.Mismatch,
// during DuringVerify or DuringDownload. The result's ID is the evidence's.
func (h *Handler) RecordVerification(ctx context.Context, meta events.Metadata, v Viewer, caseID, evidenceID int64, actual, result, during string) (commands.Result, error) {
	res, err := h.execute(ctx, meta, v, caseID, nil, func(c Case) ([]events.Payload, error) {
		return Decide(c, true, RecordVerification{EvidenceID: evidenceID, Actual: actual, Result: result, During: during})
	})
	res.ID = evidenceID
	return res, err
}

// Evidence returns a file of a case as the log knows it, for v.
func (h *Handler) Evidence(ctx context.Context, orgID int64, v Viewer, caseID, evidenceID int64) (Evidence, error) {
	c, err := h.load(ctx, orgID, v, caseID)
	if err != nil {
		return Evidence{}, err
	}
	return c.Evidence.Get(owner(c), evidenceID)
}

// load reads a case of the organization that v may see.
func (h *Handler) load(ctx context.Context, orgID int64, v Viewer, id int64) (Case, error) {
	if id <= 0 {
		return Case{}, errCaseNotFound
	}
	agg, _, err := h.streams.Load(ctx, id, events.ReadOptions{})
	if err != nil {
		return Case{}, err
	}
	if agg.Version == 0 || agg.OrgID != orgID || !agg.State.VisibleTo(v) {
		return Case{}, errCaseNotFound
	}
	return agg.State, nil
}

// execute decides on a case of meta's organization that v may see, and appends what
// it decides. Visibility and ifMatch are checked on the state the decision is made
// on, so a decision made again after losing a race checks them again; ifMatch is
// compared with the case's own version, which evidence events leave alone. The
// result carries the case's version, and the stream's in StreamVersion.
func (h *Handler) execute(ctx context.Context, meta events.Metadata, v Viewer, id int64, ifMatch *int64, decide func(Case) ([]events.Payload, error)) (commands.Result, error) {
	if id <= 0 {
		return commands.Result{}, errCaseNotFound
	}
	var before int64
	decided := false
	res, err := h.streams.Execute(ctx, id, nil, meta, func(agg commands.Aggregate[Case]) ([]events.Payload, error) {
		decided = true
		c := agg.State
		if !c.VisibleTo(v) {
			return nil, errCaseNotFound
		}
		if ifMatch != nil && *ifMatch != c.Version {
			return nil, strata.Errorf(strata.Conflict, "version %d is stale: the case was changed by someone else (now at version %d)",
				*ifMatch, c.Version)
		}
		before = c.Version
		return decide(c)
	})
	if err != nil {
		// The stream is missing or another organization's: the store says only "not
		// found", and the client is told what was not.
		if !decided && strata.ErrorCode(err) == strata.NotFound {
			return commands.Result{}, errCaseNotFound
		}
		return commands.Result{}, err
	}
	res.ID, res.Version = id, before
	for _, p := range res.Appended {
		if _, ok := ev.CaseOf(p); ok {
			res.Version++
		}
	}
	return res, nil
}
