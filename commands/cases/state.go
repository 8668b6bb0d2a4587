// Package cases is the investigations command side: the case aggregate (with the
// evidence files attached to it, whose events share its stream), which decides what
// events a command produces, and the handler that runs commands against the log.
package cases

import (
	"maps"
	"time"

	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/evidence"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/cases"
)

// Statuses of a case, in the order an investigation moves through them.
const (
	New        = "new"
	Assigned   = "assigned"
	InProgress = "in_progress"
	Review     = "review"
	Completed  = "completed"
)

// Statuses lists a case's statuses in their forward order.
var Statuses = []string{New, Assigned, InProgress, Review, Completed}

// Priorities of a case, lowest first.
const (
	Low    = "low"
	Medium = "medium"
	High   = "high"
	Urgent = "urgent"
)

// Priorities lists a case's priorities, lowest first.
var Priorities = []string{Low, Medium, High, Urgent}

// Resolutions a completed case concludes with.
const (
	Substantiated   = "substantiated"
	Unsubstantiated = "unsubstantiated"
	Inconclusive    = "inconclusive"
)

// Resolutions lists what a completed case may conclude.
var Resolutions = []string{Substantiated, Unsubstantiated, Inconclusive}

// Integrity before a file's first check, and what found a check's result: the
// shared file rules' own.
const (
	Unverified     = evidence.Unverified
	DuringVerify   = evidence.DuringVerify
	DuringDownload = evidence.DuringDownload
)

// OwnerKind is the kind evidence events name for a file attached to a case.
const OwnerKind = "case"

// Stamp is a case's: evidence events do not count, so a download never makes an
// editor's form stale.
type Stamp = commands.Stamp

// Evidence is a file of the case as its stream tells it.
type Evidence = evidence.File

// Case is the aggregate's state: the case with its evidence.
type Case struct {
	ID int64
	ev.Fields
	Status          string
	AssigneeID      *int64
	Resolution      string // set while completed, cleared by a reopening
	StatusChangedAt time.Time
	Evidence        evidence.Files
	Stamp
}

// Viewer is who asks about a case: a confidential case exists only for admins, its
// assignee and its creator.
type Viewer struct {
	UserID int64
	Admin  bool
}

// VisibleTo reports whether v may know the case exists.
func (c Case) VisibleTo(v Viewer) bool {
	switch {
	case !c.Confidential, v.Admin:
		return true
	case v.UserID <= 0:
		return false
	case c.AssigneeID != nil && *c.AssigneeID == v.UserID:
		return true
	}
	return c.CreatedBy == v.UserID
}

// Evolve applies an event to the state. The evidence map is copied on write so a
// state handed to Evolve is never changed under whoever still holds it.
func Evolve(c Case, p events.Payload, e events.Event) Case {
	switch x := p.(type) {
	case ev.CaseOpened:
		c.ID, c.Fields, c.Status, c.StatusChangedAt = x.CaseID, x.Fields, x.Status, e.RecordedAt
		c.Stamp = c.Touched(e)
	case ev.CaseUpdated:
		c.Fields, _ = commands.Overlay(c.Fields, x.Set) // only the changed keys are present
		c.Stamp = c.Touched(e)
	case ev.CaseAssigned:
		c.AssigneeID = nil
		if x.AssigneeID != nil {
			id := *x.AssigneeID
			c.AssigneeID = &id
		}
		c.Stamp = c.Touched(e)
	case ev.CaseStatusChanged:
		c.Status, c.StatusChangedAt = x.To, e.RecordedAt
		// Only a completed case has a resolution; reopening one withdraws it.
		c.Resolution = ""
		if x.To == Completed {
			c.Resolution = x.Resolution
		}
		c.Stamp = c.Touched(e)
	default:
		c.Evidence, _ = evidence.Evolve(c.Evidence, p, e)
	}
	return c
}

func with[V any](m map[int64]V, id int64, v V) map[int64]V {
	m = maps.Clone(m)
	if m == nil {
		m = map[int64]V{}
	}
	m[id] = v
	return m
}
