// Package cases projects investigation case events into the cases read model.
package cases

import (
	"context"
	"fmt"
	"strings"

	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/cases"
	"github.com/strata-grc/strata/events/evidence"
	"github.com/strata-grc/strata/projections"
)

// Name is the projection's durable name.
const Name = "cases"

// completed is the status that carries a resolution; caseOwner is the owner kind of
// a case's evidence.
const (
	completed = "completed"
	caseOwner = "case"
)

// Projector builds the cases read model.
type Projector struct{ reg *events.Registry }

// New returns the projector; reg decodes events, the evidence events included.
func New(reg *events.Registry) *Projector { return &Projector{reg: reg} }

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.Projector.
func (*Projector) Tables() []string { return []string{"cases"} }

// A case's version counts the case's own events, as the aggregate's stamps do; the
// evidence events its stream also carries leave the version and the stamps alone.
// Each event is applied once, in the transaction that moves the checkpoint, so
// counting up here is exact.
const touched = `version = version + 1, updated_at = $3, updated_by = $4`

// The update event carries only the changed keys; each column keeps its value unless
// its key is present. A text field set to null reads as empty, as the aggregate's
// overlay reads it.
const applyUpdate = `update {cases} set
    title = case when $2::jsonb ? 'title' then coalesce($2->>'title', '') else title end,
    description = case when $2 ? 'description' then coalesce($2->>'description', '') else description end,
    type = case when $2 ? 'type' then coalesce($2->>'type', '') else type end,
    priority = case when $2 ? 'priority' then coalesce($2->>'priority', '') else priority end,
    reporter = case when $2 ? 'reporter' then coalesce($2->>'reporter', '') else reporter end,
    confidential = case when $2 ? 'confidential' then coalesce(($2->>'confidential')::boolean, false) else confidential end,
    ` + touched + `
  where id = $1`

// Handle implements projections.Projector.
func (p *Projector) Handle(_ context.Context, w *projections.Writer, e events.Event) error {
	if !strings.HasPrefix(e.StreamID, ev.StreamPrefix) || !p.reg.Known(e.Type) {
		return nil // another module's event
	}
	if e.Type == (evidence.EvidenceDownloaded{}).EventType() || e.Type == (evidence.EvidenceVerified{}).EventType() {
		return nil // custody is the evidence projection's; the case row does not change
	}
	payload, err := p.reg.Decode(e)
	if err != nil {
		return err
	}
	at, actor, org := e.RecordedAt, e.Metadata.ActorID, e.Metadata.OrgID
	switch x := payload.(type) {
	case ev.CaseOpened:
		f := x.Fields
		w.Exec(`insert into {cases} (id, org_id, title, description, type, status, priority, reporter, confidential,
			created_at, created_by, updated_at, updated_by, status_changed_at, version)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $11, $10, 1)`,
			x.CaseID, org, f.Title, f.Description, f.Type, x.Status, f.Priority, f.Reporter, f.Confidential, at, actor)
	case ev.CaseUpdated:
		w.Exec(applyUpdate, x.CaseID, string(x.Set), at, actor)
	case ev.CaseAssigned:
		w.Exec(`update {cases} set assignee_id = $2, `+touched+` where id = $1`, x.CaseID, x.AssigneeID, at, actor)
	case ev.CaseStatusChanged:
		// Completing records the resolution; any other move (a reopening) clears it.
		var resolution *string
		if x.To == completed && x.Resolution != "" {
			resolution = &x.Resolution
		}
		w.Exec(`update {cases} set status = $2, resolution = $5, status_changed_at = $3, `+touched+` where id = $1`,
			x.CaseID, x.To, at, actor, resolution)
	case evidence.EvidenceUploaded:
		if x.Owner.Kind == caseOwner {
			w.Exec(`update {cases} set evidence_count = evidence_count + 1 where id = $1`, x.Owner.ID)
		}
	default:
		return fmt.Errorf("cases projection: no handler for %s", e.Type)
	}
	return nil
}
