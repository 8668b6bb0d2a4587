package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/commands/identity"
)

type procedureView struct {
	ID           int64      `json:"id"`
	EngagementID int64      `json:"engagement_id"`
	Title        string     `json:"title"`
	AssignedTo   *int64     `json:"assigned_to"`
	Status       string     `json:"status"`
	Conclusion   string     `json:"conclusion"`
	SignedOffBy  *int64     `json:"signed_off_by"`
	SignedOffAt  *time.Time `json:"signed_off_at"`
	Version      int64      `json:"version"`
}

type engagementView struct {
	ID               int64            `json:"id"`
	Title            string           `json:"title"`
	Scope            string           `json:"scope"`
	Auditee          string           `json:"auditee"`
	LeadAuditorID    *int64           `json:"lead_auditor_id"`
	Phase            string           `json:"phase"`
	Status           string           `json:"status"`
	PlannedStart     *string          `json:"planned_start"`
	PlannedEnd       *string          `json:"planned_end"`
	FindingsByStatus map[string]int64 `json:"findings_by_status"`
	Procedures       []procedureView  `json:"procedures"`
	Version          int64            `json:"version"`
}

type mgmtResponseView struct {
	Response    string    `json:"response"`
	ActionPlan  string    `json:"action_plan"`
	TargetDate  *string   `json:"target_date"`
	SubmittedBy int64     `json:"submitted_by"`
	SubmittedAt time.Time `json:"submitted_at"`
}

type findingView struct {
	ID                  int64              `json:"id"`
	EngagementID        int64              `json:"engagement_id"`
	EngagementTitle     string             `json:"engagement_title"`
	Title               string             `json:"title"`
	Description         string             `json:"description"`
	Severity            string             `json:"severity"`
	RiskID              *int64             `json:"risk_id"`
	ControlID           *int64             `json:"control_id"`
	SourceTestID        *int64             `json:"source_test_id"`
	Status              string             `json:"status"`
	AssignedTo          *int64             `json:"assigned_to"`
	DueDate             *string            `json:"due_date"`
	Overdue             bool               `json:"overdue"`
	ManagementResponse  *mgmtResponseView  `json:"management_response"`
	ManagementResponses []mgmtResponseView `json:"management_responses"`
	Version             int64              `json:"version"`
}

func engagementPath(id int64) string { return "/api/engagements/" + strconv.FormatInt(id, 10) }
func findingPath(id int64) string    { return "/api/findings/" + strconv.FormatInt(id, 10) }

// auditWrite sends a mutation that must succeed with status and decodes its answer.
func auditWrite[T any](e *env, method, path string, status int, body any, headers ...string) T {
	e.t.Helper()
	r := e.do(method, path, body, headers...)
	wantOK(e.t, r, status)
	var out T
	r.into(e.t, &out)
	return out
}

func (e *env) newEngagement(title string) engagementView {
	e.t.Helper()
	return auditWrite[engagementView](e, "POST", "/api/engagements", http.StatusCreated, map[string]any{"title": title, "auditee": "Finance"})
}

func (e *env) moveEngagement(id int64, phase, comment string) engagementView {
	e.t.Helper()
	return auditWrite[engagementView](e, "PUT", engagementPath(id)+"/phase", http.StatusOK, map[string]any{"phase": phase, "comment": comment})
}

func (e *env) newFinding(engagementID int64, fields map[string]any) findingView {
	e.t.Helper()
	body := map[string]any{"engagement_id": engagementID, "title": "Finding"}
	for k, v := range fields {
		body[k] = v
	}
	return auditWrite[findingView](e, "POST", "/api/findings", http.StatusCreated, body)
}

func (e *env) setFindingStatus(id int64, status, comment string) findingView {
	e.t.Helper()
	return auditWrite[findingView](e, "PUT", findingPath(id)+"/status", http.StatusOK, map[string]any{"status": status, "comment": comment})
}

