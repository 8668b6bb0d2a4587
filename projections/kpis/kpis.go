// Package kpis projects objective and KPI events into the objectives and kpis read
// models.
package kpis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/kpis"
	"github.com/strata-grc/strata/projections"
)

// Name is the projection's durable name.
const Name = "kpis"

// Projector builds the objectives and kpis read models.
type Projector struct{ reg *events.Registry }

// New returns the projector; reg decodes events.
func New(reg *events.Registry) *Projector { return &Projector{reg: reg} }

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.Projector.
func (*Projector) Tables() []string { return []string{"objectives", "kpis"} }

// Each event is applied once, in the transaction that moves the checkpoint, so
// counting the version up here is exact.
const touched = `version = version + 1, updated_at = $3, updated_by = $4`

// Update events carry only the changed keys; each column keeps its value unless its
// key is present. A text field set to null reads as empty, as the aggregate's overlay
// reads it.
const (
	applyObjectiveUpdate = `update {objectives} set
    name = case when $2::jsonb ? 'name' then coalesce($2->>'name', '') else name end,
    description = case when $2 ? 'description' then coalesce($2->>'description', '') else description end,
    owner_id = case when $2 ? 'owner_id' then ($2->>'owner_id')::bigint else owner_id end,
    period_start = case when $2 ? 'period_start' then ($2->>'period_start')::date else period_start end,
    period_end = case when $2 ? 'period_end' then ($2->>'period_end')::date else period_end end,
    ` + touched + `
  where id = $1`
	applyKpiUpdate = `update {kpis} set
    name = case when $2::jsonb ? 'name' then coalesce($2->>'name', '') else name end,
    description = case when $2 ? 'description' then coalesce($2->>'description', '') else description end,
    unit = case when $2 ? 'unit' then coalesce($2->>'unit', '') else unit end,
    target = case when $2 ? 'target' then ($2->>'target')::double precision else target end,
    direction = case when $2 ? 'direction' then coalesce($2->>'direction', '') else direction end,
    frequency = case when $2 ? 'frequency' then coalesce($2->>'frequency', '') else frequency end,
    owner_id = case when $2 ? 'owner_id' then ($2->>'owner_id')::bigint else owner_id end,
    objective_id = case when $2 ? 'objective_id' then ($2->>'objective_id')::bigint else objective_id end,
    ` + touched + `
  where id = $1`
)

// Handle implements projections.Projector.
func (p *Projector) Handle(_ context.Context, w *projections.Writer, e events.Event) error {
	if !strings.HasPrefix(e.StreamID, ev.ObjectivePrefix) && !strings.HasPrefix(e.StreamID, ev.KpiPrefix) || !p.reg.Known(e.Type) {
		return nil // another module's event
	}
	payload, err := p.reg.Decode(e)
	if err != nil {
		return err
	}
	at, actor, org := e.RecordedAt, e.Metadata.ActorID, e.Metadata.OrgID
	switch x := payload.(type) {
	case ev.ObjectiveCreated:
		f := x.ObjectiveFields
		w.Exec(`insert into {objectives} (id, org_id, name, description, owner_id, period_start, period_end,
			created_at, created_by, updated_at, updated_by, version)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $9, 1)`,
			x.ObjectiveID, org, f.Name, f.Description, f.OwnerID, f.PeriodStart, f.PeriodEnd, at, actor)
	case ev.ObjectiveUpdated:
		w.Exec(applyObjectiveUpdate, x.ObjectiveID, string(x.Set), at, actor)
	case ev.KpiDefined:
		f := x.KpiFields
		w.Exec(`insert into {kpis} (id, org_id, name, description, unit, target, direction, frequency, owner_id,
			objective_id, defined_on, created_at, created_by, updated_at, updated_by, version)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12, $13, 1)`,
			x.KpiID, org, f.Name, f.Description, f.Unit, f.Target, f.Direction, f.Frequency, f.OwnerID, f.ObjectiveID,
			at.UTC().Format(time.DateOnly), at, actor)
	case ev.KpiUpdated:
		w.Exec(applyKpiUpdate, x.KpiID, string(x.Set), at, actor)
	case ev.KpiValueRecorded:
		w.Exec(latest, x.KpiID, x.Period, at, actor, x.Value)
	case ev.KpiValueCorrected:
		w.Exec(latest, x.KpiID, x.Period, at, actor, x.Value)
	default:
		return fmt.Errorf("kpis projection: no handler for %s", e.Type)
	}
	return nil
}

// latest moves the latest value to a period at or after the latest one: a value for
// an earlier period (filled in late, or corrected) leaves it alone.
const latest = `update {kpis} set
    latest_value = case when latest_period is null or $2 >= latest_period then $5::double precision else latest_value end,
    latest_period = case when latest_period is null or $2 >= latest_period then $2 else latest_period end,
    ` + touched + `
  where id = $1`
