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
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/queries"
)

// Projection is the read model these queries read, for read-your-writes waits.
const Projection = "controls"

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

// Detail is a control with its tests, rating history, risks and requirements.
type Detail struct {
	Control
	Tests                []Test           `json:"tests"`
	EffectivenessHistory []Change         `json:"effectiveness_history"`
	Risks                []RiskRef        `json:"risks"`
	Requirements         []RequirementRef `json:"requirements"`
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
const liveRisks = `array(select rc.risk_id from risk_controls rc join risks r on r.id = rc.risk_id
	where rc.control_id = controls.id and rc.org_id = controls.org_id and r.org_id = controls.org_id
	and r.deleted_at is null order by rc.risk_id)`

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
	oneOf := func(name, v string, allowed []string) {
		if v != "" && !slices.Contains(allowed, v) {
			errs.Add(name, "must be one of "+strings.Join(allowed, ", "))
		}
	}
	oneOf("status", f.Status, cmd.Statuses)
	oneOf("effectiveness", f.Effectiveness, cmd.Effectiveness)
	oneOf("type", f.Type, cmd.Types)
	oneOf("sort", f.Sort, append([]string{""}, Sorts...))
	if f.FrameworkID < 0 {
		errs.Add("framework_id", "must be a positive integer")
	}
	if f.OwnerID < 0 {
		errs.Add("owner_id", "must be a positive integer")
	}
	queries.SearchText(errs, f.Q)
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

// Get returns a control of the organization with its tests, rating history, risks
// and requirements.
func (r *Reader) Get(ctx context.Context, orgID, id int64) (Detail, error) {
	rows, err := r.pool.Query(ctx, `select `+columns+` from controls where id = $1 and org_id = $2`, id, orgID)
	if err != nil {
		return Detail{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanControl)
	if errors.Is(err, pgx.ErrNoRows) {
		return Detail{}, errNotFound
	}
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Control: c}
	rows, err = r.pool.Query(ctx, `select id, tested_at, result, notes, recorded_by, recorder, recorded_at
		from control_tests where control_id = $1 and org_id = $2 order by tested_at desc, id desc`, id, orgID)
	if err != nil {
		return Detail{}, err
	}
	if d.Tests, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Test, error) {
		var t Test
		err := row.Scan(&t.ID, &t.TestedAt, &t.Result, &t.Notes, &t.RecordedBy.ID, &t.RecordedBy.Name, &t.RecordedAt)
		return t, err
	}); err != nil {
		return Detail{}, err
	}
	rows, err = r.pool.Query(ctx, `select effectiveness, previous, notes, test_id, changed_by, changer, changed_at
		from control_effectiveness where control_id = $1 and org_id = $2 order by position desc`, id, orgID)
	if err != nil {
		return Detail{}, err
	}
	if d.EffectivenessHistory, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Change, error) {
		var x Change
		err := row.Scan(&x.Effectiveness, &x.Previous, &x.Notes, &x.TestID, &x.ChangedBy.ID, &x.ChangedBy.Name, &x.ChangedAt)
		return x, err
	}); err != nil {
		return Detail{}, err
	}
	return r.related(ctx, orgID, d)
}

