package cases

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/decidetest"
	"github.com/strata-grc/strata/commands/evidence"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/cases"
	evevidence "github.com/strata-grc/strata/events/evidence"
)

const caseID = 5

// creator opens every case the decide tests fold; investigator is its assignee.
const (
	creator      = 1
	investigator = 7
)

func ptr[T any](v T) *T { return &v }

func patch(s string) json.RawMessage { return json.RawMessage(s) }

func given(ps ...events.Payload) []events.Payload { return ps }

func opened(confidential bool) ev.CaseOpened {
	return ev.CaseOpened{CaseID: caseID, Status: New, Fields: ev.Fields{
		Title: "Expense fraud", Description: "Duplicate claims.", Type: "fraud", Priority: Medium, Reporter: "Hotline", Confidential: confidential,
	}}
}

func assigned(from, to *int64) ev.CaseAssigned {
	return ev.CaseAssigned{CaseID: caseID, From: from, AssigneeID: to}
}

func moved(from, to, comment, resolution string) ev.CaseStatusChanged {
	return ev.CaseStatusChanged{CaseID: caseID, From: from, To: to, Comment: comment, Resolution: resolution}
}

// inStatus is a case moved along the usual path, assigned to investigator, to status,
// then given more.
func inStatus(status string, more ...events.Payload) []events.Payload {
	out := given(opened(false))
	path := []events.Payload{
		nil,
		moved(New, Assigned, "", ""),
		moved(Assigned, InProgress, "", ""),
		moved(InProgress, Review, "", ""),
		moved(Review, Completed, "Claims were duplicated.", Substantiated),
	}
	for i := 1; i <= slices.Index(Statuses, status); i++ {
		if i == 1 {
			out = append(out, assigned(nil, ptr(int64(investigator))))
		}
		out = append(out, path[i])
	}
	return append(out, more...)
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func file(name string) evevidence.File {
	return evevidence.File{FileName: name, ContentType: "application/pdf", Size: 1234, SHA256: hashOf(name), Description: "Scanned receipts"}
}

func uploaded(id int64) evevidence.EvidenceUploaded {
	return evevidence.EvidenceUploaded{EvidenceID: id, Owner: evevidence.Owner{Kind: OwnerKind, ID: caseID}, File: file("receipts.pdf")}
}

func verified(id int64, result string) evevidence.EvidenceVerified {
	actual := hashOf("receipts.pdf")
	if result == evevidence.Mismatch {
		actual = hashOf("something else")
	}
	return evevidence.EvidenceVerified{EvidenceID: id, Owner: evevidence.Owner{Kind: OwnerKind, ID: caseID}, SHA256: hashOf("receipts.pdf"),
		Actual: actual, Result: result, During: DuringVerify}
}

type testCase struct {
	name       string
	given      []events.Payload
	when       any
	want       []events.Payload
	wantErr    strata.Code
	wantFields []string
	// wantProblem, when set, is part of the first named field's problem, or of the
	// message when no field is named.
	wantProblem string
}

func runCases(t *testing.T, cases []testCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decide(fold(tc.given), len(tc.given) > 0, tc.when)
			if tc.wantErr != "" {
				decidetest.CheckErr(t, got, err, tc.wantErr, tc.wantFields, tc.wantProblem)
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			decidetest.ComparePayloads(t, got, tc.want)
		})
	}
}

// fold replays ps as the creator's, a second apart.
func fold(ps []events.Payload) Case {
	var c Case
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i, p := range ps {
		c = Evolve(c, p, events.Event{RecordedAt: start.Add(time.Duration(i) * time.Second), Metadata: events.Metadata{ActorID: creator}})
	}
	return c
}

func updated(set, prev string) ev.CaseUpdated {
	return ev.CaseUpdated{CaseID: caseID, Set: patch(set), Previous: patch(prev)}
}