// readAudit GETs a read-model route until it is not stale and decodes its data.
func readAudit[T any](e *env, path string) (T, *reply) {
	e.t.Helper()
	r := e.read(path)
	wantOK(e.t, r, http.StatusOK)
	var out T
	r.into(e.t, &out)
	return out, r
}

// TestEngagementLifecycle walks an engagement through every phase with the rules on
// the way: one step forward, back only with a comment, Reporting only with no Open
// finding, no new work once Completed, findings workable after the report.
func TestEngagementLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.newEngagement("Treasury audit")
	if g.Phase != "Planning" || g.Status != "On Track" || g.Version != 1 {
		t.Fatalf("new engagement %+v", g)
	}
	wantErr(t, e.do("POST", "/api/engagements", map[string]any{"scope": "no title"}), http.StatusBadRequest, "VALIDATION_ERROR", "title")
	wantErr(t, e.do("PUT", engagementPath(g.ID)+"/phase", map[string]any{"phase": "Review"}), http.StatusBadRequest, "VALIDATION_ERROR", "phase")
	wantErr(t, e.do("PUT", engagementPath(g.ID)+"/phase", map[string]any{"phase": "Fieldwrk"}), http.StatusBadRequest, "VALIDATION_ERROR", "phase")
	wantErr(t, e.do("PUT", engagementPath(g.ID)+"/phase", map[string]any{}), http.StatusBadRequest, "VALIDATION_ERROR", "phase")
	e.moveEngagement(g.ID, "Fieldwork", "")
	g = e.moveEngagement(g.ID, "Review", "")
	wantErr(t, e.do("PUT", engagementPath(g.ID)+"/phase", map[string]any{"phase": "Fieldwork"}), http.StatusBadRequest, "VALIDATION_ERROR", "comment")
	g = e.moveEngagement(g.ID, "Fieldwork", "Extend the sample to 40 items")
	if g.Phase != "Fieldwork" {
		t.Fatalf("sent back: %+v", g)
	}

	r := e.do("POST", "/api/findings", map[string]any{"engagement_id": g.ID, "title": "Finding", "severity": "High"})
	wantOK(t, r, http.StatusCreated)
	var f findingView
	r.into(t, &f)
	if f.Status != "Open" || f.EngagementID != g.ID || f.Version != 1 || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("new finding %+v, ETag %s", f, r.Header.Get("ETag"))
	}
	// The write token names the write in the engagement's stream, which holds four
	// events before it, while ETag is the finding's own version.
	if stream, version := decodeWriteToken(t, r.Header.Get("X-Event-Position")); stream != "engagement-"+strconv.FormatInt(g.ID, 10) || version != 5 {
		t.Fatalf("X-Event-Position names %s version %d", stream, version)
	}
	e.moveEngagement(g.ID, "Review", "")
	r = e.do("PUT", engagementPath(g.ID)+"/phase", map[string]any{"phase": "Reporting"})
	wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "phase")
	e.setFindingStatus(f.ID, "Approved", "")
	g = e.moveEngagement(g.ID, "Reporting", "")
	if g.FindingsByStatus["Approved"] != 1 || g.FindingsByStatus["Open"] != 0 {
		t.Fatalf("findings_by_status %v", g.FindingsByStatus)
	}
	// A finding raised while reporting is allowed; it is Open and the engagement stays.
	late := e.newFinding(g.ID, nil)
	e.setFindingStatus(late.ID, "Approved", "")
	g = e.moveEngagement(g.ID, "Completed", "")

	wantErr(t, e.do("POST", engagementPath(g.ID)+"/procedures", map[string]any{"title": "late step"}), http.StatusBadRequest, "VALIDATION_ERROR", "engagement_id")
	wantErr(t, e.do("POST", "/api/findings", map[string]any{"engagement_id": g.ID, "title": "late"}), http.StatusBadRequest, "VALIDATION_ERROR", "engagement_id")
	// Remediation goes on after the report.
	closed := e.setFindingStatus(f.ID, "Closed", "Re-tested 10 items after the fix")
	if closed.Status != "Closed" {
		t.Fatalf("closed %+v", closed)
	}
	reopened := e.setFindingStatus(f.ID, "Open", "The fix did not hold")
	if reopened.Status != "Open" {
		t.Fatalf("reopened %+v", reopened)
	}

	detail, _ := readAudit[engagementView](e, engagementPath(g.ID))
	if detail.Phase != "Completed" || detail.FindingsByStatus["Open"] != 1 || detail.FindingsByStatus["Approved"] != 1 {
		t.Fatalf("detail %+v", detail)
	}
	var types []string
	for _, h := range e.trail(engagementPath(g.ID)+"/history", 0) {
		types = append(types, h.Type)
	}
	if want := "EngagementPhaseChanged"; slices.Index(types, want) < 0 || slices.Contains(types, "FindingCreated") {
		t.Fatalf("engagement history %v", types)
	}
}

