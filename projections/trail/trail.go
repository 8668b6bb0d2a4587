// Package trail projects every event of every organization into the trail read model:
// the organization-wide audit trail, one row per event, described for search (what
// the event is about, what it changed, why) and numbered per organization.
//
// How an event is described is each module's business, declared in its Part with the
// same functions its records' histories use, so the trail and a record's history
// always show the same changes. Streams whose descriptions need earlier events (a
// risk's score before an update) are folded as they come; the folded states of
// recently seen streams are kept in memory, a bounded number of them, and a stream
// whose state is not at hand is read again from its start.
package trail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/queries"
	"github.com/strata-grc/strata/schema"
)

// Name is the projection's durable name.
const Name = "trail"

// DefaultStates is how many streams' folded states a projector keeps at most.
const DefaultStates = 20000

// Projector builds the trail read model.
type Projector struct {
	reg     *events.Registry
	store   events.Store
	streams map[string]Stream
	// shared are the describers of stateless streams, one per prefix.
	shared map[string]Describer

	mu     sync.Mutex
	states *lru
}

// New returns the projector over the parts of the core and of every module; store
// is read to fold a stream again when its state is not at hand. A stream prefix
// described twice is an error.
func New(reg *events.Registry, store events.Store, parts ...Part) (*Projector, error) {
	p := &Projector{reg: reg, store: store, streams: map[string]Stream{}, shared: map[string]Describer{},
		states: newLRU(DefaultStates)}
	for _, part := range parts {
		for prefix, s := range part.Streams {
			if _, dup := p.streams[prefix]; dup {
				return nil, fmt.Errorf("trail: streams %q are described twice", prefix)
			}
			if s.New == nil {
				return nil, fmt.Errorf("trail: streams %q have no describer", prefix)
			}
			p.streams[prefix] = s
			if s.Stateless {
				p.shared[prefix] = s.New()
			}
		}
	}
	return p, nil
}

// KeepStates bounds how many streams' folded states p keeps (DefaultStates unless
// told); a stream beyond them is folded again from its start when its next event
// comes. It is for tests that want refolds, and must be called before p runs.
func (p *Projector) KeepStates(n int) *Projector {
	p.states = newLRU(max(n, 1))
	return p
}

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.Projector.
func (*Projector) Tables() []string { return []string{"trail"} }

// insert writes a batch's rows, numbering each organization's after its last one, in
// the batch's order; the primary key makes the last one a look at one index entry, and
// two batches never number at once because a projection's batches take turns on its
// checkpoint lock. One statement for the batch rather than one per event: the
// statement's cost, not the row's, was most of a catch-up's.
const insert = `insert into {trail} (org_id, position, global_position, event_id, at, type, entity_type, entity_id,
	actor_id, actor_name, ip, user_agent, request_id, changes, comment, search)
select r.org, coalesce((select max(t.position) from {trail} t where t.org_id = r.org), 0)
		+ row_number() over (partition by r.org order by r.n),
	r.gp, r.id, r.at, r.type, r.etype, r.eid, r.actor, r.actor_name, r.ip, r.ua, r.req, r.changes, r.comment, r.search
from unnest($1::bigint[], $2::bigint[], $3::uuid[], $4::timestamptz[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
	$9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[], $14::text[], $15::text[])
	with ordinality as r(org, gp, id, at, type, etype, eid, actor, actor_name, ip, ua, req, changes, comment, search, n)
order by r.n`

// rows are a batch's trail rows, held until the batch is sent (projections.Writer.Hold).
type rows struct {
	orgs, gps, entityIDs, actors                                              []int64
	ids                                                                       []uuid.UUID
	ats                                                                       []time.Time
	types, entityTypes, actorNames, ips, uas, reqs, changes, comments, search []string
}

type rowsKey struct{}

// Queue implements projections.Held.
func (r *rows) Queue(w *projections.Writer) {
	w.Exec(insert, r.orgs, r.gps, r.ids, r.ats, r.types, r.entityTypes, r.entityIDs, r.actors, r.actorNames, r.ips,
		r.uas, r.reqs, r.changes, r.comments, r.search)
}

