package copier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/schema/testdb"
)

// fill writes a log like a busy organization's: streams of three kinds, appends of one
// to four events by several actors at once (so runs of a stream share metadata only
// sometimes), events recorded long ago with explicit times on every fourth stream, and
// data whose key order, spacing and numbers jsonb rewrites. Writers work in parallel,
// so the log's transaction order interleaves streams as production's does. It returns
// the stream ids.
func fill(t testing.TB, s events.Store, streams, eventsWanted int, seed uint64) []string {
	t.Helper()
	ids := make([]string, streams)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%d", []string{"risk", "control", "user"}[i%3], i)
	}
	actors := []events.Metadata{
		{OrgID: 1, ActorID: 7, ActorName: "Ada", IP: "10.0.0.7", UserAgent: "Firefox"},
		{OrgID: 1, ActorID: 9, ActorName: "Grace"},
		{OrgID: 1, ActorName: events.System, UserAgent: "strata import"},
		{OrgID: 2, ActorID: 11, ActorName: "Linus", CausationID: "cause-1"},
	}
	const writers = 4
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			var mine []int
			for i := w; i < streams; i += writers {
				mine = append(mine, i)
			}
			version := make(map[int]int)
			lastMeta := make(map[int]events.Metadata)
			for n := 0; n < eventsWanted/writers; {
				i := mine[rng.IntN(len(mine))]
				meta, ok := lastMeta[i]
				// Often the same request goes on writing to the stream: such appends
				// are consecutive in the stream with identical metadata.
				if !ok || rng.IntN(10) < 6 {
					meta = actors[rng.IntN(len(actors))]
					meta.CorrelationID = fmt.Sprintf("req-%d-%d", w, n)
				}
				lastMeta[i] = meta
				evs := make([]events.NewEvent, 1+rng.IntN(4))
				for k := range evs {
					version[i]++
					v := version[i]
					evs[k] = events.NewEvent{ID: uuid.New(), Type: []string{"Created", "Renamed", "Scored", "Closed"}[v%4],
						SchemaVersion: 1 + v%3,
						Data: json.RawMessage(fmt.Sprintf(`{"title": "Item %d — ünïcode ✓ <&>", "score": %d.50, "v": %d,
							"tags": ["b", "a"], "nested": {"z": 1e2, "a": null, "t": true}}`, i, v, v))}
					if i%4 == 0 {
						// An event imported from an older system, recorded years ago.
						evs[k].RecordedAt = time.Date(2019, 3, 1, 9, 0, 0, 0, time.UTC).
							Add(time.Duration(v)*37*time.Minute + time.Duration(i*1000+v)*time.Microsecond)
					}
				}
				if _, err := s.Append(context.Background(), ids[i], events.Exact(int64(version[i]-len(evs))), meta, evs...); err != nil {
					errs <- err
					return
				}
				n += len(evs)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return ids
}

// readAll is a whole log in its order.
func readAll(t testing.TB, s events.Store) []events.Event {
	t.Helper()
	var out []events.Event
	var pos events.Position
	for {
		batch, err := s.ReadAll(context.Background(), pos, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) == 0 {
			return out
		}
		out = append(out, batch...)
		pos = batch[len(batch)-1].Position()
	}
}

