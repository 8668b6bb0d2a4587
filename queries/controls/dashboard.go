package controls

import "github.com/strata-grc/strata/queries/dashboard"

// Dashboard is the control library's part of the dashboard. Ineffective controls
// count only Active ones: a draft or archived control protects nothing either way.
var Dashboard = dashboard.Part{
	Projections: []string{Projection},
	Counts: []dashboard.Count{
		{Name: "controls_active", Description: "Controls in status Active.",
			SQL: `select count(*) from controls where org_id = $1 and status = 'Active'`},
		{Name: "controls_ineffective", Description: "Active controls rated Ineffective.",
			SQL: `select count(*) from controls where org_id = $1 and status = 'Active' and effectiveness = 'Ineffective'`},
	},
	Charts: []dashboard.ChartSpec{
		{Name: "controls_by_effectiveness", Labels: []string{"Effective", "Partially Effective", "Ineffective", "Not Tested"},
			SQL: `select effectiveness, count(*) from controls where org_id = $1 and status = 'Active' group by 1`},
		{Name: "controls_by_status", Labels: []string{"Draft", "Active", "Archived"},
			SQL: `select status, count(*) from controls where org_id = $1 group by 1`},
	},
}
