// Command strata runs the Strata GRC server and its maintenance tasks.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/blobs"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema"
)

const usage = `strata — governance, risk and compliance on an event log

Usage:
  strata serve [--addr 127.0.0.1:8080] [--demo]
                                            run the server (migrates first when its role owns
                                            the schema, else checks it is current); --demo or
                                            STRATA_DEMO=true seeds the demo organization first
  strata migrate [--app-role ROLE]          apply database migrations (as the owner), then grant
                                            ROLE (env STRATA_APP_ROLE) what the server needs
  strata projections status                 each projection's checkpoint and lag
  strata projections rebuild NAME           replay the log into fresh tables and switch over
                                            (as the owner: it creates and renames tables)
  strata seed [--risks 300]                 create the demo organization, its users and data
  strata import framework --org ORG FILE    import a framework from a .csv or .json file;
                                            a file with any bad row imports nothing
  strata events copy --from URL --to URL [--state FILE] [--batch N] [--allow-non-empty]
                                            copy a whole event log between backends, resumably,
                                            and verify the copy
  strata events verify --from URL --to URL  compare two event logs stream by stream
  strata blobs gc [--min-age 24h] [--dry-run]
                                            remove stored files that no record references and
                                            that are older than the guard age
  strata blobs verify                       re-hash every stored file; report altered, unreadable
                                            and missing ones (exit 1 if any)
  strata trail verify [--org N] [--checkpoints DIR|s3://BUCKET/PREFIX] [--public-key KEY]
                                            recompute the sealed log from the events and check it
                                            against its checkpoints (exit 1 on any break)
  strata trail export [--dir DIR] [--s3 URL] write every checkpoint DIR or the bucket lacks, one
                                            file or object each
  strata keys generate [-o FILE]            make a checkpoint signing key (mode 0600) for
                                            STRATA_SIGNING_KEY and print its public key
  strata openapi [-o FILE]                  write the API description (JSON) to standard
                                            output or FILE
  strata admin create-user --email E --name N --org ORG --role ROLE
                                            create (or add) a user; the password comes from
                                            standard input, or is generated and printed once
  strata admin grant-app-role ROLE          grant the server's role its privileges (as the owner)

Every command takes --database-url (env STRATA_DATABASE_URL or DATABASE_URL,
default postgres://localhost:5432/strata); the database is created when missing.
STRATA_EVENT_STORE=esdb://host:2113?tls=false keeps the event log on
EventStoreDB/KurrentDB instead; read models stay in the database. Event log URLs for
"events" are postgres://... or esdb://... (kurrentdb://...). Attached files are kept
under STRATA_BLOB_DIR (default data/blobs), or in S3-compatible storage with
STRATA_BLOB_STORE=s3://BUCKET?endpoint=HOST:PORT (keys in STRATA_S3_ACCESS_KEY and
STRATA_S3_SECRET_KEY); STRATA_MAX_UPLOAD caps one file (default 100MiB).
`

func main() {
	setMemoryLimit(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A password is read from standard input only when it is not a terminal.
	var stdin io.Reader
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice == 0 {
		stdin = os.Stdin
	}
	if err := Run(ctx, os.Args[1:], stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "strata:", err)
		os.Exit(1)
	}
}

// env returns the first set environment variable of names, else def.
func env(def string, names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return def
}

