package esdb

// This file holds every translation between Strata's event model and EventStoreDB's as
// plain functions, so they can be tested without a server. store.go only moves data.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	es "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
)

// unknownPosition is what a server puts in a stream read's position fields when it
// cannot tell where the event stands in $all: servers before 22.6 always, newer ones for
// events written in explicit (legacy TCP) transactions.
const unknownPosition = math.MaxUint64

// versionOf turns an ESDB stream revision (the first event is 0) into a Strata stream
// version (the first event is 1).
func versionOf(revision uint64) int64 { return int64(revision) + 1 }

// revisionOf turns a Strata version of at least 1 into the revision of the same event.
func revisionOf(version int64) uint64 { return uint64(version - 1) }

// expectedRevision turns an append precondition into the client's. Exact(0) is the same
// precondition as NoStream, so both become es.NoStream.
func expectedRevision(e events.ExpectedVersion) (es.ExpectedRevision, error) {
	switch {
	case e.IsAny():
		return es.Any{}, nil
	case e.Version() == 0:
		return es.NoStream{}, nil
	case e.Version() < 0:
		return nil, fmt.Errorf("events: expected version %d is negative", e.Version())
	}
	return es.Revision(revisionOf(e.Version())), nil
}

// isWrongExpectedVersion reports whether the server refused an append because the
// stream was not at the expected revision.
func isWrongExpectedVersion(err error) bool {
	var e *es.Error
	return errors.As(err, &e) && e.Code() == es.ErrorCodeWrongExpectedVersion
}

// unreachable marks the errors that mean the server could not be reached or could
// not serve now as events.ErrUnavailable, so callers answer "try again later".
func unreachable(err error) error {
	var e *es.Error
	if err == nil || errors.Is(err, events.ErrUnavailable) || !errors.As(err, &e) {
		return err
	}
	switch e.Code() {
	case es.ErrorCodeDeadlineExceeded, es.ErrorCodeConnectionClosed, es.ErrorCodeNotLeader, es.ErrorCodeInternalClient:
		return fmt.Errorf("%w: %w", events.ErrUnavailable, err)
	}
	return err
}

// isStreamNotFound reports whether a read found no stream (never written, or deleted).
func isStreamNotFound(err error) bool {
	var e *es.Error
	return errors.As(err, &e) && e.Code() == es.ErrorCodeResourceNotFound
}

// currentRevision finds the revision in the v4 client's wrong-expected-version error,
// "wrong expected version: expecting '0' but got '1'": the client keeps the server's
// current revision only in that text.
var currentRevision = regexp.MustCompile(`but got '(no_stream|\d+)'`)

// actualVersion reads the stream's version at the moment of refusal out of a
// wrong-expected-version error. ok is false when the error does not say, and the caller
// must read the stream instead.
func actualVersion(err error) (version int64, ok bool) {
	if !isWrongExpectedVersion(err) {
		return 0, false
	}
	return versionInText(err.Error())
}

// versionInText finds the stream's version in the text of a wrong-expected-version
// error: "but got 'no_stream'" is version 0, "but got '4'" version 5.
func versionInText(msg string) (int64, bool) {
	m := currentRevision.FindStringSubmatch(msg)
	if m == nil {
		return 0, false
	}
	if m[1] == "no_stream" {
		return 0, true
	}
	rev, err := strconv.ParseUint(m[1], 10, 63)
	if err != nil {
		return 0, false
	}
	return versionOf(rev), true
}

// positionOf turns an ESDB log position into Strata's: TransactionID is the commit
// position and GlobalPosition the prepare position, so Position.Compare orders events
// as $all does (by commit, then prepare). A position the server did not know becomes
// the zero position rather than a huge or negative one.
func positionOf(p es.Position) events.Position {
	if p.Commit == unknownPosition || p.Prepare > math.MaxInt64 {
		return events.Position{}
	}
	return events.Position{TransactionID: p.Commit, GlobalPosition: int64(p.Prepare)}
}

// readFrom is where a forward $all read starts for Strata position p. Forward reads of
// $all include the event at the start position, so callers skip it themselves.
func readFrom(p events.Position) (es.AllPosition, error) {
	if p.IsZero() {
		return es.Start{}, nil
	}
	if p.GlobalPosition < 0 {
		return nil, fmt.Errorf("events: position %+v has a negative global position", p)
	}
	return es.Position{Commit: p.TransactionID, Prepare: uint64(p.GlobalPosition)}, nil
}

// tokenPosition is the position a plain global position names. Every event an ESDB
// client appends over gRPC commits itself: it is written as a prepare record flagged
// committed, so its commit position equals its prepare position (both are the record's
// log position). Only events from explicit transactions, which only the legacy TCP
// protocol can open, have a commit position after their prepare.
func tokenPosition(globalPosition int64) events.Position {
	return events.Position{TransactionID: uint64(globalPosition), GlobalPosition: globalPosition}
}

