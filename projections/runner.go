package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/events"
)

// RunnerConfig configures a Runner.
type RunnerConfig struct {
	Store      events.Store
	Pool       *pgxpool.Pool
	Projectors []Projector
	// Subscriber tunes batching and wake-ups; its OnCommit and OnIdle are wrapped so
	// the tracker always sees checkpoints move.
	Subscriber SubscriberConfig
	Logger     *slog.Logger
	// Tracker, when set, is shared with whoever else reads checkpoints (a server, an
	// earlier runner); nil makes a new one.
	Tracker *Tracker
}

// Runner runs every projector as a watermill handler and tracks how far each got.
type Runner struct {
	router  *message.Router
	sub     *Subscriber
	Tracker *Tracker
	names   []string
}

// NewRunner wires the projectors into a watermill router.
func NewRunner(ctx context.Context, cfg RunnerConfig) (*Runner, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	r := &Runner{Tracker: cfg.Tracker}
	if r.Tracker == nil {
		r.Tracker = NewTracker()
	}
	seen := map[string]bool{}
	for _, p := range cfg.Projectors {
		if seen[p.Name()] {
			return nil, fmt.Errorf("projections: two projectors named %s", p.Name())
		}
		seen[p.Name()] = true
		r.names = append(r.names, p.Name())
	}
	states, err := Status(ctx, cfg.Pool, cfg.Store, r.names)
	if err != nil {
		return nil, err
	}
	for _, s := range states {
		r.Tracker.Set(s.Name, s.Position)
	}
	sc := cfg.Subscriber
	onCommit, onIdle, onError := sc.OnCommit, sc.OnIdle, sc.OnError
	sc.OnCommit = func(name string, pos events.Position, n int) {
		r.Tracker.Set(name, pos)
		if onCommit != nil {
			onCommit(name, pos, n)
		}
	}
	sc.OnIdle = func(name string, pos events.Position) {
		r.Tracker.Set(name, pos)
		if onIdle != nil {
			onIdle(name, pos)
		}
	}
	sc.OnError = func(name string, err error) {
		cfg.Logger.Error("projection batch failed; retrying", "projection", name, "err", err)
		if onError != nil {
			onError(name, err)
		}
	}
	onHalt, onResume := sc.OnHalt, sc.OnResume
	sc.OnHalt = func(f Failure) {
		cfg.Logger.Error("projection halted: an event cannot be applied; events after it wait until it applies",
			"projection", f.Projection, "position", f.Position.GlobalPosition, "transaction", f.Position.TransactionID,
			"type", f.Type, "stream", f.StreamID, "stream_version", f.StreamVersion, "event_id", f.EventID,
			"attempts", f.Attempts, "err", f.Message)
		r.Tracker.SetHalted(f.Projection, true)
		if onHalt != nil {
			onHalt(f)
		}
	}
	sc.OnResume = func(name string) {
		cfg.Logger.Info("projection resumed: the event it was halted on applied", "projection", name)
		r.Tracker.SetHalted(name, false)
		if onResume != nil {
			onResume(name)
		}
	}
	r.sub, err = NewSubscriber(cfg.Store, cfg.Pool, sc)
	if err != nil {
		return nil, err
	}
	// A handler in flight finishes within one batch; waiting longer only delays shutdown.
	r.router, err = message.NewRouter(message.RouterConfig{CloseTimeout: 5 * time.Second}, watermill.NopLogger{})
	if err != nil {
		return nil, err
	}
	for _, p := range cfg.Projectors {
		r.router.AddConsumerHandler(p.Name(), p.Name(), r.sub, Handler(p))
	}
	return r, nil
}

// Handler adapts a projector to a watermill handler: it applies a message's batch
// event by event, and a failure names its event (*EventError) for the subscriber.
func Handler(p Projector) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		ctx := msg.Context()
		w, err := WriterFrom(ctx)
		if err != nil {
			return err
		}
		evs, err := EventsFrom(ctx)
		if err != nil {
			return err
		}
		for i := range evs {
			if err := p.Handle(ctx, w, evs[i]); err != nil {
				err = &EventError{Event: evs[i], Err: err}
				if slot, ok := ctx.Value(failureKey{}).(*error); ok {
					*slot = err
				}
				return err
			}
		}
		return nil
	}
}

// Names lists the projections the runner runs.
func (r *Runner) Names() []string { return r.names }

// Run blocks until ctx ends or Close is called.
func (r *Runner) Run(ctx context.Context) error {
	err := r.router.Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Running is closed once every handler has started.
func (r *Runner) Running() chan struct{} { return r.router.Running() }

// Close stops the subscriber first, which ends its message channels, so the router's
// handlers return at once instead of waiting out the router's close timeout.
func (r *Runner) Close() error {
	err := r.sub.Close()
	return errors.Join(err, r.router.Close())
}
