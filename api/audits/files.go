package audits

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/api/evidence"
	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands"
	cmdaudits "github.com/strata-grc/strata/commands/audits"
	"github.com/strata-grc/strata/events"
	evevidence "github.com/strata-grc/strata/events/evidence"
	qevidence "github.com/strata-grc/strata/queries/evidence"
)

// mountFiles serves the workpapers of procedures and the attachments of findings,
// with the same store, checks and chain of custody as a case's evidence.
func (h *handlers) mountFiles(r *module.Router) {
	fresh := r.Fresh(qevidence.Projection)
	for _, base := range []string{"/engagements/:id/procedures/:procedure_id/attachments", "/findings/:id/attachments"} {
		r.GET(base, Read, fresh, h.listFiles)
		r.Upload(base, Write, h.files.MaxUpload, h.uploadFile)
		r.Download(base+"/:evidence_id", Read, h.downloadFile)
		r.GET(base+"/:evidence_id/custody", Read, fresh, h.fileCustody)
		r.POST(base+"/:evidence_id/verify", Write, h.verifyFile)
	}
}

// fileKeeper is a procedure or a finding taking and handing out files.
type fileKeeper struct {
	h            *handlers
	orgID        int64
	engagementID int64
	owner        evevidence.Owner
}

// keeper reads the record a file route names: a procedure of the engagement in the
// path, or a finding, whose engagement is looked up.
func (h *handlers) keeper(c *gin.Context) (fileKeeper, bool) {
	k := fileKeeper{h: h, orgID: rest.Caller(c).OrgID}
	if c.Param("procedure_id") != "" {
		engagementID, procedureID, ok := procedurePath(c)
		if !ok {
			return k, false
		}
		k.engagementID, k.owner = engagementID, evevidence.Owner{Kind: cmdaudits.ProcedureFiles, ID: procedureID}
		return k, true
	}
	findingID, err := rest.PathID(c, "id")
	if err == nil {
		k.engagementID, err = h.commands.EngagementOf(c.Request.Context(), k.orgID, findingID)
	}
	if err != nil {
		rest.Fail(c, err)
		return k, false
	}
	k.owner = evevidence.Owner{Kind: cmdaudits.FindingFiles, ID: findingID}
	return k, true
}

func (h *handlers) fileOf(c *gin.Context) (fileKeeper, int64, bool) {
	k, ok := h.keeper(c)
	if !ok {
		return k, 0, false
	}
	id, err := rest.PathID(c, "evidence_id")
	if err != nil {
		rest.Fail(c, err)
		return k, 0, false
	}
	return k, id, true
}

func (k fileKeeper) Owner() evevidence.Owner { return k.owner }

func (k fileKeeper) CanAttach(ctx context.Context) error {
	return k.h.commands.CanAttach(ctx, k.orgID, k.engagementID, k.owner)
}

func (k fileKeeper) Attach(ctx context.Context, meta events.Metadata, f evevidence.File) (commands.Result, error) {
	return k.h.commands.AttachFile(ctx, meta, k.engagementID, k.owner, f)
}

func (k fileKeeper) Held(ctx context.Context, evidenceID int64) (evidence.Held, error) {
	f, err := k.h.commands.File(ctx, k.orgID, k.engagementID, k.owner, evidenceID)
	return evidence.Held{File: f.File, Integrity: f.Integrity}, err
}

func (k fileKeeper) RecordDownload(ctx context.Context, meta events.Metadata, evidenceID int64, reason string) (commands.Result, error) {
	return k.h.commands.RecordFileDownload(ctx, meta, k.engagementID, k.owner, evidenceID, reason)
}

func (k fileKeeper) RecordVerification(ctx context.Context, meta events.Metadata, evidenceID int64, actual, result, during string) (commands.Result, error) {
	return k.h.commands.RecordFileVerification(ctx, meta, k.engagementID, k.owner, evidenceID, actual, result, during)
}

func (h *handlers) listFiles(c *gin.Context) {
	k, ok := h.keeper(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if err := h.commands.Has(ctx, k.orgID, k.engagementID, k.owner); err != nil {
		rest.Fail(c, err)
		return
	}
	files, err := h.files.Reader.List(ctx, k.orgID, k.owner.Kind, k.owner.ID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.OK(c, http.StatusOK, files)
}

func (h *handlers) uploadFile(c *gin.Context) {
	if k, ok := h.keeper(c); ok {
		h.files.Upload(c, k)
	}
}

func (h *handlers) downloadFile(c *gin.Context) {
	if k, id, ok := h.fileOf(c); ok {
		h.files.Download(c, k, id)
	}
}

func (h *handlers) verifyFile(c *gin.Context) {
	if k, id, ok := h.fileOf(c); ok {
		h.files.Verify(c, k, id)
	}
}

func (h *handlers) fileCustody(c *gin.Context) {
	if k, id, ok := h.fileOf(c); ok {
		h.files.Custody(c, k, id)
	}
}
