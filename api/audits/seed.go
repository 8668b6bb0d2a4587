package audits

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/api/module"
	cmdaudits "github.com/strata-grc/strata/commands/audits"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
)

// demoEngagement is one demo engagement and how far its work has gone.
type demoEngagement struct {
	title, scope, auditee string
	// phase is where the engagement ends up; cancelled engagements stop in it.
	phase     string
	cancelled bool
	// sentBack: the reviewer sent the work back to fieldwork once on the way.
	sentBack bool
}

var demoEngagements = []demoEngagement{
	{title: "Treasury payments 2027", scope: "Payment release, bank detail changes and dual approval in treasury.", auditee: "Group Treasury", phase: cmdaudits.Planning},
	{title: "Identity and access management", scope: "Joiner, mover and leaver processes; privileged access; access reviews.", auditee: "IT Security", phase: cmdaudits.Fieldwork},
	{title: "Supplier risk management", scope: "Onboarding due diligence, contracts and annual reviews of critical suppliers.", auditee: "Procurement", phase: cmdaudits.Review, sentBack: true},
	{title: "Backup and recovery", scope: "Backup coverage, off-site copies and restore testing of critical systems.", auditee: "Infrastructure", phase: cmdaudits.Reporting},
	{title: "GDPR data subject requests", scope: "Handling, timeliness and evidence of subject access and erasure requests.", auditee: "Privacy Office", phase: cmdaudits.Completed},
	{title: "Change management", scope: "Approval, testing and emergency changes to production systems.", auditee: "IT Operations", phase: cmdaudits.Completed},
	{title: "Office relocation programme", scope: "Programme governance of the Lisbon office move.", auditee: "Facilities", phase: cmdaudits.Fieldwork, cancelled: true},
}

var demoProcedures = []string{
	"Walk through the process with its owner",
	"Test a sample of 25 items against the policy",
	"Inspect evidence of management review",
	"Re-perform the monthly reconciliation",
	"Confirm exceptions were followed up",
}

var demoFindings = []struct{ title, severity string }{
	{"Leaver accounts still active after two weeks", "High"},
	{"Access review evidence missing for two systems", "Medium"},
	{"Restore test not performed for the payroll system", "Critical"},
	{"Supplier contracts without data processing terms", "High"},
	{"Emergency changes approved after release", "Medium"},
	{"Subject requests answered after 30 days", "Medium"},
	{"Policy last reviewed three years ago", "Low"},
	{"Shared administrator account on the firewall", "Critical"},
}

// seed returns audit management's demo seed: engagements in every phase (one
// cancelled, one sent back from review), procedures worked and signed off, and
// findings in every status, some overdue and some answered by management, linked to
// the demo's risks and controls. An organization that has engagements gets none.
func seed(pool *pgxpool.Pool, h *cmdaudits.Handler) func(context.Context, *module.Seeding) error {
	return func(ctx context.Context, s *module.Seeding) error {
		if s.Existing {
			var has bool
			if err := pool.QueryRow(ctx, `select exists (select 1 from events where org_id = $1 and type = 'EngagementCreated')`,
				s.OrgID).Scan(&has); err != nil {
				return err
			}
			if has {
				fmt.Fprintln(s.Out, "audit management: the organization has engagements already; nothing seeded")
				return nil
			}
		}
		start := time.Now()
		risks, err := liveRisks(ctx, pool, s.OrgID)
		if err != nil {
			return err
		}
		d := &demo{h: h, s: s, risks: risks, controls: s.Seeded["control"]}
		for i, e := range demoEngagements {
			if err := d.engagement(ctx, i, e); err != nil {
				return fmt.Errorf("demo engagement %q: %w", e.title, err)
			}
		}
		fmt.Fprintf(s.Out, "audit management: added %d engagements with %d procedures and %d findings in %s\n",
			len(demoEngagements), d.procedures, d.findings, time.Since(start).Round(time.Millisecond))
		return nil
	}
}