func TestDecideOpen(t *testing.T) {
	t.Parallel()
	runCases(t, []testCase{
		{
			name: "defaults",
			when: Open{CaseID: caseID, Fields: ev.Fields{Title: "  Expense fraud \t", Description: "\n Duplicate claims. ", Type: " fraud ", Reporter: " Hotline "}},
			want: given(ev.CaseOpened{CaseID: caseID, Status: New, Fields: ev.Fields{Title: "Expense fraud", Description: "Duplicate claims.",
				Type: "fraud", Priority: Medium, Reporter: "Hotline"}}),
		},
		{
			name: "urgent and confidential",
			when: Open{CaseID: caseID, Fields: ev.Fields{Title: "Data leak", Priority: Urgent, Confidential: true}},
			want: given(ev.CaseOpened{CaseID: caseID, Status: New, Fields: ev.Fields{Title: "Data leak", Priority: Urgent, Confidential: true}}),
		},
		{
			name: "a title of 300 characters",
			when: Open{CaseID: caseID, Fields: ev.Fields{Title: strings.Repeat("é", 300)}},
			want: given(ev.CaseOpened{CaseID: caseID, Status: New, Fields: ev.Fields{Title: strings.Repeat("é", 300), Priority: Medium}}),
		},
		{name: "no title", when: Open{CaseID: caseID}, wantErr: strata.Invalid, wantFields: []string{"title"}, wantProblem: "required"},
		{name: "a blank title", when: Open{CaseID: caseID, Fields: ev.Fields{Title: " \n "}}, wantErr: strata.Invalid, wantFields: []string{"title"}},
		{
			name: "a title of 301 characters", when: Open{CaseID: caseID, Fields: ev.Fields{Title: strings.Repeat("é", 301)}},
			wantErr: strata.Invalid, wantFields: []string{"title"}, wantProblem: "at most 300",
		},
		{name: "a title on two lines", when: Open{CaseID: caseID, Fields: ev.Fields{Title: "Expense\nfraud"}}, wantErr: strata.Invalid, wantFields: []string{"title"}},
		{
			name: "a priority in the wrong case", when: Open{CaseID: caseID, Fields: ev.Fields{Title: "x", Priority: "Urgent"}},
			wantErr: strata.Invalid, wantFields: []string{"priority"}, wantProblem: "low, medium, high, urgent",
		},
		{name: "an unknown priority", when: Open{CaseID: caseID, Fields: ev.Fields{Title: "x", Priority: "critical"}}, wantErr: strata.Invalid, wantFields: []string{"priority"}},
		{name: "a type too long", when: Open{CaseID: caseID, Fields: ev.Fields{Title: "x", Type: strings.Repeat("t", 101)}}, wantErr: strata.Invalid, wantFields: []string{"type"}},
		{name: "a reporter with a control character", when: Open{CaseID: caseID, Fields: ev.Fields{Title: "x", Reporter: "Hot\x07line"}}, wantErr: strata.Invalid, wantFields: []string{"reporter"}},
		{
			name: "a description too long", when: Open{CaseID: caseID, Fields: ev.Fields{Title: "x", Description: strings.Repeat("d", 10001)}},
			wantErr: strata.Invalid, wantFields: []string{"description"},
		},
		{
			name: "every problem at once", when: Open{CaseID: caseID, Fields: ev.Fields{Priority: "x", Type: "a\nb", Reporter: "\x00"}},
			wantErr: strata.Invalid, wantFields: []string{"priority", "reporter", "title", "type"},
		},
		{name: "a case that exists", given: given(opened(false)), when: Open{CaseID: caseID, Fields: ev.Fields{Title: "x"}}, wantErr: strata.Conflict},
	})
}

