// Package events defines Strata's event log: the recorded event, its metadata, the
// store every backend implements, and the registry that names event types.
package events

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Metadata says who caused an event, for whom and through which request. The audit
// trail is built from it, so the store refuses events without it.
type Metadata struct {
	OrgID         int64  `json:"org_id"`
	ActorID       int64  `json:"actor_id"`
	ActorName     string `json:"actor_name"`
	CorrelationID string `json:"correlation_id"`
	CausationID   string `json:"causation_id,omitempty"`
	IP            string `json:"ip,omitempty"`
	UserAgent     string `json:"user_agent,omitempty"`
}

// ErrMissingMetadata is returned by Append when the organization, actor or
// correlation id is missing.
var ErrMissingMetadata = errors.New("events: metadata needs org_id, actor_id, actor_name and correlation_id")

// Actors without a user id: Anonymous is someone not logged in (a failed login, say),
// System is an operator at the command line (bootstrapping the first admin). Only
// these may have actor id 0.
const (
	Anonymous = "anonymous"
	System    = "system"
)

// Validate reports whether the metadata can be stored.
func (m Metadata) Validate() error {
	anonymous := m.ActorID == 0 && (m.ActorName == Anonymous || m.ActorName == System)
	if m.OrgID <= 0 || (m.ActorID <= 0 && !anonymous) || m.ActorName == "" || m.CorrelationID == "" {
		return ErrMissingMetadata
	}
	return nil
}

// NewEvent is an event a command wants to append.
type NewEvent struct {
	// ID makes appends idempotent: appending an id the log already holds is a no-op.
	ID            uuid.UUID
	Type          string
	SchemaVersion int
	Data          json.RawMessage
	// RecordedAt is zero for new facts: the store records the time of the append. A
	// copy of a log sets it to the original's, so time travel over the copy answers as
	// the original would.
	RecordedAt time.Time
}

// Event is an event as the log recorded it.
type Event struct {
	ID             uuid.UUID       `json:"event_id"`
	StreamID       string          `json:"stream_id"`
	StreamVersion  int64           `json:"stream_version"`
	GlobalPosition int64           `json:"global_position"`
	TransactionID  uint64          `json:"transaction_id"`
	Type           string          `json:"type"`
	SchemaVersion  int             `json:"schema_version"`
	Data           json.RawMessage `json:"data"`
	Metadata       Metadata        `json:"metadata"`
	RecordedAt     time.Time       `json:"recorded_at"`

	// payload is Data decoded ahead of time by Registry.Predecode, which decodedBy
	// names: Decode hands it back instead of decoding again.
	payload   Payload
	decodedBy *Registry
}

// Position orders events the way subscribers read them: by writing transaction, then
// by global position. Comparing global positions alone is wrong, because a lower
// position can commit after a higher one.
type Position struct {
	TransactionID  uint64 `json:"transaction_id"`
	GlobalPosition int64  `json:"global_position"`
}

// Position returns where this event stands in subscriber order.
func (e Event) Position() Position {
	return Position{TransactionID: e.TransactionID, GlobalPosition: e.GlobalPosition}
}

// Compare returns -1, 0 or +1 as p is before, at or after o.
func (p Position) Compare(o Position) int {
	switch {
	case p.TransactionID < o.TransactionID:
		return -1
	case p.TransactionID > o.TransactionID:
		return 1
	case p.GlobalPosition < o.GlobalPosition:
		return -1
	case p.GlobalPosition > o.GlobalPosition:
		return 1
	}
	return 0
}

// IsZero reports whether p is the start of the log.
func (p Position) IsZero() bool { return p == Position{} }
