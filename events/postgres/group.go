package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
)

// Group commit: appends that arrive while another is being written wait, and are
// then written together, in one statement and one transaction, each with its own
// expected-version check and its own answer. An append that finds nothing in flight
// is written at once, alone, exactly as without grouping, so a quiet server pays
// nothing; under load, 32 appends cost one round trip, one plan and one WAL flush
// instead of 32.
//
// Only one group is written at a time. Whatever queues meanwhile becomes the next
// group as soon as it ends, so an append waits at most for the group in flight.

// maxGroup and maxGroupBytes bound the appends written together, so one statement
// stays small whatever the appends carry: a group stops before the append that would
// take its event data past maxGroupBytes (an append larger than that goes alone).
const (
	maxGroup      = 128
	maxGroupBytes = 4 << 20
)

// groupTimeout bounds a group's statement. It does not follow any one caller's
// context: a caller that gives up must not fail the others' appends.
const groupTimeout = 30 * time.Second

// pending is one append waiting for a group.
type pending struct {
	stream   string
	ids      []uuid.UUID
	types    []string
	versions []int32
	datas    []string
	recorded []*time.Time
	meta     []byte
	want     *int64

	abandoned atomic.Bool // its caller gave up before the group was formed
	done      chan grouped
}

// size is roughly what an append sends: its events' data and its metadata.
func (p *pending) size() int {
	n := len(p.meta)
	for _, d := range p.datas {
		n += len(d)
	}
	return n
}

// grouped is a group's answer to one of its appends. With alone set the group did
// not write it (its version check failed, or the statement failed as a whole) and the
// caller writes it alone, which gives the precise answer: a conflict, a retry of an
// append already stored, or an error of its own.
type grouped struct {
	res   events.AppendResult
	alone bool
}

// groups is a store's queue of appends waiting for the group in flight.
type groups struct {
	mu      sync.Mutex
	busy    bool // an append or a group is being written
	queue   []*pending
	written atomic.Int64 // appends written in groups of two or more
	formed  atomic.Int64 // such groups
}

// GroupStats reports how many appends were written in groups of two or more, and in
// how many groups.
func (s *Store) GroupStats() (appends, groups int64) {
	return s.groups.written.Load(), s.groups.formed.Load()
}

// join queues p when something is being written and waits for its group's answer
// (waited true). Otherwise it marks the store busy and returns at once: the caller
// writes p alone and must call s.release afterwards.
func (s *Store) join(ctx context.Context, p *pending) (g grouped, waited bool, err error) {
	s.groups.mu.Lock()
	if !s.groups.busy {
		s.groups.busy = true
		s.groups.mu.Unlock()
		return grouped{}, false, nil
	}
	p.done = make(chan grouped, 1)
	s.groups.queue = append(s.groups.queue, p)
	s.groups.mu.Unlock()
	select {
	case g := <-p.done:
		return g, true, nil
	case <-ctx.Done():
		// Taken into a group already, it may still be written, as an append whose
		// caller gives up while its statement runs may be.
		p.abandoned.Store(true)
		return grouped{}, true, ctx.Err()
	}
}

// release ends the lone append that join let through, and writes what queued
// meanwhile in groups, on their own goroutine, so that append's caller is answered now.
func (s *Store) release() {
	if next := s.take(); next != nil {
		go s.drain(next)
	}
}

// take removes the next group from the queue, or marks the store idle and returns nil
// when nothing waits. A group holds one append per stream: a second append to the
// same stream waits for the next group, as it would have waited for the first
// append's lock.
func (s *Store) take() []*pending {
	s.groups.mu.Lock()
	defer s.groups.mu.Unlock()
	var group, rest []*pending
	streams := map[string]bool{}
	size := 0
	for _, p := range s.groups.queue {
		n := p.size()
		switch {
		case p.abandoned.Load():
		case streams[p.stream] || len(group) == maxGroup || len(group) > 0 && size+n > maxGroupBytes:
			rest = append(rest, p)
		default:
			streams[p.stream] = true
			group = append(group, p)
			size += n
		}
	}
	s.groups.queue = rest
	if len(group) == 0 {
		s.groups.busy = false
		return nil
	}
	return group
}

