package audits

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/decidetest"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
)

const engID = 5

func ptr[T any](v T) *T { return &v }

func patch(s string) json.RawMessage { return json.RawMessage(s) }

func given(ps ...events.Payload) []events.Payload { return ps }

// engCreated returns a fresh EngagementCreated on every call, so no case shares
// pointers with another.
func engCreated() ev.EngagementCreated {
	return ev.EngagementCreated{EngagementID: engID, Fields: ev.Fields{Title: "Payroll audit"}, Phase: Planning, Status: OnTrack}
}

func phased(from, to string) ev.EngagementPhaseChanged {
	return ev.EngagementPhaseChanged{EngagementID: engID, From: from, To: to}
}

func statusTo(from, to, comment string) ev.EngagementStatusChanged {
	return ev.EngagementStatusChanged{EngagementID: engID, From: from, To: to, Comment: comment}
}

// inPhase is a new engagement moved forward, one step at a time, to phase, then
// given more.
func inPhase(phase string, more ...events.Payload) []events.Payload {
	out := given(engCreated())
	for i := 1; i <= slices.Index(Phases, phase); i++ {
		out = append(out, phased(Phases[i-1], Phases[i]))
	}
	return append(out, more...)
}

func cancelled(more ...events.Payload) []events.Payload {
	return append(given(engCreated(), statusTo(OnTrack, Cancelled, "budget cut")), more...)
}

func procAdded(id int64, status, conclusion string, assignee *int64) ev.ProcedureAdded {
	return ev.ProcedureAdded{EngagementID: engID, ProcedureID: id, Procedure: ev.Procedure{
		Title: "Sample payroll runs", Status: status, Conclusion: conclusion, AssignedTo: assignee,
	}}
}

func signed(id, by int64) ev.ProcedureSignedOff {
	return ev.ProcedureSignedOff{EngagementID: engID, ProcedureID: id, SignedOffBy: by}
}

func findingCreated(id int64) ev.FindingCreated {
	return ev.FindingCreated{EngagementID: engID, FindingID: id, Status: Open, FindingFields: ev.FindingFields{
		Title: "Weak passwords", Description: "Eight characters suffice.", Severity: "High",
		RiskID: ptr(int64(30)), ControlID: ptr(int64(40)), AssignedTo: ptr(int64(7)), DueDate: ptr("2025-06-30"),
	}}
}

func findingMoved(id int64, from, to string) ev.FindingStatusChanged {
	return ev.FindingStatusChanged{EngagementID: engID, FindingID: id, From: from, To: to}
}

// approved is a finding 1 moved to Approved, and Closed when closed is set.
func approved(closed bool) []events.Payload {
	out := given(findingCreated(1), findingMoved(1, Open, Approved))
	if closed {
		out = append(out, findingMoved(1, Approved, Closed))
	}
	return out
}

type testCase struct {
	name       string
	given      []events.Payload
	when       any
	want       []events.Payload
	wantErr    strata.Code
	wantFields []string
	// wantProblem, when set, is part of the first named field's problem.
	wantProblem string
}

func runCases(t *testing.T, cases []testCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run(t, tc)
		})
	}
}