// assertSameLogs checks a copy the long way, independently of Verify: the same events
// in the same global order, every stream read back alike, time travel alike.
func assertSameLogs(t testing.TB, src, dst events.Store) {
	t.Helper()
	ctx := context.Background()
	a, b := readAll(t, src), readAll(t, dst)
	if len(a) != len(b) {
		t.Fatalf("source has %d events, target %d", len(a), len(b))
	}
	streams := map[string]bool{}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].StreamID != b[i].StreamID || a[i].StreamVersion != b[i].StreamVersion {
			t.Fatalf("global order differs at %d: source %s %s/%d, target %s %s/%d", i,
				a[i].ID, a[i].StreamID, a[i].StreamVersion, b[i].ID, b[i].StreamID, b[i].StreamVersion)
		}
		streams[a[i].StreamID] = true
	}
	n := 0
	for id := range streams {
		x, err := src.ReadStream(ctx, id, events.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		y, err := dst.ReadStream(ctx, id, events.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(x) != len(y) {
			t.Fatalf("stream %s: %d events in the source, %d in the target", id, len(x), len(y))
		}
		for i := range x {
			assertSameEvent(t, x[i], y[i])
		}
		// Time travel to the middle of the stream answers alike on both sides.
		if n++; n%5 == 0 {
			asOf := x[len(x)/2].RecordedAt
			p, _ := src.ReadStream(ctx, id, events.ReadOptions{AsOf: asOf})
			q, _ := dst.ReadStream(ctx, id, events.ReadOptions{AsOf: asOf})
			if len(p) == 0 || !slices.EqualFunc(p, q, func(e, f events.Event) bool { return e.ID == f.ID }) {
				t.Fatalf("stream %s as of %s: source has %d events, target %d", id, asOf, len(p), len(q))
			}
		}
	}
}

func assertSameEvent(t testing.TB, x, y events.Event) {
	t.Helper()
	dx, _ := CanonicalJSON(x.Data)
	dy, _ := CanonicalJSON(y.Data)
	if x.ID != y.ID || x.StreamID != y.StreamID || x.StreamVersion != y.StreamVersion || x.Type != y.Type ||
		x.SchemaVersion != y.SchemaVersion || string(dx) != string(dy) || x.Metadata != y.Metadata ||
		!x.RecordedAt.Truncate(time.Microsecond).Equal(y.RecordedAt.Truncate(time.Microsecond)) {
		t.Fatalf("events differ:\nsource %+v\ntarget %+v", x, y)
	}
}

// cancelAfterReads cancels the copy once it has read a number of batches: an operator
// pressing Ctrl-C.
type cancelAfterReads struct {
	events.Store
	reads  atomic.Int32
	after  int32
	cancel context.CancelFunc
}

func (s *cancelAfterReads) ReadAll(ctx context.Context, from events.Position, limit int) ([]events.Event, error) {
	evs, err := s.Store.ReadAll(ctx, from, limit)
	if s.reads.Add(1) == s.after {
		s.cancel()
	}
	return evs, err
}

var errCrash = errors.New("connection lost")

// tampered hands out a source log with changes, to build a target that differs.
type tampered struct {
	events.Store
	change func(events.Event) (events.Event, bool) // false drops the event
}

func (s *tampered) ReadAll(ctx context.Context, from events.Position, limit int) ([]events.Event, error) {
	for {
		evs, err := s.Store.ReadAll(ctx, from, limit)
		if err != nil || len(evs) == 0 {
			return evs, err
		}
		var out []events.Event
		for _, e := range evs {
			if e, keep := s.change(e); keep {
				out = append(out, e)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
		from = evs[len(evs)-1].Position()
	}
}

// pgStore is a PostgreSQL event log in a fresh schema, settling on the test server.
func pgStore(t testing.TB) Settler {
	db := testdb.New(t)
	return postgres.New(db.Pool)
}

// settledCount is how many events a PostgreSQL log shows once caught up.
func settledCount(t testing.TB, s Settler) int64 {
	t.Helper()
	if err := s.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	return int64(len(readAll(t, s)))
}

// TestCopyWholeLog copies a log of some thousands of events into an empty one and
// checks the result the long way.
func TestCopyWholeLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := pgStore(t)
	start := time.Now()
	streams := fill(t, src, 200, 3000, 1)
	all := readAll(t, src)
	total := settledCount(t, src)
	t.Logf("source: %d events in %d streams, written in %s", total, len(streams), time.Since(start).Round(time.Millisecond))
	all = readAll(t, src)

	dst := pgStore(t)
	state := filepath.Join(t.TempDir(), "copy.state")
	var mu sync.Mutex
	var calls []Progress
	rep, err := Copy(ctx, src, dst, Options{State: state, Progress: func(p Progress) {
		mu.Lock()
		calls = append(calls, p)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Read != total || rep.Copied != total || rep.AlreadyPresent != 0 || rep.Verify == nil ||
		rep.Verify.SourceEvents != total || rep.Verify.TargetStreams != len(streams) {
		t.Fatalf("report %+v, verify %+v", rep, rep.Verify)
	}
	// The rate of a copy between two schemas of one local server, with the race
	// detector on when the test runs with -race.
	t.Logf("copied %d events in %s: %.0f events/s; verified in %s", rep.Copied, rep.Elapsed.Round(time.Millisecond),
		float64(rep.Copied)/rep.Elapsed.Seconds(), rep.Verify.Elapsed.Round(time.Millisecond))
	assertSameLogs(t, src, dst)

	mu.Lock()
	defer mu.Unlock()
	var copyDone, verifyDone *Progress
	for i, p := range calls {
		switch {
		case p.Done && p.Phase == PhaseCopy:
			copyDone = &calls[i]
		case p.Done && p.Phase == PhaseVerify:
			verifyDone = &calls[i]
		}
	}
	if copyDone == nil || copyDone.Copied != total || copyDone.Rate <= 0 || copyDone.Position != all[len(all)-1].Position() ||
		verifyDone == nil || verifyDone.Read != 2*total {
		t.Fatalf("progress calls: %+v", calls)
	}
	st, ok, err := loadState(state)
	if err != nil || !ok || st.Events != total || st.LastEvent.EventID != all[len(all)-1].ID {
		t.Fatalf("state after the copy: %+v %v %v", st, ok, err)
	}

	// Run again: nothing new to copy, and the copy is verified again.
	again, err := Copy(ctx, src, dst, Options{State: state})
	if err != nil || again.Read != 0 || again.ResumedFrom != st.Position || again.Verify == nil {
		t.Fatalf("second run: %+v %v", again, err)
	}
}

// crashAt fails the append that carries event id: a copy dying mid-batch.
type crashAt struct {
	events.Store
	id uuid.UUID
}

func (s *crashAt) Append(ctx context.Context, streamID string, expected events.ExpectedVersion, meta events.Metadata, evs ...events.NewEvent) (events.AppendResult, error) {
	for _, e := range evs {
		if e.ID == s.id {
			return events.AppendResult{}, errCrash
		}
	}
	return s.Store.Append(ctx, streamID, expected, meta, evs...)
}

// TestCopy interrupts copies, tampers with targets and puts obstacles in the way, on a
// smaller log.
func TestCopy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := pgStore(t)
	streams := fill(t, src, 40, 600, 2)
	total := settledCount(t, src)
	all := readAll(t, src)

	t.Run("resumes after a cancel", func(t *testing.T) {
		t.Parallel()
		dst := pgStore(t)
		state := filepath.Join(t.TempDir(), "copy.state")
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		// The fourth batch is read, then the operator interrupts.
		_, err := Copy(cctx, &cancelAfterReads{Store: src, after: 4, cancel: cancel}, dst, Options{State: state, BatchSize: 50})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted copy: %v", err)
		}
		st, ok, err := loadState(state)
		if err != nil || !ok || st.Events != 150 {
			t.Fatalf("state after three batches: %+v %v %v", st, ok, err)
		}
		rep, err := Copy(ctx, src, dst, Options{State: state, BatchSize: 50})
		if err != nil {
			t.Fatal(err)
		}
		if rep.ResumedFrom != st.Position || rep.Read != total-150 || rep.Copied+rep.AlreadyPresent != rep.Read {
			t.Fatalf("resumed copy: %+v", rep)
		}
		assertSameLogs(t, src, dst)
	})

	t.Run("resumes a half-done batch", func(t *testing.T) {
		t.Parallel()
		dst := pgStore(t)
		state := filepath.Join(t.TempDir(), "copy.state")
		// The third batch dies half way.
		if _, err := Copy(ctx, src, &crashAt{Store: dst, id: all[250].ID}, Options{State: state, BatchSize: 100}); !errors.Is(err, errCrash) {
			t.Fatalf("crashing copy: %v", err)
		}
		st, _, err := loadState(state)
		if err != nil {
			t.Fatal(err)
		}
		held := settledCount(t, dst)
		if st.Events != 200 || held <= st.Events {
			t.Fatalf("the crash should fall mid-batch: %d events held, %d recorded as done", held, st.Events)
		}
		rep, err := Copy(ctx, src, dst, Options{State: state, BatchSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		if rep.AlreadyPresent != held-st.Events || rep.Copied != total-held || rep.Read != total-st.Events {
			t.Fatalf("resumed copy %+v; %d held, %d done before", rep, held, st.Events)
		}
		assertSameLogs(t, src, dst)
	})

	t.Run("starts over without a state file", func(t *testing.T) {
		t.Parallel()
		dst := pgStore(t)
		// Tiny batches cut the runs elsewhere than the second copy will, so some of
		// its appends overlap what the target holds only in part.
		if _, err := Copy(ctx, src, &crashAt{Store: dst, id: all[300].ID}, Options{BatchSize: 7}); !errors.Is(err, errCrash) {
			t.Fatalf("crashing copy: %v", err)
		}
		held := settledCount(t, dst)
		rep, err := Copy(ctx, src, dst, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Restarted || rep.Read != total || rep.AlreadyPresent != held || rep.Copied != total-held {
			t.Fatalf("second copy %+v; %d were held", rep, held)
		}
		assertSameLogs(t, src, dst)
	})

	t.Run("verification finds differences", func(t *testing.T) {
		t.Parallel()
		dst := pgStore(t)
		missing, data, meta, when, count := streams[3], streams[5], streams[6], streams[8], streams[10]
		change := &tampered{Store: src, change: func(e events.Event) (events.Event, bool) {
			switch {
			case e.StreamID == missing:
				return e, false
			case e.StreamID == data && e.StreamVersion == 2:
				e.Data = json.RawMessage(strings.Replace(string(e.Data), `"v": 2`, `"v": 3`, 1))
			case e.StreamID == meta && e.StreamVersion == 1:
				e.Metadata.IP = "203.0.113.66"
			case e.StreamID == when && e.StreamVersion == 1:
				e.RecordedAt = e.RecordedAt.Add(time.Microsecond)
			}
			return e, true
		}}
		if _, err := Copy(ctx, change, dst, Options{SkipVerify: true}); err != nil {
			t.Fatal(err)
		}
		held, err := dst.ReadStream(ctx, count, events.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m := events.Metadata{OrgID: 1, ActorID: 1, ActorName: "Mallory", CorrelationID: "extra"}
		for _, s := range []string{count, "risk-extra"} {
			if _, err := dst.Append(ctx, s, events.Any(), m, events.NewEvent{ID: uuid.New(), Type: "Extra"}); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := Verify(ctx, src, dst, nil)
		var mm *MismatchError
		if !errors.As(err, &mm) || !errors.Is(err, ErrMismatch) {
			t.Fatalf("verify: %v", err)
		}
		want := VerifyReport{
			SourceEvents: total, TargetEvents: total - countOf(all, missing) + 2,
			SourceStreams: len(streams), TargetStreams: len(streams),
			MissingInTarget: []string{missing}, OnlyInTarget: []string{"risk-extra"},
			CountDiffers:    []StreamCounts{{StreamID: count, Source: int64(len(held)), Target: int64(len(held)) + 1}},
			ChecksumDiffers: sorted(data, meta, when),
			Elapsed:         rep.Elapsed,
		}
		if fmt.Sprint(rep) != fmt.Sprint(want) {
			t.Fatalf("report\n%+v\nwant\n%+v", rep, want)
		}
		for _, s := range []string{missing, "risk-extra", count, data} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("the error does not name %s: %v", s, err)
			}
		}
		// Accepting streams only the target holds leaves every other difference.
		if rep.Mismatch(true) == nil || strings.Contains(rep.Mismatch(true).Error(), "risk-extra") {
			t.Fatalf("allowing extra streams: %v", rep.Mismatch(true))
		}
	})

	t.Run("refuses a non-empty target", func(t *testing.T) {
		t.Parallel()
		dst := pgStore(t)
		m := events.Metadata{OrgID: 1, ActorID: 1, ActorName: "Admin", CorrelationID: "setup"}
		if _, err := dst.Append(ctx, "user-admin", events.NoStream(), m, events.NewEvent{ID: uuid.New(), Type: "UserCreated"}); err != nil {
			t.Fatal(err)
		}
		if _, err := Copy(ctx, src, dst, Options{}); !errors.Is(err, ErrTargetNotEmpty) {
			t.Fatalf("copy into a non-empty log: %v", err)
		}
		if n := len(readAll(t, dst)); n != 1 {
			t.Fatalf("a refused copy wrote %d events", n-1)
		}
		rep, err := Copy(ctx, src, dst, Options{AllowNonEmpty: true})
		if err != nil || rep.Copied != total || !slices.Equal(rep.Verify.OnlyInTarget, []string{"user-admin"}) {
			t.Fatalf("copy allowed into a non-empty log: %+v %v", rep, err)
		}
		// On its own, verification compares exactly.
		if _, err := Verify(ctx, src, dst, nil); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "user-admin") {
			t.Fatalf("verify: %v", err)
		}
	})

	t.Run("stops at a conflicting stream", func(t *testing.T) {
		t.Parallel()
		dst := pgStore(t)
		victim := streams[12]
		m := events.Metadata{OrgID: 1, ActorID: 1, ActorName: "Someone else", CorrelationID: "other"}
		if _, err := dst.Append(ctx, victim, events.NoStream(), m, events.NewEvent{ID: uuid.New(), Type: "Created"}); err != nil {
			t.Fatal(err)
		}
		_, err := Copy(ctx, src, dst, Options{AllowNonEmpty: true})
		var ce *ConflictError
		if !errors.As(err, &ce) || !errors.Is(err, ErrDiverged) || ce.StreamID != victim || ce.Version != 1 ||
			!strings.Contains(err.Error(), "stream "+victim+" version 1") {
			t.Fatalf("copy over a different stream: %v", err)
		}
		got, _ := dst.ReadStream(ctx, victim, events.ReadOptions{})
		if len(got) != 1 || got[0].Metadata != m {
			t.Fatalf("the conflicting stream was changed: %+v", got)
		}
	})
}

func TestCopyNamesAnEventIDHeldElsewhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, dst := newMemStore(), pgStore(t)
	m := events.Metadata{OrgID: 1, ActorID: 1, ActorName: "A", CorrelationID: "c"}
	src.appendRaw("risk-1", m, "Created", `{}`, time.Time{})
	taken := src.appendRaw("risk-2", m, "Created", `{}`, time.Time{})
	// The target's other stream holds the id of risk-2's first event.
	if _, err := dst.Append(ctx, "risk-9", events.NoStream(), m, events.NewEvent{ID: src.log[1].ID, Type: "Created"}); err != nil {
		t.Fatal(err)
	}
	_, err := Copy(ctx, src, dst, Options{AllowNonEmpty: true})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.StreamID != "risk-2" || ce.Version != taken.FromVersion || !strings.Contains(err.Error(), "another stream") {
		t.Fatalf("copy: %v", err)
	}
}

func countOf(evs []events.Event, stream string) int64 {
	var n int64
	for _, e := range evs {
		if e.StreamID == stream {
			n++
		}
	}
	return n
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

// TestCopyAcrossBackends copies a log kept as ESDB keeps it (100 ns times, data bytes
// as written, numbers such as 1e2) into PostgreSQL, which normalises both, and back.
func TestCopyAcrossBackends(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := newMemStore()
	base := time.Date(2024, 5, 1, 9, 30, 0, 123456789, time.UTC)
	m1 := events.Metadata{OrgID: 1, ActorID: 7, ActorName: "Ada", CorrelationID: "req-1", UserAgent: "curl"}
	m2 := events.Metadata{OrgID: 1, ActorID: 9, ActorName: "Grace", CorrelationID: "req-2"}
	for i := range 60 {
		m := m1
		if i%3 == 0 {
			m = m2
		}
		src.appendRaw(fmt.Sprintf("risk-%d", i%7), m, "Scored",
			fmt.Sprintf(`{ "z":%d, "a" : [1.50, 1e2, -0.0, "\u00fcber"], "big": 12345678901234567890 }`, i),
			base.Add(time.Duration(i)*time.Second+time.Duration(i)*100*time.Nanosecond))
	}
	pg := pgStore(t)
	if _, err := Copy(ctx, src, pg, Options{BatchSize: 16}); err != nil {
		t.Fatal(err)
	}
	assertSameLogs(t, src, pg)
	back := newMemStore()
	if _, err := Copy(ctx, pg, back, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(ctx, src, back, nil); err != nil {
		t.Fatal(err)
	}
	got, _ := pg.ReadStream(ctx, "risk-1", events.ReadOptions{})
	if string(got[0].Data) == string(src.log[1].Data) || !got[0].RecordedAt.Equal(src.log[1].RecordedAt.Truncate(time.Microsecond)) {
		t.Fatalf("the test means jsonb to rewrite the data and PostgreSQL to truncate the time: %s %s", got[0].Data, got[0].RecordedAt)
	}
}

func TestResumeRefusesAnotherCopysState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := events.Metadata{OrgID: 1, ActorID: 1, ActorName: "A", CorrelationID: "c"}
	a, b := newMemStore(), newMemStore()
	for i := range 5 {
		a.appendRaw("s-"+fmt.Sprint(i%2), m, "T", `{}`, time.Time{})
		b.appendRaw("s-"+fmt.Sprint(i%2), m, "T", `{}`, time.Time{})
	}
	state := filepath.Join(t.TempDir(), "s.state")
	if _, err := Copy(ctx, a, newMemStore(), Options{State: state}); err != nil {
		t.Fatal(err)
	}
	if _, err := Copy(ctx, b, newMemStore(), Options{State: state}); !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("another source: %v", err)
	}
	if _, err := Copy(ctx, a, newMemStore(), Options{State: state}); !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("another target: %v", err)
	}
	if err := os.WriteFile(state, []byte(`{"format":"something/9"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Copy(ctx, a, newMemStore(), Options{State: state}); err == nil || !strings.Contains(err.Error(), "something/9") {
		t.Fatalf("a state file of another format: %v", err)
	}
}

func TestStateFileIsReplacedWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "x.state")
	if _, ok, err := loadState(path); ok || err != nil {
		t.Fatalf("missing state file: %v %v", ok, err)
	}
	want := State{Position: events.Position{TransactionID: 812, GlobalPosition: 3000}, Events: 3000,
		LastEvent: EventRef{StreamID: "risk-17", StreamVersion: 9, EventID: uuid.New()}, UpdatedAt: time.Now().UTC().Round(0)}
	for range 3 {
		if err := saveState(path, want); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := loadState(path)
	want.Format = StateFormat
	if err != nil || !ok || got != want {
		t.Fatalf("got %+v, want %+v (%v)", got, want, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

// slowAppends makes the first append hang until until is closed (or half a minute
// passes): waiting on the event itself, not on a sleep a loaded machine can outrun.
type slowAppends struct {
	events.Store
	once  sync.Once
	until <-chan struct{}
}

func (s *slowAppends) Append(ctx context.Context, streamID string, expected events.ExpectedVersion, meta events.Metadata, evs ...events.NewEvent) (events.AppendResult, error) {
	s.once.Do(func() {
		select {
		case <-s.until:
		case <-time.After(30 * time.Second):
		}
	})
	return s.Store.Append(ctx, streamID, expected, meta, evs...)
}

func TestProgressWhileAnAppendHangs(t *testing.T) {
	t.Parallel()
	src := newMemStore()
	m := events.Metadata{OrgID: 1, ActorID: 1, ActorName: "A", CorrelationID: "c"}
	for range 3 {
		src.appendRaw("s", m, "T", `{}`, time.Time{})
	}
	var ticks, done atomic.Int32
	ticked := make(chan struct{})
	var tickOnce sync.Once
	_, err := Copy(context.Background(), src, &slowAppends{Store: newMemStore(), until: ticked}, Options{SkipVerify: true, Progress: func(p Progress) {
		if p.Done {
			done.Add(1)
		} else if p.Phase == PhaseCopy && p.Read == 3 && p.Copied == 0 {
			ticks.Add(1)
			tickOnce.Do(func() { close(ticked) })
		}
	}})
	// The append is held until progress is reported, so a copy that reported nothing
	// while it hung would wait out the half minute and fail here.
	if err != nil || ticks.Load() < 1 || done.Load() != 1 {
		t.Fatalf("%v; %d calls during the slow append, %d at the end", err, ticks.Load(), done.Load())
	}
}
