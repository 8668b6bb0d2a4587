package kpis

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/kpis"
)

// IDs hands out new entity ids; kinds "objective" and "kpi".
type IDs interface {
	Next(ctx context.Context, kind string) (int64, error)
}

// Handler runs objective and KPI commands against the event log.
type Handler struct {
	objectives *commands.Streams[Objective]
	kpis       *commands.Streams[Kpi]
	ids        IDs
	members    commands.Members
	now        func() time.Time
}

// NewHandler refuses missing dependencies; now defaults to time.Now and tells today
// (its UTC date) for the periods values are recorded for. members vouches for every
// owner; nil accepts any id, for replays and tests of this module alone.
func NewHandler(store events.Store, reg *events.Registry, ids IDs, members commands.Members, now func() time.Time) (*Handler, error) {
	if store == nil || reg == nil || ids == nil {
		return nil, errors.New("kpis: handler needs a store, a registry and an id source")
	}
	if now == nil {
		now = time.Now
	}
	return &Handler{
		objectives: &commands.Streams[Objective]{Store: store, Registry: reg, Name: ev.ObjectiveStream, Evolve: EvolveObjective},
		kpis:       &commands.Streams[Kpi]{Store: store, Registry: reg, Name: ev.KpiStream, Evolve: EvolveKpi},
		ids:        ids, members: members, now: now,
	}, nil
}

// Objectives exposes the objective streams for replay (current views, history).
func (h *Handler) Objectives() *commands.Streams[Objective] { return h.objectives }

// Kpis exposes the KPI streams for replay (current views, performance, history).
func (h *Handler) Kpis() *commands.Streams[Kpi] { return h.kpis }

// CreateObjective sets an objective and returns its id in the result.
func (h *Handler) CreateObjective(ctx context.Context, meta events.Metadata, f ev.ObjectiveFields) (commands.Result, error) {
	// Checked before an id is spent on it.
	payloads, err := DecideObjective(Objective{}, false, CreateObjective{ObjectiveFields: f})
	if err != nil {
		return commands.Result{}, err
	}
	created := payloads[0].(ev.ObjectiveCreated)
	if err := commands.CheckMember(ctx, h.members, meta.OrgID, "owner_id", created.OwnerID); err != nil {
		return commands.Result{}, err
	}
	id, err := h.ids.Next(ctx, "objective")
	if err != nil {
		return commands.Result{}, err
	}
	created.ObjectiveID = id
	return h.objectives.Create(ctx, id, meta, created)
}

// UpdateObjective applies a partial update to an objective.
func (h *Handler) UpdateObjective(ctx context.Context, meta events.Metadata, id int64, ifMatch *int64, patch json.RawMessage) (commands.Result, error) {
	if id <= 0 {
		return commands.Result{}, errObjectiveNotFound
	}
	decided := false
	res, err := h.objectives.Execute(ctx, id, ifMatch, meta, func(agg commands.Aggregate[Objective]) ([]events.Payload, error) {
		decided = true
		payloads, err := DecideObjective(agg.State, true, UpdateObjective{Patch: patch})
		if err != nil {
			return nil, err
		}
		for _, p := range payloads {
			if u, ok := p.(ev.ObjectiveUpdated); ok {
				if err := commands.CheckMember(ctx, h.members, meta.OrgID, "owner_id", commands.SetID(u.Set, "owner_id")); err != nil {
					return nil, err
				}
			}
		}
		return payloads, nil
	})
	return res, notFound(err, decided, errObjectiveNotFound)
}

// CheckObjective answers NOT_FOUND unless the organization has the objective.
func (h *Handler) CheckObjective(ctx context.Context, orgID, id int64) error {
	if id <= 0 {
		return errObjectiveNotFound
	}
	first, err := h.objectives.Store.ReadStream(ctx, ev.ObjectiveStream(id), events.ReadOptions{ToVersion: 1})
	if err != nil {
		return err
	}
	if len(first) == 0 || first[0].Metadata.OrgID != orgID {
		return errObjectiveNotFound
	}
	return nil
}

