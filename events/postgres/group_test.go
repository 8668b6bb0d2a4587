package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/events/storetest"
	"github.com/strata-grc/strata/schema/testdb"
)

// groupCase is one append made while the store is held, and what it must get.
type groupCase struct {
	name     string
	stream   string
	expected events.ExpectedVersion
	evs      []events.NewEvent
	res      events.AppendResult
	err      error
}

// Appends queued behind one in flight are written together, and each gets the answer
// it would have got alone: a new stream, a right and a wrong expected version, "any",
// a retry of an append already stored, two appends to one stream (written in turn),
// and an append the database refuses, which fails alone without taking the others
// with it.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	s := postgres.New(db.Pool)
	mustAppend := func(stream string, n int) (events.AppendResult, []events.NewEvent) {
		t.Helper()
		evs := storetest.NewEvents(n)
		res, err := s.Append(ctx, stream, events.NoStream(), storetest.Meta, evs...)
		if err != nil {
			t.Fatal(err)
		}
		return res, evs
	}
	mustAppend("thing-exact", 2)
	mustAppend("thing-wrong", 3)
	mustAppend("thing-any", 1)
	retried, retriedEvs := mustAppend("thing-retry", 2)
	cases := []*groupCase{
		{name: "new stream", stream: "thing-new", expected: events.NoStream(), evs: storetest.NewEvents(3)},
		{name: "right version", stream: "thing-exact", expected: events.Exact(2), evs: storetest.NewEvents(1)},
		{name: "wrong version", stream: "thing-wrong", expected: events.Exact(1), evs: storetest.NewEvents(1)},
		{name: "any", stream: "thing-any", expected: events.Any(), evs: storetest.NewEvents(2)},
		{name: "retry", stream: "thing-retry", expected: events.NoStream(), evs: retriedEvs},
		{name: "same stream, first", stream: "thing-twice", expected: events.NoStream(), evs: storetest.NewEvents(1)},
		{name: "same stream, second", stream: "thing-twice", expected: events.Exact(1), evs: storetest.NewEvents(2)},
	}
	appendHeld(t, s, cases)

	byName := map[string]*groupCase{}
	for _, c := range cases {
		byName[c.name] = c
	}
	want := map[string][2]int64{ // from and to version
		"new stream": {1, 3}, "right version": {3, 3}, "any": {2, 3}, "same stream, first": {1, 1}, "same stream, second": {2, 3},
	}
	for name, v := range want {
		c := byName[name]
		if c.err != nil {
			t.Errorf("%s: %v", name, c.err)
			continue
		}
		if c.res.StreamID != c.stream || c.res.FromVersion != v[0] || c.res.ToVersion != v[1] || c.res.Idempotent {
			t.Errorf("%s: %+v, want versions %d to %d of %s", name, c.res, v[0], v[1], c.stream)
		}
		got, err := s.ReadStream(ctx, c.stream, events.ReadOptions{FromVersion: v[0], ToVersion: v[1]})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.evs) {
			t.Fatalf("%s: %d events stored from version %d, want %d", name, len(got), v[0], len(c.evs))
		}
		for i, e := range got {
			if e.ID != c.evs[i].ID || e.StreamVersion != v[0]+int64(i) || e.Metadata.CorrelationID != storetest.Meta.CorrelationID {
				t.Errorf("%s: stored event %d is %s at version %d, want %s at %d", name, i, e.ID, e.StreamVersion, c.evs[i].ID, v[0]+int64(i))
			}
		}
		last := got[len(got)-1]
		if c.res.Position.GlobalPosition != last.GlobalPosition || c.res.Position.TransactionID != last.TransactionID ||
			!c.res.RecordedAt.Equal(last.RecordedAt) {
			t.Errorf("%s: answered %+v at %v, stored %d/%d at %v", name, c.res.Position, c.res.RecordedAt,
				last.TransactionID, last.GlobalPosition, last.RecordedAt)
		}
	}
	// Those in the first group share its transaction.
	if a, b := byName["new stream"].res.Position.TransactionID, byName["right version"].res.Position.TransactionID; a != b {
		t.Errorf("two appends of one group committed in transactions %d and %d", a, b)
	}
	var conflict *events.ConflictError
	if c := byName["wrong version"]; !errors.As(c.err, &conflict) || conflict.Actual != 3 {
		t.Errorf("wrong version: %v, want a conflict with the stream at version 3", c.err)
	}
	if c := byName["retry"]; c.err != nil || !c.res.Idempotent || c.res.Position != retried.Position {
		t.Errorf("retry: %+v, %v; want the stored append's result %+v, marked idempotent", c.res, c.err, retried.Position)
	}
	// The first group writes four; the wrong version and the retry were written
	// alone, and the second append to thing-twice made a group of one, written alone.
	if n, groups := s.GroupStats(); n != 4 || groups != 1 {
		t.Errorf("%d appends were written in %d groups, want 4 in 1", n, groups)
	}
}

