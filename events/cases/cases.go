// Package cases holds the investigation case events. Their names are stored in the
// log and never change.
//
// A case's stream also carries the evidence events (events/evidence) of the files
// attached to it: an upload is ordered with the case's status changes, so a completed
// case takes no evidence under any concurrency.
package cases

import (
	"encoding/json"
	"strconv"

	"github.com/strata-grc/strata/events"
)

// StreamPrefix starts the name of every case's stream: case-42.
const StreamPrefix = "case-"

// Stream names the stream of one case.
func Stream(id int64) string { return StreamPrefix + strconv.FormatInt(id, 10) }

// Fields are a case's editable fields, as events carry them. Status and assignee
// change through their own events.
type Fields struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Type        string `json:"type"`     // free text: fraud, misconduct, data breach...
	Priority    string `json:"priority"` // low | medium | high | urgent
	Reporter    string `json:"reporter"` // who raised the matter; free text, may be outside the organization
	// Confidential narrows who may know the case exists to admins, its assignee and
	// its creator.
	Confidential bool `json:"confidential"`
}

// CaseOpened: a case was opened, status new, unassigned.
type CaseOpened struct {
	CaseID int64 `json:"case_id"`
	Fields
	Status string `json:"status"`
}

// CaseUpdated: some fields changed. Set holds only the changed fields with their new
// values, Previous the same fields as they were.
type CaseUpdated struct {
	CaseID   int64           `json:"case_id"`
	Set      json.RawMessage `json:"set"`
	Previous json.RawMessage `json:"previous"`
}

// CaseAssigned: the case was given to someone (AssigneeID) or taken back (nil).
// Assigning a new case moves it to assigned, which a CaseStatusChanged in the same
// append records.
type CaseAssigned struct {
	CaseID     int64  `json:"case_id"`
	From       *int64 `json:"from"`
	AssigneeID *int64 `json:"assignee_id"`
}

// CaseStatusChanged: the case moved from one status to another. Completing carries
// the resolution; moving back (review or completed to in_progress) carries a comment
// saying why, and completing one saying what was concluded.
type CaseStatusChanged struct {
	CaseID     int64  `json:"case_id"`
	From       string `json:"from"`
	To         string `json:"to"`
	Comment    string `json:"comment,omitempty"`
	Resolution string `json:"resolution,omitempty"` // substantiated | unsubstantiated | inconclusive
}

func (CaseOpened) EventType() string        { return "CaseOpened" }
func (CaseUpdated) EventType() string       { return "CaseUpdated" }
func (CaseAssigned) EventType() string      { return "CaseAssigned" }
func (CaseStatusChanged) EventType() string { return "CaseStatusChanged" }

// Register adds the module's events to r.
func Register(r *events.Registry) {
	events.Register[CaseOpened](r, 1)
	events.Register[CaseUpdated](r, 1)
	events.Register[CaseAssigned](r, 1)
	events.Register[CaseStatusChanged](r, 1)
}

// CaseOf returns the case an event of this package is about; ok is false for other
// events (evidence events name their owner themselves).
func CaseOf(p events.Payload) (id int64, ok bool) {
	switch e := p.(type) {
	case CaseOpened:
		return e.CaseID, true
	case CaseUpdated:
		return e.CaseID, true
	case CaseAssigned:
		return e.CaseID, true
	case CaseStatusChanged:
		return e.CaseID, true
	}
	return 0, false
}
