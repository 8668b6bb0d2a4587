package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/queries/dashboard"
)

func (s *Server) mountDashboard(g *gin.RouterGroup) {
	read, fresh := s.allow(identity.DashboardRead), s.consistent(dashboard.Projections...)
	g.GET("/dashboard", read, fresh, s.dashboardCounts)
	g.GET("/dashboard/charts", read, fresh, s.dashboardChart)
}

func (s *Server) dashboardCounts(c *gin.Context) {
	counts, err := s.cfg.Dashboard.Counts(c.Request.Context(), principal(c).OrgID)
	if err != nil {
		fail(c, err)
		return
	}
	ok(c, http.StatusOK, counts)
}

func (s *Server) dashboardChart(c *gin.Context) {
	chart, err := s.cfg.Dashboard.Chart(c.Request.Context(), principal(c).OrgID, c.Query("chart_type"))
	if err != nil {
		fail(c, err)
		return
	}
	ok(c, http.StatusOK, chart)
}
