// Package trail answers the organization-wide audit trail: every event of the
// caller's organization, newest first, filtered and paged, or all of it for export.
package trail

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	ptrail "github.com/strata-grc/strata/projections/trail"
	"github.com/strata-grc/strata/queries"
)

// Projection is the read model these queries read.
const Projection = ptrail.Name

// Row is one event of the trail.
type Row struct {
	// Position is the event's number in its organization's own sequence (1 for the
	// organization's first event), never its place in the shared log.
	Position   int64           `json:"position"`
	EventID    string          `json:"event_id"`
	At         time.Time       `json:"at"`
	Type       string          `json:"type"`
	EntityType string          `json:"entity_type"`
	EntityID   int64           `json:"entity_id"`
	ActorID    int64           `json:"actor_id"`
	ActorName  string          `json:"actor_name"`
	IP         string          `json:"ip"`
	UserAgent  string          `json:"user_agent"`
	RequestID  string          `json:"request_id"`
	Changes    json.RawMessage `json:"changes"`
	Comment    string          `json:"comment"`
}

// Filter narrows the trail. Zero values filter nothing.
type Filter struct {
	EntityType string
	EntityID   int64
	ActorID    int64
	EventType  string
	From, To   *time.Time
	Q          string
	Limit      int
	Cursor     string
}

// Viewer is who reads: rows about records the caller may not know of are left out.
type Viewer struct {
	UserID int64
	Admin  bool
}

// Reader answers trail queries.
type Reader struct {
	pool       *pgxpool.Pool
	reg        *events.Registry
	entities   []string
	restricted []ptrail.Restriction
}

// NewReader reads the trail in pool; reg knows the event types and parts are the
// core's and the modules' descriptions (their entity types and restrictions).
func NewReader(pool *pgxpool.Pool, reg *events.Registry, parts ...ptrail.Part) *Reader {
	r := &Reader{pool: pool, reg: reg, entities: ptrail.EntityTypes(parts...)}
	for _, p := range parts {
		r.restricted = append(r.restricted, p.Restricted...)
	}
	return r
}

// sortName names trail cursors: newest first, by position.
const sortName = "-position"

// ParseFilter reads a filter from query parameters. Unknown entity or event types,
// times that are not RFC 3339 and a from after to are refused, naming the parameter.
func (r *Reader) ParseFilter(q url.Values) (Filter, error) {
	errs := strata.FieldErrors{}
	f := Filter{EntityType: q.Get("entity_type"), EventType: q.Get("event_type"), Q: strings.TrimSpace(q.Get("q")),
		Cursor: q.Get("cursor")}
	queries.OneOf(errs, "entity_type", f.EntityType, r.entities)
	if f.EventType != "" && (!text.Storable(f.EventType) || !r.reg.Known(f.EventType)) {
		errs.Add("event_type", "must be the name of an event type, such as RiskCreated")
	}
	text.Check(errs, "q", f.Q, text.Search)
	for _, p := range []struct {
		name string
		into *int64
	}{{"entity_id", &f.EntityID}, {"actor_id", &f.ActorID}} {
		if raw := q.Get(p.name); raw != "" {
			v, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || v <= 0 {
				errs.Add(p.name, "must be a positive integer")
				continue
			}
			*p.into = v
		}
	}
	for _, p := range []struct {
		name string
		into **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if raw := q.Get(p.name); raw != "" {
			at, err := time.Parse(time.RFC3339Nano, raw)
			if err != nil {
				errs.Add(p.name, "must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z")
				continue
			}
			*p.into = &at
		}
	}
	if f.From != nil && f.To != nil && f.From.After(*f.To) {
		errs.Add("from", "must not be after to")
	}
	if raw := q.Get("limit"); raw != "" {
		v, err := strconv.Atoi(raw)
		if err != nil || v == 0 {
			errs.Add("limit", "must be from 1 to 500")
		} else {
			f.Limit = v
		}
	}
	queries.Limit(errs, &f.Limit)
	return f, errs.Err()
}

// Params is the filter as its query parameters, for the record an export leaves.
func (f Filter) Params() map[string]string {
	out := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			out[k] = v
		}
	}
	set("entity_type", f.EntityType)
	set("event_type", f.EventType)
	set("q", f.Q)
	if f.EntityID > 0 {
		set("entity_id", strconv.FormatInt(f.EntityID, 10))
	}
	if f.ActorID > 0 {
		set("actor_id", strconv.FormatInt(f.ActorID, 10))
	}
	if f.From != nil {
		set("from", f.From.UTC().Format(time.RFC3339Nano))
	}
	if f.To != nil {
		set("to", f.To.UTC().Format(time.RFC3339Nano))
	}
	return out
}

