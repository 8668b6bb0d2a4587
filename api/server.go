// Package api is Strata's HTTP interface: the Gin router, its middleware and one file
// of handlers per module.
package api

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/authcache"
	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/api/sessionstore"
	cmdidentity "github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/queries/dashboard"
	qidentity "github.com/strata-grc/strata/queries/identity"
	qseal "github.com/strata-grc/strata/queries/seal"
	qtrail "github.com/strata-grc/strata/queries/trail"
)

// Config is everything the server needs. Pool, Store, the session store and the
// module handlers are required; the rest have defaults.
type Config struct {
	Pool  *pgxpool.Pool
	Store events.Store
	// Tracker, when set, lets reads wait for the projections to apply the caller's
	// writes (projections run in this process).
	Tracker *projections.Tracker
	// Projections names what /metrics reports lag for.
	Projections []string

	Sessions *sessionstore.Store
	// Auth, when set, lets requests of sessions already seen skip reading their
	// user's access; it must be the cache the session store was given.
	Auth           *authcache.Cache
	Identity       *cmdidentity.Handler
	IdentityReader *qidentity.Reader
	// Modules are the plug-ins whose routes the server mounts, in list order.
	Modules []module.Built
	// Roles is what each role may do, the core's grants and the modules'.
	Roles *cmdidentity.RoleTable
	// Dashboard is composed from the modules' contributions.
	Dashboard *dashboard.Reader
	// Seal verifies the organization's sealed log; nil when the log is not in
	// PostgreSQL, where verification reads it.
	Seal *qseal.Verifier
	// Trail reads the organization-wide audit trail.
	Trail *qtrail.Reader
	// OpenAPI is the API description served at /api/openapi.json (JSON), merged
	// from the core's and the modules' parts.
	OpenAPI []byte

	// TrustedProxies lists the proxies whose X-Forwarded-For names the client; with
	// none, the client is the connection's peer, so a caller cannot pick the address
	// that login throttling and the audit trail record.
	TrustedProxies []string
	// Throttle limits failed logins; RateLimit limits each session's requests.
	Throttle  ThrottlePolicy
	RateLimit RateLimit
	// MaxSessions caps each user's live sessions (default 10): a login past the cap
	// ends the user's oldest sessions.
	MaxSessions int
	// SweepInterval is how often RunSweeper deletes expired sessions and login
	// failures older than the throttle window (default 5m).
	SweepInterval time.Duration
	// MetricsToken, when set, is the bearer token /metrics asks for.
	MetricsToken string
	// MetricsElsewhere takes /metrics off this handler: MetricsHandler serves it on its
	// own listener. Without it or a token, /metrics is not served here at all, so the
	// metrics are never open to anonymous callers of the main listener.
	MetricsElsewhere bool
	// BodyLimit caps request bodies (default 1 MiB); a route that receives a file has
	// its own limit.
	BodyLimit int64
	// StreamLifetime is how long the live dashboard stream stays open before the
	// browser reconnects (default 5m).
	StreamLifetime time.Duration
	// TransferTimeout bounds a route that moves a file, in place of RequestTimeout and
	// the connection's read and write timeouts (default 15m): 100 MiB over a slow link
	// takes minutes.
	TransferTimeout time.Duration
	// ConsistencyWait bounds how long a read waits for its session's writes (default 2s).
	ConsistencyWait time.Duration
	// RequestTimeout bounds each request's work, waiting for a database connection
	// included (default 30s); a request that runs out answers 503 with Retry-After.
	RequestTimeout time.Duration
	// Web is the built web application served at /; nil or without index.html, /
	// explains how to build it.
	Web fs.FS
	// Registry receives the server's metrics (default: a new registry).
	Registry *prometheus.Registry
	Logger   *slog.Logger
}

// Defaults of the settings that have one.
const (
	DefaultMaxSessions   = 10
	DefaultSweepInterval = 5 * time.Minute
)

