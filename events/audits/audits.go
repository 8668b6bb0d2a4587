// Package audits holds the audit management events: engagements, their fieldwork
// procedures and their findings with management responses. Their names are stored in
// the log and never change.
//
// An engagement's procedures and findings live in the engagement's own stream. The
// engagement may enter Reporting only when none of its findings is Open, and a
// Completed or Cancelled engagement takes no new work: keeping everything in one
// stream makes both rules hold under any concurrency, with no check that could read a
// stale picture of another stream. Every event names the entity it is about, so a
// finding's or a procedure's history is its events filtered from that stream.
package audits

import (
	"encoding/json"
	"strconv"

	"github.com/strata-grc/strata/events"
)

// StreamPrefix starts the name of every engagement's stream: engagement-42.
const StreamPrefix = "engagement-"

// Stream names the stream of one engagement.
func Stream(id int64) string { return StreamPrefix + strconv.FormatInt(id, 10) }

// Fields are an engagement's editable fields, as events carry them. Status changes go
// through EngagementStatusChanged, so Status here is only the status it was created
// with.
type Fields struct {
	Title         string  `json:"title"`
	Scope         string  `json:"scope"`
	Auditee       string  `json:"auditee"`
	LeadAuditorID *int64  `json:"lead_auditor_id"`
	PlannedStart  *string `json:"planned_start"` // YYYY-MM-DD
	PlannedEnd    *string `json:"planned_end"`   // YYYY-MM-DD
}

// EngagementCreated: an engagement was planned. It starts in phase Planning.
type EngagementCreated struct {
	EngagementID int64 `json:"engagement_id"`
	Fields
	Phase  string `json:"phase"`
	Status string `json:"status"`
}

// EngagementUpdated: some fields changed. Set holds only the changed fields with their
// new values, Previous the same fields as they were.
type EngagementUpdated struct {
	EngagementID int64           `json:"engagement_id"`
	Set          json.RawMessage `json:"set"`
	Previous     json.RawMessage `json:"previous"`
}

// EngagementPhaseChanged: the engagement moved one phase forward, or back with a
// comment saying why.
type EngagementPhaseChanged struct {
	EngagementID int64  `json:"engagement_id"`
	From         string `json:"from"`
	To           string `json:"to"`
	Comment      string `json:"comment,omitempty"`
}

// EngagementStatusChanged: the engagement's standing changed (On Track, At Risk,
// Delayed, Cancelled). Cancelling, and leaving Cancelled, carry a comment.
type EngagementStatusChanged struct {
	EngagementID int64  `json:"engagement_id"`
	From         string `json:"from"`
	To           string `json:"to"`
	Comment      string `json:"comment,omitempty"`
}

// Procedure is a fieldwork step of the engagement's work programme.
type Procedure struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	AssignedTo  *int64 `json:"assigned_to"`
	Status      string `json:"status"` // not_started | in_progress | done
	Conclusion  string `json:"conclusion"`
}

// ProcedureAdded: a step was added to the work programme.
type ProcedureAdded struct {
	EngagementID int64 `json:"engagement_id"`
	ProcedureID  int64 `json:"procedure_id"`
	Procedure
}

// ProcedureUpdated: a step changed; Set and Previous as in EngagementUpdated.
type ProcedureUpdated struct {
	EngagementID int64           `json:"engagement_id"`
	ProcedureID  int64           `json:"procedure_id"`
	Set          json.RawMessage `json:"set"`
	Previous     json.RawMessage `json:"previous"`
}

// ProcedureSignedOff: a reviewer, not the person assigned, accepted a done step and
// its conclusion. The step is closed to edits from then on.
type ProcedureSignedOff struct {
	EngagementID int64  `json:"engagement_id"`
	ProcedureID  int64  `json:"procedure_id"`
	SignedOffBy  int64  `json:"signed_off_by"`
	Comment      string `json:"comment,omitempty"`
}

// FindingFields are a finding's editable fields. Title, description, severity and the
// links (risk, control) are its text, frozen while it is Approved or Closed.
type FindingFields struct {
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Severity    string  `json:"severity"` // Low | Medium | High | Critical
	RiskID      *int64  `json:"risk_id"`
	ControlID   *int64  `json:"control_id"`
	AssignedTo  *int64  `json:"assigned_to"`
	DueDate     *string `json:"due_date"` // YYYY-MM-DD
}

