package audits

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands"
	ev "github.com/strata-grc/strata/events/audits"
	qaudits "github.com/strata-grc/strata/queries/audits"
)

func (h *handlers) mountEngagements(r *module.Router) {
	fresh := r.Fresh(qaudits.Projection)
	r.GET("/engagements", Read, fresh, h.listEngagements)
	r.POST("/engagements", Write, h.createEngagement)
	r.PUT("/engagements", Write, h.updateEngagement)
	r.GET("/engagements/:id", Read, fresh, h.getEngagement)
	r.PUT("/engagements/:id", Write, h.updateEngagement)
	r.PUT("/engagements/:id/phase", Write, h.changePhase)
	r.GET("/engagements/:id/history", Read, h.engagementHistory)
	r.POST("/engagements/:id/procedures", Write, h.addProcedure)
	r.GET("/engagements/:id/procedures/:procedure_id", Read, h.getProcedure)
	r.PUT("/engagements/:id/procedures/:procedure_id", Write, h.updateProcedure)
	r.POST("/engagements/:id/procedures/:procedure_id/sign-off", Write, h.signOffProcedure)
}

func (h *handlers) listEngagements(c *gin.Context) {
	rest.ServeList(c, engagementFilter, h.reader.Engagements, h.respondEngagement)
}

// engagementFilter reads an engagement list's query parameters; the reader checks
// their values.
func engagementFilter(q url.Values) (qaudits.EngagementFilter, error) {
	lead, err := rest.QueryInt(q, "lead_auditor_id")
	if err != nil {
		return qaudits.EngagementFilter{}, err
	}
	flags, err := rest.QueryBools(q, "active", "cancelled")
	if err != nil {
		return qaudits.EngagementFilter{}, err
	}
	limit, err := rest.QueryLimit(q)
	if err != nil {
		return qaudits.EngagementFilter{}, err
	}
	return qaudits.EngagementFilter{
		Phase: q.Get("phase"), Status: q.Get("status"), LeadAuditorID: lead, Active: flags[0], Cancelled: flags[1],
		Q: q.Get("q"), Sort: q.Get("sort"), Limit: limit, Cursor: q.Get("cursor"),
	}, nil
}

func (h *handlers) getEngagement(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	h.engagementPage().Serve(c, id, true)
}

// respondEngagement answers the seed's action=get, which ignores as_of as it ignores
// every other parameter.
func (h *handlers) respondEngagement(c *gin.Context, id int64) {
	h.engagementPage().Serve(c, id, false)
}

// engagementPage reads an engagement now or (with as_of) as it stood then.
func (h *handlers) engagementPage() rest.EntityPage[qaudits.EngagementDetail] {
	return rest.EntityPage[qaudits.EngagementDetail]{Get: h.reader.Engagement, AsOf: h.reader.EngagementAsOf,
		Version: func(d qaudits.EngagementDetail) int64 { return d.Version }}
}

// respondEngagementWritten answers a mutation with the engagement as its stream now
// tells it.
func (h *handlers) respondEngagementWritten(c *gin.Context, status int, res commands.Result, err error) {
	rest.AnswerWritten(c, status, res, err, h.reader.CurrentEngagement)
}

// engagementInput is a create body.
type engagementInput struct {
	Title         string  `json:"title"`
	Scope         string  `json:"scope"`
	Auditee       string  `json:"auditee"`
	LeadAuditorID *int64  `json:"lead_auditor_id"`
	Status        string  `json:"status"`
	PlannedStart  *string `json:"planned_start"`
	PlannedEnd    *string `json:"planned_end"`
}

func (h *handlers) createEngagement(c *gin.Context) {
	var in engagementInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	f := ev.Fields{Title: in.Title, Scope: in.Scope, Auditee: in.Auditee, LeadAuditorID: in.LeadAuditorID,
		PlannedStart: in.PlannedStart, PlannedEnd: in.PlannedEnd}
	res, err := h.commands.CreateEngagement(c.Request.Context(), rest.Metadata(c), f, in.Status)
	if err == nil {
		c.Header("Location", "/api/engagements/"+strconv.FormatInt(res.ID, 10))
	}
	h.respondEngagementWritten(c, http.StatusCreated, res, err)
}

func (h *handlers) updateEngagement(c *gin.Context) {
	id, body, ifMatch, ok := rest.Mutation(c)
	if !ok {
		return
	}
	res, err := h.commands.UpdateEngagement(c.Request.Context(), rest.Metadata(c), id, ifMatch, json.RawMessage(body))
	h.respondEngagementWritten(c, http.StatusOK, res, err)
}

