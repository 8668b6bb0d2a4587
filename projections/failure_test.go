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

// flaky writes a row per event and, while failing is set, refuses the failAt-th event
// of every batch after it wrote that event's row and the rows of the events before it.
type flaky struct {
	name    string
	failAt  int
	failing atomic.Bool

	mu       sync.Mutex
	batch    *projections.Writer
	n        int
	failures int
	// inside is how many rows the batch's own transaction saw when it failed.
	inside []int
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
	if !f.failing.Load() || f.n != f.failAt {
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
	return fmt.Errorf("flaky: refusing %s/%d", e.StreamID, e.StreamVersion)
}

func (f *flaky) seen() (failures int, inside []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failures, append([]int(nil), f.inside...)
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
			Wakeup: store.Wakeup().C,
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
// checkpoint moved, and once it succeeds every event lands exactly once.
func TestFailedBatchRollsBackRowsAndCheckpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	if _, err := db.Pool.Exec(ctx, `create table flaky_rows (event_id uuid primary key, stream_version bigint not null)`); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(db.Pool)
	f := &flaky{name: "flaky", failAt: 3}
	errs := make(chan error, 100)
	r := startRunner(t, db, store, f, errs)

	first := newEvents(5)
	res1, err := store.Append(ctx, "thing-1", events.NoStream(), meta, first...)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, f.name, res1.Position)
	if got := rowIDs(t, db); len(got) != 5 {
		t.Fatalf("%d rows after the first batch, want 5", len(got))
	}
	before := readCheckpoint(t, db, f.name)

	f.failing.Store(true)
	// One append is one transaction, so all ten events come in one batch.
	second := newEvents(10)
	res2, err := store.Append(ctx, "thing-1", events.Exact(5), meta, second...)
	if err != nil {
		t.Fatal(err)
	}
	// Two failures: the batch failed and its retry failed too.
	for i := range 2 {
		select {
		case err := <-errs:
			if !strings.Contains(err.Error(), "was not applied") {
				t.Errorf("batch failure %d: %v, want the nack of the refused event", i, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("the batch did not fail (%d failures seen)", i)
		}
	}
	failures, inside := f.seen()
	if failures < 2 {
		t.Fatalf("the projector failed %d times, want at least 2", failures)
	}
	for _, n := range inside {
		if n != 5+f.failAt {
			t.Errorf("the failing transaction saw %d rows, want %d: the earlier events' rows were written before it failed", n, 5+f.failAt)
		}
	}
	if got := rowIDs(t, db); len(got) != 5 {
		t.Errorf("%d rows after the failed batch, want the 5 from before", len(got))
	}
	if after := readCheckpoint(t, db, f.name); after != before {
		t.Errorf("checkpoint moved on a failed batch: %+v -> %+v", before, after)
	}
	st, err := projections.Status(ctx, db.Pool, store, []string{f.name})
	if err != nil {
		t.Fatal(err)
	}
	if st[0].Position != res1.Position {
		t.Errorf("status position %+v, want %+v", st[0].Position, res1.Position)
	}
	if st[0].Behind <= 0 || st[0].LagSeconds <= 0 {
		t.Errorf("status while failing: behind %d, lag %v; want both positive", st[0].Behind, st[0].LagSeconds)
	}
	if r.Tracker.Reached([]string{f.name}, res2.Position) {
		t.Errorf("the tracker reports %+v reached while the batch fails", res2.Position)
	}

	f.failing.Store(false)
	waitFor(t, r, f.name, res2.Position)
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
	if st[0].Position != res2.Position || st[0].Behind != 0 || st[0].LagSeconds != 0 {
		t.Errorf("status after recovery: %+v, want at %+v with nothing behind", st[0], res2.Position)
	}
	if c := readCheckpoint(t, db, f.name); c.position != res2.Position.GlobalPosition {
		t.Errorf("checkpoint row at %d, want %d", c.position, res2.Position.GlobalPosition)
	}
}

// Tracker.Wait reports true once the runner reached a position, false when the wait's
// context ends first, and wakes a waiter as soon as the runner gets there.
func TestTrackerWait(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	if _, err := db.Pool.Exec(ctx, `create table flaky_rows (event_id uuid primary key, stream_version bigint not null)`); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(db.Pool)
	f := &flaky{name: "gated", failAt: 1}
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

	// The projector refuses the next batch, so its position is not reached.
	f.failing.Store(true)
	res2, err := store.Append(ctx, "thing-1", events.Exact(3), meta, newEvents(2)...)
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 300 * time.Millisecond
	wctx, cancel = context.WithTimeout(ctx, timeout)
	start := time.Now()
	ok = r.Tracker.Wait(wctx, names, res2.Position)
	elapsed := time.Since(start)
	cancel()
	if ok {
		t.Fatalf("Wait for %+v returned true while the projector fails", res2.Position)
	}
	if elapsed < timeout-10*time.Millisecond {
		t.Errorf("Wait gave up after %v, before its context's %v ran out", elapsed, timeout)
	}
	if !errors.Is(wctx.Err(), context.DeadlineExceeded) {
		t.Errorf("context: %v", wctx.Err())
	}
	// Nor is an unknown projection ever reached.
	wctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
	if r.Tracker.Wait(wctx, []string{f.name, "nobody"}, res1.Position) {
		t.Error("Wait including a projection nobody runs returned true")
	}
	cancel()

	// A waiter already waiting wakes when the projector recovers.
	woke := make(chan bool, 1)
	go func() {
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		woke <- r.Tracker.Wait(wctx, names, res2.Position)
	}()
	time.Sleep(50 * time.Millisecond)
	f.failing.Store(false)
	if !<-woke {
		t.Fatalf("Wait for %+v returned false after the projector recovered; at %+v", res2.Position, r.Tracker.Position(f.name))
	}
	if pos := r.Tracker.Position(f.name); pos.Compare(res2.Position) < 0 {
		t.Errorf("tracker at %+v, want at least %+v", pos, res2.Position)
	}
	if got := rowIDs(t, db); len(got) != 5 {
		t.Errorf("%d rows, want 5", len(got))
	}
}