// Run executes one command line; tests call it with their own arguments. stdin is
// nil when it is a terminal.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))
	slog.SetDefault(logger)

	fs := flag.NewFlagSet("strata "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := fs.String("database-url", env("postgres://localhost:5432/strata", "STRATA_DATABASE_URL", "DATABASE_URL"), "PostgreSQL connection URL")
	switch args[0] {
	case "serve":
		addr := fs.String("addr", env("127.0.0.1:8080", "STRATA_ADDR"), "listen address")
		demoDefault, err := demoRequested()
		if err != nil {
			return err
		}
		demo := fs.Bool("demo", demoDefault, "seed the demo organization first (env STRATA_DEMO)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *demo {
			if err := seedCmd(ctx, *dbURL, 300, stdout, logger); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
		}
		return serve(ctx, *dbURL, *addr, stdout, logger)
	case "admin":
		return adminCmd(ctx, fs, dbURL, args[1:], stdin, stdout, logger)
	case "migrate":
		return migrateCmd(ctx, fs, dbURL, args[1:], stdout, logger)
	case "projections":
		positional, err := parseInterspersed(fs, args[1:])
		if err != nil {
			return err
		}
		return projectionsCmd(ctx, *dbURL, positional, stdout, logger)
	case "import":
		return importCmd(ctx, fs, dbURL, args[1:], stdout, logger)
	case "events":
		return eventsCmd(ctx, fs, args[1:], stdout, logger)
	case "openapi":
		return openAPICommand(args[1:], stdout)
	case "blobs":
		return blobsCmd(ctx, fs, dbURL, args[1:], stdout, logger)
	case "trail":
		return trailCmd(ctx, fs, dbURL, args[1:], stdout, logger)
	case "keys":
		return keysCmd(fs, args[1:], stdout)
	case "seed":
		n := fs.Int("risks", 300, "how many demo risks to create")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return seedCmd(ctx, *dbURL, *n, stdout, logger)
	}
	return fmt.Errorf("unknown command %q\n\n%s", args[0], usage)
}

// seedCmd seeds the demo through its own connection, for `strata seed` and for
// `strata serve --demo` before it starts serving.
func seedCmd(ctx context.Context, dbURL string, risks int, stdout io.Writer, logger *slog.Logger) error {
	a, err := openApp(ctx, dbURL, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	// A running server hears about the seeded events at once; the notifier stops
	// before the connection closes.
	notifyCtx, stopNotifying := context.WithCancel(ctx)
	defer stopNotifying()
	a.StartNotifying(notifyCtx)
	return Seed(ctx, a, risks, stdout)
}

// parseInterspersed parses flags wherever they stand among the positional arguments,
// so "projections status --database-url X" works as well as the flag-first form.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// options reads the session settings from the environment.
func options() (app.Options, error) {
	var o app.Options
	o.Sessions.Idle = duration("STRATA_SESSION_IDLE")
	o.Sessions.Lifetime = duration("STRATA_SESSION_LIFETIME")
	o.Sessions.Secure = os.Getenv("STRATA_SECURE_COOKIES") == "true"
	o.Sessions.TrustProxy = os.Getenv("STRATA_TRUST_PROXY") == "true"
	o.EventStore = os.Getenv("STRATA_EVENT_STORE")
	var err error
	if o.Pool.MaxConns, err = positiveInt32("STRATA_DB_MAX_CONNS"); err != nil {
		return o, err
	}
	if o.Pool.StatementTimeout, err = strictDuration("STRATA_DB_STATEMENT_TIMEOUT"); err != nil {
		return o, err
	}
	if o.Pool.LockTimeout, err = strictDuration("STRATA_DB_LOCK_TIMEOUT"); err != nil {
		return o, err
	}
	if o.MaxUpload, err = byteSize("STRATA_MAX_UPLOAD"); err != nil {
		return o, err
	}
	if o.Blobs, err = blobs.Open(os.Getenv(blobs.EnvStore), env(blobs.DefaultDir, blobs.EnvDir)); err != nil {
		return o, fmt.Errorf("blob store: %w", err)
	}
	return o, nil
}

// byteSize reads a size setting: a positive number of bytes, or of KiB, MiB or GiB
// with that suffix ("100MiB").
func byteSize(name string) (int64, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	num, unit := v, int64(1)
	for suffix, n := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(v, suffix) {
			num, unit = strings.TrimSuffix(v, suffix), n
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/unit {
		return 0, fmt.Errorf("%s=%q: want a positive size in bytes, or with KiB, MiB or GiB", name, v)
	}
	return n * unit, nil
}

// openApp opens the database with the settings of the environment.
func openApp(ctx context.Context, dbURL string, logger *slog.Logger) (*app.App, error) {
	opts, err := options()
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, dbURL, logger, opts)
}

// serverConfig reads the HTTP server's settings from the environment, and the
// address /metrics gets a listener of its own on (empty: none). A mistyped limit
// stops the server rather than leaving it unprotected or at a default.
func serverConfig() (api.Config, string, error) {
	var cfg api.Config
	if proxies := os.Getenv("STRATA_TRUSTED_PROXIES"); proxies != "" {
		cfg.TrustedProxies = strings.Split(proxies, ",")
	}
	var err error
	if cfg.RateLimit.Rate, err = positiveFloat("STRATA_RATE_LIMIT"); err != nil {
		return cfg, "", err
	}
	burst, err := positiveInt32("STRATA_RATE_BURST")
	if err != nil {
		return cfg, "", err
	}
	cfg.RateLimit.Burst = float64(burst)
	maxSessions, err := positiveInt32("STRATA_MAX_SESSIONS")
	if err != nil {
		return cfg, "", err
	}
	cfg.MaxSessions = int(maxSessions)
	if cfg.SweepInterval, err = strictDuration("STRATA_SWEEP_INTERVAL"); err != nil {
		return cfg, "", err
	}
	cfg.MetricsToken = os.Getenv("STRATA_METRICS_TOKEN")
	if cfg.MetricsToken != "" && len(cfg.MetricsToken) < 16 {
		return cfg, "", errors.New("STRATA_METRICS_TOKEN: want at least 16 characters")
	}
	metricsAddr := os.Getenv("STRATA_METRICS_ADDR")
	cfg.MetricsElsewhere = metricsAddr != ""
	return cfg, metricsAddr, nil
}

// positiveFloat reads a setting that, when set, must be a positive number.
func positiveFloat(name string) (float64, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f > 0) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s=%q: want a positive number", name, v)
	}
	return f, nil
}

