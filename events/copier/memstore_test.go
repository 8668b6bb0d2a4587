package copier

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
)

// memStore is an in-memory events.Store that behaves as the ESDB store does where it
// matters to a copy: recording times to 100 ns, data kept byte for byte, retries of an
// append recognised by their ids. It stands in for the server the tests cannot run.
type memStore struct {
	mu      sync.Mutex
	log     []events.Event
	streams map[string][]int // indexes into log, in version order
}

func newMemStore() *memStore { return &memStore{streams: map[string][]int{}} }

func (s *memStore) Append(_ context.Context, streamID string, expected events.ExpectedVersion, meta events.Metadata, evs ...events.NewEvent) (events.AppendResult, error) {
	if err := meta.Validate(); err != nil {
		return events.AppendResult{}, err
	}
	if len(evs) == 0 {
		return events.AppendResult{}, errors.New("no events")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	idx := s.streams[streamID]
	version := int64(len(idx))
	// A retry: every id in the stream, consecutive and in order.
	for i, at := range idx {
		if s.log[at].ID != evs[0].ID {
			continue
		}
		if i+len(evs) > len(idx) {
			break
		}
		all := true
		for j, e := range evs {
			all = all && s.log[idx[i+j]].ID == e.ID
		}
		if all {
			last := s.log[idx[i+len(evs)-1]]
			return events.AppendResult{StreamID: streamID, FromVersion: int64(i + 1), ToVersion: last.StreamVersion,
				Position: last.Position(), RecordedAt: last.RecordedAt, Idempotent: true}, nil
		}
		break
	}
	for _, at := range idx {
		for _, e := range evs {
			if s.log[at].ID == e.ID {
				return events.AppendResult{}, &events.ConflictError{StreamID: streamID, Expected: expected, Actual: version}
			}
		}
	}
	if !expected.IsAny() && expected.Version() != version {
		return events.AppendResult{}, &events.ConflictError{StreamID: streamID, Expected: expected, Actual: version}
	}
	now := time.Now()
	var res events.AppendResult
	for i, e := range evs {
		at := e.RecordedAt
		if at.IsZero() {
			at = now
		}
		data := e.Data
		if len(data) == 0 {
			data = json.RawMessage("{}")
		}
		pos := int64(len(s.log) + 1)
		ev := events.Event{ID: e.ID, StreamID: streamID, StreamVersion: version + int64(i) + 1, GlobalPosition: pos,
			TransactionID: uint64(pos), Type: e.Type, SchemaVersion: max(e.SchemaVersion, 1),
			Data: slices.Clone(data), Metadata: meta, RecordedAt: at.UTC().Truncate(100 * time.Nanosecond)}
		s.log = append(s.log, ev)
		s.streams[streamID] = append(s.streams[streamID], len(s.log)-1)
		if i == 0 {
			res.FromVersion = ev.StreamVersion
		}
		res.ToVersion, res.Position, res.RecordedAt = ev.StreamVersion, ev.Position(), ev.RecordedAt
	}
	res.StreamID = streamID
	return res, nil
}

func (s *memStore) ReadStream(_ context.Context, streamID string, opts events.ReadOptions) ([]events.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []events.Event
	for _, at := range s.streams[streamID] {
		e := s.log[at]
		if e.StreamVersion < opts.FromVersion || (opts.ToVersion > 0 && e.StreamVersion > opts.ToVersion) ||
			(!opts.AsOf.IsZero() && e.RecordedAt.After(opts.AsOf)) {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

func (s *memStore) ReadAll(_ context.Context, from events.Position, limit int) ([]events.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []events.Event
	for _, e := range s.log {
		if e.Position().Compare(from) > 0 && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (s *memStore) PositionOf(_ context.Context, gp int64) (events.Position, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gp < 1 || gp > int64(len(s.log)) {
		return events.Position{}, events.ErrNotFound
	}
	return s.log[gp-1].Position(), nil
}

// appendRaw puts an event into a memStore as is: a test's way to build a log whose
// bytes differ from what PostgreSQL would keep.
func (s *memStore) appendRaw(streamID string, meta events.Metadata, typ, data string, at time.Time) events.AppendResult {
	res, err := s.Append(context.Background(), streamID, events.Any(), meta,
		events.NewEvent{ID: uuid.New(), Type: typ, SchemaVersion: 1, Data: json.RawMessage(data), RecordedAt: at})
	if err != nil {
		panic(err)
	}
	return res
}
