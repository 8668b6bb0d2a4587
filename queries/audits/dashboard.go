package audits

import (
	cmd "github.com/strata-grc/strata/commands/audits"
	prisks "github.com/strata-grc/strata/projections/risks"
	"github.com/strata-grc/strata/queries/dashboard"
)

// NoLinkedRisk labels the findings_by_risk bar of open findings linked to no live
// risk: none named, or the one named deleted since.
const NoLinkedRisk = "No linked risk"

// Dashboard is audit management's part of the dashboard. Active engagements are
// those neither Completed nor Cancelled; open findings are those not Closed, as the
// findings list's open=true filter keeps them; findings_by_risk buckets open findings
// by the rating their linked risk has now (risk_rating=<rating> or none on the list);
// audit_phases counts engagements not Cancelled by phase, in phase order.
//
// A dashboard count is given only the organization, not the server's clock, so
// findings_overdue takes today as the UTC date of the database's clock (not
// current_date, which follows the session's time zone), where the findings list
// takes it from the server's clock: the two agree but for clock skew at midnight.
var Dashboard = dashboard.Part{
	Projections: []string{Projection, prisks.Name},
	Counts: []dashboard.Count{
		{Name: "engagements_active", Description: "Engagements neither Completed nor Cancelled.", SQL: `select count(*) from audit_engagements
			where org_id = $1 and phase <> 'Completed' and status <> 'Cancelled'`},
		{Name: "findings_open", Description: "Findings not Closed.", SQL: `select count(*) from audit_findings where org_id = $1 and status <> 'Closed'`},
		{Name: "findings_overdue", Description: "Findings not Closed whose due date is before today (UTC).", SQL: `select count(*) from audit_findings
			where org_id = $1 and status <> 'Closed' and due_date is not null and due_date < (now() at time zone 'UTC')::date`},
	},
	Charts: []dashboard.ChartSpec{
		{Name: "findings_by_risk", Labels: []string{"Low", "Medium", "High", "Critical", NoLinkedRisk},
			SQL: `select coalesce(r.rating, '` + NoLinkedRisk + `'), count(*)
				from audit_findings f
				left join risks r on r.id = f.risk_id and r.org_id = f.org_id and r.deleted_at is null
				where f.org_id = $1 and f.status <> 'Closed' group by 1`},
		{Name: "audit_phases", Labels: cmd.Phases,
			SQL: `select phase, count(*) from audit_engagements where org_id = $1 and status <> 'Cancelled' group by 1`},
	},
}
