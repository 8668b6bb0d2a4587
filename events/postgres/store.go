// Package postgres is the default event store: the events table in the same
// PostgreSQL database as the read models.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/schema"
)

// Store implements events.Store on PostgreSQL.
type Store struct {
	pool   *pgxpool.Pool
	groups groups
	// OnAppend, when set, is called after every append that wrote events. It runs on
	// the appending goroutine and must not block.
	OnAppend func(events.AppendResult, int)

	wake *Wakeup

	notifyMu sync.Mutex
	pending  chan struct{} // set by StartNotifying
}

// New returns a store over pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, wake: newWakeup()}
}

// importSQL writes a batch of another log's events in their order, keeping their
// stream versions, ids, metadata and recording times, in one statement: all or
// nothing. It writes nothing unless each stream's first event in the batch follows the
// stream's last version here; the batch itself holds each stream's versions in order.
const importSQL = `
with input as (
    select * from unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[], $8::timestamptz[])
        with ordinality as t(id, stream, version, type, sv, data, meta, at, ord)
), fits as (
    select bool_and(coalesce((select max(e.stream_version) from events e where e.stream_id = f.stream), 0) + 1 = f.first) as ok
    from (select stream, min(version) as first from input group by stream) f
)
insert into events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at)
select i.id, i.stream, i.version, i.type, i.sv, i.data, i.meta, i.at
from input i, fits where fits.ok
order by i.ord`

// Import writes events copied from another log, in the order given, in one statement.
// It reports false, having written nothing, when a stream's first event in the batch
// does not follow that stream's last version here or an event id is already stored
// (an earlier copy got this far): the caller then appends run by run, which tells a
// retry from a divergence. A copy uses it to move a log at batch speed rather than one
// round trip per stream run.
func (s *Store) Import(ctx context.Context, evs []events.Event) (bool, error) {
	if len(evs) == 0 {
		return true, nil
	}
	n := len(evs)
	ids, streams, versions := make([]uuid.UUID, n), make([]string, n), make([]int64, n)
	types, svs, datas, metas, ats := make([]string, n), make([]int32, n), make([]string, n), make([]string, n), make([]time.Time, n)
	for i, e := range evs {
		if err := e.Metadata.Validate(); err != nil {
			return false, err
		}
		meta, err := json.Marshal(e.Metadata)
		if err != nil {
			return false, err
		}
		ids[i], streams[i], versions[i], types[i], svs[i] = e.ID, e.StreamID, e.StreamVersion, e.Type, int32(max(e.SchemaVersion, 1))
		datas[i], metas[i], ats[i] = string(e.Data), string(meta), e.RecordedAt
		if len(e.Data) == 0 {
			datas[i] = "{}"
		}
	}
	tag, err := s.pool.Exec(ctx, importSQL, ids, streams, versions, types, svs, datas, metas, ats)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	if tag.RowsAffected() != int64(n) {
		return false, fmt.Errorf("events: import wrote %d of %d events", tag.RowsAffected(), n)
	}
	if s.OnAppend != nil {
		s.OnAppend(events.AppendResult{}, n)
	}
	s.wake.Signal()
	s.announce()
	return true, nil
}

// Settle returns once ReadAll shows every event committed before the call. ReadAll
// trails the oldest transaction still running anywhere on the server, so a reader
// that must not take an empty read for the end of the log (a copy) waits here for the
// transactions begun before it to end.
func (s *Store) Settle(ctx context.Context) error {
	// A fresh transaction id is above every id handed out before the call, including
	// those of transactions still running. (A snapshot's xmax is no such bound: it is
	// one past the latest completed id, so a running transaction can stand at or above it.)
	var mark string
	if err := s.pool.QueryRow(ctx, `select pg_current_xact_id()::text`).Scan(&mark); err != nil {
		return fmt.Errorf("events: settle: %w", err)
	}
	for {
		var done bool
		err := s.pool.QueryRow(ctx, `select pg_snapshot_xmin(pg_current_snapshot()) >= $1::text::xid8`, mark).Scan(&done)
		if err != nil {
			return fmt.Errorf("events: settle: %w", err)
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond): // in-flight transactions usually end within milliseconds
		}
	}
}

// Head returns the highest global position in the log (0 when it is empty).
func (s *Store) Head(ctx context.Context) (int64, error) {
	var head int64
	err := schema.Conn(ctx, s.pool).QueryRow(ctx, `select coalesce(max(global_position), 0) from events`).Scan(&head)
	return head, err
}

// Wakeup is the channel-based signal subscribers wait on.
func (s *Store) Wakeup() *Wakeup { return s.wake }

