package audits

import (
	"testing"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
)

func findingUpdated(id int64, set, prev string) ev.FindingUpdated {
	return ev.FindingUpdated{EngagementID: engID, FindingID: id, Set: patch(set), Previous: patch(prev)}
}

func newFindingFields() ev.FindingFields { return ev.FindingFields{Title: "Weak passwords"} }

// sourced is a finding 1 raised from failed test 60 of control 40.
func sourced() ev.FindingCreated {
	f := findingCreated(1)
	f.SourceTestID = ptr(int64(60))
	return f
}

func TestDecideCreateFinding(t *testing.T) {
	t.Parallel()
	failedTest := &SourceTest{ID: 60, ControlID: 40, Result: "Fail"}
	runCases(t, []testCase{
		{
			name: "defaults", given: given(engCreated()), when: CreateFinding{FindingID: 1, FindingFields: ev.FindingFields{Title: " Weak passwords ", Description: " Short. "}},
			want: given(ev.FindingCreated{EngagementID: engID, FindingID: 1, Status: Open, FindingFields: ev.FindingFields{Title: "Weak passwords", Description: "Short.", Severity: "Medium"}}),
		},
		{
			name: "every field", given: inPhase(Reporting), when: CreateFinding{FindingID: 1, FindingFields: findingCreated(1).FindingFields},
			want: given(findingCreated(1)),
		},
		{name: "no title", given: given(engCreated()), when: CreateFinding{FindingID: 1}, wantErr: strata.Invalid, wantFields: []string{"title"}},
		{
			name: "an unknown severity", given: given(engCreated()), when: CreateFinding{FindingID: 1, FindingFields: ev.FindingFields{Title: "x", Severity: "high"}},
			wantErr: strata.Invalid, wantFields: []string{"severity"},
		},
		{
			name: "ids that cannot be", given: given(engCreated()),
			when:    CreateFinding{FindingID: 1, FindingFields: ev.FindingFields{Title: "x", RiskID: ptr(int64(0)), ControlID: ptr(int64(-2)), AssignedTo: ptr(int64(0))}},
			wantErr: strata.Invalid, wantFields: []string{"assigned_to", "control_id", "risk_id"},
		},
		{
			name: "a due date that is not a date", given: given(engCreated()), when: CreateFinding{FindingID: 1, FindingFields: ev.FindingFields{Title: "x", DueDate: ptr("30/06/2025")}},
			wantErr: strata.Invalid, wantFields: []string{"due_date"},
		},
		{
			name: "a Completed engagement", given: inPhase(Completed), when: CreateFinding{FindingID: 1, FindingFields: newFindingFields()},
			wantErr: strata.Invalid, wantFields: []string{"engagement_id"}, wantProblem: "takes no new findings",
		},
		{
			name: "a Cancelled engagement", given: cancelled(), when: CreateFinding{FindingID: 1, FindingFields: newFindingFields()},
			wantErr: strata.Invalid, wantFields: []string{"engagement_id"},
		},
		{
			name: "from a failed test, the control filled in", given: given(engCreated()), when: CreateFinding{FindingID: 1, FindingFields: newFindingFields(), SourceTest: failedTest},
			want: given(ev.FindingCreated{EngagementID: engID, FindingID: 1, Status: Open, SourceTestID: ptr(int64(60)),
				FindingFields: ev.FindingFields{Title: "Weak passwords", Severity: "Medium", ControlID: ptr(int64(40))}}),
		},
		{
			name: "from a failed test, naming its control", given: given(engCreated()),
			when: CreateFinding{FindingID: 1, FindingFields: ev.FindingFields{Title: "x", ControlID: ptr(int64(40))}, SourceTest: failedTest},
			want: given(ev.FindingCreated{EngagementID: engID, FindingID: 1, Status: Open, SourceTestID: ptr(int64(60)),
				FindingFields: ev.FindingFields{Title: "x", Severity: "Medium", ControlID: ptr(int64(40))}}),
		},
		{
			name: "from a failed test, naming another control", given: given(engCreated()),
			when:    CreateFinding{FindingID: 1, FindingFields: ev.FindingFields{Title: "x", ControlID: ptr(int64(41))}, SourceTest: failedTest},
			wantErr: strata.Invalid, wantFields: []string{"control_id"}, wantProblem: "must be control 40",
		},
		{
			name: "from a passed test", given: given(engCreated()), when: CreateFinding{FindingID: 1, FindingFields: newFindingFields(), SourceTest: &SourceTest{ID: 60, ControlID: 40, Result: "Pass"}},
			wantErr: strata.Invalid, wantFields: []string{"source_test_id"}, wantProblem: "failed test",
		},
		{
			name: "from an inconclusive test", given: given(engCreated()), when: CreateFinding{FindingID: 1, FindingFields: newFindingFields(), SourceTest: &SourceTest{ID: 60, ControlID: 40, Result: "Inconclusive"}},
			wantErr: strata.Invalid, wantFields: []string{"source_test_id"},
		},
		{name: "an id in use", given: given(engCreated(), findingCreated(1)), when: CreateFinding{FindingID: 1, FindingFields: newFindingFields()}, wantErr: strata.Conflict},
		{name: "an engagement that does not exist", when: CreateFinding{FindingID: 1, FindingFields: newFindingFields()}, wantErr: strata.NotFound},
	})
}

