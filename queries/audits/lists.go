package audits

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/strata-grc/strata"
	cmd "github.com/strata-grc/strata/commands/audits"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/queries"
	qrisks "github.com/strata-grc/strata/queries/risks"
)

// EngagementFilter narrows an engagement list. Zero values do not filter.
type EngagementFilter struct {
	Phase         string
	Status        string
	LeadAuditorID int64
	// Active keeps engagements still under way (not Completed, not Cancelled), or
	// with false the others.
	Active *bool
	// Cancelled keeps the Cancelled engagements, or with false the others.
	Cancelled *bool
	Q         string
	Sort      string
	Limit     int
	Cursor    string
}

// FindingFilter narrows a finding list. Zero values do not filter.
type FindingFilter struct {
	EngagementID int64
	Status       string
	Severity     string
	AssignedTo   int64
	RiskID       int64
	ControlID    int64
	// Overdue keeps findings past their due date and not Closed, or with false the
	// others.
	Overdue *bool
	// Open keeps findings not Closed, or with false the Closed ones.
	Open *bool
	// RiskRating keeps findings whose linked risk is rated so now, or with "none"
	// those linked to no live risk.
	RiskRating string
	Q          string
	Sort       string
	Limit      int
	Cursor     string
}

// EngagementSorts are the sorts an engagement list accepts; "" is by id.
var EngagementSorts = []string{"updated_at", "-updated_at", "planned_start", "-planned_start", "title"}

// FindingSorts are the sorts a finding list accepts; "" is by id. Severity sorts by
// gravity, Low to Critical.
var FindingSorts = []string{"due_date", "-due_date", "updated_at", "-updated_at", "severity", "-severity"}

// NoRisk is the risk_rating filter's value for findings linked to no live risk.
const NoRisk = "none"

// Undated dates sort after every date; the indexes order by the same expressions.
const (
	plannedStartKey = "coalesce(planned_start, 'infinity'::date)"
	dueDateKey      = "coalesce(due_date, 'infinity'::date)"
)

// infinity is an undated row's key in a cursor.
const infinity = "infinity"

var engagementSortSpecs = map[string]queries.Keyset{
	"": {}, "updated_at": {Column: "updated_at"}, "-updated_at": {Column: "updated_at", Desc: true},
	"planned_start": {Column: plannedStartKey}, "-planned_start": {Column: plannedStartKey, Desc: true},
	"title": {Column: "title"},
}

var findingSortSpecs = map[string]queries.Keyset{
	"": {}, "due_date": {Column: dueDateKey}, "-due_date": {Column: dueDateKey, Desc: true},
	"updated_at": {Column: "updated_at"}, "-updated_at": {Column: "updated_at", Desc: true},
	"severity": {Column: "severity_rank"}, "-severity": {Column: "severity_rank", Desc: true},
}

// Validate checks a filter's values, so an unknown value is an error, not an empty list.
func (f *EngagementFilter) Validate() error {
	errs := strata.FieldErrors{}
	queries.OneOf(errs, "phase", f.Phase, cmd.Phases)
	queries.OneOf(errs, "status", f.Status, cmd.Statuses)
	if _, ok := engagementSortSpecs[f.Sort]; !ok {
		errs.Add("sort", "must be one of "+strings.Join(EngagementSorts, ", "))
	}
	queries.IDFilter(errs, "lead_auditor_id", f.LeadAuditorID)
	text.Check(errs, "q", f.Q, text.Search)
	queries.Limit(errs, &f.Limit)
	return errs.Err()
}

// Validate checks a filter's values, so an unknown value is an error, not an empty list.
func (f *FindingFilter) Validate() error {
	errs := strata.FieldErrors{}
	queries.OneOf(errs, "status", f.Status, cmd.FindingStatuses)
	queries.OneOf(errs, "severity", f.Severity, cmd.Severities)
	queries.OneOf(errs, "risk_rating", f.RiskRating, append(slices.Clone(qrisks.Ratings), NoRisk))
	if _, ok := findingSortSpecs[f.Sort]; !ok {
		errs.Add("sort", "must be one of "+strings.Join(FindingSorts, ", "))
	}
	queries.IDFilter(errs, "engagement_id", f.EngagementID)
	queries.IDFilter(errs, "assigned_to", f.AssignedTo)
	queries.IDFilter(errs, "risk_id", f.RiskID)
	queries.IDFilter(errs, "control_id", f.ControlID)
	text.Check(errs, "q", f.Q, text.Search)
	queries.Limit(errs, &f.Limit)
	return errs.Err()
}