// StoredMetadata is the user metadata of every ESDB event the store writes: Strata's
// metadata fields at the top level (the JSON of events.Metadata), plus the event's
// schema version and, for events copied from another log, the instant that log
// recorded them. A copy tool writing events with this layout keeps their RecordedAt.
type StoredMetadata struct {
	events.Metadata
	SchemaVersion int `json:"schema_version"`
	// RecordedAt is omitted for events this store appends: the server's created
	// timestamp is their recording time.
	RecordedAt *time.Time `json:"recorded_at,omitempty"`
}

// encodeMetadata is the user metadata for one appended event. Schema versions below 1
// are stored as 1, as the postgres store does; a zero recordedAt is left out.
func encodeMetadata(meta events.Metadata, schemaVersion int, recordedAt time.Time) ([]byte, error) {
	m := StoredMetadata{Metadata: meta, SchemaVersion: max(schemaVersion, 1)}
	if !recordedAt.IsZero() {
		at := recordedAt.UTC()
		m.RecordedAt = &at
	}
	return json.Marshal(m)
}

// decodeMetadata reads user metadata written by encodeMetadata. An event without it is
// not one of Strata's, and the audit trail needs it, so it is an error.
func decodeMetadata(b []byte) (StoredMetadata, error) {
	var m StoredMetadata
	if len(bytes.TrimSpace(b)) == 0 {
		return m, errors.New("no metadata")
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, err
	}
	m.SchemaVersion = max(m.SchemaVersion, 1)
	return m, nil
}

// recordedAt is when the event entered Strata's log: the preserved instant for a copied
// event, else the server's created timestamp.
func recordedAt(created time.Time, m StoredMetadata) time.Time {
	if m.RecordedAt != nil && !m.RecordedAt.IsZero() {
		return m.RecordedAt.UTC()
	}
	return created
}

// visibleAsOf reports whether an event recorded at `at` belongs in a read as of asOf
// (zero asOf: no bound). It compares the same RecordedAt the read returns, so passing an
// event's RecordedAt back as AsOf includes that event.
func visibleAsOf(at, asOf time.Time) bool {
	return asOf.IsZero() || !at.After(asOf)
}

// streamName is the ESDB stream holding Strata stream id under namespace ns. Names
// starting with $ are system streams (ReadAll skips them and the server guards them), so
// they are refused.
func streamName(ns, id string) (string, error) {
	if id == "" {
		return "", errors.New("events: empty stream id")
	}
	name := ns + id
	if strings.HasPrefix(name, "$") {
		return "", fmt.Errorf("events: stream %q would be an EventStoreDB system stream", name)
	}
	return name, nil
}

// streamIDOf is the Strata stream id of ESDB stream name, or false when the stream is
// outside namespace ns.
func streamIDOf(ns, name string) (string, bool) {
	if !strings.HasPrefix(name, ns) || len(name) == len(ns) {
		return "", false
	}
	return name[len(ns):], true
}

// isStrataRecord reports whether a record read from $all belongs in ReadAll: not a
// system stream or system event ($-prefixed: statistics, projections, link events,
// stream metadata, tombstones), inside the namespace and, when kinds are given, of one
// of Strata's stream kinds.
func isStrataRecord(ns string, kinds []string, stream, eventType string) bool {
	if strings.HasPrefix(stream, "$") || strings.HasPrefix(eventType, "$") {
		return false
	}
	id, ok := streamIDOf(ns, stream)
	if !ok || len(kinds) == 0 {
		return ok
	}
	return slices.ContainsFunc(kinds, func(k string) bool { return strings.HasPrefix(id, k) })
}

// streamRange turns read options into the first revision to read and how many events
// to read; ok is false when the range is empty. Unbounded reads ask for MaxInt64, the
// official clients' "all of it", because the server counts in a signed integer.
func streamRange(opts events.ReadOptions) (from, count uint64, ok bool) {
	first := max(opts.FromVersion, 1)
	if opts.ToVersion <= 0 {
		return revisionOf(first), math.MaxInt64, true
	}
	if opts.ToVersion < first {
		return 0, 0, false
	}
	return revisionOf(first), uint64(opts.ToVersion - first + 1), true
}

