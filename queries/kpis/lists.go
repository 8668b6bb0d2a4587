package kpis

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/strata-grc/strata"
	cmd "github.com/strata-grc/strata/commands/kpis"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/queries"
)

// Sorts are the sorts both lists accept; "" is DefaultSort. Names sort as people read
// them (KPI 2 before KPI 10), as the indexes do.
var Sorts = []string{"name", "-name", "updated_at", "-updated_at"}

// DefaultSort is the order of a list that names none.
const DefaultSort = "name"

const nameOrder = "name collate natural_order"

var sortSpecs = map[string]queries.Keyset{
	"name": {Column: nameOrder}, "-name": {Column: nameOrder, Desc: true},
	"updated_at": {Column: "updated_at"}, "-updated_at": {Column: "updated_at", Desc: true},
}

func checkSort(errs strata.FieldErrors, sort *string) {
	if *sort == "" {
		*sort = DefaultSort
	}
	if _, ok := sortSpecs[*sort]; !ok {
		errs.Add("sort", "must be one of "+strings.Join(Sorts, ", "))
	}
}

// keyOf is a row's sort key in a cursor, and decodeKey reads one back.
func keyOf(sort, name string, updatedAt time.Time) any {
	if sortSpecs[sort].Column == nameOrder {
		return name
	}
	return updatedAt
}

func decodeKey(sort string) func(json.RawMessage) (any, error) {
	return func(raw json.RawMessage) (any, error) {
		if sortSpecs[sort].Column == nameOrder {
			return queries.CursorKey[string](raw)
		}
		return queries.CursorKey[time.Time](raw)
	}
}

// Filter narrows a KPI list. Zero values do not filter.
type Filter struct {
	ObjectiveID int64
	OwnerID     int64
	// OnTarget keeps the KPIs on target, or with false those off target; a KPI
	// without a value is neither.
	OnTarget *bool
	// HasValue keeps the KPIs with a value for some period, or with false those
	// without any (the dashboard's "No data").
	HasValue *bool
	// Stale keeps the stale KPIs as of today, or with false the others.
	Stale     *bool
	Frequency string
	// Q searches the name, the description and the unit.
	Q      string
	Sort   string
	Limit  int
	Cursor string
}

// Validate checks a filter's values, so an unknown value is an error, not an empty
// list. An empty sort becomes DefaultSort, so a cursor is good for either spelling.
func (f *Filter) Validate() error {
	errs := strata.FieldErrors{}
	queries.IDFilter(errs, "objective_id", f.ObjectiveID)
	queries.IDFilter(errs, "owner_id", f.OwnerID)
	queries.OneOf(errs, "frequency", f.Frequency, cmd.Frequencies)
	text.Check(errs, "q", f.Q, text.Search)
	checkSort(errs, &f.Sort)
	queries.Limit(errs, &f.Limit)
	return errs.Err()
}

// Kpis returns one page of the organization's KPIs, stale as of today.
func (r *Reader) Kpis(ctx context.Context, orgID int64, f Filter) (queries.Page[Kpi], error) {
	if err := f.Validate(); err != nil {
		return queries.Page[Kpi]{}, err
	}
	today := r.today()
	fixed := []string{"org_id = $1"}
	if f.OnTarget != nil {
		if *f.OnTarget {
			fixed = append(fixed, "on_target")
		} else {
			fixed = append(fixed, "not on_target")
		}
	}
	if f.HasValue != nil {
		if *f.HasValue {
			fixed = append(fixed, "on_target is not null")
		} else {
			fixed = append(fixed, "on_target is null")
		}
	}
	if f.Stale != nil {
		stale := "kpi_stale(frequency, defined_on, latest_period, " + dateLiteral(today) + ")"
		if !*f.Stale {
			stale = "not " + stale
		}
		fixed = append(fixed, stale)
	}
	w := queries.NewWhere(strings.Join(fixed, " and "), orgID)
	if f.ObjectiveID > 0 {
		w.Add("objective_id = ?", f.ObjectiveID)
	}
	if f.OwnerID > 0 {
		w.Add("owner_id = ?", f.OwnerID)
	}
	if f.Frequency != "" {
		w.Add("frequency = ?", f.Frequency)
	}
	if f.Q != "" {
		w.Add(`(name || ' ' || description || ' ' || unit) ilike ?`, queries.LikePattern(f.Q))
	}
	return queries.Listing[Kpi]{
		Table: "kpis", Columns: kpiColumns(today), Where: w, Order: sortSpecs[f.Sort], Sort: f.Sort,
		Limit: f.Limit, Cursor: f.Cursor, Scan: scanKpi,
		Key:       func(k Kpi) (int64, any) { return k.ID, keyOf(f.Sort, k.Name, k.UpdatedAt) },
		DecodeKey: decodeKey(f.Sort),
	}.Page(ctx, r.pool)
}

// ObjectiveFilter narrows an objective list. Zero values do not filter.
type ObjectiveFilter struct {
	OwnerID int64
	// Q searches the name and the description.
	Q      string
	Sort   string
	Limit  int
	Cursor string
}

// Validate checks a filter's values, as Filter.Validate does.
func (f *ObjectiveFilter) Validate() error {
	errs := strata.FieldErrors{}
	queries.IDFilter(errs, "owner_id", f.OwnerID)
	text.Check(errs, "q", f.Q, text.Search)
	checkSort(errs, &f.Sort)
	queries.Limit(errs, &f.Limit)
	return errs.Err()
}

// Objectives returns one page of the organization's objectives.
func (r *Reader) Objectives(ctx context.Context, orgID int64, f ObjectiveFilter) (queries.Page[Objective], error) {
	if err := f.Validate(); err != nil {
		return queries.Page[Objective]{}, err
	}
	w := queries.NewWhere("org_id = $1", orgID)
	if f.OwnerID > 0 {
		w.Add("owner_id = ?", f.OwnerID)
	}
	if f.Q != "" {
		w.Add(`(name || ' ' || description) ilike ?`, queries.LikePattern(f.Q))
	}
	return queries.Listing[Objective]{
		Table: "objectives", Columns: objectiveColumns, Where: w, Order: sortSpecs[f.Sort], Sort: f.Sort,
		Limit: f.Limit, Cursor: f.Cursor, Scan: scanObjective,
		Key:       func(o Objective) (int64, any) { return o.ID, keyOf(f.Sort, o.Name, o.UpdatedAt) },
		DecodeKey: decodeKey(f.Sort),
	}.Page(ctx, r.pool)
}
