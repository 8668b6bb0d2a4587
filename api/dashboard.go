package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

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
	r.Stream("/dashboard/stream", identity.DashboardRead, s.dashboardStream)
}

func (s *Server) dashboardCounts(c *gin.Context) {
	ctx, org, v := c.Request.Context(), rest.Caller(c).OrgID, viewer(c)
	if raw, ok := c.GetQuery("as_of"); ok {
		at, err := rest.ParseAsOf(raw)
		if err != nil {
			rest.Fail(c, err)
			return
		}
		counts, at, err := s.cfg.Dashboard.CountsAsOf(ctx, org, v, at)
		if err != nil {
			rest.Fail(c, err)
			return
		}
		asOf(c, counts, at)
		return
	}
	counts, err := s.cfg.Dashboard.Counts(ctx, org, v)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.OK(c, http.StatusOK, counts)
}

func (s *Server) dashboardChart(c *gin.Context) {
	ctx, org, v, kind := c.Request.Context(), rest.Caller(c).OrgID, viewer(c), c.Query("chart_type")
	if raw, ok := c.GetQuery("as_of"); ok {
		at, err := rest.ParseAsOf(raw)
		if err != nil {
			rest.Fail(c, err)
			return
		}
		chart, at, err := s.cfg.Dashboard.ChartAsOf(ctx, org, v, kind, at)
		if err != nil {
			rest.Fail(c, err)
			return
		}
		asOf(c, chart, at)
		return
	}
	chart, err := s.cfg.Dashboard.Chart(ctx, org, v, kind)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.OK(c, http.StatusOK, chart)
}

// asOf answers with a figure as of a past instant, naming the instant in meta so a
// page can say that it shows the past.
func asOf(c *gin.Context, data any, at time.Time) {
	c.JSON(http.StatusOK, gin.H{"success": true, "data": data, "meta": gin.H{"as_of": at.Format(time.RFC3339Nano)}})
}

// viewer is the caller as the dashboard sees it: figures about records the caller may
// not know of are left out.
func viewer(c *gin.Context) dashboard.Viewer {
	p := rest.Caller(c)
	return dashboard.Viewer{UserID: p.UserID, Admin: p.Role == identity.Admin,
		Holds: func(perm string) bool { return slices.Contains(p.Permissions, identity.Permission(perm)) }}
}

// Timing of the live dashboard stream.
const (
	// streamSettle lets a burst of writes land before the counts are read again.
	streamSettle = 100 * time.Millisecond
	// streamPoll reads the counts again even when no projection of this process
	// moved: another process may be running the projections.
	streamPoll = 5 * time.Second
	// streamHeartbeat keeps proxies from closing a quiet stream.
	streamHeartbeat = 15 * time.Second
)

// DefaultStreamLifetime ends a live stream well inside the transfer time; the
// browser's EventSource reconnects after the retry the stream announces.
const DefaultStreamLifetime = 5 * time.Minute

// dashboardStream pushes the caller's dashboard counts as server-sent events: the
// counts at once, then again whenever they change. It reads them again each time a
// projection of this process applies events (a write anywhere), so a change reaches
// the page within the projection's lag and one read.
func (s *Server) dashboardStream(c *gin.Context) {
	ctx := c.Request.Context()
	org, v := rest.Caller(c).OrgID, viewer(c)
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	// Reverse proxies that buffer would hold the events back.
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	if _, err := io.WriteString(c.Writer, "retry: 2000\n\n"); err != nil {
		return
	}
	c.Writer.Flush()

	heartbeat := time.NewTicker(streamHeartbeat)
	defer heartbeat.Stop()
	end := time.NewTimer(s.cfg.StreamLifetime)
	defer end.Stop()
	var last []byte
	for {
		var changed <-chan struct{}
		if s.cfg.Tracker != nil {
			changed = s.cfg.Tracker.Changed()
		}
		counts, err := s.cfg.Dashboard.Counts(ctx, org, v)
		if err != nil {
			// The page falls back to polling and reconnects; a broken read ends the stream.
			return
		}
		raw, _ := json.Marshal(counts)
		if !bytes.Equal(raw, last) {
			if _, err := fmt.Fprintf(c.Writer, "event: counts\ndata: %s\n\n", raw); err != nil {
				return
			}
			c.Writer.Flush()
			last = raw
		}
		select {
		case <-ctx.Done():
			return
		case <-end.C:
			return
		case <-heartbeat.C:
			if _, err := io.WriteString(c.Writer, ": still here\n\n"); err != nil {
				return
			}
			c.Writer.Flush()
		case <-changed:
			select {
			case <-time.After(streamSettle):
			case <-ctx.Done():
				return
			}
		case <-time.After(streamPoll):
		}
	}
}