// appendHeld makes the cases' appends while the store is held, queued in their order,
// and returns when all have been answered.
func appendHeld(t *testing.T, s *postgres.Store, cases []*groupCase) {
	t.Helper()
	release := s.HoldGroups()
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.res, c.err = s.Append(context.Background(), c.stream, c.expected, storetest.Meta, c.evs...)
		}()
		// One at a time, so the queue holds them in this order.
		for deadline := time.Now().Add(10 * time.Second); s.Waiting() < i+1; {
			if time.Now().After(deadline) {
				release()
				t.Fatalf("%d appends queued, want %d", s.Waiting(), i+1)
			}
			time.Sleep(time.Millisecond)
		}
	}
	release()
	wg.Wait()
}

// An append the database refuses fails the group's statement; every append of the
// group is then written alone, so only the refused one fails.
func TestGroupCommitRefusedAppendFailsAlone(t *testing.T) {
	t.Parallel()
	s := postgres.New(testdb.New(t).Pool)
	bad := storetest.NewEvents(1)
	bad[0].Data = json.RawMessage(`{"not json`)
	cases := []*groupCase{
		{name: "before", stream: "thing-1", expected: events.NoStream(), evs: storetest.NewEvents(2)},
		{name: "refused", stream: "thing-2", expected: events.NoStream(), evs: bad},
		{name: "after", stream: "thing-3", expected: events.NoStream(), evs: storetest.NewEvents(1)},
	}
	appendHeld(t, s, cases)
	for _, c := range cases {
		switch {
		case c.name == "refused" && c.err == nil:
			t.Error("an event whose data is not JSON was stored")
		case c.name != "refused" && (c.err != nil || c.res.FromVersion != 1 || c.res.ToVersion != int64(len(c.evs))):
			t.Errorf("%s: %+v, %v; want it stored from version 1", c.name, c.res, c.err)
		}
	}
	if n, _ := s.GroupStats(); n != 0 {
		t.Errorf("%d appends counted as written in a group whose statement failed", n)
	}
}

// Many writers on a few streams with "any" and exact versions: every append that
// reports success is stored once, at the version it reported, and each stream's
// versions run without gaps.
func TestGroupCommitUnderContention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := postgres.New(testdb.New(t).Pool)
	const writers, each = 16, 25
	streams := []string{"thing-a", "thing-b", "thing-c", "thing-d"}
	type done struct {
		stream string
		res    events.AppendResult
		ids    []string
	}
	var mu sync.Mutex
	var all []done
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				stream := streams[(w+i)%len(streams)]
				evs := storetest.NewEvents(1 + i%3)
				expected := events.Any()
				if i%2 == 1 {
					v, err := s.ReadStream(ctx, stream, events.ReadOptions{})
					if err != nil {
						t.Error(err)
						return
					}
					expected = events.Exact(int64(len(v)))
				}
				res, err := s.Append(ctx, stream, expected, storetest.Meta, evs...)
				var conflict *events.ConflictError
				if errors.As(err, &conflict) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				d := done{stream: stream, res: res}
				for _, e := range evs {
					d.ids = append(d.ids, e.ID.String())
				}
				mu.Lock()
				all = append(all, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	stored := map[string]events.Event{}
	for _, stream := range streams {
		evs, err := s.ReadStream(ctx, stream, events.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range evs {
			if e.StreamVersion != int64(i+1) {
				t.Fatalf("%s: version %d at index %d", stream, e.StreamVersion, i)
			}
			stored[e.ID.String()] = e
		}
	}
	total := 0
	for _, d := range all {
		for i, id := range d.ids {
			e, ok := stored[id]
			if !ok || e.StreamID != d.stream || e.StreamVersion != d.res.FromVersion+int64(i) {
				t.Fatalf("an append answered %+v, but its event %s is stored as %+v (found %v)", d.res, id, e, ok)
			}
			total++
		}
	}
	if total != len(stored) {
		t.Errorf("%d events stored, %d reported appended", len(stored), total)
	}
	appends, groups := s.GroupStats()
	t.Logf("%d appends succeeded; %d written in %d groups", len(all), appends, groups)
}

// A group stops before the append that would take its data past 4 MiB, so large
// appends are written a few at a time; each is still stored whole.
func TestGroupCommitBoundsItsSize(t *testing.T) {
	t.Parallel()
	s := postgres.New(testdb.New(t).Pool)
	big := func() []events.NewEvent {
		evs := storetest.NewEvents(1)
		evs[0].Data = json.RawMessage(`{"text":"` + strings.Repeat("x", 3<<19) + `"}`)
		return evs
	}
	cases := []*groupCase{
		{name: "first", stream: "thing-1", expected: events.NoStream(), evs: big()},
		{name: "second", stream: "thing-2", expected: events.NoStream(), evs: big()},
		{name: "third", stream: "thing-3", expected: events.NoStream(), evs: big()},
	}
	appendHeld(t, s, cases)
	for _, c := range cases {
		if c.err != nil || c.res.ToVersion != 1 {
			t.Errorf("%s: %+v, %v", c.name, c.res, c.err)
		}
	}
	// Two of 1.5 MiB fit in 4 MiB; the third made a group of one, written alone.
	if n, groups := s.GroupStats(); n != 2 || groups != 1 {
		t.Errorf("%d appends were written in %d groups, want 2 in 1", n, groups)
	}
}