// Handle implements projections.Projector.
func (p *Projector) Handle(ctx context.Context, w *projections.Writer, e events.Event) error {
	payload, err := p.reg.Decode(e)
	if err != nil {
		return err
	}
	d, err := p.describe(ctx, w, e, payload)
	if err != nil {
		return err
	}
	m := e.Metadata
	r := w.Hold(rowsKey{}, func() projections.Held { return &rows{} }).(*rows)
	r.orgs, r.gps, r.ids, r.ats = append(r.orgs, m.OrgID), append(r.gps, e.GlobalPosition), append(r.ids, e.ID), append(r.ats, e.RecordedAt)
	r.types, r.entityTypes, r.entityIDs = append(r.types, e.Type), append(r.entityTypes, d.EntityType), append(r.entityIDs, d.EntityID)
	r.actors, r.actorNames, r.ips, r.uas = append(r.actors, m.ActorID), append(r.actorNames, m.ActorName), append(r.ips, m.IP), append(r.uas, m.UserAgent)
	r.reqs, r.changes, r.comments = append(r.reqs, m.CorrelationID), append(r.changes, string(ChangesJSON(d.Changes))), append(r.comments, d.Comment)
	r.search = append(r.search, searchText(m.ActorName, e.Type, d))
	return nil
}

// describe says what an event is about and what it changed.
func (p *Projector) describe(ctx context.Context, w *projections.Writer, e events.Event, payload events.Payload) (Description, error) {
	prefix, id, ok := splitStream(e.StreamID)
	d := Description{EntityType: strings.TrimSuffix(prefix, "-"), EntityID: id}
	if !ok {
		d.EntityType = e.StreamID
	}
	s, known := p.streams[prefix]
	if known {
		changes, err := p.changes(ctx, w, s, prefix, e, payload)
		if err != nil {
			return d, err
		}
		d.Changes = changes
		if s.Entity != nil {
			if kind, id := s.Entity(payload); kind != "" {
				d.EntityType, d.EntityID = kind, id
			}
		}
	}
	if owner, file := owned(payload); file {
		if owner.Kind != "procedure" {
			d.EntityType, d.EntityID = owner.Kind, owner.ID
		}
		if len(d.Changes) == 0 {
			d.Changes = fileChanges(payload)
		}
	}
	// Created lists fields in map order; the row must not depend on it.
	slices.SortStableFunc(d.Changes, func(a, b queries.Change) int { return strings.Compare(a.Field, b.Field) })
	d.Comment = commentOf(d.Changes)
	return d, nil
}

// changes runs the stream's describer, fetching or rebuilding its state.
func (p *Projector) changes(ctx context.Context, w *projections.Writer, s Stream, prefix string, e events.Event,
	payload events.Payload) ([]queries.Change, error) {
	if s.Stateless {
		return p.shared[prefix].Changes(e, payload), nil
	}
	// The state is taken out while in use, so two batches describing the same stream
	// at once (the live projection and a rebuild) never share one; the other folds its
	// own. A state is only good for the version right after the one it has seen: a
	// batch that rolled back leaves a state ahead of the events redelivered.
	p.mu.Lock()
	st, ok := p.states.take(e.StreamID)
	p.mu.Unlock()
	if !ok || st.version != e.StreamVersion-1 {
		if err := p.foldAhead(ctx, w, e); err != nil {
			return nil, err
		}
		p.mu.Lock()
		st, ok = p.states.take(e.StreamID)
		p.mu.Unlock()
	}
	if !ok || st.version != e.StreamVersion-1 {
		var err error
		if st, err = p.refold(ctx, w, s, e); err != nil {
			return nil, err
		}
	}
	out := st.describer.Changes(e, payload)
	st.version = e.StreamVersion
	p.mu.Lock()
	p.states.put(e.StreamID, st)
	p.mu.Unlock()
	return out, nil
}

// refoldChunk is how many events a refold holds at once.
const refoldChunk = 500

// aheadEvents bounds the events one foldAhead reads, and so the memory it holds.
const aheadEvents = 10000