// TestEngagementCancel: cancelling needs a comment, a cancelled engagement moves no
// phase and takes no new work, and reinstating it needs a comment too.
func TestEngagementCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.newEngagement("Office move")
	e.moveEngagement(g.ID, "Fieldwork", "")
	wantErr(t, e.do("PUT", engagementPath(g.ID), map[string]any{"status": "Cancelled"}), http.StatusBadRequest, "VALIDATION_ERROR", "comment")
	g = auditWrite[engagementView](e, "PUT", engagementPath(g.ID), http.StatusOK, map[string]any{"status": "Cancelled", "comment": "Programme stopped"})
	if g.Status != "Cancelled" || g.Phase != "Fieldwork" {
		t.Fatalf("cancelled %+v", g)
	}
	wantErr(t, e.do("PUT", engagementPath(g.ID)+"/phase", map[string]any{"phase": "Review"}), http.StatusBadRequest, "VALIDATION_ERROR", "phase")
	wantErr(t, e.do("POST", "/api/findings", map[string]any{"engagement_id": g.ID, "title": "x"}), http.StatusBadRequest, "VALIDATION_ERROR", "engagement_id")
	wantErr(t, e.do("PUT", engagementPath(g.ID), map[string]any{"status": "On Track"}), http.StatusBadRequest, "VALIDATION_ERROR", "comment")
	g = auditWrite[engagementView](e, "PUT", "/api/engagements", http.StatusOK, map[string]any{"id": g.ID, "status": "On Track", "comment": "Board restarted it"})
	if g.Status != "On Track" {
		t.Fatalf("reinstated %+v", g)
	}
	list, _ := readAudit[[]engagementView](e, "/api/engagements?active=true")
	if len(list) != 1 || list[0].ID != g.ID {
		t.Fatalf("active list %+v", list)
	}
}

