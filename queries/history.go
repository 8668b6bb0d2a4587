// Package queries holds what every module's read side shares: keyset cursors, list
// pages, snapshots, and the audit history read from a stream.
package queries

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/events"
)

// Actor is who caused an event.
type Actor struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Change is one field before and after an event; null means absent.
type Change struct {
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// Entry is one event of an entity's audit history. It is placed by the entity's own
// version, never by the event's position in the global log, which would tell how many
// events other organizations wrote in between.
type Entry struct {
	Version       int64     `json:"version"`
	EventID       string    `json:"event_id"`
	Type          string    `json:"type"`
	RecordedAt    time.Time `json:"recorded_at"`
	Actor         Actor     `json:"actor"`
	CorrelationID string    `json:"correlation_id"`
	IP            string    `json:"ip,omitempty"`
	UserAgent     string    `json:"user_agent,omitempty"`
	Changes       []Change  `json:"changes"`
}

// historySort names history cursors: a history is read newest first, and a cursor is
// the version of the last entry a page showed.
const historySort = "-version"

// historyChunk is how many events a history read holds at once, whatever the length
// of the stream.
const historyChunk = 500

// Trail reads an entity's audit history from its stream, a page at a time, newest
// first. Each entry lists only what its event changed, with the values before and
// after, so an entry's size depends on its event and not on the entity's size.
type Trail[S any] struct {
	Store    events.Store
	Registry *events.Registry
	// Evolve folds the state that Changes compares an event with: the entity as it
	// stood before the event. Nil when every event tells all it changed by itself;
	// then a later page reads only its own events.
	Evolve func(S, events.Payload, events.Event) S
	// Changes lists what an event changed, given the state before it.
	Changes func(before S, p events.Payload) []Change
	// NotFound is the answer for a stream that is missing or another organization's.
	NotFound error
}

// pending is an event of the page being read, kept until the page is known.
type pending[S any] struct {
	event   events.Event
	payload events.Payload
	before  S
}

// Page reads the entries of stream older than the cursor's (the newest when cursor is
// empty), at most limit of them (0 for the default). The stream is read from its
// start in chunks, folding the state as it goes, so memory holds one chunk and one
// page however long the history is.
func (t Trail[S]) Page(ctx context.Context, stream string, orgID int64, limit int, cursor string) (Page[Entry], error) {
	errs := strata.FieldErrors{}
	Limit(errs, &limit)
	if err := errs.Err(); err != nil {
		return Page[Entry]{}, err
	}
	cur, err := DecodeCursor(cursor, historySort)
	if err != nil {
		return Page[Entry]{}, err
	}
	// upto is the newest version wanted; 0 reads to the stream's end.
	var upto, total int64
	from := int64(1)
	if cur != nil {
		upto, total = cur.ID-1, cur.Total
		// A page that will not read the stream's first event checks its owner apart.
		if upto < 1 || t.Evolve == nil {
			if err := t.checkOwner(ctx, stream, orgID); err != nil {
				return Page[Entry]{}, err
			}
		}
		if upto < 1 {
			return Page[Entry]{Items: []Entry{}, Total: total, Limit: limit}, nil
		}
		if t.Evolve == nil {
			from = max(1, upto-int64(limit)+1)
		}
	}

	// The last limit events read, in a ring: the page is the newest of them.
	ring := make([]pending[S], limit)
	var read int64
	var state S
	for {
		to := from + historyChunk - 1
		if upto > 0 {
			to = min(to, upto)
		}
		evs, err := t.Store.ReadStream(ctx, stream, events.ReadOptions{FromVersion: from, ToVersion: to})
		if err != nil {
			return Page[Entry]{}, err
		}
		if from == 1 && (len(evs) == 0 || evs[0].Metadata.OrgID != orgID) {
			return Page[Entry]{}, t.NotFound
		}
		for _, e := range evs {
			p, err := t.Registry.Decode(e)
			if err != nil {
				return Page[Entry]{}, err
			}
			ring[read%int64(limit)] = pending[S]{event: e, payload: p, before: state}
			read++
			if t.Evolve != nil {
				state = t.Evolve(state, p, e)
			}
		}
		if len(evs) == 0 || evs[len(evs)-1].StreamVersion < to || to == upto {
			break
		}
		from = to + 1
	}
	if cur == nil {
		total = read
	}

	n := min(read, int64(limit))
	page := Page[Entry]{Items: make([]Entry, 0, n), Total: total, Limit: limit}
	for i := read - 1; i >= read-n; i-- {
		x := ring[i%int64(limit)]
		page.Items = append(page.Items, entryOf(x.event, t.Changes(x.before, x.payload)))
	}
	if n > 0 && page.Items[n-1].Version > 1 {
		next := Cursor{Sort: historySort, ID: page.Items[n-1].Version, Total: total}.Encode()
		page.NextCursor = &next
	}
	return page, nil
}

// checkOwner reads a stream's first event, which names its organization.
func (t Trail[S]) checkOwner(ctx context.Context, stream string, orgID int64) error {
	first, err := t.Store.ReadStream(ctx, stream, events.ReadOptions{ToVersion: 1})
	if err != nil {
		return err
	}
	if len(first) == 0 || first[0].Metadata.OrgID != orgID {
		return t.NotFound
	}
	return nil
}

func entryOf(e events.Event, changes []Change) Entry {
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.Field, b.Field) })
	if changes == nil {
		changes = []Change{}
	}
	return Entry{
		Version: e.StreamVersion, EventID: e.ID.String(), Type: e.Type, RecordedAt: e.RecordedAt,
		Actor:         Actor{ID: e.Metadata.ActorID, Name: e.Metadata.ActorName},
		CorrelationID: e.Metadata.CorrelationID, IP: e.Metadata.IP, UserAgent: e.Metadata.UserAgent,
		Changes: changes,
	}
}

var null = json.RawMessage("null")

// Field is one field's change; nil stands for absent.
func Field(name string, before, after any) Change {
	return Change{Field: name, Before: marshal(before), After: marshal(after)}
}

func marshal(v any) json.RawMessage {
	if v == nil {
		return null
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return null
	}
	return raw
}

// Created lists the fields of something new (the entity itself, or one of its tests or
// responses under prefix) as changes from nothing. Fields that start out null are left
// out: nothing changed there.
func Created(prefix string, v any) []Change {
	var fields map[string]json.RawMessage
	if json.Unmarshal(marshal(v), &fields) != nil {
		return nil
	}
	out := make([]Change, 0, len(fields))
	for k, val := range fields {
		if string(val) != "null" {
			out = append(out, Change{Field: prefix + k, Before: null, After: val})
		}
	}
	return out
}

// Patched lists the fields an update set, each with the value it replaced, as the
// update events record them (set and previous, both JSON objects).
func Patched(prefix string, set, previous json.RawMessage) []Change {
	var after, before map[string]json.RawMessage
	if json.Unmarshal(set, &after) != nil {
		return nil
	}
	_ = json.Unmarshal(previous, &before)
	out := make([]Change, 0, len(after))
	for k, val := range after {
		b := before[k]
		if len(b) == 0 {
			b = null
		}
		out = append(out, Change{Field: prefix + k, Before: b, After: val})
	}
	return out
}
