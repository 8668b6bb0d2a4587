package events

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
)

// Payload is a domain event's data. EventType is its stored name: it never changes
// once written, so it is spelled out, never derived from the Go type.
type Payload interface {
	EventType() string
}

// Upcaster turns the data of one schema version into the next.
type Upcaster func(json.RawMessage) (json.RawMessage, error)

type registration struct {
	version   int
	decode    func(json.RawMessage) (Payload, error)
	upcasters map[int]Upcaster // keyed by the version they read
}

// Registry maps stored names to payload types. Each module registers its events in
// one list; the registry refuses a name twice.
type Registry struct {
	types map[string]*registration
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{types: map[string]*registration{}} }

// Register adds payload type T at its current schema version.
func Register[T Payload](r *Registry, schemaVersion int) {
	var zero T
	name := zero.EventType()
	if _, dup := r.types[name]; dup {
		panic("events: " + name + " registered twice")
	}
	r.types[name] = &registration{
		version: schemaVersion,
		decode: func(data json.RawMessage) (Payload, error) {
			var v T
			if err := json.Unmarshal(data, &v); err != nil {
				return nil, err
			}
			return v, nil
		},
		upcasters: map[int]Upcaster{},
	}
}

// AddUpcaster registers the step from schema version `from` to from+1 of a type.
func (r *Registry) AddUpcaster(eventType string, from int, up Upcaster) {
	reg, ok := r.types[eventType]
	if !ok {
		panic("events: upcaster for unregistered " + eventType)
	}
	reg.upcasters[from] = up
}

// Known reports whether a type name is registered.
func (r *Registry) Known(eventType string) bool { _, ok := r.types[eventType]; return ok }

// Encode turns a payload into an event to append, with a fresh time-ordered id.
func (r *Registry) Encode(p Payload) (NewEvent, error) {
	reg, ok := r.types[p.EventType()]
	if !ok {
		return NewEvent{}, fmt.Errorf("events: %s is not registered", p.EventType())
	}
	data, err := json.Marshal(p)
	if err != nil {
		return NewEvent{}, fmt.Errorf("events: encode %s: %w", p.EventType(), err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return NewEvent{}, err
	}
	return NewEvent{ID: id, Type: p.EventType(), SchemaVersion: reg.version, Data: data}, nil
}

// Decode upcasts a recorded event's data to the current schema and unmarshals it.
func (r *Registry) Decode(e Event) (Payload, error) {
	if e.decodedBy == r {
		return e.payload, nil
	}
	reg, ok := r.types[e.Type]
	if !ok {
		return nil, fmt.Errorf("events: unknown event type %q", e.Type)
	}
	data := e.Data
	for v := max(e.SchemaVersion, 1); v < reg.version; v++ {
		up, ok := reg.upcasters[v]
		if !ok {
			return nil, fmt.Errorf("events: %s has no upcaster from schema %d", e.Type, v)
		}
		var err error
		if data, err = up(data); err != nil {
			return nil, fmt.Errorf("events: upcast %s from %d: %w", e.Type, v, err)
		}
	}
	p, err := reg.decode(data)
	if err != nil {
		return nil, fmt.Errorf("events: decode %s at %s/%d: %w", e.Type, e.StreamID, e.StreamVersion, err)
	}
	return p, nil
}

// Predecode decodes e now and keeps the result in it, for a reader that has time to
// spare before e reaches whoever decodes it: a rebuild decodes the next batch while
// the one before is being written. An event that does not decode is left as it was,
// so that Decode reports its error where it is handled.
func (r *Registry) Predecode(e *Event) {
	if p, err := r.Decode(*e); err == nil {
		e.payload, e.decodedBy = p, r
	}
}
