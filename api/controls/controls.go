package controls

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	prisks "github.com/strata-grc/strata/projections/risks"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands"
	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	ev "github.com/strata-grc/strata/events/controls"
	qcontrols "github.com/strata-grc/strata/queries/controls"
)

func (h *handlers) mountControls(r *module.Router) {
	// Details join risks, so they wait for both projections to reach the caller's writes.
	fresh := r.Fresh(qcontrols.Projection, prisks.Name)
	r.GET("/controls", Read, fresh, h.listControls)
	r.POST("/controls", Write, h.createControl)
	r.GET("/controls/:id", Read, fresh, h.getControl)
	r.PUT("/controls/:id", Write, h.updateControl)
	r.PUT("/controls/:id/effectiveness", Write, h.setEffectiveness)
	r.POST("/controls/:id/tests", Test, h.recordControlTest)
	r.POST("/controls/:id/requirements", Write, fresh, h.mapRequirement)
	r.DELETE("/controls/:id/requirements/:requirement_id", Write, h.unmapRequirement)
	r.GET("/controls/:id/tests", Read, fresh, h.controlTests)
	r.GET("/controls/:id/effectiveness-history", Read, fresh, h.controlEffectivenessHistory)
	r.GET("/controls/:id/history", Read, h.controlHistory)
}

func (h *handlers) listControls(c *gin.Context) {
	rest.ServeList(c, controlFilter, h.reader.List, h.respondControl)
}

// controlFilter reads a control list's query parameters; the reader checks their values.
func controlFilter(q url.Values) (qcontrols.Filter, error) {
	ints, err := rest.QueryInts(q, "framework_id", "owner_id")
	if err != nil {
		return qcontrols.Filter{}, err
	}
	limit, err := rest.QueryLimit(q)
	if err != nil {
		return qcontrols.Filter{}, err
	}
	return qcontrols.Filter{
		FrameworkID: ints[0], OwnerID: ints[1], Limit: limit, Status: q.Get("status"),
		Effectiveness: q.Get("effectiveness"), Type: q.Get("type"), Q: q.Get("q"), Sort: q.Get("sort"),
		Cursor: q.Get("cursor"),
	}, nil
}

func (h *handlers) getControl(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	h.controlPage().Serve(c, id, true)
}

func (h *handlers) respondControl(c *gin.Context, id int64) { h.controlPage().Serve(c, id, false) }

func (h *handlers) controlPage() rest.EntityPage[qcontrols.Detail] {
	return rest.EntityPage[qcontrols.Detail]{Get: h.reader.Get, AsOf: h.reader.AsOf,
		Version: func(d qcontrols.Detail) int64 { return d.Version }}
}

// respondControlWritten answers a mutation with the control as its stream now tells it.
func (h *handlers) respondControlWritten(c *gin.Context, status int, res commands.Result) {
	rest.Wrote(c, res)
	d, err := h.reader.Current(c.Request.Context(), rest.Caller(c).OrgID, res.ID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	c.Header("ETag", strconv.Quote(strconv.FormatInt(d.Version, 10)))
	rest.OK(c, status, d)
}

type controlInput struct {
	Code        string `json:"code"`
	Title       string `json:"title"`
	Description string `json:"description"`
	FrameworkID *int64 `json:"framework_id"`
	Status      string `json:"status"`
	Type        string `json:"type"`
	Frequency   string `json:"frequency"`
	OwnerID     *int64 `json:"owner_id"`
}

func (in controlInput) fields() ev.Fields {
	return ev.Fields{Code: in.Code, Title: in.Title, Description: in.Description, FrameworkID: in.FrameworkID,
		Type: in.Type, Frequency: in.Frequency, OwnerID: in.OwnerID}
}

func (h *handlers) createControl(c *gin.Context) {
	var in controlInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.CreateControl(c.Request.Context(), rest.Metadata(c), in.fields(), in.Status)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	c.Header("Location", "/api/controls/"+strconv.FormatInt(res.ID, 10))
	h.respondControlWritten(c, http.StatusCreated, res)
}

// controlCommand reads the control id and If-Match a control mutation names.
func controlCommand(c *gin.Context) (int64, *int64, bool) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return 0, nil, false
	}
	expected, err := rest.IfMatch(c)
	if err != nil {
		rest.Fail(c, err)
		return 0, nil, false
	}
	return id, expected, true
}

