package audits

import (
	"strings"
	"testing"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
)

func procUpdated(id int64, set, prev string) ev.ProcedureUpdated {
	return ev.ProcedureUpdated{EngagementID: engID, ProcedureID: id, Set: patch(set), Previous: patch(prev)}
}

// manyProcedures is an engagement holding the most procedures it may.
func manyProcedures() []events.Payload {
	out := given(engCreated())
	for i := range maxProcedures {
		out = append(out, procAdded(int64(100+i), NotStarted, "", nil))
	}
	return out
}

func TestDecideAddProcedure(t *testing.T) {
	t.Parallel()
	runCases(t, []testCase{
		{
			name: "defaults", given: given(engCreated()),
			when: AddProcedure{ProcedureID: 9, Procedure: ev.Procedure{Title: " Sample payroll runs ", Description: " Pick 25. "}},
			want: given(ev.ProcedureAdded{EngagementID: engID, ProcedureID: 9, Procedure: ev.Procedure{Title: "Sample payroll runs", Description: "Pick 25.", Status: NotStarted}}),
		},
		{
			name: "done with a conclusion, in Reporting", given: inPhase(Reporting),
			when: AddProcedure{ProcedureID: 9, Procedure: ev.Procedure{Title: "Walkthrough", Status: Done, Conclusion: " No exceptions ", AssignedTo: ptr(int64(7))}},
			want: given(ev.ProcedureAdded{EngagementID: engID, ProcedureID: 9, Procedure: ev.Procedure{Title: "Walkthrough", Status: Done, Conclusion: "No exceptions", AssignedTo: ptr(int64(7))}}),
		},
		{name: "no title", given: given(engCreated()), when: AddProcedure{ProcedureID: 9}, wantErr: strata.Invalid, wantFields: []string{"title"}},
		{
			name: "an unknown status and assignee 0", given: given(engCreated()),
			when:    AddProcedure{ProcedureID: 9, Procedure: ev.Procedure{Title: "x", Status: "Done", AssignedTo: ptr(int64(0))}},
			wantErr: strata.Invalid, wantFields: []string{"assigned_to", "status"},
		},
		{
			name: "a conclusion too long", given: given(engCreated()),
			when:    AddProcedure{ProcedureID: 9, Procedure: ev.Procedure{Title: "x", Conclusion: strings.Repeat("x", 10001)}},
			wantErr: strata.Invalid, wantFields: []string{"conclusion"},
		},
		{
			name: "a Completed engagement", given: inPhase(Completed), when: AddProcedure{ProcedureID: 9, Procedure: ev.Procedure{Title: "x"}},
			wantErr: strata.Invalid, wantFields: []string{"engagement_id"}, wantProblem: "is Completed",
		},
		{
			name: "a Cancelled engagement", given: cancelled(), when: AddProcedure{ProcedureID: 9, Procedure: ev.Procedure{Title: "x"}},
			wantErr: strata.Invalid, wantFields: []string{"engagement_id"}, wantProblem: "is Cancelled",
		},
		{name: "an id in use", given: given(engCreated(), procAdded(9, NotStarted, "", nil)), when: AddProcedure{ProcedureID: 9, Procedure: ev.Procedure{Title: "x"}}, wantErr: strata.Conflict},
		{name: "one too many", given: manyProcedures(), when: AddProcedure{ProcedureID: 9, Procedure: ev.Procedure{Title: "x"}}, wantErr: strata.Invalid},
		{name: "an engagement that does not exist", when: AddProcedure{ProcedureID: 9, Procedure: ev.Procedure{Title: "x"}}, wantErr: strata.NotFound},
	})
}

