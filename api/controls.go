package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/commands"
	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/commands/identity"
	ev "github.com/strata-grc/strata/events/controls"
	qcontrols "github.com/strata-grc/strata/queries/controls"
)

func (s *Server) mountControls(g *gin.RouterGroup) {
	read, write, test := s.allow(identity.ControlsRead), s.allow(identity.ControlsWrite), s.allow(identity.ControlsTest)
	// Details join risks, so they wait for both projections to reach the caller's writes.
	fresh := s.consistent(qcontrols.Projection, "risks")
	g.GET("/controls", read, fresh, s.listControls)
	g.POST("/controls", write, s.createControl)
	g.GET("/controls/:id", read, fresh, s.getControl)
	g.PUT("/controls/:id", write, s.updateControl)
	g.PUT("/controls/:id/effectiveness", write, s.setEffectiveness)
	g.POST("/controls/:id/tests", test, s.recordControlTest)
	g.POST("/controls/:id/requirements", write, fresh, s.mapRequirement)
	g.DELETE("/controls/:id/requirements/:requirement_id", write, s.unmapRequirement)
	g.GET("/controls/:id/tests", read, fresh, s.controlTests)
	g.GET("/controls/:id/effectiveness-history", read, fresh, s.controlEffectivenessHistory)
	g.GET("/controls/:id/history", read, s.controlHistory)
}

func (s *Server) listControls(c *gin.Context) {
	q := c.Request.URL.Query()
	get, id, err := listAction(q)
	if err != nil {
		fail(c, err)
		return
	}
	if get {
		s.respondControl(c, id)
		return
	}
	f, err := controlFilter(q)
	if err != nil {
		fail(c, err)
		return
	}
	page, err := s.cfg.ControlReader.List(c.Request.Context(), principal(c).OrgID, f)
	respondPage(c, page, err)
}

// controlFilter reads a control list's query parameters; the reader checks their values.
func controlFilter(q url.Values) (qcontrols.Filter, error) {
	ints, err := queryInts(q, "framework_id", "owner_id")
	if err != nil {
		return qcontrols.Filter{}, err
	}
	limit, err := queryLimit(q)
	if err != nil {
		return qcontrols.Filter{}, err
	}
	return qcontrols.Filter{
		FrameworkID: ints[0], OwnerID: ints[1], Limit: limit, Status: q.Get("status"),
		Effectiveness: q.Get("effectiveness"), Type: q.Get("type"), Q: q.Get("q"), Sort: q.Get("sort"),
		Cursor: q.Get("cursor"),
	}, nil
}

func (s *Server) getControl(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	s.controlPage().serve(c, id, true)
}

func (s *Server) respondControl(c *gin.Context, id int64) { s.controlPage().serve(c, id, false) }

func (s *Server) controlPage() entityPage[qcontrols.Detail] {
	return entityPage[qcontrols.Detail]{get: s.cfg.ControlReader.Get, asOf: s.cfg.ControlReader.AsOf,
		version: func(d qcontrols.Detail) int64 { return d.Version }}
}

// respondControlWritten answers a mutation with the control as its stream now tells it.
func (s *Server) respondControlWritten(c *gin.Context, status int, res commands.Result) {
	s.wrote(c, res)
	d, err := s.cfg.ControlReader.Current(c.Request.Context(), principal(c).OrgID, res.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("ETag", strconv.Quote(strconv.FormatInt(d.Version, 10)))
	ok(c, status, d)
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

func (s *Server) createControl(c *gin.Context) {
	var in controlInput
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	res, err := s.cfg.Controls.CreateControl(c.Request.Context(), metadata(c), in.fields(), in.Status)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/controls/"+strconv.FormatInt(res.ID, 10))
	s.respondControlWritten(c, http.StatusCreated, res)
}

// controlCommand reads the control id and If-Match a control mutation names.
func controlCommand(c *gin.Context) (int64, *int64, bool) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return 0, nil, false
	}
	expected, err := ifMatch(c)
	if err != nil {
		fail(c, err)
		return 0, nil, false
	}
	return id, expected, true
}

func (s *Server) updateControl(c *gin.Context) {
	id, expected, good := controlCommand(c)
	if !good {
		return
	}
	body, err := readJSON(c)
	if err != nil {
		fail(c, err)
		return
	}
	res, err := s.cfg.Controls.UpdateControl(c.Request.Context(), metadata(c), id, expected, json.RawMessage(body))
	s.finishControl(c, http.StatusOK, res, err)
}

func (s *Server) finishControl(c *gin.Context, status int, res commands.Result, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	s.respondControlWritten(c, status, res)
}

// effectivenessInput is a person's rating of a control.
type effectivenessInput struct {
	Effectiveness string `json:"effectiveness"`
	Notes         string `json:"notes"`
}

func (in effectivenessInput) command() cmdcontrols.SetEffectiveness {
	return cmdcontrols.SetEffectiveness{Effectiveness: in.Effectiveness, Notes: in.Notes}
}

func (s *Server) setEffectiveness(c *gin.Context) {
	id, expected, good := controlCommand(c)
	if !good {
		return
	}
	var in effectivenessInput
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	res, err := s.cfg.Controls.Execute(c.Request.Context(), metadata(c), id, expected, in.command())
	s.finishControl(c, http.StatusOK, res, err)
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
			return cmd, fieldErr("tested_at", "must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z")
		}
		cmd.TestedAt = &t
	}
	return cmd, nil
}

func (s *Server) recordControlTest(c *gin.Context) {
	id, expected, good := controlCommand(c)
	if !good {
		return
	}
	var in testInput
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	cmd, err := in.command()
	if err != nil {
		fail(c, err)
		return
	}
	_, res, err := s.cfg.Controls.RecordTest(c.Request.Context(), metadata(c), id, expected, cmd)
	if err == nil {
		c.Header("Location", "/api/controls/"+strconv.FormatInt(id, 10))
	}
	s.finishControl(c, http.StatusCreated, res, err)
}

func (s *Server) mapRequirement(c *gin.Context) {
	id, expected, good := controlCommand(c)
	if !good {
		return
	}
	var in struct {
		RequirementID *int64 `json:"requirement_id"`
	}
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	if in.RequirementID == nil || *in.RequirementID <= 0 {
		fail(c, fieldErr("requirement_id", "is required (a positive integer)"))
		return
	}
	res, err := s.cfg.Controls.MapRequirement(c.Request.Context(), metadata(c), id, *in.RequirementID, expected)
	s.finishControl(c, http.StatusOK, res, err)
}

func (s *Server) unmapRequirement(c *gin.Context) {
	id, expected, good := controlCommand(c)
	if !good {
		return
	}
	reqID, err := pathID(c, "requirement_id")
	if err != nil {
		fail(c, err)
		return
	}
	res, err := s.cfg.Controls.Execute(c.Request.Context(), metadata(c), id, expected, cmdcontrols.UnmapRequirement{RequirementID: reqID})
	s.finishControl(c, http.StatusOK, res, err)
}

func (s *Server) controlHistory(c *gin.Context) { readPageByID(c, s.cfg.ControlReader.History) }

func (s *Server) controlTests(c *gin.Context) { readPageByID(c, s.cfg.ControlReader.Tests) }

func (s *Server) controlEffectivenessHistory(c *gin.Context) {
	readPageByID(c, s.cfg.ControlReader.EffectivenessHistory)
}
