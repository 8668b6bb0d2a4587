package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/identity"
	cmdrisks "github.com/strata-grc/strata/commands/risks"
	ev "github.com/strata-grc/strata/events/risks"
	qcontrols "github.com/strata-grc/strata/queries/controls"
	qrisks "github.com/strata-grc/strata/queries/risks"
)

func (s *Server) mountRisks(g *gin.RouterGroup) {
	read, write := s.allow(identity.RisksRead), s.allow(identity.RisksWrite)
	// A risk's detail describes its controls from the control library's read model,
	// so reads wait for both projections, as a control's detail does.
	fresh := s.consistent(qrisks.Projection, qcontrols.Projection)
	g.GET("/risks", read, fresh, s.listRisks)
	g.POST("/risks", write, s.createRisk)
	g.PUT("/risks", write, s.updateRisk)
	g.DELETE("/risks", write, s.deleteRisk)
	g.GET("/risks/:id", read, fresh, s.getRisk)
	g.PUT("/risks/:id", write, s.updateRisk)
	g.DELETE("/risks/:id", write, s.deleteRisk)
	g.GET("/risks/:id/history", read, s.riskHistory)
	g.POST("/risks/:id/responses", write, s.addRiskResponse)
	g.PUT("/risks/:id/responses/:response_id", write, s.updateRiskResponse)
	g.POST("/risks/:id/controls", write, s.mapRiskControl)
	g.DELETE("/risks/:id/controls/:control_id", write, s.unmapRiskControl)
}

func (s *Server) listRisks(c *gin.Context) {
	q := c.Request.URL.Query()
	get, id, err := listAction(q)
	if err != nil {
		fail(c, err)
		return
	}
	if get {
		s.respondRisk(c, id)
		return
	}
	f, err := riskFilter(q)
	if err != nil {
		fail(c, err)
		return
	}
	page, err := s.cfg.RiskReader.List(c.Request.Context(), principal(c).OrgID, f)
	respondPage(c, page, err)
}

// riskFilter reads a risk list's query parameters; the reader checks their values.
func riskFilter(q url.Values) (qrisks.Filter, error) {
	ints, err := queryInts(q, "owner_id", "likelihood", "impact")
	if err != nil {
		return qrisks.Filter{}, err
	}
	owner, likelihood, impact := ints[0], ints[1], ints[2]
	for _, name := range []string{"likelihood", "impact"} {
		if v, _ := queryInt(q, name); q.Get(name) != "" && (v < 1 || v > 5) {
			return qrisks.Filter{}, fieldErr(name, "must be an integer from 1 to 5")
		}
	}
	limit, err := queryLimit(q)
	if err != nil {
		return qrisks.Filter{}, err
	}
	return qrisks.Filter{
		Category: q.Get("category"), Status: q.Get("status"), Rating: q.Get("rating"),
		OwnerID: owner, Likelihood: int(likelihood), Impact: int(impact), Q: q.Get("q"), Sort: q.Get("sort"), Limit: limit, Cursor: q.Get("cursor"),
	}, nil
}

func (s *Server) getRisk(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	s.riskPage().serve(c, id, true)
}

func (s *Server) respondRisk(c *gin.Context, id int64) { s.riskPage().serve(c, id, false) }

