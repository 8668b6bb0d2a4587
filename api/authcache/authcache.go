// Package authcache keeps, in one process, the sessions it has found alive and what
// their users may do in their organizations, so that an authenticated request reads
// neither from the database.
//
// Remembering is only safe while the process hears every change. PostgreSQL announces
// them on Channel: a trigger on http_sessions for a session that ends or changes,
// whatever statement did it (a logout here, a revocation in another process, an
// administrator's DELETE), and the identity projection for a membership or a user that
// changed. A process forgets the entry when the announcement arrives, and the process
// that made the change forgets it before answering, so its own next request is
// refused without waiting for the round trip. While the channel is not heard (before
// LISTEN, after a lost connection) nothing is remembered and every request reads the
// database, as it would without the cache.
package authcache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	qidentity "github.com/strata-grc/strata/queries/identity"
)

// Channel is where changes to sessions and access are announced. Its payloads:
//
//	s<hex of sha256 of the token>  that session ended or changed
//	a                              a membership or a user changed
//	m<hex>                         a marker that Sync waits for
const Channel = "strata_auth"

// DefaultMaxEntries bounds each of the two maps when Options leaves it unset.
const DefaultMaxEntries = 100_000

// Session is what the session store needs of a live session to answer without the
// database: its values and the instants its expiry is judged by.
type Session struct {
	Values   map[string]string
	LastSeen time.Time
	Expires  time.Time
}

type accessKey struct{ user, org int64 }

// Cache is safe for concurrent use. A nil *Cache remembers nothing.
type Cache struct {
	max int

	mu sync.Mutex
	// heard says the channel is being listened to; gen moves on every forgetting, so
	// an answer read from the database before a change is never stored after it.
	heard    bool
	gen      uint64
	sessions map[string]Session
	access   map[accessKey]qidentity.Access
	marks    map[string]chan struct{}

	hits, misses atomic.Int64
}

// New returns a cache that keeps at most maxEntries sessions and as many access
// entries (DefaultMaxEntries when maxEntries <= 0). It remembers nothing until Listen
// hears the channel.
func New(maxEntries int) *Cache {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	return &Cache{max: maxEntries, sessions: map[string]Session{}, access: map[accessKey]qidentity.Access{},
		marks: map[string]chan struct{}{}}
}

// Generation is the stamp a reader takes before it reads the database and hands back
// to Put: ok is false while the channel is not heard, and nothing may be stored then.
func (c *Cache) Generation() (gen uint64, ok bool) {
	if c == nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen, c.heard
}

// Session returns the remembered session of a token's hash.
func (c *Cache) Session(hash []byte) (Session, bool) {
	if c == nil {
		return Session{}, false
	}
	c.mu.Lock()
	s, ok := c.sessions[string(hash)]
	c.mu.Unlock()
	c.count(ok)
	return s, ok
}

// PutSession remembers a session read from the database after Generation returned
// gen; it is dropped if anything was forgotten since.
func (c *Cache) PutSession(gen uint64, hash []byte, s Session) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.heard || c.gen != gen {
		return
	}
	if _, ok := c.sessions[string(hash)]; !ok && len(c.sessions) >= c.max {
		evictOne(c.sessions)
	}
	c.sessions[string(hash)] = s
}

// Seen moves a remembered session's last use forward, after the store recorded it.
func (c *Cache) Seen(hash []byte, at time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.sessions[string(hash)]; ok && at.After(s.LastSeen) {
		s.LastSeen = at
		c.sessions[string(hash)] = s
	}
}

// ForgetSession drops a session this process just ended or changed.
func (c *Cache) ForgetSession(hash []byte) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.sessions, string(hash))
}

// Access returns what a user may do in an organization, as last read.
func (c *Cache) Access(userID, orgID int64) (qidentity.Access, bool) {
	if c == nil {
		return qidentity.Access{}, false
	}
	c.mu.Lock()
	a, ok := c.access[accessKey{userID, orgID}]
	c.mu.Unlock()
	c.count(ok)
	return a, ok
}

// PutAccess remembers an access read after Generation returned gen. Only an access
// that admits the user is kept: one that refuses ends the session anyway.
func (c *Cache) PutAccess(gen uint64, userID, orgID int64, a qidentity.Access) {
	if c == nil || a.User.Disabled || a.Org.Role == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.heard || c.gen != gen {
		return
	}
	k := accessKey{userID, orgID}
	if _, ok := c.access[k]; !ok && len(c.access) >= c.max {
		evictOne(c.access)
	}
	c.access[k] = a
}

// ForgetAccess drops every remembered access, after this process changed one and
// saw the change in the identity read model.
func (c *Cache) ForgetAccess() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.access)
}

// Stats says how many lookups found an entry and how many did not.
func (c *Cache) Stats() (hits, misses int64) {
	if c == nil {
		return 0, 0
	}
	return c.hits.Load(), c.misses.Load()
}

func (c *Cache) count(hit bool) {
	if hit {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
}

// evictOne drops an arbitrary entry: the map is full of live sessions, any of which
// is one read away.
func evictOne[K comparable, V any](m map[K]V) {
	for k := range m {
		delete(m, k)
		return
	}
}

// Listen hears Channel until ctx ends, reconnecting after a failure; the cache
// remembers only while it hears. It holds one connection of its own.
func (c *Cache) Listen(ctx context.Context, pool *pgxpool.Pool) {
	if c == nil {
		return
	}
	for ctx.Err() == nil {
		_ = c.listenOnce(ctx, pool)
		c.setHeard(false)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (c *Cache) listenOnce(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A connection that has listened must not go back to the pool.
	pc := conn.Hijack()
	defer pc.Close(context.WithoutCancel(ctx))
	if _, err := pc.Exec(ctx, "listen "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return err
	}
	// Whatever changed before LISTEN was not heard: start from nothing.
	c.setHeard(true)
	for {
		n, err := pc.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		c.hear(n.Payload)
	}
}

// setHeard starts or stops remembering; either way what was remembered goes.
func (c *Cache) setHeard(heard bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.heard = heard
	c.gen++
	clear(c.sessions)
	clear(c.access)
}

func (c *Cache) hear(payload string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if payload == "" {
		return
	}
	switch payload[0] {
	case 's':
		hash, err := hex.DecodeString(payload[1:])
		c.gen++
		if err != nil {
			clear(c.sessions)
			return
		}
		delete(c.sessions, string(hash))
	case 'a':
		c.gen++
		clear(c.access)
	case 'm':
		if ch, ok := c.marks[payload[1:]]; ok {
			close(ch)
			delete(c.marks, payload[1:])
		}
	default: // an announcement this version does not know: forget everything
		c.gen++
		clear(c.sessions)
		clear(c.access)
	}
}

// Sync returns once this process has heard every change committed before it was
// called: it announces a marker of its own and waits for it, and PostgreSQL delivers
// a listener's notifications in commit order. A cache that does not hear the channel
// remembers nothing, so it has nothing to catch up on. Tests use it to act as "the
// next request" in another process.
func (c *Cache) Sync(ctx context.Context, pool *pgxpool.Pool) error {
	if _, heard := c.Generation(); !heard {
		return nil
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	mark := hex.EncodeToString(b[:])
	ch := make(chan struct{})
	c.mu.Lock()
	c.marks[mark] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.marks, mark)
		c.mu.Unlock()
	}()
	if _, err := pool.Exec(ctx, `select pg_notify($1, $2)`, Channel, "m"+mark); err != nil {
		return err
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