// columns read a row; the actor's name is the member's name now, or the name the
// event recorded when the account is gone from the identity read model.
const columns = `t.position, t.event_id::text, t.at, t.type, t.entity_type, t.entity_id, t.actor_id,
	coalesce(u.name, t.actor_name), t.ip, t.user_agent, t.request_id, t.changes, t.comment`

const from = `trail t left join users u on u.id = t.actor_id`

func scan(row pgx.CollectableRow) (Row, error) {
	var x Row
	err := row.Scan(&x.Position, &x.EventID, &x.At, &x.Type, &x.EntityType, &x.EntityID, &x.ActorID, &x.ActorName,
		&x.IP, &x.UserAgent, &x.RequestID, &x.Changes, &x.Comment)
	x.At = x.At.UTC()
	return x, err
}

// where is a query's conditions with their numbered arguments.
type where struct {
	conds []string
	args  []any
	// text says that q is among the conditions.
	text bool
}

// arg numbers an argument.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

func (w *where) sql() string { return strings.Join(w.conds, " and ") }

// where is the filter in SQL, the organization and the caller's visibility first.
// scanned says that the rows will be read one by one rather than found through the
// text index: q then compares the search column itself, which costs less per row
// than turning each row's text the way the index holds it.
func (r *Reader) where(orgID int64, v Viewer, f Filter, named []int64, scanned bool) *where {
	w := &where{}
	org := w.arg(orgID)
	w.add("t.org_id = " + org)
	if !v.Admin {
		for _, x := range r.restricted {
			visible := strings.NewReplacer("{id}", "t.entity_id", "{admin}", "false", "{user}", w.arg(v.UserID)).Replace(x.Visible)
			w.add("(t.entity_type <> " + w.arg(x.EntityType) + " or " + visible + ")")
		}
	}
	if f.EntityType != "" {
		w.add("t.entity_type = " + w.arg(f.EntityType))
	}
	if f.EntityID > 0 {
		w.add("t.entity_id = " + w.arg(f.EntityID))
	}
	if f.ActorID > 0 {
		w.add("t.actor_id = " + w.arg(f.ActorID))
	}
	if f.EventType != "" {
		w.add("t.type = " + w.arg(f.EventType))
	}
	if f.From != nil {
		w.add("t.at >= " + w.arg(*f.From))
	}
	if f.To != nil {
		w.add("t.at <= " + w.arg(*f.To))
	}
	if f.Q != "" {
		w.text = true
		// The search column is lower-cased and holds the actor's name when acting; the
		// members named so now (someone renamed since) come as a list of ids, so the
		// planner can combine the text index with the actor index instead of testing
		// every row of the organization against a subquery.
		var cond string
		if scanned {
			cond = "t.search like " + w.arg(queries.LikePattern(strings.ToLower(f.Q)))
		} else {
			cond = searchExpr + " like " + w.arg(searchPattern(f.Q))
		}
		if len(named) > 0 {
			cond = "(" + cond + " or t.actor_id = any(" + w.arg(named) + "::bigint[]))"
		}
		w.add(cond)
	}
	return w
}

// searchExpr is what q is matched against: the search column with its spaces turned
// into 'Q', as the trail_words index (schema/migrations/014_trail_search.sql) holds it,
// so that pg_trgm sees a phrase as one word and its trigrams cross the words. The
// column is lower-cased and never holds a 'Q', so matching searchPattern(q) here is
// exactly matching q's pattern against the column itself.
const searchExpr = "replace(t.search, ' ', 'Q')"

// searchPattern is q as a LIKE pattern over searchExpr.
func searchPattern(q string) string {
	return strings.ReplaceAll(queries.LikePattern(strings.ToLower(q)), " ", "Q")
}

