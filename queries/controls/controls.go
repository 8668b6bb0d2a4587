// Package controls answers Control Library queries: lists and details from the read
// models, coverage of a framework, and as-of views and history replayed from each
// control's or framework's stream.
package controls

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	pcontrols "github.com/strata-grc/strata/projections/controls"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/queries"
)

// Projection is the read model these queries read: the projector's own name, for read-your-writes waits.
const Projection = pcontrols.Name

// Control is a control as lists show it.
type Control struct {
	ID             int64      `json:"id"`
	Code           string     `json:"code"`
	Title          string     `json:"title"`
	Description    string     `json:"description"`
	FrameworkID    *int64     `json:"framework_id"`
	Status         string     `json:"status"`
	Type           string     `json:"type"`
	Frequency      string     `json:"frequency"`
	OwnerID        *int64     `json:"owner_id"`
	Effectiveness  string     `json:"effectiveness"`
	LastTestedAt   *time.Time `json:"last_tested_at"`
	RiskIDs        []int64    `json:"risk_ids"`
	RequirementIDs []int64    `json:"requirement_ids"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Version        int64      `json:"version"`
}

// Detail is a control with the first page of its tests and of its rating history, and
// its risks and requirements. The totals count the whole lists; a next cursor, when
// set, reads the rest from the list's own route.
type Detail struct {
	Control
	Tests                          []Test           `json:"tests"`
	TestsTotal                     int64            `json:"tests_total"`
	TestsNextCursor                *string          `json:"tests_next_cursor"`
	EffectivenessHistory           []Change         `json:"effectiveness_history"`
	EffectivenessHistoryTotal      int64            `json:"effectiveness_history_total"`
	EffectivenessHistoryNextCursor *string          `json:"effectiveness_history_next_cursor"`
	Risks                          []RiskRef        `json:"risks"`
	Requirements                   []RequirementRef `json:"requirements"`
}

// Test is one recorded test.
type Test struct {
	ID         int64         `json:"id"`
	TestedAt   time.Time     `json:"tested_at"`
	Result     string        `json:"result"`
	Notes      string        `json:"notes"`
	RecordedBy queries.Actor `json:"recorded_by"`
	RecordedAt time.Time     `json:"recorded_at"`
}

// Change is one change of a control's effectiveness and what caused it: a person,
// or the test TestID.
type Change struct {
	Effectiveness string        `json:"effectiveness"`
	Previous      string        `json:"previous"`
	Notes         string        `json:"notes"`
	TestID        *int64        `json:"test_id"`
	ChangedBy     queries.Actor `json:"changed_by"`
	ChangedAt     time.Time     `json:"changed_at"`
	// position is the change's event in the log, which orders the list and its cursors.
	position int64
}

// RiskRef is a live risk that a control mitigates.
type RiskRef struct {
	ID            int64  `json:"id"`
	Title         string `json:"title"`
	Status        string `json:"status"`
	Rating        string `json:"rating"`
	InherentScore int    `json:"inherent_score"`
}

// RequirementRef is a requirement a control answers.
type RequirementRef struct {
	ID            int64  `json:"id"`
	FrameworkID   int64  `json:"framework_id"`
	FrameworkName string `json:"framework_name"`
	Code          string `json:"code"`
	Title         string `json:"title"`
}

// Ref is a control as other records show it.
type Ref struct {
	ID            int64  `json:"id"`
	Code          string `json:"code"`
	Title         string `json:"title"`
	Status        string `json:"status"`
	Effectiveness string `json:"effectiveness"`
}

// Reader answers control library queries.
type Reader struct {
	pool       *pgxpool.Pool
	controls   *commands.Streams[cmd.Control]
	frameworks *commands.Streams[cmd.Framework]
}

// NewReader reads the read models in pool and replays streams for history.
func NewReader(pool *pgxpool.Pool, controls *commands.Streams[cmd.Control], frameworks *commands.Streams[cmd.Framework]) *Reader {
	return &Reader{pool: pool, controls: controls, frameworks: frameworks}
}

// liveRisks lists the live risks mapping a control, for the risk_ids column.
// Every join between modules names the organization on both sides: a mapping made
// before mappings were checked may point at another organization's record.
//
// The risk is looked up by its key from each mapping (a scalar subquery, which the
// planner cannot turn into a join) rather than joined: a join let the planner start
// from the organization's risks whenever its statistics said the organization had
// few, and on tables not yet analysed (just rebuilt or caught up) a page of 50
// controls then read every risk 50 times: 16 s over 41,000 risks, against 44 ms.
const liveRisks = `array(select rc.risk_id from risk_controls rc
	where rc.control_id = controls.id and rc.org_id = controls.org_id and ` + riskIsLive + ` order by rc.risk_id)`

// riskIsLive holds for a mapping rc whose risk belongs to the control's organization
// and is not deleted (the mapping's own organization is the control's: both
// conditions name it).
const riskIsLive = `(select r.org_id = rc.org_id and r.deleted_at is null from risks r where r.id = rc.risk_id)`

const columns = `id, code, title, description, framework_id, status, type, frequency, owner_id, effectiveness,
	last_tested_at, ` + liveRisks + `, array(select unnest(requirement_ids) order by 1), created_at, updated_at, version`

func scanControl(row pgx.CollectableRow) (Control, error) {
	var c Control
	err := row.Scan(&c.ID, &c.Code, &c.Title, &c.Description, &c.FrameworkID, &c.Status, &c.Type, &c.Frequency,
		&c.OwnerID, &c.Effectiveness, &c.LastTestedAt, &c.RiskIDs, &c.RequirementIDs, &c.CreatedAt, &c.UpdatedAt, &c.Version)
	return c, err
}

// Filter narrows a control list. Zero values do not filter.
type Filter struct {
	FrameworkID   int64
	Status        string
	Effectiveness string
	Type          string
	OwnerID       int64
	Q             string
	Sort          string
	Limit         int
	Cursor        string
}

// Sorts a control list accepts; "" is by id.
var Sorts = []string{"code", "-code", "updated_at", "-updated_at"}

// codeOrder sorts codes naturally (IAM-2 before IAM-10), as the index does.
const codeOrder = "code collate natural_order"

var sortSpecs = map[string]queries.Keyset{
	"": {}, "code": {Column: codeOrder}, "-code": {Column: codeOrder, Desc: true},
	"updated_at": {Column: "updated_at"}, "-updated_at": {Column: "updated_at", Desc: true},
}

// Validate checks a filter's values, so an unknown value is an error, not an empty list.
func (f *Filter) Validate() error {
	errs := strata.FieldErrors{}
	queries.OneOf(errs, "status", f.Status, cmd.Statuses)
	queries.OneOf(errs, "effectiveness", f.Effectiveness, cmd.Effectiveness)
	queries.OneOf(errs, "type", f.Type, cmd.Types)
	queries.OneOf(errs, "sort", f.Sort, append([]string{""}, Sorts...))
	queries.IDFilter(errs, "framework_id", f.FrameworkID)
	queries.IDFilter(errs, "owner_id", f.OwnerID)
	text.Check(errs, "q", f.Q, text.Search)
	queries.Limit(errs, &f.Limit)
	return errs.Err()
}

// List returns one page of an organization's controls, archived ones included: an
// archived control still answers questions about the past.
func (r *Reader) List(ctx context.Context, orgID int64, f Filter) (queries.Page[Control], error) {
	if err := f.Validate(); err != nil {
		return queries.Page[Control]{}, err
	}
	w := queries.NewWhere("org_id = $1", orgID)
	if f.FrameworkID > 0 {
		w.Add("framework_id = ?", f.FrameworkID)
	}
	if f.Status != "" {
		w.Add("status = ?", f.Status)
	}
	if f.Effectiveness != "" {
		w.Add("effectiveness = ?", f.Effectiveness)
	}
	if f.Type != "" {
		w.Add("type = ?", f.Type)
	}
	if f.OwnerID > 0 {
		w.Add("owner_id = ?", f.OwnerID)
	}
	if f.Q != "" {
		w.Add(`(code || ' ' || title || ' ' || description) ilike ?`, queries.LikePattern(f.Q))
	}
	spec := sortSpecs[f.Sort]
	return queries.Listing[Control]{
		Table: "controls", Columns: columns, Where: w, Order: spec, Sort: f.Sort, Limit: f.Limit, Cursor: f.Cursor,
		Scan: scanControl,
		Key: func(c Control) (int64, any) {
			switch spec.Column {
			case codeOrder:
				return c.ID, c.Code
			case "updated_at":
				return c.ID, c.UpdatedAt
			}
			return c.ID, nil
		},
		DecodeKey: func(raw json.RawMessage) (any, error) {
			if spec.Column == codeOrder {
				return queries.CursorKey[string](raw)
			}
			return queries.CursorKey[time.Time](raw)
		},
	}.Page(ctx, r.pool)
}

var errNotFound = strata.Errorf(strata.NotFound, "control not found")

// Get returns a control of the organization with the first pages of its tests and
// rating history, and its risks and requirements, all read in one snapshot: the
// version (the ETag) and every list describe the same moment.
func (r *Reader) Get(ctx context.Context, orgID, id int64) (Detail, error) {
	var d Detail
	err := queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select `+columns+` from controls where id = $1 and org_id = $2`, id, orgID)
		if err != nil {
			return err
		}
		c, err := pgx.CollectExactlyOneRow(rows, scanControl)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		d = Detail{Control: c}
		tests, err := testList(orgID, id, queries.DefaultLimit, "").Page(ctx, tx)
		if err != nil {
			return err
		}
		d.Tests, d.TestsTotal, d.TestsNextCursor = tests.Items, tests.Total, tests.NextCursor
		changes, err := effectivenessList(orgID, id, queries.DefaultLimit, "").Page(ctx, tx)
		if err != nil {
			return err
		}
		d.EffectivenessHistory, d.EffectivenessHistoryTotal, d.EffectivenessHistoryNextCursor =
			changes.Items, changes.Total, changes.NextCursor
		return r.related(ctx, tx, orgID, &d)
	})
	if err != nil {
		return Detail{}, err
	}
	return fill(d), nil
}

