// Package audits projects audit management events into the audit_engagements,
// audit_procedures, audit_findings and audit_finding_responses read models.
package audits

import (
	"context"
	"fmt"
	"strings"

	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
	evevidence "github.com/strata-grc/strata/events/evidence"
	"github.com/strata-grc/strata/projections"
)

// Name is the projection's durable name.
const Name = "audits"

// Projector builds the audit management read models.
type Projector struct{ reg *events.Registry }

// New returns the projector; reg decodes events.
func New(reg *events.Registry) *Projector { return &Projector{reg: reg} }

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.Projector.
func (*Projector) Tables() []string {
	return []string{"audit_engagements", "audit_procedures", "audit_findings", "audit_finding_responses"}
}

// Versions count the events about each entity, as the aggregate's stamps do: an
// engagement's stream also carries its procedures' and findings' events, so the
// stream version is no entity's version. Each event is applied once, in the
// transaction that moves the checkpoint, so counting up here is exact.
const touched = `version = version + 1, updated_at = $3, updated_by = $4`

// The update events carry only the changed keys; each column keeps its value unless
// its key is present. A text field set to null reads as empty, as the aggregate's
// overlay reads it.
const applyEngagementUpdate = `update {audit_engagements} set
    title = case when $2::jsonb ? 'title' then coalesce($2->>'title', '') else title end,
    scope = case when $2 ? 'scope' then coalesce($2->>'scope', '') else scope end,
    auditee = case when $2 ? 'auditee' then coalesce($2->>'auditee', '') else auditee end,
    lead_auditor_id = case when $2 ? 'lead_auditor_id' then ($2->>'lead_auditor_id')::bigint else lead_auditor_id end,
    planned_start = case when $2 ? 'planned_start' then ($2->>'planned_start')::date else planned_start end,
    planned_end = case when $2 ? 'planned_end' then ($2->>'planned_end')::date else planned_end end,
    ` + touched + `
  where id = $1`

const applyProcedureUpdate = `update {audit_procedures} set
    title = case when $2::jsonb ? 'title' then coalesce($2->>'title', '') else title end,
    description = case when $2 ? 'description' then coalesce($2->>'description', '') else description end,
    assigned_to = case when $2 ? 'assigned_to' then ($2->>'assigned_to')::bigint else assigned_to end,
    status = case when $2 ? 'status' then coalesce($2->>'status', '') else status end,
    conclusion = case when $2 ? 'conclusion' then coalesce($2->>'conclusion', '') else conclusion end,
    ` + touched + `
  where id = $1`

const applyFindingUpdate = `update {audit_findings} set
    title = case when $2::jsonb ? 'title' then coalesce($2->>'title', '') else title end,
    description = case when $2 ? 'description' then coalesce($2->>'description', '') else description end,
    severity = case when $2 ? 'severity' then coalesce($2->>'severity', '') else severity end,
    risk_id = case when $2 ? 'risk_id' then ($2->>'risk_id')::bigint else risk_id end,
    control_id = case when $2 ? 'control_id' then ($2->>'control_id')::bigint else control_id end,
    assigned_to = case when $2 ? 'assigned_to' then ($2->>'assigned_to')::bigint else assigned_to end,
    due_date = case when $2 ? 'due_date' then ($2->>'due_date')::date else due_date end,
    ` + touched + `
  where id = $1`

// Handle implements projections.Projector.
func (p *Projector) Handle(_ context.Context, w *projections.Writer, e events.Event) error {
	if !strings.HasPrefix(e.StreamID, ev.StreamPrefix) || !p.reg.Known(e.Type) || evevidence.Known(e.Type) {
		return nil // another module's event, or a file's, which the evidence projection keeps
	}
	payload, err := p.reg.Decode(e)
	if err != nil {
		return err
	}
	at, actor, org := e.RecordedAt, e.Metadata.ActorID, e.Metadata.OrgID
	switch x := payload.(type) {
	case ev.EngagementCreated:
		f := x.Fields
		w.Exec(`insert into {audit_engagements} (id, org_id, title, scope, auditee, lead_auditor_id, phase, status,
			planned_start, planned_end, created_at, created_by, updated_at, updated_by, version)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9::date, $10::date, $11, $12, $11, $12, 1)`,
			x.EngagementID, org, f.Title, f.Scope, f.Auditee, f.LeadAuditorID, x.Phase, x.Status,
			f.PlannedStart, f.PlannedEnd, at, actor)
	case ev.EngagementUpdated:
		w.Exec(applyEngagementUpdate, x.EngagementID, string(x.Set), at, actor)
	case ev.EngagementPhaseChanged:
		w.Exec(`update {audit_engagements} set phase = $2, `+touched+` where id = $1`, x.EngagementID, x.To, at, actor)
	case ev.EngagementStatusChanged:
		w.Exec(`update {audit_engagements} set status = $2, `+touched+` where id = $1`, x.EngagementID, x.To, at, actor)
	case ev.ProcedureAdded:
		pr := x.Procedure
		w.Exec(`insert into {audit_procedures} (id, org_id, engagement_id, title, description, assigned_to, status, conclusion,
			created_at, created_by, updated_at, updated_by, version)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $10, 1)`,
			x.ProcedureID, org, x.EngagementID, pr.Title, pr.Description, pr.AssignedTo, pr.Status, pr.Conclusion, at, actor)
	case ev.ProcedureUpdated:
		w.Exec(applyProcedureUpdate, x.ProcedureID, string(x.Set), at, actor)
	case ev.ProcedureSignedOff:
		w.Exec(`update {audit_procedures} set signed_off_by = $2, signed_off_at = $3, `+touched+` where id = $1`,
			x.ProcedureID, x.SignedOffBy, at, actor)
	case ev.FindingCreated:
		f := x.FindingFields
		w.Exec(`insert into {audit_findings} (id, org_id, engagement_id, title, description, severity, risk_id, control_id,
			source_test_id, status, assigned_to, due_date, created_at, created_by, updated_at, updated_by, version)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::date, $13, $14, $13, $14, 1)`,
			x.FindingID, org, x.EngagementID, f.Title, f.Description, f.Severity, f.RiskID, f.ControlID,
			x.SourceTestID, x.Status, f.AssignedTo, f.DueDate, at, actor)
	case ev.FindingUpdated:
		w.Exec(applyFindingUpdate, x.FindingID, string(x.Set), at, actor)
	case ev.FindingStatusChanged:
		w.Exec(`update {audit_findings} set status = $2, `+touched+` where id = $1`, x.FindingID, x.To, at, actor)
	case ev.ManagementResponseSubmitted:
		r := x.ManagementResponse
		w.Exec(`insert into {audit_finding_responses} (position, org_id, engagement_id, finding_id, response, action_plan,
			target_date, submitted_by, submitted_at) values ($1, $2, $3, $4, $5, $6, $7::date, $8, $9)`,
			e.GlobalPosition, org, x.EngagementID, x.FindingID, r.Response, r.ActionPlan, r.TargetDate, x.SubmittedBy, at)
		w.Exec(`update {audit_findings} set response = $2, response_action_plan = $5, response_target_date = $6::date,
			response_submitted_by = $7, response_submitted_at = $3, `+touched+` where id = $1`,
			x.FindingID, r.Response, at, actor, r.ActionPlan, r.TargetDate, x.SubmittedBy)
	default:
		return fmt.Errorf("audits projection: no handler for %s", e.Type)
	}
	return nil
}
