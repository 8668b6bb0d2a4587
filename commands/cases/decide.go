package cases

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/evidence"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/cases"
	evevidence "github.com/strata-grc/strata/events/evidence"
)

// Open opens a new case. Priority is medium when empty.
type Open struct {
	CaseID int64
	ev.Fields
}

// Update changes a case's fields; Patch is a JSON object of field -> new value.
type Update struct{ Patch json.RawMessage }

// Assign gives the case to AssigneeID, or takes it back when nil.
type Assign struct{ AssigneeID *int64 }

// ChangeStatus moves the case to Status, with the Comment and Resolution the move
// needs.
type ChangeStatus struct {
	Status     string
	Comment    string
	Resolution string
}

// AttachEvidence attaches a file, already stored, to the case.
type AttachEvidence struct {
	EvidenceID int64
	File       evevidence.File
}

// RecordDownload records a file being handed out, with the Reason the downloader gave.
type RecordDownload struct {
	EvidenceID int64
	Reason     string
}

// RecordVerification records a file read back and hashed: Actual is the hash read
// ("" when the file was missing), Result evevidence.Match or evevidence.Mismatch,
// During DuringVerify or DuringDownload.
type RecordVerification struct {
	EvidenceID int64
	Actual     string
	Result     string
	During     string
}

// moves are the status changes allowed from each status.
var moves = map[string][]string{
	New:        {Assigned, InProgress},
	Assigned:   {InProgress},
	InProgress: {Review},
	Review:     {Completed, InProgress},
	Completed:  {InProgress},
}

// The fields a patch may set. Read-only fields a client echoes back (id, version,
// counts) are ignored; anything else is refused by name.
var (
	caseFields   = []string{"title", "description", "type", "priority", "reporter"}
	caseReadOnly = []string{"id", "version", "assignee_name", "evidence_count", "evidence", "created_by", "created_at",
		"updated_at", "updated_by", "status_changed_at"}
)

var (
	errCaseNotFound = strata.Errorf(strata.NotFound, "case not found")
)

// Decide returns the events a command produces on a case or its evidence, or why it
// is refused. exists is false only for Open. Who may see the case is the handler's
// concern: Decide judges the command alone.
func Decide(c Case, exists bool, cmd any) ([]events.Payload, error) {
	if o, ok := cmd.(Open); ok {
		if exists {
			return nil, strata.Errorf(strata.Conflict, "case %d already exists", o.CaseID)
		}
		return decideOpen(o)
	}
	if !exists {
		return nil, errCaseNotFound
	}
	switch x := cmd.(type) {
	case Update:
		return decideUpdate(c, x)
	case Assign:
		return decideAssign(c, x)
	case ChangeStatus:
		return decideStatus(c, x)
	case AttachEvidence:
		return decideAttach(c, x)
	case RecordDownload:
		return decideDownload(c, x)
	case RecordVerification:
		return decideVerification(c, x)
	}
	return nil, fmt.Errorf("cases: unknown command %T", cmd)
}

func decideOpen(o Open) ([]events.Payload, error) {
	f := o.Fields
	if f.Priority == "" {
		f.Priority = Medium
	}
	normalize(&f)
	if err := validate(f).Err(); err != nil {
		return nil, err
	}
	return []events.Payload{ev.CaseOpened{CaseID: o.CaseID, Fields: f, Status: New}}, nil
}

func normalize(f *ev.Fields) {
	f.Title = strings.TrimSpace(f.Title)
	f.Description = strings.TrimSpace(f.Description)
	f.Type = strings.TrimSpace(f.Type)
	f.Reporter = strings.TrimSpace(f.Reporter)
}

func validate(f ev.Fields) strata.FieldErrors {
	errs := strata.FieldErrors{}
	text.Require(errs, "title", f.Title, text.Title)
	text.Check(errs, "description", f.Description, text.Description)
	text.Check(errs, "type", f.Type, text.Category)
	text.Check(errs, "reporter", f.Reporter, text.Name)
	if !slices.Contains(Priorities, f.Priority) {
		errs.Add("priority", "must be one of "+strings.Join(Priorities, ", "))
	}
	return errs
}

