package controls

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/strata-grc/strata"
	cmd "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/queries"
)

// Framework is a framework as lists show it.
type Framework struct {
	ID               int64     `json:"id"`
	Name             string    `json:"name"`
	Version          string    `json:"version"`
	Description      string    `json:"description"`
	Source           string    `json:"source"`
	RequirementCount int       `json:"requirement_count"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// FrameworkDetail is a framework with its requirements.
type FrameworkDetail struct {
	Framework
	Requirements []Requirement `json:"requirements"`
}

// Requirement is one requirement of a framework.
type Requirement struct {
	ID          int64  `json:"id"`
	FrameworkID int64  `json:"framework_id"`
	Code        string `json:"code"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// Coverage says how much of a framework effective, active controls answer.
type Coverage struct {
	FrameworkID         int64                 `json:"framework_id"`
	RequirementsTotal   int                   `json:"requirements_total"`
	RequirementsCovered int                   `json:"requirements_covered"`
	CoveragePercent     float64               `json:"coverage_percent"`
	Requirements        []RequirementCoverage `json:"requirements"`
}

// RequirementCoverage is one requirement with the controls mapped to it.
type RequirementCoverage struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Title    string `json:"title"`
	Covered  bool   `json:"covered"`
	Controls []Ref  `json:"controls"`
}

// FrameworkFilter narrows the framework list.
type FrameworkFilter struct {
	Q      string
	Limit  int
	Cursor string
}

var errNoFramework = strata.Errorf(strata.NotFound, "framework not found")

const frameworkColumns = `id, name, version, description, source, requirement_count, created_at, updated_at`

// Validate checks a filter's values, defaulting the limit.
func (f *FrameworkFilter) Validate() error {
	errs := strata.FieldErrors{}
	text.Check(errs, "q", f.Q, text.Search)
	queries.Limit(errs, &f.Limit)
	return errs.Err()
}

// Frameworks returns one page of an organization's frameworks by id.
func (r *Reader) Frameworks(ctx context.Context, orgID int64, f FrameworkFilter) (queries.Page[Framework], error) {
	if err := f.Validate(); err != nil {
		return queries.Page[Framework]{}, err
	}
	w := queries.NewWhere("org_id = $1", orgID)
	if f.Q != "" {
		w.Add(`(name || ' ' || version || ' ' || description) ilike ?`, queries.LikePattern(f.Q))
	}
	return queries.Listing[Framework]{
		Table: "frameworks", Columns: frameworkColumns, Where: w, Limit: f.Limit, Cursor: f.Cursor,
		Scan: pgx.RowToStructByPos[Framework],
		Key:  func(f Framework) (int64, any) { return f.ID, nil },
	}.Page(ctx, r.pool)
}

