package postgres_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/events/storetest"
	"github.com/strata-grc/strata/schema/testdb"
)

func TestContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) events.Store { return postgres.New(testdb.New(t).Pool) })
}

func TestEventsAreAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	s := postgres.New(db.Pool)
	if _, err := s.Append(ctx, "thing-1", events.NoStream(), storetest.Meta, storetest.NewEvents(2)...); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`update events set type = 'Forged'`,
		`delete from events`,
		`truncate events`,
		`update events set data = '{}' where stream_version = 1`,
	} {
		_, err := db.Pool.Exec(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the append-only trigger to refuse", stmt, err)
		}
	}
	got, _ := s.ReadStream(ctx, "thing-1", events.ReadOptions{})
	if len(got) != 2 || got[0].Type != "ThingHappened" {
		t.Fatalf("the log changed: %+v", got)
	}
}

// Subscriber order compares transaction ids as numbers: "10000" sorts before "9999"
// as text, and reading in that order would skip or repeat events.
func TestReadAllOrdersTransactionsNumerically(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	// Two transaction ids either side of the largest power of ten the server has
	// passed (9999 and 10000 on a server at 80103): long committed, and they differ in
	// digit count. A young server first uses up a few ids to have such a boundary.
	var current uint64
	for {
		var xid string
		if err := db.Pool.QueryRow(ctx, `select pg_current_xact_id()::text`).Scan(&xid); err != nil {
			t.Fatal(err)
		}
		current, _ = strconv.ParseUint(xid, 10, 64)
		if current > 1000 {
			break
		}
	}
	high := uint64(1)
	for high*10 < current {
		high *= 10
	}
	low := high - 1
	for _, xid := range []uint64{high, low} {
		_, err := db.Pool.Exec(ctx, `insert into events (transaction_id, event_id, stream_id, stream_version, type, data, metadata)
			values ($1::text::xid8, gen_random_uuid(), 'thing-'||$1, 1, 'ThingHappened', '{}', '{"org_id":1}')`, strconv.FormatUint(xid, 10))
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := postgres.New(db.Pool).ReadAll(ctx, events.Position{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].TransactionID != low || got[1].TransactionID != high {
		t.Fatalf("read %+v, want transaction %d before %d", got, low, high)
	}
	rest, err := postgres.New(db.Pool).ReadAll(ctx, got[0].Position(), 10)
	if err != nil || len(rest) != 1 || rest[0].TransactionID != high {
		t.Fatalf("after %d: %+v %v", low, rest, err)
	}
}

// Settle waits for a transaction that began before it: until that one ends, ReadAll
// may not show what committed after it began.
func TestSettleWaitsForEarlierTransactions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	s := postgres.New(db.Pool)
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `select pg_current_xact_id()`); err != nil { // takes an id now
		t.Fatal(err)
	}
	settled := make(chan error, 1)
	go func() { settled <- s.Settle(ctx) }()
	select {
	case err := <-settled:
		t.Fatalf("Settle returned (%v) while an earlier transaction was open", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-settled:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Settle did not return after the transaction ended")
	}
}

// Import writes a batch of another log's events whole, or nothing when the batch does
// not simply extend what the store holds.
func TestImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := postgres.New(testdb.New(t).Pool)
	dst := postgres.New(testdb.New(t).Pool)
	then := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	for i, stream := range []string{"a-1", "b-1", "a-1", "a-1", "b-1"} {
		evs := storetest.NewEvents(1)
		evs[0].RecordedAt = then.Add(time.Duration(i) * time.Minute)
		if _, err := src.Append(ctx, stream, events.Any(), storetest.Meta, evs...); err != nil {
			t.Fatal(err)
		}
	}
	// Other tests' transactions on the server may hold ReadAll back for a moment.
	if err := src.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := src.ReadAll(ctx, events.Position{}, 10)
	if err != nil || len(all) != 5 {
		t.Fatalf("source: %d events, %v", len(all), err)
	}
	count := func() int {
		if err := dst.Settle(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := dst.ReadAll(ctx, events.Position{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	// A batch that starts a stream past its next version leaves a gap: refused whole.
	if ok, err := dst.Import(ctx, all[2:4]); ok || err != nil || count() != 0 {
		t.Fatalf("a gap was imported: %v %v, %d events", ok, err, count())
	}
	if ok, err := dst.Import(ctx, all[:3]); !ok || err != nil {
		t.Fatalf("first batch: %v %v", ok, err)
	}
	// Again: the ids are stored, nothing is written and the caller falls back.
	if ok, err := dst.Import(ctx, all[:3]); ok || err != nil || count() != 3 {
		t.Fatalf("a repeated batch: %v %v, %d events", ok, err, count())
	}
	if ok, err := dst.Import(ctx, all[3:]); !ok || err != nil {
		t.Fatalf("second batch: %v %v", ok, err)
	}
	if n := count(); n != 5 {
		t.Fatalf("%d events imported, want 5", n)
	}
	got, _ := dst.ReadAll(ctx, events.Position{}, 100)
	for i, e := range got {
		w := all[i]
		if e.ID != w.ID || e.StreamID != w.StreamID || e.StreamVersion != w.StreamVersion || e.Metadata != w.Metadata ||
			!e.RecordedAt.Equal(w.RecordedAt) || string(e.Data) != string(w.Data) {
			t.Fatalf("event %d: %+v, want %+v", i, e, w)
		}
	}
}

// VisibleHead is the last event ReadAll could return: it stops below a transaction
// still open, as ReadAll does, and reaches the end once it ends.
func TestVisibleHeadStopsAtTheHorizon(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	s := postgres.New(db.Pool)
	if head, err := s.VisibleHead(ctx); err != nil || !head.IsZero() {
		t.Fatalf("the head of an empty log: %v, %v", head, err)
	}
	first, err := s.Append(ctx, "thing-1", events.NoStream(), storetest.Meta, storetest.NewEvents(3)...)
	if err != nil {
		t.Fatal(err)
	}
	// Other tests' transactions hold the horizon back for a moment too.
	eventually := func(want events.Position) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			head, err := s.VisibleHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if head == want {
				return
			}
			if head.Compare(want) > 0 || time.Now().After(deadline) {
				t.Fatalf("head %v, want %v", head, want)
			}
		}
	}
	eventually(first.Position)

	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `select pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	second, err := s.Append(ctx, "thing-2", events.NoStream(), storetest.Meta, storetest.NewEvents(1)...)
	if err != nil {
		t.Fatal(err)
	}
	if head, err := s.VisibleHead(ctx); err != nil || head != first.Position {
		t.Fatalf("with an older transaction open the head is %v (%v), want %v", head, err, first.Position)
	}
	if evs, err := s.ReadAll(ctx, first.Position, 10); err != nil || len(evs) != 0 {
		t.Fatalf("ReadAll past the head returned %d events (%v)", len(evs), err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(second.Position)
}
