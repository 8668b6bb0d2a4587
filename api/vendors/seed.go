package vendors

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/commands/identity"
	cmdvendors "github.com/strata-grc/strata/commands/vendors"
	"github.com/strata-grc/strata/events"
	evvendors "github.com/strata-grc/strata/events/vendors"
)

// demoReview is a review days ago, setting the tier and the next review next days
// after it.
type demoReview struct {
	ago      int
	decision string
	tier     string
	notes    string
	next     int
}

// demoVendor is one demo vendor and its story: added with a tier, reviewed, and
// perhaps re-tiered by an edit afterwards.
type demoVendor struct {
	fields evvendors.Fields
	// due is the first review date, in days from today, of a vendor never reviewed;
	// a reviewed vendor was due on its first review's date.
	due     int
	reviews []demoReview
	// retier, when set, is an edit's new tier and its reason.
	retier [2]string
	// risks is how many of the demo's risks the vendor links.
	risks int
}

var demoVendors = []demoVendor{
	{fields: evvendors.Fields{Name: "Northwind Cloud", Service: "Cloud hosting for the customer platform", Criticality: "critical",
		RiskTier: "Medium", Status: cmdvendors.Active, ContactName: "Priya Natarajan", ContactEmail: "priya.natarajan@northwind.example"},
		reviews: []demoReview{
			{ago: 410, decision: "approved", tier: "Medium", notes: "SOC 2 Type II report reviewed; no exceptions.", next: 365},
			{ago: 45, decision: "conditional", tier: "High", notes: "Region outage in the spring; a tested resilience plan is required before renewal.", next: 180},
		}, risks: 2},
	{fields: evvendors.Fields{Name: "Contoso Payroll", Service: "Payroll processing", Criticality: "high", RiskTier: "Medium",
		Status: cmdvendors.Active, ContactName: "Marc Dubois", ContactEmail: "m.dubois@contoso-payroll.example"},
		reviews: []demoReview{{ago: 400, decision: "approved", tier: "Medium", notes: "ISAE 3402 report reviewed.", next: 365}}, risks: 1},
	{fields: evvendors.Fields{Name: "Fabrikam Logistics", Service: "Warehousing and distribution", Criticality: "high", RiskTier: "High",
		Status: cmdvendors.Active, ContactName: "Jonas Berg", ContactEmail: "jonas.berg@fabrikam.example"},
		reviews: []demoReview{{ago: 200, decision: "conditional", tier: "Critical",
			notes: "Late filing of accounts and a lost major customer: financial distress. Contingency supplier to be qualified.", next: 90}}, risks: 1},
	{fields: evvendors.Fields{Name: "Tailspin Support Desk", Service: "Offshore first-line customer support", Criticality: "medium",
		RiskTier: "Medium", Status: cmdvendors.Active, ContactName: "Anjali Rao", ContactEmail: "anjali.rao@tailspin.example"},
		reviews: []demoReview{{ago: 120, decision: "approved", tier: "Low", notes: "Quality scores back on target for two quarters.", next: 365}},
		retier:  [2]string{"Medium", "Two customer-data handling incidents in one month."}},
	{fields: evvendors.Fields{Name: "Litware Analytics", Service: "Marketing analytics (SaaS)", Criticality: "low", RiskTier: "Low",
		Status: cmdvendors.Onboarding, ContactName: "Sam Okafor", ContactEmail: "sam@litware.example"}, due: 30},
	{fields: evvendors.Fields{Name: "Adventure Works Print", Service: "Statement printing and mailing", Criticality: "medium",
		RiskTier: "Medium", Status: cmdvendors.Active, ContactName: "Lena Fischer", ContactEmail: "lena.fischer@adventure-works.example"},
		reviews: []demoReview{{ago: 500, decision: "rejected", tier: "High",
			notes: "Failed the data protection assessment; the contract is not renewed.", next: 365}}},
	{fields: evvendors.Fields{Name: "Woodgrove Bank", Service: "Corporate banking and payments", Criticality: "critical", RiskTier: "Low",
		Status: cmdvendors.Active, ContactName: "Relationship desk", ContactEmail: "corporate@woodgrove.example"},
		reviews: []demoReview{{ago: 300, decision: "approved", tier: "Low", notes: "Regulated bank; annual credit rating check.", next: 365}}, risks: 1},
	{fields: evvendors.Fields{Name: "Proseware Identity", Service: "Single sign-on and multi-factor authentication", Criticality: "critical",
		RiskTier: "High", Status: cmdvendors.Active, ContactName: "Eva Lindqvist", ContactEmail: "eva.lindqvist@proseware.example"},
		reviews: []demoReview{{ago: 20, decision: "approved", tier: "High", notes: "Penetration test passed; tier kept for the access it holds.", next: 180}},
		risks:   2},
	{fields: evvendors.Fields{Name: "Wide World Importers", Service: "Laptop and peripheral procurement", Criticality: "low", RiskTier: "Low",
		Status: cmdvendors.Active, ContactName: "Tom Hughes", ContactEmail: "tom.hughes@wideworld.example"}, due: -10},
	{fields: evvendors.Fields{Name: "Blue Yonder Legal", Service: "External legal counsel", Criticality: "medium", RiskTier: "Low",
		Status: cmdvendors.Active, ContactName: "Grace Adeyemi", ContactEmail: "g.adeyemi@blueyonder-legal.example"},
		reviews: []demoReview{{ago: 90, decision: "approved", tier: "Low", next: 365}}},
	{fields: evvendors.Fields{Name: "Trey Research", Service: "Clinical trial data processing", Criticality: "high", RiskTier: "High",
		Status: cmdvendors.Onboarding, ContactName: "Dr. Kenji Sato", ContactEmail: "k.sato@treyresearch.example"}, due: 14,
		retier: [2]string{"Critical", "Processes special-category health data on our behalf."}, risks: 1},
	{fields: evvendors.Fields{Name: "Graphic Design Institute", Service: "Brand and design agency", Criticality: "low", RiskTier: "Low",
		Status: cmdvendors.Active, ContactName: "Mia Rossi", ContactEmail: "mia@gdi.example"},
		reviews: []demoReview{{ago: 60, decision: "approved", tier: "Low", next: 730}}},
}

