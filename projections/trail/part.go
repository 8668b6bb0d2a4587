package trail

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/queries"
)

// Part is what a module tells the organization-wide audit trail about its events: how
// each kind of stream it writes is described, and which of its records only some
// callers may see. The trail's code names no module; each declares its Part.
type Part struct {
	// Streams maps each stream prefix of the module ("risk-") to how its events are
	// described.
	Streams map[string]Stream
	// Restricted lists the entity types whose rows only some callers may see.
	Restricted []Restriction
}

// Restriction hides a kind of record from callers who may not know of it.
type Restriction struct {
	// EntityType is the kind of record ("case").
	EntityType string
	// Visible is an SQL condition: whether the caller may see the record whose id is
	// the trail row's entity_id, written "{id}". "{user}" stands for the caller's id
	// (a bigint) and "{admin}" for whether the caller is an admin (a boolean).
	Visible string
}

// Description is what the trail records of an event beyond its envelope.
type Description struct {
	// EntityType and EntityID name the record the event is about.
	EntityType string
	EntityID   int64
	// Changes are the fields the event changed, each before and after: the same as the
	// record's own history shows.
	Changes []queries.Change
	// Comment is what the event says about why, when it says anything.
	Comment string
}

// Stream describes the events of one kind of stream.
type Stream struct {
	// Entity names the record an event is about; nil, or an empty type, means the
	// stream's own record (risk-42 is risk 42). A stream holding several records'
	// events (an engagement's findings) says which.
	Entity func(p events.Payload) (string, int64)
	// Entities lists the entity types Entity may name besides the stream's own, so
	// the trail's filter knows them.
	Entities []string
	// New starts a describer at the beginning of one stream.
	New func() Describer
	// Stateless says that every event describes itself: one describer serves every
	// stream and no stream is ever read again to describe an event.
	Stateless bool
}

// Describer describes a stream's events in stream order, keeping whatever it must
// know of the earlier ones.
type Describer interface {
	// Changes lists what the event changed, then takes the event into account for the
	// next one.
	Changes(e events.Event, p events.Payload) []queries.Change
}

// Fold describes a stream with a module's own history functions: evolve folds the
// state that changes compares an event with, exactly as the record's history does.
func Fold[S any](evolve func(S, events.Payload, events.Event) S, changes func(S, events.Payload) []queries.Change) Stream {
	return Stream{New: func() Describer { return &folder[S]{evolve: evolve, changes: changes} }}
}

// Each describes a stream whose events tell all they changed by themselves, with a
// module's own history function (given the zero state).
func Each[S any](changes func(S, events.Payload) []queries.Change) Stream {
	var zero S
	d := eacher(func(_ events.Event, p events.Payload) []queries.Change { return changes(zero, p) })
	return Stream{New: func() Describer { return d }, Stateless: true}
}

type folder[S any] struct {
	state   S
	evolve  func(S, events.Payload, events.Event) S
	changes func(S, events.Payload) []queries.Change
}

func (f *folder[S]) Changes(e events.Event, p events.Payload) []queries.Change {
	out := f.changes(f.state, p)
	f.state = f.evolve(f.state, p, e)
	return out
}

type eacher func(events.Event, events.Payload) []queries.Change

func (d eacher) Changes(e events.Event, p events.Payload) []queries.Change { return d(e, p) }

// splitStream reads a stream id as its prefix and number: "risk-42" is "risk-", 42.
func splitStream(stream string) (string, int64, bool) {
	i := strings.LastIndexByte(stream, '-')
	if i < 0 {
		return "", 0, false
	}
	id, err := strconv.ParseInt(stream[i+1:], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return stream[:i+1], id, true
}

// commentFields are the changes that say why an event happened rather than what it
// changed; the trail shows the first one found as the event's comment.
var commentFields = []string{"comment", "reason", "deleted_reason", "notes"}

// commentOf is the text of the change that carries the event's comment: a field
// named comment, reason or notes, directly or under a prefix ("procedure 3: comment").
func commentOf(changes []queries.Change) string {
	for _, name := range commentFields {
		for _, c := range changes {
			f := c.Field
			if i := strings.LastIndexAny(f, ". "); i >= 0 {
				f = f[i+1:]
			}
			if f != name {
				continue
			}
			var s string
			if json.Unmarshal(c.After, &s) == nil && s != "" {
				return s
			}
		}
	}
	return ""
}

// EntityTypes lists, in order, the entity types the parts' rows may name.
func EntityTypes(parts ...Part) []string {
	var out []string
	for _, part := range parts {
		for prefix, s := range part.Streams {
			out = append(out, strings.TrimSuffix(prefix, "-"))
			out = append(out, s.Entities...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