// Cursor names of a control's child lists; a cursor is only good for its own list.
const (
	testsSort         = "tests"
	effectivenessSort = "effectiveness_history"
)

// testList is a page of a control's tests, latest tested_at first.
func testList(orgID, controlID int64, limit int, cursor string) queries.Listing[Test] {
	return queries.Listing[Test]{
		Table: "control_tests", Columns: "id, tested_at, result, notes, recorded_by, recorder, recorded_at",
		Where: queries.NewWhere("control_id = $1 and org_id = $2", controlID, orgID),
		Order: queries.Keyset{Column: "tested_at", Desc: true}, Sort: testsSort, Limit: limit, Cursor: cursor,
		Scan: func(row pgx.CollectableRow) (Test, error) {
			var t Test
			err := row.Scan(&t.ID, &t.TestedAt, &t.Result, &t.Notes, &t.RecordedBy.ID, &t.RecordedBy.Name, &t.RecordedAt)
			return t, err
		},
		Key:       testKey,
		DecodeKey: queries.CursorKey[time.Time],
		// The detail embeds tests_total, which cannot say it is a floor.
		Exact: true,
	}
}

func testKey(t Test) (int64, any) { return t.ID, t.TestedAt }

// effectivenessList is a page of a control's rating changes, latest first.
func effectivenessList(orgID, controlID int64, limit int, cursor string) queries.Listing[Change] {
	return queries.Listing[Change]{
		Table:   "control_effectiveness",
		Columns: "position, effectiveness, previous, notes, test_id, changed_by, changer, changed_at",
		Where:   queries.NewWhere("control_id = $1 and org_id = $2", controlID, orgID),
		Order:   queries.Keyset{Desc: true, Unique: "position"}, Sort: effectivenessSort, Limit: limit, Cursor: cursor,
		Scan: func(row pgx.CollectableRow) (Change, error) {
			var x Change
			err := row.Scan(&x.position, &x.Effectiveness, &x.Previous, &x.Notes, &x.TestID, &x.ChangedBy.ID,
				&x.ChangedBy.Name, &x.ChangedAt)
			return x, err
		},
		Key: changeKey,
		// The detail embeds effectiveness_history_total, which cannot say it is a floor.
		Exact: true,
	}
}

