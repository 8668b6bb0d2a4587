// Package storetest is the contract every events.Store implementation must pass.
// A backend's own test calls Run with a constructor for a fresh, empty store.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
)

// Meta is metadata every contract append uses. Its text holds what JSON escapes
// (quotes, a backslash, a tab, characters beyond ASCII), so a store that stores or
// reads the metadata as text must undo the escaping exactly.
var Meta = events.Metadata{OrgID: 1, ActorID: 7, ActorName: `Zoë "Contract" O'Tester`, CorrelationID: "req-contract",
	CausationID: "cause-contract", IP: "2001:db8::7", UserAgent: "storetest/1.0 (C:\\path\tτεστ; \u2028)"}

// NewEvents makes n events whose data records their index.
func NewEvents(n int) []events.NewEvent {
	out := make([]events.NewEvent, n)
	for i := range out {
		out[i] = events.NewEvent{ID: uuid.Must(uuid.NewV7()), Type: "ThingHappened", SchemaVersion: 1,
			Data: json.RawMessage(fmt.Sprintf(`{"n": %d}`, i))}
	}
	return out
}

// Options say what a backend does beyond the contract every store meets.
type Options struct {
	// PerStreamEventIDs is set for a backend that checks event ids within a stream
	// only (EventStoreDB keeps no index of ids across streams); the check that an id
	// used in one stream is refused in another is then skipped.
	PerStreamEventIDs bool
}