func (s *Store) drain(group []*pending) {
	for ; group != nil; group = s.take() {
		s.writeGroup(group)
	}
}

// groupSQL appends several streams' events in one statement. Each append keeps its
// own expected-version check: one whose check fails writes nothing and returns no
// row, and the others are written. All share one recording instant, as the events of
// one append do, because they commit together.
const groupSQL = `
with a as (
    select * from unnest($1::text[], $2::bigint[], $3::jsonb[]) with ordinality as a(stream, want, meta, n)
), cur as materialized (
    select a.n, a.stream, a.want, a.meta,
           coalesce((select max(e.stream_version) from events e where e.stream_id = a.stream), 0) as v
    from a
), at as materialized (
    select clock_timestamp() as at
)
insert into events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at)
select e.id, c.stream, c.v + e.k, e.type, e.sv, e.data, c.meta, coalesce(e.at, at.at)
from unnest($4::int[], $5::int[], $6::uuid[], $7::text[], $8::int[], $9::jsonb[], $10::timestamptz[])
        with ordinality as e(n, k, id, type, sv, data, at, ord)
join cur c on c.n = e.n
cross join at
where c.want is null or c.v = c.want
order by e.ord
returning stream_id, stream_version, global_position, transaction_id::text, recorded_at`

// writeGroup writes a group and answers each of its appends.
func (s *Store) writeGroup(group []*pending) {
	if len(group) == 1 {
		group[0].done <- grouped{alone: true}
		return
	}
	var (
		streams []string
		wants   []*int64
		metas   []string
		ns, ks  []int32
		ids     []uuid.UUID
		types   []string
		svs     []int32
		datas   []string
		ats     []*time.Time
	)
	for i, p := range group {
		streams, wants, metas = append(streams, p.stream), append(wants, p.want), append(metas, string(p.meta))
		for j := range p.ids {
			ns, ks = append(ns, int32(i+1)), append(ks, int32(j+1))
			ids, types, svs = append(ids, p.ids[j]), append(types, p.types[j]), append(svs, p.versions[j])
			datas, ats = append(datas, p.datas[j]), append(ats, p.recorded[j])
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	results, err := s.runGroup(ctx, streams, wants, metas, ns, ks, ids, types, svs, datas, ats)
	written := 0
	for _, p := range group {
		res, ok := results[p.stream]
		if err != nil || !ok {
			p.done <- grouped{alone: true}
			continue
		}
		written++
		if s.OnAppend != nil {
			s.OnAppend(res, len(p.ids))
		}
		p.done <- grouped{res: res}
	}
	if written > 0 {
		s.groups.written.Add(int64(written))
		s.groups.formed.Add(1)
		s.wake.Signal()
		s.announce()
	}
}

func (s *Store) runGroup(ctx context.Context, streams []string, wants []*int64, metas []string, ns, ks []int32,
	ids []uuid.UUID, types []string, svs []int32, datas []string, ats []*time.Time) (map[string]events.AppendResult, error) {
	rows, err := s.pool.Query(ctx, groupSQL, streams, wants, metas, ns, ks, ids, types, svs, datas, ats)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	results := map[string]events.AppendResult{}
	for rows.Next() {
		var stream, xid string
		var v, pos int64
		var at time.Time
		if err := rows.Scan(&stream, &v, &pos, &xid, &at); err != nil {
			return nil, err
		}
		res := results[stream]
		res.StreamID = stream
		if err := addWritten(&res, v, pos, xid, at); err != nil {
			return nil, err
		}
		results[stream] = res
	}
	return results, rows.Err()
}
