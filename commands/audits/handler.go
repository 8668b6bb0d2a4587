package audits

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
)

// IDs hands out new entity ids; kinds "engagement", "procedure" and "finding".
type IDs interface {
	Next(ctx context.Context, kind string) (int64, error)
}

// Risks tells a finding about the risk it links: the risk register's command side.
type Risks interface {
	// RiskStatus returns the risk's status, or a NOT_FOUND error when the
	// organization has no such risk or it was deleted.
	RiskStatus(ctx context.Context, orgID, riskID int64) (string, error)
}

// Controls tells a finding about the control it links: the control library's
// command side.
type Controls interface {
	// Status returns the control's status, or a NOT_FOUND error when the
	// organization has no such control.
	Status(ctx context.Context, orgID, controlID int64) (string, error)
}

// Tests tells a finding about the control test it is raised from.
type Tests interface {
	// TestOutcome returns the tested control and the result, or a NOT_FOUND error
	// when the organization has no such test.
	TestOutcome(ctx context.Context, orgID, testID int64) (controlID int64, result string, err error)
}

// findingKey is the kind of unique key that maps a finding's id to its engagement.
const findingKey = "finding"

// Handler runs audit commands against the event log.
type Handler struct {
	streams  *commands.Streams[Engagement]
	keys     *commands.Keys
	ids      IDs
	members  commands.Members
	risks    Risks
	controls Controls
	tests    Tests
	now      func() time.Time
}

// NewHandler refuses missing dependencies; now defaults to time.Now. members vouches
// for the people an engagement, a procedure or a finding names; nil accepts any id,
// for replays and tests of this module alone. risks, controls and tests check what a
// finding links to and cannot be left out.
func NewHandler(pool *pgxpool.Pool, store events.Store, reg *events.Registry, ids IDs, members commands.Members,
	risks Risks, controls Controls, tests Tests, now func() time.Time) (*Handler, error) {
	if pool == nil || store == nil || reg == nil || ids == nil || risks == nil || controls == nil || tests == nil {
		return nil, errors.New("audits: handler needs a pool, a store, a registry, an id source, and risk, control and test checks")
	}
	if now == nil {
		now = time.Now
	}
	return &Handler{
		streams: &commands.Streams[Engagement]{Store: store, Registry: reg, Name: ev.Stream, Evolve: Evolve},
		keys:    commands.NewKeys(pool), ids: ids, members: members, risks: risks, controls: controls, tests: tests, now: now,
	}, nil
}

// Engagements exposes the engagement streams for replay (current views, history).
func (h *Handler) Engagements() *commands.Streams[Engagement] { return h.streams }

// EngagementOf returns the engagement a finding of the organization belongs to.
func (h *Handler) EngagementOf(ctx context.Context, orgID, findingID int64) (int64, error) {
	return EngagementOf(ctx, h.keys, orgID, findingID)
}

// EngagementOf finds, in keys, the engagement whose stream holds a finding of the
// organization: the handler files each finding under its engagement before appending
// it, so readers find the stream without waiting for a read model.
func EngagementOf(ctx context.Context, keys *commands.Keys, orgID, findingID int64) (int64, error) {
	if findingID <= 0 {
		return 0, errFindingNotFound
	}
	owner, err := keys.Holder(ctx, findingKey, orgID, strconv.FormatInt(findingID, 10))
	if err != nil {
		return 0, err
	}
	if owner == 0 {
		return 0, errFindingNotFound
	}
	return owner, nil
}

var errFindingNotFound = strata.Errorf(strata.NotFound, "finding not found")

// CreateEngagement plans an engagement and returns its id in the result.
func (h *Handler) CreateEngagement(ctx context.Context, meta events.Metadata, f ev.Fields, status string) (commands.Result, error) {
	payloads, err := Decide(Engagement{}, false, CreateEngagement{Fields: f, Status: status})
	if err != nil {
		return commands.Result{}, err
	}
	created := payloads[0].(ev.EngagementCreated)
	if err := commands.CheckMember(ctx, h.members, meta.OrgID, "lead_auditor_id", created.LeadAuditorID); err != nil {
		return commands.Result{}, err
	}
	id, err := h.ids.Next(ctx, "engagement")
	if err != nil {
		return commands.Result{}, err
	}
	created.EngagementID = id
	return h.streams.Create(ctx, id, meta, created)
}

// UpdateEngagement applies a partial update: fields, and the status with its comment.
func (h *Handler) UpdateEngagement(ctx context.Context, meta events.Metadata, id int64, ifMatch *int64, patch json.RawMessage) (commands.Result, error) {
	return h.execute(ctx, meta, id, subject{"engagement", id}, ifMatch, UpdateEngagement{Patch: patch})
}