func decideUpdate(c Case, u Update) ([]events.Payload, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(u.Patch, &keys); err != nil || keys == nil {
		return nil, strata.Errorf(strata.Invalid, "the body must be a JSON object")
	}
	errs := strata.FieldErrors{}
	// Status, assignee and resolution change through their own routes with their own
	// rules. A client sending the whole case back passes them unchanged; anything
	// else is a mistake worth naming.
	var resolution *string
	if c.Resolution != "" {
		resolution = &c.Resolution
	}
	for _, k := range []struct {
		key   string
		cur   any
		route string
	}{
		{"status", c.Status, "PUT /cases/:id/status"},
		{"resolution", resolution, "PUT /cases/:id/status"},
		{"assignee_id", c.AssigneeID, "PUT /cases/:id/assignee"},
	} {
		raw, ok := keys[k.key]
		if !ok {
			continue
		}
		delete(keys, k.key)
		want, _ := json.Marshal(k.cur)
		if !bytes.Equal(compact(raw), want) {
			errs.Add(k.key, "changes through "+k.route)
		}
	}
	confidential := c.Confidential
	if raw, ok := keys["confidential"]; ok {
		delete(keys, "confidential")
		var b *bool
		if json.Unmarshal(raw, &b) != nil || b == nil {
			errs.Add("confidential", "must be true or false")
		} else {
			confidential = *b
		}
	}
	rest, _ := json.Marshal(keys)
	next, err := commands.ApplyPatch(c.Fields, rest, caseFields, caseReadOnly)
	if err != nil {
		se, ok := err.(*strata.Error)
		if !ok || se.Fields == nil {
			return nil, err
		}
		maps.Copy(errs, se.Fields)
	}
	next.Confidential = confidential
	normalize(&next)
	for k, v := range validate(next) {
		errs.Add(k, v)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	set, prev, err := commands.Diff(c.Fields, next)
	if err != nil || set == nil {
		return nil, err
	}
	if c.Status == Completed {
		var changed map[string]json.RawMessage
		_ = json.Unmarshal(set, &changed)
		for k := range changed {
			errs.Add(k, "is frozen while the case is completed; reopen it to edit")
		}
		return nil, errs.Err()
	}
	return []events.Payload{ev.CaseUpdated{CaseID: c.ID, Set: set, Previous: prev}}, nil
}

// compact strips a raw JSON value's spacing, so it compares with a marshalled one.
func compact(raw json.RawMessage) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func decideAssign(c Case, a Assign) ([]events.Payload, error) {
	to := a.AssigneeID
	switch {
	case to != nil && *to <= 0:
		return nil, commands.FieldError("assignee_id", "must be a positive integer")
	case sameID(c.AssigneeID, to):
		return nil, nil
	case c.Status == Completed:
		return nil, commands.FieldError("assignee_id", "cannot change while the case is completed; reopen it first")
	case to == nil && c.Status != New && c.Status != Assigned:
		return nil, commands.FieldError("assignee_id", fmt.Sprintf("cannot be cleared while the case is %s; a case under investigation needs an assignee", c.Status))
	}
	out := []events.Payload{ev.CaseAssigned{CaseID: c.ID, From: c.AssigneeID, AssigneeID: to}}
	switch {
	case to != nil && c.Status == New:
		out = append(out, ev.CaseStatusChanged{CaseID: c.ID, From: New, To: Assigned})
	case to == nil && c.Status == Assigned:
		out = append(out, ev.CaseStatusChanged{CaseID: c.ID, From: Assigned, To: New})
	}
	return out, nil
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func decideStatus(c Case, s ChangeStatus) ([]events.Payload, error) {
	comment := strings.TrimSpace(s.Comment)
	resolution := strings.TrimSpace(s.Resolution)
	errs := strata.FieldErrors{}
	text.Check(errs, "comment", comment, text.Reason)
	if !slices.Contains(Statuses, s.Status) {
		errs.Add("status", "must be one of "+strings.Join(Statuses, ", "))
		return nil, errs.Err()
	}
	if s.Status == c.Status {
		// Asking for the status the case is in changes nothing, unless it asks for
		// another conclusion, which only a reopening and a new completion give.
		if resolution != "" && (c.Status != Completed || resolution != c.Resolution) {
			errs.Add("resolution", resolutionProblem(c.Status))
		}
		return nil, errs.Err()
	}
	if !slices.Contains(moves[c.Status], s.Status) {
		errs.Add("status", fmt.Sprintf("cannot move from %s to %s; a %s case moves only to %s",
			c.Status, s.Status, c.Status, strings.Join(moves[c.Status], " or ")))
		return nil, errs.Err()
	}
	if s.Status != New && c.AssigneeID == nil {
		errs.Add("status", fmt.Sprintf("cannot be %s without an assignee; assign the case through PUT /cases/:id/assignee first", s.Status))
	}
	switch {
	case s.Status == Completed:
		switch {
		case resolution == "":
			errs.Add("resolution", "is required to complete a case: one of "+strings.Join(Resolutions, ", "))
		case !slices.Contains(Resolutions, resolution):
			errs.Add("resolution", "must be one of "+strings.Join(Resolutions, ", "))
		}
		if comment == "" {
			errs.Add("comment", "is required to complete a case: the closing note")
		}
	case resolution != "":
		errs.Add("resolution", "is only given when completing a case")
	}
	if comment == "" {
		switch c.Status + "->" + s.Status {
		case Review + "->" + InProgress:
			errs.Add("comment", "is required to send a case back from review: say what is missing")
		case Completed + "->" + InProgress:
			errs.Add("comment", "is required to reopen a case: say why")
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return []events.Payload{ev.CaseStatusChanged{CaseID: c.ID, From: c.Status, To: s.Status, Comment: comment, Resolution: resolution}}, nil
}

func resolutionProblem(status string) string {
	if status == Completed {
		return "cannot change while the case is completed; reopen it and complete it again"
	}
	return "is only given when completing a case"
}

// attachable refuses new evidence on a case that takes none.
func attachable(c Case) error {
	if c.Status == Completed {
		return commands.FieldError("case_id", "is completed: a completed case takes no new evidence; reopen it first")
	}
	return nil
}

func decideAttach(c Case, a AttachEvidence) ([]events.Payload, error) {
	if err := attachable(c); err != nil {
		return nil, err
	}
	return evidence.Attach(c.Evidence, owner(c), a.EvidenceID, a.File)
}

func owner(c Case) evevidence.Owner { return evevidence.Owner{Kind: OwnerKind, ID: c.ID} }

func decideDownload(c Case, d RecordDownload) ([]events.Payload, error) {
	return evidence.Download(c.Evidence, owner(c), d.EvidenceID, d.Reason)
}

func decideVerification(c Case, v RecordVerification) ([]events.Payload, error) {
	return evidence.Verification(c.Evidence, owner(c), v.EvidenceID, v.Actual, v.Result, v.During)
}
