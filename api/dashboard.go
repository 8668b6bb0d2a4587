package api

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/queries/dashboard"
)

func (s *Server) mountDashboard(r *module.Router) {
	fresh := r.Fresh(s.cfg.Dashboard.Projections()...)
	r.GET("/dashboard", identity.DashboardRead, fresh, s.dashboardCounts)
	r.GET("/dashboard/charts", identity.DashboardRead, fresh, s.dashboardChart)
}

func (s *Server) dashboardCounts(c *gin.Context) {
	counts, err := s.cfg.Dashboard.Counts(c.Request.Context(), rest.Caller(c).OrgID, viewer(c))
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.OK(c, http.StatusOK, counts)
}

func (s *Server) dashboardChart(c *gin.Context) {
	chart, err := s.cfg.Dashboard.Chart(c.Request.Context(), rest.Caller(c).OrgID, viewer(c), c.Query("chart_type"))
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.OK(c, http.StatusOK, chart)
}

// viewer is the caller as the dashboard sees it: figures about records the caller may
// not know of are left out.
func viewer(c *gin.Context) dashboard.Viewer {
	p := rest.Caller(c)
	return dashboard.Viewer{UserID: p.UserID, Admin: p.Role == identity.Admin,
		Holds: func(perm string) bool { return slices.Contains(p.Permissions, identity.Permission(perm)) }}
}