// ChangePhase moves an engagement to another phase.
func (h *Handler) ChangePhase(ctx context.Context, meta events.Metadata, id int64, ifMatch *int64, phase, comment string) (commands.Result, error) {
	return h.execute(ctx, meta, id, subject{"engagement", id}, ifMatch, ChangePhase{Phase: phase, Comment: comment})
}

// AddProcedure adds a step to an engagement's work programme; the result's ID is the
// procedure's.
func (h *Handler) AddProcedure(ctx context.Context, meta events.Metadata, engagementID int64, p ev.Procedure) (commands.Result, error) {
	id, err := h.ids.Next(ctx, "procedure")
	if err != nil {
		return commands.Result{}, err
	}
	return h.execute(ctx, meta, engagementID, subject{"procedure", id}, nil, AddProcedure{ProcedureID: id, Procedure: p})
}

// UpdateProcedure applies a partial update to a procedure.
func (h *Handler) UpdateProcedure(ctx context.Context, meta events.Metadata, engagementID, procedureID int64, ifMatch *int64, patch json.RawMessage) (commands.Result, error) {
	return h.execute(ctx, meta, engagementID, subject{"procedure", procedureID}, ifMatch, UpdateProcedure{ProcedureID: procedureID, Patch: patch})
}

// SignOffProcedure records meta's actor accepting a done procedure.
func (h *Handler) SignOffProcedure(ctx context.Context, meta events.Metadata, engagementID, procedureID int64, comment string) (commands.Result, error) {
	return h.execute(ctx, meta, engagementID, subject{"procedure", procedureID}, nil,
		SignOffProcedure{ProcedureID: procedureID, By: meta.ActorID, Comment: comment})
}

// CreateFinding raises a finding in an engagement, from the control test
// sourceTestID when set; the result's ID is the finding's.
func (h *Handler) CreateFinding(ctx context.Context, meta events.Metadata, engagementID int64, f ev.FindingFields, sourceTestID *int64) (commands.Result, error) {
	if engagementID <= 0 {
		return commands.Result{}, commands.FieldError("engagement_id", "is required")
	}
	cmd := CreateFinding{FindingFields: f}
	if sourceTestID != nil {
		t, err := h.sourceTest(ctx, meta.OrgID, *sourceTestID)
		if err != nil {
			return commands.Result{}, err
		}
		cmd.SourceTest = t
	}
	// Checked before an id and a key are spent on it.
	if _, err := newFinding(cmd); err != nil {
		return commands.Result{}, err
	}
	id, err := h.ids.Next(ctx, "finding")
	if err != nil {
		return commands.Result{}, err
	}
	cmd.FindingID = id
	key := strconv.FormatInt(id, 10)
	// The key is held before the finding exists, so a finding in the log can always
	// be found from its id.
	if err := h.keys.Reserve(ctx, findingKey, meta.OrgID, key, engagementID); err != nil {
		return commands.Result{}, err
	}
	res, err := h.execute(ctx, meta, engagementID, subject{"finding", id}, nil, cmd)
	if err != nil {
		// Only when the finding is surely not there: an append can commit even
		// when its caller hears an error.
		rctx := context.WithoutCancel(ctx)
		if agg, _, lerr := h.streams.Load(rctx, engagementID, events.ReadOptions{}); lerr == nil {
			if _, ok := agg.State.Findings[id]; !ok {
				_ = h.keys.Release(rctx, findingKey, meta.OrgID, key, engagementID)
			}
		}
	}
	return res, err
}

func (h *Handler) sourceTest(ctx context.Context, orgID, testID int64) (*SourceTest, error) {
	if testID <= 0 {
		return nil, commands.FieldError("source_test_id", "must be a positive integer")
	}
	control, result, err := h.tests.TestOutcome(ctx, orgID, testID)
	if strata.ErrorCode(err) == strata.NotFound {
		return nil, commands.FieldError("source_test_id", "is not a control test of this organization")
	}
	if err != nil {
		return nil, err
	}
	return &SourceTest{ID: testID, ControlID: control, Result: result}, nil
}

// UpdateFinding applies a partial update to a finding.
func (h *Handler) UpdateFinding(ctx context.Context, meta events.Metadata, findingID int64, ifMatch *int64, patch json.RawMessage) (commands.Result, error) {
	return h.onFinding(ctx, meta, findingID, ifMatch, UpdateFinding{FindingID: findingID, Patch: patch})
}

// ChangeFindingStatus moves a finding to another status.
func (h *Handler) ChangeFindingStatus(ctx context.Context, meta events.Metadata, findingID int64, ifMatch *int64, status, comment string) (commands.Result, error) {
	return h.onFinding(ctx, meta, findingID, ifMatch, ChangeFindingStatus{FindingID: findingID, Status: status, Comment: comment})
}

