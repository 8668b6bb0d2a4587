package cases

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/api/evidence"
	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands"
	cmdcases "github.com/strata-grc/strata/commands/cases"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
	evcases "github.com/strata-grc/strata/events/cases"
	evevidence "github.com/strata-grc/strata/events/evidence"
	"github.com/strata-grc/strata/queries"
	qcases "github.com/strata-grc/strata/queries/cases"
	qevidence "github.com/strata-grc/strata/queries/evidence"
)

func (h *handlers) mount(r *module.Router) {
	fresh := r.Fresh(qcases.Projection, qevidence.Projection)
	r.GET("/cases", Read, fresh, h.list)
	r.POST("/cases", Write, h.create)
	r.PUT("/cases", Write, h.update)
	r.GET("/cases/:id", Read, fresh, h.get)
	r.PUT("/cases/:id", Write, h.update)
	r.PUT("/cases/:id/status", Write, h.changeStatus)
	r.PUT("/cases/:id/assignee", Write, h.assign)
	r.GET("/cases/:id/history", Read, h.history)
	r.Upload("/cases/:id/evidence", Write, h.files.MaxUpload, h.upload)
	r.Download("/cases/:id/evidence/:evidence_id", Read, h.download)
	r.GET("/cases/:id/evidence/:evidence_id/custody", Read, r.Fresh(qevidence.Projection), h.custody)
	r.POST("/cases/:id/evidence/:evidence_id/verify", Write, h.verify)
	r.Download("/cases/:id/custody.csv", Read, r.Fresh(qevidence.Projection), h.exportCustody)
}

// viewer is the caller as a case sees it.
func viewer(c *gin.Context) cmdcases.Viewer {
	p := rest.Caller(c)
	return cmdcases.Viewer{UserID: p.UserID, Admin: p.Role == identity.Admin}
}

func (h *handlers) list(c *gin.Context) {
	v := viewer(c)
	rest.ServeList(c, filter, func(ctx context.Context, orgID int64, f qcases.Filter) (queries.Page[qcases.Case], error) {
		return h.reader.List(ctx, orgID, v, f)
	}, h.respond)
}

// filter reads a case list's query parameters; the reader checks their values.
func filter(q url.Values) (qcases.Filter, error) {
	assignee, err := rest.QueryInt(q, "assignee_id")
	if err != nil {
		return qcases.Filter{}, err
	}
	flags, err := rest.QueryBools(q, "confidential", "open")
	if err != nil {
		return qcases.Filter{}, err
	}
	limit, err := rest.QueryLimit(q)
	if err != nil {
		return qcases.Filter{}, err
	}
	return qcases.Filter{Status: q.Get("status"), Priority: q.Get("priority"), AssigneeID: assignee, Type: q.Get("type"),
		Confidential: flags[0], Open: flags[1], Q: q.Get("q"), Sort: q.Get("sort"), Limit: limit, Cursor: q.Get("cursor")}, nil
}

func (h *handlers) get(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	h.page(c).Serve(c, id, true)
}

// respond answers the seed's action=get, which ignores as_of as it ignores every
// other parameter.
func (h *handlers) respond(c *gin.Context, id int64) { h.page(c).Serve(c, id, false) }

// page reads a case as the caller sees it, now or (with as_of) as it stood then.
func (h *handlers) page(c *gin.Context) rest.EntityPage[qcases.CaseDetail] {
	v := viewer(c)
	return rest.EntityPage[qcases.CaseDetail]{
		Get: func(ctx context.Context, orgID, id int64) (qcases.CaseDetail, error) {
			return h.reader.Get(ctx, orgID, v, id)
		},
		AsOf: func(ctx context.Context, orgID, id int64, at time.Time) (qcases.CaseDetail, error) {
			return h.reader.AsOf(ctx, orgID, v, id, at)
		},
		Version: func(d qcases.CaseDetail) int64 { return d.Version },
	}
}

// respondWritten answers a mutation with the case as its stream now tells it.
func (h *handlers) respondWritten(c *gin.Context, status int, res commands.Result, err error) {
	v := viewer(c)
	rest.AnswerWritten(c, status, res, err, func(ctx context.Context, orgID, id int64) (qcases.CaseDetail, error) {
		return h.reader.Current(ctx, orgID, v, id)
	})
}

// input is a create body.
type input struct {
	Title        string `json:"title"`
	Description  string `json:"description"`
	Type         string `json:"type"`
	Priority     string `json:"priority"`
	Reporter     string `json:"reporter"`
	Confidential bool   `json:"confidential"`
}

func (h *handlers) create(c *gin.Context) {
	var in input
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.Open(c.Request.Context(), rest.Metadata(c), evcases.Fields{
		Title: in.Title, Description: in.Description, Type: in.Type, Priority: in.Priority, Reporter: in.Reporter,
		Confidential: in.Confidential,
	})
	if err == nil {
		c.Header("Location", "/api/cases/"+strconv.FormatInt(res.ID, 10))
	}
	h.respondWritten(c, http.StatusCreated, res, err)
}

func (h *handlers) update(c *gin.Context) {
	id, body, ifMatch, ok := rest.Mutation(c)
	if !ok {
		return
	}
	res, err := h.commands.Update(c.Request.Context(), rest.Metadata(c), viewer(c), id, ifMatch, json.RawMessage(body))
	h.respondWritten(c, http.StatusOK, res, err)
}

