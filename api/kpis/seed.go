package kpis

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/commands/identity"
	cmdkpis "github.com/strata-grc/strata/commands/kpis"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/kpis"
)

// demoKpi is one demo KPI and the values it was given: from first to last over its
// periods, with a little noise, ending at last (so whether it ends on target is
// chosen here). stopEarly leaves its most recent periods without values, which makes
// it stale; correctBy, when not 0, corrects one of its values by that much after the
// fact.
type demoKpi struct {
	name, description, unit string
	target                  float64
	direction, frequency    string
	first, last             float64
	stopEarly               bool
	correctBy               float64
}

// demoObjective is one demo objective with its KPIs, owned by the person of a role.
type demoObjective struct {
	name, description string
	role              string
	kpis              []demoKpi
}

var demoObjectives = []demoObjective{
	{name: "Strengthen operational resilience", role: identity.RiskManager,
		description: "Keep critical services available and recover quickly when they are not.",
		kpis: []demoKpi{
			{name: "System availability", unit: "%", target: 99.9, direction: cmdkpis.HigherIsBetter, frequency: cmdkpis.Monthly,
				description: "Uptime of the customer-facing platform during business hours.", first: 99.95, last: 99.82, correctBy: -0.04},
			{name: "Mean time to restore critical incidents", unit: "hours", target: 4, direction: cmdkpis.LowerIsBetter, frequency: cmdkpis.Monthly,
				description: "From the incident being raised to service restored.", first: 6.5, last: 3.2},
			{name: "Backup restore tests passed", unit: "%", target: 95, direction: cmdkpis.HigherIsBetter, frequency: cmdkpis.Quarterly,
				description: "Share of scheduled restore tests that recovered the data in time.", first: 88, last: 97},
			{name: "Critical suppliers with a tested exit plan", unit: "%", target: 80, direction: cmdkpis.HigherIsBetter, frequency: cmdkpis.Annual,
				first: 40, last: 65},
		}},
	{name: "Embed a compliance culture", role: identity.ComplianceManager,
		description: "Everyone knows the rules that apply to their work, and exceptions are dealt with.",
		kpis: []demoKpi{
			{name: "Mandatory training completion", unit: "%", target: 95, direction: cmdkpis.HigherIsBetter, frequency: cmdkpis.Monthly,
				description: "Staff who completed this year's mandatory modules.", first: 71, last: 92, correctBy: 1.5},
			{name: "Policy exceptions open over 90 days", unit: "exceptions", target: 5, direction: cmdkpis.LowerIsBetter, frequency: cmdkpis.Monthly,
				first: 14, last: 9, stopEarly: true},
			{name: "Regulatory breaches reported", unit: "breaches", target: 0, direction: cmdkpis.LowerIsBetter, frequency: cmdkpis.Quarterly,
				first: 2, last: 0},
		}},
	{name: "Reduce financial crime exposure", role: identity.ComplianceManager,
		description: "Know our high-risk customers and report suspicions promptly.",
		kpis: []demoKpi{
			{name: "High-risk customers reviewed on time", unit: "%", target: 90, direction: cmdkpis.HigherIsBetter, frequency: cmdkpis.Monthly,
				first: 78, last: 93},
			{name: "Suspicious activity reports filed within 30 days", unit: "%", target: 100, direction: cmdkpis.HigherIsBetter, frequency: cmdkpis.Quarterly,
				first: 85, last: 96, stopEarly: true, correctBy: 4},
			{name: "Fraud losses", unit: "EUR thousand", target: 250, direction: cmdkpis.LowerIsBetter, frequency: cmdkpis.Annual,
				description: "Losses to external fraud written off in the year.", first: 410, last: 290},
		}},
}

// periodsRecorded is how many periods of each frequency a demo KPI has values for: a
// year of months and quarters, three years.
var periodsRecorded = map[string]int{cmdkpis.Monthly: 12, cmdkpis.Quarterly: 4, cmdkpis.Annual: 3}

