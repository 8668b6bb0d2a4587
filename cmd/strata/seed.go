package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/strata-grc/strata/cmd/strata/app"
	cmdrisks "github.com/strata-grc/strata/commands/risks"
	"github.com/strata-grc/strata/events"
	evrisks "github.com/strata-grc/strata/events/risks"
)

// The demo organization and the person the server acts as until login exists.
const (
	DemoOrgID    = 1
	DemoUserID   = 1
	DemoUserName = "Dana Whitfield"
)

// demoPeople act in the seeded history, so the audit trail shows several hands.
var demoPeople = []struct {
	id   int64
	name string
}{
	{1, "Dana Whitfield"}, {2, "Marcus Obi"}, {3, "Priya Raman"}, {4, "Tomás Ferreira"}, {5, "Helen Park"},
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

// Seed creates the demo organization's risks through the same commands users run, so
// the demo has a real history. It does nothing when the organization has risks.
func Seed(ctx context.Context, a *app.App, n int, out io.Writer) error {
	var existing int64
	if err := a.Pool.QueryRow(ctx, `select count(*) from events where org_id = $1`, DemoOrgID).Scan(&existing); err != nil {
		return err
	}
	if existing > 0 {
		fmt.Fprintf(out, "demo organization already has %d events; nothing seeded\n", existing)
		return nil
	}
	rng := rand.New(rand.NewPCG(42, 7))
	cats := make([]string, 0, len(demoCategories))
	for c := range demoCategories {
		cats = append(cats, c)
	}
	// Map iteration order is random; sort for a repeatable demo.
	slices.Sort(cats)
	start := time.Now()
	meta := func(i int) events.Metadata {
		p := demoPeople[i%len(demoPeople)]
		return events.Metadata{OrgID: DemoOrgID, ActorID: p.id, ActorName: p.name,
			CorrelationID: "seed-" + strconv.Itoa(i), UserAgent: "strata seed"}
	}
	var ids []int64
	for i := range n {
		cat := cats[rng.IntN(len(cats))]
		titles := demoCategories[cat]
		title := titles[rng.IntN(len(titles))] + " (" + demoSites[rng.IntN(len(demoSites))] + ")"
		owner := demoPeople[rng.IntN(len(demoPeople))].id
		review := time.Now().AddDate(0, rng.IntN(12), rng.IntN(28)).Format(time.DateOnly)
		f := evrisks.Fields{
			Title: title, Category: cat, Status: "Identified",
			Description: "Identified during the " + []string{"annual risk assessment", "quarterly review", "internal audit", "incident post-mortem"}[rng.IntN(4)] + ". " +
				"Owner to confirm scoring and treatment.",
			Likelihood: 1 + rng.IntN(5), Impact: 1 + rng.IntN(5), OwnerID: &owner, ReviewDate: &review,
		}
		res, err := a.Risks.Create(ctx, meta(i), f)
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
			if _, err := a.Risks.Execute(ctx, m, id, nil, cmdrisks.Update{Patch: patch}); err != nil {
				return err
			}
		}
		if rng.IntN(2) == 0 {
			due := time.Now().AddDate(0, 1+rng.IntN(6), 0).Format(time.DateOnly)
			owner := demoPeople[rng.IntN(len(demoPeople))].id
			respID, _, err := a.Risks.AddResponse(ctx, m, id, nil, evrisks.Response{
				Type: cmdrisks.ResponseTypes[rng.IntN(4)], Description: "Agree a treatment plan and track it to closure.",
				OwnerID: &owner, DueDate: &due,
			})
			if err != nil {
				return err
			}
			if rng.IntN(2) == 0 {
				patch := json.RawMessage(`{"status":"in_progress"}`)
				if _, err := a.Risks.Execute(ctx, meta(i+2), id, nil, cmdrisks.UpdateResponse{ResponseID: respID, Patch: patch}); err != nil {
					return err
				}
			}
		}
		for range rng.IntN(3) {
			if _, err := a.Risks.Execute(ctx, m, id, nil, cmdrisks.MapControl{ControlID: int64(1 + rng.IntN(40))}); err != nil {
				return err
			}
		}
		if rng.IntN(10) == 0 {
			patch, _ := json.Marshal(map[string]any{"status": statuses[2+rng.IntN(2)], "likelihood": 1 + rng.IntN(2)})
			if _, err := a.Risks.Execute(ctx, meta(i+3), id, nil, cmdrisks.Update{Patch: patch}); err != nil {
				return err
			}
		}
		if rng.IntN(40) == 0 {
			if _, err := a.Risks.Execute(ctx, meta(i+4), id, nil, cmdrisks.Delete{Reason: "Duplicate of another risk"}); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, "seeded %d demo risks with their history in %s\n", len(ids), time.Since(start).Round(time.Millisecond))
	return nil
}