// foldAhead folds, with one read of the log, the state of every stream of the rest of
// e's batch that is described from its past and whose state is not at hand: a batch
// of a catch-up or a rebuild spread over many streams would otherwise read the log
// once per stream, and most of its time went there. Streams longer than what is left
// of aheadEvents, and any beyond half the states kept, are left to refold. A stream
// whose events do not decode is left too, so that its own event reports the error.
func (p *Projector) foldAhead(ctx context.Context, w *projections.Writer, e events.Event) error {
	batch := w.Events()
	i := slices.IndexFunc(batch, func(x events.Event) bool { return x.GlobalPosition == e.GlobalPosition })
	if i < 0 {
		return nil
	}
	type wanted struct {
		stream Stream
		head   events.StreamHead
	}
	var want []wanted
	seen := map[string]bool{}
	budget := int64(aheadEvents)
	p.mu.Lock()
	room := p.states.max / 2
	for _, x := range batch[i:] {
		if len(want) >= room {
			break
		}
		if seen[x.StreamID] {
			continue
		}
		seen[x.StreamID] = true
		prefix, _, _ := splitStream(x.StreamID)
		s, known := p.streams[prefix]
		if !known || s.Stateless || x.StreamVersion-1 > budget {
			continue
		}
		if st, ok := p.states.peek(x.StreamID); ok && st.version == x.StreamVersion-1 {
			continue
		}
		want = append(want, wanted{stream: s, head: events.StreamHead{StreamID: x.StreamID, ToVersion: x.StreamVersion - 1}})
		budget -= x.StreamVersion - 1
	}
	p.mu.Unlock()
	var heads []events.StreamHead
	for _, x := range want {
		if x.head.ToVersion > 0 {
			heads = append(heads, x.head)
		}
	}
	var read map[string][]events.Event
	if len(heads) > 0 {
		var err error
		if read, err = events.ReadStreamHeads(schema.WithConn(ctx, writerConn{w}), p.store, heads); err != nil {
			return fmt.Errorf("trail: fold %d streams: %w", len(heads), err)
		}
	}
	folded := make(map[string]state, len(want))
fold:
	for _, x := range want {
		st := state{describer: x.stream.New()}
		for _, y := range read[x.head.StreamID] {
			payload, err := p.reg.Decode(y)
			if err != nil {
				continue fold
			}
			st.describer.Changes(y, payload)
			st.version = y.StreamVersion
		}
		folded[x.head.StreamID] = st
	}
	p.mu.Lock()
	for stream, st := range folded {
		p.states.put(stream, st)
	}
	p.mu.Unlock()
	return nil
}

// refold folds a stream's events before e into a fresh describer. It reads the log
// through the batch's own transaction, never a second pooled connection.
func (p *Projector) refold(ctx context.Context, w *projections.Writer, s Stream, e events.Event) (state, error) {
	st := state{describer: s.New()}
	rctx := schema.WithConn(ctx, writerConn{w})
	for from := int64(1); from < e.StreamVersion; from += refoldChunk {
		to := min(from+refoldChunk-1, e.StreamVersion-1)
		evs, err := p.store.ReadStream(rctx, e.StreamID, events.ReadOptions{FromVersion: from, ToVersion: to})
		if err != nil {
			return st, fmt.Errorf("trail: fold %s: %w", e.StreamID, err)
		}
		for _, x := range evs {
			payload, err := p.reg.Decode(x)
			if err != nil {
				return st, err
			}
			st.describer.Changes(x, payload)
			st.version = x.StreamVersion
		}
		if int64(len(evs)) < to-from+1 {
			break
		}
	}
	return st, nil
}

// ChangesJSON writes changes as the trail shows them: an object of fields, each with
// its value before and after, fields in name order.
func ChangesJSON(changes []queries.Change) []byte {
	sorted := slices.Clone(changes)
	slices.SortStableFunc(sorted, func(a, b queries.Change) int { return strings.Compare(a.Field, b.Field) })
	var b bytes.Buffer
	b.WriteByte('{')
	for i, c := range sorted {
		if i > 0 && sorted[i-1].Field == c.Field {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(c.Field)
		b.Write(name)
		b.WriteString(`:{"before":`)
		b.Write(orNull(c.Before))
		b.WriteString(`,"after":`)
		b.Write(orNull(c.After))
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.Bytes()
}

func orNull(raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return []byte("null")
	}
	return raw
}

// searchText is what q looks through: the actor's name, the event's type, its comment
// and every value it changed (not the fields' names), lower-cased.
func searchText(actor, eventType string, d Description) string {
	var b strings.Builder
	b.WriteString(actor)
	b.WriteByte(' ')
	b.WriteString(eventType)
	b.WriteByte(' ')
	b.WriteString(d.Comment)
	for _, c := range d.Changes {
		for _, raw := range []json.RawMessage{c.Before, c.After} {
			if len(raw) == 0 || string(raw) == "null" {
				continue
			}
			b.WriteByte(' ')
			var s string
			if json.Unmarshal(raw, &s) == nil {
				b.WriteString(s)
			} else {
				b.Write(raw)
			}
		}
	}
	return strings.ToLower(b.String())
}

// writerConn lets the event store read through a projection batch's transaction.
type writerConn struct{ w *projections.Writer }

func (c writerConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return c.w.Query(ctx, sql, args...)
}

func (c writerConn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := c.w.Query(ctx, sql, args...)
	return firstRow{rows: rows, err: err}
}

func (c writerConn) Exec(context.Context, string, ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, fmt.Errorf("trail: a projection batch only reads the log")
}

type firstRow struct {
	rows pgx.Rows
	err  error
}

func (r firstRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}
