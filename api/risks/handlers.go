package risks

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands"
	cmdrisks "github.com/strata-grc/strata/commands/risks"
	ev "github.com/strata-grc/strata/events/risks"
	qcontrols "github.com/strata-grc/strata/queries/controls"
	qrisks "github.com/strata-grc/strata/queries/risks"
)

func (h *handlers) mount(r *module.Router) {
	// A risk's detail describes its controls from the control library's read model,
	// so reads wait for both projections, as a control's detail does.
	fresh := r.Fresh(qrisks.Projection, qcontrols.Projection)
	r.GET("/risks", Read, fresh, h.listRisks)
	r.POST("/risks", Write, h.createRisk)
	r.PUT("/risks", Write, h.updateRisk)
	r.DELETE("/risks", Write, h.deleteRisk)
	r.GET("/risks/:id", Read, fresh, h.getRisk)
	r.PUT("/risks/:id", Write, h.updateRisk)
	r.DELETE("/risks/:id", Write, h.deleteRisk)
	r.GET("/risks/:id/history", Read, h.riskHistory)
	r.POST("/risks/:id/responses", Write, h.addRiskResponse)
	r.PUT("/risks/:id/responses/:response_id", Write, h.updateRiskResponse)
	r.POST("/risks/:id/controls", Write, h.mapRiskControl)
	r.DELETE("/risks/:id/controls/:control_id", Write, h.unmapRiskControl)
}

func (h *handlers) listRisks(c *gin.Context) {
	rest.ServeList(c, riskFilter, h.reader.List, h.respondRisk)
}

// riskFilter reads a risk list's query parameters; the reader checks their values.
func riskFilter(q url.Values) (qrisks.Filter, error) {
	ints, err := rest.QueryInts(q, "owner_id", "likelihood", "impact")
	if err != nil {
		return qrisks.Filter{}, err
	}
	owner, likelihood, impact := ints[0], ints[1], ints[2]
	for _, name := range []string{"likelihood", "impact"} {
		if v, _ := rest.QueryInt(q, name); q.Get(name) != "" && (v < 1 || v > 5) {
			return qrisks.Filter{}, rest.FieldErr(name, "must be an integer from 1 to 5")
		}
	}
	flags, err := rest.QueryBools(q, "open")
	if err != nil {
		return qrisks.Filter{}, err
	}
	limit, err := rest.QueryLimit(q)
	if err != nil {
		return qrisks.Filter{}, err
	}
	return qrisks.Filter{
		Category: q.Get("category"), Status: q.Get("status"), Rating: q.Get("rating"), Open: flags[0],
		OwnerID: owner, Likelihood: int(likelihood), Impact: int(impact), Q: q.Get("q"), Sort: q.Get("sort"), Limit: limit, Cursor: q.Get("cursor"),
	}, nil
}

func (h *handlers) getRisk(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	h.riskPage().Serve(c, id, true)
}

func (h *handlers) respondRisk(c *gin.Context, id int64) { h.riskPage().Serve(c, id, false) }

func (h *handlers) riskPage() rest.EntityPage[qrisks.Risk] {
	return rest.EntityPage[qrisks.Risk]{Get: h.reader.Get, AsOf: h.reader.AsOf,
		Version: func(r qrisks.Risk) int64 { return r.Version }}
}

// riskInput is a create body. Likelihood and impact are pointers so a missing one is
// reported as missing rather than as out of range.
type riskInput struct {
	Title              string  `json:"title"`
	Description        string  `json:"description"`
	Category           string  `json:"category"`
	Status             string  `json:"status"`
	Likelihood         *int    `json:"likelihood"`
	Impact             *int    `json:"impact"`
	ResidualLikelihood *int    `json:"residual_likelihood"`
	ResidualImpact     *int    `json:"residual_impact"`
	OwnerID            *int64  `json:"owner_id"`
	ReviewDate         *string `json:"review_date"`
}

// fields is the risk to create. A missing score goes to validation as 0 so every
// problem is reported at once; missingScores then names it as missing rather than out
// of range.
func (in riskInput) fields() ev.Fields {
	score := func(v *int) int {
		if v == nil {
			return 0
		}
		return *v
	}
	return ev.Fields{
		Title: in.Title, Description: in.Description, Category: in.Category, Status: in.Status,
		Likelihood: score(in.Likelihood), Impact: score(in.Impact), ResidualLikelihood: in.ResidualLikelihood,
		ResidualImpact: in.ResidualImpact, OwnerID: in.OwnerID, ReviewDate: in.ReviewDate,
	}
}

func (in riskInput) missingScores(err error) error {
	var fieldsErr *strata.Error
	if errors.As(err, &fieldsErr) && fieldsErr.Fields != nil {
		if in.Likelihood == nil {
			fieldsErr.Fields["likelihood"] = "is required"
		}
		if in.Impact == nil {
			fieldsErr.Fields["impact"] = "is required"
		}
	}
	return err
}