// run folds given, decides when and checks the outcome.
func run(t *testing.T, tc testCase) {
	t.Helper()
	got, err := Decide(fold(tc.given), len(tc.given) > 0, tc.when)
	if tc.wantErr != "" {
		decidetest.CheckErr(t, got, err, tc.wantErr, tc.wantFields, tc.wantProblem)
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	decidetest.ComparePayloads(t, got, tc.want)
}

func fold(ps []events.Payload) Engagement {
	var g Engagement
	for _, p := range ps {
		g = Evolve(g, p, events.Event{})
	}
	return g
}

func updated(set, prev string) ev.EngagementUpdated {
	return ev.EngagementUpdated{EngagementID: engID, Set: patch(set), Previous: patch(prev)}
}

func TestDecideEngagementCreate(t *testing.T) {
	t.Parallel()
	runCases(t, []testCase{
		{
			name: "defaults",
			when: CreateEngagement{EngagementID: engID, Fields: ev.Fields{Title: "  Payroll audit \t", Scope: "\n Payroll. ", Auditee: " Finance "}},
			want: given(ev.EngagementCreated{EngagementID: engID, Fields: ev.Fields{Title: "Payroll audit", Scope: "Payroll.", Auditee: "Finance"},
				Phase: Planning, Status: OnTrack}),
		},
		{
			name: "every field and a status",
			when: CreateEngagement{EngagementID: engID, Status: AtRisk, Fields: ev.Fields{Title: "Payroll audit", LeadAuditorID: ptr(int64(3)),
				PlannedStart: ptr("2025-04-01"), PlannedEnd: ptr("2025-04-01")}},
			want: given(ev.EngagementCreated{EngagementID: engID, Phase: Planning, Status: AtRisk, Fields: ev.Fields{Title: "Payroll audit",
				LeadAuditorID: ptr(int64(3)), PlannedStart: ptr("2025-04-01"), PlannedEnd: ptr("2025-04-01")}}),
		},
		{
			name: "delayed from the start",
			when: CreateEngagement{EngagementID: engID, Status: Delayed, Fields: ev.Fields{Title: "Payroll audit"}},
			want: given(ev.EngagementCreated{EngagementID: engID, Fields: ev.Fields{Title: "Payroll audit"}, Phase: Planning, Status: Delayed}),
		},
		{
			name: "a title of 300 characters",
			when: CreateEngagement{EngagementID: engID, Fields: ev.Fields{Title: strings.Repeat("é", 300)}},
			want: given(ev.EngagementCreated{EngagementID: engID, Fields: ev.Fields{Title: strings.Repeat("é", 300)}, Phase: Planning, Status: OnTrack}),
		},
		{name: "no title", when: CreateEngagement{EngagementID: engID}, wantErr: strata.Invalid, wantFields: []string{"title"}, wantProblem: "required"},
		{name: "a blank title", when: CreateEngagement{EngagementID: engID, Fields: ev.Fields{Title: " \n "}}, wantErr: strata.Invalid, wantFields: []string{"title"}},
		{
			name: "a title of 301 characters", when: CreateEngagement{EngagementID: engID, Fields: ev.Fields{Title: strings.Repeat("é", 301)}},
			wantErr: strata.Invalid, wantFields: []string{"title"}, wantProblem: "at most 300",
		},
		{
			name: "a title on two lines", when: CreateEngagement{EngagementID: engID, Fields: ev.Fields{Title: "Payroll\naudit"}},
			wantErr: strata.Invalid, wantFields: []string{"title"},
		},
		{
			name: "an auditee with a control character", when: CreateEngagement{EngagementID: engID, Fields: ev.Fields{Title: "x", Auditee: "Fin\x07ance"}},
			wantErr: strata.Invalid, wantFields: []string{"auditee"},
		},
		{
			name: "cancelled from the start", when: CreateEngagement{EngagementID: engID, Status: Cancelled, Fields: ev.Fields{Title: "x"}},
			wantErr: strata.Invalid, wantFields: []string{"status"},
		},
		{
			name: "an unknown status", when: CreateEngagement{EngagementID: engID, Status: "on track", Fields: ev.Fields{Title: "x"}},
			wantErr: strata.Invalid, wantFields: []string{"status"},
		},
		{
			name: "lead auditor 0", when: CreateEngagement{EngagementID: engID, Fields: ev.Fields{Title: "x", LeadAuditorID: ptr(int64(0))}},
			wantErr: strata.Invalid, wantFields: []string{"lead_auditor_id"},
		},
		{
			name: "dates that are not dates", when: CreateEngagement{EngagementID: engID, Fields: ev.Fields{Title: "x", PlannedStart: ptr("2025-02-30"), PlannedEnd: ptr("soon")}},
			wantErr: strata.Invalid, wantFields: []string{"planned_end", "planned_start"},
		},
		{
			name: "an end before the start", when: CreateEngagement{EngagementID: engID, Fields: ev.Fields{Title: "x", PlannedStart: ptr("2025-04-02"), PlannedEnd: ptr("2025-04-01")}},
			wantErr: strata.Invalid, wantFields: []string{"planned_end"},
		},
		{
			name: "every problem at once", when: CreateEngagement{EngagementID: engID, Status: "x", Fields: ev.Fields{LeadAuditorID: ptr(int64(-1))}},
			wantErr: strata.Invalid, wantFields: []string{"lead_auditor_id", "status", "title"},
		},
		{name: "an engagement that exists", given: given(engCreated()), when: CreateEngagement{EngagementID: engID, Fields: ev.Fields{Title: "x"}}, wantErr: strata.Conflict},
	})
}

func TestDecideEngagementUpdate(t *testing.T) {
	t.Parallel()
	runCases(t, []testCase{
		{
			name: "fields", given: given(engCreated()),
			when: UpdateEngagement{Patch: patch(`{"title": " Payroll review ", "lead_auditor_id": 3, "planned_start": "2025-04-01"}`)},
			want: given(updated(`{"title": "Payroll review", "lead_auditor_id": 3, "planned_start": "2025-04-01"}`,
				`{"title": "Payroll audit", "lead_auditor_id": null, "planned_start": null}`)),
		},
		{
			name: "the whole engagement sent back unchanged", given: inPhase(Fieldwork),
			when: UpdateEngagement{Patch: patch(`{"id": 5, "version": 2, "title": "Payroll audit", "phase": "Fieldwork", "status": "On Track",
				"findings_by_status": {"Open": 0}, "procedures": [], "procedures_total": 0, "procedures_signed_off": 0, "created_at": "x", "updated_at": "x"}`)},
		},
		{
			name: "a phase change", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"phase": "Fieldwork"}`)},
			wantErr: strata.Invalid, wantFields: []string{"phase"}, wantProblem: "/phase",
		},
		{name: "an unknown key", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"owner": 3}`)}, wantErr: strata.Invalid, wantFields: []string{"owner"}},
		{name: "a title of the wrong type", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"title": 3}`)}, wantErr: strata.Invalid, wantFields: []string{"title"}},
		{name: "the title cleared", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"title": ""}`)}, wantErr: strata.Invalid, wantFields: []string{"title"}},
		{name: "not an object", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`[1]`)}, wantErr: strata.Invalid},
		{
			name: "at risk needs no comment", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"status": "At Risk"}`)},
			want: given(statusTo(OnTrack, AtRisk, "")),
		},
		{
			name: "a status change keeps its comment", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"status": "Delayed", "comment": " waiting for data "}`)},
			want: given(statusTo(OnTrack, Delayed, "waiting for data")),
		},
		{
			name: "cancelling without a comment", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"status": "Cancelled"}`)},
			wantErr: strata.Invalid, wantFields: []string{"comment"}, wantProblem: "cancel",
		},
		{
			name: "cancelling with a blank comment", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"status": "Cancelled", "comment": "  "}`)},
			wantErr: strata.Invalid, wantFields: []string{"comment"},
		},
		{
			name: "cancelling", given: inPhase(Review), when: UpdateEngagement{Patch: patch(`{"status": "Cancelled", "comment": "budget cut"}`)},
			want: given(statusTo(OnTrack, Cancelled, "budget cut")),
		},
		{
			name: "cancelling a completed engagement", given: inPhase(Completed), when: UpdateEngagement{Patch: patch(`{"status": "Cancelled", "comment": "withdrawn"}`)},
			want: given(statusTo(OnTrack, Cancelled, "withdrawn")),
		},
		{
			name: "reinstating without a comment", given: cancelled(), when: UpdateEngagement{Patch: patch(`{"status": "On Track", "comment": null}`)},
			wantErr: strata.Invalid, wantFields: []string{"comment"}, wantProblem: "reinstate",
		},
		{
			name: "reinstating", given: cancelled(), when: UpdateEngagement{Patch: patch(`{"status": "At Risk", "comment": "funded again"}`)},
			want: given(statusTo(Cancelled, AtRisk, "funded again")),
		},
		{
			name: "fields and status together, fields first", given: given(engCreated()),
			when: UpdateEngagement{Patch: patch(`{"scope": "Payroll", "status": "Cancelled", "comment": "merged"}`)},
			want: given(updated(`{"scope": "Payroll"}`, `{"scope": ""}`), statusTo(OnTrack, Cancelled, "merged")),
		},
		{
			name: "fields of a cancelled engagement stay editable", given: cancelled(), when: UpdateEngagement{Patch: patch(`{"auditee": "HR"}`)},
			want: given(updated(`{"auditee": "HR"}`, `{"auditee": ""}`)),
		},
		{name: "the same status", given: cancelled(), when: UpdateEngagement{Patch: patch(`{"status": "Cancelled"}`)}},
		{name: "an unknown status", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"status": "Done"}`)}, wantErr: strata.Invalid, wantFields: []string{"status"}},
		{name: "a null status", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"status": null}`)}, wantErr: strata.Invalid, wantFields: []string{"status"}},
		{name: "a comment that is not text", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"comment": 4}`)}, wantErr: strata.Invalid, wantFields: []string{"comment"}},
		{
			name: "a comment too long", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"status": "Cancelled", "comment": "` + strings.Repeat("x", 1001) + `"}`)},
			wantErr: strata.Invalid, wantFields: []string{"comment"},
		},
		{
			name: "an end before the start", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"planned_start": "2025-05-01", "planned_end": "2025-04-01"}`)},
			wantErr: strata.Invalid, wantFields: []string{"planned_end"},
		},
		{
			name: "several problems at once", given: given(engCreated()), when: UpdateEngagement{Patch: patch(`{"title": 1, "status": "x", "phase": "Review"}`)},
			wantErr: strata.Invalid, wantFields: []string{"phase", "status", "title"},
		},
		{name: "an engagement that does not exist", when: UpdateEngagement{Patch: patch(`{}`)}, wantErr: strata.NotFound},
	})
}

func TestDecidePhase(t *testing.T) {
	t.Parallel()
	cases := []testCase{
		{name: "the same phase", given: inPhase(Review), when: ChangePhase{Phase: Review}},
		{
			name: "forward with a comment", given: inPhase(Planning), when: ChangePhase{Phase: Fieldwork, Comment: " kick-off held "},
			want: given(ev.EngagementPhaseChanged{EngagementID: engID, From: Planning, To: Fieldwork, Comment: "kick-off held"}),
		},
		{
			name: "skipping", given: inPhase(Planning), when: ChangePhase{Phase: Review},
			wantErr: strata.Invalid, wantFields: []string{"phase"}, wantProblem: "one step forward",
		},
		{name: "skipping to the end", given: inPhase(Fieldwork), when: ChangePhase{Phase: Completed}, wantErr: strata.Invalid, wantFields: []string{"phase"}},
		{name: "an unknown phase", given: inPhase(Planning), when: ChangePhase{Phase: "Closing"}, wantErr: strata.Invalid, wantFields: []string{"phase"}},
		{name: "a phase in the wrong case", given: inPhase(Planning), when: ChangePhase{Phase: "fieldwork"}, wantErr: strata.Invalid, wantFields: []string{"phase"}},
		{name: "no phase", given: inPhase(Planning), when: ChangePhase{}, wantErr: strata.Invalid, wantFields: []string{"phase"}},
		{
			name: "back without a comment", given: inPhase(Review), when: ChangePhase{Phase: Fieldwork},
			wantErr: strata.Invalid, wantFields: []string{"comment"}, wantProblem: "is required to move back",
		},
		{name: "back with a blank comment", given: inPhase(Review), when: ChangePhase{Phase: Fieldwork, Comment: " \t "}, wantErr: strata.Invalid, wantFields: []string{"comment"}},
		{
			name: "back with a comment", given: inPhase(Review), when: ChangePhase{Phase: Fieldwork, Comment: "sample too small"},
			want: given(ev.EngagementPhaseChanged{EngagementID: engID, From: Review, To: Fieldwork, Comment: "sample too small"}),
		},
		{
			name: "back several steps with a comment", given: inPhase(Completed), when: ChangePhase{Phase: Planning, Comment: "scope changed"},
			want: given(ev.EngagementPhaseChanged{EngagementID: engID, From: Completed, To: Planning, Comment: "scope changed"}),
		},
		{
			name: "a comment too long", given: inPhase(Review), when: ChangePhase{Phase: Fieldwork, Comment: strings.Repeat("x", 1001)},
			wantErr: strata.Invalid, wantFields: []string{"comment"},
		},
		{
			name: "into Reporting with an Open finding", given: inPhase(Review, findingCreated(1)), when: ChangePhase{Phase: Reporting},
			wantErr: strata.Invalid, wantFields: []string{"phase"}, wantProblem: "1 finding is Open",
		},
		{
			name: "into Reporting with two Open findings", given: inPhase(Review, append(approved(false), findingCreated(2), findingCreated(3))...),
			when: ChangePhase{Phase: Reporting}, wantErr: strata.Invalid, wantFields: []string{"phase"}, wantProblem: "2 findings are Open",
		},
		{
			name: "into Reporting with a reopened finding", given: inPhase(Review, append(approved(true), findingMoved(1, Closed, Open))...),
			when: ChangePhase{Phase: Reporting}, wantErr: strata.Invalid, wantFields: []string{"phase"},
		},
		{
			name: "into Reporting with findings Approved and Closed", given: inPhase(Review, append(approved(true), findingCreated(2), findingMoved(2, Open, Approved))...),
			when: ChangePhase{Phase: Reporting}, want: given(phased(Review, Reporting)),
		},
		{
			name: "back into Reporting with an Open finding", given: inPhase(Completed, findingCreated(1)),
			when: ChangePhase{Phase: Reporting, Comment: "report reissued"}, wantErr: strata.Invalid, wantFields: []string{"phase"},
		},
		{
			name: "an Open finding does not hold back other phases", given: inPhase(Planning, findingCreated(1)),
			when: ChangePhase{Phase: Fieldwork}, want: given(phased(Planning, Fieldwork)),
		},
		{
			name: "a cancelled engagement", given: cancelled(), when: ChangePhase{Phase: Fieldwork},
			wantErr: strata.Invalid, wantFields: []string{"phase"}, wantProblem: "reinstate it first",
		},
		{name: "a cancelled engagement back with a comment", given: cancelled(phased(Planning, Fieldwork)), when: ChangePhase{Phase: Planning, Comment: "x"}, wantErr: strata.Invalid, wantFields: []string{"phase"}},
		{name: "a cancelled engagement to its own phase", given: cancelled(), when: ChangePhase{Phase: Planning}},
		{
			name: "a reinstated engagement", given: cancelled(statusTo(Cancelled, OnTrack, "back")), when: ChangePhase{Phase: Fieldwork},
			want: given(phased(Planning, Fieldwork)),
		},
		{name: "an engagement that does not exist", when: ChangePhase{Phase: Fieldwork}, wantErr: strata.NotFound},
	}
	for i := 1; i < len(Phases); i++ {
		from, to := Phases[i-1], Phases[i]
		cases = append(cases, testCase{name: "forward from " + from, given: inPhase(from), when: ChangePhase{Phase: to}, want: given(phased(from, to))})
	}
	runCases(t, cases)
}
