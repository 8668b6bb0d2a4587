package audits

import (
	"bytes"
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

// CreateFinding raises a finding in the engagement. Severity is Medium when empty.
// SourceTest, when set, is the control test it is raised from.
type CreateFinding struct {
	FindingID int64
	ev.FindingFields
	SourceTest *SourceTest
}

// SourceTest is a control test as the control library tells it: which control it
// tested and with what result.
type SourceTest struct {
	ID        int64
	ControlID int64
	Result    string
}

// UpdateFinding changes a finding's fields; Patch is a JSON object of field -> new
// value.
type UpdateFinding struct {
	FindingID int64
	Patch     json.RawMessage
}

// ChangeFindingStatus moves a finding to Status, with a Comment where the move needs
// one.
type ChangeFindingStatus struct {
	FindingID int64
	Status    string
	Comment   string
}

// SubmitResponse is management's answer to a finding, by the user By. MayWrite says
// By holds audits:write; anyone else must be the finding's assignee.
type SubmitResponse struct {
	FindingID int64
	ev.ManagementResponse
	By       int64
	MayWrite bool
}

// failed is the control test result a finding can be raised from.
const failed = "Fail"

var (
	findingFields   = []string{"title", "description", "severity", "risk_id", "control_id", "assigned_to", "due_date"}
	findingReadOnly = []string{"id", "version", "engagement_title", "overdue", "management_response",
		"management_responses", "risk", "control", "created_at", "updated_at", "created_by", "updated_by"}
	// frozenFields are the finding's text: what was approved stays as approved.
	frozenFields = []string{"title", "description", "severity", "risk_id", "control_id"}
)

func decideCreateFinding(g Engagement, c CreateFinding) ([]events.Payload, error) {
	if err := closedFor(g, "takes no new findings"); err != nil {
		return nil, err
	}
	if _, ok := g.Findings[c.FindingID]; ok {
		return nil, strata.Errorf(strata.Conflict, "finding %d already exists", c.FindingID)
	}
	created, err := newFinding(c)
	if err != nil {
		return nil, err
	}
	if len(g.Findings) >= maxFindings {
		return nil, strata.Errorf(strata.Invalid, "an engagement may have at most %d findings", maxFindings)
	}
	created.EngagementID = g.ID
	return []events.Payload{created}, nil
}

// newFinding checks a new finding's own fields, which need no engagement: the
// handler asks before it spends an id.
func newFinding(c CreateFinding) (ev.FindingCreated, error) {
	f := c.FindingFields
	if f.Severity == "" {
		f.Severity = "Medium"
	}
	normalizeFinding(&f)
	errs := validateFinding(f)
	var source *int64
	if t := c.SourceTest; t != nil {
		id := t.ID
		source = &id
		switch {
		case t.Result != failed:
			errs.Add("source_test_id", fmt.Sprintf("must be a failed test; test %d's result is %s", t.ID, t.Result))
		case f.ControlID == nil:
			control := t.ControlID
			f.ControlID = &control
		case *f.ControlID != t.ControlID:
			errs.Add("control_id", fmt.Sprintf("must be control %d, which test %d tested", t.ControlID, t.ID))
		}
	}
	if err := errs.Err(); err != nil {
		return ev.FindingCreated{}, err
	}
	return ev.FindingCreated{FindingID: c.FindingID, FindingFields: f, Status: Open, SourceTestID: source}, nil
}

func decideUpdateFinding(g Engagement, c UpdateFinding) ([]events.Payload, error) {
	cur, err := findingOf(g, c.FindingID)
	if err != nil {
		return nil, err
	}
	keys, err := object(c.Patch)
	if err != nil {
		return nil, err
	}
	errs := strata.FieldErrors{}
	// Fields that never change here: a client sending the whole finding back passes
	// them unchanged, and anything else is a mistake worth naming.
	same := map[string]any{"engagement_id": g.ID, "source_test_id": cur.SourceTestID, "status": cur.Status}
	why := map[string]string{
		"engagement_id":  "cannot change after the finding is created",
		"source_test_id": "cannot change after the finding is created",
		"status":         "changes through PUT /findings/:id/status",
	}
	for _, k := range []string{"engagement_id", "source_test_id", "status"} {
		raw, ok := keys[k]
		if !ok {
			continue
		}
		delete(keys, k)
		want, _ := json.Marshal(same[k])
		if !bytes.Equal(compact(raw), want) {
			errs.Add(k, why[k])
		}
	}
	next, err := applyPatch(errs, cur.FindingFields, keys, findingFields, findingReadOnly)
	if err != nil {
		return nil, err
	}
	normalizeFinding(&next)
	maps.Copy(errs, validateFinding(next))
	if err := errs.Err(); err != nil {
		return nil, err
	}
	set, prev, err := commands.Diff(cur.FindingFields, next)
	if err != nil || set == nil {
		return nil, err
	}
	var changed map[string]json.RawMessage
	_ = json.Unmarshal(set, &changed)
	for _, k := range frozenFields {
		if _, ok := changed[k]; ok && cur.Status != Open {
			errs.Add(k, fmt.Sprintf("is frozen while the finding is %s; reopen it to edit", cur.Status))
		}
	}
	if _, ok := changed["control_id"]; ok && cur.SourceTestID != nil {
		errs.Add("control_id", fmt.Sprintf("is the control test %d tested and cannot change", *cur.SourceTestID))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return []events.Payload{ev.FindingUpdated{EngagementID: g.ID, FindingID: c.FindingID, Set: set, Previous: prev}}, nil
}

// compact strips a raw JSON value's spacing, so it compares with a marshalled one.
func compact(raw json.RawMessage) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func decideFindingStatus(g Engagement, c ChangeFindingStatus) ([]events.Payload, error) {
	cur, err := findingOf(g, c.FindingID)
	if err != nil {
		return nil, err
	}
	comment := strings.TrimSpace(c.Comment)
	errs := strata.FieldErrors{}
	text.Check(errs, "comment", comment, text.Reason)
	if !slices.Contains(FindingStatuses, c.Status) {
		errs.Add("status", "must be one of "+strings.Join(FindingStatuses, ", "))
		return nil, errs.Err()
	}
	if c.Status == cur.Status {
		return nil, errs.Err()
	}
	switch move := cur.Status + "->" + c.Status; move {
	case Open + "->" + Approved:
	case Approved + "->" + Closed:
		if comment == "" {
			errs.Add("comment", "is required to close a finding: say how the fix was verified")
		}
	case Approved + "->" + Open, Closed + "->" + Open:
		if comment == "" {
			errs.Add("comment", "is required to reopen a finding")
		}
	case Open + "->" + Closed:
		errs.Add("status", "cannot move from Open to Closed; the finding must be Approved first")
	default:
		errs.Add("status", fmt.Sprintf("cannot move from %s to %s; a %s finding can only be reopened", cur.Status, c.Status, cur.Status))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return []events.Payload{ev.FindingStatusChanged{EngagementID: g.ID, FindingID: c.FindingID, From: cur.Status, To: c.Status, Comment: comment}}, nil
}

func decideResponse(g Engagement, c SubmitResponse) ([]events.Payload, error) {
	cur, err := findingOf(g, c.FindingID)
	if err != nil {
		return nil, err
	}
	if !c.MayWrite && (cur.AssignedTo == nil || *cur.AssignedTo != c.By) {
		return nil, strata.Errorf(strata.PermissionDenied, "only the finding's assignee or someone with audits:write may respond to it")
	}
	r := c.ManagementResponse
	r.Response = strings.TrimSpace(r.Response)
	r.ActionPlan = strings.TrimSpace(r.ActionPlan)
	errs := strata.FieldErrors{}
	text.Require(errs, "response", r.Response, text.Summary)
	text.Check(errs, "action_plan", r.ActionPlan, text.Summary)
	commands.Date(errs, "target_date", r.TargetDate)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return []events.Payload{ev.ManagementResponseSubmitted{EngagementID: g.ID, FindingID: c.FindingID, ManagementResponse: r, SubmittedBy: c.By}}, nil
}

func findingOf(g Engagement, id int64) (Finding, error) {
	f, ok := g.Findings[id]
	if !ok {
		return Finding{}, strata.Errorf(strata.NotFound, "finding %d not found", id)
	}
	return f, nil
}

func normalizeFinding(f *ev.FindingFields) {
	f.Title = strings.TrimSpace(f.Title)
	f.Description = strings.TrimSpace(f.Description)
}

func validateFinding(f ev.FindingFields) strata.FieldErrors {
	errs := strata.FieldErrors{}
	text.Require(errs, "title", f.Title, text.Title)
	text.Check(errs, "description", f.Description, text.Description)
	if !slices.Contains(Severities, f.Severity) {
		errs.Add("severity", "must be one of "+strings.Join(Severities, ", "))
	}
	positive(errs, "risk_id", f.RiskID)
	positive(errs, "control_id", f.ControlID)
	positive(errs, "assigned_to", f.AssignedTo)
	commands.Date(errs, "due_date", f.DueDate)
	return errs
}
