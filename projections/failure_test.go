package projections_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/schema/testdb"
)

// flaky writes a row per event and, while failing is set, refuses the event of
// version refuse after it wrote that event's row and the rows of the batch's events
// before it: a poison event, as a payload no projector version can apply would be.
type flaky struct {
	name    string
	refuse  int64
	failing atomic.Bool
	// once stops the refusals after the first.
	once bool

	mu       sync.Mutex
	batch    *projections.Writer
	n        int
	failures int
	// inside is how many rows the batch's own transaction saw when it failed, and
	// sizes how many events that batch had delivered.
	inside, sizes []int
}

func (f *flaky) Name() string     { return f.name }
func (f *flaky) Tables() []string { return []string{"flaky_rows"} }

func (f *flaky) Handle(ctx context.Context, w *projections.Writer, e events.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if w != f.batch { // a new batch: the subscriber makes one writer per transaction
		f.batch, f.n = w, 0
	}
	f.n++
	w.Exec(`insert into {flaky_rows} (event_id, stream_version) values ($1, $2)`, e.ID, e.StreamVersion)
	if !f.failing.Load() || e.StreamVersion != f.refuse {
		return nil
	}
	// Send what is queued, so the rows really are in the transaction when it fails.
	rows, err := w.Query(ctx, `select count(*) from {flaky_rows}`)
	if err != nil {
		return err
	}
	var count int
	for rows.Next() {
		if err := rows.Scan(&count); err != nil {
			rows.Close()
			return err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	f.failures++
	f.inside = append(f.inside, count)
	f.sizes = append(f.sizes, f.n)
	if f.once {
		f.failing.Store(false)
	}
	return fmt.Errorf("flaky: refusing %s/%d", e.StreamID, e.StreamVersion)
}

func (f *flaky) seen() (failures int, inside, sizes []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failures, append([]int(nil), f.inside...), append([]int(nil), f.sizes...)
}

type checkpointRow struct {
	xid       string
	position  int64
	updatedAt time.Time
}

func readCheckpoint(t *testing.T, db *testdb.DB, name string) checkpointRow {
	t.Helper()
	var c checkpointRow
	if err := db.Pool.QueryRow(context.Background(), `select transaction_id::text, position, updated_at
		from checkpoints where name = $1`, name).Scan(&c.xid, &c.position, &c.updatedAt); err != nil {
		t.Fatalf("checkpoint %s: %v", name, err)
	}
	return c
}

func rowIDs(t *testing.T, db *testdb.DB) []uuid.UUID {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `select event_id from flaky_rows order by stream_version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

func newEvents(n int) []events.NewEvent {
	out := make([]events.NewEvent, n)
	for i := range out {
		out[i] = events.NewEvent{ID: uuid.New(), Type: "ThingHappened", Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}
	}
	return out
}

// startRunner runs a runner over p until the test ends; errs receives batch failures.
func startRunner(t *testing.T, db *testdb.DB, store *postgres.Store, p projections.Projector, errs chan<- error) *projections.Runner {
	t.Helper()
	r := projectiontest.Run(t, projections.RunnerConfig{
		Store: store, Pool: db.Pool, Projectors: []projections.Projector{p},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Subscriber: projections.SubscriberConfig{
			BatchSize: 100, IdlePoll: 20 * time.Millisecond, RetryBackoff: 10 * time.Millisecond,
			HaltedRetry: 50 * time.Millisecond, Wakeup: store.Wakeup().C,
			OnError: func(_ string, err error) {
				select {
				case errs <- err:
				default:
				}
			},
		},
	})
	return r
}

func waitFor(t *testing.T, r *projections.Runner, name string, pos events.Position) {
	t.Helper()
	projectiontest.Wait(t, r, pos, name)
}

// A projector that fails part-way through a batch leaves neither its rows nor its
// checkpoint moved. The batch is tried again as it was, then event by event, which
// applies the events before the one that fails and halts there; status names the
// event. Once it applies, the projection resumes and every event lands exactly once.
func TestPoisonEventHaltsTheProjectionAtIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := flakyDB(t)
	store := postgres.New(db.Pool)
	f := &flaky{name: "flaky", refuse: 8}
	errs := make(chan error, 100)
	r := startRunner(t, db, store, f, errs)

	first := newEvents(5)
	res1, err := store.Append(ctx, "thing-1", events.NoStream(), meta, first...)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, f.name, res1.Position)
	f.failing.Store(true)
	// One append is one transaction, so all ten events (versions 6 to 15) come in one
	// batch; the seventh of them is refused.
	second := newEvents(10)
	res2, err := store.Append(ctx, "thing-1", events.Exact(5), meta, second...)
	if err != nil {
		t.Fatal(err)
	}
	waitHalted(t, r, f.name, true)
	failures, inside, sizes := f.seen()
	if failures < 4 || len(sizes) < 4 {
		t.Fatalf("the projector failed %d times, want the batch twice and the event alone twice", failures)
	}
	if sizes[0] != 3 || sizes[1] != 3 || inside[0] != 8 || inside[1] != 8 {
		t.Errorf("the whole batch's failures had delivered %v events and seen %v rows; want 3 events and 8 rows (the batch's rows were written before it failed)",
			sizes[:2], inside[:2])
	}
	for i := 2; i < len(sizes); i++ {
		if sizes[i] != 1 {
			t.Errorf("failure %d came in a batch of %d events, want the event alone", i, sizes[i])
		}
	}
	for range 2 {
		select {
		case err := <-errs:
			if !strings.Contains(err.Error(), "thing-1 version 8") || !strings.Contains(err.Error(), "flaky: refusing thing-1/8") {
				t.Errorf("batch failure %q does not name the event and its error", err)
			}
		default:
			t.Error("OnError was not called for the failed batches")
		}
	}
	// Everything before the poison event applied; nothing after it.
	if got := rowIDs(t, db); len(got) != 7 {
		t.Errorf("%d rows while halted, want the 7 before the refused event", len(got))
	}
	st, err := projections.Status(ctx, db.Pool, store, []string{f.name})
	if err != nil {
		t.Fatal(err)
	}
	fail := st[0].Failure
	if fail == nil {
		t.Fatalf("status of a halted projection has no failure: %+v", st[0])
	}
	if fail.StreamID != "thing-1" || fail.StreamVersion != 8 || fail.Type != "ThingHappened" ||
		fail.Message != "flaky: refusing thing-1/8" || fail.EventID != second[2].ID.String() {
		t.Errorf("failure %+v, want event %s (thing-1 version 8) with the projector's error", fail, second[2].ID)
	}
	if st[0].Behind <= 0 || st[0].LagSeconds <= 0 {
		t.Errorf("status while halted: behind %d, lag %v; want both positive", st[0].Behind, st[0].LagSeconds)
	}
	if r.Tracker.Reached([]string{f.name}, res2.Position) {
		t.Errorf("the tracker reports %+v reached while halted", res2.Position)
	}
	// A read waiting for the halted projection is answered at once, not at its deadline.
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	if r.Tracker.Wait(wctx, []string{f.name}, res2.Position) || wctx.Err() != nil {
		t.Errorf("Wait on a halted projection: want false before its context ends (context: %v)", wctx.Err())
	}
	cancel()

	f.failing.Store(false)
	waitFor(t, r, f.name, res2.Position)
	waitHalted(t, r, f.name, false)
	got := rowIDs(t, db)
	want := append(first, second...)
	if len(got) != len(want) {
		t.Fatalf("%d rows after recovery, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i].ID {
			t.Errorf("row %d is %s, want %s", i, got[i], want[i].ID)
		}
	}
	st, err = projections.Status(ctx, db.Pool, store, []string{f.name})
	if err != nil {
		t.Fatal(err)
	}
	if st[0].Position != res2.Position || st[0].Behind != 0 || st[0].LagSeconds != 0 || st[0].Failure != nil {
		t.Errorf("status after recovery: %+v, want at %+v with nothing behind and no failure", st[0], res2.Position)
	}
	if c := readCheckpoint(t, db, f.name); c.position != res2.Position.GlobalPosition {
		t.Errorf("checkpoint row at %d, want %d", c.position, res2.Position.GlobalPosition)
	}
}

// A batch that fails once and then passes is not narrowed: no event is named.
func TestPassingFailureIsNotAHalt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := flakyDB(t)
	store := postgres.New(db.Pool)
	f := &flaky{name: "once", refuse: 2, once: true}
	f.failing.Store(true)
	r := startRunner(t, db, store, f, make(chan error, 100))
	res, err := store.Append(ctx, "thing-1", events.NoStream(), meta, newEvents(4)...)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, f.name, res.Position)
	if failures, _, sizes := f.seen(); failures != 1 || sizes[0] != 2 {
		t.Errorf("%d failures in batches of %v events, want one, in the whole batch", failures, sizes)
	}
	if r.Tracker.Halted(f.name) {
		t.Error("a failure that passed on retry halted the projection")
	}
	if fails, err := projections.Failures(ctx, db.Pool, []string{f.name}); err != nil || len(fails) != 0 {
		t.Errorf("failures recorded: %v, %v", fails, err)
	}
	if got := rowIDs(t, db); len(got) != 4 {
		t.Errorf("%d rows, want 4", len(got))
	}
}

func waitHalted(t *testing.T, r *projections.Runner, name string, halted bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for r.Tracker.Halted(name) != halted {
		if time.Now().After(deadline) {
			t.Fatalf("projection %s halted=%v after 20s, want %v", name, !halted, halted)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Tracker.Wait reports true once the runner reached a position, false when the wait's
// context ends first, and wakes a waiter as soon as the runner gets there.
func TestTrackerWait(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := flakyDB(t)
	store := postgres.New(db.Pool)
	f := &flaky{name: "gated"}
	r := startRunner(t, db, store, f, make(chan error, 100))
	names := []string{f.name}

	// Nothing appended yet: the start of the log is reached at once.
	if !r.Tracker.Wait(ctx, names, events.Position{}) {
		t.Error("Wait for the start of the log returned false")
	}

	res1, err := store.Append(ctx, "thing-1", events.NoStream(), meta, newEvents(3)...)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	ok := r.Tracker.Wait(wctx, names, res1.Position)
	cancel()
	if !ok {
		t.Fatalf("Wait for %+v returned false; the runner is at %+v", res1.Position, r.Tracker.Position(f.name))
	}
	if !r.Tracker.Reached(names, res1.Position) {
		t.Error("Reached is false after Wait returned true")
	}
	// A position already reached needs no time at all, even with an ended context.
	done, cancelDone := context.WithCancel(ctx)
	cancelDone()
	if !r.Tracker.Wait(done, names, res1.Position) {
		t.Error("Wait with an ended context for a position already reached returned false")
	}

	// A projection nobody runs is never reached: Wait runs out its context.
	const timeout = 300 * time.Millisecond
	wctx, cancel = context.WithTimeout(ctx, timeout)
	start := time.Now()
	ok = r.Tracker.Wait(wctx, []string{f.name, "nobody"}, res1.Position)
	elapsed := time.Since(start)
	cancel()
	if ok {
		t.Fatal("Wait including a projection nobody runs returned true")
	}
	if elapsed < timeout-10*time.Millisecond {
		t.Errorf("Wait gave up after %v, before its context's %v ran out", elapsed, timeout)
	}
	if !errors.Is(wctx.Err(), context.DeadlineExceeded) {
		t.Errorf("context: %v", wctx.Err())
	}

	// While something holds the projection back (here: its checkpoint lock), a waiter
	// waits, and wakes as soon as the projection gets there.
	hold, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := projections.LockCheckpoint(ctx, hold, f.name); err != nil {
		t.Fatal(err)
	}
	res2, err := store.Append(ctx, "thing-1", events.Exact(3), meta, newEvents(2)...)
	if err != nil {
		t.Fatal(err)
	}
	woke := make(chan bool, 1)
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		woke <- r.Tracker.Wait(wctx, names, res2.Position)
	}()
	time.Sleep(50 * time.Millisecond)
	select {
	case <-woke:
		t.Fatal("Wait returned while the projection was held back")
	default:
	}
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if !<-woke {
		t.Fatalf("Wait for %+v returned false after the projection was let go; at %+v", res2.Position, r.Tracker.Position(f.name))
	}
	if pos := r.Tracker.Position(f.name); pos.Compare(res2.Position) < 0 {
		t.Errorf("tracker at %+v, want at least %+v", pos, res2.Position)
	}
	if got := rowIDs(t, db); len(got) != 5 {
		t.Errorf("%d rows, want 5", len(got))
	}
}

// flakyDB is a test database with the table flaky writes to.
func flakyDB(t *testing.T) *testdb.DB {
	t.Helper()
	db := testdb.New(t)
	if _, err := db.Pool.Exec(context.Background(), `create table flaky_rows (event_id uuid primary key, stream_version bigint not null)`); err != nil {
		t.Fatal(err)
	}
	return db
}