// A single statement is its own transaction, so an append costs one round trip. The
// version check and the insert read the same snapshot; a concurrent appender that
// slips in between hits the unique (stream_id, stream_version) index instead.
const appendSQL = `
with cur as (
    -- One instant for the whole append: its events commit together, so no as-of read
    -- may fall between them.
    select coalesce(max(stream_version), 0) as v, clock_timestamp() as at from events where stream_id = $1
)
insert into events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at)
select e.id, $1, cur.v + e.ord, e.type, e.sv, e.data, $6::jsonb, coalesce(e.at, cur.at)
from cur, unnest($2::uuid[], $3::text[], $4::int[], $5::jsonb[], $8::timestamptz[]) with ordinality as e(id, type, sv, data, at, ord)
where $7::bigint is null or cur.v = $7
returning stream_version, global_position, transaction_id::text, recorded_at`

// Append implements events.Store.
func (s *Store) Append(ctx context.Context, streamID string, expected events.ExpectedVersion, meta events.Metadata, evs ...events.NewEvent) (events.AppendResult, error) {
	if err := meta.Validate(); err != nil {
		return events.AppendResult{}, err
	}
	if len(evs) == 0 {
		return events.AppendResult{}, errors.New("events: append needs at least one event")
	}
	if streamID == "" {
		return events.AppendResult{}, errors.New("events: append needs a stream id")
	}
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return events.AppendResult{}, err
	}
	ids := make([]uuid.UUID, len(evs))
	types := make([]string, len(evs))
	versions := make([]int32, len(evs))
	datas := make([]string, len(evs))
	recorded := make([]*time.Time, len(evs))
	for i, e := range evs {
		if !e.RecordedAt.IsZero() {
			recorded[i] = &evs[i].RecordedAt
		}
		if e.ID == uuid.Nil || e.Type == "" {
			return events.AppendResult{}, fmt.Errorf("events: event %d needs an id and a type", i)
		}
		ids[i], types[i], versions[i] = e.ID, e.Type, int32(max(e.SchemaVersion, 1))
		datas[i] = string(e.Data)
		if len(e.Data) == 0 {
			datas[i] = "{}"
		}
	}
	var want *int64
	if !expected.IsAny() {
		v := expected.Version()
		want = &v
	}
	// An append on a connection the caller holds (schema.WithConn) is written there,
	// never in a group.
	if schema.Conn(ctx, s.pool) == schema.Querier(s.pool) {
		p := &pending{stream: streamID, ids: ids, types: types, versions: versions, datas: datas, recorded: recorded,
			meta: metaJSON, want: want}
		g, waited, err := s.join(ctx, p)
		switch {
		case err != nil:
			return events.AppendResult{}, err
		case waited && !g.alone:
			return g.res, nil
		case !waited:
			defer s.release()
		}
	}
	for attempt := 0; ; attempt++ {
		res, err := s.insert(ctx, streamID, ids, types, versions, datas, recorded, metaJSON, want)
		if err == nil && res.ToVersion > 0 {
			if s.OnAppend != nil {
				s.OnAppend(res, len(evs))
			}
			s.wake.Signal()
			s.announce()
			return res, nil
		}
		var pgErr *pgconn.PgError
		if err != nil && !(errors.As(err, &pgErr) && pgErr.Code == "23505") {
			return events.AppendResult{}, err
		}
		// Nothing was written: either the version did not match or a unique index
		// refused. A retry of an append that already happened is not a conflict.
		if prior, ok, err := s.already(ctx, streamID, ids); err != nil {
			return events.AppendResult{}, err
		} else if ok {
			return prior, nil
		}
		if expected.IsAny() && attempt < 50 {
			// Another writer took the next version first; take the one after, backing
			// off a little so a crowd of writers on one stream spreads out.
			time.Sleep(time.Duration(rand.Int64N(int64(attempt+1) * int64(200*time.Microsecond))))
			continue
		}
		actual, err := s.version(ctx, streamID)
		if err != nil {
			return events.AppendResult{}, err
		}
		return events.AppendResult{}, &events.ConflictError{StreamID: streamID, Expected: expected, Actual: actual}
	}
}

func (s *Store) insert(ctx context.Context, streamID string, ids []uuid.UUID, types []string, versions []int32, datas []string,
	recorded []*time.Time, meta []byte, want *int64) (events.AppendResult, error) {
	rows, err := schema.Conn(ctx, s.pool).Query(ctx, appendSQL, streamID, ids, types, versions, datas, meta, want, recorded)
	if err != nil {
		return events.AppendResult{}, err
	}
	defer rows.Close()
	res := events.AppendResult{StreamID: streamID}
	for rows.Next() {
		var v, pos int64
		var xid string
		var at time.Time
		if err := rows.Scan(&v, &pos, &xid, &at); err != nil {
			return events.AppendResult{}, err
		}
		if err := addWritten(&res, v, pos, xid, at); err != nil {
			return events.AppendResult{}, err
		}
	}
	return res, rows.Err()
}

