package risks

import (
	"fmt"

	"github.com/strata-grc/strata/queries/dashboard"
)

// openRisks are those not Accepted or Closed.
const openRisks = `org_id = $1 and deleted_at is null and status not in ('Accepted', 'Closed')`

// Dashboard is the risk register's part of the dashboard. High risks are open ones
// rated High or Critical. The heat map counts every live risk, so a cell's number is
// what the list it links to (likelihood and impact filters) shows; its labels are
// "likelihood x impact" from "1x1" to "5x5".
var Dashboard = dashboard.Part{
	Projections: []string{Projection},
	Counts: []dashboard.Count{
		{Name: "risks_open", Description: "Risks not Accepted or Closed.",
			SQL: `select count(*) from risks where ` + openRisks},
		{Name: "risks_high", Description: "Open risks rated High or Critical.",
			SQL: `select count(*) from risks where ` + openRisks + ` and rating in ('High', 'Critical')`},
	},
	Charts: []dashboard.ChartSpec{
		{Name: "risk_heatmap", Labels: heatmapLabels(),
			SQL: `select likelihood || 'x' || impact, count(*) from risks where org_id = $1 and deleted_at is null group by 1`},
		{Name: "risks_by_status", Labels: []string{"Identified", "Assessed", "Treating", "Accepted", "Closed"},
			SQL: `select status, count(*) from risks where org_id = $1 and deleted_at is null group by 1`},
		{Name: "risks_by_rating", Labels: []string{"Low", "Medium", "High", "Critical"},
			SQL: `select rating, count(*) from risks where ` + openRisks + ` group by 1`},
		{Name: "risks_by_category", SQL: `select category, count(*) from risks where ` + openRisks + ` group by 1`},
	},
}

func heatmapLabels() []string {
	var out []string
	for l := 1; l <= 5; l++ {
		for i := 1; i <= 5; i++ {
			out = append(out, fmt.Sprintf("%dx%d", l, i))
		}
	}
	return out
}
