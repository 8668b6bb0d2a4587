package cases

import (
	"strconv"

	cmd "github.com/strata-grc/strata/commands/cases"
	"github.com/strata-grc/strata/queries/dashboard"
)

// ReadPermission is what a caller must hold to be given the case figures at all.
const ReadPermission = "cases:read"

// urgent is the rank of priority urgent.
var urgent = strconv.Itoa(int(rank(cmd.Urgent)))

// callerVisible is the visibility condition over the dashboard's caller parameters.
var callerVisible = visible("$2", "$3")

// Dashboard is investigations' part of the dashboard. Open cases are those not
// completed; urgent ones are open with priority urgent; cases_by_status counts every
// case by status, in the order an investigation moves. Each leaves out the
// confidential cases the caller may not know of, and only callers holding
// ReadPermission are given them.
var Dashboard = dashboard.Part{
	Projections: []string{Projection},
	Counts: []dashboard.Count{
		{Name: "cases_open", Description: "Cases not completed, of those the caller may see.", Permission: ReadPermission,
			SQL: `select count(*) from cases where org_id = $1 and status <> 'completed' and ` + callerVisible},
		{Name: "cases_urgent", Description: "Cases not completed with priority urgent, of those the caller may see.",
			Permission: ReadPermission,
			SQL:        `select count(*) from cases where org_id = $1 and status <> 'completed' and priority_rank = ` + urgent + ` and ` + callerVisible},
	},
	Charts: []dashboard.ChartSpec{
		{Name: "cases_by_status", Labels: cmd.Statuses, Permission: ReadPermission,
			SQL: `select status, count(*) from cases where org_id = $1 and ` + callerVisible + ` group by 1`},
	},
}
