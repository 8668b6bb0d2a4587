// Package controls is the Control Library command side: the framework and control
// aggregates, which decide what events a command produces, and the handler that runs
// commands against the log.
package controls

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
)

// The values a control's fields take.
var (
	Statuses       = []string{Draft, Active, Archived}
	Types          = []string{"preventive", "detective", "corrective"}
	Frequencies    = []string{"continuous", "daily", "weekly", "monthly", "quarterly", "semiannual", "annual", "ad_hoc"}
	Effectiveness  = []string{Effective, PartiallyEffective, Ineffective, NotTested}
	TestResults    = []string{Pass, Fail, Inconclusive}
	editableFields = []string{"code", "title", "description", "framework_id", "type", "frequency", "owner_id"}
	readOnly       = []string{"id", "version", "effectiveness", "last_tested_at", "risk_ids", "requirement_ids",
		"created_at", "updated_at", "tests", "tests_total", "tests_next_cursor", "effectiveness_history",
		"effectiveness_history_total", "effectiveness_history_next_cursor", "risks", "requirements"}
)

// Statuses, ratings and test results by name.
const (
	Draft              = "Draft"
	Active             = "Active"
	Archived           = "Archived"
	Effective          = "Effective"
	PartiallyEffective = "Partially Effective"
	Ineffective        = "Ineffective"
	NotTested          = "Not Tested"
	Pass               = "Pass"
	Fail               = "Fail"
	Inconclusive       = "Inconclusive"
)

// Control is the aggregate's state.
type Control struct {
	ID int64
	ev.Fields
	Status        string
	Effectiveness string
	LastTestedAt  *time.Time
	// Decisive is the latest Pass or Fail by tested_at: only a test dated after it
	// may change the rating.
	Decisive *time.Time
	// Requirements maps each mapped requirement to its framework.
	Requirements map[int64]int64
}

// EvolveControl applies an event to the state.
func EvolveControl(c Control, p events.Payload, _ events.Event) Control {
	switch e := p.(type) {
	case ev.ControlCreated:
		c.ID, c.Fields, c.Status, c.Effectiveness = e.ControlID, e.Fields, e.Status, NotTested
	case ev.ControlUpdated:
		c.Fields, _ = commands.Overlay(c.Fields, e.Set)
	case ev.ControlStatusChanged:
		c.Status = e.To
	case ev.ControlTestRecorded:
		at := e.TestedAt
		if c.LastTestedAt == nil || at.After(*c.LastTestedAt) {
			c.LastTestedAt = &at
		}
		if decides(e.Result) && (c.Decisive == nil || !at.Before(*c.Decisive)) {
			c.Decisive = &at
		}
	case ev.ControlEffectivenessUpdated:
		c.Effectiveness = e.Effectiveness
	case ev.ControlMappedToRequirement:
		// Copied on write: a state handed to EvolveControl is never changed under
		// whoever still holds it.
		c.Requirements = maps.Clone(c.Requirements)
		if c.Requirements == nil {
			c.Requirements = map[int64]int64{}
		}
		c.Requirements[e.RequirementID] = e.FrameworkID
	case ev.ControlUnmappedFromRequirement:
		c.Requirements = maps.Clone(c.Requirements)
		delete(c.Requirements, e.RequirementID)
	}
	return c
}

func decides(result string) bool { return result == Pass || result == Fail }

// CreateControl defines a new control.
type CreateControl struct {
	ControlID int64
	ev.Fields
	Status string
}

// UpdateControl changes fields, status included; Patch is a JSON object of field ->
// new value.
type UpdateControl struct{ Patch json.RawMessage }

// SetEffectiveness is a person's rating of the control.
type SetEffectiveness struct {
	Effectiveness string
	Notes         string
}

// RecordTest records a test performed at TestedAt (now when nil).
type RecordTest struct {
	TestID   int64
	TestedAt *time.Time
	Result   string
	Notes    string
}

// MapRequirement records that the control answers a requirement of a framework.
type MapRequirement struct{ RequirementID, FrameworkID int64 }

