package vendors

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/text"
	cmd "github.com/strata-grc/strata/commands/vendors"
	"github.com/strata-grc/strata/queries"
)

// Filter narrows a vendor list. Zero values do not filter.
type Filter struct {
	// RiskTier, Status and Criticality take one value or several separated by commas.
	RiskTier    string
	Status      string
	Criticality string
	// OverdueReview keeps the vendors whose review is overdue, or with false the
	// others.
	OverdueReview *bool
	// RiskID keeps the vendors linking this risk.
	RiskID int64
	// Q searches the name, the service and the contact's name.
	Q      string
	Sort   string
	Limit  int
	Cursor string
}

// Sorts are the sorts a vendor list accepts; "" is DefaultSort. next_review sorts
// undated vendors last.
var Sorts = []string{"name", "-name", "next_review", "-next_review", "updated_at", "-updated_at"}

// DefaultSort is the order of a list that names none: by name.
const DefaultSort = "name"

// nameSortKey is the name as a list sorts it: without regard to case, as names are
// unique. The cursor carries the database's lower-casing, read with each row, so
// paging never depends on Go lower-casing a name the same way.
const nameSortKey = "lower(name)"

// nextReviewKey is the next review as a list sorts it: a keyset needs a key that is
// never null, and undated vendors come last.
const nextReviewKey = "coalesce(next_review, 'infinity'::date)"

// infinity is an undated vendor's key in a cursor.
const infinity = "infinity"

var sortSpecs = map[string]queries.Keyset{
	"name": {Column: nameSortKey}, "-name": {Column: nameSortKey, Desc: true},
	"next_review": {Column: nextReviewKey}, "-next_review": {Column: nextReviewKey, Desc: true},
	"updated_at": {Column: "updated_at"}, "-updated_at": {Column: "updated_at", Desc: true},
}

// Validate checks a filter's values, so an unknown value is an error, not an empty
// list. An empty sort becomes DefaultSort, so a cursor is good for either spelling.
func (f *Filter) Validate() error {
	errs := strata.FieldErrors{}
	queries.AnyOf(errs, "risk_tier", f.RiskTier, cmd.RiskTiers)
	queries.AnyOf(errs, "status", f.Status, cmd.Statuses)
	queries.AnyOf(errs, "criticality", f.Criticality, cmd.Criticalities)
	if f.Sort == "" {
		f.Sort = DefaultSort
	}
	if _, ok := sortSpecs[f.Sort]; !ok {
		errs.Add("sort", "must be one of "+strings.Join(Sorts, ", "))
	}
	queries.IDFilter(errs, "risk_id", f.RiskID)
	text.Check(errs, "q", f.Q, text.Search)
	queries.Limit(errs, &f.Limit)
	return errs.Err()
}

// List returns one page of the organization's live vendors.
func (r *Reader) List(ctx context.Context, orgID int64, f Filter) (queries.Page[Vendor], error) {
	if err := f.Validate(); err != nil {
		return queries.Page[Vendor]{}, err
	}
	today := r.today()
	w := queries.NewWhere("org_id = $1 and deleted_at is null", orgID)
	if f.OverdueReview != nil {
		if *f.OverdueReview {
			w.Add("status <> 'offboarded' and next_review < ?::date", today)
		} else {
			w.Add("(status = 'offboarded' or next_review is null or next_review >= ?::date)", today)
		}
	}
	w.In("risk_tier", f.RiskTier)
	w.In("status", f.Status)
	w.In("criticality", f.Criticality)
	if f.RiskID > 0 {
		w.Add("risk_ids @> array[?::bigint]", f.RiskID)
	}
	if f.Q != "" {
		w.Add(`(name || ' ' || service || ' ' || contact_name) ilike ?`, queries.LikePattern(f.Q))
	}
	spec := sortSpecs[f.Sort]
	return queries.Listing[Vendor]{
		Table: "vendors", Columns: columns, Where: w, Order: spec, Sort: f.Sort,
		Limit: f.Limit, Cursor: f.Cursor, Scan: scanner(today),
		Key: func(v Vendor) (int64, any) {
			switch spec.Column {
			case nameSortKey:
				return v.ID, v.sortName
			case nextReviewKey:
				if v.NextReview == nil {
					return v.ID, infinity
				}
				return v.ID, *v.NextReview
			}
			return v.ID, v.UpdatedAt
		},
		DecodeKey: func(raw json.RawMessage) (any, error) {
			switch spec.Column {
			case nameSortKey:
				return queries.CursorKey[string](raw)
			case nextReviewKey:
				return decodeDateKey(raw)
			}
			return queries.CursorKey[time.Time](raw)
		},
	}.Page(ctx, r.pool)
}

// decodeDateKey reads a date key back from a cursor: a date, or infinity for an
// undated vendor. Anything else would be refused by PostgreSQL as a server error;
// here it makes the cursor invalid.
func decodeDateKey(raw json.RawMessage) (any, error) {
	v, err := queries.CursorKey[string](raw)
	if err != nil {
		return nil, err
	}
	s := v.(string)
	if s != infinity {
		if t, err := time.Parse(time.DateOnly, s); err != nil || t.Year() < 1 {
			return nil, strata.Errorf(strata.Invalid, "cursor is not valid for this list; start again without it")
		}
	}
	return s, nil
}