// TestProcedureSignOff: only someone other than the assignee signs off, only a done
// procedure with a conclusion, once, and a signed-off procedure is closed to edits.
func TestProcedureSignOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auditorEmail := e.createUser(1, "Field Auditor", identity.Auditor)
	auditor := e.userID(auditorEmail)
	e.settle()
	me := e.status().User.ID
	g := e.newEngagement("Access management")
	e.moveEngagement(g.ID, "Fieldwork", "")
	path := engagementPath(g.ID) + "/procedures"
	wantErr(t, e.do("POST", path, map[string]any{"description": "no title"}), http.StatusBadRequest, "VALIDATION_ERROR", "title")
	p := auditWrite[procedureView](e, "POST", path, http.StatusCreated, map[string]any{"title": "Sample leavers", "assigned_to": auditor})
	if p.Status != "not_started" || p.Version != 1 || p.EngagementID != g.ID {
		t.Fatalf("new procedure %+v", p)
	}
	pPath := path + "/" + strconv.FormatInt(p.ID, 10)
	got, r := readAudit[procedureView](e, pPath)
	if got.ID != p.ID || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("read procedure %+v, ETag %s", got, r.Header.Get("ETag"))
	}
	wantErr(t, e.do("POST", pPath+"/sign-off", map[string]any{}), http.StatusBadRequest, "VALIDATION_ERROR", "status")
	p = auditWrite[procedureView](e, "PUT", pPath, http.StatusOK, map[string]any{"status": "done"})
	wantErr(t, e.do("POST", pPath+"/sign-off", map[string]any{}), http.StatusBadRequest, "VALIDATION_ERROR", "conclusion")
	auditWrite[procedureView](e, "PUT", pPath, http.StatusOK, map[string]any{"conclusion": "Two leavers still active"})
	// The assignee cannot sign off their own work.
	fieldAuditor := e.loggedIn(auditorEmail)
	wantErr(t, fieldAuditor.do("POST", pPath+"/sign-off", map[string]any{}), http.StatusBadRequest, "VALIDATION_ERROR", "assigned_to")
	p = auditWrite[procedureView](e, "POST", pPath+"/sign-off", http.StatusOK, map[string]any{"comment": "Reviewed"})
	if p.SignedOffBy == nil || *p.SignedOffBy != me || p.SignedOffAt == nil {
		t.Fatalf("signed off %+v", p)
	}
	wantErr(t, e.do("POST", pPath+"/sign-off", nil), http.StatusBadRequest, "VALIDATION_ERROR")
	wantErr(t, e.do("PUT", pPath, map[string]any{"conclusion": "changed"}), http.StatusBadRequest, "VALIDATION_ERROR")
	wantErr(t, e.do("PUT", engagementPath(g.ID)+"/procedures/999999", map[string]any{"status": "done"}), http.StatusNotFound, "NOT_FOUND")

	detail, _ := readAudit[engagementView](e, engagementPath(g.ID))
	if len(detail.Procedures) != 1 || detail.Procedures[0].SignedOffBy == nil {
		t.Fatalf("detail procedures %+v", detail.Procedures)
	}
	// An edit of the procedure does not make the engagement's form stale.
	auditWrite[engagementView](e, "PUT", engagementPath(g.ID), http.StatusOK, map[string]any{"scope": "Leavers"},
		"If-Match", strconv.FormatInt(detail.Version, 10))
}