func changeKey(c Change) (int64, any) { return c.position, nil }

// Tests returns one page of a control's tests, latest tested_at first.
func (r *Reader) Tests(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[Test], error) {
	return childPage(ctx, r, orgID, id, limit, testList(orgID, id, limit, cursor))
}

// EffectivenessHistory returns one page of a control's rating changes, latest first.
func (r *Reader) EffectivenessHistory(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[Change], error) {
	return childPage(ctx, r, orgID, id, limit, effectivenessList(orgID, id, limit, cursor))
}

// childPage reads a page of one of a control's lists, in the snapshot in which the
// control exists.
func childPage[T any](ctx context.Context, r *Reader, orgID, id int64, limit int, list queries.Listing[T]) (queries.Page[T], error) {
	errs := strata.FieldErrors{}
	queries.Limit(errs, &limit)
	if err := errs.Err(); err != nil {
		return queries.Page[T]{}, err
	}
	list.Limit = limit
	var page queries.Page[T]
	err := queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `select exists (select 1 from controls where id = $1 and org_id = $2)`, id, orgID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return errNotFound
		}
		var err error
		page, err = list.Page(ctx, tx)
		return err
	})
	return page, err
}

// related fills in the risks and requirements a control is linked with, which other
// streams and tables describe.
func (r *Reader) related(ctx context.Context, q queries.Querier, orgID int64, d *Detail) error {
	rows, err := q.Query(ctx, `select r.id, r.title, r.status, r.rating, r.inherent_score
		from risk_controls rc join risks r on r.id = rc.risk_id
		where rc.control_id = $1 and rc.org_id = $2 and r.org_id = $2 and r.deleted_at is null order by r.id`, d.ID, orgID)
	if err != nil {
		return err
	}
	if d.Risks, err = pgx.CollectRows(rows, pgx.RowToStructByPos[RiskRef]); err != nil {
		return err
	}
	d.Requirements, err = requirementRefs(ctx, q, orgID, d.RequirementIDs)
	return err
}

