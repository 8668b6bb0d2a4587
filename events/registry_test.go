package events_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/strata-grc/strata/events"
)

// Renamed is at schema 2: version 1 stored the field as "name".
type Renamed struct {
	Title string `json:"title"`
}

func (Renamed) EventType() string { return "Renamed" }

func TestRegistryUpcastsOldSchemas(t *testing.T) {
	reg := events.NewRegistry()
	events.Register[Renamed](reg, 2)
	reg.AddUpcaster("Renamed", 1, func(data json.RawMessage) (json.RawMessage, error) {
		var v1 struct{ Name string }
		if err := json.Unmarshal(data, &v1); err != nil {
			return nil, err
		}
		return json.Marshal(Renamed{Title: v1.Name})
	})

	old := events.Event{Type: "Renamed", SchemaVersion: 1, Data: json.RawMessage(`{"name":"Vendor outage"}`)}
	p, err := reg.Decode(old)
	if err != nil || p.(Renamed).Title != "Vendor outage" {
		t.Fatalf("schema 1 upcast: %+v %v", p, err)
	}
	current := events.Event{Type: "Renamed", SchemaVersion: 2, Data: json.RawMessage(`{"title":"Phishing"}`)}
	if p, err := reg.Decode(current); err != nil || p.(Renamed).Title != "Phishing" {
		t.Fatalf("schema 2: %+v %v", p, err)
	}
	enc, err := reg.Encode(Renamed{Title: "x"})
	if err != nil || enc.SchemaVersion != 2 || enc.Type != "Renamed" {
		t.Fatalf("encode: %+v %v", enc, err)
	}

	// A version with no upcaster is an error, not a silently wrong payload.
	bare := events.NewRegistry()
	events.Register[Renamed](bare, 3)
	if _, err := bare.Decode(old); err == nil || !strings.Contains(err.Error(), "no upcaster") {
		t.Fatalf("missing upcaster: %v", err)
	}
	if _, err := reg.Decode(events.Event{Type: "Unknown"}); err == nil {
		t.Fatal("an unknown type must not decode")
	}
}

// A predecoded event hands back what was decoded, to the registry that decoded it only;
// one that did not decode is decoded again where it is handled, and fails there.
func TestPredecodedEventsDecodeOnce(t *testing.T) {
	reg := events.NewRegistry()
	events.Register[Renamed](reg, 1)
	e := events.Event{Type: "Renamed", SchemaVersion: 1, Data: json.RawMessage(`{"title":"Phishing"}`)}
	reg.Predecode(&e)
	// The data changes under the kept payload: only a payload kept from before can
	// still say "Phishing".
	e.Data = json.RawMessage(`{"title":"changed"}`)
	if p, err := reg.Decode(e); err != nil || p.(Renamed).Title != "Phishing" {
		t.Fatalf("predecoded: %+v %v", p, err)
	}
	other := events.NewRegistry()
	events.Register[Renamed](other, 1)
	if p, err := other.Decode(e); err != nil || p.(Renamed).Title != "changed" {
		t.Fatalf("another registry must decode for itself: %+v %v", p, err)
	}

	broken := events.Event{Type: "Renamed", SchemaVersion: 1, Data: json.RawMessage(`{"title":`)}
	reg.Predecode(&broken)
	if _, err := reg.Decode(broken); err == nil || !strings.Contains(err.Error(), "decode Renamed") {
		t.Fatalf("an event that did not decode must fail where it is handled: %v", err)
	}
}
