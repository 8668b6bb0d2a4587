package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands/identity"
)

func (s *Server) mountDashboard(r *module.Router) {
	fresh := r.Fresh(s.cfg.Dashboard.Projections()...)
	r.GET("/dashboard", identity.DashboardRead, fresh, s.dashboardCounts)
	r.GET("/dashboard/charts", identity.DashboardRead, fresh, s.dashboardChart)
}

func (s *Server) dashboardCounts(c *gin.Context) {
	counts, err := s.cfg.Dashboard.Counts(c.Request.Context(), rest.Caller(c).OrgID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.OK(c, http.StatusOK, counts)
}

func (s *Server) dashboardChart(c *gin.Context) {
	chart, err := s.cfg.Dashboard.Chart(c.Request.Context(), rest.Caller(c).OrgID, c.Query("chart_type"))
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.OK(c, http.StatusOK, chart)
}
