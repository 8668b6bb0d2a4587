package projections_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema/testdb"
)

// elsewhereLog is a log kept outside PostgreSQL (as on EventStoreDB): positions are
// its own, and the database's events table is empty.
type elsewhereLog struct{ evs []events.Event }

func (l *elsewhereLog) Append(context.Context, string, events.ExpectedVersion, events.Metadata, ...events.NewEvent) (events.AppendResult, error) {
	return events.AppendResult{}, errors.New("read only")
}
func (l *elsewhereLog) ReadStream(context.Context, string, events.ReadOptions) ([]events.Event, error) {
	return nil, nil
}
func (l *elsewhereLog) ReadAll(_ context.Context, from events.Position, limit int) ([]events.Event, error) {
	var out []events.Event
	for _, e := range l.evs {
		if e.Position().Compare(from) > 0 && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}
func (l *elsewhereLog) PositionOf(context.Context, int64) (events.Position, error) {
	return events.Position{}, events.ErrNotFound
}

type seenProjector struct{}

func (seenProjector) Name() string     { return "rebuild_seen" }
func (seenProjector) Tables() []string { return []string{"rebuild_seen"} }
func (seenProjector) Handle(_ context.Context, w *projections.Writer, e events.Event) error {
	w.Exec(`insert into {rebuild_seen} (pos) values ($1)`, e.GlobalPosition)
	return nil
}

// A rebuild replays the log before the switch-over, which holds the live projection's
// lock and applies nothing itself. The bulk phase's end is judged by
// max(global_position) of PostgreSQL's events table, which is empty (or a stale
// leftover) when the log is on EventStoreDB, so the bulk phase stops after its first
// batch; the catch-up that follows, in short transactions outside the lock, must
// replay the rest.
func TestRebuildOfALogKeptElsewhereReplaysInTheBulkPhase(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `create table rebuild_seen (pos bigint primary key)`); err != nil {
		t.Fatal(err)
	}
	log := &elsewhereLog{}
	for i := range 2000 {
		gp := int64(i+1) * 137
		log.evs = append(log.evs, events.Event{ID: uuid.New(), StreamID: "risk-1", StreamVersion: int64(i + 1),
			GlobalPosition: gp, TransactionID: uint64(gp), Type: "Something", Data: []byte(`{}`),
			Metadata: events.Metadata{OrgID: 1, ActorName: "t", CorrelationID: "c"}, RecordedAt: time.Now()})
	}
	bulk := 0
	res, err := projections.Rebuild(ctx, log, db.Pool, seenProjector{}, projections.RebuildConfig{
		BatchSize: 100, Progress: func(applied int, _ events.Position) { bulk = applied },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != len(log.evs) {
		t.Fatalf("rebuilt %d events of %d", res.Events, len(log.evs))
	}
	if bulk != res.Events {
		t.Errorf("%d events were replayed before the switch-over and %d in all: the switch-over, under the live lock, applied the rest", bulk, res.Events)
	}
}

// A rebuild that meets an event its projector cannot apply stops and names it,
// instead of retrying forever.
func TestRebuildStopsAtAPoisonEvent(t *testing.T) {
	t.Parallel()
	db := flakyDB(t)
	ctx := context.Background()
	store := postgres.New(db.Pool)
	if _, err := store.Append(ctx, "thing-1", events.NoStream(), meta, newEvents(6)...); err != nil {
		t.Fatal(err)
	}
	// ReadAll trails the oldest transaction running anywhere (other tests'): wait
	// until the events are readable, so the rebuild does not end before reaching them.
	if err := store.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	f := &flaky{name: "flaky", refuse: 4}
	f.failing.Store(true)
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := projections.Rebuild(rctx, store, db.Pool, f, projections.RebuildConfig{})
	var fail *projections.Failure
	if !errors.As(err, &fail) {
		t.Fatalf("rebuild over a poison event: %v, want a *projections.Failure", err)
	}
	if fail.StreamID != "thing-1" || fail.StreamVersion != 4 || !strings.Contains(err.Error(), "flaky: refusing thing-1/4") {
		t.Errorf("rebuild error %q names %s/%d, want thing-1 version 4 and the projector's error", err, fail.StreamID, fail.StreamVersion)
	}
	if rctx.Err() != nil {
		t.Error("the rebuild ran until its context ended")
	}
	// The live tables are untouched and no failure of the rebuild stays recorded.
	if n := len(rowIDs(t, db)); n != 0 {
		t.Errorf("live table has %d rows after the failed rebuild", n)
	}
	if fails, err := projections.Failures(ctx, db.Pool, []string{"flaky.rebuild", "flaky"}); err != nil || len(fails) != 0 {
		t.Errorf("failures left recorded: %v %v", fails, err)
	}
}

// The switch-over waits for readers of the live tables only so long before it tries
// again, so a long read delays a rebuild instead of queueing every other reader
// behind the rename; once the read ends the rebuild completes.
func TestRebuildSwitchOverOutwaitsALongReader(t *testing.T) {
	t.Parallel()
	db := flakyDB(t)
	ctx := context.Background()
	store := postgres.New(db.Pool)
	if _, err := store.Append(ctx, "thing-1", events.NoStream(), meta, newEvents(50)...); err != nil {
		t.Fatal(err)
	}
	if err := store.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	reader, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Exec(ctx, `lock table flaky_rows in access share mode`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := projections.Rebuild(ctx, store, db.Pool, &flaky{name: "flaky"}, projections.RebuildConfig{})
		done <- err
	}()
	// While the long read holds the table, another reader still gets in: the rename
	// is not left queued in front of it.
	time.Sleep(1500 * time.Millisecond)
	var n int
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = db.Pool.QueryRow(qctx, `select count(*) from flaky_rows`).Scan(&n)
	cancel()
	if err != nil {
		t.Fatalf("a reader during the switch-over: %v", err)
	}
	select {
	case err := <-done:
		t.Fatalf("the rebuild ended (%v) while a reader held the live table", err)
	default:
	}
	if err := reader.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("rebuild after the reader ended: %v", err)
	}
	if got := len(rowIDs(t, db)); got != 50 {
		t.Errorf("%d rows after the rebuild, want 50", got)
	}
}

// A rebuild reads each next batch of the log while the one before it applies. A batch
// that fails once is applied again from the log, not from the read made for the batch
// after it, and every event still lands exactly once, in order.
func TestRebuildPrefetchAcrossAFailedBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := flakyDB(t)
	store := postgres.New(db.Pool)
	var want []uuid.UUID
	for i := range 6 {
		evs := newEvents(10)
		expected := events.Exact(int64(i * 10))
		if i == 0 {
			expected = events.NoStream()
		}
		if _, err := store.Append(ctx, "thing-1", expected, meta, evs...); err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			want = append(want, e.ID)
		}
	}
	f := &flaky{name: "flaky", refuse: 23, once: true}
	f.failing.Store(true)
	res, err := projections.Rebuild(ctx, store, db.Pool, f, projections.RebuildConfig{BatchSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	if failures, _, _ := f.seen(); failures != 1 {
		t.Errorf("the projector failed %d times, want once", failures)
	}
	if res.Events != len(want) {
		t.Errorf("the rebuild applied %d events, want %d", res.Events, len(want))
	}
	got := rowIDs(t, db)
	if len(got) != len(want) {
		t.Fatalf("%d rows after the rebuild, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("row %d is event %s, want %s", i, got[i], want[i])
		}
	}
	// The tables came in analysed: the planner knows how many rows they hold
	// (reltuples is -1 for a table never analysed).
	var tuples float64
	if err := db.Pool.QueryRow(ctx, `select reltuples from pg_class where oid = 'flaky_rows'::regclass`).Scan(&tuples); err != nil {
		t.Fatal(err)
	}
	if int(tuples) != len(want) {
		t.Errorf("the planner thinks the rebuilt table holds %v rows, want %d", tuples, len(want))
	}
}

// A rebuild holds every event the log held when it began, even one that an older
// transaction, still open elsewhere on the server, keeps from being read yet.
func TestRebuildWaitsForWhatTheLogHeldWhenItBegan(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `create table rebuild_seen (pos bigint primary key)`); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(db.Pool)
	older, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer older.Rollback(ctx)
	if _, err := older.Exec(ctx, `select pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	res, err := store.Append(ctx, "thing-1", events.NoStream(), meta, events.NewEvent{ID: uuid.New(), Type: "Noted", Data: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := projections.Rebuild(ctx, store, db.Pool, seenProjector{}, projections.RebuildConfig{})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the rebuild ended (%v) while an older transaction kept its last event from it", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := older.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `select count(*) from rebuild_seen where pos = $1`, res.Position.GlobalPosition).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatal("the rebuilt table lacks the event appended before the rebuild began")
	}
}

// preparing writes flaky_rows and notes which events Prepare saw before Handle did.
type preparing struct {
	mu       sync.Mutex
	prepared map[uuid.UUID]bool
	early    int // events handled after they were prepared
	batches  map[*projections.Writer]bool
}

func (p *preparing) Name() string     { return "preparing" }
func (p *preparing) Tables() []string { return []string{"flaky_rows"} }

func (p *preparing) Prepare(evs []events.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range evs {
		p.prepared[e.ID] = true
	}
}

func (p *preparing) Handle(_ context.Context, w *projections.Writer, e events.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.batches[w] = true
	if p.prepared[e.ID] {
		p.early++
	}
	w.Exec(`insert into {flaky_rows} (event_id, stream_version) values ($1, $2)`, e.ID, e.StreamVersion)
	return nil
}

// A rebuild hands each batch it read ahead to a Preparer before applying it: every
// batch but the first, which nothing read ahead of.
func TestRebuildPreparesWhatItReadAhead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := flakyDB(t)
	store := postgres.New(db.Pool)
	evs := newEvents(40)
	if _, err := store.Append(ctx, "thing-1", events.NoStream(), meta, evs...); err != nil {
		t.Fatal(err)
	}
	p := &preparing{prepared: map[uuid.UUID]bool{}, batches: map[*projections.Writer]bool{}}
	res, err := projections.Rebuild(ctx, store, db.Pool, p, projections.RebuildConfig{BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != len(evs) || len(rowIDs(t, db)) != len(evs) {
		t.Fatalf("the rebuild applied %d events and wrote %d rows, want %d", res.Events, len(rowIDs(t, db)), len(evs))
	}
	if p.early != len(evs)-10 {
		t.Errorf("%d events were prepared before they were handled, want %d (all but the first batch's %d in %d batches)",
			p.early, len(evs)-10, 10, len(p.batches))
	}
}
