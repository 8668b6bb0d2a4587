package audits

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
)

// CreateEngagement plans a new engagement. Status is the one it starts with (On
// Track when empty); it cannot start Cancelled.
type CreateEngagement struct {
	EngagementID int64
	ev.Fields
	Status string
}

// UpdateEngagement changes fields and, through the keys "status" and "comment", the
// engagement's status; Patch is a JSON object of field -> new value.
type UpdateEngagement struct{ Patch json.RawMessage }

// ChangePhase moves the engagement to Phase: one step forward, or back with a
// Comment saying why.
type ChangePhase struct {
	Phase   string
	Comment string
}

// The most procedures and findings one engagement holds. Every command on an
// engagement replays its whole stream, so the stream is kept to a size that replays
// in milliseconds.
const (
	maxProcedures = 1000
	maxFindings   = 5000
)

// The fields a patch may set. Read-only fields a client echoes back (id, version,
// counts) are ignored; anything else is refused by name.
var (
	engagementFields   = []string{"title", "scope", "auditee", "lead_auditor_id", "planned_start", "planned_end"}
	engagementReadOnly = []string{"id", "version", "findings_by_status", "procedures_total", "procedures_signed_off",
		"procedures", "created_at", "updated_at", "created_by", "updated_by"}
)

// Decide returns the events a command produces on an engagement, its procedures or
// its findings, or why it is refused. exists is false only for CreateEngagement.
func Decide(g Engagement, exists bool, cmd any) ([]events.Payload, error) {
	if c, ok := cmd.(CreateEngagement); ok {
		if exists {
			return nil, strata.Errorf(strata.Conflict, "engagement %d already exists", c.EngagementID)
		}
		return decideCreateEngagement(c)
	}
	if !exists {
		return nil, strata.Errorf(strata.NotFound, "engagement not found")
	}
	switch c := cmd.(type) {
	case UpdateEngagement:
		return decideUpdateEngagement(g, c)
	case ChangePhase:
		return decidePhase(g, c)
	case AddProcedure:
		return decideAddProcedure(g, c)
	case UpdateProcedure:
		return decideUpdateProcedure(g, c)
	case SignOffProcedure:
		return decideSignOff(g, c)
	case CreateFinding:
		return decideCreateFinding(g, c)
	case UpdateFinding:
		return decideUpdateFinding(g, c)
	case ChangeFindingStatus:
		return decideFindingStatus(g, c)
	case SubmitResponse:
		return decideResponse(g, c)
	case AttachFile, RecordFileDownload, RecordFileVerification:
		return decideFile(g, c)
	}
	return nil, fmt.Errorf("audits: unknown command %T", cmd)
}