func (h *handlers) changeStatus(c *gin.Context) {
	id, body, ifMatch, ok := rest.Mutation(c)
	if !ok {
		return
	}
	var in struct {
		Status     *string `json:"status"`
		Comment    string  `json:"comment"`
		Resolution string  `json:"resolution"`
	}
	if err := rest.DecodeStrict(body, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	if in.Status == nil || *in.Status == "" {
		rest.Fail(c, rest.FieldErr("status", "is required"))
		return
	}
	res, err := h.commands.ChangeStatus(c.Request.Context(), rest.Metadata(c), viewer(c), id, ifMatch, *in.Status, in.Comment, in.Resolution)
	h.respondWritten(c, http.StatusOK, res, err)
}

func (h *handlers) assign(c *gin.Context) {
	id, body, ifMatch, ok := rest.Mutation(c)
	if !ok {
		return
	}
	var in struct {
		AssigneeID *int64 `json:"assignee_id"`
	}
	if err := rest.DecodeStrict(body, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	// The key must be there: null unassigns, and an absent key is a mistake rather
	// than a request to unassign.
	var keys map[string]json.RawMessage
	_ = json.Unmarshal(body, &keys) // DecodeStrict has read it already
	if _, present := keys["assignee_id"]; !present {
		rest.Fail(c, rest.FieldErr("assignee_id", "is required (null unassigns)"))
		return
	}
	if in.AssigneeID != nil && *in.AssigneeID <= 0 {
		rest.Fail(c, rest.FieldErr("assignee_id", "must be a user id or null"))
		return
	}
	assignee := in.AssigneeID
	res, err := h.commands.Assign(c.Request.Context(), rest.Metadata(c), viewer(c), id, ifMatch, assignee)
	h.respondWritten(c, http.StatusOK, res, err)
}

func (h *handlers) history(c *gin.Context) {
	v := viewer(c)
	rest.ReadPageByID(c, func(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[queries.Entry], error) {
		return h.reader.History(ctx, orgID, v, id, limit, cursor)
	})
}

// keeper is a case, as the caller sees it, taking and handing out files.
type keeper struct {
	h      *handlers
	orgID  int64
	viewer cmdcases.Viewer
	caseID int64
}

func (h *handlers) keeper(c *gin.Context) (keeper, bool) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return keeper{}, false
	}
	return keeper{h: h, orgID: rest.Caller(c).OrgID, viewer: viewer(c), caseID: id}, true
}

// fileOf reads the case and the evidence a file route names.
func (h *handlers) fileOf(c *gin.Context) (keeper, int64, bool) {
	k, ok := h.keeper(c)
	if !ok {
		return keeper{}, 0, false
	}
	evidenceID, err := rest.PathID(c, "evidence_id")
	if err != nil {
		rest.Fail(c, err)
		return keeper{}, 0, false
	}
	return k, evidenceID, true
}

func (k keeper) Owner() evevidence.Owner {
	return evevidence.Owner{Kind: cmdcases.OwnerKind, ID: k.caseID}
}

func (k keeper) CanAttach(ctx context.Context) error {
	return k.h.commands.CanAttach(ctx, k.orgID, k.viewer, k.caseID)
}

func (k keeper) Attach(ctx context.Context, meta events.Metadata, f evevidence.File) (commands.Result, error) {
	return k.h.commands.AttachEvidence(ctx, meta, k.viewer, k.caseID, f)
}

func (k keeper) Held(ctx context.Context, evidenceID int64) (evidence.Held, error) {
	e, err := k.h.commands.Evidence(ctx, k.orgID, k.viewer, k.caseID, evidenceID)
	return evidence.Held{File: e.File, Integrity: e.Integrity}, err
}

func (k keeper) RecordDownload(ctx context.Context, meta events.Metadata, evidenceID int64, reason string) (commands.Result, error) {
	_, res, err := k.h.commands.RecordDownload(ctx, meta, k.viewer, k.caseID, evidenceID, reason)
	return res, err
}

func (k keeper) RecordVerification(ctx context.Context, meta events.Metadata, evidenceID int64, actual, result, during string) (commands.Result, error) {
	return k.h.commands.RecordVerification(ctx, meta, k.viewer, k.caseID, evidenceID, actual, result, during)
}

func (h *handlers) upload(c *gin.Context) {
	if k, ok := h.keeper(c); ok {
		h.files.Upload(c, k)
	}
}

func (h *handlers) download(c *gin.Context) {
	if k, id, ok := h.fileOf(c); ok {
		h.files.Download(c, k, id)
	}
}

func (h *handlers) verify(c *gin.Context) {
	if k, id, ok := h.fileOf(c); ok {
		h.files.Verify(c, k, id)
	}
}

func (h *handlers) custody(c *gin.Context) {
	if k, id, ok := h.fileOf(c); ok {
		h.files.Custody(c, k, id)
	}
}

func (h *handlers) exportCustody(c *gin.Context) {
	k, ok := h.keeper(c)
	if !ok {
		return
	}
	// The export lists every file of the case: only a caller who may see the case
	// gets it.
	if _, err := h.reader.Current(c.Request.Context(), k.orgID, k.viewer, k.caseID); err != nil {
		rest.Fail(c, err)
		return
	}
	h.files.ExportCustody(c, k.Owner())
}
