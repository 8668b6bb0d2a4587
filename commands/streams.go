// Package commands holds what every module's command side shares: loading an
// aggregate from its stream, deciding, and appending with the version it was loaded at.
package commands

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/events"
)

// Aggregate is an aggregate's state as rebuilt from its stream.
type Aggregate[S any] struct {
	State S
	// Version is the stream's last version; 0 when the stream does not exist.
	Version int64
	// OrgID is the organization that owns the stream, from its first event.
	OrgID     int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Evolve applies one decoded event to a state. It never fails and never validates:
// the event already happened.
type Evolve[S any] func(state S, p events.Payload, e events.Event) S

// Streams loads and changes aggregates of one kind.
type Streams[S any] struct {
	Store    events.Store
	Registry *events.Registry
	// Name maps an entity id to its stream.
	Name   func(id int64) string
	Evolve Evolve[S]
	// Retries is how often a command without If-Match is re-decided after losing a
	// race to a concurrent change (default 8).
	Retries int
	// SharedAcrossOrgs marks streams that belong to no single organization (a user
	// acts in several): Execute skips its organization check and the caller checks
	// access instead. Each event is still filed under the organization in its metadata.
	SharedAcrossOrgs bool
}

// Result is where a command left the aggregate.
type Result struct {
	ID int64
	// Stream is the aggregate's stream; set when the command appended.
	Stream string
	// Version is the version of the record the command addressed: the stream's,
	// unless the record shares its stream with others and counts its own events.
	Version int64
	// StreamVersion is the stream's version after the command; with Stream it names
	// the write.
	StreamVersion int64
	// Position is the log position of the last event appended; zero when the command
	// changed nothing.
	Position events.Position
	Changed  bool
	// Appended are the events the command appended, and RecordedAt when: enough for
	// the answer to a creation without reading the stream back.
	Appended   []events.Payload
	RecordedAt time.Time
}

// Load rebuilds an aggregate from its stream, optionally only up to opts' bounds.
func (s *Streams[S]) Load(ctx context.Context, id int64, opts events.ReadOptions) (Aggregate[S], []events.Event, error) {
	var agg Aggregate[S]
	evs, err := s.Store.ReadStream(ctx, s.Name(id), opts)
	if err != nil {
		return agg, nil, err
	}
	agg, err = s.fold(agg, evs)
	return agg, evs, err
}

// Refresh brings an aggregate loaded earlier up to date, reading only the events
// appended since. The earlier state is left as it was only if Evolve copies what it
// changes, as an aggregate kept between calls needs.
func (s *Streams[S]) Refresh(ctx context.Context, id int64, agg Aggregate[S]) (Aggregate[S], error) {
	evs, err := s.Store.ReadStream(ctx, s.Name(id), events.ReadOptions{FromVersion: agg.Version + 1})
	if err != nil {
		return agg, err
	}
	return s.fold(agg, evs)
}

func (s *Streams[S]) fold(agg Aggregate[S], evs []events.Event) (Aggregate[S], error) {
	for _, e := range evs {
		p, err := s.Registry.Decode(e)
		if err != nil {
			return agg, err
		}
		if agg.Version == 0 {
			agg.OrgID, agg.CreatedAt = e.Metadata.OrgID, e.RecordedAt
		}
		agg.State = s.Evolve(agg.State, p, e)
		agg.Version, agg.UpdatedAt = e.StreamVersion, e.RecordedAt
	}
	return agg, nil
}

// Create appends the first events of a new stream.
func (s *Streams[S]) Create(ctx context.Context, id int64, meta events.Metadata, payloads ...events.Payload) (Result, error) {
	res, err := s.append(ctx, id, events.NoStream(), meta, payloads)
	if errors.Is(err, events.ErrConflict) {
		return Result{}, strata.Errorf(strata.Conflict, "%s already exists", s.Name(id))
	}
	return res, err
}

// AppendFacts adds events that depend on no state (a login, a logout) to an existing
// stream without a version check, so simultaneous ones never conflict.
func (s *Streams[S]) AppendFacts(ctx context.Context, id int64, meta events.Metadata, payloads ...events.Payload) (Result, error) {
	first, err := s.Store.ReadStream(ctx, s.Name(id), events.ReadOptions{ToVersion: 1})
	if err != nil {
		return Result{}, err
	}
	if len(first) == 0 || (first[0].Metadata.OrgID != meta.OrgID && !s.SharedAcrossOrgs) {
		return Result{}, strata.Errorf(strata.NotFound, "not found")
	}
	return s.append(ctx, id, events.Any(), meta, payloads)
}

// streamTurns queues the commands on each stream in this process.
var streamTurns = newLockTable()

// Decide is a command's decision over the current state.
type Decide[S any] func(agg Aggregate[S]) ([]events.Payload, error)

// Execute loads an aggregate of the caller's organization, decides and appends at the
// loaded version. ifMatch, when set, is the version the client last saw: a stale one
// is a CONFLICT. Without it a lost race is decided again on the fresh state.
func (s *Streams[S]) Execute(ctx context.Context, id int64, ifMatch *int64, meta events.Metadata, decide Decide[S]) (Result, error) {
	// Commands on one stream in this process take turns; only writers in other
	// processes can still collide, and those are decided again.
	unlock, err := streamTurns.lock(ctx, s.Name(id))
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	retries := s.Retries
	if retries <= 0 {
		retries = 8
	}
	for attempt := 0; ; attempt++ {
		agg, _, err := s.Load(ctx, id, events.ReadOptions{})
		if err != nil {
			return Result{}, err
		}
		if agg.Version == 0 || (agg.OrgID != meta.OrgID && !s.SharedAcrossOrgs) {
			return Result{}, strata.Errorf(strata.NotFound, "not found")
		}
		if ifMatch != nil && *ifMatch != agg.Version {
			return Result{}, staleVersion(*ifMatch, agg.Version)
		}
		payloads, err := decide(agg)
		if err != nil {
			return Result{}, err
		}
		if len(payloads) == 0 {
			return Result{ID: id, Version: agg.Version, StreamVersion: agg.Version}, nil
		}
		res, err := s.append(ctx, id, events.Exact(agg.Version), meta, payloads)
		if errors.Is(err, events.ErrConflict) {
			if ifMatch != nil {
				return Result{}, staleVersion(*ifMatch, agg.Version+1)
			}
			if attempt < retries {
				// A crowd of writers on one stream spreads out instead of colliding
				// again at once.
				if err := pause(ctx, rand.N(time.Duration(attempt+1)*2*time.Millisecond)); err != nil {
					return Result{}, err
				}
				continue
			}
			return Result{}, strata.Errorf(strata.Conflict, "the record kept changing while this change was made; try again")
		}
		return res, err
	}
}

func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func staleVersion(sent, current int64) error {
	return strata.Errorf(strata.Conflict, "version %d is stale: the record was changed by someone else (now at version %d or later)", sent, current)
}

func (s *Streams[S]) append(ctx context.Context, id int64, expected events.ExpectedVersion, meta events.Metadata, payloads []events.Payload) (Result, error) {
	evs := make([]events.NewEvent, len(payloads))
	for i, p := range payloads {
		e, err := s.Registry.Encode(p)
		if err != nil {
			return Result{}, err
		}
		evs[i] = e
	}
	res, err := s.Store.Append(ctx, s.Name(id), expected, meta, evs...)
	if err != nil {
		return Result{}, err
	}
	return Result{ID: id, Stream: res.StreamID, Version: res.ToVersion, StreamVersion: res.ToVersion, Position: res.Position, Changed: true, Appended: payloads,
		RecordedAt: res.RecordedAt}, nil
}