// requirementRefs describes the requirements a control answers.
func requirementRefs(ctx context.Context, q queries.Querier, orgID int64, ids []int64) ([]RequirementRef, error) {
	rows, err := q.Query(ctx, `select q.id, q.framework_id, f.name, q.code, q.title
		from requirements q join frameworks f on f.id = q.framework_id
		where q.id = any($1) and q.org_id = $2 order by f.name, q.code collate natural_order`, ids, orgID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[RequirementRef])
}

// fill makes every list of a detail a JSON array, never null.
func fill(d Detail) Detail {
	for _, s := range []*[]int64{&d.RiskIDs, &d.RequirementIDs} {
		if *s == nil {
			*s = []int64{}
		}
	}
	if d.Tests == nil {
		d.Tests = []Test{}
	}
	if d.EffectivenessHistory == nil {
		d.EffectivenessHistory = []Change{}
	}
	if d.Risks == nil {
		d.Risks = []RiskRef{}
	}
	if d.Requirements == nil {
		d.Requirements = []RequirementRef{}
	}
	return d
}

// ForRisk lists the controls mapped to a risk with their status and rating; archived
// controls stay listed, marked by their status. It reads through q, so a risk's
// detail reads them in its own snapshot.
func (r *Reader) ForRisk(ctx context.Context, q queries.Querier, orgID, riskID int64) ([]Ref, error) {
	rows, err := q.Query(ctx, `select c.id, c.code, c.title, c.status, c.effectiveness
		from risk_controls rc join controls c on c.id = rc.control_id
		where rc.risk_id = $1 and rc.org_id = $2 and c.org_id = $2 order by c.code collate natural_order, c.id`, riskID, orgID)
	if err != nil {
		return nil, err
	}
	refs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Ref])
	if refs == nil {
		refs = []Ref{}
	}
	return refs, err
}