func TestDecideUpdate(t *testing.T) {
	t.Parallel()
	runCases(t, []testCase{
		{
			name: "fields", given: given(opened(false)),
			when: Update{Patch: patch(`{"title": " Expense claims ", "priority": "high", "reporter": "Audit"}`)},
			want: given(updated(`{"title": "Expense claims", "priority": "high", "reporter": "Audit"}`,
				`{"title": "Expense fraud", "priority": "medium", "reporter": "Hotline"}`)),
		},
		{
			name: "made confidential", given: given(opened(false)), when: Update{Patch: patch(`{"confidential": true}`)},
			want: given(updated(`{"confidential": true}`, `{"confidential": false}`)),
		},
		{
			name: "the whole case sent back unchanged", given: inStatus(InProgress),
			when: Update{Patch: patch(`{"id": 5, "version": 4, "title": "Expense fraud", "description": "Duplicate claims.", "type": "fraud",
				"status": "in_progress", "priority": "medium", "reporter": "Hotline", "assignee_id": 7, "assignee_name": "Ann",
				"confidential": false, "resolution": null, "evidence_count": 0, "evidence": [], "created_by": 1, "created_at": "x",
				"updated_at": "x", "status_changed_at": "x"}`)},
		},
		{
			name: "a completed case sent back unchanged", given: inStatus(Completed),
			when: Update{Patch: patch(`{"title": "Expense fraud", "status": "completed", "resolution": "substantiated", "assignee_id": 7}`)},
		},
		{
			name: "a status change", given: inStatus(InProgress), when: Update{Patch: patch(`{"status": "review"}`)},
			wantErr: strata.Invalid, wantFields: []string{"status"}, wantProblem: "/status",
		},
		{
			name: "an assignee change", given: inStatus(InProgress), when: Update{Patch: patch(`{"assignee_id": 8}`)},
			wantErr: strata.Invalid, wantFields: []string{"assignee_id"}, wantProblem: "/assignee",
		},
		{name: "a resolution", given: inStatus(Review), when: Update{Patch: patch(`{"resolution": "inconclusive"}`)}, wantErr: strata.Invalid, wantFields: []string{"resolution"}},
		{name: "an unknown key", given: given(opened(false)), when: Update{Patch: patch(`{"owner": 3}`)}, wantErr: strata.Invalid, wantFields: []string{"owner"}},
		{name: "a title of the wrong type", given: given(opened(false)), when: Update{Patch: patch(`{"title": 3}`)}, wantErr: strata.Invalid, wantFields: []string{"title"}},
		{name: "the title cleared", given: given(opened(false)), when: Update{Patch: patch(`{"title": " "}`)}, wantErr: strata.Invalid, wantFields: []string{"title"}},
		{
			name: "confidential as text", given: given(opened(false)), when: Update{Patch: patch(`{"confidential": "yes"}`)},
			wantErr: strata.Invalid, wantFields: []string{"confidential"}, wantProblem: "true or false",
		},
		{name: "confidential null", given: given(opened(true)), when: Update{Patch: patch(`{"confidential": null}`)}, wantErr: strata.Invalid, wantFields: []string{"confidential"}},
		{name: "a null priority", given: given(opened(false)), when: Update{Patch: patch(`{"priority": null}`)}, wantErr: strata.Invalid, wantFields: []string{"priority"}},
		{name: "an unknown priority", given: given(opened(false)), when: Update{Patch: patch(`{"priority": "critical"}`)}, wantErr: strata.Invalid, wantFields: []string{"priority"}},
		{name: "not an object", given: given(opened(false)), when: Update{Patch: patch(`[1]`)}, wantErr: strata.Invalid},
		{
			name: "several problems at once", given: given(opened(false)), when: Update{Patch: patch(`{"title": 1, "status": "review", "confidential": 1, "type": "a\nb"}`)},
			wantErr: strata.Invalid, wantFields: []string{"confidential", "status", "title"},
		},
		{
			name: "a case under review stays editable", given: inStatus(Review), when: Update{Patch: patch(`{"type": "misconduct"}`)},
			want: given(updated(`{"type": "misconduct"}`, `{"type": "fraud"}`)),
		},
		{
			name: "a completed case is frozen", given: inStatus(Completed), when: Update{Patch: patch(`{"title": "Other", "confidential": true, "reporter": "Hotline"}`)},
			wantErr: strata.Invalid, wantFields: []string{"confidential", "title"}, wantProblem: "frozen",
		},
		{
			name: "a reopened case is editable", given: inStatus(Completed, moved(Completed, InProgress, "new receipts", "")),
			when: Update{Patch: patch(`{"priority": "urgent"}`)},
			want: given(updated(`{"priority": "urgent"}`, `{"priority": "medium"}`)),
		},
		{name: "a case that does not exist", when: Update{Patch: patch(`{}`)}, wantErr: strata.NotFound, wantProblem: "case not found"},
	})
}

