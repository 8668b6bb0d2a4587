// Package app wires Strata together: the one place that lists every module, used by
// the strata command and by tests that need the real thing end to end.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/api/authcache"
	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/sessionstore"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/blobs"
	cmdidentity "github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
	evevidence "github.com/strata-grc/strata/events/evidence"
	evidentity "github.com/strata-grc/strata/events/identity"
	"github.com/strata-grc/strata/events/postgres"
	evtrail "github.com/strata-grc/strata/events/trail"
	"github.com/strata-grc/strata/projections"
	pevidence "github.com/strata-grc/strata/projections/evidence"
	pidentity "github.com/strata-grc/strata/projections/identity"
	"github.com/strata-grc/strata/projections/replay"
	pseal "github.com/strata-grc/strata/projections/seal"
	ptrail "github.com/strata-grc/strata/projections/trail"
	"github.com/strata-grc/strata/queries/dashboard"
	qidentity "github.com/strata-grc/strata/queries/identity"
	qseal "github.com/strata-grc/strata/queries/seal"
	qtrail "github.com/strata-grc/strata/queries/trail"
	"github.com/strata-grc/strata/schema"
	"github.com/strata-grc/strata/web"
)

// App is Strata wired together.
type App struct {
	Pool *pgxpool.Pool
	// Store is the event log; Log is the same store when the log is in PostgreSQL,
	// nil when it is elsewhere.
	Store    events.Store
	Log      *postgres.Store
	Registry *events.Registry
	Sessions *sessionstore.Store
	// Auth remembers live sessions and access while Listen hears their changes.
	Auth           *authcache.Cache
	Identity       *cmdidentity.Handler
	IdentityReader *qidentity.Reader
	// Modules are the plug-ins of Modules, built.
	Modules    []module.Built
	Roles      *cmdidentity.RoleTable
	Dashboard  *dashboard.Reader
	Trail      *qtrail.Reader
	Projectors []projections.Projector
	Metrics    *prometheus.Registry

	Blobs      blobs.Store
	follower   events.Follower // how projections read a log that pushes
	closeStore func()
	// tempBlobs is the directory of a temporary blob store, removed by Close.
	tempBlobs string
}

// Options tune what the defaults do not fit: tests use a cheap password hasher.
type Options struct {
	Hasher   cmdidentity.Hasher
	Sessions sessionstore.Config
	// EventStore is the URL of an EventStoreDB/KurrentDB server to keep the log on
	// (esdb://host:2113?tls=false); empty keeps it in the database with the read models.
	EventStore string
	// Store, when set, is the log (tests pass one); it wins over EventStore.
	Store events.Store
	// Pool bounds the database pool Open makes: its size and statement timeouts.
	Pool schema.PoolSettings
	// Blobs keeps attached files. Nil gives a private temporary directory, removed by
	// Close: enough for tools and tests that never keep a file; the server always
	// names its store.
	Blobs blobs.Store
	// MaxUpload caps one attached file (default DefaultMaxUpload).
	MaxUpload int64
}

// DefaultMaxUpload is the largest file accepted when STRATA_MAX_UPLOAD is not set.
const DefaultMaxUpload = 100 << 20