// liveRisks lists the organization's risks that were not withdrawn, from the log,
// since the projections may not have run yet.
func liveRisks(ctx context.Context, pool *pgxpool.Pool, orgID int64) ([]int64, error) {
	rows, err := pool.Query(ctx, `select (regexp_replace(stream_id, '^risk-', ''))::bigint from events
		where org_id = $1 and type = 'RiskCreated' and stream_id not in
			(select stream_id from events where org_id = $1 and type = 'RiskDeleted') order by 1`, orgID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

type demo struct {
	h                    *cmdaudits.Handler
	s                    *module.Seeding
	risks, controls      []int64
	procedures, findings int
	next                 int
}

// as files a step as the person holding role.
func (d *demo) as(role, step string) events.Metadata { return d.s.As(role, step) }

func (d *demo) person(role string) *int64 {
	id := d.s.People[role].ID
	return &id
}

func date(days int) *string {
	v := time.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly)
	return &v
}

// engagement plays one engagement's story up to its final phase.
func (d *demo) engagement(ctx context.Context, i int, e demoEngagement) error {
	lead := identity.Auditor
	res, err := d.h.CreateEngagement(ctx, d.as(identity.ComplianceManager, fmt.Sprintf("engagement-%d", i)), ev.Fields{
		Title: e.title, Scope: e.scope, Auditee: e.auditee, LeadAuditorID: d.person(lead),
		PlannedStart: date(-90 + 20*i), PlannedEnd: date(-30 + 25*i),
	}, cmdaudits.OnTrack)
	if err != nil {
		return err
	}
	id := res.ID
	target := slices.Index(cmdaudits.Phases, e.phase)
	move := func(phase, comment string) error {
		_, err := d.h.ChangePhase(ctx, d.as(lead, fmt.Sprintf("engagement-%d-phase", i)), id, nil, phase, comment)
		return err
	}
	if target == 0 {
		_, err := d.procedure(ctx, id, i, 0, false)
		return err
	}
	if err := move(cmdaudits.Fieldwork, ""); err != nil {
		return err
	}
	// Fieldwork: the work programme, and what it found.
	var procs []int64
	for p := range 3 + d.s.Rand.IntN(3) {
		pid, err := d.procedure(ctx, id, i, p, target >= 2)
		if err != nil {
			return err
		}
		procs = append(procs, pid)
	}
	var findings []int64
	for f := range 1 + d.s.Rand.IntN(3) {
		fid, err := d.finding(ctx, id, i, f, target)
		if err != nil {
			return err
		}
		findings = append(findings, fid)
	}
	if e.cancelled {
		patch := json.RawMessage(`{"status":"Cancelled","comment":"The programme was stopped by the board; no assurance needed."}`)
		_, err := d.h.UpdateEngagement(ctx, d.as(identity.ComplianceManager, fmt.Sprintf("engagement-%d-cancel", i)), id, nil, patch)
		return err
	}
	if target == 1 {
		// Work in progress runs late.
		_, err := d.h.UpdateEngagement(ctx, d.as(lead, fmt.Sprintf("engagement-%d-status", i)), id, nil, json.RawMessage(`{"status":"At Risk"}`))
		return err
	}
	if err := move(cmdaudits.Review, ""); err != nil {
		return err
	}
	if e.sentBack {
		if err := move(cmdaudits.Fieldwork, "Sample too small for the population; extend testing to 40 items."); err != nil {
			return err
		}
		if err := move(cmdaudits.Review, ""); err != nil {
			return err
		}
	}
	if target == 2 {
		return nil
	}
	// Reporting needs every finding agreed: the compliance manager approves them and
	// management answers each.
	for n, fid := range findings {
		if err := d.approve(ctx, fid, i, n); err != nil {
			return err
		}
	}
	if err := move(cmdaudits.Reporting, ""); err != nil {
		return err
	}
	if target == 3 {
		return nil
	}
	if err := move(cmdaudits.Completed, ""); err != nil {
		return err
	}
	// After the report, remediation goes on: most fixes are verified and closed.
	for n, fid := range findings {
		if n == len(findings)-1 && i%2 == 0 {
			// One is still being remediated, past the date it was due.
			patch, _ := json.Marshal(map[string]any{"due_date": date(-5)})
			if _, err := d.h.UpdateFinding(ctx, d.as(identity.Auditor, fmt.Sprintf("finding-%d-due", fid)), fid, nil, patch); err != nil {
				return err
			}
			continue
		}
		_, err := d.h.ChangeFindingStatus(ctx, d.as(identity.Auditor, fmt.Sprintf("finding-%d-close", fid)), fid, nil, cmdaudits.Closed,
			"Re-tested a sample of 10 items after the fix; no exceptions.")
		if err != nil {
			return err
		}
	}
	return nil
}

// procedure adds one fieldwork step, assigned to the auditor; a finished step is done
// with a conclusion and signed off by the compliance manager.
func (d *demo) procedure(ctx context.Context, engagementID int64, i, p int, finished bool) (int64, error) {
	step := fmt.Sprintf("engagement-%d-procedure-%d", i, p)
	res, err := d.h.AddProcedure(ctx, d.as(identity.Auditor, step), engagementID, ev.Procedure{
		Title: demoProcedures[p%len(demoProcedures)], Description: "Per the approved audit programme.",
		AssignedTo: d.person(identity.Auditor),
	})
	if err != nil {
		return 0, err
	}
	d.procedures++
	status := cmdaudits.InProgress
	if finished {
		status = cmdaudits.Done
	}
	patch, _ := json.Marshal(map[string]any{"status": status, "conclusion": conclusion(finished)})
	if _, err := d.h.UpdateProcedure(ctx, d.as(identity.Auditor, step), engagementID, res.ID, nil, patch); err != nil {
		return 0, err
	}
	// The reviewer signs off; when one person stands in for every role (a test's
	// seed), nobody else can, and the step stays done but unsigned.
	if finished && d.s.People[identity.ComplianceManager].ID != d.s.People[identity.Auditor].ID {
		if _, err := d.h.SignOffProcedure(ctx, d.as(identity.ComplianceManager, step+"-sign-off"), engagementID, res.ID,
			"Evidence reviewed; conclusion supported."); err != nil {
			return 0, err
		}
	}
	return res.ID, nil
}

func conclusion(finished bool) string {
	if finished {
		return "Operating as designed apart from the exceptions raised as findings."
	}
	return ""
}

// finding raises one finding, linked to a risk and a control where the demo has
// them. Findings of engagements still in fieldwork are due soon or overdue.
func (d *demo) finding(ctx context.Context, engagementID int64, i, f, target int) (int64, error) {
	df := demoFindings[d.next%len(demoFindings)]
	d.next++
	f2 := ev.FindingFields{
		Title: df.title, Severity: df.severity,
		Description: "Observed during testing; see the working papers for the sample and exceptions.",
		AssignedTo:  d.person(identity.RiskManager),
	}
	if len(d.risks) > 0 && d.s.Rand.IntN(4) > 0 {
		r := d.risks[d.s.Rand.IntN(len(d.risks))]
		f2.RiskID = &r
	}
	if len(d.controls) > 0 && d.s.Rand.IntN(2) == 0 {
		c := d.controls[d.s.Rand.IntN(len(d.controls))]
		f2.ControlID = &c
	}
	if target <= 1 && f == 0 {
		f2.DueDate = date(-10) // overdue
	} else {
		f2.DueDate = date(20 + 15*f)
	}
	res, err := d.h.CreateFinding(ctx, d.as(identity.Auditor, fmt.Sprintf("engagement-%d-finding-%d", i, f)), engagementID, f2, nil)
	if err != nil {
		return 0, err
	}
	d.findings++
	return res.ID, nil
}

// approve has management answer a finding, the compliance manager approve it, and
// now and then management revise its answer.
func (d *demo) approve(ctx context.Context, findingID int64, i, n int) error {
	step := fmt.Sprintf("finding-%d", findingID)
	answer := ev.ManagementResponse{Response: "Agreed. The process owner will fix the root cause.",
		ActionPlan: "Update the procedure, train the team and evidence the first run.", TargetDate: date(45)}
	if _, err := d.h.SubmitResponse(ctx, d.as(identity.RiskManager, step+"-response"), findingID, answer, false); err != nil {
		return err
	}
	if (i+n)%3 == 0 {
		answer.ActionPlan = "Automate the check in the workflow tool; interim manual review weekly."
		answer.TargetDate = date(75)
		if _, err := d.h.SubmitResponse(ctx, d.as(identity.RiskManager, step+"-response-2"), findingID, answer, false); err != nil {
			return err
		}
	}
	_, err := d.h.ChangeFindingStatus(ctx, d.as(identity.ComplianceManager, step+"-approve"), findingID, nil, cmdaudits.Approved, "")
	return err
}