func TestDecideUpdateFinding(t *testing.T) {
	t.Parallel()
	open := given(engCreated(), findingCreated(1))
	cases := []testCase{
		{
			name: "the text of an Open finding", given: open, when: UpdateFinding{FindingID: 1, Patch: patch(`{"title": " Short passwords ", "severity": "Critical", "risk_id": null}`)},
			want: given(findingUpdated(1, `{"title": "Short passwords", "severity": "Critical", "risk_id": null}`, `{"title": "Weak passwords", "severity": "High", "risk_id": 30}`)),
		},
		{
			name: "sent back unchanged", given: append(open, findingMoved(1, Open, Approved)),
			when: UpdateFinding{FindingID: 1, Patch: patch(`{"id": 1, "engagement_id": 5, "engagement_title": "Payroll audit", "status": "Approved", "source_test_id": null,
				"title": "Weak passwords", "severity": "High", "risk_id": 30, "control_id": 40, "overdue": true, "management_response": null, "version": 2}`)},
		},
		{
			name: "the assignee and due date of an Approved finding", given: append(open, findingMoved(1, Open, Approved)),
			when: UpdateFinding{FindingID: 1, Patch: patch(`{"assigned_to": 8, "due_date": "2025-09-30", "title": "Weak passwords"}`)},
			want: given(findingUpdated(1, `{"assigned_to": 8, "due_date": "2025-09-30"}`, `{"assigned_to": 7, "due_date": "2025-06-30"}`)),
		},
		{
			name: "the text of a Closed finding", given: append(open, findingMoved(1, Open, Approved), findingMoved(1, Approved, Closed)),
			when:    UpdateFinding{FindingID: 1, Patch: patch(`{"title": "x", "risk_id": 31}`)},
			wantErr: strata.Invalid, wantFields: []string{"risk_id", "title"}, wantProblem: "is frozen while the finding is Closed",
		},
		{
			name: "the text of a reopened finding", given: append(open, findingMoved(1, Open, Approved), findingMoved(1, Approved, Open)),
			when: UpdateFinding{FindingID: 1, Patch: patch(`{"title": "x"}`)},
			want: given(findingUpdated(1, `{"title": "x"}`, `{"title": "Weak passwords"}`)),
		},
		{
			name: "a finding of a Completed engagement", given: inPhase(Completed, findingCreated(1)), when: UpdateFinding{FindingID: 1, Patch: patch(`{"title": "x"}`)},
			want: given(findingUpdated(1, `{"title": "x"}`, `{"title": "Weak passwords"}`)),
		},
		{
			name: "a finding of a Cancelled engagement", given: cancelled(findingCreated(1)), when: UpdateFinding{FindingID: 1, Patch: patch(`{"due_date": null}`)},
			want: given(findingUpdated(1, `{"due_date": null}`, `{"due_date": "2025-06-30"}`)),
		},
		{
			name: "another engagement", given: open, when: UpdateFinding{FindingID: 1, Patch: patch(`{"engagement_id": 6}`)},
			wantErr: strata.Invalid, wantFields: []string{"engagement_id"}, wantProblem: "cannot change",
		},
		{name: "a status", given: open, when: UpdateFinding{FindingID: 1, Patch: patch(`{"status": "Approved"}`)}, wantErr: strata.Invalid, wantFields: []string{"status"}},
		{name: "a source test", given: open, when: UpdateFinding{FindingID: 1, Patch: patch(`{"source_test_id": 60}`)}, wantErr: strata.Invalid, wantFields: []string{"source_test_id"}},
		{
			name: "the control of a finding raised from a test", given: given(engCreated(), sourced()), when: UpdateFinding{FindingID: 1, Patch: patch(`{"control_id": 41}`)},
			wantErr: strata.Invalid, wantFields: []string{"control_id"}, wantProblem: "test 60",
		},
		{
			name: "the rest of a finding raised from a test", given: given(engCreated(), sourced()), when: UpdateFinding{FindingID: 1, Patch: patch(`{"source_test_id": 60, "control_id": 40, "severity": "Low"}`)},
			want: given(findingUpdated(1, `{"severity": "Low"}`, `{"severity": "High"}`)),
		},
		{name: "an unknown key", given: open, when: UpdateFinding{FindingID: 1, Patch: patch(`{"owner_id": 1}`)}, wantErr: strata.Invalid, wantFields: []string{"owner_id"}},
		{name: "an unknown severity", given: open, when: UpdateFinding{FindingID: 1, Patch: patch(`{"severity": "Severe"}`)}, wantErr: strata.Invalid, wantFields: []string{"severity"}},
		{name: "a risk of the wrong type", given: open, when: UpdateFinding{FindingID: 1, Patch: patch(`{"risk_id": "30"}`)}, wantErr: strata.Invalid, wantFields: []string{"risk_id"}},
		{name: "a finding that does not exist", given: open, when: UpdateFinding{FindingID: 2, Patch: patch(`{}`)}, wantErr: strata.NotFound},
	}
	for _, field := range []struct{ name, patch string }{
		{"title", `{"title": "x"}`}, {"description", `{"description": "x"}`}, {"severity", `{"severity": "Low"}`},
		{"risk_id", `{"risk_id": 31}`}, {"control_id", `{"control_id": null}`},
	} {
		cases = append(cases, testCase{
			name: field.name + " of an Approved finding", given: append(open, findingMoved(1, Open, Approved)),
			when: UpdateFinding{FindingID: 1, Patch: patch(field.patch)}, wantErr: strata.Invalid, wantFields: []string{field.name},
			wantProblem: "is frozen while the finding is Approved; reopen it to edit",
		})
	}
	runCases(t, cases)
}

