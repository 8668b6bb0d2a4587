package queries

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/strata-grc/strata"
)

// Where builds a list query's conditions with numbered arguments.
type Where struct {
	conds []string
	Args  []any
}

// NewWhere starts with fixed conditions and their arguments (org_id = $1, ...).
func NewWhere(cond string, args ...any) *Where { return &Where{conds: []string{cond}, Args: args} }

// Add appends a condition whose one ? stands for v.
func (w *Where) Add(cond string, v any) {
	w.Args = append(w.Args, v)
	w.conds = append(w.conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(w.Args))))
}

// SQL is the conditions joined with and.
func (w *Where) SQL() string { return strings.Join(w.conds, " and ") }

// Keyset is a list's order: a key column (empty for the unique column alone) and a
// direction, the unique column (id unless Unique names another) breaking ties.
type Keyset struct {
	Column string
	Desc   bool
	Unique string
}

func (k Keyset) unique() string {
	if k.Unique == "" {
		return "id"
	}
	return k.Unique
}

// OrderBy is the order clause.
func (k Keyset) OrderBy() string {
	dir := " asc"
	if k.Desc {
		dir = " desc"
	}
	if k.Column == "" {
		return k.unique() + dir
	}
	return k.Column + dir + ", " + k.unique() + dir
}

// After narrows w to rows after the cursor's row in this order.
func (k Keyset) After(w *Where, key any, id int64) {
	cmp := ">"
	if k.Desc {
		cmp = "<"
	}
	if k.Column == "" {
		w.Add(k.unique()+" "+cmp+" ?", id)
		return
	}
	w.Args = append(w.Args, key, id)
	w.conds = append(w.conds, fmt.Sprintf("(%s, %s) %s ($%d, $%d)", k.Column, k.unique(), cmp, len(w.Args)-1, len(w.Args)))
}

// DefaultLimit is a page's size when the client names none, and the size of the first
// page of a list a detail embeds.
const DefaultLimit = 50

// Limit checks a page size, defaulting 0 to DefaultLimit.
func Limit(errs strata.FieldErrors, limit *int) {
	switch {
	case *limit == 0:
		*limit = DefaultLimit
	case *limit < 1 || *limit > 500:
		errs.Add("limit", "must be from 1 to 500")
	}
}

// OneOf checks an exact-match filter: empty means no filter, anything else must be one
// of allowed, so an unknown value is an error rather than an empty list.
func OneOf(errs strata.FieldErrors, name, v string, allowed []string) {
	if v != "" && !slices.Contains(allowed, v) {
		errs.Add(name, "must be one of "+strings.Join(allowed, ", "))
	}
}

// AnyOf checks a filter that takes one value or several separated by commas
// ("High,Critical"): empty means no filter, and every value must be one of allowed.
func AnyOf(errs strata.FieldErrors, name, v string, allowed []string) {
	if v == "" {
		return
	}
	for _, one := range strings.Split(v, ",") {
		if !slices.Contains(allowed, one) {
			errs.Add(name, "must be one or more of "+strings.Join(allowed, ", ")+", separated by commas")
			return
		}
	}
}

// In narrows w to rows whose column holds v or, for a list checked with AnyOf, any of
// its values. Empty v adds nothing.
func (w *Where) In(column, v string) {
	switch {
	case v == "":
	case strings.Contains(v, ","):
		w.Add(column+" = any(?)", strings.Split(v, ","))
	default:
		w.Add(column+" = ?", v)
	}
}

// IDFilter checks an id filter: 0 means no filter, a negative id is refused.
func IDFilter(errs strata.FieldErrors, name string, v int64) {
	if v < 0 {
		errs.Add(name, "must be a positive integer")
	}
}

// LikePattern is a case-insensitive substring pattern for ilike with s's wildcards
// escaped.
func LikePattern(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}
