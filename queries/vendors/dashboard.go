package vendors

import (
	cmd "github.com/strata-grc/strata/commands/vendors"
	"github.com/strata-grc/strata/queries/dashboard"
)

// current are the live vendors the organization is in a relationship with: not
// offboarded.
const current = `org_id = $1 and deleted_at is null and status <> 'offboarded'`

// Dashboard is third-party risk's part of the dashboard, over the vendors not
// offboarded: those tiered High or Critical, those whose review is overdue, and
// vendors_by_risk, their count per risk tier, Low to Critical.
//
// A dashboard count is given only the organization, not the server's clock, so
// vendors_review_overdue takes today as the UTC date of the database's clock (not
// current_date, which follows the session's time zone), where the vendor list takes it
// from the server's clock: the two agree but for clock skew at midnight.
var Dashboard = dashboard.Part{
	Projections: []string{Projection},
	Counts: []dashboard.Count{
		{Name: "vendors_high_risk", Description: "Vendors not offboarded whose risk tier is High or Critical.",
			SQL: `select count(*) from vendors where ` + current + ` and risk_tier in ('High', 'Critical')`},
		{Name: "vendors_review_overdue", Description: "Vendors not offboarded whose next review is before today (UTC).",
			SQL: `select count(*) from vendors where ` + current + ` and next_review < (now() at time zone 'UTC')::date`},
	},
	Charts: []dashboard.ChartSpec{
		{Name: "vendors_by_risk", Labels: cmd.RiskTiers,
			SQL: `select risk_tier, count(*) from vendors where ` + current + ` group by 1`},
	},
}