func TestDecideUpdateProcedure(t *testing.T) {
	t.Parallel()
	open := given(engCreated(), procAdded(9, InProgress, "", ptr(int64(7))))
	runCases(t, []testCase{
		{
			name: "status and conclusion", given: open, when: UpdateProcedure{ProcedureID: 9, Patch: patch(`{"status": "done", "conclusion": " Fine "}`)},
			want: given(procUpdated(9, `{"status": "done", "conclusion": "Fine"}`, `{"status": "in_progress", "conclusion": ""}`)),
		},
		{
			name: "back from done", given: given(engCreated(), procAdded(9, Done, "Fine", nil)), when: UpdateProcedure{ProcedureID: 9, Patch: patch(`{"status": "in_progress"}`)},
			want: given(procUpdated(9, `{"status": "in_progress"}`, `{"status": "done"}`)),
		},
		{
			name: "unassigned", given: open, when: UpdateProcedure{ProcedureID: 9, Patch: patch(`{"assigned_to": null}`)},
			want: given(procUpdated(9, `{"assigned_to": null}`, `{"assigned_to": 7}`)),
		},
		{
			name: "sent back unchanged", given: open,
			when: UpdateProcedure{ProcedureID: 9, Patch: patch(`{"id": 9, "engagement_id": 5, "version": 1, "title": "Sample payroll runs", "signed_off_by": null, "signed_off_at": null}`)},
		},
		{name: "an unknown key", given: open, when: UpdateProcedure{ProcedureID: 9, Patch: patch(`{"owner": 1}`)}, wantErr: strata.Invalid, wantFields: []string{"owner"}},
		{name: "an unknown status", given: open, when: UpdateProcedure{ProcedureID: 9, Patch: patch(`{"status": "finished"}`)}, wantErr: strata.Invalid, wantFields: []string{"status"}},
		{name: "the title cleared", given: open, when: UpdateProcedure{ProcedureID: 9, Patch: patch(`{"title": " "}`)}, wantErr: strata.Invalid, wantFields: []string{"title"}},
		{
			name: "signed off", given: given(engCreated(), procAdded(9, Done, "Fine", nil), signed(9, 2)), when: UpdateProcedure{ProcedureID: 9, Patch: patch(`{"title": "x"}`)},
			wantErr: strata.Invalid, wantFields: []string{"procedure"}, wantProblem: "is signed off",
		},
		{
			name: "a Completed engagement", given: inPhase(Completed, procAdded(9, InProgress, "", nil)), when: UpdateProcedure{ProcedureID: 9, Patch: patch(`{"status": "done"}`)},
			wantErr: strata.Invalid, wantFields: []string{"engagement_id"},
		},
		{
			name: "a Cancelled engagement", given: cancelled(procAdded(9, InProgress, "", nil)), when: UpdateProcedure{ProcedureID: 9, Patch: patch(`{"status": "done"}`)},
			wantErr: strata.Invalid, wantFields: []string{"engagement_id"},
		},
		{name: "a procedure that does not exist", given: open, when: UpdateProcedure{ProcedureID: 8, Patch: patch(`{}`)}, wantErr: strata.NotFound},
		{name: "not an object", given: open, when: UpdateProcedure{ProcedureID: 9, Patch: patch(`"x"`)}, wantErr: strata.Invalid},
	})
}

func TestDecideSignOff(t *testing.T) {
	t.Parallel()
	done := given(engCreated(), procAdded(9, Done, "No exceptions", ptr(int64(7))))
	runCases(t, []testCase{
		{
			name: "by a reviewer", given: done, when: SignOffProcedure{ProcedureID: 9, By: 2, Comment: " agreed "},
			want: given(ev.ProcedureSignedOff{EngagementID: engID, ProcedureID: 9, SignedOffBy: 2, Comment: "agreed"}),
		},
		{
			name: "an unassigned procedure", given: given(engCreated(), procAdded(9, Done, "No exceptions", nil)), when: SignOffProcedure{ProcedureID: 9, By: 7},
			want: given(signed(9, 7)),
		},
		{
			name: "by the assignee", given: done, when: SignOffProcedure{ProcedureID: 9, By: 7},
			wantErr: strata.Invalid, wantFields: []string{"assigned_to"}, wantProblem: "cannot sign off their own procedure",
		},
		{
			name: "not done", given: given(engCreated(), procAdded(9, InProgress, "No exceptions", nil)), when: SignOffProcedure{ProcedureID: 9, By: 2},
			wantErr: strata.Invalid, wantFields: []string{"status"},
		},
		{
			name: "without a conclusion", given: given(engCreated(), procAdded(9, Done, "", nil)), when: SignOffProcedure{ProcedureID: 9, By: 2},
			wantErr: strata.Invalid, wantFields: []string{"conclusion"},
		},
		{
			name: "everything wrong", given: given(engCreated(), procAdded(9, NotStarted, "", ptr(int64(2)))), when: SignOffProcedure{ProcedureID: 9, By: 2},
			wantErr: strata.Invalid, wantFields: []string{"assigned_to", "conclusion", "status"},
		},
		{
			name: "twice", given: append(done, signed(9, 2)), when: SignOffProcedure{ProcedureID: 9, By: 3},
			wantErr: strata.Invalid, wantFields: []string{"procedure"}, wantProblem: "already signed off",
		},
		{
			name: "in a Completed engagement", given: inPhase(Completed, procAdded(9, Done, "Fine", nil)), when: SignOffProcedure{ProcedureID: 9, By: 2},
			wantErr: strata.Invalid, wantFields: []string{"engagement_id"},
		},
		{
			name: "in a Cancelled engagement", given: cancelled(procAdded(9, Done, "Fine", nil)), when: SignOffProcedure{ProcedureID: 9, By: 2},
			wantErr: strata.Invalid, wantFields: []string{"engagement_id"},
		},
		{name: "a procedure that does not exist", given: done, when: SignOffProcedure{ProcedureID: 8, By: 2}, wantErr: strata.NotFound},
	})
}