func TestDecideFindingStatus(t *testing.T) {
	t.Parallel()
	at := func(status string) []events.Payload {
		switch status {
		case Approved:
			return given(engCreated(), findingCreated(1), findingMoved(1, Open, Approved))
		case Closed:
			return given(engCreated(), findingCreated(1), findingMoved(1, Open, Approved), findingMoved(1, Approved, Closed))
		}
		return given(engCreated(), findingCreated(1))
	}
	moved := func(from, to, comment string) []events.Payload {
		return given(ev.FindingStatusChanged{EngagementID: engID, FindingID: 1, From: from, To: to, Comment: comment})
	}
	runCases(t, []testCase{
		{name: "approved", given: at(Open), when: ChangeFindingStatus{FindingID: 1, Status: Approved}, want: moved(Open, Approved, "")},
		{
			name: "closed with how it was verified", given: at(Approved), when: ChangeFindingStatus{FindingID: 1, Status: Closed, Comment: " retested in June "},
			want: moved(Approved, Closed, "retested in June"),
		},
		{
			name: "closed without a comment", given: at(Approved), when: ChangeFindingStatus{FindingID: 1, Status: Closed, Comment: " "},
			wantErr: strata.Invalid, wantFields: []string{"comment"}, wantProblem: "verified",
		},
		{
			name: "reopened from Approved without a comment", given: at(Approved), when: ChangeFindingStatus{FindingID: 1, Status: Open},
			wantErr: strata.Invalid, wantFields: []string{"comment"},
		},
		{name: "reopened from Approved", given: at(Approved), when: ChangeFindingStatus{FindingID: 1, Status: Open, Comment: "wrong scope"}, want: moved(Approved, Open, "wrong scope")},
		{
			name: "reopened from Closed without a comment", given: at(Closed), when: ChangeFindingStatus{FindingID: 1, Status: Open},
			wantErr: strata.Invalid, wantFields: []string{"comment"},
		},
		{name: "reopened from Closed", given: at(Closed), when: ChangeFindingStatus{FindingID: 1, Status: Open, Comment: "recurred"}, want: moved(Closed, Open, "recurred")},
		{
			name: "closed while Open", given: at(Open), when: ChangeFindingStatus{FindingID: 1, Status: Closed, Comment: "fixed"},
			wantErr: strata.Invalid, wantFields: []string{"status"}, wantProblem: "Approved first",
		},
		{name: "from Closed back to Approved", given: at(Closed), when: ChangeFindingStatus{FindingID: 1, Status: Approved, Comment: "x"}, wantErr: strata.Invalid, wantFields: []string{"status"}},
		{name: "the same status", given: at(Approved), when: ChangeFindingStatus{FindingID: 1, Status: Approved}},
		{name: "an unknown status", given: at(Open), when: ChangeFindingStatus{FindingID: 1, Status: "approved"}, wantErr: strata.Invalid, wantFields: []string{"status"}},
		{
			name: "a finding of a Cancelled engagement", given: cancelled(findingCreated(1)), when: ChangeFindingStatus{FindingID: 1, Status: Approved},
			want: moved(Open, Approved, ""),
		},
		{
			name: "a finding of a Completed engagement reopened", given: inPhase(Completed, approved(true)...),
			when: ChangeFindingStatus{FindingID: 1, Status: Open, Comment: "recurred"}, want: moved(Closed, Open, "recurred"),
		},
		{name: "a finding that does not exist", given: at(Open), when: ChangeFindingStatus{FindingID: 2, Status: Approved}, wantErr: strata.NotFound},
	})
}