func TestDecideAssign(t *testing.T) {
	t.Parallel()
	seven, eight := ptr(int64(investigator)), ptr(int64(8))
	runCases(t, []testCase{
		{
			name: "a new case moves to assigned", given: given(opened(false)), when: Assign{AssigneeID: seven},
			want: given(assigned(nil, seven), moved(New, Assigned, "", "")),
		},
		{name: "reassigning an assigned case", given: inStatus(Assigned), when: Assign{AssigneeID: eight}, want: given(assigned(seven, eight))},
		{name: "reassigning a case in progress", given: inStatus(InProgress), when: Assign{AssigneeID: eight}, want: given(assigned(seven, eight))},
		{name: "reassigning a case under review", given: inStatus(Review), when: Assign{AssigneeID: eight}, want: given(assigned(seven, eight))},
		{name: "the same assignee", given: inStatus(InProgress), when: Assign{AssigneeID: ptr(int64(investigator))}},
		{
			name: "taking back an assigned case moves it to new", given: inStatus(Assigned), when: Assign{},
			want: given(assigned(seven, nil), moved(Assigned, New, "", "")),
		},
		{name: "taking back a new case that has no one", given: given(opened(false)), when: Assign{}},
		{
			name: "taking back a case in progress", given: inStatus(InProgress), when: Assign{},
			wantErr: strata.Invalid, wantFields: []string{"assignee_id"}, wantProblem: "needs an assignee",
		},
		{name: "taking back a case under review", given: inStatus(Review), when: Assign{}, wantErr: strata.Invalid, wantFields: []string{"assignee_id"}},
		{
			name: "reassigning a completed case", given: inStatus(Completed), when: Assign{AssigneeID: eight},
			wantErr: strata.Invalid, wantFields: []string{"assignee_id"}, wantProblem: "completed",
		},
		{name: "taking back a completed case", given: inStatus(Completed), when: Assign{}, wantErr: strata.Invalid, wantFields: []string{"assignee_id"}},
		{name: "a completed case to its own assignee", given: inStatus(Completed), when: Assign{AssigneeID: seven}},
		{
			name: "a reopened case is reassigned", given: inStatus(Completed, moved(Completed, InProgress, "more", "")),
			when: Assign{AssigneeID: eight}, want: given(assigned(seven, eight)),
		},
		{name: "assignee 0", given: given(opened(false)), when: Assign{AssigneeID: ptr(int64(0))}, wantErr: strata.Invalid, wantFields: []string{"assignee_id"}},
		{name: "a negative assignee", given: given(opened(false)), when: Assign{AssigneeID: ptr(int64(-3))}, wantErr: strata.Invalid, wantFields: []string{"assignee_id"}},
		{name: "a case that does not exist", when: Assign{AssigneeID: seven}, wantErr: strata.NotFound},
	})
}