// Server is the HTTP handler.
type Server struct {
	cfg      Config
	engine   *gin.Engine
	metrics  *metrics
	throttle *throttle
	limiter  *limiter
	csrf     *http.CrossOriginProtection
	// lastWrites holds each session's last write for read-your-writes.
	lastWrites *lastWrites
	// routes are the modules' routes and the core's, with their permissions.
	routes []module.Route
	// transfers are the routes that move files, by full path, with their body limits
	// (0 for downloads).
	transfers map[string]int64
}

// New builds the router.
func New(cfg Config) (*Server, error) {
	if cfg.Pool == nil || cfg.Store == nil || cfg.Sessions == nil || cfg.Identity == nil || cfg.IdentityReader == nil ||
		cfg.Roles == nil || cfg.Dashboard == nil || len(cfg.OpenAPI) == 0 {
		return nil, errors.New("api: config needs a pool, a store, a session store, the identity handlers, a role table, a dashboard and an API description")
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.ConsistencyWait <= 0 {
		cfg.ConsistencyWait = 2 * time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.TransferTimeout <= 0 {
		cfg.TransferTimeout = DefaultTransferTimeout
	}
	if cfg.StreamLifetime <= 0 || cfg.StreamLifetime > cfg.TransferTimeout {
		cfg.StreamLifetime = min(DefaultStreamLifetime, cfg.TransferTimeout)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = DefaultSweepInterval
	}
	cfg.Throttle.setDefaults()
	s := &Server{cfg: cfg, throttle: &throttle{pool: cfg.Pool, policy: cfg.Throttle},
		limiter: newLimiter(cfg.RateLimit), csrf: http.NewCrossOriginProtection(), lastWrites: newLastWrites(),
		transfers: map[string]int64{}}
	var err error
	if s.metrics, err = newMetrics(cfg); err != nil {
		return nil, err
	}

	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	if err := e.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("api: trusted proxies: %w", err)
	}
	e.Use(func(c *gin.Context) { c.Set(rest.LoggerKey, cfg.Logger) }, s.securityHeaders, withRequestID, s.withDeadline, s.observe,
		gin.CustomRecovery(recovered))
	e.NoRoute(s.serveWeb)
	e.NoMethod(func(c *gin.Context) {
		rest.Fail(c, strata.Errorf(strata.NotFound, "%s is not supported on %s", c.Request.Method, c.Request.URL.Path))
	})

	s.mountOps(e)
	for _, prefix := range []string{"/api", "/api/v1"} {
		g := e.Group(prefix, s.refuseCrossOrigin, s.limitBody, sessions.Sessions(sessionName, cfg.Sessions),
			s.recordWrites)
		g.GET("/openapi.json", s.openAPI)
		authed := g.Group("", s.authenticate)
		s.mountAuth(g, authed)
		s.mountMembers(s.router(authed, "members"))
		s.mountDashboard(s.router(authed, "dashboard"))
		s.mountSeal(s.router(authed, "audit_trail"))
		s.mountTrail(s.router(authed, "audit_trail"))
		for _, m := range cfg.Modules {
			if m.Mount != nil {
				m.Mount(s.router(authed, m.Name))
			}
		}
	}
	s.engine = e
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// Routes lists method and path of every route served, for the OpenAPI check.
func (s *Server) Routes() []gin.RouteInfo { return s.engine.Routes() }

// RouteTable lists the routes that need a permission, with it and the module serving
// them, under both API prefixes.
func (s *Server) RouteTable() []module.Route { return slices.Clone(s.routes) }

// router hands a module (or a core group of routes) its part of the router.
func (s *Server) router(g *gin.RouterGroup, name string) *module.Router {
	return module.NewRouter(g, name, s.allow, s.consistent, func(r module.Route) { s.routes = append(s.routes, r) },
		func(path string, limit int64) { s.transfers[path] = limit })
}
