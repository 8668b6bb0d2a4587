// Package dashboard answers the dashboard's counts and charts from the read models of
// the modules that exist; a count or chart of a module not built yet is not invented.
package dashboard

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
)

// Projections are the read models the dashboard reads, for read-your-writes waits.
var Projections = []string{"risks", "controls"}

// Counts are the dashboard's figures. Open risks are those not Accepted or Closed;
// high ones are rated High or Critical. Ineffective controls count only Active ones:
// a draft or archived control protects nothing either way.
type Counts struct {
	RisksOpen           int64 `json:"risks_open"`
	RisksHigh           int64 `json:"risks_high"`
	ControlsActive      int64 `json:"controls_active"`
	ControlsIneffective int64 `json:"controls_ineffective"`
}

// Chart is one chart's series, labels and values in the same order.
type Chart struct {
	ChartType string   `json:"chart_type"`
	Labels    []string `json:"labels"`
	Values    []int64  `json:"values"`
}

// Reader answers dashboard queries.
type Reader struct{ pool *pgxpool.Pool }

// NewReader reads the read models in pool.
func NewReader(pool *pgxpool.Pool) *Reader { return &Reader{pool: pool} }

const openRisks = `org_id = $1 and deleted_at is null and status not in ('Accepted', 'Closed')`

// Counts returns an organization's figures.
func (r *Reader) Counts(ctx context.Context, orgID int64) (Counts, error) {
	var c Counts
	err := r.pool.QueryRow(ctx, `select
		(select count(*) from risks where `+openRisks+`),
		(select count(*) from risks where `+openRisks+` and rating in ('High', 'Critical')),
		(select count(*) from controls where org_id = $1 and status = 'Active'),
		(select count(*) from controls where org_id = $1 and status = 'Active' and effectiveness = 'Ineffective')`,
		orgID).Scan(&c.RisksOpen, &c.RisksHigh, &c.ControlsActive, &c.ControlsIneffective)
	return c, err
}

// chart is how one chart is computed: SQL returning (label, value) rows, and the
// labels every answer lists even when their value is 0.
type chart struct {
	sql    string
	labels []string
}

// charts lists the chart types that exist; risk_heatmap labels are
// "likelihood x impact" from "1x1" to "5x5". The heat map counts every live risk, so a
// cell's number is what the list it links to (likelihood and impact filters) shows.
var charts = map[string]chart{
	"risk_heatmap": {
		sql:    `select likelihood || 'x' || impact, count(*) from risks where org_id = $1 and deleted_at is null group by 1`,
		labels: heatmapLabels(),
	},
	"risks_by_status": {
		sql:    `select status, count(*) from risks where org_id = $1 and deleted_at is null group by 1`,
		labels: []string{"Identified", "Assessed", "Treating", "Accepted", "Closed"},
	},
	"risks_by_rating": {
		sql:    `select rating, count(*) from risks where ` + openRisks + ` group by 1`,
		labels: []string{"Low", "Medium", "High", "Critical"},
	},
	"controls_by_effectiveness": {
		sql:    `select effectiveness, count(*) from controls where org_id = $1 and status = 'Active' group by 1`,
		labels: []string{"Effective", "Partially Effective", "Ineffective", "Not Tested"},
	},
	"controls_by_status": {
		sql:    `select status, count(*) from controls where org_id = $1 group by 1`,
		labels: []string{"Draft", "Active", "Archived"},
	},
	"risks_by_category": {
		sql: `select category, count(*) from risks where ` + openRisks + ` group by 1`,
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

// ChartTypes lists the charts that exist, sorted.
func ChartTypes() []string {
	out := make([]string, 0, len(charts))
	for k := range charts {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Chart returns one chart of an organization.
func (r *Reader) Chart(ctx context.Context, orgID int64, chartType string) (Chart, error) {
	def, ok := charts[chartType]
	if !ok {
		errs := strata.FieldErrors{}
		errs.Add("chart_type", "must be one of "+strings.Join(ChartTypes(), ", "))
		return Chart{}, errs.Err()
	}
	rows, err := r.pool.Query(ctx, def.sql, orgID)
	if err != nil {
		return Chart{}, err
	}
	type point struct {
		label string
		value int64
	}
	points, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (point, error) {
		var p point
		err := row.Scan(&p.label, &p.value)
		return p, err
	})
	if err != nil {
		return Chart{}, err
	}
	out := Chart{ChartType: chartType, Labels: []string{}, Values: []int64{}}
	byLabel := map[string]int64{}
	for _, p := range points {
		byLabel[p.label] = p.value
	}
	labels := def.labels
	if labels == nil { // open-ended labels (categories): largest first, then by name
		sort.Slice(points, func(i, j int) bool {
			if points[i].value != points[j].value {
				return points[i].value > points[j].value
			}
			return points[i].label < points[j].label
		})
		for _, p := range points {
			labels = append(labels, p.label)
		}
	}
	for _, l := range labels {
		out.Labels = append(out.Labels, l)
		out.Values = append(out.Values, byLabel[l])
	}
	return out, nil
}
