// Package risks answers Risk Management queries: lists and details from the read
// models, and as-of views and history replayed from each risk's stream.
package risks

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	prisks "github.com/strata-grc/strata/projections/risks"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/risks"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/queries"
	qcontrols "github.com/strata-grc/strata/queries/controls"
)

// Projection is the read model these queries read: the projector's own name, for read-your-writes waits.
const Projection = prisks.Name

// Risk is a risk as clients see it.
type Risk struct {
	ID                 int64     `json:"id"`
	Title              string    `json:"title"`
	Description        string    `json:"description"`
	Category           string    `json:"category"`
	Status             string    `json:"status"`
	Likelihood         int       `json:"likelihood"`
	Impact             int       `json:"impact"`
	InherentScore      int       `json:"inherent_score"`
	Rating             string    `json:"rating"`
	ResidualLikelihood *int      `json:"residual_likelihood"`
	ResidualImpact     *int      `json:"residual_impact"`
	ResidualScore      *int      `json:"residual_score"`
	OwnerID            *int64    `json:"owner_id"`
	ReviewDate         *string   `json:"review_date"`
	ControlIDs         []int64   `json:"control_ids"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Version            int64     `json:"version"`
	// The detail's lists; absent from list items.
	Responses []Response      `json:"responses,omitzero"`
	Controls  []qcontrols.Ref `json:"controls,omitzero"`
}

// Response is a planned treatment.
type Response struct {
	ID          int64      `json:"id"`
	RiskID      int64      `json:"risk_id"`
	Type        string     `json:"type"`
	Description string     `json:"description"`
	OwnerID     *int64     `json:"owner_id"`
	DueDate     *string    `json:"due_date"`
	Status      string     `json:"status"`
	CompletedAt *time.Time `json:"completed_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Rating is the band of an inherent score, as docs/api.md defines it.
func Rating(score int) string {
	switch {
	case score >= 20:
		return "Critical"
	case score >= 10:
		return "High"
	case score >= 5:
		return "Medium"
	}
	return "Low"
}

// Ratings lists the bands, lowest first.
var Ratings = []string{"Low", "Medium", "High", "Critical"}

// Sorts a list accepts; "" is by id.
var Sorts = []string{"score", "-score", "updated_at", "-updated_at"}

// Filter narrows a list. Zero values do not filter.
type Filter struct {
	Category string
	// Status and Rating take one value or several separated by commas.
	Status string
	Rating string
	// Open keeps the risks neither Accepted nor Closed, or with false those that are.
	Open    *bool
	OwnerID int64
	// Likelihood and Impact pick one cell of the heat map.
	Likelihood int
	Impact     int
	Q          string
	Sort       string
	Limit      int
	Cursor     string
}

// Controls describes the controls a risk maps, from the control library's read model.
type Controls interface {
	// ForRisk lists a risk's controls, read through q (the detail's snapshot).
	ForRisk(ctx context.Context, q queries.Querier, orgID, riskID int64) ([]qcontrols.Ref, error)
	// Refs describes the controls ids name, for a risk replayed as of an instant.
	Refs(ctx context.Context, orgID int64, ids []int64) ([]qcontrols.Ref, error)
}

// Reader answers risk queries.
type Reader struct {
	pool     *pgxpool.Pool
	streams  *commands.Streams[cmd.Risk]
	controls Controls
}

// NewReader reads the read models in pool and replays streams for history; controls
// describes the controls a risk's detail lists, and is required.
func NewReader(pool *pgxpool.Pool, streams *commands.Streams[cmd.Risk], controls Controls) (*Reader, error) {
	if pool == nil || streams == nil || controls == nil {
		return nil, errors.New("risks: reader needs a pool, the risk streams and the control library's read side")
	}
	return &Reader{pool: pool, streams: streams, controls: controls}, nil
}

const columns = `id, title, description, category, status, likelihood, impact, inherent_score, rating,
	residual_likelihood, residual_impact, residual_score, owner_id, review_date::text, control_ids,
	created_at, updated_at, version`

func scanRisk(row pgx.CollectableRow) (Risk, error) {
	var r Risk
	err := row.Scan(&r.ID, &r.Title, &r.Description, &r.Category, &r.Status, &r.Likelihood, &r.Impact,
		&r.InherentScore, &r.Rating, &r.ResidualLikelihood, &r.ResidualImpact, &r.ResidualScore, &r.OwnerID,
		&r.ReviewDate, &r.ControlIDs, &r.CreatedAt, &r.UpdatedAt, &r.Version)
	return r, err
}

var sortSpecs = map[string]queries.Keyset{
	"": {}, "score": {Column: "inherent_score"}, "-score": {Column: "inherent_score", Desc: true},
	"updated_at": {Column: "updated_at"}, "-updated_at": {Column: "updated_at", Desc: true},
}

// Validate checks a filter's values, so an unknown value is an error, not an empty list.
func (f *Filter) Validate() error {
	errs := strata.FieldErrors{}
	queries.AnyOf(errs, "status", f.Status, cmd.Statuses)
	queries.AnyOf(errs, "rating", f.Rating, Ratings)
	if _, ok := sortSpecs[f.Sort]; !ok {
		errs.Add("sort", "must be one of "+strings.Join(Sorts, ", "))
	}
	queries.IDFilter(errs, "owner_id", f.OwnerID)
	scale(errs, "likelihood", f.Likelihood)
	scale(errs, "impact", f.Impact)
	text.Check(errs, "q", f.Q, text.Search)
	text.Check(errs, "category", f.Category, text.Category)
	queries.Limit(errs, &f.Limit)
	return errs.Err()
}

// List returns one page of an organization's live risks.
func (r *Reader) List(ctx context.Context, orgID int64, f Filter) (queries.Page[Risk], error) {
	if err := f.Validate(); err != nil {
		return queries.Page[Risk]{}, err
	}
	w := queries.NewWhere("org_id = $1 and deleted_at is null", orgID)
	if f.Category != "" {
		w.Add("category = ?", f.Category)
	}
	w.In("status", f.Status)
	w.In("rating", f.Rating)
	if f.Open != nil {
		w.Add("(status in ('Accepted', 'Closed')) <> ?", *f.Open)
	}
	if f.OwnerID > 0 {
		w.Add("owner_id = ?", f.OwnerID)
	}
	if f.Likelihood > 0 {
		w.Add("likelihood = ?", f.Likelihood)
	}
	if f.Impact > 0 {
		w.Add("impact = ?", f.Impact)
	}
	if f.Q != "" {
		w.Add(`(title || ' ' || description) ilike ?`, queries.LikePattern(f.Q))
	}

	spec := sortSpecs[f.Sort]
	return queries.Listing[Risk]{
		Table: "risks", Columns: columns, Where: w, Order: spec, Sort: f.Sort, Limit: f.Limit, Cursor: f.Cursor,
		Scan: scanRisk,
		Key: func(r Risk) (int64, any) {
			switch spec.Column {
			case "inherent_score":
				return r.ID, r.InherentScore
			case "updated_at":
				return r.ID, r.UpdatedAt
			}
			return r.ID, nil
		},
		DecodeKey: func(raw json.RawMessage) (any, error) {
			if spec.Column == "inherent_score" {
				return queries.CursorKey[int](raw)
			}
			return queries.CursorKey[time.Time](raw)
		},
	}.Page(ctx, r.pool)
}

// scale checks an optional 1-5 filter (0 means no filter).
func scale(errs strata.FieldErrors, name string, v int) {
	if v < 0 || v > 5 {
		errs.Add(name, "must be an integer from 1 to 5")
	}
}

var errNotFound = strata.Errorf(strata.NotFound, "risk not found")

// Get returns a live risk of the organization with its responses and controls, read
// in one snapshot so the version (the ETag) and the lists describe the same moment.
// A risk has at most a few hundred responses and controls (the aggregate's limits),
// so both lists are embedded whole.
func (r *Reader) Get(ctx context.Context, orgID, id int64) (Risk, error) {
	var risk Risk
	err := queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select `+columns+` from risks where id = $1 and org_id = $2 and deleted_at is null`, id, orgID)
		if err != nil {
			return err
		}
		risk, err = pgx.CollectExactlyOneRow(rows, scanRisk)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `select id, risk_id, type, description, owner_id, due_date::text, status,
			completed_at, created_at, updated_at from risk_responses where risk_id = $1 and org_id = $2 order by id`, id, orgID)
		if err != nil {
			return err
		}
		risk.Responses, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Response, error) {
			var x Response
			err := row.Scan(&x.ID, &x.RiskID, &x.Type, &x.Description, &x.OwnerID, &x.DueDate, &x.Status,
				&x.CompletedAt, &x.CreatedAt, &x.UpdatedAt)
			return x, err
		})
		if err != nil {
			return err
		}
		if risk.Responses == nil {
			risk.Responses = []Response{}
		}
		risk.Controls, err = r.controls.ForRisk(ctx, tx, orgID, id)
		return err
	})
	if err != nil {
		return Risk{}, err
	}
	return risk, nil
}

// AsOf replays a risk's stream up to an instant and returns it as it stood then.
func (r *Reader) AsOf(ctx context.Context, orgID, id int64, at time.Time) (Risk, error) {
	risk, err := r.replay(ctx, orgID, id, events.ReadOptions{AsOf: at})
	if strata.ErrorCode(err) == strata.NotFound {
		return Risk{}, strata.Errorf(strata.NotFound, "risk not found as of %s", at.UTC().Format(time.RFC3339))
	}
	return risk, err
}

// Created is the risk a creation just made, built from the event it appended, so
// the answer needs no read; ok is false when res is not a risk's creation.
func Created(res commands.Result) (Risk, bool) {
	if res.Version != 1 || len(res.Appended) != 1 {
		return Risk{}, false
	}
	e, ok := res.Appended[0].(ev.RiskCreated)
	if !ok {
		return Risk{}, false
	}
	var s cmd.Risk
	s = cmd.Evolve(s, e, events.Event{})
	at := res.RecordedAt
	r := fromState(s, 1, at, at, nil)
	r.Controls = []qcontrols.Ref{}
	return r, true
}

// Current replays a risk's whole stream: what a write just made, without waiting for
// the projection. Its controls are described from the control library's read model.
func (r *Reader) Current(ctx context.Context, orgID, id int64) (Risk, error) {
	risk, err := r.replay(ctx, orgID, id, events.ReadOptions{})
	if err != nil {
		return Risk{}, err
	}
	risk.Controls, err = r.controls.Refs(ctx, orgID, risk.ControlIDs)
	return risk, err
}

func (r *Reader) replay(ctx context.Context, orgID, id int64, opts events.ReadOptions) (Risk, error) {
	agg, evs, err := r.streams.Load(ctx, id, opts)
	if err != nil {
		return Risk{}, err
	}
	if agg.Version == 0 || agg.OrgID != orgID || agg.State.Deleted {
		return Risk{}, errNotFound
	}
	return fromState(agg.State, agg.Version, agg.CreatedAt, agg.UpdatedAt, responseTimes(evs)), nil
}

type responseTime struct{ created, updated, completed time.Time }

// responseTimes recovers when each response was added, last changed and completed,
// which the aggregate does not need and so does not keep.
func responseTimes(evs []events.Event) map[int64]responseTime {
	out := map[int64]responseTime{}
	for _, e := range evs {
		if e.Type != "RiskResponseAdded" && e.Type != "RiskResponseUpdated" {
			continue
		}
		var x struct {
			ResponseID  int64           `json:"response_id"`
			CompletedAt *time.Time      `json:"completed_at"`
			Set         json.RawMessage `json:"set"`
		}
		if json.Unmarshal(e.Data, &x) != nil {
			continue
		}
		t := out[x.ResponseID]
		if t.created.IsZero() {
			t.created = e.RecordedAt
		}
		t.updated = e.RecordedAt
		if x.CompletedAt != nil {
			t.completed = *x.CompletedAt
		}
		out[x.ResponseID] = t
	}
	return out
}

func fromState(s cmd.Risk, version int64, created, updated time.Time, times map[int64]responseTime) Risk {
	out := Risk{
		ID: s.ID, Title: s.Title, Description: s.Description, Category: s.Category, Status: s.Status,
		Likelihood: s.Likelihood, Impact: s.Impact, InherentScore: s.Likelihood * s.Impact,
		Rating: Rating(s.Likelihood * s.Impact), ResidualLikelihood: s.ResidualLikelihood,
		ResidualImpact: s.ResidualImpact, OwnerID: s.OwnerID, ReviewDate: s.ReviewDate,
		ControlIDs: slices.Clone(s.Controls), CreatedAt: created, UpdatedAt: updated, Version: version,
		Responses: []Response{},
	}
	if out.ControlIDs == nil {
		out.ControlIDs = []int64{}
	}
	if s.ResidualLikelihood != nil && s.ResidualImpact != nil {
		v := *s.ResidualLikelihood * *s.ResidualImpact
		out.ResidualScore = &v
	}
	ids := make([]int64, 0, len(s.Responses))
	for id := range s.Responses {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		x := s.Responses[id]
		t := times[id]
		resp := Response{ID: id, RiskID: s.ID, Type: x.Type, Description: x.Description,
			OwnerID: x.OwnerID, DueDate: x.DueDate, Status: x.Status, CreatedAt: t.created, UpdatedAt: t.updated}
		if x.Status == "done" && !t.completed.IsZero() {
			resp.CompletedAt = &t.completed
		}
		out.Responses = append(out.Responses, resp)
	}
	return out
}

// History is one page of a risk's audit trail, newest first, deleted risks included.
func (r *Reader) History(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[queries.Entry], error) {
	return queries.Trail[cmd.Risk]{
		Store: r.streams.Store, Registry: r.streams.Registry, Evolve: r.streams.Evolve,
		Changes: changes, NotFound: errNotFound,
	}.Page(ctx, r.streams.Name(id), orgID, limit, cursor)
}

// changes lists what one event of a risk's stream changed, with the score and rating
// it moved. A response's fields appear under responses.<id>.; a control mapping
// under controls.<id>, as mapped or no longer.
func changes(before cmd.Risk, p events.Payload) []queries.Change {
	switch e := p.(type) {
	case ev.RiskCreated:
		return append(queries.Created("", e.Fields), scoreChanges(ev.Fields{}, e.Fields, true)...)
	case ev.RiskUpdated:
		after := cmd.Evolve(before, e, events.Event{})
		return append(queries.Patched("", e.Set, e.Previous), scoreChanges(before.Fields, after.Fields, false)...)
	case ev.RiskDeleted:
		out := []queries.Change{queries.Field("deleted", false, true)}
		if e.Reason != "" {
			out = append(out, queries.Field("deleted_reason", nil, e.Reason))
		}
		return out
	case ev.RiskResponseAdded:
		out := queries.Created(responsePrefix(e.ResponseID), e.Response)
		if e.CompletedAt != nil {
			out = append(out, queries.Field(responsePrefix(e.ResponseID)+"completed_at", nil, *e.CompletedAt))
		}
		return out
	case ev.RiskResponseUpdated:
		out := queries.Patched(responsePrefix(e.ResponseID), e.Set, e.Previous)
		if e.CompletedAt != nil {
			out = append(out, queries.Field(responsePrefix(e.ResponseID)+"completed_at", nil, *e.CompletedAt))
		}
		return out
	case ev.RiskControlMapped:
		return []queries.Change{queries.Field(controlField(e.ControlID), nil, mapped)}
	case ev.RiskControlUnmapped:
		return []queries.Change{queries.Field(controlField(e.ControlID), mapped, nil)}
	}
	return nil
}

// scoreChanges lists the inherent score and rating an event moved; created says
// there was no risk before.
func scoreChanges(before, after ev.Fields, created bool) []queries.Change {
	was, is := before.Likelihood*before.Impact, after.Likelihood*after.Impact
	var out []queries.Change
	switch {
	case created:
		out = append(out, queries.Field("inherent_score", nil, is), queries.Field("rating", nil, Rating(is)))
	case was != is:
		out = append(out, queries.Field("inherent_score", was, is))
		if Rating(was) != Rating(is) {
			out = append(out, queries.Field("rating", Rating(was), Rating(is)))
		}
	}
	return out
}

// mapped is the value of a mapping in the history: present, or absent (null).
const mapped = "mapped"

func responsePrefix(id int64) string { return "responses." + strconv.FormatInt(id, 10) + "." }

func controlField(id int64) string { return "controls." + strconv.FormatInt(id, 10) }
