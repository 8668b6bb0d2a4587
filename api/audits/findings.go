package audits

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands"
	ev "github.com/strata-grc/strata/events/audits"
	qaudits "github.com/strata-grc/strata/queries/audits"
	qcontrols "github.com/strata-grc/strata/queries/controls"
)

func (h *handlers) mountFindings(r *module.Router) {
	fresh := r.Fresh(qaudits.Projection)
	r.GET("/findings", Read, fresh, h.listFindings)
	// A finding raised from a control test checks the test in the control library's
	// read model, which must have the caller's own recent tests.
	r.POST("/findings", Write, r.Fresh(qcontrols.Projection), h.createFinding)
	r.PUT("/findings", Write, h.updateFinding)
	r.GET("/findings/:id", Read, fresh, h.getFinding)
	r.PUT("/findings/:id", Write, h.updateFinding)
	r.PUT("/findings/:id/status", Write, h.changeFindingStatus)
	r.POST("/findings/:id/management-response", Respond, h.submitResponse)
	r.GET("/findings/:id/history", Read, h.findingHistory)
}

func (h *handlers) listFindings(c *gin.Context) {
	rest.ServeList(c, findingFilter, h.reader.Findings, h.respondFinding)
}

// findingFilter reads a finding list's query parameters; the reader checks their
// values.
func findingFilter(q url.Values) (qaudits.FindingFilter, error) {
	ints, err := rest.QueryInts(q, "engagement_id", "assigned_to", "risk_id", "control_id")
	if err != nil {
		return qaudits.FindingFilter{}, err
	}
	flags, err := rest.QueryBools(q, "overdue", "open")
	if err != nil {
		return qaudits.FindingFilter{}, err
	}
	limit, err := rest.QueryLimit(q)
	if err != nil {
		return qaudits.FindingFilter{}, err
	}
	return qaudits.FindingFilter{
		EngagementID: ints[0], AssignedTo: ints[1], RiskID: ints[2], ControlID: ints[3],
		Status: q.Get("status"), Severity: q.Get("severity"), Overdue: flags[0], Open: flags[1],
		RiskRating: q.Get("risk_rating"), Q: q.Get("q"), Sort: q.Get("sort"), Limit: limit, Cursor: q.Get("cursor"),
	}, nil
}

func (h *handlers) getFinding(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	h.findingPage().Serve(c, id, true)
}

// respondFinding answers the seed's action=get, which ignores as_of as it ignores
// every other parameter.
func (h *handlers) respondFinding(c *gin.Context, id int64) { h.findingPage().Serve(c, id, false) }

// findingPage reads a finding now or (with as_of) as it stood then.
func (h *handlers) findingPage() rest.EntityPage[qaudits.FindingDetail] {
	return rest.EntityPage[qaudits.FindingDetail]{Get: h.reader.Finding, AsOf: h.reader.FindingAsOf,
		Version: func(d qaudits.FindingDetail) int64 { return d.Version }}
}

// respondFindingWritten answers a mutation with the finding as its engagement's
// stream now tells it.
func (h *handlers) respondFindingWritten(c *gin.Context, status int, res commands.Result, err error) {
	rest.AnswerWritten(c, status, res, err, h.reader.CurrentFinding)
}

// findingInput is a create body.
type findingInput struct {
	EngagementID *int64  `json:"engagement_id"`
	Title        string  `json:"title"`
	Description  string  `json:"description"`
	Severity     string  `json:"severity"`
	RiskID       *int64  `json:"risk_id"`
	ControlID    *int64  `json:"control_id"`
	AssignedTo   *int64  `json:"assigned_to"`
	DueDate      *string `json:"due_date"`
	SourceTestID *int64  `json:"source_test_id"`
}

func (h *handlers) createFinding(c *gin.Context) {
	var in findingInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	if in.EngagementID == nil {
		rest.Fail(c, rest.FieldErr("engagement_id", "is required"))
		return
	}
	if *in.EngagementID <= 0 {
		rest.Fail(c, rest.FieldErr("engagement_id", "must be a positive integer"))
		return
	}
	f := ev.FindingFields{Title: in.Title, Description: in.Description, Severity: in.Severity, RiskID: in.RiskID,
		ControlID: in.ControlID, AssignedTo: in.AssignedTo, DueDate: in.DueDate}
	res, err := h.commands.CreateFinding(c.Request.Context(), rest.Metadata(c), *in.EngagementID, f, in.SourceTestID)
	if strata.ErrorCode(err) == strata.NotFound {
		// The engagement is a link in the body, refused by name like the others; the
		// route itself exists.
		err = rest.FieldErr("engagement_id", "is not an engagement of this organization")
	}
	if err == nil {
		c.Header("Location", "/api/findings/"+strconv.FormatInt(res.ID, 10))
	}
	h.respondFindingWritten(c, http.StatusCreated, res, err)
}

func (h *handlers) updateFinding(c *gin.Context) {
	id, body, ifMatch, ok := rest.Mutation(c)
	if !ok {
		return
	}
	res, err := h.commands.UpdateFinding(c.Request.Context(), rest.Metadata(c), id, ifMatch, json.RawMessage(body))
	h.respondFindingWritten(c, http.StatusOK, res, err)
}

func (h *handlers) changeFindingStatus(c *gin.Context) {
	id, ifMatch, m, ok := readMove(c, "status")
	if !ok {
		return
	}
	res, err := h.commands.ChangeFindingStatus(c.Request.Context(), rest.Metadata(c), id, ifMatch, m.to, m.comment)
	h.respondFindingWritten(c, http.StatusOK, res, err)
}

func (h *handlers) submitResponse(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	var in struct {
		Response   string  `json:"response"`
		ActionPlan string  `json:"action_plan"`
		TargetDate *string `json:"target_date"`
	}
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	mayWrite := slices.Contains(rest.Caller(c).Permissions, Write)
	r := ev.ManagementResponse{Response: in.Response, ActionPlan: in.ActionPlan, TargetDate: in.TargetDate}
	res, err := h.commands.SubmitResponse(c.Request.Context(), rest.Metadata(c), id, r, mayWrite)
	h.respondFindingWritten(c, http.StatusOK, res, err)
}

func (h *handlers) findingHistory(c *gin.Context) { rest.ReadPageByID(c, h.reader.FindingHistory) }