// FindingCreated: a finding was raised in the engagement, status Open. SourceTestID
// names the failed control test it was raised from, if any.
type FindingCreated struct {
	EngagementID int64 `json:"engagement_id"`
	FindingID    int64 `json:"finding_id"`
	FindingFields
	Status       string `json:"status"`
	SourceTestID *int64 `json:"source_test_id,omitempty"`
}

// FindingUpdated: some fields changed; Set and Previous as in EngagementUpdated.
type FindingUpdated struct {
	EngagementID int64           `json:"engagement_id"`
	FindingID    int64           `json:"finding_id"`
	Set          json.RawMessage `json:"set"`
	Previous     json.RawMessage `json:"previous"`
}

// FindingStatusChanged: Open -> Approved -> Closed, or back to Open with a comment.
// Closing carries the comment saying how the fix was verified.
type FindingStatusChanged struct {
	EngagementID int64  `json:"engagement_id"`
	FindingID    int64  `json:"finding_id"`
	From         string `json:"from"`
	To           string `json:"to"`
	Comment      string `json:"comment,omitempty"`
}

// ManagementResponse is management's answer to a finding.
type ManagementResponse struct {
	Response   string  `json:"response"`
	ActionPlan string  `json:"action_plan"`
	TargetDate *string `json:"target_date"` // YYYY-MM-DD
}

// ManagementResponseSubmitted: management answered the finding. A later one replaces
// the current answer; the log keeps every one.
type ManagementResponseSubmitted struct {
	EngagementID int64 `json:"engagement_id"`
	FindingID    int64 `json:"finding_id"`
	ManagementResponse
	SubmittedBy int64 `json:"submitted_by"`
}

func (EngagementCreated) EventType() string           { return "EngagementCreated" }
func (EngagementUpdated) EventType() string           { return "EngagementUpdated" }
func (EngagementPhaseChanged) EventType() string      { return "EngagementPhaseChanged" }
func (EngagementStatusChanged) EventType() string     { return "EngagementStatusChanged" }
func (ProcedureAdded) EventType() string              { return "ProcedureAdded" }
func (ProcedureUpdated) EventType() string            { return "ProcedureUpdated" }
func (ProcedureSignedOff) EventType() string          { return "ProcedureSignedOff" }
func (FindingCreated) EventType() string              { return "FindingCreated" }
func (FindingUpdated) EventType() string              { return "FindingUpdated" }
func (FindingStatusChanged) EventType() string        { return "FindingStatusChanged" }
func (ManagementResponseSubmitted) EventType() string { return "ManagementResponseSubmitted" }

// Register adds the module's events to r.
func Register(r *events.Registry) {
	events.Register[EngagementCreated](r, 1)
	events.Register[EngagementUpdated](r, 1)
	events.Register[EngagementPhaseChanged](r, 1)
	events.Register[EngagementStatusChanged](r, 1)
	events.Register[ProcedureAdded](r, 1)
	events.Register[ProcedureUpdated](r, 1)
	events.Register[ProcedureSignedOff](r, 1)
	events.Register[FindingCreated](r, 1)
	events.Register[FindingUpdated](r, 1)
	events.Register[FindingStatusChanged](r, 1)
	events.Register[ManagementResponseSubmitted](r, 1)
}

// Subject names the entity an event of this package is about, for histories and the
// audit trail: "engagement", "procedure" or "finding", with its id.
func Subject(p events.Payload) (kind string, id int64) {
	switch e := p.(type) {
	case EngagementCreated:
		return "engagement", e.EngagementID
	case EngagementUpdated:
		return "engagement", e.EngagementID
	case EngagementPhaseChanged:
		return "engagement", e.EngagementID
	case EngagementStatusChanged:
		return "engagement", e.EngagementID
	case ProcedureAdded:
		return "procedure", e.ProcedureID
	case ProcedureUpdated:
		return "procedure", e.ProcedureID
	case ProcedureSignedOff:
		return "procedure", e.ProcedureID
	case FindingCreated:
		return "finding", e.FindingID
	case FindingUpdated:
		return "finding", e.FindingID
	case FindingStatusChanged:
		return "finding", e.FindingID
	case ManagementResponseSubmitted:
		return "finding", e.FindingID
	}
	return "", 0
}
