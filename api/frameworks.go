package api

import (
	"net/http"
	"net/url"
	"path"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/commands"
	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/commands/controls/frameworkfile"
	"github.com/strata-grc/strata/commands/identity"
	ev "github.com/strata-grc/strata/events/controls"
	qcontrols "github.com/strata-grc/strata/queries/controls"
)

func (s *Server) mountFrameworks(g *gin.RouterGroup) {
	read, write := s.allow(identity.ControlsRead), s.allow(identity.ControlsWrite)
	fresh := s.consistent(qcontrols.Projection)
	g.GET("/frameworks", read, fresh, s.listFrameworks)
	g.POST("/frameworks", write, s.createFramework)
	g.POST("/frameworks/import", write, s.importFramework)
	g.GET("/frameworks/:id", read, fresh, s.getFramework)
	g.POST("/frameworks/:id/requirements", write, s.addRequirement)
	g.GET("/frameworks/:id/coverage", read, fresh, s.frameworkCoverage)
	g.GET("/frameworks/:id/history", read, s.frameworkHistory)
}

func (s *Server) listFrameworks(c *gin.Context) {
	f, err := frameworkFilter(c.Request.URL.Query())
	if err != nil {
		fail(c, err)
		return
	}
	page, err := s.cfg.ControlReader.Frameworks(c.Request.Context(), principal(c).OrgID, f)
	respondPage(c, page, err)
}

// frameworkFilter reads a framework list's query parameters.
func frameworkFilter(q url.Values) (qcontrols.FrameworkFilter, error) {
	limit, err := queryLimit(q)
	return qcontrols.FrameworkFilter{Q: q.Get("q"), Limit: limit, Cursor: q.Get("cursor")}, err
}

func (s *Server) getFramework(c *gin.Context) { readByID(c, s.cfg.ControlReader.Framework) }

// respondFrameworkWritten answers a mutation with the framework as its stream now tells it.
func (s *Server) respondFrameworkWritten(c *gin.Context, res commands.Result, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	s.wrote(c, res)
	d, err := s.cfg.ControlReader.CurrentFramework(c.Request.Context(), principal(c).OrgID, res.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/frameworks/"+strconv.FormatInt(res.ID, 10))
	ok(c, http.StatusCreated, d)
}

// frameworkInput is the body that creates a framework by hand.
type frameworkInput struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

func (in frameworkInput) command() cmdcontrols.CreateFramework {
	return cmdcontrols.CreateFramework{Name: in.Name, Version: in.Version, Description: in.Description, Source: "api"}
}

func (s *Server) createFramework(c *gin.Context) {
	var in frameworkInput
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	res, err := s.cfg.Controls.CreateFramework(c.Request.Context(), metadata(c), in.command())
	s.respondFrameworkWritten(c, res, err)
}

// importFramework takes the file itself as the body; its Content-Type says whether
// it is CSV or JSON, and an optional file_name query parameter is kept in the trail.
func (s *Server) importFramework(c *gin.Context) {
	format, err := frameworkfile.FormatOf(c.ContentType())
	if err != nil {
		fail(c, err)
		return
	}
	body, err := readBody(c)
	if err != nil {
		fail(c, err)
		return
	}
	name := path.Base(c.Query("file_name"))
	if name == "." || name == "/" || len(name) > 255 {
		name = ""
	}
	res, err := s.cfg.Controls.Import(c.Request.Context(), metadata(c), body, format, name)
	s.respondFrameworkWritten(c, res, err)
}

func (s *Server) addRequirement(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var in ev.Requirement
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	_, res, err := s.cfg.Controls.AddRequirement(c.Request.Context(), metadata(c), id, in)
	s.respondFrameworkWritten(c, res, err)
}

func (s *Server) frameworkCoverage(c *gin.Context) { readByID(c, s.cfg.ControlReader.Coverage) }

func (s *Server) frameworkHistory(c *gin.Context) {
	readPageByID(c, s.cfg.ControlReader.FrameworkHistory)
}
