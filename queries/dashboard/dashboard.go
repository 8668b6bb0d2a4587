// Package dashboard answers the dashboard's counts and charts, composed from what
// each module contributes: no module's figures are written here, and a count or chart
// of a module not built yet is not invented.
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

// Count is one dashboard figure: SQL returning a single bigint for the organization
// given as $1.
type Count struct {
	Name string
	SQL  string
	// Description says what is counted, in the API description.
	Description string
}

// ChartSpec is how one chart is computed: SQL returning (label, value) rows for the
// organization given as $1, and the labels every answer lists even when their value
// is 0. Without labels, the chart lists what the rows hold, largest first.
type ChartSpec struct {
	Name   string
	SQL    string
	Labels []string
}

// Part is one module's contribution: its counts, its charts and the projections
// they read, which dashboard reads wait for.
type Part struct {
	Projections []string
	Counts      []Count
	Charts      []ChartSpec
}

// Chart is one chart's series, labels and values in the same order.
type Chart struct {
	ChartType string   `json:"chart_type"`
	Labels    []string `json:"labels"`
	Values    []int64  `json:"values"`
}

// Reader answers dashboard queries.
type Reader struct {
	pool        *pgxpool.Pool
	counts      []Count
	charts      map[string]ChartSpec
	projections []string
	// countsSQL reads every count in one round trip.
	countsSQL string
}

// NewReader composes the modules' parts; a name contributed twice is refused.
func NewReader(pool *pgxpool.Pool, parts ...Part) (*Reader, error) {
	r := &Reader{pool: pool, charts: map[string]ChartSpec{}}
	names := map[string]bool{}
	var selects []string
	for _, p := range parts {
		for _, c := range p.Counts {
			if names[c.Name] || c.Name == "" {
				return nil, fmt.Errorf("dashboard: count %q contributed twice or without a name", c.Name)
			}
			names[c.Name] = true
			r.counts = append(r.counts, c)
			selects = append(selects, "("+c.SQL+")")
		}
		for _, c := range p.Charts {
			if _, dup := r.charts[c.Name]; dup || c.Name == "" {
				return nil, fmt.Errorf("dashboard: chart %q contributed twice or without a name", c.Name)
			}
			r.charts[c.Name] = c
		}
		for _, name := range p.Projections {
			if !slices.Contains(r.projections, name) {
				r.projections = append(r.projections, name)
			}
		}
	}
	if len(selects) > 0 {
		r.countsSQL = "select " + strings.Join(selects, ",\n\t")
	}
	return r, nil
}

// Projections are the read models the dashboard reads, for read-your-writes waits.
func (r *Reader) Projections() []string { return slices.Clone(r.projections) }

// CountNames lists the counts, in the order the modules contribute them.
func (r *Reader) CountNames() []string {
	out := make([]string, len(r.counts))
	for i, c := range r.counts {
		out[i] = c.Name
	}
	return out
}

// Counts returns an organization's figures by name.
func (r *Reader) Counts(ctx context.Context, orgID int64) (map[string]int64, error) {
	out := make(map[string]int64, len(r.counts))
	if r.countsSQL == "" {
		return out, nil
	}
	values := make([]int64, len(r.counts))
	dest := make([]any, len(values))
	for i := range values {
		dest[i] = &values[i]
	}
	if err := r.pool.QueryRow(ctx, r.countsSQL, orgID).Scan(dest...); err != nil {
		return nil, err
	}
	for i, c := range r.counts {
		out[c.Name] = values[i]
	}
	return out, nil
}

// ChartTypes lists the charts that exist, sorted.
func (r *Reader) ChartTypes() []string {
	out := make([]string, 0, len(r.charts))
	for k := range r.charts {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Chart returns one chart of an organization.
func (r *Reader) Chart(ctx context.Context, orgID int64, chartType string) (Chart, error) {
	def, ok := r.charts[chartType]
	if !ok {
		errs := strata.FieldErrors{}
		errs.Add("chart_type", "must be one of "+strings.Join(r.ChartTypes(), ", "))
		return Chart{}, errs.Err()
	}
	rows, err := r.pool.Query(ctx, def.SQL, orgID)
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
	labels := def.Labels
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
