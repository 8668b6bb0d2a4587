package audits

import (
	"net/url"
	"testing"

	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/api/rest/resttest"
	cmdaudits "github.com/strata-grc/strata/commands/audits"
	ev "github.com/strata-grc/strata/events/audits"
	"github.com/strata-grc/strata/queries"
)

// The fuzz targets here feed every audit command body and both list queries through
// the decoding and the decision the server runs, without a database. `make fuzz` runs
// each for a minute; `go test` replays the seeds and testdata/fuzz.

// existing is an engagement in fieldwork with a procedure and an approved finding,
// what updates are decided against.
func existing() cmdaudits.Engagement {
	assignee, risk := int64(3), int64(9)
	due := "2026-03-31"
	return cmdaudits.Engagement{ID: 1, Fields: ev.Fields{Title: "Payments"}, Phase: cmdaudits.Fieldwork, Status: cmdaudits.OnTrack,
		Procedures: map[int64]cmdaudits.Procedure{2: {ID: 2, Procedure: ev.Procedure{Title: "Sample", AssignedTo: &assignee,
			Status: cmdaudits.Done, Conclusion: "Fine"}, Stamp: cmdaudits.Stamp{Version: 2}}},
		Findings: map[int64]cmdaudits.Finding{4: {ID: 4, FindingFields: ev.FindingFields{Title: "Gap", Severity: "High",
			RiskID: &risk, AssignedTo: &assignee, DueDate: &due}, Status: cmdaudits.Approved, Stamp: cmdaudits.Stamp{Version: 2}}},
		Stamp: cmdaudits.Stamp{Version: 3},
	}
}

func FuzzEngagementCreate(f *testing.F) {
	resttest.Seed(f, `{"title":"Payments","auditee":"Treasury","planned_start":"2026-01-01","planned_end":"2026-02-01"}`,
		`{"title":" ","status":"Cancelled","lead_auditor_id":-1,"planned_end":"2026-02-30"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := resttest.One[engagementInput](t, body)
		if !ok {
			return
		}
		f := ev.Fields{Title: in.Title, Scope: in.Scope, Auditee: in.Auditee, LeadAuditorID: in.LeadAuditorID,
			PlannedStart: in.PlannedStart, PlannedEnd: in.PlannedEnd}
		payloads, err := cmdaudits.Decide(cmdaudits.Engagement{}, false, cmdaudits.CreateEngagement{EngagementID: 1, Fields: f, Status: in.Status})
		resttest.Decided(t, payloads, err)
	})
}

// FuzzAuditPatch sends one patch body to every partial update: the engagement's, a
// procedure's and a finding's.
func FuzzAuditPatch(f *testing.F) {
	resttest.Seed(f, `{"title":"New"}`, `{"status":"Cancelled","comment":"stopped"}`, `{"phase":"Review"}`,
		`{"severity":"Low","due_date":"0000-01-01"}`, `{"conclusion":null,"version":3}`, `{"engagement_id":2}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if !resttest.ClientError(t, rest.CheckUTF8(body)) {
			return
		}
		for _, cmd := range []any{
			cmdaudits.UpdateEngagement{Patch: body},
			cmdaudits.UpdateProcedure{ProcedureID: 2, Patch: body},
			cmdaudits.UpdateFinding{FindingID: 4, Patch: body},
		} {
			payloads, err := cmdaudits.Decide(existing(), true, cmd)
			resttest.Decided(t, payloads, err)
		}
		_, err := rest.BodyID(body)
		resttest.ClientError(t, err)
	})
}

func FuzzFindingCreate(f *testing.F) {
	resttest.Seed(f, `{"engagement_id":1,"title":"Gap","severity":"Critical","risk_id":9,"due_date":"2026-03-01"}`,
		`{"engagement_id":1,"title":"x","source_test_id":5,"control_id":-2}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := resttest.One[findingInput](t, body)
		if !ok {
			return
		}
		cmd := cmdaudits.CreateFinding{FindingID: 5, FindingFields: ev.FindingFields{Title: in.Title, Description: in.Description,
			Severity: in.Severity, RiskID: in.RiskID, ControlID: in.ControlID, AssignedTo: in.AssignedTo, DueDate: in.DueDate}}
		if in.SourceTestID != nil {
			cmd.SourceTest = &cmdaudits.SourceTest{ID: *in.SourceTestID, ControlID: 7, Result: "Fail"}
		}
		payloads, err := cmdaudits.Decide(existing(), true, cmd)
		resttest.Decided(t, payloads, err)
	})
}

// FuzzAuditMoves sends a phase, status or sign-off body through its decision.
func FuzzAuditMoves(f *testing.F) {
	resttest.Seed(f, `{"phase":"Review"}`, `{"phase":"Planning","comment":"redo"}`, `{"status":"Open","comment":"again"}`,
		`{"status":"Closed","comment":"verified"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := resttest.One[struct {
			Phase   string `json:"phase"`
			Status  string `json:"status"`
			Comment string `json:"comment"`
		}](t, body)
		if !ok {
			return
		}
		for _, cmd := range []any{
			cmdaudits.ChangePhase{Phase: in.Phase, Comment: in.Comment},
			cmdaudits.ChangeFindingStatus{FindingID: 4, Status: in.Status, Comment: in.Comment},
			cmdaudits.SignOffProcedure{ProcedureID: 2, By: 8, Comment: in.Comment},
			cmdaudits.SubmitResponse{FindingID: 4, By: 3, ManagementResponse: ev.ManagementResponse{Response: in.Comment, ActionPlan: in.Status}},
		} {
			payloads, err := cmdaudits.Decide(existing(), true, cmd)
			resttest.Decided(t, payloads, err)
		}
	})
}

// FuzzAuditListQuery reads a raw query string as both list routes do, then has the
// reader check it as far as it goes before the database: the filters' values and
// the cursor.
func FuzzAuditListQuery(f *testing.F) {
	resttest.SeedQueries(f, "phase=Review&active=true", "overdue=true&risk_rating=none&sort=-severity", "open=false&engagement_id=-1")
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		if _, _, err := rest.ListAction(q); !resttest.ClientError(t, err) {
			return
		}
		if ef, err := engagementFilter(q); resttest.ClientError(t, err) && resttest.ClientError(t, ef.Validate()) {
			_, err := queries.DecodeCursor(ef.Cursor, ef.Sort)
			resttest.ClientError(t, err)
			ef.Cursor = ""
			resttest.WantStorable(t, ef)
		}
		if ff, err := findingFilter(q); resttest.ClientError(t, err) && resttest.ClientError(t, ff.Validate()) {
			_, err := queries.DecodeCursor(ff.Cursor, ff.Sort)
			resttest.ClientError(t, err)
			ff.Cursor = ""
			resttest.WantStorable(t, ff)
		}
	})
}
