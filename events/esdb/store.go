package esdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	es "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
)

// Options configure a Store.
type Options struct {
	// Namespace is put in front of every stream name, and ReadAll returns only streams
	// that start with it. Tests use a fresh one to get an empty log on a shared server;
	// production leaves it empty so streams keep their Strata names (risk-42).
	Namespace string
	// IdempotencyWindow is how many of a stream's latest events an append searches for
	// its event ids before writing; zero means 64. A retry of an append that has since
	// been followed by more events than this is not recognised by the store (the
	// server still refuses it, or deduplicates it silently, depending on the expected
	// version; see the package documentation).
	IdempotencyWindow int
	// StreamKinds are the prefixes of Strata's stream names (risk-, control-, ...).
	// When set, ReadAll and Follow see only streams of those kinds, so a server that
	// other applications share is safe to read; empty means every stream in the
	// namespace that is not a system stream.
	StreamKinds []string
}

const defaultIdempotencyWindow = 64

// minReadAllPage is the fewest records ReadAll asks the server for at a time. The v4
// client cannot filter a read of $all on the server, so ReadAll skips system events and
// other namespaces itself; bigger pages mean fewer round trips past them.
const minReadAllPage = 512

// Store implements events.Store on EventStoreDB/KurrentDB. It is safe for concurrent
// use, as the client is.
type Store struct {
	client *es.Client
	ns     string
	kinds  []string
	window int
	owned  bool // Close closes the client: Open made it
}

var _ events.Store = (*Store)(nil)

// New returns a store on client. The client stays the caller's: Close leaves it open.
func New(client *es.Client, opts Options) *Store {
	window := opts.IdempotencyWindow
	if window <= 0 {
		window = defaultIdempotencyWindow
	}
	return &Store{client: client, ns: opts.Namespace, kinds: opts.StreamKinds, window: window}
}

// Open connects to the server at url (esdb://localhost:2113?tls=false, or any
// connection string the client accepts) and checks that it answers and lets this user
// read $all, which ReadAll and PositionOf need. The client logs to the console, as the
// v4 client does by default; to log elsewhere, make the client and use New.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if strings.HasPrefix(opts.Namespace, "$") {
		return nil, fmt.Errorf("esdb: namespace %q would put Strata's streams among the system streams", opts.Namespace)
	}
	cfg, err := es.ParseConnectionString(url)
	if err != nil {
		return nil, fmt.Errorf("esdb: %w", err)
	}
	client, err := es.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("esdb: %w", err)
	}
	s := New(client, opts)
	s.owned = true
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("esdb: %s: %w", cfg.Address, err)
	}
	return s, nil
}

// Ping reads the last record of $all: the server answers and lets this user read the
// log, which ReadAll, PositionOf and Follow need.
func (s *Store) Ping(ctx context.Context) (err error) {
	defer func() { err = unreachable(err) }()
	rs, err := s.client.ReadAll(ctx, es.ReadAllOptions{Direction: es.Backwards, From: es.End{}}, 1)
	if err == nil {
		err = drain(rs, func(*es.RecordedEvent) (bool, error) { return false, nil })
	}
	if err != nil {
		return fmt.Errorf("reading $all: %w", err)
	}
	return nil
}

// Close releases the client if Open made it.
func (s *Store) Close() {
	if s.owned {
		_ = s.client.Close() // always nil in v4
	}
}

// Append implements events.Store. See the package documentation for how retries are
// recognised.
func (s *Store) Append(ctx context.Context, streamID string, expected events.ExpectedVersion, meta events.Metadata, evs ...events.NewEvent) (_ events.AppendResult, err error) {
	defer func() { err = unreachable(err) }()
	if err := meta.Validate(); err != nil {
		return events.AppendResult{}, err
	}
	if len(evs) == 0 {
		return events.AppendResult{}, errors.New("events: append needs at least one event")
	}
	name, err := streamName(s.ns, streamID)
	if err != nil {
		return events.AppendResult{}, err
	}
	want, err := expectedRevision(expected)
	if err != nil {
		return events.AppendResult{}, err
	}
	data, ids, err := toEventData(meta, evs)
	if err != nil {
		return events.AppendResult{}, err
	}

	// The server recognises a retry only in some cases and then reports an ordinary
	// success, so look for the ids first.
	tail, before, err := s.tail(ctx, name, len(ids))
	if err != nil {
		return events.AppendResult{}, err
	}
	if res, done, err := settle(streamID, expected, tail, before, ids); done {
		return res, err
	}

	wr, err := s.client.AppendToStream(ctx, name, es.AppendToStreamOptions{ExpectedRevision: want}, data...)
	if isWrongExpectedVersion(err) {
		// An identical append may have landed since the search: that is a retry too.
		tail, now, rerr := s.tail(ctx, name, len(ids))
		if rerr != nil {
			return events.AppendResult{}, rerr
		}
		if res, done, err := settle(streamID, expected, tail, now, ids); done {
			return res, err
		}
		actual, ok := actualVersion(err)
		if !ok {
			actual = now
		}
		return events.AppendResult{}, &events.ConflictError{StreamID: streamID, Expected: expected, Actual: actual}
	}
	if err != nil {
		return events.AppendResult{}, fmt.Errorf("esdb: append to %s: %w", name, err)
	}

	// The write result has no timestamp, and its position is not guaranteed to be the
	// last event's as a stream read reports it, so read the last event back.
	last, err := s.eventAt(ctx, name, wr.NextExpectedVersion)
	if err != nil {
		return events.AppendResult{}, err
	}
	if last.ID != ids[len(ids)-1] {
		return events.AppendResult{}, fmt.Errorf("esdb: append to %s succeeded but event %d is %s, not the appended %s",
			name, last.StreamVersion, last.ID, ids[len(ids)-1])
	}
	to := last.StreamVersion
	return events.AppendResult{
		StreamID:    streamID,
		FromVersion: to - int64(len(ids)) + 1,
		ToVersion:   to,
		Position:    last.Position(),
		RecordedAt:  last.RecordedAt,
		// Ending at or below the version seen before writing means the server found
		// the ids further back than the search window and wrote nothing.
		Idempotent: to <= before,
	}, nil
}

