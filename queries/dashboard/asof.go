package dashboard

import (
	"container/list"
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/projections/replay"
	"github.com/strata-grc/strata/schema"
)

// Replayer builds the read models as an organization's log stood at an instant and
// calls read on the one connection where they can be queried (projections/replay).
type Replayer interface {
	Read(ctx context.Context, orgID int64, asOf time.Time, read func(context.Context, schema.Querier) error) (replay.Result, error)
}

// AsOfOptions bound the answers as of an instant. Zero values take the defaults.
type AsOfOptions struct {
	// Concurrency is how many replays may run at once (default 2). Each holds one
	// pooled connection for its whole length, so they must never take the pool from
	// the requests of the present; a request past the limit waits, within its own
	// deadline.
	Concurrency int
	// CacheEntries and CacheBytes bound the answers kept (defaults 512 and 4 MiB).
	CacheEntries int
	CacheBytes   int
	// Settled is how long after an instant an event recorded at or before it may
	// still commit. An event's time is taken when its append's statement starts, and
	// that statement is its own transaction, so the pool's statement timeout bounds it
	// (default: that timeout plus settleMargin, or defaultSettled when the pool sets
	// none). Only answers for instants older than this, when the log was read, are
	// kept: a newer one might still change.
	Settled time.Duration
	// FutureSkew is how far past the server's clock an instant may lie (default one
	// minute): a browser's clock runs a little ahead or behind.
	FutureSkew time.Duration
	// Now is the server's clock (default time.Now).
	Now func() time.Time
}

const (
	defaultConcurrency  = 2
	defaultCacheEntries = 512
	defaultCacheBytes   = 4 << 20
	settleMargin        = 5 * time.Second
	defaultSettled      = 5 * time.Minute
	defaultFutureSkew   = time.Minute
)

// past answers as of an instant: replays, limited and shared, and a cache of answers.
type past struct {
	replayer Replayer
	opts     AsOfOptions
	slots    chan struct{}
	cache    *lru

	mu      sync.Mutex
	flights map[pastKey]*flight

	replays, hits atomic.Int64
}

// pastKey names one answer: everything the dashboard's SQL and the choice of figures
// depend on. Figures may leave out records by the caller's id and adminship, and
// restricted figures are given only to callers holding their permission, so answers
// are never shared between callers who could be told different things.
type pastKey struct {
	org   int64
	at    int64 // microseconds since 1970, PostgreSQL's precision
	user  int64
	admin bool
	perms string // the restricted figures' permissions the caller holds, sorted
}

// pastView is every figure and chart one caller may be given as of one instant.
type pastView struct {
	counts map[string]int64
	charts map[string]Chart
}

type flight struct {
	done chan struct{}
	view *pastView
	err  error
}

// EnableAsOf lets the reader answer as an organization's log stood at a past instant,
// replaying it through rp.
func (r *Reader) EnableAsOf(rp Replayer, o AsOfOptions) {
	if o.Concurrency <= 0 {
		o.Concurrency = defaultConcurrency
	}
	if o.CacheEntries <= 0 {
		o.CacheEntries = defaultCacheEntries
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = defaultCacheBytes
	}
	if o.Settled <= 0 {
		o.Settled = r.settled()
	}
	if o.FutureSkew <= 0 {
		o.FutureSkew = defaultFutureSkew
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r.past.Store(&past{replayer: rp, opts: o, slots: make(chan struct{}, o.Concurrency),
		cache: newLRU(o.CacheEntries, o.CacheBytes), flights: map[pastKey]*flight{}})
}

// settled derives AsOfOptions.Settled from the statement timeout the pool's sessions
// run with, which is what bounds an append.
func (r *Reader) settled() time.Duration {
	if r.pool == nil {
		return defaultSettled
	}
	ms, err := strconv.ParseInt(r.pool.Config().ConnConfig.RuntimeParams["statement_timeout"], 10, 64)
	if err != nil || ms <= 0 {
		return defaultSettled
	}
	return time.Duration(ms)*time.Millisecond + settleMargin
}

// AsOfStats says how many answers as of an instant were replayed and how many came
// from the cache.
func (r *Reader) AsOfStats() (replays, hits int64) {
	p := r.past.Load()
	if p == nil {
		return 0, 0
	}
	return p.replays.Load(), p.hits.Load()
}

// CountsAsOf is Counts as the organization's log stood at the instant at. It also
// returns the instant answered for: at in UTC, to PostgreSQL's microsecond.
func (r *Reader) CountsAsOf(ctx context.Context, orgID int64, v Viewer, at time.Time) (map[string]int64, time.Time, error) {
	at, err := r.instant(at)
	if err != nil {
		return nil, at, err
	}
	view, err := r.pastView(ctx, orgID, v, at)
	if err != nil {
		return nil, at, err
	}
	return maps.Clone(view.counts), at, nil
}

// ChartAsOf is Chart as the organization's log stood at the instant at, which it
// returns as CountsAsOf does.
func (r *Reader) ChartAsOf(ctx context.Context, orgID int64, v Viewer, chartType string, at time.Time) (Chart, time.Time, error) {
	def, err := r.chartSpec(v, chartType)
	if err != nil {
		return Chart{}, at, err
	}
	if at, err = r.instant(at); err != nil {
		return Chart{}, at, err
	}
	view, err := r.pastView(ctx, orgID, v, at)
	if err != nil {
		return Chart{}, at, err
	}
	c := view.charts[def.Name]
	c.Labels, c.Values = slices.Clone(c.Labels), slices.Clone(c.Values)
	return c, at, nil
}

// instant checks an as-of instant and brings it to the precision the log keeps.
func (r *Reader) instant(at time.Time) (time.Time, error) {
	p := r.past.Load()
	if p == nil {
		return at, strata.Errorf(strata.Invalid, "this server does not answer the dashboard as of an instant")
	}
	at = at.UTC().Truncate(time.Microsecond)
	if limit := p.opts.Now().Add(p.opts.FutureSkew); at.After(limit) {
		errs := strata.FieldErrors{}
		errs.Add("as_of", "must not be in the future")
		return at, errs.Err()
	}
	return at, nil
}

// pastView answers from the cache, from a replay another caller of the same key has
// running, or from a replay of its own.
func (r *Reader) pastView(ctx context.Context, orgID int64, v Viewer, at time.Time) (*pastView, error) {
	p := r.past.Load()
	key := pastKey{org: orgID, at: at.UnixMicro(), user: v.UserID, admin: v.Admin, perms: r.heldPermissions(v)}
	for {
		if view, ok := p.cache.get(key); ok {
			p.hits.Add(1)
			return view, nil
		}
		p.mu.Lock()
		f, running := p.flights[key]
		if !running {
			f = &flight{done: make(chan struct{})}
			p.flights[key] = f
		}
		p.mu.Unlock()
		if !running {
			func() {
				// Whatever happens to this replay, those waiting on it hear of it.
				defer func() {
					p.mu.Lock()
					delete(p.flights, key)
					p.mu.Unlock()
					close(f.done)
				}()
				f.err = errors.New("dashboard: the replay ended without an answer")
				f.view, f.err = r.replayView(ctx, p, orgID, v, at, key)
			}()
			return f.view, f.err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-f.done:
		}
		// The replay ran out of its own caller's time or was left by it; this caller
		// still has time, so it tries again.
		if errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded) {
			continue
		}
		return f.view, f.err
	}
}