// positiveInt32 reads a setting that, when set, must be a positive integer; a
// mistyped pool size must stop the server rather than fall back silently.
func positiveInt32(name string) (int32, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive integer", name, v)
	}
	return int32(n), nil
}

// strictDuration reads a setting that, when set, must be a positive duration ("30s").
func strictDuration(name string) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive duration such as 30s", name, v)
	}
	return d, nil
}

// duration parses an environment variable such as "30m"; unset or invalid is zero,
// which means the default.
func duration(name string) time.Duration {
	d, err := time.ParseDuration(os.Getenv(name))
	if err != nil {
		return 0
	}
	return d
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(env("info", "STRATA_LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}

func serve(ctx context.Context, dbURL, addr string, stdout io.Writer, logger *slog.Logger) error {
	logger.Info("memory limit", "limit", memoryLimitText(debug.SetMemoryLimit(-1)))
	a, err := openApp(ctx, dbURL, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	advice, err := schema.Advice(ctx, a.Pool)
	if err != nil {
		return err
	}
	for _, x := range advice {
		logger.Warn(x)
	}
	runner, err := a.Runner(ctx, logger, nil)
	if err != nil {
		return err
	}
	requestTimeout, err := strictDuration("STRATA_REQUEST_TIMEOUT")
	if err != nil {
		return err
	}
	if requestTimeout == 0 {
		requestTimeout = api.DefaultRequestTimeout
	}
	cfg, metricsAddr, err := serverConfig()
	if err != nil {
		return err
	}
	cfg.Tracker, cfg.Logger, cfg.RequestTimeout = runner.Tracker, logger, requestTimeout
	if cfg.TransferTimeout, err = strictDuration("STRATA_TRANSFER_TIMEOUT"); err != nil {
		return err
	}
	srv, err := a.Server(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	var metricsLn net.Listener
	if metricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", metricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("STRATA_METRICS_ADDR: %w", err)
		}
	}
	// Every phase of a connection is bounded: a client that sends slowly or never reads
	// its answer cannot hold a connection (and the request's database work) for long.
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: requestTimeout + 30*time.Second, IdleTimeout: 2 * time.Minute}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.StartNotifying(runCtx)
	go a.Listen(runCtx)
	runnerDone := make(chan error, 1)
	go func() { runnerDone <- runner.Run(runCtx) }()
	go srv.RunSweeper(runCtx)
	serveDone := make(chan error, 2)
	go func() { serveDone <- httpSrv.Serve(ln) }()
	var metricsSrv *http.Server
	if metricsLn != nil {
		metricsSrv = &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
		go func() { serveDone <- metricsSrv.Serve(metricsLn) }()
		fmt.Fprintf(stdout, "Strata serves /metrics on http://%s only\n", metricsLn.Addr())
	}
	fmt.Fprintf(stdout, "Strata is serving on http://%s (projections: %s)\n", ln.Addr(), strings.Join(a.ProjectorNames(), ", "))

	select {
	case <-ctx.Done():
	case err := <-serveDone:
		return err
	case err := <-runnerDone:
		return fmt.Errorf("projections stopped: %w", err)
	}
	logger.Info("shutting down")
	shutdownCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	err = httpSrv.Shutdown(shutdownCtx)
	if metricsSrv != nil {
		err = errors.Join(err, metricsSrv.Shutdown(shutdownCtx))
	}
	cancel()
	_ = runner.Close()
	return err
}

func projectionsCmd(ctx context.Context, dbURL string, args []string, stdout io.Writer, logger *slog.Logger) error {
	if len(args) == 0 {
		return errors.New("projections needs a subcommand: status or rebuild NAME")
	}
	a, err := openApp(ctx, dbURL, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	switch args[0] {
	case "status":
		states, err := projections.Status(ctx, a.Pool, a.Store, a.ProjectorNames())
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROJECTION\tSTATE\tPOSITION\tTRANSACTION\tHEAD\tBEHIND\tLAG\tUPDATED")
		var halted []*projections.Failure
		for _, s := range states {
			updated := "never"
			if s.UpdatedAt != nil {
				updated = s.UpdatedAt.UTC().Format(time.RFC3339)
			}
			state := "running"
			if s.Failure != nil {
				state = "HALTED"
				halted = append(halted, s.Failure)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%.1fs\t%s\n", s.Name, state, s.Position.GlobalPosition, s.Position.TransactionID,
				s.Head, s.Behind, s.LagSeconds, updated)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, f := range halted {
			fmt.Fprintf(stdout, "\n%s is halted at event %d: %s in stream %s (version %d, id %s)\n"+
				"  error: %s\n  first failed %s, %d attempts, last %s\n"+
				"  events after it wait; it is retried until it applies (see docs/architecture.md, \"Poison events\")\n",
				f.Projection, f.Position.GlobalPosition, f.Type, f.StreamID, f.StreamVersion, f.EventID, f.Message,
				f.FailedAt.UTC().Format(time.RFC3339), f.Attempts, f.LastAttemptAt.UTC().Format(time.RFC3339))
		}
		if len(halted) > 0 {
			return fmt.Errorf("%d projection(s) halted", len(halted))
		}
		return nil
	case "rebuild":
		if len(args) != 2 {
			return fmt.Errorf("usage: strata projections rebuild NAME (one of: %s)", strings.Join(a.ProjectorNames(), ", "))
		}
		p, ok := a.Projector(args[1])
		if !ok {
			return fmt.Errorf("no projection named %q (there are: %s)", args[1], strings.Join(a.ProjectorNames(), ", "))
		}
		last := time.Now()
		res, err := projections.Rebuild(ctx, a.Store, a.Pool, p, projections.RebuildConfig{
			Progress: func(n int, pos events.Position) {
				if time.Since(last) > time.Second {
					last = time.Now()
					fmt.Fprintf(stdout, "  %d events replayed (position %d)\n", n, pos.GlobalPosition)
				}
			},
		})
		if err != nil {
			return err
		}
		rate := float64(res.Events) / max(res.Elapsed.Seconds(), 1e-9)
		fmt.Fprintf(stdout, "rebuilt %s: %d events in %s (%.0f events/s), now at position %d\n",
			p.Name(), res.Events, res.Elapsed.Round(time.Millisecond), rate, res.Position.GlobalPosition)
		return nil
	}
	return fmt.Errorf("unknown projections subcommand %q", args[0])
}