func (h *handlers) updateControl(c *gin.Context) {
	id, expected, good := controlCommand(c)
	if !good {
		return
	}
	body, err := rest.ReadJSON(c)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.UpdateControl(c.Request.Context(), rest.Metadata(c), id, expected, json.RawMessage(body))
	h.finishControl(c, http.StatusOK, res, err)
}

func (h *handlers) finishControl(c *gin.Context, status int, res commands.Result, err error) {
	if err != nil {
		rest.Fail(c, err)
		return
	}
	h.respondControlWritten(c, status, res)
}

// effectivenessInput is a person's rating of a control.
type effectivenessInput struct {
	Effectiveness string `json:"effectiveness"`
	Notes         string `json:"notes"`
}

func (in effectivenessInput) command() cmdcontrols.SetEffectiveness {
	return cmdcontrols.SetEffectiveness{Effectiveness: in.Effectiveness, Notes: in.Notes}
}

func (h *handlers) setEffectiveness(c *gin.Context) {
	id, expected, good := controlCommand(c)
	if !good {
		return
	}
	var in effectivenessInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.Execute(c.Request.Context(), rest.Metadata(c), id, expected, in.command())
	h.finishControl(c, http.StatusOK, res, err)
}

// testInput is the body that records a control test.
type testInput struct {
	TestedAt *string `json:"tested_at"`
	Result   string  `json:"result"`
	Notes    string  `json:"notes"`
}

func (in testInput) command() (cmdcontrols.RecordTest, error) {
	cmd := cmdcontrols.RecordTest{Result: in.Result, Notes: in.Notes}
	if in.TestedAt != nil {
		t, err := time.Parse(time.RFC3339Nano, *in.TestedAt)
		if err != nil {
			return cmd, rest.FieldErr("tested_at", "must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z")
		}
		cmd.TestedAt = &t
	}
	return cmd, nil
}

func (h *handlers) recordControlTest(c *gin.Context) {
	id, expected, good := controlCommand(c)
	if !good {
		return
	}
	var in testInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	cmd, err := in.command()
	if err != nil {
		rest.Fail(c, err)
		return
	}
	_, res, err := h.commands.RecordTest(c.Request.Context(), rest.Metadata(c), id, expected, cmd)
	if err == nil {
		c.Header("Location", "/api/controls/"+strconv.FormatInt(id, 10))
	}
	h.finishControl(c, http.StatusCreated, res, err)
}

func (h *handlers) mapRequirement(c *gin.Context) {
	id, expected, good := controlCommand(c)
	if !good {
		return
	}
	var in struct {
		RequirementID *int64 `json:"requirement_id"`
	}
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	if in.RequirementID == nil || *in.RequirementID <= 0 {
		rest.Fail(c, rest.FieldErr("requirement_id", "is required (a positive integer)"))
		return
	}
	res, err := h.commands.MapRequirement(c.Request.Context(), rest.Metadata(c), id, *in.RequirementID, expected)
	h.finishControl(c, http.StatusOK, res, err)
}

func (h *handlers) unmapRequirement(c *gin.Context) {
	id, expected, good := controlCommand(c)
	if !good {
		return
	}
	reqID, err := rest.PathID(c, "requirement_id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.Execute(c.Request.Context(), rest.Metadata(c), id, expected, cmdcontrols.UnmapRequirement{RequirementID: reqID})
	h.finishControl(c, http.StatusOK, res, err)
}

func (h *handlers) controlHistory(c *gin.Context) { rest.ReadPageByID(c, h.reader.History) }

func (h *handlers) controlTests(c *gin.Context) { rest.ReadPageByID(c, h.reader.Tests) }

func (h *handlers) controlEffectivenessHistory(c *gin.Context) {
	rest.ReadPageByID(c, h.reader.EffectivenessHistory)
}
