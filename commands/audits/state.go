// Package audits is the audit management command side: the engagement aggregate (with
// its procedures and findings, which share its stream), which decides what events a
// command produces, and the handler that runs commands against the log.
package audits

import (
	"maps"
	"time"

	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/evidence"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
)

// Phases of an engagement, in order.
const (
	Planning  = "Planning"
	Fieldwork = "Fieldwork"
	Review    = "Review"
	Reporting = "Reporting"
	Completed = "Completed"
)

// Phases lists the phases in the order an engagement moves through them.
var Phases = []string{Planning, Fieldwork, Review, Reporting, Completed}

// Engagement statuses.
const (
	OnTrack   = "On Track"
	AtRisk    = "At Risk"
	Delayed   = "Delayed"
	Cancelled = "Cancelled"
)

// Statuses lists an engagement's statuses.
var Statuses = []string{OnTrack, AtRisk, Delayed, Cancelled}

// Procedure statuses.
const (
	NotStarted = "not_started"
	InProgress = "in_progress"
	Done       = "done"
)

// ProcedureStatuses lists a procedure's statuses.
var ProcedureStatuses = []string{NotStarted, InProgress, Done}

// Finding statuses and severities.
const (
	Open     = "Open"
	Approved = "Approved"
	Closed   = "Closed"
)

// FindingStatuses lists a finding's statuses in their forward order.
var FindingStatuses = []string{Open, Approved, Closed}

// Severities lists a finding's severities, lowest first.
var Severities = []string{"Low", "Medium", "High", "Critical"}

// Stamp is an entity's: an engagement's version counts only events about the
// engagement itself, so editing a finding never makes an engagement form stale.
type Stamp = commands.Stamp

// Procedure is a procedure's state.
type Procedure struct {
	ID int64
	ev.Procedure
	SignedOffBy *int64
	SignedOffAt *time.Time
	Stamp
}

// Response is a management response with who submitted it and when.
type Response struct {
	ev.ManagementResponse
	SubmittedBy int64
	SubmittedAt time.Time
}

// Finding is a finding's state.
type Finding struct {
	ID int64
	ev.FindingFields
	Status       string
	SourceTestID *int64
	// Response is the current management response; Responses counts every one
	// submitted.
	Response  *Response
	Responses int
	Stamp
}

// Engagement is the aggregate's state: the engagement with its procedures and
// findings.
type Engagement struct {
	ID int64
	ev.Fields
	Phase      string
	Status     string
	Procedures map[int64]Procedure
	// Files are the workpapers of procedures and the attachments of findings.
	Files    evidence.Files
	Findings map[int64]Finding
	Stamp
}

// Evolve applies an event to the state. Maps are copied on write so a state handed
// to Evolve is never changed under whoever still holds it.
func Evolve(g Engagement, p events.Payload, e events.Event) Engagement {
	switch x := p.(type) {
	case ev.EngagementCreated:
		g.ID, g.Fields, g.Phase, g.Status = x.EngagementID, x.Fields, x.Phase, x.Status
		g.Stamp = g.Touched(e)
	case ev.EngagementUpdated:
		g.Fields, _ = commands.Overlay(g.Fields, x.Set) // only the changed keys are present
		g.Stamp = g.Touched(e)
	case ev.EngagementPhaseChanged:
		g.Phase = x.To
		g.Stamp = g.Touched(e)
	case ev.EngagementStatusChanged:
		g.Status = x.To
		g.Stamp = g.Touched(e)
	case ev.ProcedureAdded:
		pr := Procedure{ID: x.ProcedureID, Procedure: x.Procedure}
		pr.Stamp = pr.Touched(e)
		g.Procedures = with(g.Procedures, x.ProcedureID, pr)
	case ev.ProcedureUpdated:
		pr := g.Procedures[x.ProcedureID]
		pr.Procedure, _ = commands.Overlay(pr.Procedure, x.Set)
		pr.Stamp = pr.Touched(e)
		g.Procedures = with(g.Procedures, x.ProcedureID, pr)
	case ev.ProcedureSignedOff:
		pr := g.Procedures[x.ProcedureID]
		by, at := x.SignedOffBy, e.RecordedAt
		pr.SignedOffBy, pr.SignedOffAt = &by, &at
		pr.Stamp = pr.Touched(e)
		g.Procedures = with(g.Procedures, x.ProcedureID, pr)
	case ev.FindingCreated:
		f := Finding{ID: x.FindingID, FindingFields: x.FindingFields, Status: x.Status, SourceTestID: x.SourceTestID}
		f.Stamp = f.Touched(e)
		g.Findings = with(g.Findings, x.FindingID, f)
	case ev.FindingUpdated:
		f := g.Findings[x.FindingID]
		f.FindingFields, _ = commands.Overlay(f.FindingFields, x.Set)
		f.Stamp = f.Touched(e)
		g.Findings = with(g.Findings, x.FindingID, f)
	case ev.FindingStatusChanged:
		f := g.Findings[x.FindingID]
		f.Status = x.To
		f.Stamp = f.Touched(e)
		g.Findings = with(g.Findings, x.FindingID, f)
	case ev.ManagementResponseSubmitted:
		f := g.Findings[x.FindingID]
		f.Response = &Response{ManagementResponse: x.ManagementResponse, SubmittedBy: x.SubmittedBy, SubmittedAt: e.RecordedAt}
		f.Responses++
		f.Stamp = f.Touched(e)
		g.Findings = with(g.Findings, x.FindingID, f)
	default:
		// A file changes none of the records' versions: a download must not make
		// an open form stale.
		g.Files, _ = evidence.Evolve(g.Files, p, e)
	}
	return g
}

func with[V any](m map[int64]V, id int64, v V) map[int64]V {
	m = maps.Clone(m)
	if m == nil {
		m = map[int64]V{}
	}
	m[id] = v
	return m
}