func TestDecideStatus(t *testing.T) {
	t.Parallel()
	cases := []testCase{
		{name: "assigned to in_progress", given: inStatus(Assigned), when: ChangeStatus{Status: InProgress}, want: given(moved(Assigned, InProgress, "", ""))},
		{
			name: "in_progress to review, with a comment", given: inStatus(InProgress), when: ChangeStatus{Status: Review, Comment: " ready "},
			want: given(moved(InProgress, Review, "ready", "")),
		},
		{
			name: "review to completed", given: inStatus(Review),
			when: ChangeStatus{Status: Completed, Comment: " Claims were duplicated. ", Resolution: Unsubstantiated},
			want: given(moved(Review, Completed, "Claims were duplicated.", Unsubstantiated)),
		},
		{
			name: "review back to in_progress", given: inStatus(Review), when: ChangeStatus{Status: InProgress, Comment: "interview the manager"},
			want: given(moved(Review, InProgress, "interview the manager", "")),
		},
		{
			name: "reopening", given: inStatus(Completed), when: ChangeStatus{Status: InProgress, Comment: "new receipts found"},
			want: given(moved(Completed, InProgress, "new receipts found", "")),
		},
		{
			name: "new to assigned without an assignee", given: given(opened(false)), when: ChangeStatus{Status: Assigned},
			wantErr: strata.Invalid, wantFields: []string{"status"}, wantProblem: "without an assignee",
		},
		{
			name: "new to in_progress without an assignee", given: given(opened(false)), when: ChangeStatus{Status: InProgress},
			wantErr: strata.Invalid, wantFields: []string{"status"}, wantProblem: "without an assignee",
		},
		{
			name: "an assigned case that lost its assignee", given: given(opened(false), moved(New, Assigned, "", "")), when: ChangeStatus{Status: InProgress},
			wantErr: strata.Invalid, wantFields: []string{"status"}, wantProblem: "without an assignee",
		},
		{
			name: "completing without a resolution", given: inStatus(Review), when: ChangeStatus{Status: Completed, Comment: "done"},
			wantErr: strata.Invalid, wantFields: []string{"resolution"}, wantProblem: "is required",
		},
		{
			name: "completing with an unknown resolution", given: inStatus(Review), when: ChangeStatus{Status: Completed, Comment: "done", Resolution: "proven"},
			wantErr: strata.Invalid, wantFields: []string{"resolution"}, wantProblem: "substantiated, unsubstantiated, inconclusive",
		},
		{
			name: "completing without a closing note", given: inStatus(Review), when: ChangeStatus{Status: Completed, Resolution: Inconclusive},
			wantErr: strata.Invalid, wantFields: []string{"comment"}, wantProblem: "closing note",
		},
		{
			name: "completing with a blank closing note", given: inStatus(Review), when: ChangeStatus{Status: Completed, Comment: " \n ", Resolution: Inconclusive},
			wantErr: strata.Invalid, wantFields: []string{"comment"},
		},
		{name: "completing with neither", given: inStatus(Review), when: ChangeStatus{Status: Completed}, wantErr: strata.Invalid, wantFields: []string{"comment", "resolution"}},
		{
			name: "back from review without a comment", given: inStatus(Review), when: ChangeStatus{Status: InProgress},
			wantErr: strata.Invalid, wantFields: []string{"comment"}, wantProblem: "back from review",
		},
		{
			name: "reopening without a comment", given: inStatus(Completed), when: ChangeStatus{Status: InProgress, Comment: "  "},
			wantErr: strata.Invalid, wantFields: []string{"comment"}, wantProblem: "reopen",
		},
		{
			name: "a resolution for another move", given: inStatus(InProgress), when: ChangeStatus{Status: Review, Resolution: Substantiated},
			wantErr: strata.Invalid, wantFields: []string{"resolution"}, wantProblem: "only given when completing",
		},
		{
			name: "a comment too long", given: inStatus(Review), when: ChangeStatus{Status: InProgress, Comment: strings.Repeat("x", 1001)},
			wantErr: strata.Invalid, wantFields: []string{"comment"},
		},
		{name: "an unknown status", given: inStatus(InProgress), when: ChangeStatus{Status: "closed"}, wantErr: strata.Invalid, wantFields: []string{"status"}},
		{name: "a status in the wrong case", given: inStatus(InProgress), when: ChangeStatus{Status: "Review"}, wantErr: strata.Invalid, wantFields: []string{"status"}},
		{name: "no status", given: inStatus(InProgress), when: ChangeStatus{}, wantErr: strata.Invalid, wantFields: []string{"status"}},
		{name: "a case that does not exist", when: ChangeStatus{Status: InProgress}, wantErr: strata.NotFound},
		// Asking for the status a case is in changes nothing, as everywhere else.
		{name: "the same status", given: inStatus(Review), when: ChangeStatus{Status: Review}},
		{name: "the same status with a comment", given: inStatus(Review), when: ChangeStatus{Status: Review, Comment: "still reviewing"}},
		{name: "completed again with its resolution", given: inStatus(Completed), when: ChangeStatus{Status: Completed, Resolution: Substantiated, Comment: "x"}},
		{
			name: "completed again with another resolution", given: inStatus(Completed), when: ChangeStatus{Status: Completed, Resolution: Inconclusive, Comment: "x"},
			wantErr: strata.Invalid, wantFields: []string{"resolution"}, wantProblem: "reopen",
		},
		{
			name: "the same status with a resolution", given: inStatus(InProgress), when: ChangeStatus{Status: InProgress, Resolution: Inconclusive},
			wantErr: strata.Invalid, wantFields: []string{"resolution"},
		},
		{
			name: "completed again after a reopening", given: inStatus(Completed, moved(Completed, InProgress, "more", ""), moved(InProgress, Review, "", "")),
			when: ChangeStatus{Status: Completed, Comment: "Not proven after all.", Resolution: Inconclusive},
			want: given(moved(Review, Completed, "Not proven after all.", Inconclusive)),
		},
	}
	// Every move the rules do not list is refused, naming status.
	for _, from := range Statuses {
		for _, to := range Statuses {
			if from == to || slices.Contains(moves[from], to) {
				continue
			}
			cases = append(cases, testCase{
				name: from + " to " + to, given: inStatus(from), when: ChangeStatus{Status: to, Comment: "because", Resolution: resolutionFor(to)},
				wantErr: strata.Invalid, wantFields: []string{"status"}, wantProblem: "cannot move from " + from + " to " + to,
			})
		}
	}
	runCases(t, cases)
}

func resolutionFor(status string) string {
	if status == Completed {
		return Substantiated
	}
	return ""
}

