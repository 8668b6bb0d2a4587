package events

import (
	"encoding/json"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
)

// metadataKey is where a watermill message carries the whole recorded event envelope
// (everything but the data, which is the payload).
const metadataKey = "strata_event"

// ToMessage wraps a recorded event as a watermill message for projectors.
func ToMessage(e Event) (*message.Message, error) {
	env := e
	env.Data = nil
	b, err := json.Marshal(env)
	if err != nil {
		return nil, err
	}
	msg := message.NewMessage(e.ID.String(), message.Payload(e.Data))
	msg.Metadata.Set(metadataKey, string(b))
	msg.Metadata.Set("type", e.Type)
	msg.Metadata.Set("stream_id", e.StreamID)
	return msg, nil
}

// FromMessage recovers the recorded event a message carries.
func FromMessage(msg *message.Message) (Event, error) {
	var e Event
	raw := msg.Metadata.Get(metadataKey)
	if raw == "" {
		return e, fmt.Errorf("events: message %s carries no event", msg.UUID)
	}
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		return e, fmt.Errorf("events: message %s: %w", msg.UUID, err)
	}
	e.Data = json.RawMessage(msg.Payload)
	return e, nil
}