// Run runs the whole contract. newStore returns an empty store for one subtest.
func Run(t *testing.T, newStore func(t *testing.T) events.Store, opts ...Options) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	ctx := context.Background()

	t.Run("append and read a stream", func(t *testing.T) {
		s := newStore(t)
		evs := NewEvents(3)
		res, err := s.Append(ctx, "thing-1", events.NoStream(), Meta, evs...)
		if err != nil {
			t.Fatal(err)
		}
		if res.FromVersion != 1 || res.ToVersion != 3 || res.Idempotent {
			t.Fatalf("result %+v, want versions 1..3", res)
		}
		got, err := s.ReadStream(ctx, "thing-1", events.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("read %d events, want 3", len(got))
		}
		for i, e := range got {
			if e.ID != evs[i].ID || e.StreamVersion != int64(i+1) || e.Type != "ThingHappened" || e.StreamID != "thing-1" {
				t.Fatalf("event %d = %+v", i, e)
			}
			var d struct{ N int }
			if err := json.Unmarshal(e.Data, &d); err != nil || d.N != i {
				t.Fatalf("event %d data %s", i, e.Data)
			}
			if e.Metadata != Meta {
				t.Fatalf("metadata %+v, want %+v", e.Metadata, Meta)
			}
			if e.RecordedAt.IsZero() || e.GlobalPosition <= 0 {
				t.Fatalf("event %d lacks recorded_at or position: %+v", i, e)
			}
			if i > 0 && got[i].Position().Compare(got[i-1].Position()) <= 0 {
				t.Fatalf("positions not increasing within an append")
			}
		}
		if got[2].Position() != res.Position {
			t.Fatalf("append position %+v, last event at %+v", res.Position, got[2].Position())
		}
		missing, err := s.ReadStream(ctx, "thing-none", events.ReadOptions{})
		if err != nil || len(missing) != 0 {
			t.Fatalf("missing stream: %v, %d events", err, len(missing))
		}
	})

	t.Run("expected version", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Append(ctx, "thing-2", events.Exact(1), Meta, NewEvents(1)...); !errors.Is(err, events.ErrConflict) {
			t.Fatalf("exact 1 on a missing stream: %v, want conflict", err)
		}
		if _, err := s.Append(ctx, "thing-2", events.NoStream(), Meta, NewEvents(2)...); err != nil {
			t.Fatal(err)
		}
		_, err := s.Append(ctx, "thing-2", events.NoStream(), Meta, NewEvents(1)...)
		var ce *events.ConflictError
		if !errors.As(err, &ce) || ce.Actual != 2 || ce.StreamID != "thing-2" {
			t.Fatalf("no stream on an existing stream: %v, want conflict at version 2", err)
		}
		if _, err := s.Append(ctx, "thing-2", events.Exact(1), Meta, NewEvents(1)...); !errors.Is(err, events.ErrConflict) {
			t.Fatalf("stale exact: %v", err)
		}
		if _, err := s.Append(ctx, "thing-2", events.Exact(5), Meta, NewEvents(1)...); !errors.Is(err, events.ErrConflict) {
			t.Fatalf("future exact must not leave a gap: %v", err)
		}
		res, err := s.Append(ctx, "thing-2", events.Exact(2), Meta, NewEvents(1)...)
		if err != nil || res.ToVersion != 3 {
			t.Fatalf("exact 2: %+v %v", res, err)
		}
		res, err = s.Append(ctx, "thing-2", events.Any(), Meta, NewEvents(2)...)
		if err != nil || res.FromVersion != 4 || res.ToVersion != 5 {
			t.Fatalf("any: %+v %v", res, err)
		}
		all, _ := s.ReadStream(ctx, "thing-2", events.ReadOptions{})
		for i, e := range all {
			if e.StreamVersion != int64(i+1) {
				t.Fatalf("versions have a gap: %d at %d", e.StreamVersion, i)
			}
		}
	})

	t.Run("concurrent appenders: exactly one wins", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Append(ctx, "thing-race", events.NoStream(), Meta, NewEvents(1)...); err != nil {
			t.Fatal(err)
		}
		const writers = 16
		for round := int64(1); round <= 5; round++ {
			var wg sync.WaitGroup
			var mu sync.Mutex
			wins, conflicts := 0, 0
			start := make(chan struct{})
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := s.Append(ctx, "thing-race", events.Exact(round), Meta, NewEvents(2)...)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						wins++
					case errors.Is(err, events.ErrConflict):
						conflicts++
					default:
						t.Errorf("unexpected error: %v", err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if wins != 1 || conflicts != writers-1 {
				t.Fatalf("round %d: %d wins, %d conflicts; want 1 and %d", round, wins, conflicts, writers-1)
			}
			// Each round's winner appended two events; the next round expects the last one.
			round++
		}
		all, err := s.ReadStream(ctx, "thing-race", events.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[uuid.UUID]bool{}
		for i, e := range all {
			if e.StreamVersion != int64(i+1) {
				t.Fatalf("version %d at index %d: gap or duplicate", e.StreamVersion, i)
			}
			if seen[e.ID] {
				t.Fatalf("event %s twice", e.ID)
			}
			seen[e.ID] = true
		}
		if len(all) != 7 {
			t.Fatalf("%d events, want 1 + 3 winners x 2", len(all))
		}
	})

	t.Run("concurrent appenders with any", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 5 {
					if _, err := s.Append(ctx, "thing-any", events.Any(), Meta, NewEvents(1)...); err != nil {
						t.Errorf("append any: %v", err)
					}
				}
			}()
		}
		wg.Wait()
		all, _ := s.ReadStream(ctx, "thing-any", events.ReadOptions{})
		if len(all) != 40 {
			t.Fatalf("%d events, want 40", len(all))
		}
		for i, e := range all {
			if e.StreamVersion != int64(i+1) {
				t.Fatalf("gap at %d", i)
			}
		}
	})

	t.Run("idempotent append", func(t *testing.T) {
		s := newStore(t)
		evs := NewEvents(2)
		first, err := s.Append(ctx, "thing-3", events.NoStream(), Meta, evs...)
		if err != nil {
			t.Fatal(err)
		}
		for _, exp := range []events.ExpectedVersion{events.NoStream(), events.Any(), events.Exact(2)} {
			again, err := s.Append(ctx, "thing-3", exp, Meta, evs...)
			if err != nil {
				t.Fatalf("retry with %s: %v", exp, err)
			}
			if !again.Idempotent || again.ToVersion != first.ToVersion || again.Position != first.Position {
				t.Fatalf("retry with %s: %+v, want the original %+v", exp, again, first)
			}
		}
		all, _ := s.ReadStream(ctx, "thing-3", events.ReadOptions{})
		if len(all) != 2 {
			t.Fatalf("retries wrote duplicates: %d events", len(all))
		}
		if !o.PerStreamEventIDs {
			if _, err := s.Append(ctx, "thing-other", events.NoStream(), Meta, evs[0]); err == nil {
				t.Fatalf("an event id reused in another stream must be refused")
			}
		}
		if _, err := s.Append(ctx, "thing-3", events.Exact(2), Meta, evs[1], NewEvents(1)[0]); err == nil {
			t.Fatalf("a batch mixing a stored id with a new one must be refused")
		}
	})

	t.Run("stream bounds and as of", func(t *testing.T) {
		s := newStore(t)
		for range 3 {
			if _, err := s.Append(ctx, "thing-4", events.Any(), Meta, NewEvents(2)...); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		all, _ := s.ReadStream(ctx, "thing-4", events.ReadOptions{})
		if len(all) != 6 {
			t.Fatalf("%d events", len(all))
		}
		part, _ := s.ReadStream(ctx, "thing-4", events.ReadOptions{FromVersion: 2, ToVersion: 4})
		if len(part) != 3 || part[0].StreamVersion != 2 || part[2].StreamVersion != 4 {
			t.Fatalf("versions 2..4: %d events", len(part))
		}
		asOf, _ := s.ReadStream(ctx, "thing-4", events.ReadOptions{AsOf: all[3].RecordedAt})
		if len(asOf) != 4 {
			t.Fatalf("as of the 4th event: %d events, want 4", len(asOf))
		}
		before, _ := s.ReadStream(ctx, "thing-4", events.ReadOptions{AsOf: all[0].RecordedAt.Add(-time.Second)})
		if len(before) != 0 {
			t.Fatalf("as of before the stream: %d events", len(before))
		}
	})

	t.Run("the heads of many streams", func(t *testing.T) {
		s := newStore(t)
		for i, n := range []int{5, 1, 3} {
			if _, err := s.Append(ctx, fmt.Sprintf("head-%d", i), events.NoStream(), Meta, NewEvents(n)...); err != nil {
				t.Fatal(err)
			}
		}
		heads := []events.StreamHead{{StreamID: "head-0", ToVersion: 3}, {StreamID: "head-1", ToVersion: 9},
			{StreamID: "head-2", ToVersion: 0}, {StreamID: "head-missing", ToVersion: 4}}
		want := map[string][]int64{"head-0": {1, 2, 3}, "head-1": {1}}
		// With the store's own read of many streams, if it has one, and stream by stream.
		for _, store := range []events.Store{s, struct{ events.Store }{s}} {
			got, err := events.ReadStreamHeads(ctx, store, heads)
			if err != nil {
				t.Fatal(err)
			}
			versions := map[string][]int64{}
			for id, evs := range got {
				for _, e := range evs {
					if e.StreamID != id {
						t.Errorf("%s's events hold one of %s", id, e.StreamID)
					}
					versions[id] = append(versions[id], e.StreamVersion)
				}
			}
			if fmt.Sprint(versions) != fmt.Sprint(want) {
				t.Fatalf("%T read %v, want %v", store, versions, want)
			}
		}
	})

	t.Run("a copied event keeps its recorded time", func(t *testing.T) {
		s := newStore(t)
		evs := NewEvents(2)
		then := time.Date(2024, 5, 1, 7, 30, 0, 123456000, time.UTC)
		evs[0].RecordedAt, evs[1].RecordedAt = then, then.Add(time.Hour)
		if _, err := s.Append(ctx, "thing-copied", events.NoStream(), Meta, evs...); err != nil {
			t.Fatal(err)
		}
		got, err := s.ReadStream(ctx, "thing-copied", events.ReadOptions{})
		if err != nil || len(got) != 2 || !got[0].RecordedAt.Equal(then) || !got[1].RecordedAt.Equal(then.Add(time.Hour)) {
			t.Fatalf("read %+v %v, want the recorded times given", got, err)
		}
		asOf, _ := s.ReadStream(ctx, "thing-copied", events.ReadOptions{AsOf: then.Add(time.Minute)})
		if len(asOf) != 1 {
			t.Fatalf("as of between the two: %d events, want 1", len(asOf))
		}
	})

	t.Run("read the whole log in batches", func(t *testing.T) {
		s := newStore(t)
		var want []uuid.UUID
		for i := range 7 {
			evs := NewEvents(3)
			for _, e := range evs {
				want = append(want, e.ID)
			}
			if _, err := s.Append(ctx, fmt.Sprintf("thing-log-%d", i%3), events.Any(), Meta, evs...); err != nil {
				t.Fatal(err)
			}
		}
		var got []events.Event
		var from events.Position
		// The log may withhold committed events while an older transaction anywhere on
		// the server is still open; they must show up once it ends, so read until all
		// are there or a generous deadline passes.
		for deadline := time.Now().Add(30 * time.Second); len(got) < len(want); {
			batch, err := s.ReadAll(ctx, from, 4)
			if err != nil {
				t.Fatal(err)
			}
			if len(batch) == 0 {
				if time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
				continue
			}
			if len(batch) > 4 {
				t.Fatalf("batch of %d, limit 4", len(batch))
			}
			for _, e := range batch {
				if e.Position().Compare(from) <= 0 {
					t.Fatalf("position %+v not after %+v", e.Position(), from)
				}
				from = e.Position()
			}
			got = append(got, batch...)
		}
		if len(got) != len(want) {
			t.Fatalf("read %d events, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i].ID != want[i] {
				t.Fatalf("event %d out of append order", i)
			}
			if got[i].Metadata != Meta {
				t.Fatalf("event %d read from the log has metadata %+v, want %+v", i, got[i].Metadata, Meta)
			}
		}
		pos, err := s.PositionOf(ctx, got[5].GlobalPosition)
		if err != nil || pos != got[5].Position() {
			t.Fatalf("position of %d: %+v %v", got[5].GlobalPosition, pos, err)
		}
		if _, err := s.PositionOf(ctx, 1<<60); !errors.Is(err, events.ErrNotFound) {
			t.Fatalf("position of a missing event: %v", err)
		}
	})

	t.Run("one organization's events up to an instant", func(t *testing.T) {
		s := newStore(t)
		other := Meta
		other.OrgID = 2
		then := time.Date(2024, 5, 1, 7, 30, 0, 0, time.UTC)
		var want []uuid.UUID
		for i := range 5 {
			evs := NewEvents(2)
			for j := range evs {
				evs[j].RecordedAt = then.Add(time.Duration(i) * time.Hour)
			}
			if i < 3 {
				for _, e := range evs {
					want = append(want, e.ID)
				}
			}
			if _, err := s.Append(ctx, fmt.Sprintf("thing-org-%d", i%2), events.Any(), Meta, evs...); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Append(ctx, fmt.Sprintf("thing-other-%d", i), events.Any(), other, NewEvents(1)...); err != nil {
				t.Fatal(err)
			}
		}
		// The third hour's events are the last ones recorded at or before the instant.
		// Both ways of reading are checked: the store's own (when it has one) and the
		// whole-log scan every store can serve, which, like ReadAll, may hold back
		// events while an older transaction anywhere on the server is still open.
		read := func(s events.Store, asOf time.Time) (got []uuid.UUID, batches int) {
			t.Helper()
			err := events.ReadOrg(ctx, s, Meta.OrgID, asOf, 4, func(evs []events.Event) error {
				batches++
				if len(evs) > 4 {
					t.Fatalf("batch of %d, limit 4", len(evs))
				}
				for _, e := range evs {
					got = append(got, e.ID)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return got, batches
		}
		for _, s := range []events.Store{s, struct{ events.Store }{s}} {
			got, batches := read(s, then.Add(2*time.Hour))
			for deadline := time.Now().Add(30 * time.Second); len(got) < len(want) && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
				got, batches = read(s, then.Add(2*time.Hour))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || batches != 2 {
				t.Fatalf("read %v in %d batches, want %v (the organization's first six events, in append order) in 2", got, batches, want)
			}
			if none, _ := read(s, then.Add(-time.Second)); len(none) != 0 {
				t.Fatalf("before the first event: %d events", len(none))
			}
		}
	})

	t.Run("metadata is required", func(t *testing.T) {
		s := newStore(t)
		for _, m := range []events.Metadata{{}, {OrgID: 1, ActorID: 1, ActorName: "x"}, {ActorID: 1, ActorName: "x", CorrelationID: "c"}} {
			if _, err := s.Append(ctx, "thing-5", events.Any(), m, NewEvents(1)...); !errors.Is(err, events.ErrMissingMetadata) {
				t.Fatalf("metadata %+v: %v", m, err)
			}
		}
		if got, _ := s.ReadStream(ctx, "thing-5", events.ReadOptions{}); len(got) != 0 {
			t.Fatalf("an append without metadata wrote %d events", len(got))
		}
	})
}