// settle decides an append from what the stream holds: the original result for a
// retry, a conflict for a batch that mixes stored ids with new ones, or done=false
// when none of the ids are there and the append should go ahead.
func settle(streamID string, expected events.ExpectedVersion, tail []events.Event, version int64, ids []uuid.UUID) (res events.AppendResult, done bool, err error) {
	kind, first := findStored(tail, ids)
	switch kind {
	case storedAll:
		return retryResult(streamID, tail[first:first+len(ids)]), true, nil
	case storedSome:
		return events.AppendResult{}, true, fmt.Errorf("events: stream %s already holds some of these event ids, but not all of them in this order: %w",
			streamID, &events.ConflictError{StreamID: streamID, Expected: expected, Actual: version})
	}
	return events.AppendResult{}, false, nil
}

// tail returns the stream's latest events (the search window plus n), oldest first,
// and the stream's version (0: no stream).
func (s *Store) tail(ctx context.Context, name string, n int) ([]events.Event, int64, error) {
	var out []events.Event
	var version int64
	err := s.readStream(ctx, name, es.ReadStreamOptions{Direction: es.Backwards, From: es.End{}}, uint64(s.window+n),
		func(r *es.RecordedEvent) (bool, error) {
			version = max(version, versionOf(r.EventNumber))
			if strings.HasPrefix(r.EventType, "$") {
				return true, nil
			}
			e, err := toEvent(s.ns, r)
			if err != nil {
				return false, err
			}
			out = append(out, e)
			return true, nil
		})
	if err != nil {
		return nil, 0, err
	}
	slices.Reverse(out)
	return out, version, nil
}

// eventAt reads the event at one revision of a stream.
func (s *Store) eventAt(ctx context.Context, name string, revision uint64) (events.Event, error) {
	var got []events.Event
	err := s.readStream(ctx, name, es.ReadStreamOptions{Direction: es.Forwards, From: es.Revision(revision)}, 1,
		func(r *es.RecordedEvent) (bool, error) {
			e, err := toEvent(s.ns, r)
			got = append(got, e)
			return false, err
		})
	if err != nil {
		return events.Event{}, err
	}
	if len(got) != 1 || got[0].StreamVersion != versionOf(revision) {
		return events.Event{}, fmt.Errorf("esdb: %s has no event at version %d", name, versionOf(revision))
	}
	return got[0], nil
}