func (s *Server) riskPage() entityPage[qrisks.Risk] {
	return entityPage[qrisks.Risk]{get: s.cfg.RiskReader.Get, asOf: s.cfg.RiskReader.AsOf,
		version: func(r qrisks.Risk) int64 { return r.Version }}
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

func (s *Server) createRisk(c *gin.Context) {
	var in riskInput
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	res, err := s.cfg.Risks.Create(c.Request.Context(), metadata(c), in.fields())
	if err != nil {
		err = in.missingScores(err)
		fail(c, err)
		return
	}
	c.Header("Location", "/api/risks/"+strconv.FormatInt(res.ID, 10))
	if risk, done := qrisks.Created(res); done {
		s.wrote(c, res)
		ok(c, http.StatusCreated, risk)
		return
	}
	s.respondWritten(c, http.StatusCreated, res)
}

// respondWritten answers a mutation with the risk as its own stream now tells it, so
// the answer never waits for, or races, the projection.
func (s *Server) respondWritten(c *gin.Context, status int, res commands.Result) {
	s.wrote(c, res)
	risk, err := s.cfg.RiskReader.Current(c.Request.Context(), principal(c).OrgID, res.ID)
	if err != nil {
		fail(c, err)
		return
	}
	ok(c, status, risk)
}

// riskTarget finds the risk a mutation names: in the path, else as "id" in the body.
func riskTarget(c *gin.Context, body []byte) (int64, error) {
	if c.Param("id") != "" {
		return pathID(c, "id")
	}
	return bodyID(body)
}

func (s *Server) updateRisk(c *gin.Context) {
	body, err := readJSON(c)
	if err != nil {
		fail(c, err)
		return
	}
	s.runRiskCommand(c, body, http.StatusOK, cmdrisks.Update{Patch: json.RawMessage(body)})
}

// deleteInput is the optional body of a delete.
type deleteInput struct {
	ID     json.RawMessage `json:"id"`
	Reason string          `json:"reason"`
}

func (s *Server) deleteRisk(c *gin.Context) {
	var body []byte
	if c.Param("id") == "" || c.Request.ContentLength != 0 {
		var err error
		if body, err = readJSON(c); err != nil {
			fail(c, err)
			return
		}
	}
	var in deleteInput
	if len(body) > 0 {
		if err := decodeStrict(body, &in); err != nil {
			fail(c, err)
			return
		}
	}
	if res, done := s.executeRisk(c, body, cmdrisks.Delete{Reason: in.Reason}); done {
		s.wrote(c, res)
		ok(c, http.StatusOK, gin.H{"id": res.ID, "deleted": true, "version": res.Version})
	}
}

func (s *Server) runRiskCommand(c *gin.Context, body []byte, status int, cmd any) {
	if res, done := s.executeRisk(c, body, cmd); done {
		s.respondWritten(c, status, res)
	}
}

// executeRisk runs a command on the risk the request names; on failure it has
// answered already and reports false.
func (s *Server) executeRisk(c *gin.Context, body []byte, cmd any) (commands.Result, bool) {
	id, err := riskTarget(c, body)
	if err != nil {
		fail(c, err)
		return commands.Result{}, false
	}
	expected, err := ifMatch(c)
	if err != nil {
		fail(c, err)
		return commands.Result{}, false
	}
	res, err := s.cfg.Risks.Execute(c.Request.Context(), metadata(c), id, expected, cmd)
	if err != nil {
		fail(c, err)
		return commands.Result{}, false
	}
	return res, true
}

func (s *Server) riskHistory(c *gin.Context) { readPageByID(c, s.cfg.RiskReader.History) }

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

func (s *Server) addRiskResponse(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var in responseInput
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	expected, err := ifMatch(c)
	if err != nil {
		fail(c, err)
		return
	}
	respID, res, err := s.cfg.Risks.AddResponse(c.Request.Context(), metadata(c), id, expected, in.response())
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/risks/"+strconv.FormatInt(id, 10)+"/responses/"+strconv.FormatInt(respID, 10))
	s.respondWritten(c, http.StatusCreated, res)
}

func (s *Server) updateRiskResponse(c *gin.Context) {
	respID, err := pathID(c, "response_id")
	if err != nil {
		fail(c, err)
		return
	}
	body, err := readJSON(c)
	if err != nil {
		fail(c, err)
		return
	}
	s.runRiskCommand(c, body, http.StatusOK, cmdrisks.UpdateResponse{ResponseID: respID, Patch: json.RawMessage(body)})
}

func (s *Server) mapRiskControl(c *gin.Context) {
	var in struct {
		ControlID *int64 `json:"control_id"`
	}
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	if in.ControlID == nil {
		fail(c, fieldErr("control_id", "is required"))
		return
	}
	s.runRiskCommand(c, nil, http.StatusOK, cmdrisks.MapControl{ControlID: *in.ControlID})
}

func (s *Server) unmapRiskControl(c *gin.Context) {
	controlID, err := pathID(c, "control_id")
	if err != nil {
		fail(c, err)
		return
	}
	s.runRiskCommand(c, nil, http.StatusOK, cmdrisks.UnmapControl{ControlID: controlID})
}