func (h *handlers) createRisk(c *gin.Context) {
	var in riskInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.Create(c.Request.Context(), rest.Metadata(c), in.fields())
	if err != nil {
		err = in.missingScores(err)
		rest.Fail(c, err)
		return
	}
	c.Header("Location", "/api/risks/"+strconv.FormatInt(res.ID, 10))
	if risk, done := qrisks.Created(res); done {
		rest.Wrote(c, res)
		rest.OK(c, http.StatusCreated, risk)
		return
	}
	h.respondWritten(c, http.StatusCreated, res)
}

// respondWritten answers a mutation with the risk as its own stream now tells it, so
// the answer never waits for, or races, the projection.
func (h *handlers) respondWritten(c *gin.Context, status int, res commands.Result) {
	rest.Wrote(c, res)
	risk, err := h.reader.Current(c.Request.Context(), rest.Caller(c).OrgID, res.ID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.OK(c, status, risk)
}

// riskTarget finds the risk a mutation names: in the path, else as "id" in the body.
func riskTarget(c *gin.Context, body []byte) (int64, error) {
	if c.Param("id") != "" {
		return rest.PathID(c, "id")
	}
	return rest.BodyID(body)
}

func (h *handlers) updateRisk(c *gin.Context) {
	body, err := rest.ReadJSON(c)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	h.runRiskCommand(c, body, http.StatusOK, cmdrisks.Update{Patch: json.RawMessage(body)})
}

// deleteInput is the optional body of a delete.
type deleteInput struct {
	ID     json.RawMessage `json:"id"`
	Reason string          `json:"reason"`
}

func (h *handlers) deleteRisk(c *gin.Context) {
	var body []byte
	if c.Param("id") == "" || c.Request.ContentLength != 0 {
		var err error
		if body, err = rest.ReadJSON(c); err != nil {
			rest.Fail(c, err)
			return
		}
	}
	var in deleteInput
	if len(body) > 0 {
		if err := rest.DecodeStrict(body, &in); err != nil {
			rest.Fail(c, err)
			return
		}
	}
	if res, done := h.executeRisk(c, body, cmdrisks.Delete{Reason: in.Reason}); done {
		rest.Wrote(c, res)
		rest.OK(c, http.StatusOK, gin.H{"id": res.ID, "deleted": true, "version": res.Version})
	}
}

func (h *handlers) runRiskCommand(c *gin.Context, body []byte, status int, cmd any) {
	if res, done := h.executeRisk(c, body, cmd); done {
		h.respondWritten(c, status, res)
	}
}

// executeRisk runs a command on the risk the request names; on failure it has
// answered already and reports false.
func (h *handlers) executeRisk(c *gin.Context, body []byte, cmd any) (commands.Result, bool) {
	id, err := riskTarget(c, body)
	if err != nil {
		rest.Fail(c, err)
		return commands.Result{}, false
	}
	expected, err := rest.IfMatch(c)
	if err != nil {
		rest.Fail(c, err)
		return commands.Result{}, false
	}
	res, err := h.commands.Execute(c.Request.Context(), rest.Metadata(c), id, expected, cmd)
	if err != nil {
		rest.Fail(c, err)
		return commands.Result{}, false
	}
	return res, true
}

func (h *handlers) riskHistory(c *gin.Context) { rest.ReadPageByID(c, h.reader.History) }

type responseInput struct {
	Type        string  `json:"type"`
	Description string  `json:"description"`
	OwnerID     *int64  `json:"owner_id"`
	DueDate     *string `json:"due_date"`
	Status      string  `json:"status"`
}

func (in responseInput) response() ev.Response {
	return ev.Response{Type: in.Type, Description: in.Description, OwnerID: in.OwnerID, DueDate: in.DueDate, Status: in.Status}
}

func (h *handlers) addRiskResponse(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	var in responseInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	expected, err := rest.IfMatch(c)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	respID, res, err := h.commands.AddResponse(c.Request.Context(), rest.Metadata(c), id, expected, in.response())
	if err != nil {
		rest.Fail(c, err)
		return
	}
	c.Header("Location", "/api/risks/"+strconv.FormatInt(id, 10)+"/responses/"+strconv.FormatInt(respID, 10))
	h.respondWritten(c, http.StatusCreated, res)
}

func (h *handlers) updateRiskResponse(c *gin.Context) {
	respID, err := rest.PathID(c, "response_id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	body, err := rest.ReadJSON(c)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	h.runRiskCommand(c, body, http.StatusOK, cmdrisks.UpdateResponse{ResponseID: respID, Patch: json.RawMessage(body)})
}

func (h *handlers) mapRiskControl(c *gin.Context) {
	var in struct {
		ControlID *int64 `json:"control_id"`
	}
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	if in.ControlID == nil {
		rest.Fail(c, rest.FieldErr("control_id", "is required"))
		return
	}
	h.runRiskCommand(c, nil, http.StatusOK, cmdrisks.MapControl{ControlID: *in.ControlID})
}

func (h *handlers) unmapRiskControl(c *gin.Context) {
	controlID, err := rest.PathID(c, "control_id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	h.runRiskCommand(c, nil, http.StatusOK, cmdrisks.UnmapControl{ControlID: controlID})
}