// Open connects to the database (creating it when needed), migrates it when the
// connected role may change the schema or else checks that it is current, and wires
// the modules.
func Open(ctx context.Context, databaseURL string, logger *slog.Logger, opts Options) (*App, error) {
	if err := schema.EnsureDatabase(ctx, databaseURL); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	pool, err := schema.NewPool(ctx, databaseURL, opts.Pool)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	applied, err := schema.EnsureCurrent(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	if len(applied) > 0 {
		logger.Info("migrations applied", "versions", applied)
	}
	var closeStore func()
	if opts.Store == nil && opts.EventStore != "" {
		if !IsESDB(opts.EventStore) {
			pool.Close()
			return nil, fmt.Errorf("event store %q: want an esdb:// or kurrentdb:// URL, or none to keep the log in the database", opts.EventStore)
		}
		if opts.Store, closeStore, err = OpenEventStore(ctx, opts.EventStore); err != nil {
			pool.Close()
			return nil, fmt.Errorf("event store: %w", err)
		}
		logger.Info("event log on EventStoreDB/KurrentDB; read models in PostgreSQL")
	}
	a, err := New(pool, opts)
	if err != nil {
		pool.Close()
		if closeStore != nil {
			closeStore()
		}
		return nil, err
	}
	a.closeStore = closeStore
	return a, nil
}

// New wires the modules over a migrated database.
func New(pool *pgxpool.Pool, opts Options) (*App, error) {
	a := &App{Pool: pool, Registry: events.NewRegistry(), Metrics: prometheus.NewRegistry(), Auth: authcache.New(0)}
	opts.Sessions.Cache = a.Auth
	a.Sessions = sessionstore.New(pool, opts.Sessions)
	evidentity.Register(a.Registry)
	evevidence.Register(a.Registry)
	evtrail.Register(a.Registry)
	for _, m := range Modules {
		m.Events(a.Registry)
	}

	appended := prometheus.NewCounter(prometheus.CounterOpts{Name: "strata_events_appended_total", Help: "Events appended to the log by this process."})
	a.Metrics.MustRegister(appended)
	switch store := opts.Store.(type) {
	case nil:
		a.Log = postgres.New(pool)
		a.Log.OnAppend = func(_ events.AppendResult, n int) { appended.Add(float64(n)) }
		a.Store = a.Log
	case *postgres.Store:
		a.Log, a.Store = store, store
		if store.OnAppend == nil {
			store.OnAppend = func(_ events.AppendResult, n int) { appended.Add(float64(n)) }
		}
	default:
		a.follower, _ = store.(events.Follower)
		a.Store = countedStore{Store: store, appended: appended}
	}

	var err error
	ids := commands.NewSequences(pool)
	if a.Identity, err = cmdidentity.NewHandler(pool, a.Store, a.Registry, ids, opts.Hasher); err != nil {
		return nil, err
	}
	a.Identity.HearAccess(a.Auth)
	a.IdentityReader = qidentity.NewReader(pool)
	if a.Roles, err = RoleTable(); err != nil {
		return nil, err
	}
	if a.Blobs = opts.Blobs; a.Blobs == nil {
		if a.tempBlobs, err = os.MkdirTemp("", "strata-blobs-"); err != nil {
			return nil, err
		}
		if a.Blobs, err = blobs.Dir(a.tempBlobs); err != nil {
			return nil, err
		}
	}
	if opts.MaxUpload <= 0 {
		opts.MaxUpload = DefaultMaxUpload
	}
	env := &module.Env{Pool: pool, Store: a.Store, Registry: a.Registry, IDs: ids, Members: a.Identity,
		Holds: a.holds, Blobs: a.Blobs, MaxUpload: opts.MaxUpload, Now: time.Now}
	if a.Modules, err = module.BuildAll(env, Modules); err != nil {
		return nil, err
	}
	var parts []dashboard.Part
	// Files attached to any module's records share one read model of their chain of
	// custody.
	// The seal reads every event of every organization; its key and checkpoint
	// settings come from the environment (docs/trail.md).
	sealer, err := pseal.FromEnv()
	if err != nil {
		return nil, err
	}
	a.Projectors = []projections.Projector{pidentity.New(a.Registry), pevidence.New(a.Registry), sealer}
	for _, m := range a.Modules {
		parts = append(parts, m.Dashboard)
		a.Projectors = append(a.Projectors, m.Projectors...)
	}
	if a.Dashboard, err = dashboard.NewReader(pool, parts...); err != nil {
		return nil, err
	}
	// The dashboard as of a past instant replays the organization through the
	// projectors its parts read (docs/trail.md, "Replay").
	past, err := replay.New(a.Store, pool, a.Projectors, a.Dashboard.Projections()...)
	if err != nil {
		return nil, err
	}
	a.Dashboard.EnableAsOf(past, dashboard.AsOfOptions{})
	// The audit trail describes every module's events as the module declares.
	trailParts := []ptrail.Part{ptrail.Core}
	for _, m := range a.Modules {
		trailParts = append(trailParts, m.Trail)
	}
	trail, err := ptrail.New(a.Registry, a.Store, trailParts...)
	if err != nil {
		return nil, err
	}
	a.Projectors = append(a.Projectors, trail)
	a.Trail = qtrail.NewReader(pool, a.Registry, trailParts...)
	return a, nil
}

// holds tells whether a member holds a permission in an organization, from the
// organization's stream, so a role change counts from the moment it commits.
func (a *App) holds(ctx context.Context, orgID, userID int64, p cmdidentity.Permission) (bool, error) {
	role, ok, err := a.Identity.Membership(ctx, orgID, userID)
	if err != nil || !ok {
		return false, err
	}
	return a.Roles.Allows(role, p), nil
}

// RoleTable is what each role may do: the core's grants and every module's.
func RoleTable() (*cmdidentity.RoleTable, error) {
	grants := slices.Clone(cmdidentity.CoreGrants)
	for _, m := range Modules {
		grants = append(grants, m.Permissions...)
	}
	return cmdidentity.NewRoleTable(grants...)
}

// Lookup finds what a module provides as a T (its command handler, its reader), for
// the commands and tests that drive a module directly.
func Lookup[T any](a *App) (T, bool) {
	for _, m := range a.Modules {
		for _, v := range m.Provides {
			if t, ok := v.(T); ok {
				return t, true
			}
		}
	}
	var zero T
	return zero, false
}

// MustLookup is Lookup for what the module list always holds; it panics otherwise.
func MustLookup[T any](a *App) T {
	v, ok := Lookup[T](a)
	if !ok {
		panic(fmt.Sprintf("app: no module provides a %T", v))
	}
	return v
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
	if p, ok := a.Projector(pseal.Name); ok {
		go p.(*pseal.Projector).RunCheckpoints(ctx, a.Pool, logger)
	}
	return projections.NewRunner(ctx, projections.RunnerConfig{
		Store: a.Store, Pool: a.Pool, Projectors: a.Projectors, Logger: logger, Tracker: tracker,
		Subscriber: a.subscriberConfig(func(name string, _ events.Position, n int) {
			applied.WithLabelValues(name).Add(float64(n))
		}),
	})
}

// subscriberConfig feeds projections from the log: a PostgreSQL log is read in
// batches and wakes them after each append; a log that pushes is followed with a
// catch-up subscription.
func (a *App) subscriberConfig(onCommit func(string, events.Position, int)) projections.SubscriberConfig {
	cfg := projections.SubscriberConfig{OnCommit: onCommit}
	switch {
	case a.Log != nil:
		cfg.Wakeup = a.Log.Wakeup().C
	case a.follower != nil:
		cfg.Follow = a.follower
	}
	return cfg
}

// StartNotifying makes appends of this process wake projections in other processes
// (a server), until ctx ends. Only a PostgreSQL log needs it: a subscription to
// another store hears of every append itself.
func (a *App) StartNotifying(ctx context.Context) {
	if a.Log != nil {
		a.Log.StartNotifying(ctx)
	}
}

// Listen wakes this process's projections when another process appends (PostgreSQL
// log only, as StartNotifying), and hears the changes to sessions and access that let
// it remember them (Auth), until ctx ends.
func (a *App) Listen(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { a.Auth.Listen(ctx, a.Pool) })
	if a.Log != nil {
		postgres.Listen(ctx, a.Pool, a.Log.Wakeup())
	}
	wg.Wait()
}