// DefineKpi defines a KPI and returns its id in the result.
func (h *Handler) DefineKpi(ctx context.Context, meta events.Metadata, in KpiInput) (commands.Result, error) {
	payloads, err := DecideKpi(Kpi{}, false, DefineKpi{KpiInput: in})
	if err != nil {
		return commands.Result{}, err
	}
	defined := payloads[0].(ev.KpiDefined)
	if err := h.checkRefs(ctx, meta.OrgID, defined.OwnerID, defined.ObjectiveID); err != nil {
		return commands.Result{}, err
	}
	id, err := h.ids.Next(ctx, "kpi")
	if err != nil {
		return commands.Result{}, err
	}
	defined.KpiID = id
	return h.kpis.Create(ctx, id, meta, defined)
}

// UpdateKpi applies a partial update to a KPI.
func (h *Handler) UpdateKpi(ctx context.Context, meta events.Metadata, id int64, ifMatch *int64, patch json.RawMessage) (commands.Result, error) {
	return h.onKpi(ctx, meta, id, ifMatch, func(k Kpi) ([]events.Payload, error) {
		payloads, err := DecideKpi(k, true, UpdateKpi{Patch: patch})
		if err != nil {
			return nil, err
		}
		for _, p := range payloads {
			if u, ok := p.(ev.KpiUpdated); ok {
				// Only what the update assigns is checked, so a KPI still naming a
				// former member can be edited otherwise.
				if err := h.checkRefs(ctx, meta.OrgID, commands.SetID(u.Set, "owner_id"), commands.SetID(u.Set, "objective_id")); err != nil {
					return nil, err
				}
			}
		}
		return payloads, nil
	})
}

// RecordValue gives a period of a KPI its value: a KpiValueRecorded when the period
// has none, a KpiValueCorrected (which needs a comment) when it has another, nothing
// when it has this one. The result's Appended tells which.
func (h *Handler) RecordValue(ctx context.Context, meta events.Metadata, id int64, ifMatch *int64, period string, value *float64, comment string) (commands.Result, error) {
	today := h.now()
	return h.onKpi(ctx, meta, id, ifMatch, func(k Kpi) ([]events.Payload, error) {
		return DecideKpi(k, true, RecordValue{Period: period, Value: value, Comment: comment, Today: today})
	})
}

// onKpi decides on a KPI of meta's organization and appends what it decides.
func (h *Handler) onKpi(ctx context.Context, meta events.Metadata, id int64, ifMatch *int64, decide func(Kpi) ([]events.Payload, error)) (commands.Result, error) {
	if id <= 0 {
		return commands.Result{}, errKpiNotFound
	}
	decided := false
	res, err := h.kpis.Execute(ctx, id, ifMatch, meta, func(agg commands.Aggregate[Kpi]) ([]events.Payload, error) {
		decided = true
		return decide(agg.State)
	})
	return res, notFound(err, decided, errKpiNotFound)
}

// notFound tells the client what was not found when the stream is missing or another
// organization's: the store says only "not found".
func notFound(err error, decided bool, what error) error {
	if err != nil && !decided && strata.ErrorCode(err) == strata.NotFound {
		return what
	}
	return err
}

// checkRefs refuses an owner who is not a member of the organization and an
// objective that is not the organization's.
func (h *Handler) checkRefs(ctx context.Context, orgID int64, owner, objective *int64) error {
	if err := commands.CheckMember(ctx, h.members, orgID, "owner_id", owner); err != nil {
		return err
	}
	if objective == nil {
		return nil
	}
	err := h.CheckObjective(ctx, orgID, *objective)
	if strata.ErrorCode(err) == strata.NotFound {
		return commands.FieldError("objective_id", "is not an objective of this organization")
	}
	return err
}
