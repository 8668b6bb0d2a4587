package projections_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema/testdb"
)

// meta is the metadata every append in these tests carries.
var meta = events.Metadata{OrgID: 1, ActorID: 1, ActorName: "Tester", CorrelationID: "t"}

// recorder remembers every event it is handed, in delivery order, and writes one row per
// event into seen, whose primary key refuses a second application of the same event.
type recorder struct {
	name string
	mu   sync.Mutex
	got  []events.Event
}

func (r *recorder) Name() string     { return r.name }
func (r *recorder) Tables() []string { return []string{"seen"} }

func (r *recorder) Handle(_ context.Context, w *projections.Writer, e events.Event) error {
	r.mu.Lock()
	r.got = append(r.got, e)
	r.mu.Unlock()
	w.Exec(`insert into {seen} (event_id, stream_id, stream_version) values ($1, $2, $3)`, e.ID, e.StreamID, e.StreamVersion)
	return nil
}

func (r *recorder) delivered() []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.Event(nil), r.got...)
}

// appended is one event a writer committed.
type appended struct {
	id      uuid.UUID
	stream  string
	version int64
}

// commitRecord is one committed transaction as its writer saw it.
type commitRecord struct {
	maxPosition int64
}

// TestSubscriberTorture appends from many writers whose transactions hold their identity
// values open for a random while, so global positions commit out of order, some
// transactions append several events and a few roll back (leaving gaps). A subscriber
// runs through a watermill router all along. Every committed event must reach the
// projector exactly once, nothing else may, each stream's events arrive in version
// order, and the delivery follows subscriber order (transaction id, global position).
func TestSubscriberTorture(t *testing.T) {
	t.Parallel()
	const (
		writers          = 12
		streamsPerWriter = 5
		eventsPerWriter  = 870 // 10,440 in all
		name             = "torture"
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := testdb.New(t)
	if _, err := db.Pool.Exec(ctx, `create table seen (
		event_id uuid primary key, stream_id text not null, stream_version bigint not null)`); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(db.Pool)

	var subErrs []error
	var subErrsMu sync.Mutex
	var commits atomic.Int64
	sub, err := projections.NewSubscriber(store, db.Pool, projections.SubscriberConfig{
		BatchSize: 200,
		IdlePoll:  20 * time.Millisecond,
		Wakeup:    store.Wakeup().C,
		OnCommit:  func(string, events.Position, int) { commits.Add(1) },
		OnError: func(_ string, err error) {
			subErrsMu.Lock()
			subErrs = append(subErrs, err)
			subErrsMu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{name: name}
	router, err := message.NewRouter(message.RouterConfig{}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	// The message itself names the batch it carries.
	var mismatches atomic.Int64
	handle := projections.Handler(rec)
	router.AddConsumerHandler(name, name, sub, func(msg *message.Message) error {
		evs, err := projections.EventsFrom(msg.Context())
		if err != nil {
			return err
		}
		first, last := evs[0], evs[len(evs)-1]
		if msg.UUID != first.ID.String() || msg.Metadata.Get("events") != strconv.Itoa(len(evs)) ||
			msg.Metadata.Get("first_position") != strconv.FormatInt(first.GlobalPosition, 10) ||
			msg.Metadata.Get("last_position") != strconv.FormatInt(last.GlobalPosition, 10) {
			mismatches.Add(1)
		}
		return handle(msg)
	})
	// Two more projections on the same subscriber, woken by the same watcher of the
	// log's readable end: each must see every event once, in the recorder's order.
	bystanders := []*counter{{name: "bystander_1"}, {name: "bystander_2"}}
	for _, b := range bystanders {
		router.AddConsumerHandler(b.name, b.name, sub, projections.Handler(b))
	}
	startRouter(ctx, t, router, sub)

	metaJSON, err := json.Marshal(meta)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu         sync.Mutex
		committed  []appended
		rolledBack []uuid.UUID
		commitLog  []commitRecord
	)
	start := time.Now()
	var wg sync.WaitGroup
	writerErrs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tortureWriter(ctx, db.Pool, w, streamsPerWriter, eventsPerWriter, metaJSON, store,
				func(evs []appended, maxPos int64) {
					mu.Lock()
					committed = append(committed, evs...)
					commitLog = append(commitLog, commitRecord{maxPosition: maxPos})
					mu.Unlock()
				},
				func(ids []uuid.UUID) {
					mu.Lock()
					rolledBack = append(rolledBack, ids...)
					mu.Unlock()
				}); err != nil {
				writerErrs <- fmt.Errorf("writer %d: %w", w, err)
			}
		}()
	}
	wg.Wait()
	close(writerErrs)
	for err := range writerErrs {
		t.Fatal(err)
	}
	wrote := time.Since(start)

	// The last event in subscriber order; the checkpoint must reach it.
	var lastXid string
	var last events.Position
	if err := db.Pool.QueryRow(ctx, `select transaction_id::text, global_position from events
		order by events.transaction_id desc, events.global_position desc limit 1`).Scan(&lastXid, &last.GlobalPosition); err != nil {
		t.Fatal(err)
	}
	if last.TransactionID, err = strconv.ParseUint(lastXid, 10, 64); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	var reached events.Position
	for {
		st, err := projections.Status(ctx, db.Pool, store, []string{name})
		if err != nil {
			t.Fatal(err)
		}
		reached = st[0].Position
		if reached.Compare(last) >= 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkpoint stuck at %+v, want %+v; %d of %d events delivered",
				reached, last, len(rec.delivered()), len(committed))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if reached != last {
		t.Errorf("checkpoint at %+v, beyond the last event %+v", reached, last)
	}
	caughtUp := time.Since(start)

	subErrsMu.Lock()
	for _, err := range subErrs {
		t.Errorf("subscriber batch failed: %v", err)
	}
	subErrsMu.Unlock()

	if n := mismatches.Load(); n > 0 {
		t.Errorf("%d messages did not match the event in their context", n)
	}
	if len(committed) < 10000 {
		t.Fatalf("only %d events appended", len(committed))
	}
	// The torture is real: some transactions committed after one holding a higher
	// global position had already committed.
	outOfOrder := 0
	var highest int64
	for _, c := range commitLog {
		if c.maxPosition < highest {
			outOfOrder++
		}
		highest = max(highest, c.maxPosition)
	}
	if outOfOrder == 0 {
		t.Errorf("no transaction committed out of global-position order; the test did not torture anything")
	}
	t.Logf("%d events in %d transactions (%d rolled back events, %d commits out of position order) written in %v; caught up after %v in %d batches",
		len(committed), len(commitLog), len(rolledBack), outOfOrder, wrote.Round(time.Millisecond),
		caughtUp.Round(time.Millisecond), commits.Load())

	want := make(map[uuid.UUID]appended, len(committed))
	streamLen := map[string]int64{}
	for _, a := range committed {
		want[a.id] = a
		streamLen[a.stream] = max(streamLen[a.stream], a.version)
	}
	for _, id := range rolledBack {
		if _, ok := want[id]; ok {
			t.Fatalf("event %s both committed and rolled back", id)
		}
	}

	// In memory: every committed event exactly once, nothing else, in subscriber order,
	// each stream in version order with no version missing.
	got := rec.delivered()
	times := make(map[uuid.UUID]int, len(got))
	nextVersion := map[string]int64{}
	var prev events.Position
	for i, e := range got {
		times[e.ID]++
		if times[e.ID] == 2 {
			t.Errorf("event %s (%s/%d) delivered twice", e.ID, e.StreamID, e.StreamVersion)
		}
		a, ok := want[e.ID]
		if !ok {
			t.Errorf("event %s (%s/%d) was delivered but never committed", e.ID, e.StreamID, e.StreamVersion)
			continue
		}
		if a.stream != e.StreamID || a.version != e.StreamVersion {
			t.Errorf("event %s delivered as %s/%d, appended as %s/%d", e.ID, e.StreamID, e.StreamVersion, a.stream, a.version)
		}
		if i > 0 && e.Position().Compare(prev) <= 0 {
			t.Errorf("delivery %d at %+v does not follow %+v", i, e.Position(), prev)
		}
		prev = e.Position()
		if want := nextVersion[e.StreamID] + 1; e.StreamVersion != want {
			t.Errorf("stream %s: version %d delivered where %d was due", e.StreamID, e.StreamVersion, want)
		}
		nextVersion[e.StreamID] = e.StreamVersion
	}
	for id, a := range want {
		if times[id] == 0 {
			t.Errorf("event %s (%s/%d) never delivered", id, a.stream, a.version)
		}
	}
	for s, n := range streamLen {
		if nextVersion[s] != n {
			t.Errorf("stream %s: delivered up to version %d of %d", s, nextVersion[s], n)
		}
	}
	if len(got) != len(committed) {
		t.Errorf("%d deliveries for %d committed events", len(got), len(committed))
	}
	for _, b := range bystanders {
		var ids []uuid.UUID
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if ids = b.seen(); len(ids) >= len(got) || time.Now().After(deadline) {
				break
			}
		}
		if len(ids) != len(got) {
			t.Errorf("%s applied %d events, the recorder %d", b.name, len(ids), len(got))
			continue
		}
		for i := range ids {
			if ids[i] != got[i].ID {
				t.Errorf("%s: event %d is %s, the recorder's %s", b.name, i, ids[i], got[i].ID)
				break
			}
		}
	}

	// In the read model: one row per committed event (the primary key refuses a second).
	rows, err := db.Pool.Query(ctx, `select event_id, stream_id, stream_version from seen`)
	if err != nil {
		t.Fatal(err)
	}
	seen, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (appended, error) {
		var a appended
		err := r.Scan(&a.id, &a.stream, &a.version)
		return a, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(want) {
		t.Errorf("seen holds %d rows, want %d", len(seen), len(want))
	}
	for _, s := range seen {
		if a, ok := want[s.id]; !ok || a != s {
			t.Errorf("seen row %+v does not match a committed event (%+v, %v)", s, a, ok)
		}
	}
	var inLog int
	if err := db.Pool.QueryRow(ctx, `select count(*) from events`).Scan(&inLog); err != nil {
		t.Fatal(err)
	}
	if inLog != len(want) {
		t.Errorf("the log holds %d events, the writers committed %d", inLog, len(want))
	}
}

// tortureWriter appends eventsPerWriter events to its own streams in explicit
// transactions of one to seven events, sleeping inside each transaction before it
// commits; about one transaction in thirty is rolled back instead.
func tortureWriter(ctx context.Context, pool *pgxpool.Pool, w, streams, total int, metaJSON []byte,
	store *postgres.Store, onCommit func([]appended, int64), onRollback func([]uuid.UUID)) error {
	rng := rand.New(rand.NewPCG(uint64(w)+1, 42))
	versions := make([]int64, streams)
	written := 0
	for written < total {
		n := 1
		if rng.IntN(2) == 0 {
			n = 2 + rng.IntN(6)
		}
		n = min(n, total-written)
		tx, err := pool.Begin(ctx)
		if err != nil {
			return err
		}
		next := append([]int64(nil), versions...)
		evs := make([]appended, 0, n)
		var maxPos int64
		for i := range n {
			s := rng.IntN(streams)
			next[s]++
			a := appended{id: uuid.New(), stream: fmt.Sprintf("torture-%d-%d", w, s), version: next[s]}
			data := fmt.Sprintf(`{"writer":%d,"n":%d}`, w, written+i)
			var pos int64
			if err := tx.QueryRow(ctx, `insert into events (event_id, stream_id, stream_version, type, data, metadata)
				values ($1, $2, $3, 'TortureHappened', $4, $5) returning global_position`,
				a.id, a.stream, a.version, data, string(metaJSON)).Scan(&pos); err != nil {
				_ = tx.Rollback(ctx)
				return err
			}
			maxPos = max(maxPos, pos)
			evs = append(evs, a)
			if i < n-1 && rng.IntN(4) == 0 {
				time.Sleep(time.Duration(rng.IntN(1000)) * time.Microsecond)
			}
		}
		time.Sleep(time.Duration(rng.IntN(5001)) * time.Microsecond)
		if rng.IntN(30) == 0 {
			if err := tx.Rollback(ctx); err != nil {
				return err
			}
			ids := make([]uuid.UUID, len(evs))
			for i, a := range evs {
				ids[i] = a.id
			}
			onRollback(ids)
			continue
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		versions = next
		written += n
		onCommit(evs, maxPos)
		if w%2 == 0 { // half the writers wake the subscriber; the others rely on polling
			store.Wakeup().Signal()
		}
	}
	return nil
}
