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
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/schema"
)

// Count is one dashboard figure: SQL returning a single bigint for the organization
// given as $1. The SQL may also use the caller, $2 (user id, bigint) and $3 (whether
// the caller is an admin, boolean), to leave out records the caller may not know of.
type Count struct {
	Name string
	SQL  string
	// Description says what is counted, in the API description.
	Description string
	// Permission, when set, is what a caller must hold to be given the figure at
	// all: figures about records a role may not read are left out of its answer.
	Permission string
}

// ChartSpec is how one chart is computed: SQL returning (label, value) rows for the
// organization given as $1 (and the caller as $2 and $3, as for a Count), and the
// labels every answer lists even when their value is 0. Without labels, the chart
// lists what the rows hold, largest first.
type ChartSpec struct {
	Name   string
	SQL    string
	Labels []string
	// Permission, when set, is what a caller must hold to read the chart.
	Permission string
}

// Viewer is the caller a dashboard answers: counts and charts may leave out what
// this caller may not see.
type Viewer struct {
	UserID int64
	Admin  bool
	// Holds reports whether the caller holds a permission; nil holds none.
	Holds func(permission string) bool
}

func (v Viewer) may(permission string) bool {
	return permission == "" || (v.Holds != nil && v.Holds(permission))
}

// callerArgs types the caller's parameters even where no figure reads them: a
// statement given more arguments than it uses is refused.
const callerArgs = ` from (select $2::bigint, $3::boolean) as caller`

// callerAtArgs is callerArgs for a read as of an instant, which also types the
// instant the clock reads, $4.
const callerAtArgs = ` from (select $2::bigint, $3::boolean, $4::timestamptz) as caller`

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
	// past answers as of an instant; nil until EnableAsOf.
	past atomic.Pointer[past]
}

// NewReader composes the modules' parts; a name contributed twice is refused.
func NewReader(pool *pgxpool.Pool, parts ...Part) (*Reader, error) {
	r := &Reader{pool: pool, charts: map[string]ChartSpec{}}
	names := map[string]bool{}
	for _, p := range parts {
		for _, c := range p.Counts {
			if names[c.Name] || c.Name == "" {
				return nil, fmt.Errorf("dashboard: count %q contributed twice or without a name", c.Name)
			}
			names[c.Name] = true
			r.counts = append(r.counts, c)
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

// Counts returns an organization's figures by name, those the viewer may be given,
// read in one round trip.
func (r *Reader) Counts(ctx context.Context, orgID int64, v Viewer) (map[string]int64, error) {
	return r.readCounts(ctx, r.pool, orgID, v, nil)
}

// readCounts reads the counts on q. With at, the SQL's clock reads at instead of the
// database's (see asOfSQL).
func (r *Reader) readCounts(ctx context.Context, q schema.Querier, orgID int64, v Viewer, at *time.Time) (map[string]int64, error) {
	var given []Count
	var selects []string
	for _, c := range r.counts {
		if v.may(c.Permission) {
			given = append(given, c)
			selects = append(selects, "("+clockAt(c.SQL, at)+")")
		}
	}
	out := make(map[string]int64, len(given))
	if len(given) == 0 {
		return out, nil
	}
	values := make([]int64, len(given))
	dest := make([]any, len(values))
	for i := range values {
		dest[i] = &values[i]
	}
	sql := "select " + strings.Join(selects, ",\n\t") + callerArgs
	args := []any{orgID, v.UserID, v.Admin}
	if at != nil {
		sql = "select " + strings.Join(selects, ",\n\t") + callerAtArgs
		args = append(args, *at)
	}
	if err := q.QueryRow(ctx, sql, args...).Scan(dest...); err != nil {
		return nil, err
	}
	for i, c := range given {
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

// Chart returns one chart of an organization as the viewer may see it.
func (r *Reader) Chart(ctx context.Context, orgID int64, v Viewer, chartType string) (Chart, error) {
	def, err := r.chartSpec(v, chartType)
	if err != nil {
		return Chart{}, err
	}
	return r.readChart(ctx, r.pool, orgID, v, def, nil)
}

// chartSpec is the chart named chartType, when it exists and the viewer may read it.
func (r *Reader) chartSpec(v Viewer, chartType string) (ChartSpec, error) {
	def, ok := r.charts[chartType]
	if !ok {
		errs := strata.FieldErrors{}
		errs.Add("chart_type", "must be one of "+strings.Join(r.ChartTypes(), ", "))
		return ChartSpec{}, errs.Err()
	}
	if !v.may(def.Permission) {
		return ChartSpec{}, strata.Errorf(strata.PermissionDenied, "your role does not allow %s", def.Permission)
	}
	return def, nil
}

// readChart reads one chart on q; with at, its clock reads at, as for readCounts.
func (r *Reader) readChart(ctx context.Context, q schema.Querier, orgID int64, v Viewer, def ChartSpec, at *time.Time) (Chart, error) {
	sql := "select chart.* from (" + def.SQL + ") as chart cross join (select $2::bigint, $3::boolean) as caller"
	args := []any{orgID, v.UserID, v.Admin}
	if at != nil {
		sql = "select chart.* from (" + clockAt(def.SQL, at) + ") as chart cross join (select $2::bigint, $3::boolean, $4::timestamptz) as caller"
		args = append(args, *at)
	}
	rows, err := q.Query(ctx, sql, args...)
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
	out := Chart{ChartType: def.Name, Labels: []string{}, Values: []int64{}}
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