// addWritten folds one row an append returned into its result: the versions it
// spans, and the position and time of its last event.
func addWritten(res *events.AppendResult, v, pos int64, xid string, at time.Time) error {
	tx, err := parseXID(xid)
	if err != nil {
		return err
	}
	if res.FromVersion == 0 || v < res.FromVersion {
		res.FromVersion = v
	}
	if v >= res.ToVersion {
		res.ToVersion, res.RecordedAt = v, at
		res.Position = events.Position{TransactionID: tx, GlobalPosition: pos}
	}
	return nil
}

// already reports the original result when every id is in the stream, in order.
func (s *Store) already(ctx context.Context, streamID string, ids []uuid.UUID) (events.AppendResult, bool, error) {
	rows, err := schema.Conn(ctx, s.pool).Query(ctx, `
		select event_id, stream_id, stream_version, global_position, transaction_id::text, recorded_at
		from events where event_id = any($1) order by stream_version`, ids)
	if err != nil {
		return events.AppendResult{}, false, err
	}
	type hit struct {
		id      uuid.UUID
		stream  string
		version int64
		pos     int64
		xid     string
		at      time.Time
	}
	var hits []hit
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.id, &h.stream, &h.version, &h.pos, &h.xid, &h.at); err != nil {
			rows.Close()
			return events.AppendResult{}, false, err
		}
		hits = append(hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(hits) != len(ids) {
		return events.AppendResult{}, false, err
	}
	for i, h := range hits {
		if h.id != ids[i] || h.stream != streamID || (i > 0 && h.version != hits[i-1].version+1) {
			return events.AppendResult{}, false, nil
		}
	}
	last := hits[len(hits)-1]
	tx, err := parseXID(last.xid)
	if err != nil {
		return events.AppendResult{}, false, err
	}
	return events.AppendResult{
		StreamID: streamID, FromVersion: hits[0].version, ToVersion: last.version,
		Position:   events.Position{TransactionID: tx, GlobalPosition: last.pos},
		RecordedAt: last.at, Idempotent: true,
	}, true, nil
}

func (s *Store) version(ctx context.Context, streamID string) (int64, error) {
	var v int64
	err := schema.Conn(ctx, s.pool).QueryRow(ctx, `select coalesce(max(stream_version), 0) from events where stream_id = $1`, streamID).Scan(&v)
	return v, err
}

// eventColumns are what collect scans. The metadata comes as its fields rather than
// as JSON: every projection reads every event, and decoding the metadata's text in Go
// was 6% of the server's processor time during creates, while PostgreSQL takes a
// field out of jsonb without parsing anything (and no longer prints the whole
// document as text).
const eventColumns = `event_id, stream_id, stream_version, global_position, transaction_id::text,
	type, schema_version, data, coalesce(org_id, 0), coalesce((metadata->>'actor_id')::bigint, 0),
	coalesce(metadata->>'actor_name', ''), coalesce(metadata->>'correlation_id', ''),
	coalesce(metadata->>'causation_id', ''), coalesce(metadata->>'ip', ''),
	coalesce(metadata->>'user_agent', ''), recorded_at`

// ReadStream implements events.Store.
func (s *Store) ReadStream(ctx context.Context, streamID string, opts events.ReadOptions) ([]events.Event, error) {
	var to *int64
	if opts.ToVersion > 0 {
		to = &opts.ToVersion
	}
	var asOf *time.Time
	if !opts.AsOf.IsZero() {
		asOf = &opts.AsOf
	}
	rows, err := schema.Conn(ctx, s.pool).Query(ctx, `select `+eventColumns+` from events
		where stream_id = $1 and stream_version >= $2
		  and ($3::bigint is null or stream_version <= $3)
		  and ($4::timestamptz is null or recorded_at <= $4)
		order by stream_version`, streamID, max(opts.FromVersion, 1), to, asOf)
	if err != nil {
		return nil, err
	}
	return collect(rows)
}

