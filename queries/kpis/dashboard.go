package kpis

import (
	"github.com/strata-grc/strata/queries/dashboard"
)

// ReadPermission is what a caller must hold to be given the KPI figures.
const ReadPermission = "kpis:read"

// The kpis_on_target chart's labels.
const (
	OnTargetLabel  = "On target"
	OffTargetLabel = "Off target"
	NoDataLabel    = "No data"
)

// todayUTC is today in the dashboard's SQL, which is given only the organization:
// the UTC date of the database's clock (not current_date, which follows the
// session's time zone). The lists take it from the server's clock; the two agree but
// for clock skew at midnight.
const todayUTC = `(now() at time zone 'UTC')::date`

// Dashboard is the KPIs' part of the dashboard: KPIs off target (on_target=false on
// the list) and stale as of today (stale=true), and kpis_on_target, which buckets
// every KPI by its latest value: on target, off target, or no value at all. A stale
// KPI is counted by its latest value like any other.
var Dashboard = dashboard.Part{
	Projections: []string{Projection},
	Counts: []dashboard.Count{
		{Name: "kpis_off_target", Permission: ReadPermission,
			Description: "KPIs whose latest period's value misses the target (on_target false); KPIs without a value are not counted.",
			SQL:         `select count(*) from kpis where org_id = $1 and not on_target`},
		{Name: "kpis_stale", Permission: ReadPermission,
			Description: "KPIs without a value for their last due period nor any later one, as of today (UTC).",
			SQL:         `select count(*) from kpis where org_id = $1 and kpi_stale(frequency, defined_on, latest_period, ` + todayUTC + `)`},
	},
	Charts: []dashboard.ChartSpec{
		{Name: "kpis_on_target", Labels: []string{OnTargetLabel, OffTargetLabel, NoDataLabel}, Permission: ReadPermission,
			SQL: `select case when on_target then '` + OnTargetLabel + `' when not on_target then '` + OffTargetLabel + `'
				else '` + NoDataLabel + `' end, count(*) from kpis where org_id = $1 group by 1`},
	},
}
