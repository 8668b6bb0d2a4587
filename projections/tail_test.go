package projections_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema/testdb"
)

// gatedHead is the log with a readable end the test can hold back, and a count of the
// reads of the log itself.
type gatedHead struct {
	*postgres.Store
	open  atomic.Bool
	reads atomic.Int64
	heads atomic.Int64 // reads of the readable end
	// blind makes that many reads of the log come back empty, as a read whose
	// snapshot was taken before the watcher's does.
	blind atomic.Int64
}

// VisibleHead looks at the gate after the read: a read begun while the gate was open
// may see the appends the test makes once it has closed it.
func (g *gatedHead) VisibleHead(ctx context.Context) (events.Position, error) {
	g.heads.Add(1)
	head, err := g.Store.VisibleHead(ctx)
	if !g.open.Load() {
		return events.Position{}, nil
	}
	return head, err
}

func (g *gatedHead) ReadAll(ctx context.Context, from events.Position, limit int) ([]events.Event, error) {
	g.reads.Add(1)
	if g.blind.Add(-1) >= 0 {
		return nil, nil
	}
	return g.Store.ReadAll(ctx, from, limit)
}

// counter is a projection that only counts what it is handed.
type counter struct {
	name string
	mu   sync.Mutex
	ids  []uuid.UUID
	// hold, when set, keeps Handle from returning until it is closed.
	hold chan struct{}
}

func (c *counter) Name() string     { return c.name }
func (c *counter) Tables() []string { return nil }

func (c *counter) Handle(_ context.Context, _ *projections.Writer, e events.Event) error {
	c.mu.Lock()
	c.ids = append(c.ids, e.ID)
	c.mu.Unlock()
	if c.hold != nil {
		<-c.hold
	}
	return nil
}

func (c *counter) seen() []uuid.UUID {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]uuid.UUID(nil), c.ids...)
}