// named returns the ids of the organization's members whose current name contains q.
func (r *Reader) named(ctx context.Context, q queries.Querier, orgID int64, text string) ([]int64, error) {
	if text == "" {
		return nil, nil
	}
	rows, err := q.Query(ctx, `select m.user_id from memberships m join users u on u.id = m.user_id
		where m.org_id = $1 and lower(u.name) like $2`, orgID, queries.LikePattern(strings.ToLower(text)))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// filter is where for a request, and the members q names, which are looked up first.
func (r *Reader) filter(ctx context.Context, q queries.Querier, orgID int64, v Viewer, f Filter) (*where, []int64, error) {
	named, err := r.named(ctx, q, orgID, f.Q)
	if err != nil {
		return nil, nil, err
	}
	return r.where(orgID, v, f, named, false), named, nil
}

// CountCap is where a first page stops counting the rows that match: beyond it the
// page says "at least CountCap". An organization's trail grows without end, and an
// exact count of a broad filter over a million events costs a hundred times the page
// it would describe; nobody pages through ten thousand rows, they narrow the filter
// or export.
const CountCap = 10_000

// Page reads one page of the trail, newest first. The first page counts the rows
// that match, up to CountCap; later pages carry that count in their cursor. The page
// and its count read one snapshot, so the count describes the rows shown.
func (r *Reader) Page(ctx context.Context, orgID int64, v Viewer, f Filter) (queries.Page[Row], error) {
	cur, err := queries.DecodeCursor(f.Cursor, sortName)
	if err != nil {
		return queries.Page[Row]{}, err
	}
	var total queries.Count
	if cur != nil {
		total = queries.Count{N: cur.Total, Capped: cur.Capped}
	}
	var page []Row
	err = queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		w, named, err := r.filter(ctx, tx, orgID, v, f)
		if err != nil {
			return err
		}
		if page, err = r.read(ctx, tx, w, cur, f.Limit); err != nil {
			return err
		}
		if cur != nil {
			return nil
		}
		if len(page) <= f.Limit {
			total.N = int64(len(page))
		} else {
			if dense(page) {
				// Every plan left stops at the cap: walking newest first, or reading the
				// table in order.
				if _, err := tx.Exec(ctx, `set local enable_bitmapscan = off`); err != nil {
					return err
				}
				w = r.where(orgID, v, f, named, true)
			}
			if err := tx.QueryRow(ctx, `select count(*) from (select from trail t where `+w.sql()+
				` limit `+strconv.Itoa(CountCap+1)+`) matched`, w.params(w.args)...).Scan(&total.N); err != nil {
				return err
			}
		}
		if total.N > CountCap {
			total = queries.Count{N: CountCap, Capped: true}
		}
		return nil
	})
	if err != nil {
		return queries.Page[Row]{}, err
	}
	return queries.PageOfCount(page, total, f.Limit, sortName, func(x Row) (int64, any) { return x.Position, nil }), nil
}

// denseWalk is how many positions counting newest first may cross before a bitmap of
// every match is the cheaper way to count.
const denseWalk = 10 * CountCap

// dense tells, from a full first page (newest first, one row more than the page),
// whether the rows that match lie so close together that counting them newest first
// reaches the cap within denseWalk positions. The planner judges that from its
// estimate of how common the text is, which its statistics on a text column get wrong
// by several times either way; for a common word (one event in five) it built a
// bitmap of every match, intersected it with a bitmap of the organization's whole
// primary key (a million entries) and then counted ten thousand rows. The page has
// just measured the density.
func dense(page []Row) bool {
	span := page[0].Position - page[len(page)-1].Position + 1
	return span*(CountCap+1) <= int64(denseWalk)*int64(len(page))
}

// params are the arguments of a statement under w. With q, the statement is planned
// for these very values: a prepared statement switches to a plan made for any values
// after a few runs, which cannot know how common the text is; for q with an event
// type it collected and sorted every match of both indexes for each page, where the
// plan for the values walks the type's index newest first and stops at the page's
// end. The other filters compare with equality or a range, and keep their prepared
// statements and the planning they save.
func (w *where) params(args []any) []any {
	if !w.text {
		return args
	}
	return append([]any{pgx.QueryExecModeDescribeExec}, args...)
}

// read reads up to limit+1 rows after the cursor.
func (r *Reader) read(ctx context.Context, q queries.Querier, w *where, cur *queries.Cursor, limit int) ([]Row, error) {
	conds := w.sql()
	args := w.args
	if cur != nil {
		args = append(args[:len(args):len(args)], cur.ID)
		conds += " and t.position < $" + strconv.Itoa(len(args))
	}
	args = append(args[:len(args):len(args)], limit+1)
	rows, err := q.Query(ctx, `select `+columns+` from `+from+` where `+conds+
		` order by t.position desc limit $`+strconv.Itoa(len(args)), w.params(args)...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scan)
}

// exportChunk is how many rows an export reads at a time.
const exportChunk = 1000

// Each hands every row the filter matches to each, newest first, a chunk at a time,
// so an export of any size holds one chunk; flush is called after each chunk. It
// returns how many rows it handed.
// Rows are read by position below the newest one that matched when the export began,
// so events written meanwhile do not join it.
func (r *Reader) Each(ctx context.Context, orgID int64, v Viewer, f Filter, each func(Row) error, flush func() error) (int64, error) {
	w, _, err := r.filter(ctx, r.pool, orgID, v, f)
	if err != nil {
		return 0, err
	}
	var cur *queries.Cursor
	var n int64
	for {
		rows, err := r.read(ctx, r.pool, w, cur, exportChunk-1)
		if err != nil {
			return n, err
		}
		for _, x := range rows {
			if err := each(x); err != nil {
				return n, err
			}
			n++
		}
		if err := flush(); err != nil {
			return n, err
		}
		if len(rows) < exportChunk {
			return n, nil
		}
		cur = &queries.Cursor{ID: rows[len(rows)-1].Position}
	}
}