// Framework returns a framework of the organization with its requirements by code,
// read in one snapshot so requirement_count and the list agree. A framework holds at
// most cmd.MaxRequirements requirements, so the list is embedded whole.
func (r *Reader) Framework(ctx context.Context, orgID, id int64) (FrameworkDetail, error) {
	var d FrameworkDetail
	err := queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select `+frameworkColumns+` from frameworks where id = $1 and org_id = $2`, id, orgID)
		if err != nil {
			return err
		}
		fw, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Framework])
		if errors.Is(err, pgx.ErrNoRows) {
			return errNoFramework
		}
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `select id, framework_id, code, title, description from requirements
			where framework_id = $1 and org_id = $2 order by code collate natural_order, id`, id, orgID)
		if err != nil {
			return err
		}
		reqs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Requirement])
		if reqs == nil {
			reqs = []Requirement{}
		}
		d = FrameworkDetail{Framework: fw, Requirements: reqs}
		return err
	})
	if err != nil {
		return FrameworkDetail{}, err
	}
	return d, nil
}

// CurrentFramework replays a framework's stream: what a write just made, without
// waiting for the projection.
func (r *Reader) CurrentFramework(ctx context.Context, orgID, id int64) (FrameworkDetail, error) {
	return r.replayFramework(ctx, orgID, id, events.ReadOptions{})
}

// AsOfFramework replays a framework's stream up to an instant and returns it as it
// stood then: the requirements it held by that instant and updated_at the last of
// them. Its stream holds all of it; the controls mapped to it and their coverage are
// theirs, not the framework's, and stay out as the current read leaves them out.
func (r *Reader) AsOfFramework(ctx context.Context, orgID, id int64, at time.Time) (FrameworkDetail, error) {
	d, err := r.replayFramework(ctx, orgID, id, events.ReadOptions{AsOf: at})
	if strata.ErrorCode(err) == strata.NotFound {
		return FrameworkDetail{}, strata.Errorf(strata.NotFound, "framework not found as of %s", at.UTC().Format(time.RFC3339))
	}
	return d, err
}

// replayFramework folds a framework's stream, read with opts, refusing one that is
// missing or another organization's. It collects the requirements straight from their
// events rather than through the aggregate, whose state copies its maps at every event
// so that no state it handed out changes: replaying 2,000 requirements that way copies
// some two million entries.
func (r *Reader) replayFramework(ctx context.Context, orgID, id int64, opts events.ReadOptions) (FrameworkDetail, error) {
	evs, err := r.frameworks.Store.ReadStream(ctx, r.frameworks.Name(id), opts)
	if err != nil {
		return FrameworkDetail{}, err
	}
	if len(evs) == 0 || evs[0].Metadata.OrgID != orgID {
		return FrameworkDetail{}, errNoFramework
	}
	d := FrameworkDetail{Requirements: make([]Requirement, 0, len(evs)-1)}
	for _, e := range evs {
		p, err := r.frameworks.Registry.Decode(e)
		if err != nil {
			return FrameworkDetail{}, err
		}
		switch x := p.(type) {
		case ev.FrameworkCreated:
			d.Framework = Framework{ID: x.FrameworkID, Name: x.Name, Version: x.Version, Description: x.Description,
				Source: x.Source, CreatedAt: e.RecordedAt}
		case ev.RequirementAdded:
			d.Requirements = append(d.Requirements, Requirement{ID: x.RequirementID, FrameworkID: id, Code: x.Code,
				Title: x.Title, Description: x.Description})
		}
		d.UpdatedAt = e.RecordedAt
	}
	d.RequirementCount = len(d.Requirements)
	sortRequirements(d.Requirements)
	return d, nil
}

// Coverage computes a framework's coverage: a requirement counts as covered when an
// Active control rated Effective answers it.
func (r *Reader) Coverage(ctx context.Context, orgID, id int64) (Coverage, error) {
	var out Coverage
	err := queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		var err error
		out, err = coverage(ctx, tx, orgID, id)
		return err
	})
	return out, err
}

// coverage reads a framework's requirements and the controls mapped to them through
// one snapshot, so no mapping is counted against a requirement list of another moment.
func coverage(ctx context.Context, q queries.Querier, orgID, id int64) (Coverage, error) {
	var exists bool
	if err := q.QueryRow(ctx, `select exists (select 1 from frameworks where id = $1 and org_id = $2)`, id, orgID).Scan(&exists); err != nil {
		return Coverage{}, err
	}
	if !exists {
		return Coverage{}, errNoFramework
	}
	// Two plain reads assembled here: building a JSON array per requirement in SQL
	// cost ten times as much on a large framework.
	rows, err := q.Query(ctx, `select id, code, title from requirements
		where framework_id = $1 and org_id = $2 order by code collate natural_order, id`, id, orgID)
	if err != nil {
		return Coverage{}, err
	}
	reqs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (RequirementCoverage, error) {
		q := RequirementCoverage{Controls: []Ref{}}
		err := row.Scan(&q.ID, &q.Code, &q.Title)
		return q, err
	})
	if err != nil {
		return Coverage{}, err
	}
	at := make(map[int64]int, len(reqs))
	for i, q := range reqs {
		at[q.ID] = i
	}
	rows, err = q.Query(ctx, `select cr.requirement_id, c.id, c.code, c.title, c.status, c.effectiveness
		from control_requirements cr join controls c on c.id = cr.control_id
		where cr.framework_id = $1 and cr.org_id = $2 and c.org_id = $2`, id, orgID)
	if err != nil {
		return Coverage{}, err
	}
	var req int64
	var ref Ref
	if _, err := pgx.ForEachRow(rows, []any{&req, &ref.ID, &ref.Code, &ref.Title, &ref.Status, &ref.Effectiveness}, func() error {
		if i, ok := at[req]; ok {
			q := &reqs[i]
			q.Controls = append(q.Controls, ref)
			q.Covered = q.Covered || (ref.Status == cmd.Active && ref.Effectiveness == cmd.Effective)
		}
		return nil
	}); err != nil {
		return Coverage{}, err
	}
	sortRefs(reqs)
	out := Coverage{FrameworkID: id, RequirementsTotal: len(reqs), Requirements: reqs}
	if out.Requirements == nil {
		out.Requirements = []RequirementCoverage{}
	}
	for _, q := range reqs {
		if q.Covered {
			out.RequirementsCovered++
		}
	}
	if out.RequirementsTotal > 0 {
		out.CoveragePercent = math.Round(1000*float64(out.RequirementsCovered)/float64(out.RequirementsTotal)) / 10
	}
	return out, nil
}

// FrameworkHistory is one page of a framework's audit trail, newest first. Each of
// its events tells all it changed, so no state is folded and a later page reads only
// its own events.
func (r *Reader) FrameworkHistory(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[queries.Entry], error) {
	return queries.Trail[struct{}]{
		Store: r.frameworks.Store, Registry: r.frameworks.Registry, Changes: frameworkChanges, NotFound: errNoFramework,
	}.Page(ctx, r.frameworks.Name(id), orgID, limit, cursor)
}

// frameworkChanges lists what one event of a framework's stream changed; a
// requirement appears under requirements.<id>.
func frameworkChanges(_ struct{}, p events.Payload) []queries.Change {
	switch e := p.(type) {
	case ev.FrameworkCreated:
		return queries.Created("", struct {
			Name        string `json:"name"`
			Version     string `json:"version"`
			Description string `json:"description"`
			Source      string `json:"source"`
			FileName    string `json:"file_name,omitempty"`
		}{e.Name, e.Version, e.Description, e.Source, e.FileName})
	case ev.RequirementAdded:
		return queries.Created("requirements."+strconv.FormatInt(e.RequirementID, 10)+".", e.Requirement)
	}
	return nil
}

func sortRequirements(reqs []Requirement) {
	slices.SortFunc(reqs, func(a, b Requirement) int {
		if c := NaturalCompare(a.Code, b.Code); c != 0 {
			return c
		}
		return cmpInt(a.ID, b.ID)
	})
}

// NaturalCompare orders codes as the read models' natural_order collation does: both
// are the Unicode root collation with digit runs compared by value (BS-2 before
// BS-10), so a replayed framework lists its requirements as a read model does.
func NaturalCompare(a, b string) int {
	c := collators.Get().(*collate.Collator)
	defer collators.Put(c)
	return c.CompareString(a, b)
}

// sortRefs puts each requirement's controls in code order, computing each control's
// collation key once: a control answers many requirements.
func sortRefs(reqs []RequirementCoverage) {
	c := collators.Get().(*collate.Collator)
	defer collators.Put(c)
	var buf collate.Buffer
	keys := map[int64]string{}
	key := func(r Ref) string {
		k, ok := keys[r.ID]
		if !ok {
			k = string(c.KeyFromString(&buf, r.Code))
			keys[r.ID] = k
			buf.Reset()
		}
		return k
	}
	for i := range reqs {
		slices.SortFunc(reqs[i].Controls, func(a, b Ref) int {
			if c := strings.Compare(key(a), key(b)); c != 0 {
				return c
			}
			return cmpInt(a.ID, b.ID)
		})
	}
}

// collators are reused because a Collator keeps buffers and is not safe for
// concurrent use.
var collators = sync.Pool{New: func() any { return collate.New(language.Und, collate.Numeric) }}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
