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

// AddProcedure adds a step to the work programme; its status is not_started when
// empty.
type AddProcedure struct {
	ProcedureID int64
	ev.Procedure
}

// UpdateProcedure changes a step; Patch is a JSON object of field -> new value.
type UpdateProcedure struct {
	ProcedureID int64
	Patch       json.RawMessage
}

// SignOffProcedure is By's acceptance of a done step and its conclusion.
type SignOffProcedure struct {
	ProcedureID int64
	By          int64
	Comment     string
}

var (
	procedureFields   = []string{"title", "description", "assigned_to", "status", "conclusion"}
	procedureReadOnly = []string{"id", "engagement_id", "version", "signed_off_by", "signed_off_at",
		"created_at", "updated_at", "created_by", "updated_by"}
)

func decideAddProcedure(g Engagement, c AddProcedure) ([]events.Payload, error) {
	if err := closedFor(g, "takes no new procedures"); err != nil {
		return nil, err
	}
	if _, ok := g.Procedures[c.ProcedureID]; ok {
		return nil, strata.Errorf(strata.Conflict, "procedure %d already exists", c.ProcedureID)
	}
	p := c.Procedure
	if p.Status == "" {
		p.Status = NotStarted
	}
	normalizeProcedure(&p)
	if err := validateProcedure(p).Err(); err != nil {
		return nil, err
	}
	if len(g.Procedures) >= maxProcedures {
		return nil, strata.Errorf(strata.Invalid, "an engagement may have at most %d procedures", maxProcedures)
	}
	return []events.Payload{ev.ProcedureAdded{EngagementID: g.ID, ProcedureID: c.ProcedureID, Procedure: p}}, nil
}

func decideUpdateProcedure(g Engagement, c UpdateProcedure) ([]events.Payload, error) {
	cur, err := procedureOf(g, c.ProcedureID)
	if err != nil {
		return nil, err
	}
	if err := closedFor(g, "keeps its work papers as they were closed"); err != nil {
		return nil, err
	}
	if cur.SignedOffBy != nil {
		return nil, commands.FieldError("procedure", "is signed off; it can no longer be changed")
	}
	keys, err := object(c.Patch)
	if err != nil {
		return nil, err
	}
	errs := strata.FieldErrors{}
	next, err := applyPatch(errs, cur.Procedure, keys, procedureFields, procedureReadOnly)
	if err != nil {
		return nil, err
	}
	normalizeProcedure(&next)
	maps.Copy(errs, validateProcedure(next))
	if err := errs.Err(); err != nil {
		return nil, err
	}
	set, prev, err := commands.Diff(cur.Procedure, next)
	if err != nil || set == nil {
		return nil, err
	}
	return []events.Payload{ev.ProcedureUpdated{EngagementID: g.ID, ProcedureID: c.ProcedureID, Set: set, Previous: prev}}, nil
}

func decideSignOff(g Engagement, c SignOffProcedure) ([]events.Payload, error) {
	cur, err := procedureOf(g, c.ProcedureID)
	if err != nil {
		return nil, err
	}
	if err := closedFor(g, "keeps its work papers as they were closed"); err != nil {
		return nil, err
	}
	if cur.SignedOffBy != nil {
		return nil, commands.FieldError("procedure", fmt.Sprintf("is already signed off (by user %d)", *cur.SignedOffBy))
	}
	comment := strings.TrimSpace(c.Comment)
	errs := strata.FieldErrors{}
	text.Check(errs, "comment", comment, text.Reason)
	if cur.Status != Done {
		errs.Add("status", fmt.Sprintf("must be %s before the procedure is signed off (it is %s)", Done, cur.Status))
	}
	if cur.Conclusion == "" {
		errs.Add("conclusion", "is required before the procedure is signed off")
	}
	// A sign-off is a second pair of eyes.
	if cur.AssignedTo != nil && *cur.AssignedTo == c.By {
		errs.Add("assigned_to", "the person assigned cannot sign off their own procedure")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return []events.Payload{ev.ProcedureSignedOff{EngagementID: g.ID, ProcedureID: c.ProcedureID, SignedOffBy: c.By, Comment: comment}}, nil
}

func procedureOf(g Engagement, id int64) (Procedure, error) {
	p, ok := g.Procedures[id]
	if !ok {
		return Procedure{}, strata.Errorf(strata.NotFound, "procedure %d not found in this engagement", id)
	}
	return p, nil
}

func normalizeProcedure(p *ev.Procedure) {
	p.Title = strings.TrimSpace(p.Title)
	p.Description = strings.TrimSpace(p.Description)
	p.Conclusion = strings.TrimSpace(p.Conclusion)
}

func validateProcedure(p ev.Procedure) strata.FieldErrors {
	errs := strata.FieldErrors{}
	text.Require(errs, "title", p.Title, text.Title)
	text.Check(errs, "description", p.Description, text.Description)
	text.Check(errs, "conclusion", p.Conclusion, text.Description)
	if !slices.Contains(ProcedureStatuses, p.Status) {
		errs.Add("status", "must be one of "+strings.Join(ProcedureStatuses, ", "))
	}
	positive(errs, "assigned_to", p.AssignedTo)
	return errs
}