// related fills in the risks and requirements a control is linked with, which other
// streams and tables describe.
func (r *Reader) related(ctx context.Context, orgID int64, d Detail) (Detail, error) {
	rows, err := r.pool.Query(ctx, `select r.id, r.title, r.status, r.rating, r.inherent_score
		from risk_controls rc join risks r on r.id = rc.risk_id
		where rc.control_id = $1 and rc.org_id = $2 and r.org_id = $2 and r.deleted_at is null order by r.id`, d.ID, orgID)
	if err != nil {
		return Detail{}, err
	}
	if d.Risks, err = pgx.CollectRows(rows, pgx.RowToStructByPos[RiskRef]); err != nil {
		return Detail{}, err
	}
	rows, err = r.pool.Query(ctx, `select q.id, q.framework_id, f.name, q.code, q.title
		from requirements q join frameworks f on f.id = q.framework_id
		where q.id = any($1) and q.org_id = $2 order by f.name, q.code collate natural_order`, d.RequirementIDs, orgID)
	if err != nil {
		return Detail{}, err
	}
	if d.Requirements, err = pgx.CollectRows(rows, pgx.RowToStructByPos[RequirementRef]); err != nil {
		return Detail{}, err
	}
	return fill(d), nil
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
// controls stay listed, marked by their status.
func (r *Reader) ForRisk(ctx context.Context, orgID, riskID int64) ([]Ref, error) {
	rows, err := r.pool.Query(ctx, `select c.id, c.code, c.title, c.status, c.effectiveness
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
// its own and are listed.
func (r *Reader) AsOf(ctx context.Context, orgID, id int64, at time.Time) (Detail, error) {
	d, err := r.replay(ctx, orgID, id, events.ReadOptions{AsOf: at})
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
	d, err := r.replay(ctx, orgID, id, events.ReadOptions{})
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

const liveRiskIDs = `select array(select rc.risk_id from risk_controls rc join risks r on r.id = rc.risk_id
	where rc.control_id = $1 and rc.org_id = $2 and r.org_id = $2 and r.deleted_at is null order by rc.risk_id)`

func (r *Reader) replay(ctx context.Context, orgID, id int64, opts events.ReadOptions) (Detail, error) {
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
	for _, e := range evs {
		p, err := r.controls.Registry.Decode(e)
		if err != nil {
			return Detail{}, err
		}
		actor := queries.Actor{ID: e.Metadata.ActorID, Name: e.Metadata.ActorName}
		switch x := p.(type) {
		case ev.ControlTestRecorded:
			d.Tests = append(d.Tests, Test{ID: x.TestID, TestedAt: x.TestedAt, Result: x.Result, Notes: x.Notes,
				RecordedBy: actor, RecordedAt: e.RecordedAt})
		case ev.ControlEffectivenessUpdated:
			d.EffectivenessHistory = append(d.EffectivenessHistory, Change{Effectiveness: x.Effectiveness, Previous: x.Previous,
				Notes: x.Notes, TestID: x.TestID, ChangedBy: actor, ChangedAt: e.RecordedAt})
		}
	}
	slices.SortStableFunc(d.Tests, func(a, b Test) int {
		if c := b.TestedAt.Compare(a.TestedAt); c != 0 {
			return c
		}
		return cmpInt(b.ID, a.ID)
	})
	slices.Reverse(d.EffectivenessHistory)
	rows, err := r.pool.Query(ctx, `select q.id, q.framework_id, f.name, q.code, q.title
		from requirements q join frameworks f on f.id = q.framework_id
		where q.id = any($1) and q.org_id = $2 order by f.name, q.code collate natural_order`, d.RequirementIDs, orgID)
	if err != nil {
		return Detail{}, err
	}
	if d.Requirements, err = pgx.CollectRows(rows, pgx.RowToStructByPos[RequirementRef]); err != nil {
		return Detail{}, err
	}
	return fill(d), nil
}

// History is a control's audit trail.
func (r *Reader) History(ctx context.Context, orgID, id int64) ([]queries.Entry, error) {
	evs, err := r.controls.Store.ReadStream(ctx, r.controls.Name(id), events.ReadOptions{})
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 || evs[0].Metadata.OrgID != orgID {
		return nil, errNotFound
	}
	views := make([]queries.Flat, len(evs))
	var state cmd.Control
	tests := queries.Flat{}
	for i, e := range evs {
		p, err := r.controls.Registry.Decode(e)
		if err != nil {
			return nil, err
		}
		state = r.controls.Evolve(state, p, e)
		if t, ok := p.(ev.ControlTestRecorded); ok {
			// A test is a new fact, not a field change: it appears under tests.<id>.
			prefix := "tests." + strconv.FormatInt(t.TestID, 10) + "."
			queries.Flatten(tests, prefix, struct {
				TestedAt time.Time `json:"tested_at"`
				Result   string    `json:"result"`
				Notes    string    `json:"notes"`
			}{t.TestedAt, t.Result, t.Notes})
		}
		views[i] = flattenControl(state, tests)
	}
	return queries.History(evs, views), nil
}

func flattenControl(s cmd.Control, tests queries.Flat) queries.Flat {
	f := queries.Flat{}
	queries.Flatten(f, "", s.Fields)
	f["status"], _ = json.Marshal(s.Status)
	f["effectiveness"], _ = json.Marshal(s.Effectiveness)
	f["last_tested_at"], _ = json.Marshal(s.LastTestedAt)
	reqs := make([]int64, 0, len(s.Requirements))
	for id := range s.Requirements {
		reqs = append(reqs, id)
	}
	slices.Sort(reqs)
	f["requirement_ids"], _ = json.Marshal(reqs)
	for k, v := range tests {
		f[k] = v
	}
	return f
}