func TestDecideAttachEvidence(t *testing.T) {
	t.Parallel()
	cases := []testCase{
		{
			name: "a description is trimmed", given: given(opened(false)),
			when: AttachEvidence{EvidenceID: 9, File: evevidence.File{FileName: "a.pdf", Size: 0, SHA256: hashOf("a"), Description: " first page \n"}},
			want: given(evevidence.EvidenceUploaded{EvidenceID: 9, Owner: evevidence.Owner{Kind: OwnerKind, ID: caseID},
				File: evevidence.File{FileName: "a.pdf", SHA256: hashOf("a"), Description: "first page"}}),
		},
		{
			name: "a completed case takes none", given: inStatus(Completed), when: AttachEvidence{EvidenceID: 9, File: file("a.pdf")},
			wantErr: strata.Invalid, wantFields: []string{"case_id"}, wantProblem: "completed",
		},
		{
			name: "a reopened case takes some", given: inStatus(Completed, moved(Completed, InProgress, "more", "")),
			when: AttachEvidence{EvidenceID: 9, File: file("a.pdf")},
			want: given(evevidence.EvidenceUploaded{EvidenceID: 9, Owner: evevidence.Owner{Kind: OwnerKind, ID: caseID}, File: file("a.pdf")}),
		},
		{name: "no file name", given: given(opened(false)), when: AttachEvidence{EvidenceID: 9, File: file("")}, wantErr: strata.Invalid, wantFields: []string{"file"}, wantProblem: "name is required"},
		{name: "a file name on two lines", given: given(opened(false)), when: AttachEvidence{EvidenceID: 9, File: file("a\nb.pdf")}, wantErr: strata.Invalid, wantFields: []string{"file"}},
		{
			name: "a file name too long", given: given(opened(false)), when: AttachEvidence{EvidenceID: 9, File: file(strings.Repeat("a", 256))},
			wantErr: strata.Invalid, wantFields: []string{"file"}, wantProblem: "at most 255",
		},
		{
			name: "a content type with a control character", given: given(opened(false)),
			when:    AttachEvidence{EvidenceID: 9, File: evevidence.File{FileName: "a", ContentType: "text/\x1bplain", SHA256: hashOf("a")}},
			wantErr: strata.Invalid, wantFields: []string{"file"}, wantProblem: "content type",
		},
		{
			name: "a description too long", given: given(opened(false)),
			when:    AttachEvidence{EvidenceID: 9, File: evevidence.File{FileName: "a", SHA256: hashOf("a"), Description: strings.Repeat("d", 10001)}},
			wantErr: strata.Invalid, wantFields: []string{"description"},
		},
		{name: "an evidence id taken", given: given(opened(false), uploaded(9)), when: AttachEvidence{EvidenceID: 9, File: file("b.pdf")}, wantErr: strata.Conflict},
		{name: "a case that does not exist", when: AttachEvidence{EvidenceID: 9, File: file("a.pdf")}, wantErr: strata.NotFound},
	}
	for _, status := range Statuses[:4] {
		cases = append(cases, testCase{
			name: "a case " + status, given: inStatus(status), when: AttachEvidence{EvidenceID: 9, File: file("a.pdf")},
			want: given(evevidence.EvidenceUploaded{EvidenceID: 9, Owner: evevidence.Owner{Kind: OwnerKind, ID: caseID}, File: file("a.pdf")}),
		})
	}
	full := given(opened(false))
	for i := range evidence.MaxPerRecord {
		full = append(full, uploaded(int64(100+i)))
	}
	cases = append(cases, testCase{name: "a full case", given: full, when: AttachEvidence{EvidenceID: 9, File: file("a.pdf")}, wantErr: strata.Invalid, wantProblem: "at most 1000"})
	runCases(t, cases)

	// The size and hash are the server's own: a wrong one is a fault, not a bad request.
	for name, f := range map[string]evevidence.File{
		"a hash in capitals": {FileName: "a", SHA256: strings.ToUpper(hashOf("a"))},
		"a short hash":       {FileName: "a", SHA256: "abc"},
		"no hash":            {FileName: "a"},
		"a negative size":    {FileName: "a", SHA256: hashOf("a"), Size: -1},
	} {
		got, err := Decide(fold(given(opened(false))), true, AttachEvidence{EvidenceID: 9, File: f})
		if err == nil || strata.ErrorCode(err) != strata.Internal || len(got) != 0 {
			t.Errorf("%s: %s, %v; want a server error", name, decidetest.Show(got), err)
		}
	}
}