// ReadStreams implements events.StreamsReader in one query.
func (s *Store) ReadStreams(ctx context.Context, heads []events.StreamHead) (map[string][]events.Event, error) {
	ids, tos := make([]string, len(heads)), make([]int64, len(heads))
	for i, h := range heads {
		ids[i], tos[i] = h.StreamID, h.ToVersion
	}
	// A lateral read per stream: joined any other way, the planner guesses how many
	// streams the arrays hold and, guessing high, scans the whole log.
	rows, err := schema.Conn(ctx, s.pool).Query(ctx, `select e.* from unnest($1::text[], $2::bigint[]) as h(stream, upto)
		cross join lateral (select `+eventColumns+` from events
			where stream_id = h.stream and stream_version <= h.upto order by stream_version) e`, ids, tos)
	if err != nil {
		return nil, err
	}
	evs, err := collect(rows)
	if err != nil {
		return nil, err
	}
	// Each stream's events come together, streams in the order heads named them.
	out := make(map[string][]events.Event, len(heads))
	for i := 0; i < len(evs); {
		j := i + 1
		for j < len(evs) && evs[j].StreamID == evs[i].StreamID {
			j++
		}
		out[evs[i].StreamID] = evs[i:j:j]
		i = j
	}
	return out, nil
}

// belowHorizon keeps a read of the log below the snapshot horizon: every transaction
// older than the oldest one still running has ended, so nothing can later appear
// before the last event such a read returns. ReadAll and VisibleHead must agree on
// it, or the watcher would see an end that reads cannot reach.
const belowHorizon = `transaction_id < pg_snapshot_xmin(pg_current_snapshot())`

// parseXID reads a transaction id, which every query here returns as text.
func parseXID(text string) (uint64, error) {
	tx, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("transaction id %q: %w", text, err)
	}
	return tx, nil
}

// ReadAll implements events.Store. It reads only below the snapshot horizon.
func (s *Store) ReadAll(ctx context.Context, from events.Position, limit int) ([]events.Event, error) {
	// The order names the table's columns: the select list has a text column called
	// transaction_id, and ordering by that would sort "1000000" before "999999" and
	// bypass the index.
	if limit <= 0 {
		limit = 500
	}
	rows, err := schema.Conn(ctx, s.pool).Query(ctx, `select `+eventColumns+` from events
		where (transaction_id, global_position) > ($1::text::xid8, $2)
		  and `+belowHorizon+`
		order by events.transaction_id, events.global_position
		limit $3`, strconv.FormatUint(from.TransactionID, 10), from.GlobalPosition, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows)
}

// VisibleHead implements events.HeadReader: the last event below the horizon ReadAll
// reads under, found by walking the subscriber index backwards from the horizon.
func (s *Store) VisibleHead(ctx context.Context) (events.Position, error) {
	var xid string
	var pos events.Position
	err := schema.Conn(ctx, s.pool).QueryRow(ctx, `select transaction_id::text, global_position from events
		where `+belowHorizon+`
		order by events.transaction_id desc, events.global_position desc
		limit 1`).Scan(&xid, &pos.GlobalPosition)
	if errors.Is(err, pgx.ErrNoRows) {
		return events.Position{}, nil
	}
	if err != nil {
		return events.Position{}, err
	}
	pos.TransactionID, err = parseXID(xid)
	return pos, err
}

// PositionOf implements events.Store.
func (s *Store) PositionOf(ctx context.Context, globalPosition int64) (events.Position, error) {
	var xid string
	err := schema.Conn(ctx, s.pool).QueryRow(ctx, `select transaction_id::text from events where global_position = $1`, globalPosition).Scan(&xid)
	if errors.Is(err, pgx.ErrNoRows) {
		return events.Position{}, events.ErrNotFound
	}
	if err != nil {
		return events.Position{}, err
	}
	tx, err := parseXID(xid)
	return events.Position{TransactionID: tx, GlobalPosition: globalPosition}, err
}

func collect(rows pgx.Rows) ([]events.Event, error) {
	defer rows.Close()
	var out []events.Event
	for rows.Next() {
		var e events.Event
		var xid string
		var data []byte
		m := &e.Metadata
		if err := rows.Scan(&e.ID, &e.StreamID, &e.StreamVersion, &e.GlobalPosition, &xid,
			&e.Type, &e.SchemaVersion, &data, &m.OrgID, &m.ActorID, &m.ActorName, &m.CorrelationID,
			&m.CausationID, &m.IP, &m.UserAgent, &e.RecordedAt); err != nil {
			return nil, err
		}
		tx, err := parseXID(xid)
		if err != nil {
			return nil, err
		}
		e.TransactionID = tx
		e.Data = json.RawMessage(data)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Wakeup lets subscribers sleep until something was appended, instead of polling hard.
type Wakeup struct {
	mu sync.Mutex
	ch chan struct{}
}

func newWakeup() *Wakeup { return &Wakeup{ch: make(chan struct{})} }

// C returns a channel that is closed at the next Signal.
func (w *Wakeup) C() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ch
}

// Signal wakes everyone waiting on a channel from C.
func (w *Wakeup) Signal() {
	w.mu.Lock()
	close(w.ch)
	w.ch = make(chan struct{})
	w.mu.Unlock()
}