// Refs describes the given controls, in the order of ids; ids without a control row
// yet are left out.
func (r *Reader) Refs(ctx context.Context, orgID int64, ids []int64) ([]Ref, error) {
	if len(ids) == 0 {
		return []Ref{}, nil // most writes answer for a risk without controls: no round trip
	}
	rows, err := r.pool.Query(ctx, `select id, code, title, status, effectiveness from controls
		where id = any($1) and org_id = $2 order by code collate natural_order, id`, ids, orgID)
	if err != nil {
		return nil, err
	}
	refs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Ref])
	if refs == nil {
		refs = []Ref{}
	}
	return refs, err
}

// AsOf replays a control's stream up to an instant. The risks a control mitigates
// are recorded on each risk's stream, so this view lists none; its requirements are
// its own and are listed. Its tests and rating history embed their first pages with
// their totals but no next cursor: the list routes read the present, not that instant.
func (r *Reader) AsOf(ctx context.Context, orgID, id int64, at time.Time) (Detail, error) {
	d, err := r.replay(ctx, orgID, id, events.ReadOptions{AsOf: at}, false)
	if strata.ErrorCode(err) == strata.NotFound {
		return Detail{}, strata.Errorf(strata.NotFound, "control not found as of %s", at.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return Detail{}, err
	}
	d.RiskIDs = []int64{}
	return d, nil
}

// Current replays a control's whole stream: what a write just made, without waiting
// for the projection.
func (r *Reader) Current(ctx context.Context, orgID, id int64) (Detail, error) {
	d, err := r.replay(ctx, orgID, id, events.ReadOptions{}, true)
	if err != nil {
		return Detail{}, err
	}
	if err := r.pool.QueryRow(ctx, liveRiskIDs, id, orgID).Scan(&d.RiskIDs); err != nil {
		return Detail{}, err
	}
	rows, err := r.pool.Query(ctx, `select r.id, r.title, r.status, r.rating, r.inherent_score from risks r
		where r.id = any($1) and r.org_id = $2 order by r.id`, d.RiskIDs, orgID)
	if err != nil {
		return Detail{}, err
	}
	if d.Risks, err = pgx.CollectRows(rows, pgx.RowToStructByPos[RiskRef]); err != nil {
		return Detail{}, err
	}
	return fill(d), nil
}

const liveRiskIDs = `select array(select rc.risk_id from risk_controls rc
	where rc.control_id = $1 and rc.org_id = $2 and ` + riskIsLive + ` order by rc.risk_id)`

// replay builds a control's detail from its stream. Its lists embed their first
// pages; withCursors adds the cursors that read on through the list routes, which
// order rows by the same keys as a replay.
func (r *Reader) replay(ctx context.Context, orgID, id int64, opts events.ReadOptions, withCursors bool) (Detail, error) {
	agg, evs, err := r.controls.Load(ctx, id, opts)
	if err != nil {
		return Detail{}, err
	}
	if agg.Version == 0 || agg.OrgID != orgID {
		return Detail{}, errNotFound
	}
	s := agg.State
	d := Detail{Control: Control{
		ID: s.ID, Code: s.Code, Title: s.Title, Description: s.Description, FrameworkID: s.FrameworkID,
		Status: s.Status, Type: s.Type, Frequency: s.Frequency, OwnerID: s.OwnerID, Effectiveness: s.Effectiveness,
		LastTestedAt: s.LastTestedAt, CreatedAt: agg.CreatedAt, UpdatedAt: agg.UpdatedAt, Version: agg.Version,
	}}
	for req := range s.Requirements {
		d.RequirementIDs = append(d.RequirementIDs, req)
	}
	slices.Sort(d.RequirementIDs)
	var tests []Test
	var changes []Change
	for _, e := range evs {
		p, err := r.controls.Registry.Decode(e)
		if err != nil {
			return Detail{}, err
		}
		actor := queries.Actor{ID: e.Metadata.ActorID, Name: e.Metadata.ActorName}
		switch x := p.(type) {
		case ev.ControlTestRecorded:
			tests = append(tests, Test{ID: x.TestID, TestedAt: x.TestedAt, Result: x.Result, Notes: x.Notes,
				RecordedBy: actor, RecordedAt: e.RecordedAt})
		case ev.ControlEffectivenessUpdated:
			changes = append(changes, Change{Effectiveness: x.Effectiveness, Previous: x.Previous,
				Notes: x.Notes, TestID: x.TestID, ChangedBy: actor, ChangedAt: e.RecordedAt, position: e.GlobalPosition})
		}
	}
	slices.SortStableFunc(tests, func(a, b Test) int {
		if c := b.TestedAt.Compare(a.TestedAt); c != 0 {
			return c
		}
		return cmpInt(b.ID, a.ID)
	})
	slices.Reverse(changes)
	d.Tests, d.TestsTotal, d.TestsNextCursor = firstPage(tests, testsSort, testKey, withCursors)
	d.EffectivenessHistory, d.EffectivenessHistoryTotal, d.EffectivenessHistoryNextCursor =
		firstPage(changes, effectivenessSort, changeKey, withCursors)
	if d.Requirements, err = requirementRefs(ctx, r.pool, orgID, d.RequirementIDs); err != nil {
		return Detail{}, err
	}
	return fill(d), nil
}

// firstPage cuts a whole list, in its list's order, to the page a detail embeds.
func firstPage[T any](items []T, sort string, key func(T) (int64, any), withCursor bool) ([]T, int64, *string) {
	page := queries.PageOf(items, int64(len(items)), queries.DefaultLimit, sort, key)
	if !withCursor {
		page.NextCursor = nil
	}
	return page.Items, page.Total, page.NextCursor
}

// History is one page of a control's audit trail, newest first.
func (r *Reader) History(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[queries.Entry], error) {
	return queries.Trail[cmd.Control]{
		Store: r.controls.Store, Registry: r.controls.Registry, Evolve: r.controls.Evolve,
		Changes: controlChanges, NotFound: errNotFound,
	}.Page(ctx, r.controls.Name(id), orgID, limit, cursor)
}

// controlChanges lists what one event of a control's stream changed. A test is a
// new fact rather than a field change: it appears under tests.<id>. A mapping
// appears under requirements.<id>, as mapped or no longer.
func controlChanges(before cmd.Control, p events.Payload) []queries.Change {
	switch e := p.(type) {
	case ev.ControlCreated:
		return append(queries.Created("", e.Fields),
			queries.Field("status", nil, e.Status), queries.Field("effectiveness", nil, cmd.NotTested))
	case ev.ControlUpdated:
		return queries.Patched("", e.Set, e.Previous)
	case ev.ControlStatusChanged:
		return []queries.Change{queries.Field("status", e.From, e.To)}
	case ev.ControlTestRecorded:
		changes := queries.Created("tests."+strconv.FormatInt(e.TestID, 10)+".", struct {
			TestedAt time.Time `json:"tested_at"`
			Result   string    `json:"result"`
			Notes    string    `json:"notes"`
		}{e.TestedAt, e.Result, e.Notes})
		if last := before.LastTestedAt; last == nil || e.TestedAt.After(*last) {
			var was any
			if last != nil {
				was = *last
			}
			changes = append(changes, queries.Field("last_tested_at", was, e.TestedAt))
		}
		return changes
	case ev.ControlEffectivenessUpdated:
		return []queries.Change{queries.Field("effectiveness", before.Effectiveness, e.Effectiveness)}
	case ev.ControlMappedToRequirement:
		return []queries.Change{queries.Field(requirementField(e.RequirementID), nil, mapped)}
	case ev.ControlUnmappedFromRequirement:
		return []queries.Change{queries.Field(requirementField(e.RequirementID), mapped, nil)}
	}
	return nil
}

// mapped is the value of a mapping in the history: present, or absent (null).
const mapped = "mapped"

func requirementField(id int64) string { return "requirements." + strconv.FormatInt(id, 10) }