// UnmapRequirement removes a requirement mapping.
type UnmapRequirement struct{ RequirementID int64 }

// futureSlack tolerates clocks a little ahead of the server's when a test is dated.
const futureSlack = 5 * time.Minute

const maxRequirementsPerControl = 500

// DecideControl returns the events a command produces on a control, or why it is
// refused. exists is false only for CreateControl. now is the decision's time.
func DecideControl(c Control, exists bool, cmd any, now time.Time) ([]events.Payload, error) {
	if cr, ok := cmd.(CreateControl); ok {
		if exists {
			return nil, strata.Errorf(strata.Conflict, "control %d already exists", cr.ControlID)
		}
		f := cr.Fields
		normalizeControl(&f)
		status := cr.Status
		if status == "" {
			status = Draft
		}
		errs := validateControl(f)
		if !slices.Contains(Statuses, status) {
			errs.Add("status", "must be one of "+strings.Join(Statuses, ", "))
		}
		if err := errs.Err(); err != nil {
			return nil, err
		}
		return []events.Payload{ev.ControlCreated{ControlID: cr.ControlID, Fields: f, Status: status}}, nil
	}
	if !exists {
		return nil, strata.Errorf(strata.NotFound, "control not found")
	}
	switch x := cmd.(type) {
	case UpdateControl:
		return decideUpdate(c, x)
	case SetEffectiveness:
		if err := refuseArchived(c, "rated"); err != nil {
			return nil, err
		}
		errs := strata.FieldErrors{}
		if !slices.Contains(Effectiveness, x.Effectiveness) {
			errs.Add("effectiveness", "must be one of "+strings.Join(Effectiveness, ", "))
		}
		notes := strings.TrimSpace(x.Notes)
		text.Require(errs, "notes", notes, text.Note)
		if err := errs.Err(); err != nil {
			return nil, err
		}
		if x.Effectiveness == c.Effectiveness {
			return nil, nil
		}
		return []events.Payload{ev.ControlEffectivenessUpdated{ControlID: c.ID, Effectiveness: x.Effectiveness,
			Previous: c.Effectiveness, Notes: notes}}, nil
	case RecordTest:
		return decideTest(c, x, now)
	case MapRequirement:
		if err := refuseArchived(c, "mapped"); err != nil {
			return nil, err
		}
		if _, ok := c.Requirements[x.RequirementID]; ok {
			return nil, nil // already mapped: nothing happened
		}
		if len(c.Requirements) >= maxRequirementsPerControl {
			return nil, strata.Errorf(strata.Invalid, "a control may map at most %d requirements", maxRequirementsPerControl)
		}
		return []events.Payload{ev.ControlMappedToRequirement{ControlID: c.ID, RequirementID: x.RequirementID, FrameworkID: x.FrameworkID}}, nil
	case UnmapRequirement:
		fw, ok := c.Requirements[x.RequirementID]
		if !ok {
			return nil, strata.Errorf(strata.NotFound, "requirement %d is not mapped to this control", x.RequirementID)
		}
		return []events.Payload{ev.ControlUnmappedFromRequirement{ControlID: c.ID, RequirementID: x.RequirementID, FrameworkID: fw}}, nil
	}
	return nil, fmt.Errorf("controls: unknown command %T", cmd)
}

func refuseArchived(c Control, what string) error {
	if c.Status == Archived {
		return strata.Errorf(strata.Invalid, "an archived control cannot be %s; make it Draft or Active first", what)
	}
	return nil
}

