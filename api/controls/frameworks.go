package controls

import (
	"net/http"
	"net/url"
	"path"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands"
	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/commands/controls/frameworkfile"
	ev "github.com/strata-grc/strata/events/controls"
	qcontrols "github.com/strata-grc/strata/queries/controls"
)

func (h *handlers) mountFrameworks(r *module.Router) {
	fresh := r.Fresh(qcontrols.Projection)
	r.GET("/frameworks", Read, fresh, h.listFrameworks)
	r.POST("/frameworks", Write, h.createFramework)
	r.POST("/frameworks/import", Write, h.importFramework)
	r.GET("/frameworks/:id", Read, fresh, h.getFramework)
	r.POST("/frameworks/:id/requirements", Write, h.addRequirement)
	r.GET("/frameworks/:id/coverage", Read, fresh, h.frameworkCoverage)
	r.GET("/frameworks/:id/history", Read, h.frameworkHistory)
}

func (h *handlers) listFrameworks(c *gin.Context) {
	f, err := frameworkFilter(c.Request.URL.Query())
	if err != nil {
		rest.Fail(c, err)
		return
	}
	page, err := h.reader.Frameworks(c.Request.Context(), rest.Caller(c).OrgID, f)
	rest.RespondPage(c, page, err)
}

// frameworkFilter reads a framework list's query parameters.
func frameworkFilter(q url.Values) (qcontrols.FrameworkFilter, error) {
	limit, err := rest.QueryLimit(q)
	return qcontrols.FrameworkFilter{Q: q.Get("q"), Limit: limit, Cursor: q.Get("cursor")}, err
}

// getFramework answers a framework's page: current, or with ?as_of= replayed from its
// stream as it stood then.
func (h *handlers) getFramework(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.EntityPage[qcontrols.FrameworkDetail]{Get: h.reader.Framework, AsOf: h.reader.AsOfFramework}.Serve(c, id, true)
}

// respondFrameworkWritten answers a mutation with the framework as its stream now tells it.
func (h *handlers) respondFrameworkWritten(c *gin.Context, res commands.Result, err error) {
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.Wrote(c, res)
	d, err := h.reader.CurrentFramework(c.Request.Context(), rest.Caller(c).OrgID, res.ID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	c.Header("Location", "/api/frameworks/"+strconv.FormatInt(res.ID, 10))
	rest.OK(c, http.StatusCreated, d)
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

func (h *handlers) createFramework(c *gin.Context) {
	var in frameworkInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.CreateFramework(c.Request.Context(), rest.Metadata(c), in.command())
	h.respondFrameworkWritten(c, res, err)
}

// importFramework takes the file itself as the body; its Content-Type says whether
// it is CSV or JSON, and an optional file_name query parameter is kept in the trail.
func (h *handlers) importFramework(c *gin.Context) {
	format, err := frameworkfile.FormatOf(c.ContentType())
	if err != nil {
		rest.Fail(c, err)
		return
	}
	body, err := rest.ReadBody(c)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	name := path.Base(c.Query("file_name"))
	if name == "." || name == "/" || len(name) > 255 {
		name = ""
	}
	res, err := h.commands.Import(c.Request.Context(), rest.Metadata(c), body, format, name)
	h.respondFrameworkWritten(c, res, err)
}

func (h *handlers) addRequirement(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	var in ev.Requirement
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	_, res, err := h.commands.AddRequirement(c.Request.Context(), rest.Metadata(c), id, in)
	h.respondFrameworkWritten(c, res, err)
}

func (h *handlers) frameworkCoverage(c *gin.Context) { rest.ReadByID(c, h.reader.Coverage) }

func (h *handlers) frameworkHistory(c *gin.Context) {
	rest.ReadPageByID(c, h.reader.FrameworkHistory)
}