// offboarded are the demo vendors whose relationship ended after their last review.
var offboarded = map[string]bool{"Adventure Works Print": true}

// seed returns third-party risk's demo seed: vendors in every status and tier, some
// with their review overdue, with reviews that re-tiered them and edits that did, and
// links to the demo's risks. An organization that has vendors gets none.
func seed(pool *pgxpool.Pool, h *cmdvendors.Handler) func(context.Context, *module.Seeding) error {
	return func(ctx context.Context, s *module.Seeding) error {
		if s.Existing {
			var has bool
			if err := pool.QueryRow(ctx, `select exists (select 1 from events where org_id = $1 and type = 'VendorAdded')`,
				s.OrgID).Scan(&has); err != nil {
				return err
			}
			if has {
				fmt.Fprintln(s.Out, "third-party risk: the organization has vendors already; nothing seeded")
				return nil
			}
		}
		start := time.Now()
		risks, err := liveRisks(ctx, pool, s.OrgID)
		if err != nil {
			return err
		}
		reviews, next := 0, 0
		for i, d := range demoVendors {
			as := func(role, step string) events.Metadata { return s.As(role, fmt.Sprintf("vendor-%d-%s", i, step)) }
			f := d.fields
			due := d.due
			if len(d.reviews) > 0 {
				due = -d.reviews[0].ago
			}
			f.NextReview = date(due)
			for range min(d.risks, len(risks)) {
				f.RiskIDs = append(f.RiskIDs, risks[next%len(risks)])
				next++
			}
			res, err := h.Add(ctx, as(identity.ComplianceManager, "add"), f)
			if err != nil {
				return fmt.Errorf("demo vendor %q: %w", f.Name, err)
			}
			for j, r := range d.reviews {
				reviewer := []string{identity.RiskManager, identity.ComplianceManager}[j%2]
				if _, _, err := h.Review(ctx, as(reviewer, fmt.Sprintf("review-%d", j)), res.ID, nil, cmdvendors.ReviewVendor{
					ReviewedAt: date(-r.ago), Decision: r.decision, RiskTier: r.tier, Notes: r.notes, NextReview: date(r.next - r.ago),
				}); err != nil {
					return fmt.Errorf("demo vendor %q: %w", f.Name, err)
				}
				reviews++
			}
			patch := map[string]any{}
			if d.retier[0] != "" {
				patch["risk_tier"], patch["reason"] = d.retier[0], d.retier[1]
			}
			if offboarded[f.Name] {
				patch["status"] = cmdvendors.Offboarded
			}
			if len(patch) > 0 {
				raw, _ := json.Marshal(patch)
				if _, err := h.Update(ctx, as(identity.RiskManager, "edit"), res.ID, nil, raw); err != nil {
					return fmt.Errorf("demo vendor %q: %w", f.Name, err)
				}
			}
		}
		fmt.Fprintf(s.Out, "third-party risk: added %d vendors with %d reviews in %s\n", len(demoVendors), reviews,
			time.Since(start).Round(time.Millisecond))
		return nil
	}
}

func date(days int) *string {
	v := time.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly)
	return &v
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