// countedStore counts the events appended through it, for /metrics.
type countedStore struct {
	events.Store
	appended prometheus.Counter
}

func (c countedStore) Append(ctx context.Context, streamID string, expected events.ExpectedVersion, meta events.Metadata, evs ...events.NewEvent) (events.AppendResult, error) {
	res, err := c.Store.Append(ctx, streamID, expected, meta, evs...)
	if err == nil && !res.Idempotent {
		c.appended.Add(float64(len(evs)))
	}
	return res, err
}

// Server builds the HTTP handler.
func (a *App) Server(cfg api.Config) (*api.Server, error) {
	cfg.Pool, cfg.Store, cfg.Registry, cfg.Sessions, cfg.Auth = a.Pool, a.Store, a.Metrics, a.Sessions, a.Auth
	if cfg.Web == nil {
		cfg.Web = web.Dist()
	}
	cfg.Identity, cfg.IdentityReader = a.Identity, a.IdentityReader
	cfg.Modules, cfg.Roles, cfg.Dashboard = a.Modules, a.Roles, a.Dashboard
	cfg.Trail = a.Trail
	cfg.Projections = a.ProjectorNames()
	var err error
	if p, ok := a.Projector(pseal.Name); ok && a.Log != nil {
		if cfg.Seal, err = qseal.New(a.Pool, pseal.Name, p.(*pseal.Projector).PublicKey()); err != nil {
			return nil, err
		}
	}
	if cfg.OpenAPI, err = OpenAPI(); err != nil {
		return nil, err
	}
	return api.New(cfg)
}

// Close releases the database.
func (a *App) Close() {
	if a.closeStore != nil {
		a.closeStore()
	}
	a.Pool.Close()
	if a.tempBlobs != "" {
		_ = os.RemoveAll(a.tempBlobs)
	}
}

// Ping checks the wrapped log, for readiness, when it can be checked.
func (c countedStore) Ping(ctx context.Context) error {
	if p, ok := c.Store.(interface{ Ping(context.Context) error }); ok {
		return p.Ping(ctx)
	}
	return nil
}