// SubmitResponse records management's response to a finding by meta's actor, who
// must be its assignee unless mayWrite (the actor holds audits:write).
func (h *Handler) SubmitResponse(ctx context.Context, meta events.Metadata, findingID int64, r ev.ManagementResponse, mayWrite bool) (commands.Result, error) {
	return h.onFinding(ctx, meta, findingID, nil, SubmitResponse{FindingID: findingID, ManagementResponse: r, By: meta.ActorID, MayWrite: mayWrite})
}

func (h *Handler) onFinding(ctx context.Context, meta events.Metadata, findingID int64, ifMatch *int64, cmd any) (commands.Result, error) {
	engagementID, err := h.EngagementOf(ctx, meta.OrgID, findingID)
	if err != nil {
		return commands.Result{}, err
	}
	return h.execute(ctx, meta, engagementID, subject{"finding", findingID}, ifMatch, cmd)
}

// subject is the entity a command is about, as ev.Subject names it.
type subject struct {
	kind string
	id   int64
}

// versionOf returns an entity's own version; ok is false when the engagement has no
// such entity.
func versionOf(g Engagement, s subject) (v int64, ok bool) {
	switch s.kind {
	case "engagement":
		return g.Version, true
	case "procedure":
		p, ok := g.Procedures[s.id]
		return p.Version, ok
	case "finding":
		f, ok := g.Findings[s.id]
		return f.Version, ok
	}
	return 0, false
}

// execute decides cmd on an engagement of meta's organization and appends what it
// decides. ifMatch is compared with the subject's own version inside the decision,
// so that a decision made again after losing a race compares it again; the result
// names the subject and its own version.
func (h *Handler) execute(ctx context.Context, meta events.Metadata, engagementID int64, about subject, ifMatch *int64, cmd any) (commands.Result, error) {
	creating := false
	switch cmd.(type) {
	case AddProcedure, CreateFinding:
		creating = true
	}
	var before int64
	res, err := h.streams.Execute(ctx, engagementID, nil, meta, func(agg commands.Aggregate[Engagement]) ([]events.Payload, error) {
		v, ok := versionOf(agg.State, about)
		if !ok && !creating {
			return nil, strata.Errorf(strata.NotFound, "%s %d not found in this engagement", about.kind, about.id)
		}
		if ifMatch != nil && *ifMatch != v {
			return nil, strata.Errorf(strata.Conflict, "version %d is stale: the %s was changed by someone else (now at version %d)",
				*ifMatch, about.kind, v)
		}
		before = v
		payloads, err := Decide(agg.State, true, cmd)
		if err != nil {
			return nil, err
		}
		return payloads, h.checkRefs(ctx, meta.OrgID, payloads)
	})
	if err != nil {
		return commands.Result{}, err
	}
	res.ID, res.Version = about.id, before
	for _, p := range res.Appended {
		if kind, id := ev.Subject(p); kind == about.kind && id == about.id {
			res.Version++
		}
	}
	return res, nil
}

// checkRefs refuses decided events that name someone outside the organization, or a
// risk or control that is not the organization's. Only what the events assign is
// checked, so a record still naming a former member (or a since-deleted risk) can be
// edited otherwise.
func (h *Handler) checkRefs(ctx context.Context, orgID int64, payloads []events.Payload) error {
	for _, p := range payloads {
		// Every event names at most one person: the lead auditor or an assignee.
		personField, person := "assigned_to", (*int64)(nil)
		var risk, control *int64
		switch e := p.(type) {
		case ev.EngagementUpdated:
			personField, person = "lead_auditor_id", commands.SetID(e.Set, "lead_auditor_id")
		case ev.ProcedureAdded:
			person = e.AssignedTo
		case ev.ProcedureUpdated:
			person = commands.SetID(e.Set, "assigned_to")
		case ev.FindingCreated:
			person, risk, control = e.AssignedTo, e.RiskID, e.ControlID
		case ev.FindingUpdated:
			person = commands.SetID(e.Set, "assigned_to")
			risk, control = commands.SetID(e.Set, "risk_id"), commands.SetID(e.Set, "control_id")
		}
		if err := commands.CheckMember(ctx, h.members, orgID, personField, person); err != nil {
			return err
		}
		if risk != nil {
			if _, err := h.risks.RiskStatus(ctx, orgID, *risk); strata.ErrorCode(err) == strata.NotFound {
				return commands.FieldError("risk_id", "is not a risk of this organization")
			} else if err != nil {
				return err
			}
		}
		if control != nil {
			if _, err := h.controls.Status(ctx, orgID, *control); strata.ErrorCode(err) == strata.NotFound {
				return commands.FieldError("control_id", "is not a control of this organization")
			} else if err != nil {
				return err
			}
		}
	}
	return nil
}
