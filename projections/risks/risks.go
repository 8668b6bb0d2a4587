// Package risks projects Risk Management events into the risks, risk_responses and
// risk_controls read models.
package risks

import (
	"context"
	"fmt"

	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/projections"
)

// Name is the projection's durable name.
const Name = "risks"

// Projector builds the risk read models.
type Projector struct{ reg *events.Registry }

// New returns the projector; reg decodes events.
func New(reg *events.Registry) *Projector { return &Projector{reg: reg} }

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.Projector.
func (*Projector) Tables() []string { return []string{"risks", "risk_responses", "risk_controls"} }

// Every event on a risk moves its version, so the list shows what the detail shows.
const touch = `update {risks} set version = $2, updated_at = $3, updated_by = $4 where id = $1`

const applyResponseUpdate = `update {risk_responses} set
    type = case when $2::jsonb ? 'type' then $2->>'type' else type end,
    description = case when $2 ? 'description' then $2->>'description' else description end,
    owner_id = case when $2 ? 'owner_id' then ($2->>'owner_id')::bigint else owner_id end,
    due_date = case when $2 ? 'due_date' then ($2->>'due_date')::date else due_date end,
    status = case when $2 ? 'status' then $2->>'status' else status end,
    completed_at = case when $3::timestamptz is not null then $3
                        when $2 ? 'status' and $2->>'status' <> 'done' then null
                        else completed_at end,
    updated_at = $4
  where id = $1`

// mine says whether e is a risk event this projector applies.
func (p *Projector) mine(e *events.Event) bool {
	return p.reg.Known(e.Type) && len(e.StreamID) > len(ev.StreamPrefix) && e.StreamID[:len(ev.StreamPrefix)] == ev.StreamPrefix
}

// Prepare implements projections.Preparer: decoding is most of the time a rebuild
// spends in Go on an event.
func (p *Projector) Prepare(evs []events.Event) {
	for i := range evs {
		if p.mine(&evs[i]) {
			p.reg.Predecode(&evs[i])
		}
	}
}

// Handle implements projections.Projector.
func (p *Projector) Handle(_ context.Context, w *projections.Writer, e events.Event) error {
	if !p.mine(&e) {
		return nil // another module's event
	}
	payload, err := p.reg.Decode(e)
	if err != nil {
		return err
	}
	at, actor := e.RecordedAt, e.Metadata.ActorID
	switch x := payload.(type) {
	case ev.RiskCreated:
		held(w).create(created{id: x.RiskID, org: e.Metadata.OrgID, actor: actor, version: e.StreamVersion, at: at, f: x.Fields})
		return nil
	case ev.RiskUpdated:
		return held(w).update(x.RiskID, x.Set, e.StreamVersion, at, actor)
	}
	// Whatever else happened follows the held run.
	w.Release(foldKey{})
	switch x := payload.(type) {
	case ev.RiskDeleted:
		w.Exec(`update {risks} set deleted_at = $3, version = $2, updated_at = $3, updated_by = $4 where id = $1`,
			x.RiskID, e.StreamVersion, at, actor)
	case ev.RiskResponseAdded:
		r := x.Response
		w.Exec(`insert into {risk_responses} (id, org_id, risk_id, type, description, owner_id, due_date, status, completed_at, created_at, updated_at)
			values ($1, $2, $3, $4, $5, $6, $7::date, $8, $9::timestamptz, $10, $10)`,
			x.ResponseID, e.Metadata.OrgID, x.RiskID, r.Type, r.Description, r.OwnerID, r.DueDate, r.Status, x.CompletedAt, at)
		w.Exec(touch, x.RiskID, e.StreamVersion, at, actor)
	case ev.RiskResponseUpdated:
		w.Exec(applyResponseUpdate, x.ResponseID, string(x.Set), x.CompletedAt, at)
		w.Exec(touch, x.RiskID, e.StreamVersion, at, actor)
	case ev.RiskControlMapped:
		w.Exec(`insert into {risk_controls} (org_id, risk_id, control_id, mapped_at, mapped_by) values ($1, $2, $3, $4, $5)`,
			e.Metadata.OrgID, x.RiskID, x.ControlID, at, actor)
		w.Exec(`update {risks} set control_ids = array_append(control_ids, $2::bigint), version = $3, updated_at = $4, updated_by = $5 where id = $1`,
			x.RiskID, x.ControlID, e.StreamVersion, at, actor)
	case ev.RiskControlUnmapped:
		w.Exec(`delete from {risk_controls} where risk_id = $1 and control_id = $2`, x.RiskID, x.ControlID)
		w.Exec(`update {risks} set control_ids = array_remove(control_ids, $2::bigint), version = $3, updated_at = $4, updated_by = $5 where id = $1`,
			x.RiskID, x.ControlID, e.StreamVersion, at, actor)
	default:
		return fmt.Errorf("risks projection: no handler for %s", e.Type)
	}
	return nil
}
