// Package queries holds what every module's read side shares: keyset cursors and the
// audit history replayed from a stream.
package queries

import (
	"bytes"
	"encoding/json"
	"sort"
	"time"

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

// Entry is one event of an entity's audit history.
type Entry struct {
	Version       int64     `json:"version"`
	EventID       string    `json:"event_id"`
	Type          string    `json:"type"`
	RecordedAt    time.Time `json:"recorded_at"`
	Position      int64     `json:"position"`
	Actor         Actor     `json:"actor"`
	CorrelationID string    `json:"correlation_id"`
	IP            string    `json:"ip,omitempty"`
	UserAgent     string    `json:"user_agent,omitempty"`
	Changes       []Change  `json:"changes"`
}

// Flat is an entity's state as field -> JSON value, the shape history diffs.
type Flat map[string]json.RawMessage

// History turns a stream into audit entries. views[i] is the entity as it stood
// after evs[i]; the entry lists every field that differs from the view before.
func History(evs []events.Event, views []Flat) []Entry {
	out := make([]Entry, len(evs))
	prev := Flat{}
	for i, e := range evs {
		out[i] = Entry{
			Version: e.StreamVersion, EventID: e.ID.String(), Type: e.Type, RecordedAt: e.RecordedAt,
			Position: e.GlobalPosition, Actor: Actor{ID: e.Metadata.ActorID, Name: e.Metadata.ActorName},
			CorrelationID: e.Metadata.CorrelationID, IP: e.Metadata.IP, UserAgent: e.Metadata.UserAgent,
			Changes: Diff(prev, views[i]),
		}
		prev = views[i]
	}
	return out
}

var null = json.RawMessage("null")

// Diff lists the fields whose values differ, sorted by field name.
func Diff(before, after Flat) []Change {
	var out []Change
	seen := map[string]bool{}
	for _, m := range []Flat{after, before} {
		for k := range m {
			if seen[k] {
				continue
			}
			seen[k] = true
			b, a := orNull(before[k]), orNull(after[k])
			if !bytes.Equal(b, a) {
				out = append(out, Change{Field: k, Before: b, After: a})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	if out == nil {
		out = []Change{}
	}
	return out
}

func orNull(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return null
	}
	return v
}

// Flatten marshals v's JSON object fields into a Flat, with prefix before each key.
func Flatten(into Flat, prefix string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		return
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	for k, val := range m {
		into[prefix+k] = val
	}
}
