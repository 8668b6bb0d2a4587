package audits

import (
	"context"
	"fmt"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/evidence"
	"github.com/strata-grc/strata/events"
	evevidence "github.com/strata-grc/strata/events/evidence"
)

// Kinds of the records of an engagement that hold files: a procedure's workpapers
// and a finding's attachments.
const (
	ProcedureFiles = "procedure"
	FindingFiles   = "finding"
)

// AttachFile attaches a file, already stored, to a procedure or a finding.
type AttachFile struct {
	Owner      evevidence.Owner
	EvidenceID int64
	File       evevidence.File
}

// RecordFileDownload records a file handed out, with the downloader's reason.
type RecordFileDownload struct {
	Owner      evevidence.Owner
	EvidenceID int64
	Reason     string
}

// RecordFileVerification records a file read back and hashed (see
// evidence.Verification).
type RecordFileVerification struct {
	Owner                  evevidence.Owner
	EvidenceID             int64
	Actual, Result, During string
}

// holder checks that the engagement has the record o names.
func holder(g Engagement, o evevidence.Owner) error {
	switch o.Kind {
	case ProcedureFiles:
		if _, ok := g.Procedures[o.ID]; ok {
			return nil
		}
	case FindingFiles:
		if _, ok := g.Findings[o.ID]; ok {
			return nil
		}
	}
	return strata.Errorf(strata.NotFound, "%s %d not found in this engagement", o.Kind, o.ID)
}

// takesFiles refuses a file on a record whose work is over: a closed engagement's,
// a signed-off procedure, a closed finding. What is attached stays readable.
func takesFiles(g Engagement, o evevidence.Owner) error {
	if err := holder(g, o); err != nil {
		return err
	}
	if g.Phase == Completed || g.Status == Cancelled {
		return commands.FieldError("engagement_id", fmt.Sprintf("is %s: it takes no new files", closedWord(g)))
	}
	if p, ok := g.Procedures[o.ID]; o.Kind == ProcedureFiles && ok && p.SignedOffBy != nil {
		return commands.FieldError("procedure", "is signed off: its workpapers are final")
	}
	if f, ok := g.Findings[o.ID]; o.Kind == FindingFiles && ok && f.Status == Closed {
		return commands.FieldError("finding", "is Closed: reopen it to attach more")
	}
	return nil
}

func closedWord(g Engagement) string {
	if g.Status == Cancelled {
		return Cancelled
	}
	return g.Phase
}

func decideFile(g Engagement, cmd any) ([]events.Payload, error) {
	switch c := cmd.(type) {
	case AttachFile:
		if err := takesFiles(g, c.Owner); err != nil {
			return nil, err
		}
		return evidence.Attach(g.Files, c.Owner, c.EvidenceID, c.File)
	case RecordFileDownload:
		if err := holder(g, c.Owner); err != nil {
			return nil, err
		}
		return evidence.Download(g.Files, c.Owner, c.EvidenceID, c.Reason)
	case RecordFileVerification:
		if err := holder(g, c.Owner); err != nil {
			return nil, err
		}
		return evidence.Verification(g.Files, c.Owner, c.EvidenceID, c.Actual, c.Result, c.During)
	}
	return nil, fmt.Errorf("audits: unknown command %T", cmd)
}

// CanAttach tells whether a procedure or finding of the engagement takes a file
// now: asked before the file is streamed into the blob store, so a refused upload
// stores nothing. AttachFile asks again on the state it appends to.
func (h *Handler) CanAttach(ctx context.Context, orgID, engagementID int64, o evevidence.Owner) error {
	g, err := h.load(ctx, orgID, engagementID)
	if err != nil {
		return err
	}
	return takesFiles(g, o)
}

// AttachFile attaches a stored file; the result's ID is the file's.
func (h *Handler) AttachFile(ctx context.Context, meta events.Metadata, engagementID int64, o evevidence.Owner, f evevidence.File) (commands.Result, error) {
	id, err := h.ids.Next(ctx, "evidence")
	if err != nil {
		return commands.Result{}, err
	}
	res, err := h.execute(ctx, meta, engagementID, subject{o.Kind, o.ID}, nil, AttachFile{Owner: o, EvidenceID: id, File: f})
	res.ID = id
	return res, err
}

// RecordFileDownload records a file of a procedure or finding handed out.
func (h *Handler) RecordFileDownload(ctx context.Context, meta events.Metadata, engagementID int64, o evevidence.Owner, evidenceID int64, reason string) (commands.Result, error) {
	res, err := h.execute(ctx, meta, engagementID, subject{o.Kind, o.ID}, nil, RecordFileDownload{Owner: o, EvidenceID: evidenceID, Reason: reason})
	res.ID = evidenceID
	return res, err
}

// RecordFileVerification records a file of a procedure or finding read back and
// hashed.
func (h *Handler) RecordFileVerification(ctx context.Context, meta events.Metadata, engagementID int64, o evevidence.Owner, evidenceID int64, actual, result, during string) (commands.Result, error) {
	res, err := h.execute(ctx, meta, engagementID, subject{o.Kind, o.ID}, nil,
		RecordFileVerification{Owner: o, EvidenceID: evidenceID, Actual: actual, Result: result, During: during})
	res.ID = evidenceID
	return res, err
}

// File returns a file of a procedure or finding as the engagement's stream tells it.
func (h *Handler) File(ctx context.Context, orgID, engagementID int64, o evevidence.Owner, evidenceID int64) (evidence.File, error) {
	g, err := h.load(ctx, orgID, engagementID)
	if err != nil {
		return evidence.File{}, err
	}
	if err := holder(g, o); err != nil {
		return evidence.File{}, err
	}
	return g.Files.Get(o, evidenceID)
}

// load replays an engagement of the organization.
func (h *Handler) load(ctx context.Context, orgID, engagementID int64) (Engagement, error) {
	agg, _, err := h.streams.Load(ctx, engagementID, events.ReadOptions{})
	if err != nil {
		return Engagement{}, err
	}
	if agg.Version == 0 || agg.OrgID != orgID || agg.State.ID != engagementID {
		return Engagement{}, strata.Errorf(strata.NotFound, "engagement not found")
	}
	return agg.State, nil
}

// Has tells whether the engagement of the organization has the procedure or finding
// o names: NOT_FOUND otherwise.
func (h *Handler) Has(ctx context.Context, orgID, engagementID int64, o evevidence.Owner) error {
	g, err := h.load(ctx, orgID, engagementID)
	if err != nil {
		return err
	}
	return holder(g, o)
}
