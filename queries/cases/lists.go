package cases

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/strata-grc/strata"
	cmd "github.com/strata-grc/strata/commands/cases"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/queries"
)

// Filter narrows a case list. Zero values do not filter.
type Filter struct {
	Status     string
	Priority   string
	AssigneeID int64
	// Type keeps the cases of exactly this type.
	Type string
	// Open keeps the cases not completed, or with false the completed ones.
	Open *bool
	// Confidential keeps the confidential cases (of those the caller may see), or with
	// false the others.
	Confidential *bool
	// Q searches the title, the description and the reporter.
	Q      string
	Sort   string
	Limit  int
	Cursor string
}

// Sorts are the sorts a case list accepts; "" is DefaultSort. Priority sorts by
// urgency, low to urgent.
var Sorts = []string{"updated_at", "-updated_at", "priority", "-priority", "created_at", "-created_at"}

// DefaultSort is the order of a list that names none: the cases changed last first.
const DefaultSort = "-updated_at"

var sortSpecs = map[string]queries.Keyset{
	"updated_at": {Column: "updated_at"}, "-updated_at": {Column: "updated_at", Desc: true},
	"priority": {Column: "priority_rank"}, "-priority": {Column: "priority_rank", Desc: true},
	"created_at": {Column: "created_at"}, "-created_at": {Column: "created_at", Desc: true},
}

// Validate checks a filter's values, so an unknown value is an error, not an empty
// list. An empty sort becomes DefaultSort, so a cursor is good for either spelling.
func (f *Filter) Validate() error {
	errs := strata.FieldErrors{}
	queries.OneOf(errs, "status", f.Status, cmd.Statuses)
	queries.OneOf(errs, "priority", f.Priority, cmd.Priorities)
	if f.Sort == "" {
		f.Sort = DefaultSort
	}
	if _, ok := sortSpecs[f.Sort]; !ok {
		errs.Add("sort", "must be one of "+strings.Join(Sorts, ", "))
	}
	queries.IDFilter(errs, "assignee_id", f.AssigneeID)
	text.Check(errs, "type", f.Type, text.Category)
	text.Check(errs, "q", f.Q, text.Search)
	queries.Limit(errs, &f.Limit)
	return errs.Err()
}

// List returns one page of the organization's cases that v may see.
func (r *Reader) List(ctx context.Context, orgID int64, v cmd.Viewer, f Filter) (queries.Page[Case], error) {
	if err := f.Validate(); err != nil {
		return queries.Page[Case]{}, err
	}
	// The caller's admin flag goes in as a constant, so an admin's list carries no
	// visibility condition at all once PostgreSQL folds it. With the confidential
	// filter the rule is spelled as what remains of it: every case not confidential is
	// visible, and of the confidential ones an admin's or the caller's own. PostgreSQL
	// would not simplify "confidential and (not confidential or ...)" itself, and
	// would misjudge how few rows are left.
	w := queries.NewWhere("org_id = $1", orgID)
	admin := strconv.FormatBool(v.Admin)
	switch {
	case f.Confidential == nil:
		w.Add(visible("?", admin), v.UserID)
	case *f.Confidential:
		w.Add("confidential and ("+admin+" or "+theirs("?")+")", v.UserID)
	default:
		w.Add("confidential = ?", false)
	}
	if f.Status != "" {
		w.Add("status = ?", f.Status)
	}
	if f.Open != nil {
		w.Add("(status = 'completed') <> ?", *f.Open)
	}
	if f.Priority != "" {
		// By rank, which the priority index holds.
		w.Add("priority_rank = ?", rank(f.Priority))
	}
	if f.AssigneeID > 0 {
		w.Add("assignee_id = ?", f.AssigneeID)
	}
	if f.Type != "" {
		w.Add("type = ?", f.Type)
	}
	if f.Q != "" {
		w.Add(`(title || ' ' || description || ' ' || reporter) ilike ?`, queries.LikePattern(f.Q))
	}
	spec := sortSpecs[f.Sort]
	return queries.Listing[Case]{
		Table: "cases", Columns: columns, Where: w, Order: spec, Sort: f.Sort,
		Limit: f.Limit, Cursor: f.Cursor, Scan: scanCase,
		Key: func(c Case) (int64, any) {
			switch spec.Column {
			case "priority_rank":
				return c.ID, rank(c.Priority)
			case "created_at":
				return c.ID, c.CreatedAt
			}
			return c.ID, c.UpdatedAt
		},
		DecodeKey: func(raw json.RawMessage) (any, error) {
			if spec.Column == "priority_rank" {
				return queries.CursorKey[int16](raw)
			}
			return queries.CursorKey[time.Time](raw)
		},
	}.Page(ctx, r.pool)
}

// rank is a priority's rank as the read model derives it: low 1 to urgent 4.
func rank(priority string) int16 { return int16(slices.Index(cmd.Priorities, priority) + 1) }