// ReadStream implements events.Store.
func (s *Store) ReadStream(ctx context.Context, streamID string, opts events.ReadOptions) (_ []events.Event, err error) {
	defer func() { err = unreachable(err) }()
	name, err := streamName(s.ns, streamID)
	if err != nil {
		return nil, err
	}
	from, count, ok := streamRange(opts)
	if !ok {
		return nil, nil
	}
	var out []events.Event
	err = s.readStream(ctx, name, es.ReadStreamOptions{Direction: es.Forwards, From: es.Revision(from)}, count,
		func(r *es.RecordedEvent) (bool, error) {
			if strings.HasPrefix(r.EventType, "$") {
				return true, nil
			}
			e, err := toEvent(s.ns, r)
			if err != nil {
				return false, err
			}
			// A filter, not a stop: recording times need not rise with the version
			// when clocks of cluster nodes disagree or events were copied in.
			if visibleAsOf(e.RecordedAt, opts.AsOf) {
				out = append(out, e)
			}
			return true, nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadAll implements events.Store. $all only ever holds committed events, in the order
// they were committed, so nothing can later appear before the last event returned.
func (s *Store) ReadAll(ctx context.Context, from events.Position, limit int) (_ []events.Event, err error) {
	defer func() { err = unreachable(err) }()
	if limit <= 0 {
		limit = 500
	}
	start, err := readFrom(from)
	if err != nil {
		return nil, err
	}
	page := max(limit, minReadAllPage)
	after := from
	var out []events.Event
	for {
		seen := 0
		var last es.Position
		rs, err := s.client.ReadAll(ctx, es.ReadAllOptions{Direction: es.Forwards, From: start}, uint64(page))
		if err == nil {
			err = drain(rs, func(r *es.RecordedEvent) (bool, error) {
				seen++
				last = r.Position
				// Forward reads start at their position inclusively.
				if positionOf(r.Position).Compare(after) <= 0 || !isStrataRecord(s.ns, s.kinds, r.StreamID, r.EventType) {
					return true, nil
				}
				e, err := toEvent(s.ns, r)
				if err != nil {
					return false, err
				}
				out = append(out, e)
				return len(out) < limit, nil
			})
		}
		if err != nil {
			return nil, fmt.Errorf("esdb: read $all: %w", err)
		}
		if len(out) >= limit || seen < page {
			return out, nil
		}
		// A full page of records without enough of Strata's: go on after it.
		start, after = last, positionOf(last)
	}
}

// PositionOf implements events.Store. It returns
// Position{TransactionID: uint64(gp), GlobalPosition: gp} for an event of this store's
// streams at prepare position gp, and ErrNotFound for anything else: every event
// appended over gRPC commits itself, so its commit position is its prepare position.
// It still reads the log rather than computing the answer, to say ErrNotFound
// truthfully; that costs one read of one event. A gp between two records is not a
// position the server can start a read at and may come back as a server error rather
// than ErrNotFound.
func (s *Store) PositionOf(ctx context.Context, globalPosition int64) (_ events.Position, err error) {
	defer func() { err = unreachable(err) }()
	if globalPosition < 0 {
		return events.Position{}, events.ErrNotFound
	}
	want := tokenPosition(globalPosition)
	start, err := readFrom(want)
	if err != nil {
		return events.Position{}, err
	}
	found := false
	rs, err := s.client.ReadAll(ctx, es.ReadAllOptions{Direction: es.Forwards, From: start}, 1)
	if err == nil {
		err = drain(rs, func(r *es.RecordedEvent) (bool, error) {
			found = positionOf(r.Position) == want && isStrataRecord(s.ns, s.kinds, r.StreamID, r.EventType)
			return false, nil
		})
	}
	if err != nil {
		return events.Position{}, fmt.Errorf("esdb: read $all at %d: %w", globalPosition, err)
	}
	if !found {
		return events.Position{}, events.ErrNotFound
	}
	return want, nil
}

// readStream reads a stream, handing each record to fn.
func (s *Store) readStream(ctx context.Context, name string, opts es.ReadStreamOptions, count uint64, fn func(*es.RecordedEvent) (bool, error)) error {
	rs, err := s.client.ReadStream(ctx, name, opts, count)
	if err == nil {
		err = drain(rs, fn)
	}
	if err != nil {
		return fmt.Errorf("esdb: read %s: %w", name, err)
	}
	return nil
}

// drain receives a read's records until it ends or fn returns false or an error, and
// closes it. A missing stream reads as no records.
func drain(rs *es.ReadStream, fn func(*es.RecordedEvent) (bool, error)) error {
	defer rs.Close()
	for {
		resolved, err := rs.Recv()
		if errors.Is(err, io.EOF) || isStreamNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		// Links are not resolved, so the original record is the one that was read.
		r := resolved.OriginalEvent()
		if r == nil {
			continue
		}
		more, err := fn(r)
		if err != nil || !more {
			return err
		}
	}
}

var _ events.Follower = (*Store)(nil)

// Follow implements events.Follower with a catch-up subscription to $all from the
// given position, filtered on the server: no system events, and only the namespace's
// streams when there is one. A dropped subscription ends with its error; the caller
// (projections) starts a new one from its checkpoint.
func (s *Store) Follow(ctx context.Context, from events.Position) (_ events.Subscription, err error) {
	defer func() { err = unreachable(err) }()
	start, err := readFrom(from)
	if err != nil {
		return nil, err
	}
	return events.NewSubscription(ctx, 256, func(ctx context.Context, out chan<- events.Event) error {
		// Opened here, under the subscription's own context, so Close interrupts Recv.
		sub, err := s.client.SubscribeToAll(ctx, es.SubscribeToAllOptions{From: start, Filter: followFilter(s.ns, s.kinds)})
		if err != nil {
			return fmt.Errorf("esdb: subscribe to $all: %w", err)
		}
		defer sub.Close()
		for {
			msg := sub.Recv()
			switch {
			case msg.SubscriptionDropped != nil:
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("esdb: subscription to $all dropped: %w", msg.SubscriptionDropped.Error)
			case msg.EventAppeared != nil:
				e, ok, err := followed(s.ns, s.kinds, msg.EventAppeared.OriginalEvent(), from)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				select {
				case out <- e:
				case <-ctx.Done():
					return nil
				}
			}
		}
	}), nil
}