// decideUpdate splits a patch into field changes and a status change, each its own
// event, so a status change is never buried among edits in the trail.
func decideUpdate(c Control, x UpdateControl) ([]events.Payload, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(x.Patch, &keys); err != nil || keys == nil {
		return nil, strata.Errorf(strata.Invalid, "the body must be a JSON object")
	}
	status := c.Status
	errs := strata.FieldErrors{}
	if raw, ok := keys["status"]; ok {
		status = "" // null is no status at all, not "unchanged"
		if json.Unmarshal(raw, &status) != nil || !slices.Contains(Statuses, status) {
			errs.Add("status", "must be one of "+strings.Join(Statuses, ", "))
		}
		delete(keys, "status")
	}
	rest, _ := json.Marshal(keys)
	next, err := commands.ApplyPatch(c.Fields, rest, editableFields, readOnly)
	if err != nil {
		var se *strata.Error
		if len(errs) == 0 || !asFieldErrors(err, &se) {
			return nil, err
		}
		maps.Copy(errs, se.Fields)
	}
	normalizeControl(&next)
	maps.Copy(errs, validateControl(next))
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var out []events.Payload
	set, prev, err := commands.Diff(c.Fields, next)
	if err != nil {
		return nil, err
	}
	if set != nil {
		out = append(out, ev.ControlUpdated{ControlID: c.ID, Set: set, Previous: prev})
	}
	if status != c.Status {
		out = append(out, ev.ControlStatusChanged{ControlID: c.ID, From: c.Status, To: status})
	}
	return out, nil
}

func asFieldErrors(err error, out **strata.Error) bool {
	e, ok := err.(*strata.Error)
	if ok && e.Fields != nil {
		*out = e
		return true
	}
	return false
}

func decideTest(c Control, x RecordTest, now time.Time) ([]events.Payload, error) {
	if err := refuseArchived(c, "tested"); err != nil {
		return nil, err
	}
	errs := strata.FieldErrors{}
	// The read models keep PostgreSQL's microseconds; the event must name the same
	// instant, or a replayed view disagrees with the stored one.
	at := now.UTC().Truncate(time.Microsecond)
	if x.TestedAt != nil {
		at = x.TestedAt.UTC().Truncate(time.Microsecond)
		switch {
		case at.After(now.Add(futureSlack)):
			errs.Add("tested_at", "must not be in the future")
		case at.Year() < 1900:
			errs.Add("tested_at", "must be a real date")
		}
	}
	if !slices.Contains(TestResults, x.Result) {
		errs.Add("result", "must be one of "+strings.Join(TestResults, ", "))
	}
	notes := strings.TrimSpace(x.Notes)
	text.Check(errs, "notes", notes, text.Summary)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	out := []events.Payload{ev.ControlTestRecorded{ControlID: c.ID, TestID: x.TestID, TestedAt: at, Result: x.Result, Notes: notes}}
	if !decides(x.Result) || (c.Decisive != nil && at.Before(*c.Decisive)) {
		return out, nil // an older test: a later decisive one already says otherwise
	}
	rating := c.Effectiveness
	switch {
	case x.Result == Fail:
		rating = Ineffective
	case c.Effectiveness == NotTested || c.Effectiveness == Ineffective:
		rating = Effective
	}
	if rating != c.Effectiveness {
		id := x.TestID
		verb := map[string]string{Pass: "passed", Fail: "failed"}[x.Result]
		out = append(out, ev.ControlEffectivenessUpdated{ControlID: c.ID, Effectiveness: rating, Previous: c.Effectiveness,
			Notes: fmt.Sprintf("test %d %s", id, verb), TestID: &id})
	}
	return out, nil
}

func normalizeControl(f *ev.Fields) {
	f.Code = strings.TrimSpace(f.Code)
	f.Title = strings.TrimSpace(f.Title)
	f.Description = strings.TrimSpace(f.Description)
}

func validateControl(f ev.Fields) strata.FieldErrors {
	errs := strata.FieldErrors{}
	text.Require(errs, "code", f.Code, text.Code)
	text.Require(errs, "title", f.Title, text.Title)
	text.Check(errs, "description", f.Description, text.Description)
	if !slices.Contains(Types, f.Type) {
		errs.Add("type", "must be one of "+strings.Join(Types, ", "))
	}
	if !slices.Contains(Frequencies, f.Frequency) {
		errs.Add("frequency", "must be one of "+strings.Join(Frequencies, ", "))
	}
	if f.FrameworkID != nil && *f.FrameworkID <= 0 {
		errs.Add("framework_id", "must be a positive integer")
	}
	if f.OwnerID != nil && *f.OwnerID <= 0 {
		errs.Add("owner_id", "must be a positive integer")
	}
	return errs
}