// TestFindingRules: links are checked, text freezes on approval, moves need the
// comments they need, and a finding raised from a failed test takes its control.
func TestFindingRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := newEnvOn(t, e.DB, api.Principal{OrgID: 2, Name: "Other"})
	foreignRisk := other.create(nil)
	risk := e.create(map[string]any{"likelihood": 5, "impact": 5})
	ctl := e.newControl("AUD-1", nil)
	failed := e.recordTest(ctl.ID, "Fail", time.Time{})
	passed := e.recordTest(ctl.ID, "Pass", time.Time{})
	failedTest, passedTest := testID(t, failed, "Fail"), testID(t, passed, "Pass")
	g := e.newEngagement("Payments")

	wantErr(t, e.do("POST", "/api/findings", map[string]any{"title": "x"}), http.StatusBadRequest, "VALIDATION_ERROR", "engagement_id")
	wantErr(t, e.do("POST", "/api/findings", map[string]any{"engagement_id": g.ID}), http.StatusBadRequest, "VALIDATION_ERROR", "title")
	wantErr(t, e.do("POST", "/api/findings", map[string]any{"engagement_id": g.ID, "title": "x", "severity": "Huge"}), http.StatusBadRequest, "VALIDATION_ERROR", "severity")
	wantErr(t, e.do("POST", "/api/findings", map[string]any{"engagement_id": g.ID, "title": "x", "risk_id": foreignRisk.ID}), http.StatusBadRequest, "VALIDATION_ERROR", "risk_id")
	wantErr(t, e.do("POST", "/api/findings", map[string]any{"engagement_id": g.ID, "title": "x", "control_id": 999999}), http.StatusBadRequest, "VALIDATION_ERROR", "control_id")
	wantErr(t, e.do("POST", "/api/findings", map[string]any{"engagement_id": g.ID, "title": "x", "source_test_id": passedTest}), http.StatusBadRequest, "VALIDATION_ERROR", "source_test_id")
	wantErr(t, e.do("POST", "/api/findings", map[string]any{"engagement_id": g.ID, "title": "x", "due_date": "2026-02-30"}), http.StatusBadRequest, "VALIDATION_ERROR", "due_date")
	otherEngagement := other.newEngagement("Theirs")
	wantErr(t, e.do("POST", "/api/findings", map[string]any{"engagement_id": otherEngagement.ID, "title": "x"}), http.StatusBadRequest, "VALIDATION_ERROR", "engagement_id")

	fromTest := e.newFinding(g.ID, map[string]any{"source_test_id": failedTest})
	if fromTest.ControlID == nil || *fromTest.ControlID != ctl.ID || fromTest.SourceTestID == nil || *fromTest.SourceTestID != failedTest {
		t.Fatalf("raised from a failed test: %+v", fromTest)
	}

	f := e.newFinding(g.ID, map[string]any{"risk_id": risk.ID, "severity": "Critical", "due_date": "2020-01-31"})
	if !f.Overdue || f.Severity != "Critical" {
		t.Fatalf("finding %+v", f)
	}
	wantErr(t, e.do("PUT", findingPath(f.ID)+"/status", map[string]any{"status": "Closed", "comment": "skip"}), http.StatusBadRequest, "VALIDATION_ERROR", "status")
	approved := e.setFindingStatus(f.ID, "Approved", "")
	wantErr(t, e.do("PUT", findingPath(f.ID), map[string]any{"title": "Edited"}), http.StatusBadRequest, "VALIDATION_ERROR", "title")
	wantErr(t, e.do("PUT", findingPath(f.ID), map[string]any{"severity": "Low"}), http.StatusBadRequest, "VALIDATION_ERROR", "severity")
	wantErr(t, e.do("PUT", findingPath(f.ID), map[string]any{"engagement_id": otherEngagement.ID}), http.StatusBadRequest, "VALIDATION_ERROR", "engagement_id")
	moved := auditWrite[findingView](e, "PUT", findingPath(f.ID), http.StatusOK, map[string]any{"due_date": "2099-12-31"},
		"If-Match", strconv.FormatInt(approved.Version, 10))
	if moved.Overdue || moved.Version != approved.Version+1 {
		t.Fatalf("due date moved: %+v", moved)
	}
	wantErr(t, e.do("PUT", findingPath(f.ID), map[string]any{"due_date": "2099-11-30"}, "If-Match", strconv.FormatInt(approved.Version, 10)),
		http.StatusConflict, "CONFLICT")
	wantErr(t, e.do("PUT", findingPath(f.ID)+"/status", map[string]any{"status": "Closed"}), http.StatusBadRequest, "VALIDATION_ERROR", "comment")
	wantErr(t, e.do("PUT", findingPath(f.ID)+"/status", map[string]any{"status": "Open"}), http.StatusBadRequest, "VALIDATION_ERROR", "comment")
	e.setFindingStatus(f.ID, "Open", "Wording needs the second site")
	edited := auditWrite[findingView](e, "PUT", "/api/findings", http.StatusOK, map[string]any{"id": f.ID, "title": "Edited"})
	if edited.Title != "Edited" {
		t.Fatalf("edited %+v", edited)
	}

	var types []string
	for _, h := range e.trail(findingPath(f.ID)+"/history", 0) {
		types = append(types, h.Type)
	}
	want := []string{"FindingCreated", "FindingStatusChanged", "FindingUpdated", "FindingStatusChanged", "FindingUpdated"}
	if !slices.Equal(types, want) {
		t.Fatalf("finding history %v, want %v", types, want)
	}
}

// testID is the id of the newest test with result in a control's answer.
func testID(t *testing.T, c controlView, result string) int64 {
	t.Helper()
	for _, x := range c.Tests {
		if x.Result == result {
			return x.ID
		}
	}
	t.Fatalf("no %s test in %+v", result, c.Tests)
	return 0
}

