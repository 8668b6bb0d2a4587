// Package evidence projects the file events of every stream into the evidence and
// evidence_custody read models: the files attached to cases, procedures and findings,
// and each file's chain of custody.
package evidence

import (
	"context"

	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/evidence"
	"github.com/strata-grc/strata/projections"
)

// Name is the projection's durable name.
const Name = "evidence"

// Projector builds the evidence read models. It belongs to the core, not to a
// module: the file events are the same whichever record a file is attached to.
type Projector struct{ reg *events.Registry }

// New returns the projector; reg decodes events.
func New(reg *events.Registry) *Projector { return &Projector{reg: reg} }

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.Projector.
func (*Projector) Tables() []string { return []string{"evidence", "evidence_custody"} }

// custody adds one entry to a file's chain of custody, keyed by the event's global
// position: a file's events are all in one stream, so the positions order them as
// they happened.
const custody = `insert into {evidence_custody} (position, org_id, evidence_id, owner_kind, owner_id, action,
	actor_id, actor_name, at, ip, user_agent, sha256, result, reason)
	values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

// Handle implements projections.Projector.
func (p *Projector) Handle(_ context.Context, w *projections.Writer, e events.Event) error {
	if !ev.Known(e.Type) {
		return nil // not a file event
	}
	payload, err := p.reg.Decode(e)
	if err != nil {
		return err
	}
	m, at := e.Metadata, e.RecordedAt
	switch x := payload.(type) {
	case ev.EvidenceUploaded:
		f := x.File
		w.Exec(`insert into {evidence} (id, org_id, owner_kind, owner_id, stream_id, file_name, content_type, size, sha256,
			description, uploaded_by, uploaded_by_name, uploaded_at)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			x.EvidenceID, m.OrgID, x.Owner.Kind, x.Owner.ID, e.StreamID, f.FileName, f.ContentType, f.Size, f.SHA256,
			f.Description, m.ActorID, m.ActorName, at)
		w.Exec(custody, e.GlobalPosition, m.OrgID, x.EvidenceID, x.Owner.Kind, x.Owner.ID, ev.ActionUploaded,
			m.ActorID, m.ActorName, at, m.IP, m.UserAgent, f.SHA256, nil, nil)
	case ev.EvidenceDownloaded:
		w.Exec(custody, e.GlobalPosition, m.OrgID, x.EvidenceID, x.Owner.Kind, x.Owner.ID, ev.ActionDownloaded,
			m.ActorID, m.ActorName, at, m.IP, m.UserAgent, x.SHA256, nil, optional(x.Reason))
		w.Exec(`update {evidence} set download_count = download_count + 1 where id = $1`, x.EvidenceID)
	case ev.EvidenceVerified:
		w.Exec(custody, e.GlobalPosition, m.OrgID, x.EvidenceID, x.Owner.Kind, x.Owner.ID, ev.ActionVerified,
			m.ActorID, m.ActorName, at, m.IP, m.UserAgent, x.SHA256, x.Result, nil)
		w.Exec(`update {evidence} set integrity = $2, last_verified_at = $3 where id = $1`, x.EvidenceID, x.Result, at)
	}
	return nil
}

// optional is a text that may be absent: null rather than empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