func decideCreateEngagement(c CreateEngagement) ([]events.Payload, error) {
	f := c.Fields
	normalizeEngagement(&f)
	status := c.Status
	if status == "" {
		status = OnTrack
	}
	errs := validateEngagement(f)
	switch {
	case status == Cancelled:
		errs.Add("status", "cannot be Cancelled for a new engagement")
	case !slices.Contains(Statuses, status):
		errs.Add("status", "must be one of "+strings.Join(Statuses, ", "))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return []events.Payload{ev.EngagementCreated{EngagementID: c.EngagementID, Fields: f, Phase: Planning, Status: status}}, nil
}

// decideUpdateEngagement splits a patch into field changes and a status change, each
// its own event, so a cancellation is never buried among edits in the trail.
func decideUpdateEngagement(g Engagement, c UpdateEngagement) ([]events.Payload, error) {
	keys, err := object(c.Patch)
	if err != nil {
		return nil, err
	}
	errs := strata.FieldErrors{}
	status := g.Status
	if raw, ok := keys["status"]; ok {
		status = "" // null is no status at all, not "unchanged"
		if json.Unmarshal(raw, &status) != nil || !slices.Contains(Statuses, status) {
			errs.Add("status", "must be one of "+strings.Join(Statuses, ", "))
		}
		delete(keys, "status")
	}
	comment := takeString(errs, keys, "comment")
	// The phase has its own route with its own rules; an unchanged phase is only a
	// client sending the whole engagement back.
	if raw, ok := keys["phase"]; ok {
		var phase string
		if json.Unmarshal(raw, &phase) != nil || phase != g.Phase {
			errs.Add("phase", "changes through PUT /engagements/:id/phase")
		}
		delete(keys, "phase")
	}
	next, err := applyPatch(errs, g.Fields, keys, engagementFields, engagementReadOnly)
	if err != nil {
		return nil, err
	}
	normalizeEngagement(&next)
	maps.Copy(errs, validateEngagement(next))
	text.Check(errs, "comment", comment, text.Reason)
	if status != g.Status && comment == "" {
		switch {
		case status == Cancelled:
			errs.Add("comment", "is required to cancel an engagement")
		case g.Status == Cancelled:
			errs.Add("comment", "is required to reinstate a cancelled engagement")
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var out []events.Payload
	set, prev, err := commands.Diff(g.Fields, next)
	if err != nil {
		return nil, err
	}
	if set != nil {
		out = append(out, ev.EngagementUpdated{EngagementID: g.ID, Set: set, Previous: prev})
	}
	if status != g.Status {
		out = append(out, ev.EngagementStatusChanged{EngagementID: g.ID, From: g.Status, To: status, Comment: comment})
	}
	return out, nil
}

func decidePhase(g Engagement, c ChangePhase) ([]events.Payload, error) {
	comment := strings.TrimSpace(c.Comment)
	errs := strata.FieldErrors{}
	text.Check(errs, "comment", comment, text.Reason)
	to := slices.Index(Phases, c.Phase)
	if to < 0 {
		errs.Add("phase", "must be one of "+strings.Join(Phases, ", "))
		return nil, errs.Err()
	}
	if c.Phase == g.Phase {
		return nil, errs.Err()
	}
	from := slices.Index(Phases, g.Phase)
	switch {
	case g.Status == Cancelled:
		errs.Add("phase", "cannot change while the engagement is Cancelled; reinstate it first")
	case to > from+1:
		errs.Add("phase", fmt.Sprintf("can only move one step forward, from %s to %s", g.Phase, Phases[from+1]))
	case to < from && comment == "":
		errs.Add("comment", "is required to move back")
	}
	if c.Phase == Reporting {
		if n := openFindings(g); n > 0 {
			errs.Add("phase", fmt.Sprintf("cannot be Reporting while %s Open; approve or close %s first",
				plural(n, "finding is", "findings are"), map[bool]string{true: "it", false: "them"}[n == 1]))
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return []events.Payload{ev.EngagementPhaseChanged{EngagementID: g.ID, From: g.Phase, To: c.Phase, Comment: comment}}, nil
}

func openFindings(g Engagement) int {
	n := 0
	for _, f := range g.Findings {
		if f.Status == Open {
			n++
		}
	}
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// closedFor refuses new work (what) on a Completed or Cancelled engagement, naming
// engagement_id.
func closedFor(g Engagement, what string) error {
	state := ""
	switch {
	case g.Status == Cancelled:
		state = Cancelled
	case g.Phase == Completed:
		state = Completed
	default:
		return nil
	}
	return commands.FieldError("engagement_id", fmt.Sprintf("is %s: a %s engagement %s", state, state, what))
}

func normalizeEngagement(f *ev.Fields) {
	f.Title = strings.TrimSpace(f.Title)
	f.Scope = strings.TrimSpace(f.Scope)
	f.Auditee = strings.TrimSpace(f.Auditee)
}

func validateEngagement(f ev.Fields) strata.FieldErrors {
	errs := strata.FieldErrors{}
	text.Require(errs, "title", f.Title, text.Title)
	text.Check(errs, "scope", f.Scope, text.Description)
	text.Check(errs, "auditee", f.Auditee, text.Name)
	positive(errs, "lead_auditor_id", f.LeadAuditorID)
	commands.Date(errs, "planned_start", f.PlannedStart)
	commands.Date(errs, "planned_end", f.PlannedEnd)
	// Dates as YYYY-MM-DD compare as strings; a malformed one is already reported.
	if f.PlannedStart != nil && f.PlannedEnd != nil && len(errs) == 0 && *f.PlannedEnd < *f.PlannedStart {
		errs.Add("planned_end", "must not be before planned_start")
	}
	return errs
}

func positive(errs strata.FieldErrors, name string, v *int64) {
	if v != nil && *v <= 0 {
		errs.Add(name, "must be a positive integer")
	}
}

// object reads a patch as a JSON object.
func object(patch json.RawMessage) (map[string]json.RawMessage, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(patch, &keys); err != nil || keys == nil {
		return nil, strata.Errorf(strata.Invalid, "the body must be a JSON object")
	}
	return keys, nil
}

// takeString removes key from keys and returns its value, trimmed; null or absent
// is "".
func takeString(errs strata.FieldErrors, keys map[string]json.RawMessage, key string) string {
	raw, ok := keys[key]
	if !ok {
		return ""
	}
	delete(keys, key)
	var s *string
	if json.Unmarshal(raw, &s) != nil {
		errs.Add(key, "must be a string")
		return ""
	}
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// applyPatch is commands.ApplyPatch over what is left of a patch once the keys with
// rules of their own are taken out; its field errors join errs, so one answer names
// every bad field.
func applyPatch[T any](errs strata.FieldErrors, cur T, keys map[string]json.RawMessage, allowed, readOnly []string) (T, error) {
	rest, _ := json.Marshal(keys)
	next, err := commands.ApplyPatch(cur, rest, allowed, readOnly)
	if err != nil {
		se, ok := err.(*strata.Error)
		if !ok || se.Fields == nil {
			return cur, err
		}
		maps.Copy(errs, se.Fields)
	}
	return next, nil
}