func TestDecideDownload(t *testing.T) {
	t.Parallel()
	downloaded := func(reason string) evevidence.EvidenceDownloaded {
		return evevidence.EvidenceDownloaded{EvidenceID: 9, Owner: evevidence.Owner{Kind: OwnerKind, ID: caseID}, SHA256: hashOf("receipts.pdf"), Reason: reason}
	}
	runCases(t, []testCase{
		{name: "with a reason", given: given(opened(false), uploaded(9)), when: RecordDownload{EvidenceID: 9, Reason: " legal review "}, want: given(downloaded("legal review"))},
		{name: "without a reason", given: given(opened(false), uploaded(9)), when: RecordDownload{EvidenceID: 9}, want: given(downloaded(""))},
		{name: "from a completed case", given: inStatus(Review, uploaded(9), moved(Review, Completed, "x", Inconclusive)), when: RecordDownload{EvidenceID: 9}, want: given(downloaded(""))},
		{name: "a file that matched", given: given(opened(false), uploaded(9), verified(9, evevidence.Match)), when: RecordDownload{EvidenceID: 9}, want: given(downloaded(""))},
		{
			name: "a file restored after a mismatch", given: given(opened(false), uploaded(9), verified(9, evevidence.Mismatch), verified(9, evevidence.Match)),
			when: RecordDownload{EvidenceID: 9}, want: given(downloaded("")),
		},
		{
			name: "a file that failed its check", given: given(opened(false), uploaded(9), verified(9, evevidence.Mismatch)),
			when: RecordDownload{EvidenceID: 9, Reason: "x"}, wantErr: strata.Conflict, wantProblem: "integrity check",
		},
		{name: "a reason on two lines", given: given(opened(false), uploaded(9)), when: RecordDownload{EvidenceID: 9, Reason: "a\nb"}, wantErr: strata.Invalid, wantFields: []string{"reason"}},
		{
			name: "a reason too long", given: given(opened(false), uploaded(9)), when: RecordDownload{EvidenceID: 9, Reason: strings.Repeat("r", 301)},
			wantErr: strata.Invalid, wantFields: []string{"reason"}, wantProblem: "at most 300",
		},
		{name: "no such evidence", given: given(opened(false), uploaded(9)), when: RecordDownload{EvidenceID: 10}, wantErr: strata.NotFound, wantProblem: "evidence not found"},
		{name: "a case that does not exist", when: RecordDownload{EvidenceID: 9}, wantErr: strata.NotFound, wantProblem: "case not found"},
	})
}

func TestDecideVerification(t *testing.T) {
	t.Parallel()
	onDownload := verified(9, evevidence.Mismatch)
	onDownload.During = DuringDownload
	missing := verified(9, evevidence.Mismatch)
	missing.Actual = ""
	runCases(t, []testCase{
		{
			name: "a match", given: given(opened(false), uploaded(9)),
			when: RecordVerification{EvidenceID: 9, Actual: hashOf("receipts.pdf"), Result: evevidence.Match, During: DuringVerify},
			want: given(verified(9, evevidence.Match)),
		},
		{
			name: "a mismatch found by a download", given: given(opened(false), uploaded(9)),
			when: RecordVerification{EvidenceID: 9, Actual: hashOf("something else"), Result: evevidence.Mismatch, During: DuringDownload},
			want: given(onDownload),
		},
		{
			name: "a missing file", given: inStatus(Completed, uploaded(9)),
			when: RecordVerification{EvidenceID: 9, Result: evevidence.Mismatch, During: DuringVerify},
			want: given(missing),
		},
		{name: "no such evidence", given: given(opened(false)), when: RecordVerification{EvidenceID: 9, Result: evevidence.Mismatch, During: DuringVerify}, wantErr: strata.NotFound},
	})
	for name, v := range map[string]RecordVerification{
		"an unknown result":            {EvidenceID: 9, Actual: hashOf("receipts.pdf"), Result: "ok", During: DuringVerify},
		"an unknown occasion":          {EvidenceID: 9, Actual: hashOf("receipts.pdf"), Result: evevidence.Match, During: "audit"},
		"a match with another hash":    {EvidenceID: 9, Actual: hashOf("x"), Result: evevidence.Match, During: DuringVerify},
		"a mismatch with the same one": {EvidenceID: 9, Actual: hashOf("receipts.pdf"), Result: evevidence.Mismatch, During: DuringVerify},
		"a hash that is not one":       {EvidenceID: 9, Actual: "zz", Result: evevidence.Mismatch, During: DuringVerify},
	} {
		got, err := Decide(fold(given(opened(false), uploaded(9))), true, v)
		if err == nil || strata.ErrorCode(err) != strata.Internal || len(got) != 0 {
			t.Errorf("%s: %s, %v; want a server error", name, decidetest.Show(got), err)
		}
	}
}

