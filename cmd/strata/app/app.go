// Package app wires Strata together: the one place that lists every module, used by
// the strata command and by tests that need the real thing end to end.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/api/sessionstore"
	"github.com/strata-grc/strata/commands"
	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	cmdidentity "github.com/strata-grc/strata/commands/identity"
	cmdrisks "github.com/strata-grc/strata/commands/risks"
	"github.com/strata-grc/strata/events"
	evcontrols "github.com/strata-grc/strata/events/controls"
	evidentity "github.com/strata-grc/strata/events/identity"
	"github.com/strata-grc/strata/events/postgres"
	evrisks "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/projections"
	pcontrols "github.com/strata-grc/strata/projections/controls"
	pidentity "github.com/strata-grc/strata/projections/identity"
	prisks "github.com/strata-grc/strata/projections/risks"
	qcontrols "github.com/strata-grc/strata/queries/controls"
	"github.com/strata-grc/strata/queries/dashboard"
	qidentity "github.com/strata-grc/strata/queries/identity"
	qrisks "github.com/strata-grc/strata/queries/risks"
	"github.com/strata-grc/strata/schema"
	"github.com/strata-grc/strata/web"
)

// App is Strata wired together.
type App struct {
	Pool           *pgxpool.Pool
	Store          *postgres.Store
	Registry       *events.Registry
	Sessions       *sessionstore.Store
	Identity       *cmdidentity.Handler
	IdentityReader *qidentity.Reader
	Risks          *cmdrisks.Handler
	RiskReader     *qrisks.Reader
	Controls       *cmdcontrols.Handler
	ControlReader  *qcontrols.Reader
	Dashboard      *dashboard.Reader
	Projectors     []projections.Projector
	Metrics        *prometheus.Registry
}

// Options tune what the defaults do not fit: tests use a cheap password hasher.
type Options struct {
	Hasher   cmdidentity.Hasher
	Sessions sessionstore.Config
}

// Open connects to the database (creating and migrating it when needed) and wires
// the modules.
func Open(ctx context.Context, databaseURL string, logger *slog.Logger, opts Options) (*App, error) {
	if err := schema.EnsureDatabase(ctx, databaseURL); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	applied, err := schema.Migrate(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	if len(applied) > 0 {
		logger.Info("migrations applied", "versions", applied)
	}
	a, err := New(pool, opts)
	if err != nil {
		pool.Close()
	}
	return a, err
}

// New wires the modules over a migrated database.
func New(pool *pgxpool.Pool, opts Options) (*App, error) {
	a := &App{Pool: pool, Store: postgres.New(pool), Registry: events.NewRegistry(), Metrics: prometheus.NewRegistry(),
		Sessions: sessionstore.New(pool, opts.Sessions)}
	evidentity.Register(a.Registry)
	evrisks.Register(a.Registry)
	evcontrols.Register(a.Registry)

	appended := prometheus.NewCounter(prometheus.CounterOpts{Name: "strata_events_appended_total", Help: "Events appended to the log by this process."})
	a.Metrics.MustRegister(appended)
	a.Store.OnAppend = func(_ events.AppendResult, n int) { appended.Add(float64(n)) }

	var err error
	ids := commands.NewSequences(pool)
	if a.Identity, err = cmdidentity.NewHandler(pool, a.Store, a.Registry, ids, opts.Hasher); err != nil {
		return nil, err
	}
	a.IdentityReader = qidentity.NewReader(pool)
	if a.Risks, err = cmdrisks.NewHandler(a.Store, a.Registry, ids, time.Now); err != nil {
		return nil, err
	}
	if a.Controls, err = cmdcontrols.NewHandler(pool, a.Store, a.Registry, ids, time.Now); err != nil {
		return nil, err
	}
	a.Risks.UseControls(a.Controls)
	a.ControlReader = qcontrols.NewReader(pool, a.Controls.Controls(), a.Controls.Frameworks())
	a.RiskReader = qrisks.NewReader(pool, a.Risks.Streams(), a.ControlReader)
	a.Dashboard = dashboard.NewReader(pool)
	a.Projectors = []projections.Projector{pidentity.New(a.Registry), prisks.New(a.Registry), pcontrols.New(a.Registry)}
	return a, nil
}

// Projector finds a projector by name.
func (a *App) Projector(name string) (projections.Projector, bool) {
	for _, p := range a.Projectors {
		if p.Name() == name {
			return p, true
		}
	}
	return nil, false
}

// ProjectorNames lists the projections.
func (a *App) ProjectorNames() []string {
	out := make([]string, len(a.Projectors))
	for i, p := range a.Projectors {
		out[i] = p.Name()
	}
	return out
}

// Runner returns the projection runner for this app, not yet running. tracker may be
// shared with an earlier runner; nil makes a new one.
func (a *App) Runner(ctx context.Context, logger *slog.Logger, tracker *projections.Tracker) (*projections.Runner, error) {
	applied := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "strata_projection_events_applied_total", Help: "Events applied by each projection in this process.",
	}, []string{"projection"})
	var already prometheus.AlreadyRegisteredError
	if err := a.Metrics.Register(applied); errors.As(err, &already) {
		applied = already.ExistingCollector.(*prometheus.CounterVec)
	} else if err != nil {
		return nil, err
	}
	return projections.NewRunner(ctx, projections.RunnerConfig{
		Store: a.Store, Pool: a.Pool, Projectors: a.Projectors, Logger: logger, Tracker: tracker,
		Subscriber: projections.SubscriberConfig{
			Wakeup: a.Store.Wakeup().C,
			OnCommit: func(name string, _ events.Position, n int) {
				applied.WithLabelValues(name).Add(float64(n))
			},
		},
	})
}

// Server builds the HTTP handler.
func (a *App) Server(cfg api.Config) (*api.Server, error) {
	cfg.Pool, cfg.Store, cfg.Registry, cfg.Sessions = a.Pool, a.Store, a.Metrics, a.Sessions
	if cfg.Web == nil {
		cfg.Web = web.Dist()
	}
	cfg.Identity, cfg.IdentityReader = a.Identity, a.IdentityReader
	cfg.Risks, cfg.RiskReader, cfg.Dashboard = a.Risks, a.RiskReader, a.Dashboard
	cfg.Controls, cfg.ControlReader = a.Controls, a.ControlReader
	cfg.Projections = a.ProjectorNames()
	return api.New(cfg)
}

// Close releases the database.
func (a *App) Close() { a.Pool.Close() }
