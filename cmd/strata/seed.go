package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	cmdrisks "github.com/strata-grc/strata/commands/risks"

	"github.com/jackc/pgx/v5"

	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
	evrisks "github.com/strata-grc/strata/events/risks"
)

// DemoOrganization is the organization the seed creates.
const DemoOrganization = "Northwind Holdings"

// demoPeople are the demo organization's users, one per role, with passwords a
// newcomer can type; `make run` prints them. They are for a local demo only.
var demoPeople = []struct {
	email, name, role, password string
}{
	{"admin@northwind.example", "Dana Whitfield", identity.Admin, "demo-admin-pass"},
	{"risk@northwind.example", "Marcus Obi", identity.RiskManager, "demo-risk-pass"},
	{"compliance@northwind.example", "Priya Raman", identity.ComplianceManager, "demo-compliance-pass"},
	{"auditor@northwind.example", "Tomás Ferreira", identity.Auditor, "demo-auditor-pass"},
	{"investigator@northwind.example", "Helen Park", identity.Investigator, "demo-investigator-pass"},
	{"viewer@northwind.example", "Sam Okafor", identity.Viewer, "demo-viewer-pass"},
}

// printLogins tells a newcomer how to get in.
func printLogins(out io.Writer) {
	fmt.Fprintf(out, "demo logins for %s (role: email / password):\n", DemoOrganization)
	for _, p := range demoPeople {
		fmt.Fprintf(out, "  %-18s %-32s %s\n", p.role, p.email, p.password)
	}
}

// demoRequested reads STRATA_DEMO: the demo organization is seeded only when it says
// true, and a value that is neither true nor false stops the server rather than
// being taken for either.
func demoRequested() (bool, error) {
	v := env("", "STRATA_DEMO")
	if v == "" {
		return false, nil
	}
	demo, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("STRATA_DEMO=%q: want true or false", v)
	}
	return demo, nil
}

var demoCategories = map[string][]string{
	"Cybersecurity": {"Ransomware outbreak on file servers", "Phishing compromise of finance mailboxes",
		"Unpatched internet-facing VPN appliance", "Privileged account misuse", "Loss of encryption keys",
		"Credential stuffing against the customer portal"},
	"Operational": {"Single point of failure in payment batch job", "Key supplier cannot deliver for two weeks",
		"Data centre cooling failure", "Manual reconciliation errors in month-end close", "Backlog in change approvals"},
	"Compliance": {"GDPR subject requests answered late", "Expired PCI DSS attestation", "Incomplete SOX control evidence",
		"Sanctions screening list out of date", "Records kept past their retention period"},
	"Financial": {"Foreign exchange exposure on EUR contracts", "Customer concentration in top three accounts",
		"Interest rate rise on revolving credit", "Bad debt from distressed distributors"},
	"Strategic": {"Competitor undercuts core product pricing", "Delayed launch of the cloud platform",
		"Loss of key engineering staff", "Acquisition integration overruns"},
	"Third Party": {"Cloud provider region outage", "Payroll processor breach", "Offshore support vendor quality drop",
		"Logistics partner insolvency"},
	"Legal": {"Open-source licence breach in shipped software", "Contract renewals without liability caps",
		"Employment claims from restructuring"},
}

var demoSites = []string{"London", "Lisbon", "Singapore", "Toronto", "Frankfurt", "Austin", "the head office", "the EU region"}

// person is a demo user as events name them.
type person struct {
	id   int64
	name string
}

// controlMetaFor files control library work as the compliance manager's, and every
// fourth step (the tests) as the auditor's.
func controlMetaFor(orgID int64, compliance, auditor person) func(i int) events.Metadata {
	return func(i int) events.Metadata {
		p := []person{compliance, compliance, compliance, auditor}[i%4]
		return events.Metadata{OrgID: orgID, ActorID: p.id, ActorName: p.name,
			CorrelationID: "seed-control-" + strconv.Itoa(i), UserAgent: "strata seed"}
	}
}