// replayView replays the organization, within the limit on replays at once, and reads
// every figure and chart the viewer may be given. It keeps the answer once nothing
// more can change it.
func (r *Reader) replayView(ctx context.Context, p *past, orgID int64, v Viewer, at time.Time, key pastKey) (*pastView, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.slots }()
	p.replays.Add(1)
	view := &pastView{charts: map[string]Chart{}}
	res, err := p.replayer.Read(ctx, orgID, at, func(ctx context.Context, q schema.Querier) error {
		var err error
		if view.counts, err = r.readCounts(ctx, q, orgID, v, &at); err != nil {
			return err
		}
		for _, name := range r.ChartTypes() {
			def := r.charts[name]
			if !v.may(def.Permission) {
				continue
			}
			if view.charts[name], err = r.readChart(ctx, q, orgID, v, def, &at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if at.Before(res.ReadAt.Add(-p.opts.Settled)) {
		p.cache.put(key, view)
	}
	return view, nil
}

// heldPermissions lists the permissions of restricted figures and charts the viewer
// holds, which decide which of them the answer carries.
func (r *Reader) heldPermissions(v Viewer) string {
	var held []string
	add := func(perm string) {
		if perm != "" && v.may(perm) && !slices.Contains(held, perm) {
			held = append(held, perm)
		}
	}
	for _, c := range r.counts {
		add(c.Permission)
	}
	for _, c := range r.charts {
		add(c.Permission)
	}
	slices.Sort(held)
	return strings.Join(held, ",")
}

// clockAt makes SQL read the instant at, given as $4, wherever it reads the
// database's clock. The dashboard's figures read the clock only through now() (a
// test holds every module's part to that), so "overdue" and "stale" as of an instant
// mean as of that instant's day, as the live dashboard said then.
func clockAt(sql string, at *time.Time) string {
	if at == nil {
		return sql
	}
	return strings.ReplaceAll(sql, "now()", "$4::timestamptz")
}

// lru keeps the most recently used answers, bounded in number and in an estimate of
// their bytes.
type lru struct {
	mu         sync.Mutex
	order      *list.List // front: most recently used
	byKey      map[pastKey]*list.Element
	maxEntries int
	maxBytes   int
	bytes      int
}

type lruEntry struct {
	key  pastKey
	view *pastView
	size int
}

func newLRU(maxEntries, maxBytes int) *lru {
	return &lru{order: list.New(), byKey: map[pastKey]*list.Element{}, maxEntries: maxEntries, maxBytes: maxBytes}
}

func (c *lru) get(k pastKey) (*pastView, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry).view, true
}

func (c *lru) put(k pastKey, v *pastView) {
	size := v.size() + len(k.perms) + 64
	if size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[k]; ok {
		c.bytes -= el.Value.(*lruEntry).size
		c.order.Remove(el)
	}
	c.byKey[k] = c.order.PushFront(&lruEntry{key: k, view: v, size: size})
	c.bytes += size
	for c.order.Len() > c.maxEntries || c.bytes > c.maxBytes {
		last := c.order.Back()
		e := last.Value.(*lruEntry)
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.bytes -= e.size
	}
}

func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// size estimates the bytes a view holds: its strings and numbers and the maps' and
// slices' own overhead, roughly.
func (v *pastView) size() int {
	n := 0
	for name := range v.counts {
		n += len(name) + 48
	}
	for name, c := range v.charts {
		n += len(name) + len(c.ChartType) + 96
		for _, l := range c.Labels {
			n += len(l) + 24
		}
	}
	return n
}
