package events

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Store is the event log. Every backend passes the contract suite in events/storetest.
type Store interface {
	// Append writes events to the end of a stream when the stream's version matches
	// expected, all or nothing. A mismatch is a *ConflictError. Appending event ids
	// the stream already holds, in the same order, returns the original result with
	// Idempotent set and writes nothing.
	Append(ctx context.Context, streamID string, expected ExpectedVersion, meta Metadata, evs ...NewEvent) (AppendResult, error)
	// ReadStream returns a stream's events in version order; a missing stream is empty.
	ReadStream(ctx context.Context, streamID string, opts ReadOptions) ([]Event, error)
	// ReadAll returns up to limit events after from, in subscriber order, never an
	// event that a transaction still in flight could precede.
	ReadAll(ctx context.Context, from Position, limit int) ([]Event, error)
	// PositionOf looks up where the event at a global position stands in subscriber
	// order, so a client can hand back a plain global position as a read token.
	PositionOf(ctx context.Context, globalPosition int64) (Position, error)
}

// StreamsReader is a Store that reads the beginnings of many streams in one request:
// what a projection that folds streams needs when a batch brings hundreds of streams
// it has no state for. ReadStreamHeads says how to read with any store.
type StreamsReader interface {
	// ReadStreams returns each named stream's events up to and including its
	// ToVersion, by stream, each in version order; a missing stream is absent.
	ReadStreams(ctx context.Context, heads []StreamHead) (map[string][]Event, error)
}

// HeadReader is a Store that can tell cheaply where the readable end of its log
// stands: the position of the last event ReadAll could return now (zero for none).
// Subscribers share one such read instead of each polling ReadAll.
type HeadReader interface {
	VisibleHead(ctx context.Context) (Position, error)
}

// StreamHead names a stream and the last of its versions a read wants.
type StreamHead struct {
	StreamID  string
	ToVersion int64
}

// ReadStreamHeads reads heads with one request when store is a StreamsReader, and
// stream by stream otherwise.
func ReadStreamHeads(ctx context.Context, store Store, heads []StreamHead) (map[string][]Event, error) {
	if r, ok := store.(StreamsReader); ok {
		return r.ReadStreams(ctx, heads)
	}
	out := make(map[string][]Event, len(heads))
	for _, h := range heads {
		if h.ToVersion < 1 { // to ReadStream, no bound at all
			continue
		}
		evs, err := store.ReadStream(ctx, h.StreamID, ReadOptions{FromVersion: 1, ToVersion: h.ToVersion})
		if err != nil {
			return nil, err
		}
		if len(evs) > 0 {
			out[h.StreamID] = evs
		}
	}
	return out, nil
}

// ReadOptions narrows a stream read. Zero values mean no bound.
type ReadOptions struct {
	FromVersion int64     // first version wanted (inclusive)
	ToVersion   int64     // last version wanted (inclusive)
	AsOf        time.Time // only events recorded at or before this instant
}

// AppendResult tells where an append left the stream and the log.
type AppendResult struct {
	StreamID string
	// FromVersion and ToVersion are the versions of the first and last appended event.
	FromVersion int64
	ToVersion   int64
	// Position is the subscriber-order position of the last appended event.
	Position   Position
	RecordedAt time.Time
	// Idempotent is true when the events were already in the log and nothing was written.
	Idempotent bool
}

// ExpectedVersion is the precondition of an append.
type ExpectedVersion struct {
	any     bool
	version int64
}

// Any accepts whatever version the stream has.
func Any() ExpectedVersion { return ExpectedVersion{any: true} }

// NoStream requires that the stream has no events yet.
func NoStream() ExpectedVersion { return ExpectedVersion{} }

// Exact requires the stream's last version to be v (0 means no stream).
func Exact(v int64) ExpectedVersion { return ExpectedVersion{version: v} }

// IsAny reports whether the append has no precondition.
func (e ExpectedVersion) IsAny() bool { return e.any }

// Version is the required last version, meaningful when IsAny is false.
func (e ExpectedVersion) Version() int64 { return e.version }

func (e ExpectedVersion) String() string {
	switch {
	case e.any:
		return "any"
	case e.version == 0:
		return "no stream"
	}
	return fmt.Sprintf("version %d", e.version)
}

// ErrConflict matches every *ConflictError with errors.Is.
var ErrConflict = errors.New("events: concurrency conflict")

// ConflictError says the stream was not at the expected version.
type ConflictError struct {
	StreamID string
	Expected ExpectedVersion
	Actual   int64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("events: stream %s expected %s, is at version %d", e.StreamID, e.Expected, e.Actual)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// ErrUnavailable marks a failure to reach the log, or of the log to serve now (a
// server down or restarting): what was asked may well succeed later.
var ErrUnavailable = errors.New("events: the event log is unavailable")

// ErrNotFound is returned by PositionOf for a position the log does not hold.
var ErrNotFound = errors.New("events: not found")