func TestDecideResponse(t *testing.T) {
	t.Parallel()
	open := given(engCreated(), findingCreated(1)) // assigned to 7
	answer := ev.ManagementResponse{Response: " We will enforce 14 characters. ", ActionPlan: " Policy change ", TargetDate: ptr("2025-09-30")}
	submitted := func(by int64) []events.Payload {
		return given(ev.ManagementResponseSubmitted{EngagementID: engID, FindingID: 1, SubmittedBy: by, ManagementResponse: ev.ManagementResponse{
			Response: "We will enforce 14 characters.", ActionPlan: "Policy change", TargetDate: ptr("2025-09-30")}})
	}
	runCases(t, []testCase{
		{name: "by the assignee", given: open, when: SubmitResponse{FindingID: 1, ManagementResponse: answer, By: 7}, want: submitted(7)},
		{name: "by an auditor", given: open, when: SubmitResponse{FindingID: 1, ManagementResponse: answer, By: 2, MayWrite: true}, want: submitted(2)},
		{name: "by someone else", given: open, when: SubmitResponse{FindingID: 1, ManagementResponse: answer, By: 2}, wantErr: strata.PermissionDenied},
		{
			name: "to an unassigned finding by someone without write", given: given(engCreated(), ev.FindingCreated{EngagementID: engID, FindingID: 1, Status: Open, FindingFields: newFindingFields()}),
			when: SubmitResponse{FindingID: 1, ManagementResponse: answer, By: 2}, wantErr: strata.PermissionDenied,
		},
		{name: "a second one", given: append(open, submitted(7)...), when: SubmitResponse{FindingID: 1, ManagementResponse: answer, By: 7}, want: submitted(7)},
		{name: "to a Closed finding", given: inPhase(Completed, approved(true)...), when: SubmitResponse{FindingID: 1, ManagementResponse: answer, By: 7}, want: submitted(7)},
		{
			name: "without a response", given: open, when: SubmitResponse{FindingID: 1, ManagementResponse: ev.ManagementResponse{ActionPlan: "x", TargetDate: ptr("soon")}, By: 7},
			wantErr: strata.Invalid, wantFields: []string{"response", "target_date"},
		},
		{name: "a finding that does not exist", given: open, when: SubmitResponse{FindingID: 2, ManagementResponse: answer, By: 7}, wantErr: strata.NotFound},
	})
}

// A newer response replaces the current one, and each is counted.
func TestEvolveKeepsTheNewestResponse(t *testing.T) {
	t.Parallel()
	first := ev.ManagementResponseSubmitted{EngagementID: engID, FindingID: 1, SubmittedBy: 7, ManagementResponse: ev.ManagementResponse{Response: "first"}}
	second := first
	second.Response = "second"
	g := fold(given(engCreated(), findingCreated(1), first, second))
	f := g.Findings[1]
	if f.Response == nil || f.Response.Response != "second" || f.Responses != 2 || f.Version != 3 {
		t.Errorf("after two responses: %+v (%d responses, version %d)", f.Response, f.Responses, f.Version)
	}
	if g.Version != 1 {
		t.Errorf("engagement version %d after finding events, want 1", g.Version)
	}
}
