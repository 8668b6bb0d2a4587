// Package controls projects Control Library events into the frameworks,
// requirements, controls, control_tests, control_effectiveness and
// control_requirements read models.
package controls

import (
	"context"
	"fmt"
	"strings"

	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/projections"
)

// Name is the projection's durable name.
const Name = "controls"

// Projector builds the control library read models.
type Projector struct{ reg *events.Registry }

// New returns the projector; reg decodes events.
func New(reg *events.Registry) *Projector { return &Projector{reg: reg} }

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.Projector.
func (*Projector) Tables() []string {
	return []string{"frameworks", "requirements", "controls", "control_tests", "control_effectiveness", "control_requirements"}
}

// ControlUpdated carries only the changed keys; each column keeps its value unless
// its key is present.
const applyControlUpdate = `update {controls} set
    code = case when $2::jsonb ? 'code' then $2->>'code' else code end,
    title = case when $2 ? 'title' then $2->>'title' else title end,
    description = case when $2 ? 'description' then $2->>'description' else description end,
    framework_id = case when $2 ? 'framework_id' then ($2->>'framework_id')::bigint else framework_id end,
    type = case when $2 ? 'type' then $2->>'type' else type end,
    frequency = case when $2 ? 'frequency' then $2->>'frequency' else frequency end,
    owner_id = case when $2 ? 'owner_id' then ($2->>'owner_id')::bigint else owner_id end,
    version = $3, updated_at = $4, updated_by = $5
  where id = $1`

func ours(streamID string) bool {
	return strings.HasPrefix(streamID, ev.ControlPrefix) || strings.HasPrefix(streamID, ev.FrameworkPrefix)
}

// Handle implements projections.Projector.
func (p *Projector) Handle(_ context.Context, w *projections.Writer, e events.Event) error {
	if !ours(e.StreamID) || !p.reg.Known(e.Type) {
		return nil // another module's event
	}
	payload, err := p.reg.Decode(e)
	if err != nil {
		return err
	}
	at, actor, name, org := e.RecordedAt, e.Metadata.ActorID, e.Metadata.ActorName, e.Metadata.OrgID
	switch x := payload.(type) {
	case ev.FrameworkCreated:
		w.Exec(`insert into {frameworks} (id, org_id, name, version, description, source, created_at, created_by, updated_at, stream_version)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $7, $9)`,
			x.FrameworkID, org, x.Name, x.Version, x.Description, x.Source, at, actor, e.StreamVersion)
	case ev.RequirementAdded:
		w.Exec(`insert into {requirements} (id, org_id, framework_id, code, title, description, created_at)
			values ($1, $2, $3, $4, $5, $6, $7)`, x.RequirementID, org, x.FrameworkID, x.Code, x.Title, x.Description, at)
		w.Exec(`update {frameworks} set requirement_count = requirement_count + 1, updated_at = $2, stream_version = $3 where id = $1`,
			x.FrameworkID, at, e.StreamVersion)
	case ev.ControlCreated:
		f := x.Fields
		w.Exec(`insert into {controls} (id, org_id, code, title, description, framework_id, status, type, frequency, owner_id,
			created_at, created_by, updated_at, updated_by, version)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11, $12, $13)`,
			x.ControlID, org, f.Code, f.Title, f.Description, f.FrameworkID, x.Status, f.Type, f.Frequency, f.OwnerID,
			at, actor, e.StreamVersion)
	case ev.ControlUpdated:
		w.Exec(applyControlUpdate, x.ControlID, string(x.Set), e.StreamVersion, at, actor)
	case ev.ControlStatusChanged:
		w.Exec(`update {controls} set status = $2, version = $3, updated_at = $4, updated_by = $5 where id = $1`,
			x.ControlID, x.To, e.StreamVersion, at, actor)
	case ev.ControlTestRecorded:
		w.Exec(`insert into {control_tests} (id, org_id, control_id, tested_at, result, notes, recorded_at, recorded_by, recorder)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, x.TestID, org, x.ControlID, x.TestedAt, x.Result, x.Notes, at, actor, name)
		w.Exec(`update {controls} set last_tested_at = greatest(last_tested_at, $2), version = $3, updated_at = $4, updated_by = $5 where id = $1`,
			x.ControlID, x.TestedAt, e.StreamVersion, at, actor)
	case ev.ControlEffectivenessUpdated:
		w.Exec(`insert into {control_effectiveness} (position, org_id, control_id, effectiveness, previous, notes, test_id, changed_at, changed_by, changer)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			e.GlobalPosition, org, x.ControlID, x.Effectiveness, x.Previous, x.Notes, x.TestID, at, actor, name)
		w.Exec(`update {controls} set effectiveness = $2, version = $3, updated_at = $4, updated_by = $5 where id = $1`,
			x.ControlID, x.Effectiveness, e.StreamVersion, at, actor)
	case ev.ControlMappedToRequirement:
		w.Exec(`insert into {control_requirements} (org_id, control_id, requirement_id, framework_id, mapped_at) values ($1, $2, $3, $4, $5)`,
			org, x.ControlID, x.RequirementID, x.FrameworkID, at)
		w.Exec(`update {controls} set requirement_ids = array_append(requirement_ids, $2::bigint), version = $3, updated_at = $4, updated_by = $5 where id = $1`,
			x.ControlID, x.RequirementID, e.StreamVersion, at, actor)
	case ev.ControlUnmappedFromRequirement:
		w.Exec(`delete from {control_requirements} where control_id = $1 and requirement_id = $2`, x.ControlID, x.RequirementID)
		w.Exec(`update {controls} set requirement_ids = array_remove(requirement_ids, $2::bigint), version = $3, updated_at = $4, updated_by = $5 where id = $1`,
			x.ControlID, x.RequirementID, e.StreamVersion, at, actor)
	default:
		return fmt.Errorf("controls projection: no handler for %s", e.Type)
	}
	return nil
}