// seed returns the demo: three objectives of ten KPIs at every frequency with their
// values up to the last complete period (some corrected, some off target), and two
// KPIs whose values stopped months ago, so they are stale. An organization that has
// objectives gets none.
func seed(pool *pgxpool.Pool, h *cmdkpis.Handler) func(context.Context, *module.Seeding) error {
	return func(ctx context.Context, s *module.Seeding) error {
		if s.Existing {
			var has bool
			if err := pool.QueryRow(ctx, `select exists (select 1 from events where org_id = $1 and type = 'ObjectiveCreated')`,
				s.OrgID).Scan(&has); err != nil {
				return err
			}
			if has {
				fmt.Fprintln(s.Out, "KPIs: the organization has objectives already; nothing seeded")
				return nil
			}
		}
		start := time.Now()
		today := cmdkpis.Date(start)
		count, values := 0, 0
		for i, o := range demoObjectives {
			owner := s.People[o.role].ID
			as := func(step string) events.Metadata { return s.As(o.role, fmt.Sprintf("objective-%d-%s", i, step)) }
			year := fmt.Sprint(today.Year())
			begin, end := year+"-01-01", year+"-12-31"
			res, err := h.CreateObjective(ctx, as("create"), ev.ObjectiveFields{Name: o.name, Description: o.description,
				OwnerID: &owner, PeriodStart: &begin, PeriodEnd: &end})
			if err != nil {
				return fmt.Errorf("objective %q: %w", o.name, err)
			}
			objective := res.ID
			s.Seeded["objective"] = append(s.Seeded["objective"], objective)
			for j, k := range o.kpis {
				n, err := seedKpi(ctx, h, s, today, objective, owner, k, func(step string) events.Metadata {
					return as(fmt.Sprintf("kpi-%d-%s", j, step))
				})
				if err != nil {
					return fmt.Errorf("KPI %q: %w", k.name, err)
				}
				count++
				values += n
			}
		}
		fmt.Fprintf(s.Out, "KPIs: %d objectives with %d KPIs and %d values in %s\n", len(demoObjectives), count, values,
			time.Since(start).Round(time.Millisecond))
		return nil
	}
}

// seedKpi defines one demo KPI and records its values, returning how many.
func seedKpi(ctx context.Context, h *cmdkpis.Handler, s *module.Seeding, today time.Time, objective, owner int64, k demoKpi,
	as func(step string) events.Metadata) (int, error) {
	target := k.target
	res, err := h.DefineKpi(ctx, as("define"), cmdkpis.KpiInput{Name: k.name, Description: k.description, Unit: k.unit,
		Target: &target, Direction: k.direction, Frequency: k.frequency, OwnerID: &owner, ObjectiveID: &objective})
	if err != nil {
		return 0, err
	}
	id := res.ID
	s.Seeded["kpi"] = append(s.Seeded["kpi"], id)
	// The last complete period, or for a KPI left to go stale one well before the
	// last due period.
	last := cmdkpis.PeriodOf(k.frequency, today).Prev()
	if k.stopEarly {
		last = cmdkpis.PeriodOf(k.frequency, today.AddDate(0, 0, -cmdkpis.Grace[k.frequency]))
		for range 3 {
			last = last.Prev()
		}
	}
	n := periodsRecorded[k.frequency]
	periods := make([]cmdkpis.Period, n)
	for i := n - 1; i >= 0; i-- {
		periods[i] = last
		last = last.Prev()
	}
	for i, p := range periods {
		v := k.last
		if i < n-1 {
			// Noise of up to 2% of the range, so the line is not straight.
			spread := math.Abs(k.last-k.first) * 0.02
			v = k.first + (k.last-k.first)*float64(i)/float64(n-1) + (s.Rand.Float64()*2-1)*spread
		}
		v = math.Round(v*100) / 100
		if _, err := h.RecordValue(ctx, as("value-"+p.String()), id, nil, p.String(), &v, ""); err != nil {
			return 0, err
		}
	}
	if k.correctBy == 0 {
		return n, nil
	}
	// The second-last period was first reported wrong and corrected when the source
	// data was reconciled.
	p := periods[n-2]
	agg, _, err := h.Kpis().Load(ctx, id, events.ReadOptions{})
	if err != nil {
		return 0, err
	}
	fixed := math.Round((agg.State.Values[p.String()]+k.correctBy)*100) / 100
	if _, err := h.RecordValue(ctx, as("correct-"+p.String()), id, nil, p.String(), &fixed,
		"Corrected after the source report was reconciled with the ledger."); err != nil {
		return 0, err
	}
	return n + 1, nil
}