// Seed creates the demo organization, its users and its data through the same
// commands users run, so the demo has a real history. When the organization exists it
// adds only the demo data of modules it has none of (a demo seeded by an earlier
// release gains the control library), and otherwise creates nothing.
func Seed(ctx context.Context, a *app.App, n int, out io.Writer) error {
	defer printLogins(out)
	if id, err := a.Identity.OrganizationByName(ctx, DemoOrganization); err != nil {
		return err
	} else if id != 0 {
		return seedMissing(ctx, a, id, out)
	}
	var people []person
	for _, p := range demoPeople {
		id, err := addMember(ctx, a, DemoOrganization, p.email, p.name, p.password, p.role)
		if err != nil {
			return fmt.Errorf("demo user %s: %w", p.email, err)
		}
		people = append(people, person{id, p.name})
	}
	orgID, err := a.Identity.OrganizationByName(ctx, DemoOrganization)
	if err != nil {
		return err
	}
	// Risk work is done by the admin, the risk manager and the compliance manager.
	actors := people[:3]
	rng := rand.New(rand.NewPCG(42, 7))
	cats := slices.Sorted(maps.Keys(demoCategories))
	start := time.Now()
	meta := func(i int) events.Metadata {
		p := actors[i%len(actors)]
		return events.Metadata{OrgID: orgID, ActorID: p.id, ActorName: p.name,
			CorrelationID: "seed-" + strconv.Itoa(i), UserAgent: "strata seed"}
	}
	owner := func() *int64 { id := people[rng.IntN(len(people))].id; return &id }
	// The compliance manager looks after frameworks and controls; the auditor tests.
	controlMeta := controlMetaFor(orgID, people[2], people[3])
	reqs, err := seedFrameworks(ctx, a, controlMeta(0))
	if err != nil {
		return err
	}
	controlIDs, err := seedControls(ctx, a, reqs, controlMeta, owner, rng)
	if err != nil {
		return err
	}
	var ids []int64
	for i := range n {
		cat := cats[rng.IntN(len(cats))]
		titles := demoCategories[cat]
		title := titles[rng.IntN(len(titles))] + " (" + demoSites[rng.IntN(len(demoSites))] + ")"
		review := time.Now().AddDate(0, rng.IntN(12), rng.IntN(28)).Format(time.DateOnly)
		f := evrisks.Fields{
			Title: title, Category: cat, Status: "Identified",
			Description: "Identified during the " + []string{"annual risk assessment", "quarterly review", "internal audit", "incident post-mortem"}[rng.IntN(4)] + ". " +
				"Owner to confirm scoring and treatment.",
			Likelihood: 1 + rng.IntN(5), Impact: 1 + rng.IntN(5), OwnerID: owner(), ReviewDate: &review,
		}
		res, err := lookup[*cmdrisks.Handler](a).Create(ctx, meta(i), f)
		if err != nil {
			return fmt.Errorf("seed risk %d: %w", i, err)
		}
		ids = append(ids, res.ID)
	}
	statuses := []string{"Assessed", "Treating", "Accepted", "Closed"}
	for i, id := range ids {
		m := meta(i + 1)
		if rng.IntN(3) > 0 { // two in three risks were assessed
			rl, ri := 1+rng.IntN(3), 1+rng.IntN(3)
			patch, _ := json.Marshal(map[string]any{"status": statuses[rng.IntN(2)], "residual_likelihood": rl, "residual_impact": ri})
			if _, err := lookup[*cmdrisks.Handler](a).Execute(ctx, m, id, nil, cmdrisks.Update{Patch: patch}); err != nil {
				return err
			}
		}
		if rng.IntN(2) == 0 {
			due := time.Now().AddDate(0, 1+rng.IntN(6), 0).Format(time.DateOnly)
			respID, _, err := lookup[*cmdrisks.Handler](a).AddResponse(ctx, m, id, nil, evrisks.Response{
				Type: cmdrisks.ResponseTypes[rng.IntN(4)], Description: "Agree a treatment plan and track it to closure.",
				OwnerID: owner(), DueDate: &due,
			})
			if err != nil {
				return err
			}
			if rng.IntN(2) == 0 {
				patch := json.RawMessage(`{"status":"in_progress"}`)
				if _, err := lookup[*cmdrisks.Handler](a).Execute(ctx, meta(i+2), id, nil, cmdrisks.UpdateResponse{ResponseID: respID, Patch: patch}); err != nil {
					return err
				}
			}
		}
		for range rng.IntN(3) {
			c := controlIDs[rng.IntN(len(controlIDs))]
			if _, err := lookup[*cmdrisks.Handler](a).Execute(ctx, m, id, nil, cmdrisks.MapControl{ControlID: c}); err != nil {
				return err
			}
		}
		if rng.IntN(10) == 0 {
			patch, _ := json.Marshal(map[string]any{"status": statuses[2+rng.IntN(2)], "likelihood": 1 + rng.IntN(2)})
			if _, err := lookup[*cmdrisks.Handler](a).Execute(ctx, meta(i+3), id, nil, cmdrisks.Update{Patch: patch}); err != nil {
				return err
			}
		}
		if rng.IntN(40) == 0 {
			if _, err := lookup[*cmdrisks.Handler](a).Execute(ctx, meta(i+4), id, nil, cmdrisks.Delete{Reason: "Duplicate of another risk"}); err != nil {
				return err
			}
		}
	}
	// One control is retired after risks mapped it: its mappings stay, shown as archived.
	retired := controlIDs[len(controlIDs)-1]
	if _, err := lookup[*cmdcontrols.Handler](a).UpdateControl(ctx, controlMeta(1), retired, nil, json.RawMessage(`{"status":"Archived"}`)); err != nil {
		return err
	}
	fmt.Fprintf(out, "seeded the example frameworks (%d requirements), %d controls and %d risks with their history in %s\n",
		len(reqs), len(controlIDs), len(ids), time.Since(start).Round(time.Millisecond))
	return nil
}