func (h *handlers) changePhase(c *gin.Context) {
	id, ifMatch, m, ok := readMove(c, "phase")
	if !ok {
		return
	}
	res, err := h.commands.ChangePhase(c.Request.Context(), rest.Metadata(c), id, ifMatch, m.to, m.comment)
	h.respondEngagementWritten(c, http.StatusOK, res, err)
}

// move is where a phase or status change goes, and why.
type move struct{ to, comment string }

// readMove reads the body of a move, {"<field>": ..., "comment": ...}, with the
// record's id and optional If-Match. On failure it has answered already.
func readMove(c *gin.Context, field string) (int64, *int64, move, bool) {
	id, body, ifMatch, ok := rest.Mutation(c)
	if !ok {
		return 0, nil, move{}, false
	}
	var in struct {
		Phase   *string `json:"phase"`
		Status  *string `json:"status"`
		Comment string  `json:"comment"`
	}
	err := rest.DecodeStrict(body, &in)
	to, other := in.Phase, "status"
	if field == "status" {
		to, other = in.Status, "phase"
	}
	switch {
	case err != nil:
	case (other == "status" && in.Status != nil) || (other == "phase" && in.Phase != nil):
		err = rest.FieldErr(other, "is not a known field")
	case to == nil || *to == "":
		err = rest.FieldErr(field, "is required")
	}
	if err != nil {
		rest.Fail(c, err)
		return 0, nil, move{}, false
	}
	return id, ifMatch, move{to: *to, comment: in.Comment}, true
}

func (h *handlers) engagementHistory(c *gin.Context) {
	rest.ReadPageByID(c, h.reader.EngagementHistory)
}

// procedureInput is a procedure's create body.
type procedureInput struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	AssignedTo  *int64 `json:"assigned_to"`
	Status      string `json:"status"`
	Conclusion  string `json:"conclusion"`
}

func (h *handlers) addProcedure(c *gin.Context) {
	engagementID, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	var in procedureInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	p := ev.Procedure{Title: in.Title, Description: in.Description, AssignedTo: in.AssignedTo, Status: in.Status, Conclusion: in.Conclusion}
	res, err := h.commands.AddProcedure(c.Request.Context(), rest.Metadata(c), engagementID, p)
	if err == nil {
		c.Header("Location", "/api/engagements/"+strconv.FormatInt(engagementID, 10)+"/procedures/"+strconv.FormatInt(res.ID, 10))
	}
	h.respondProcedureWritten(c, http.StatusCreated, engagementID, res, err)
}

// procedurePath reads the engagement and procedure ids a procedure route names.
func procedurePath(c *gin.Context) (engagementID, procedureID int64, ok bool) {
	engagementID, err := rest.PathID(c, "id")
	if err == nil {
		procedureID, err = rest.PathID(c, "procedure_id")
	}
	if err != nil {
		rest.Fail(c, err)
		return 0, 0, false
	}
	return engagementID, procedureID, true
}

func (h *handlers) getProcedure(c *gin.Context) {
	engagementID, procedureID, ok := procedurePath(c)
	if !ok {
		return
	}
	p, err := h.reader.Procedure(c.Request.Context(), rest.Caller(c).OrgID, engagementID, procedureID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	c.Header("ETag", strconv.Quote(strconv.FormatInt(p.Version, 10)))
	rest.OK(c, http.StatusOK, p)
}

func (h *handlers) updateProcedure(c *gin.Context) {
	engagementID, procedureID, ok := procedurePath(c)
	if !ok {
		return
	}
	body, err := rest.ReadJSON(c)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	ifMatch, err := rest.IfMatch(c)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.UpdateProcedure(c.Request.Context(), rest.Metadata(c), engagementID, procedureID, ifMatch, json.RawMessage(body))
	h.respondProcedureWritten(c, http.StatusOK, engagementID, res, err)
}

func (h *handlers) signOffProcedure(c *gin.Context) {
	engagementID, procedureID, ok := procedurePath(c)
	if !ok {
		return
	}
	var in struct {
		Comment string `json:"comment"`
	}
	// The body is optional: a sign-off needs no comment.
	if err := rest.DecodeOptionalJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.SignOffProcedure(c.Request.Context(), rest.Metadata(c), engagementID, procedureID, in.Comment)
	h.respondProcedureWritten(c, http.StatusOK, engagementID, res, err)
}

// respondProcedureWritten answers a procedure's mutation with the procedure as the
// engagement's stream now tells it.
func (h *handlers) respondProcedureWritten(c *gin.Context, status int, engagementID int64, res commands.Result, err error) {
	rest.AnswerWritten(c, status, res, err, func(ctx context.Context, orgID, id int64) (qaudits.Procedure, error) {
		return h.reader.Procedure(ctx, orgID, engagementID, id)
	})
}
