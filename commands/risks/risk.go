// Package risks is the Risk Management command side: the risk aggregate, which decides
// what events a command produces, and the handler that runs commands against the log.
package risks

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
	ev "github.com/strata-grc/strata/events/risks"
)

// Statuses a risk may be in.
var Statuses = []string{"Identified", "Assessed", "Treating", "Accepted", "Closed"}

// ResponseTypes and ResponseStatuses of a risk response.
var (
	ResponseTypes    = []string{"mitigate", "accept", "transfer", "avoid"}
	ResponseStatuses = []string{"planned", "in_progress", "done"}
)

// Risk is the aggregate's state.
type Risk struct {
	ID int64
	ev.Fields
	Deleted   bool
	Responses map[int64]ev.Response
	Controls  []int64
}

// Evolve applies an event to the state.
func Evolve(r Risk, p events.Payload, _ events.Event) Risk {
	switch e := p.(type) {
	case ev.RiskCreated:
		r.ID, r.Fields = e.RiskID, e.Fields
	case ev.RiskUpdated:
		r.Fields, _ = commands.Overlay(r.Fields, e.Set) // only the changed keys are present
	case ev.RiskDeleted:
		r.Deleted = true
	case ev.RiskResponseAdded:
		// Maps are copied on write so a state handed to Evolve is never changed under
		// whoever still holds it.
		r.Responses = maps.Clone(r.Responses)
		if r.Responses == nil {
			r.Responses = map[int64]ev.Response{}
		}
		r.Responses[e.ResponseID] = e.Response
	case ev.RiskResponseUpdated:
		resp, _ := commands.Overlay(r.Responses[e.ResponseID], e.Set)
		r.Responses = maps.Clone(r.Responses)
		if r.Responses == nil {
			r.Responses = map[int64]ev.Response{}
		}
		r.Responses[e.ResponseID] = resp
	case ev.RiskControlMapped:
		if !slices.Contains(r.Controls, e.ControlID) {
			r.Controls = append(slices.Clone(r.Controls), e.ControlID)
		}
	case ev.RiskControlUnmapped:
		r.Controls = slices.DeleteFunc(slices.Clone(r.Controls), func(c int64) bool { return c == e.ControlID })
	}
	return r
}

// Create is the command that identifies a new risk.
type Create struct {
	RiskID int64
	ev.Fields
}

// Update changes some fields; Patch is a JSON object of field -> new value.
type Update struct{ Patch json.RawMessage }

// Delete withdraws the risk.
type Delete struct{ Reason string }

// AddResponse plans a treatment.
type AddResponse struct {
	ResponseID int64
	ev.Response
}

// UpdateResponse changes a treatment; Patch as in Update.
type UpdateResponse struct {
	ResponseID int64
	Patch      json.RawMessage
}

// MapControl records that a control mitigates the risk.
type MapControl struct{ ControlID int64 }

// UnmapControl removes a mapping.
type UnmapControl struct{ ControlID int64 }