// Projections that are caught up do not read the log when woken by an append: they
// wait for the subscriber's one watcher to see the readable end move past their
// checkpoints, then each applies every event once.
func TestProjectionsWaitOnTheSharedTail(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := testdb.New(t)
	store := &gatedHead{Store: postgres.New(db.Pool)}
	var appendedIDs []uuid.UUID
	appendOne := func() {
		t.Helper()
		id := uuid.New()
		if _, err := store.Append(ctx, "tail-"+id.String(), events.NoStream(), meta,
			events.NewEvent{ID: id, Type: "Noted", Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		appendedIDs = append(appendedIDs, id)
	}
	appendOne()
	store.open.Store(true)

	counters := []*counter{{name: "first"}, {name: "second"}, {name: "third"}}
	runOnTail(ctx, t, db, store, counters...)
	waitAll := func(n int) {
		t.Helper()
		for _, c := range counters {
			awaitSeen(t, c, n, c.name+" did not reach its events")
		}
	}
	waitAll(1)

	store.open.Store(false)
	before := store.reads.Load()
	for range 20 {
		appendOne()
	}
	time.Sleep(300 * time.Millisecond)
	if got := store.reads.Load() - before; got != 0 {
		t.Fatalf("caught-up projections read the log %d times before its readable end moved", got)
	}
	for _, c := range counters {
		if n := len(c.seen()); n != 1 {
			t.Fatalf("%s applied %d events before the end moved", c.name, n)
		}
	}

	store.open.Store(true)
	appendOne()
	waitAll(len(appendedIDs))
	for _, c := range counters {
		got := c.seen()
		if len(got) != len(appendedIDs) {
			t.Fatalf("%s applied %d events, want %d", c.name, len(got), len(appendedIDs))
		}
		for i := range got {
			if got[i] != appendedIDs[i] {
				t.Fatalf("%s: event %d is %s, want %s", c.name, i, got[i], appendedIDs[i])
			}
		}
	}
}

// While no projection waits for the readable end (each is busy with a batch) the
// watcher does not read it, however many appends wake it; once one waits, it reads
// again and the projection gets what arrived meanwhile.
func TestWatcherRestsWhileNoProjectionWaits(t *testing.T) {
	t.Parallel()
	c := &counter{name: "busy", hold: make(chan struct{})}
	ctx, store := onOpenTail(t, c)
	// Cleanups run last first: the handler is let go before the router is closed.
	release := sync.OnceFunc(func() { close(c.hold) })
	t.Cleanup(release)
	appendNoted(ctx, t, store, "busy-0")
	awaitSeen(t, c, 1, "the first event was never handed to the projection")
	// The watcher's settle steps after the first event end within 100 ms; it then
	// finds nobody waiting.
	time.Sleep(150 * time.Millisecond)
	before := store.heads.Load()
	for i := range 10 {
		appendNoted(ctx, t, store, fmt.Sprintf("busy-%d", i+1))
	}
	time.Sleep(300 * time.Millisecond)
	if got := store.heads.Load() - before; got != 0 {
		t.Fatalf("the watcher read the readable end %d times while no projection waited for it", got)
	}
	release()
	awaitSeen(t, c, 11, "the projection did not apply every event after it was let go")
}

// startRouter runs router until the test ends, closing it and its subscriber then,
// and returns once the router is running.
func startRouter(ctx context.Context, t *testing.T, router *message.Router, sub *projections.Subscriber) {
	t.Helper()
	runDone := make(chan error, 1)
	go func() { runDone <- router.Run(ctx) }()
	t.Cleanup(func() {
		_ = router.Close()
		_ = sub.Close()
		<-runDone
	})
	select {
	case <-router.Running():
	case err := <-runDone:
		t.Fatalf("router stopped before running: %v", err)
	}
}

// A projection whose read comes back empty although the readable end is past its
// checkpoint (its snapshot was older than the watcher's) reads again at once rather
// than waiting for the end to move again.
func TestProjectionReadsAgainWhenTheTailWasAhead(t *testing.T) {
	t.Parallel()
	c := &counter{name: "blinded"}
	ctx, store := onOpenTail(t, c)
	store.blind.Store(3)
	appendNoted(ctx, t, store, "blind-1")
	awaitSeen(t, c, 1, "the event was never applied after the blinded reads")
}

// An event committed while an older transaction elsewhere holds the horizon is not
// readable yet, and nothing tells a starting projection when it becomes so: no append,
// no batch of its own ends. The watcher starts with its settle steps and polls, as
// after an append, and those find the event once the older transaction ends.
func TestWaitingProjectionFindsWhatAnOpenTransactionHeldBack(t *testing.T) {
	t.Parallel()
	ctx, db, store := openLog(t)
	holder, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(context.Background())
	if _, err := holder.Exec(ctx, `select pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	appendNoted(ctx, t, store, "held-1")
	c := &counter{name: "held"}
	runOnTail(ctx, t, db, store, c)
	time.Sleep(200 * time.Millisecond)
	if n := len(c.seen()); n != 0 {
		t.Fatalf("the projection applied %d events while the horizon held them", n)
	}
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	awaitSeen(t, c, 1, "the event held back by the open transaction was never applied")
}

// onOpenTail runs c alone on the tail of a fresh log whose readable end is open, until
// the test ends.
func onOpenTail(t *testing.T, c *counter) (context.Context, *gatedHead) {
	t.Helper()
	ctx, db, store := openLog(t)
	runOnTail(ctx, t, db, store, c)
	return ctx, store
}

// openLog is a fresh log with its readable end open, and a context for the test.
func openLog(t *testing.T) (context.Context, *testdb.DB, *gatedHead) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	db := testdb.New(t)
	store := &gatedHead{Store: postgres.New(db.Pool)}
	store.open.Store(true)
	return ctx, db, store
}

// awaitSeen waits until c has applied n events, failing with what after 30 s.
func awaitSeen(t *testing.T, c *counter, n int, what string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); len(c.seen()) < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s (%d of %d events applied)", what, len(c.seen()), n)
		}
	}
}

// appendNoted appends one event to a new stream.
func appendNoted(ctx context.Context, t *testing.T, store *gatedHead, stream string) {
	t.Helper()
	if _, err := store.Append(ctx, stream, events.NoStream(), meta,
		events.NewEvent{ID: uuid.New(), Type: "Noted", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
}

// runOnTail runs counters on one subscriber over store until the test ends. Their
// own polls are an hour apart, so only the tail starts their reads.
func runOnTail(ctx context.Context, t *testing.T, db *testdb.DB, store *gatedHead, counters ...*counter) {
	t.Helper()
	sub, err := projections.NewSubscriber(store, db.Pool, projections.SubscriberConfig{
		IdlePoll: time.Hour,
		Wakeup:   store.Wakeup().C,
	})
	if err != nil {
		t.Fatal(err)
	}
	router, err := message.NewRouter(message.RouterConfig{}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counters {
		router.AddConsumerHandler(c.name, c.name, sub, projections.Handler(c))
	}
	startRouter(ctx, t, router, sub)
}
