package commands

import (
	"time"

	"github.com/strata-grc/strata/events"
)

// Stamp is when a record was made and last changed, by whom, and its own version:
// the number of events about it. Records that share a stream (an engagement's
// findings, a case's files) count only their own events, so a change to one never
// makes a form of another stale.
type Stamp struct {
	Version   int64
	CreatedAt time.Time
	CreatedBy int64
	UpdatedAt time.Time
	UpdatedBy int64
}

// Touched is the stamp after one more event about the record.
func (s Stamp) Touched(e events.Event) Stamp {
	if s.Version == 0 {
		s.CreatedAt, s.CreatedBy = e.RecordedAt, e.Metadata.ActorID
	}
	s.Version++
	s.UpdatedAt, s.UpdatedBy = e.RecordedAt, e.Metadata.ActorID
	return s
}