// Engagements returns one page of an organization's engagements.
func (r *Reader) Engagements(ctx context.Context, orgID int64, f EngagementFilter) (queries.Page[Engagement], error) {
	if err := f.Validate(); err != nil {
		return queries.Page[Engagement]{}, err
	}
	// Conditions without a value go in with the organization's.
	fixed := []string{"org_id = $1"}
	if f.Active != nil {
		if *f.Active {
			fixed = append(fixed, "phase <> 'Completed' and status <> 'Cancelled'")
		} else {
			fixed = append(fixed, "(phase = 'Completed' or status = 'Cancelled')")
		}
	}
	if f.Cancelled != nil {
		if *f.Cancelled {
			fixed = append(fixed, "status = 'Cancelled'")
		} else {
			fixed = append(fixed, "status <> 'Cancelled'")
		}
	}
	w := queries.NewWhere(strings.Join(fixed, " and "), orgID)
	if f.Phase != "" {
		w.Add("phase = ?", f.Phase)
	}
	if f.Status != "" {
		w.Add("status = ?", f.Status)
	}
	if f.LeadAuditorID > 0 {
		w.Add("lead_auditor_id = ?", f.LeadAuditorID)
	}
	if f.Q != "" {
		w.Add(`(title || ' ' || scope || ' ' || auditee) ilike ?`, queries.LikePattern(f.Q))
	}
	spec := engagementSortSpecs[f.Sort]
	return queries.Listing[Engagement]{
		Table: "audit_engagements", Columns: engagementColumns, Where: w, Order: spec, Sort: f.Sort,
		Limit: f.Limit, Cursor: f.Cursor, Scan: scanEngagement,
		Key: func(g Engagement) (int64, any) {
			switch spec.Column {
			case "updated_at":
				return g.ID, g.UpdatedAt
			case plannedStartKey:
				return g.ID, dateKey(g.PlannedStart)
			case "title":
				return g.ID, g.Title
			}
			return g.ID, nil
		},
		DecodeKey: func(raw json.RawMessage) (any, error) {
			switch spec.Column {
			case plannedStartKey:
				return decodeDateKey(raw)
			case "title":
				return queries.CursorKey[string](raw)
			}
			return queries.CursorKey[time.Time](raw)
		},
	}.Page(ctx, r.pool)
}

// Findings returns one page of an organization's findings.
func (r *Reader) Findings(ctx context.Context, orgID int64, f FindingFilter) (queries.Page[Finding], error) {
	if err := f.Validate(); err != nil {
		return queries.Page[Finding]{}, err
	}
	today := r.today()
	fixed := []string{"org_id = $1"}
	if f.Open != nil {
		if *f.Open {
			fixed = append(fixed, "status <> 'Closed'")
		} else {
			fixed = append(fixed, "status = 'Closed'")
		}
	}
	if f.RiskRating == NoRisk {
		fixed = append(fixed, `not exists (select from risks r where r.id = audit_findings.risk_id
			and r.org_id = audit_findings.org_id and r.deleted_at is null)`)
	}
	w := queries.NewWhere(strings.Join(fixed, " and "), orgID)
	if f.Overdue != nil {
		// Spelled as the partial index on open, dated findings is, so it serves.
		if *f.Overdue {
			w.Add("status <> 'Closed' and due_date is not null and due_date < ?::date", today)
		} else {
			w.Add("(status = 'Closed' or due_date is null or due_date >= ?::date)", today)
		}
	}
	if f.EngagementID > 0 {
		w.Add("engagement_id = ?", f.EngagementID)
	}
	if f.Status != "" {
		w.Add("status = ?", f.Status)
	}
	if f.Severity != "" {
		// By rank, which the severity index holds.
		w.Add("severity_rank = ?", int16(slices.Index(cmd.Severities, f.Severity)+1))
	}
	if f.AssignedTo > 0 {
		w.Add("assigned_to = ?", f.AssignedTo)
	}
	if f.RiskID > 0 {
		w.Add("risk_id = ?", f.RiskID)
	}
	if f.ControlID > 0 {
		w.Add("control_id = ?", f.ControlID)
	}
	if f.RiskRating != "" && f.RiskRating != NoRisk {
		w.Add(`exists (select from risks r where r.id = audit_findings.risk_id and r.org_id = audit_findings.org_id
			and r.deleted_at is null and r.rating = ?)`, f.RiskRating)
	}
	if f.Q != "" {
		w.Add(`(title || ' ' || description) ilike ?`, queries.LikePattern(f.Q))
	}
	spec := findingSortSpecs[f.Sort]
	return queries.Listing[Finding]{
		Table: "audit_findings", Columns: findingColumns, Where: w, Order: spec, Sort: f.Sort,
		Limit: f.Limit, Cursor: f.Cursor, Scan: findingScanner(today),
		Key: func(x Finding) (int64, any) {
			switch spec.Column {
			case "updated_at":
				return x.ID, x.UpdatedAt
			case dueDateKey:
				return x.ID, dateKey(x.DueDate)
			case "severity_rank":
				return x.ID, slices.Index(cmd.Severities, x.Severity) + 1
			}
			return x.ID, nil
		},
		DecodeKey: func(raw json.RawMessage) (any, error) {
			switch spec.Column {
			case dueDateKey:
				return decodeDateKey(raw)
			case "severity_rank":
				return queries.CursorKey[int16](raw)
			}
			return queries.CursorKey[time.Time](raw)
		},
	}.Page(ctx, r.pool)
}

// dateKey is a nullable date's sort key as a cursor carries it.
func dateKey(d *string) string {
	if d == nil {
		return infinity
	}
	return *d
}

// decodeDateKey reads a date key back from a cursor: a date, or infinity for an
// undated row. Anything else would be refused by PostgreSQL as a server error; here it
// makes the cursor invalid.
func decodeDateKey(raw json.RawMessage) (any, error) {
	v, err := queries.CursorKey[string](raw)
	if err != nil {
		return nil, err
	}
	s := v.(string)
	if s != infinity {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, strata.Errorf(strata.Invalid, "cursor is not valid for this list; start again without it")
		}
	}
	return s, nil
}