// toEventData turns the events of one append into the client's proposals. Each carries
// its Strata id as the ESDB event id, which is what ESDB deduplicates on.
func toEventData(meta events.Metadata, evs []events.NewEvent) ([]es.EventData, []uuid.UUID, error) {
	out := make([]es.EventData, len(evs))
	ids := make([]uuid.UUID, len(evs))
	seen := make(map[uuid.UUID]bool, len(evs))
	for i, e := range evs {
		if e.ID == uuid.Nil || e.Type == "" {
			return nil, nil, fmt.Errorf("events: event %d needs an id and a type", i)
		}
		if strings.HasPrefix(e.Type, "$") {
			return nil, nil, fmt.Errorf("events: event type %q is reserved for EventStoreDB", e.Type)
		}
		if seen[e.ID] {
			return nil, nil, fmt.Errorf("events: event id %s twice in one append", e.ID)
		}
		seen[e.ID] = true
		data := []byte(e.Data)
		if len(bytes.TrimSpace(data)) == 0 {
			data = []byte("{}")
		}
		if !json.Valid(data) {
			return nil, nil, fmt.Errorf("events: event %d data is not JSON", i)
		}
		md, err := encodeMetadata(meta, e.SchemaVersion, e.RecordedAt)
		if err != nil {
			return nil, nil, err
		}
		out[i] = es.EventData{EventID: e.ID, EventType: e.Type, ContentType: es.ContentTypeJson, Data: data, Metadata: md}
		ids[i] = e.ID
	}
	return out, ids, nil
}

// toEvent turns a record of a Strata stream into the recorded event, stripping the
// namespace from the stream name.
func toEvent(ns string, r *es.RecordedEvent) (events.Event, error) {
	id, ok := streamIDOf(ns, r.StreamID)
	if !ok {
		return events.Event{}, fmt.Errorf("esdb: stream %q is outside namespace %q", r.StreamID, ns)
	}
	m, err := decodeMetadata(r.UserMetadata)
	if err != nil {
		return events.Event{}, fmt.Errorf("esdb: event %d of %s: metadata: %w", r.EventNumber, r.StreamID, err)
	}
	pos := positionOf(r.Position)
	return events.Event{
		ID:             r.EventID,
		StreamID:       id,
		StreamVersion:  versionOf(r.EventNumber),
		GlobalPosition: pos.GlobalPosition,
		TransactionID:  pos.TransactionID,
		Type:           r.EventType,
		SchemaVersion:  m.SchemaVersion,
		Data:           json.RawMessage(r.Data),
		Metadata:       m.Metadata,
		// Microseconds, as PostgreSQL keeps them: a time shown by a read model, passed
		// back as as_of, then selects the same events a replay does.
		RecordedAt: recordedAt(r.CreatedDate, m).Truncate(time.Microsecond),
	}, nil
}

// stored says how much of an append's batch a stream already holds.
type stored int

const (
	storedNone stored = iota // none of the ids: append
	storedAll                // all of them, consecutive and in order: a retry
	storedSome               // some, or all but out of order: refuse
)

// findStored looks for the batch ids among tail, a run of the stream's events in
// version order without gaps. For storedAll, tail[first:first+len(ids)] are the
// events the ids were first appended as.
func findStored(tail []events.Event, ids []uuid.UUID) (kind stored, first int) {
	at := make(map[uuid.UUID]int, len(tail))
	for i, e := range tail {
		at[e.ID] = i
	}
	first, found := at[ids[0]]
	if !found {
		for _, id := range ids[1:] {
			if _, ok := at[id]; ok {
				return storedSome, 0
			}
		}
		return storedNone, 0
	}
	if first+len(ids) > len(tail) {
		return storedSome, 0
	}
	for i, id := range ids {
		if e := tail[first+i]; e.ID != id || e.StreamVersion != tail[first].StreamVersion+int64(i) {
			return storedSome, 0
		}
	}
	return storedAll, first
}

// retryResult is the original result of an append whose events are evs, returned when
// the same append comes again.
func retryResult(streamID string, evs []events.Event) events.AppendResult {
	last := evs[len(evs)-1]
	return events.AppendResult{
		StreamID:    streamID,
		FromVersion: evs[0].StreamVersion,
		ToVersion:   last.StreamVersion,
		Position:    last.Position(),
		RecordedAt:  last.RecordedAt,
		Idempotent:  true,
	}
}

// followFilter is the server-side filter of a subscription: Strata's streams only,
// by kind when kinds are given, else by namespace, else everything but system events.
func followFilter(ns string, kinds []string) *es.SubscriptionFilter {
	switch {
	case len(kinds) > 0:
		prefixes := make([]string, len(kinds))
		for i, k := range kinds {
			prefixes[i] = ns + k
		}
		return &es.SubscriptionFilter{Type: es.StreamFilterType, Prefixes: prefixes}
	case ns != "":
		return &es.SubscriptionFilter{Type: es.StreamFilterType, Prefixes: []string{ns}}
	}
	return es.ExcludeSystemEventsFilter()
}

// followed turns a record a subscription delivered into an event; ok is false for a
// record that is not a Strata event after from (a subscription may start with the
// record at its own position, and the filter lets through $-typed records of
// namespaced streams).
func followed(ns string, kinds []string, r *es.RecordedEvent, from events.Position) (events.Event, bool, error) {
	if r == nil || !isStrataRecord(ns, kinds, r.StreamID, r.EventType) || positionOf(r.Position).Compare(from) <= 0 {
		return events.Event{}, false, nil
	}
	e, err := toEvent(ns, r)
	return e, err == nil, err
}
