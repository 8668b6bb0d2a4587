package api

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema"
)

// OpenAPI is the API description the server publishes.
func (s *Server) OpenAPI() []byte { return s.cfg.OpenAPI }

func (s *Server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", s.cfg.OpenAPI)
}

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// projectionLag reports each projection's distance from the head of the log at
// scrape time.
type projectionLag struct {
	s      *Server
	behind *prometheus.Desc
	age    *prometheus.Desc
	halted *prometheus.Desc
	failed *prometheus.Desc
}

func (p projectionLag) Describe(ch chan<- *prometheus.Desc) {
	ch <- p.behind
	ch <- p.age
	ch <- p.halted
	ch <- p.failed
}

func (p projectionLag) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	states, err := projections.Status(ctx, p.s.cfg.Pool, p.s.cfg.Store, p.s.cfg.Projections)
	if err != nil {
		return
	}
	for _, st := range states {
		ch <- prometheus.MustNewConstMetric(p.behind, prometheus.GaugeValue, float64(st.Behind), st.Name)
		ch <- prometheus.MustNewConstMetric(p.age, prometheus.GaugeValue, st.LagSeconds, st.Name)
		halted := 0.0
		if f := st.Failure; f != nil {
			halted = 1
			ch <- prometheus.MustNewConstMetric(p.failed, prometheus.GaugeValue, float64(f.Attempts), st.Name,
				strconv.FormatInt(f.Position.GlobalPosition, 10), f.Type, f.StreamID, f.Message)
		}
		ch <- prometheus.MustNewConstMetric(p.halted, prometheus.GaugeValue, halted, st.Name)
	}
}

func newMetrics(cfg Config) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strata_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "strata_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency} {
		if err := cfg.Registry.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (s *Server) mountOps(e *gin.Engine) {
	lag := projectionLag{s: s,
		behind: prometheus.NewDesc("strata_projection_lag_events", "Events appended but not yet applied by a projection (upper bound).", []string{"projection"}, nil),
		age:    prometheus.NewDesc("strata_projection_lag_seconds", "Age of the oldest event a projection has not applied.", []string{"projection"}, nil),
		halted: prometheus.NewDesc("strata_projection_halted", "1 while a projection is halted on an event it cannot apply.", []string{"projection"}, nil),
		failed: prometheus.NewDesc("strata_projection_failed_event", "The event a halted projection cannot apply (value: attempts so far).",
			[]string{"projection", "position", "type", "stream", "error"}, nil),
	}
	// A second server on the same registry (tests) keeps the first's collectors.
	_ = s.cfg.Registry.Register(lag)
	_ = s.cfg.Registry.Register(collectors.NewGoCollector())

	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/readyz", s.ready)
	switch {
	case s.cfg.MetricsElsewhere:
		e.GET("/metrics", func(c *gin.Context) {
			rest.Fail(c, strata.Errorf(strata.NotFound, "metrics are served on their own listener (STRATA_METRICS_ADDR)"))
		})
	case s.cfg.MetricsToken != "":
		e.GET("/metrics", s.metricsAuth, s.serveMetrics)
	default:
		e.GET("/metrics", func(c *gin.Context) {
			rest.Fail(c, strata.Errorf(strata.NotFound,
				"metrics are off on this listener: set STRATA_METRICS_TOKEN, or STRATA_METRICS_ADDR to serve them on their own"))

		})
	}
}

func (s *Server) serveMetrics(c *gin.Context) {
	promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}).ServeHTTP(c.Writer, c.Request)
}

// metricsAuth admits a scraper that sends the configured token as a Bearer token.
// The comparison takes the same time however much of the token is right.
func (s *Server) metricsAuth(c *gin.Context) {
	scheme, token, _ := strings.Cut(c.GetHeader("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") ||
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.cfg.MetricsToken)) != 1 {
		c.Header("WWW-Authenticate", `Bearer realm="metrics"`)
		rest.Fail(c, strata.Errorf(strata.AuthRequired, "/metrics needs the metrics token as a Bearer token"))
		return
	}
	c.Next()
}

// MetricsHandler serves /metrics alone, for a listener of its own (STRATA_METRICS_ADDR):
// reachable only where that address is, and behind the token too when one is set.
// Everything else there is a 404.
func (s *Server) MetricsHandler() http.Handler {
	e := gin.New()
	e.Use(func(c *gin.Context) { c.Set(rest.LoggerKey, s.cfg.Logger) }, s.securityHeaders, gin.CustomRecovery(recovered))
	handlers := []gin.HandlerFunc{s.serveMetrics}
	if s.cfg.MetricsToken != "" {
		handlers = []gin.HandlerFunc{s.metricsAuth, s.serveMetrics}
	}
	e.GET("/metrics", handlers...)
	e.NoRoute(func(c *gin.Context) { rest.Fail(c, strata.Errorf(strata.NotFound, "only /metrics is served here")) })
	return e
}

// pinger is an event log kept apart from the database, which readiness checks too.
type pinger interface {
	Ping(ctx context.Context) error
}

// ready is true when the database answers and carries every embedded migration, and
// an event log kept elsewhere answers too.
func (s *Server) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	v, err := schema.Current(ctx, s.cfg.Pool)
	want := schema.Latest()
	var logErr error
	if p, ok := s.cfg.Store.(pinger); ok && err == nil {
		logErr = p.Ping(ctx)
	}
	switch {
	case err != nil:
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": "database unreachable"})
	case logErr != nil:
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": "event store unreachable"})
	case v < want:
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": "migrations pending", "schema": v, "want": want})
	default:
		c.JSON(http.StatusOK, gin.H{"status": "ready", "schema": v})
	}
}
