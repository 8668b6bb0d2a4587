// Package trail holds the events the organization-wide audit trail writes about
// itself: reading the trail out is itself something an auditor wants to see.
package trail

import "github.com/strata-grc/strata/events"

// AuditTrailExported: a member exported the audit trail. It is appended to the
// organization's stream, so it is in the trail it exported from.
type AuditTrailExported struct {
	OrgID int64 `json:"org_id"`
	// Format is the export's format ("csv").
	Format string `json:"format"`
	// Filter is the query the export answered, by parameter; empty for everything.
	Filter map[string]string `json:"filter"`
	// Rows is how many rows were sent.
	Rows int64 `json:"rows"`
	// Complete is false when the export broke off before its last row.
	Complete bool `json:"complete"`
}

func (AuditTrailExported) EventType() string { return "AuditTrailExported" }

// Register adds the trail's events to r.
func Register(r *events.Registry) {
	events.Register[AuditTrailExported](r, 1)
}

// own knows this package's events alone, for Encode.
var own = func() *events.Registry {
	r := events.NewRegistry()
	Register(r)
	return r
}()

// Encode makes an export's record ready to append; the trail's routes need no other
// module's registry for it.
func Encode(p AuditTrailExported) (events.NewEvent, error) { return own.Encode(p) }