// TestManagementResponse: the assignee or an audit writer answers, anyone else is
// refused, a newer answer replaces the current one and every version is kept.
func TestManagementResponse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ownerEmail := e.createUser(1, "Process Owner", identity.RiskManager)
	strangerEmail := e.createUser(1, "Someone Else", identity.RiskManager)
	viewerEmail := e.createUser(1, "Reader", identity.Viewer)
	owner := e.userID(ownerEmail)
	e.settle()
	g := e.newEngagement("Backups")
	f := e.newFinding(g.ID, map[string]any{"assigned_to": owner})
	path := findingPath(f.ID) + "/management-response"
	answer := map[string]any{"response": "Agreed", "action_plan": "Weekly restore test", "target_date": "2027-03-31"}

	wantErr(t, e.loggedIn(strangerEmail).do("POST", path, answer), http.StatusForbidden, "PERMISSION_DENIED")
	wantErr(t, e.loggedIn(viewerEmail).do("POST", path, answer), http.StatusForbidden, "PERMISSION_DENIED")
	ownerClient := e.loggedIn(ownerEmail)
	wantErr(t, ownerClient.do("POST", path, map[string]any{"action_plan": "no response"}), http.StatusBadRequest, "VALIDATION_ERROR", "response")
	first := auditWrite[findingView](ownerClient, "POST", path, http.StatusOK, answer)
	if first.ManagementResponse == nil || first.ManagementResponse.SubmittedBy != owner || first.ManagementResponse.Response != "Agreed" {
		t.Fatalf("first answer %+v", first.ManagementResponse)
	}
	answer["action_plan"] = "Automated restore test"
	second := auditWrite[findingView](e, "POST", path, http.StatusOK, answer)
	if second.ManagementResponse.ActionPlan != "Automated restore test" || len(second.ManagementResponses) != 2 {
		t.Fatalf("second answer %+v", second)
	}
	read, _ := readAudit[findingView](e, findingPath(f.ID))
	if len(read.ManagementResponses) != 2 || read.ManagementResponses[0].ActionPlan != "Automated restore test" ||
		read.ManagementResponses[1].ActionPlan != "Weekly restore test" {
		t.Fatalf("versions %+v", read.ManagementResponses)
	}
	n := 0
	for _, h := range e.trail(findingPath(f.ID)+"/history", 0) {
		if h.Type == "ManagementResponseSubmitted" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d responses in the history", n)
	}
}