// seedMissing adds the control library's demo data to an existing demo organization
// that has none, mapping some of its live risks to the new controls.
func seedMissing(ctx context.Context, a *app.App, orgID int64, out io.Writer) error {
	var hasFrameworks bool
	if err := a.Pool.QueryRow(ctx, `select exists (select 1 from frameworks where org_id = $1)
		or exists (select 1 from unique_keys where kind = 'framework' and org_id = $1)`, orgID).Scan(&hasFrameworks); err != nil {
		return err
	}
	if hasFrameworks {
		fmt.Fprintf(out, "%s already exists; nothing seeded\n", DemoOrganization)
		return nil
	}
	byRole := map[string]person{}
	for _, p := range demoPeople {
		id, err := a.Identity.UserIDByEmail(ctx, p.email)
		if err != nil {
			return err
		}
		if id == 0 {
			fmt.Fprintf(out, "%s exists without its demo users; nothing seeded\n", DemoOrganization)
			return nil
		}
		byRole[p.role] = person{id, p.name}
	}
	start := time.Now()
	meta := controlMetaFor(orgID, byRole[identity.ComplianceManager], byRole[identity.Auditor])
	reqs, err := seedFrameworks(ctx, a, meta(0))
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(42, 8))
	controlIDs, err := seedControls(ctx, a, reqs, meta, func() *int64 { id := byRole[identity.ComplianceManager].id; return &id }, rng)
	if err != nil {
		return err
	}
	// The risks are in the log whether or not the projections have run.
	rows, err := a.Pool.Query(ctx, `select (regexp_replace(stream_id, '^risk-', ''))::bigint from events
		where org_id = $1 and type = 'RiskCreated' and stream_id not in
			(select stream_id from events where org_id = $1 and type = 'RiskDeleted') order by 1`, orgID)
	if err != nil {
		return err
	}
	risks, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	riskMeta := events.Metadata{OrgID: orgID, ActorID: byRole[identity.RiskManager].id, ActorName: byRole[identity.RiskManager].name,
		CorrelationID: "seed-mapping", UserAgent: "strata seed"}
	for _, id := range risks {
		if rng.IntN(3) != 0 {
			continue
		}
		c := controlIDs[rng.IntN(len(controlIDs))]
		if _, err := lookup[*cmdrisks.Handler](a).Execute(ctx, riskMeta, id, nil, cmdrisks.MapControl{ControlID: c}); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "%s already existed; added the example frameworks (%d requirements) and %d controls in %s\n",
		DemoOrganization, len(reqs), len(controlIDs), time.Since(start).Round(time.Millisecond))
	return nil
}