// Evidence events leave the case's version and stamp alone; status changes set the
// time of the status and a reopening clears the resolution.
func TestEvolve(t *testing.T) {
	t.Parallel()
	base := inStatus(Completed)
	completed := fold(base)
	if completed.Status != Completed || completed.Resolution != Substantiated || completed.Version != int64(len(base)) || completed.CreatedBy != creator {
		t.Fatalf("completed: %+v", completed)
	}
	withFiles := fold(append(slices.Clone(base), uploaded(9), uploaded(10),
		evevidence.EvidenceDownloaded{EvidenceID: 9, SHA256: hashOf("receipts.pdf")},
		evevidence.EvidenceDownloaded{EvidenceID: 9, SHA256: hashOf("receipts.pdf")},
		verified(10, evevidence.Mismatch)))
	if withFiles.Version != completed.Version || !withFiles.UpdatedAt.Equal(completed.UpdatedAt) || !withFiles.StatusChangedAt.Equal(completed.StatusChangedAt) {
		t.Errorf("evidence events moved the case: version %d at %v, want %d at %v", withFiles.Version, withFiles.UpdatedAt, completed.Version, completed.UpdatedAt)
	}
	f9, f10 := withFiles.Evidence[9], withFiles.Evidence[10]
	if f9.Downloads != 2 || f9.Integrity != Unverified || f9.LastVerifiedAt != nil || f9.UploadedBy != creator || f9.FileName != "receipts.pdf" {
		t.Errorf("evidence 9: %+v", f9)
	}
	if f10.Downloads != 0 || f10.Integrity != evevidence.Mismatch || f10.LastVerifiedAt == nil {
		t.Errorf("evidence 10: %+v", f10)
	}

	reopened := fold(append(slices.Clone(base), moved(Completed, InProgress, "more", "")))
	if reopened.Resolution != "" || reopened.Status != InProgress || !reopened.StatusChangedAt.After(completed.StatusChangedAt) {
		t.Errorf("reopened: %+v", reopened)
	}
	edited := fold(given(opened(false), updated(`{"title": "Claims"}`, `{"title": "Expense fraud"}`)))
	if edited.Title != "Claims" || edited.Reporter != "Hotline" || !edited.StatusChangedAt.Before(edited.UpdatedAt) || edited.Version != 2 {
		t.Errorf("edited: %+v", edited)
	}

	// A state handed to Evolve is not changed under its holder.
	before := fold(given(opened(false), uploaded(9)))
	after := Evolve(before, evevidence.EvidenceDownloaded{EvidenceID: 9}, events.Event{})
	after = Evolve(after, uploaded(10), events.Event{})
	if before.Evidence[9].Downloads != 0 || len(before.Evidence) != 1 || after.Evidence[9].Downloads != 1 || len(after.Evidence) != 2 {
		t.Errorf("before %+v, after %+v", before.Evidence, after.Evidence)
	}
	assignee := ptr(int64(8))
	a := Evolve(before, assigned(nil, assignee), events.Event{})
	*assignee = 9
	if *a.AssigneeID != 8 {
		t.Errorf("the state shares the event's assignee: %d", *a.AssigneeID)
	}
}

// A confidential case is visible to admins, its assignee and its creator only; an
// ordinary one to everyone.
func TestVisibleTo(t *testing.T) {
	t.Parallel()
	secret := func(more ...events.Payload) Case {
		return fold(append(given(opened(true), assigned(nil, ptr(int64(investigator))), moved(New, Assigned, "", "")), more...))
	}
	admin, other, nobody := Viewer{UserID: 3, Admin: true}, Viewer{UserID: 3}, Viewer{}
	for _, x := range []struct {
		name string
		c    Case
		v    Viewer
		want bool
	}{
		{"an ordinary case, anyone", fold(given(opened(false))), other, true},
		{"an ordinary case, no one in particular", fold(given(opened(false))), nobody, true},
		{"a confidential case, an admin", secret(), admin, true},
		{"a confidential case, its creator", secret(), Viewer{UserID: creator}, true},
		{"a confidential case, its assignee", secret(), Viewer{UserID: investigator}, true},
		{"a confidential case, someone else", secret(), other, false},
		{"a confidential case, no one in particular", secret(), nobody, false},
		{"reassigned away, the former assignee", secret(assigned(ptr(int64(investigator)), ptr(int64(8)))), Viewer{UserID: investigator}, false},
		{"reassigned away, the new assignee", secret(assigned(ptr(int64(investigator)), ptr(int64(8)))), Viewer{UserID: 8}, true},
		{"reassigned away, the creator", secret(assigned(ptr(int64(investigator)), ptr(int64(8)))), Viewer{UserID: creator}, true},
		{"taken back, the former assignee", secret(assigned(ptr(int64(investigator)), nil)), Viewer{UserID: investigator}, false},
		{"made ordinary, anyone", secret(updated(`{"confidential": false}`, `{"confidential": true}`)), other, true},
		{"made confidential, someone else", fold(given(opened(false), updated(`{"confidential": true}`, `{"confidential": false}`))), other, false},
	} {
		if got := x.c.VisibleTo(x.v); got != x.want {
			t.Errorf("%s: visible %v, want %v", x.name, got, x.want)
		}
	}
}