// TestAuditListsAndDashboard: the filters select what they say, and the dashboard's
// counts and charts agree with the lists their cards and bars link to.
func TestAuditListsAndDashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	high := e.create(map[string]any{"likelihood": 4, "impact": 4})
	low := e.create(map[string]any{"likelihood": 1, "impact": 1})
	a := e.newEngagement("Alpha payments review")
	b := e.newEngagement("Beta suppliers")
	c := e.newEngagement("Gamma cancelled")
	e.moveEngagement(a.ID, "Fieldwork", "")
	e.moveEngagement(c.ID, "Fieldwork", "")
	auditWrite[engagementView](e, "PUT", engagementPath(c.ID), http.StatusOK, map[string]any{"status": "Cancelled", "comment": "stopped"})
	f1 := e.newFinding(a.ID, map[string]any{"risk_id": high.ID, "due_date": "2020-01-01", "title": "Dual approval bypassed"})
	f2 := e.newFinding(a.ID, map[string]any{"risk_id": low.ID, "severity": "Low"})
	e.newFinding(b.ID, nil)
	f4 := e.newFinding(b.ID, map[string]any{"risk_id": high.ID, "due_date": "2020-01-01"})
	e.setFindingStatus(f4.ID, "Approved", "")
	e.setFindingStatus(f4.ID, "Closed", "verified")
	e.setFindingStatus(f2.ID, "Approved", "")

	ids := func(query string) []int64 {
		t.Helper()
		list, _ := readAudit[[]findingView](e, "/api/findings?"+query)
		var out []int64
		for _, f := range list {
			out = append(out, f.ID)
		}
		slices.Sort(out)
		return out
	}
	if got := ids("overdue=true"); !slices.Equal(got, []int64{f1.ID}) {
		t.Errorf("overdue=true %v", got)
	}
	if got := ids("engagement_id=" + strconv.FormatInt(a.ID, 10)); !slices.Equal(got, []int64{f1.ID, f2.ID}) {
		t.Errorf("engagement filter %v", got)
	}
	if got := ids("open=true&risk_rating=High"); !slices.Equal(got, []int64{f1.ID}) {
		t.Errorf("open High %v", got)
	}
	if got := ids("status=Approved"); !slices.Equal(got, []int64{f2.ID}) {
		t.Errorf("status=Approved %v", got)
	}
	if got := ids("q=" + url.QueryEscape("dual approval")); !slices.Equal(got, []int64{f1.ID}) {
		t.Errorf("q %v", got)
	}
	for _, bad := range []string{"status=open", "severity=Huge", "overdue=yes", "risk_rating=Extreme", "sort=bogus", "action=delete"} {
		wantErr(t, e.do("GET", "/api/findings?"+bad, nil), http.StatusBadRequest, "VALIDATION_ERROR")
	}
	for _, bad := range []string{"phase=Done", "status=Late", "active=1"} {
		wantErr(t, e.do("GET", "/api/engagements?"+bad, nil), http.StatusBadRequest, "VALIDATION_ERROR")
	}
	one, r := readAudit[[]findingView](e, "/api/findings?limit=1&sort=due_date")
	if len(one) != 1 || r.Meta == nil || r.Meta.Total != 4 || r.Meta.NextCursor == nil {
		t.Fatalf("first page %+v meta %+v", one, r.Meta)
	}
	got, _ := readAudit[findingView](e, "/api/findings?action=get&id="+strconv.FormatInt(f1.ID, 10))
	if got.ID != f1.ID || got.EngagementTitle != a.Title {
		t.Fatalf("action=get %+v", got)
	}

	var counts map[string]int64
	r = e.read("/api/dashboard")
	wantOK(t, r, http.StatusOK)
	r.into(t, &counts)
	if counts["engagements_active"] != 2 || counts["findings_open"] != 3 || counts["findings_overdue"] != 1 {
		t.Errorf("counts %v", counts)
	}
	type chart struct {
		Labels []string `json:"labels"`
		Values []int64  `json:"values"`
	}
	byRisk, _ := readAudit[chart](e, "/api/dashboard/charts?chart_type=findings_by_risk")
	if !slices.Equal(byRisk.Labels, []string{"Low", "Medium", "High", "Critical", "No linked risk"}) ||
		!slices.Equal(byRisk.Values, []int64{1, 0, 1, 0, 1}) {
		t.Errorf("findings_by_risk %+v", byRisk)
	}
	phases, _ := readAudit[chart](e, "/api/dashboard/charts?chart_type=audit_phases")
	if !slices.Equal(phases.Labels, []string{"Planning", "Fieldwork", "Review", "Reporting", "Completed"}) ||
		!slices.Equal(phases.Values, []int64{1, 1, 0, 0, 0}) {
		t.Errorf("audit_phases %+v", phases)
	}
	if got := ids("open=true"); int64(len(got)) != counts["findings_open"] {
		t.Errorf("the findings_open card links to %d findings, counts %d", len(got), counts["findings_open"])
	}
}

// TestAuditWritesRefusedToViewer: a viewer reads audits and changes nothing.
func TestAuditWritesRefusedToViewer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.newEngagement("Read only")
	viewer := e.loggedIn(e.createUser(1, "Viewer", identity.Viewer))
	e.settle()
	if _, r := readAudit[engagementView](viewer, engagementPath(g.ID)); r.Status != http.StatusOK {
		t.Fatal(r.Status)
	}
	wantErr(t, viewer.do("PUT", engagementPath(g.ID)+"/phase", map[string]any{"phase": "Fieldwork"}), http.StatusForbidden, "PERMISSION_DENIED")
	wantErr(t, viewer.do("POST", "/api/findings", map[string]any{"engagement_id": g.ID, "title": "x"}), http.StatusForbidden, "PERMISSION_DENIED")
}
