package risks

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/commands/identity"
	cmdrisks "github.com/strata-grc/strata/commands/risks"
	"github.com/strata-grc/strata/events"
	evrisks "github.com/strata-grc/strata/events/risks"
)

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

// riskActors do the risk work, in turn.
var riskActors = []string{identity.Admin, identity.RiskManager, identity.ComplianceManager}

// seed returns the risk register's demo seed: s.Size risks with their history
// (assessments, responses, closures, the odd deletion) and mappings to the controls
// the control library seeded. An organization that has risks gets none; when the
// control library was just added to it, some of its live risks are mapped to the new
// controls instead.
func seed(pool *pgxpool.Pool, h *cmdrisks.Handler) func(context.Context, *module.Seeding) error {
	return func(ctx context.Context, s *module.Seeding) error {
		controls := s.Seeded["control"]
		if s.Existing {
			var has bool
			if err := pool.QueryRow(ctx, `select exists (select 1 from events where org_id = $1 and type = 'RiskCreated')`,
				s.OrgID).Scan(&has); err != nil {
				return err
			}
			if has && len(controls) == 0 {
				fmt.Fprintln(s.Out, "risk register: the organization has risks already; nothing seeded")
				return nil
			}
			if has {
				return mapExisting(ctx, pool, h, s, controls)
			}
		}
		start := time.Now()
		n, err := seedRisks(ctx, h, s, controls)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.Out, "risk register: added %d risks with their history in %s\n", n, time.Since(start).Round(time.Millisecond))
		return nil
	}
}

// seedRisks creates the demo risks through the commands users run and returns how
// many it made.
func seedRisks(ctx context.Context, h *cmdrisks.Handler, s *module.Seeding, controls []int64) (int, error) {
	rng := s.Rand
	cats := slices.Sorted(maps.Keys(demoCategories))
	meta := func(i int) events.Metadata { return s.As(riskActors[i%len(riskActors)], strconv.Itoa(i)) }
	owner := func() *int64 { id := s.Anyone().ID; return &id }
	var ids []int64
	for i := range s.Size {
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
		res, err := h.Create(ctx, meta(i), f)
		if err != nil {
			return 0, fmt.Errorf("seed risk %d: %w", i, err)
		}
		ids = append(ids, res.ID)
	}
	statuses := []string{"Assessed", "Treating", "Accepted", "Closed"}
	for i, id := range ids {
		m := meta(i + 1)
		if rng.IntN(3) > 0 { // two in three risks were assessed
			rl, ri := 1+rng.IntN(3), 1+rng.IntN(3)
			patch, _ := json.Marshal(map[string]any{"status": statuses[rng.IntN(2)], "residual_likelihood": rl, "residual_impact": ri})
			if _, err := h.Execute(ctx, m, id, nil, cmdrisks.Update{Patch: patch}); err != nil {
				return 0, err
			}
		}
		if rng.IntN(2) == 0 {
			due := time.Now().AddDate(0, 1+rng.IntN(6), 0).Format(time.DateOnly)
			respID, _, err := h.AddResponse(ctx, m, id, nil, evrisks.Response{
				Type: cmdrisks.ResponseTypes[rng.IntN(4)], Description: "Agree a treatment plan and track it to closure.",
				OwnerID: owner(), DueDate: &due,
			})
			if err != nil {
				return 0, err
			}
			if rng.IntN(2) == 0 {
				patch := json.RawMessage(`{"status":"in_progress"}`)
				if _, err := h.Execute(ctx, meta(i+2), id, nil, cmdrisks.UpdateResponse{ResponseID: respID, Patch: patch}); err != nil {
					return 0, err
				}
			}
		}
		if len(controls) > 0 {
			for range rng.IntN(3) {
				c := controls[rng.IntN(len(controls))]
				if _, err := h.Execute(ctx, m, id, nil, cmdrisks.MapControl{ControlID: c}); err != nil {
					return 0, err
				}
			}
		}
		if rng.IntN(10) == 0 {
			patch, _ := json.Marshal(map[string]any{"status": statuses[2+rng.IntN(2)], "likelihood": 1 + rng.IntN(2)})
			if _, err := h.Execute(ctx, meta(i+3), id, nil, cmdrisks.Update{Patch: patch}); err != nil {
				return 0, err
			}
		}
		if rng.IntN(40) == 0 {
			if _, err := h.Execute(ctx, meta(i+4), id, nil, cmdrisks.Delete{Reason: "Duplicate of another risk"}); err != nil {
				return 0, err
			}
		}
	}
	return len(ids), nil
}

// mapExisting maps about one in three of the organization's live risks to the
// controls just seeded, as the risk manager.
func mapExisting(ctx context.Context, pool *pgxpool.Pool, h *cmdrisks.Handler, s *module.Seeding, controls []int64) error {
	// The risks are in the log whether or not the projections have run.
	rows, err := pool.Query(ctx, `select (regexp_replace(stream_id, '^`+evrisks.StreamPrefix+`', ''))::bigint from events
		where org_id = $1 and type = 'RiskCreated' and stream_id not in
			(select stream_id from events where org_id = $1 and type = 'RiskDeleted') order by 1`, s.OrgID)
	if err != nil {
		return err
	}
	risks, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	meta := s.As(identity.RiskManager, "mapping")
	mapped := 0
	for _, id := range risks {
		if s.Rand.IntN(3) != 0 {
			continue
		}
		c := controls[s.Rand.IntN(len(controls))]
		if _, err := h.Execute(ctx, meta, id, nil, cmdrisks.MapControl{ControlID: c}); err != nil {
			return err
		}
		mapped++
	}
	fmt.Fprintf(s.Out, "risk register: the organization has risks already; mapped %d of its %d live risks to the new controls\n", mapped, len(risks))
	return nil
}