// Decide returns the events a command produces on a risk, or why it is refused.
// exists is false only for Create. now is the decision's time.
func Decide(r Risk, exists bool, cmd any, now time.Time) ([]events.Payload, error) {
	if c, ok := cmd.(Create); ok {
		if exists {
			return nil, strata.Errorf(strata.Conflict, "risk %d already exists", c.RiskID)
		}
		f := c.Fields
		if f.Status == "" {
			f.Status = "Identified"
		}
		normalize(&f)
		if err := validate(f); err != nil {
			return nil, err
		}
		return []events.Payload{ev.RiskCreated{RiskID: c.RiskID, Fields: f}}, nil
	}
	if !exists || r.Deleted {
		return nil, strata.Errorf(strata.NotFound, "risk not found")
	}
	switch c := cmd.(type) {
	case Update:
		next, err := commands.ApplyPatch(r.Fields, c.Patch, riskFields, readOnly)
		if err != nil {
			return nil, err
		}
		normalize(&next)
		if err := validate(next); err != nil {
			return nil, err
		}
		set, prev, err := commands.Diff(r.Fields, next)
		if err != nil || set == nil {
			return nil, err
		}
		return []events.Payload{ev.RiskUpdated{RiskID: r.ID, Set: set, Previous: prev}}, nil
	case Delete:
		reason := strings.TrimSpace(c.Reason)
		errs := strata.FieldErrors{}
		text.Check(errs, "reason", reason, text.Reason)
		if err := errs.Err(); err != nil {
			return nil, err
		}
		return []events.Payload{ev.RiskDeleted{RiskID: r.ID, Reason: reason}}, nil
	case AddResponse:
		resp := c.Response
		if resp.Status == "" {
			resp.Status = "planned"
		}
		resp.Description = strings.TrimSpace(resp.Description)
		if err := validateResponse(resp); err != nil {
			return nil, err
		}
		if len(r.Responses) >= maxResponses {
			return nil, strata.Errorf(strata.Invalid, "a risk may have at most %d responses", maxResponses)
		}
		e := ev.RiskResponseAdded{RiskID: r.ID, ResponseID: c.ResponseID, Response: resp}
		if resp.Status == "done" {
			at := now.UTC().Format(time.RFC3339)
			e.CompletedAt = &at
		}
		return []events.Payload{e}, nil
	case UpdateResponse:
		cur, ok := r.Responses[c.ResponseID]
		if !ok {
			return nil, strata.Errorf(strata.NotFound, "response %d not found on this risk", c.ResponseID)
		}
		next, err := commands.ApplyPatch(cur, c.Patch, responseFields, readOnly)
		if err != nil {
			return nil, err
		}
		next.Description = strings.TrimSpace(next.Description)
		if err := validateResponse(next); err != nil {
			return nil, err
		}
		set, prev, err := commands.Diff(cur, next)
		if err != nil || set == nil {
			return nil, err
		}
		e := ev.RiskResponseUpdated{RiskID: r.ID, ResponseID: c.ResponseID, Set: set, Previous: prev}
		if next.Status == "done" && cur.Status != "done" {
			at := now.UTC().Format(time.RFC3339)
			e.CompletedAt = &at
		}
		return []events.Payload{e}, nil
	case MapControl:
		if c.ControlID <= 0 {
			return nil, commands.FieldError("control_id", "must be a positive integer")
		}
		if slices.Contains(r.Controls, c.ControlID) {
			return nil, nil // already mapped: nothing happened
		}
		if len(r.Controls) >= maxControls {
			return nil, strata.Errorf(strata.Invalid, "a risk may map at most %d controls", maxControls)
		}
		return []events.Payload{ev.RiskControlMapped{RiskID: r.ID, ControlID: c.ControlID}}, nil
	case UnmapControl:
		if !slices.Contains(r.Controls, c.ControlID) {
			return nil, strata.Errorf(strata.NotFound, "control %d is not mapped to this risk", c.ControlID)
		}
		return []events.Payload{ev.RiskControlUnmapped{RiskID: r.ID, ControlID: c.ControlID}}, nil
	}
	return nil, fmt.Errorf("risks: unknown command %T", cmd)
}

const (
	maxResponses = 200
	maxControls  = 500
)

// The fields a patch may set. Read-only fields a client echoes back (id, version,
// scores) are ignored; anything else is refused by name.
var (
	riskFields = []string{"title", "description", "category", "status", "likelihood", "impact",
		"residual_likelihood", "residual_impact", "owner_id", "review_date"}
	responseFields = []string{"type", "description", "owner_id", "due_date", "status"}
	readOnly       = []string{"id", "version", "inherent_score", "rating", "residual_score", "control_ids",
		"created_at", "updated_at", "created_by", "updated_by", "risk_id", "completed_at", "responses", "controls"}
)

func normalize(f *ev.Fields) {
	f.Title = strings.TrimSpace(f.Title)
	f.Category = strings.TrimSpace(f.Category)
	f.Description = strings.TrimSpace(f.Description)
}

func validate(f ev.Fields) error {
	errs := strata.FieldErrors{}
	text.Require(errs, "title", f.Title, text.Name)
	text.Require(errs, "category", f.Category, text.Category)
	text.Check(errs, "description", f.Description, text.Description)
	if !slices.Contains(Statuses, f.Status) {
		errs.Add("status", "must be one of "+strings.Join(Statuses, ", "))
	}
	scale(errs, "likelihood", &f.Likelihood)
	scale(errs, "impact", &f.Impact)
	scale(errs, "residual_likelihood", f.ResidualLikelihood)
	scale(errs, "residual_impact", f.ResidualImpact)
	if (f.ResidualLikelihood == nil) != (f.ResidualImpact == nil) {
		if f.ResidualLikelihood == nil {
			errs.Add("residual_likelihood", "is required when residual_impact is set")
		} else {
			errs.Add("residual_impact", "is required when residual_likelihood is set")
		}
	}
	if f.OwnerID != nil && *f.OwnerID <= 0 {
		errs.Add("owner_id", "must be a positive integer")
	}
	commands.Date(errs, "review_date", f.ReviewDate)
	return errs.Err()
}

func validateResponse(r ev.Response) error {
	errs := strata.FieldErrors{}
	if !slices.Contains(ResponseTypes, r.Type) {
		errs.Add("type", "must be one of "+strings.Join(ResponseTypes, ", "))
	}
	text.Require(errs, "description", r.Description, text.Summary)
	if !slices.Contains(ResponseStatuses, r.Status) {
		errs.Add("status", "must be one of "+strings.Join(ResponseStatuses, ", "))
	}
	if r.OwnerID != nil && *r.OwnerID <= 0 {
		errs.Add("owner_id", "must be a positive integer")
	}
	commands.Date(errs, "due_date", r.DueDate)
	return errs.Err()
}

func scale(errs strata.FieldErrors, name string, v *int) {
	if v != nil && (*v < 1 || *v > 5) {
		errs.Add(name, "must be an integer from 1 to 5")
	}
}
