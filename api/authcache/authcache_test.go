package authcache_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/api/authcache"
	qidentity "github.com/strata-grc/strata/queries/identity"
	"github.com/strata-grc/strata/schema/testdb"
)

// listening starts c's listener on pool and waits until it hears the channel.
func listening(t *testing.T, pool *pgxpool.Pool, c *authcache.Cache) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Listen(ctx, pool) }()
	t.Cleanup(func() { cancel(); <-done })
	waitHeard(t, c)
}

func waitHeard(t *testing.T, c *authcache.Cache) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, heard := c.Generation(); heard {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache did not start listening in 30s")
		}
	}
}

func hashOf(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// remember puts an entry and reports whether it is then found. The channel is shared
// by every schema of the test database, so another test's announcement may make the
// cache forget between the two; remember tries again then.
func remember(c *authcache.Cache, put func(gen uint64), found func() bool) bool {
	for range 100 {
		gen, _ := c.Generation()
		put(gen)
		if found() {
			return true
		}
		if now, _ := c.Generation(); now == gen {
			return false // nothing intervened: it was refused
		}
	}
	return false
}

func member(role string) qidentity.Access {
	return qidentity.Access{User: qidentity.User{ID: 7, Name: "M"}, Org: qidentity.Organization{ID: 3, Name: "O", Role: role}}
}

func TestRemembersOnlyWhileHearing(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	c := authcache.New(0)
	gen, heard := c.Generation()
	if heard {
		t.Fatal("a cache that never listened says it hears")
	}
	c.PutSession(gen, hashOf("x"), authcache.Session{Values: map[string]string{"user_id": "7"}})
	c.PutAccess(gen, 7, 3, member("admin"))
	if _, ok := c.Session(hashOf("x")); ok {
		t.Fatal("a deaf cache remembered a session")
	}
	if _, ok := c.Access(7, 3); ok {
		t.Fatal("a deaf cache remembered an access")
	}

	listening(t, db.Pool, c)
	if !remember(c, func(gen uint64) {
		c.PutSession(gen, hashOf("x"), authcache.Session{Values: map[string]string{"user_id": "7"}})
	}, func() bool { s, ok := c.Session(hashOf("x")); return ok && s.Values["user_id"] == "7" }) {
		t.Fatal("a listening cache did not remember a session")
	}
	if !remember(c, func(gen uint64) { c.PutAccess(gen, 7, 3, member("admin")) },
		func() bool { a, ok := c.Access(7, 3); return ok && a.Org.Role == "admin" }) {
		t.Fatal("a listening cache did not remember an access")
	}
	// An access that refuses is never kept: it ends the session anyway.
	if remember(c, func(gen uint64) { c.PutAccess(gen, 8, 3, member("")) },
		func() bool { _, ok := c.Access(8, 3); return ok }) {
		t.Fatal("an access without a role was remembered")
	}
}

// A reader that read the database before a change must not store what it read after
// the change was heard.
func TestStaleReadIsNotStored(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	c := authcache.New(0)
	listening(t, db.Pool, c)
	before, _ := c.Generation()
	c.ForgetSession(hashOf("y")) // the change lands while the reader is reading
	c.PutSession(before, hashOf("y"), authcache.Session{})
	if _, ok := c.Session(hashOf("y")); ok {
		t.Fatal("a session read before it was forgotten was stored after")
	}
	before, _ = c.Generation()
	c.ForgetAccess()
	c.PutAccess(before, 7, 3, member("admin"))
	if _, ok := c.Access(7, 3); ok {
		t.Fatal("an access read before it was forgotten was stored after")
	}
}

// The trigger on http_sessions tells the cache of a session deleted by any
// statement, here an administrator's; a notification of access changes clears every
// access; an unknown announcement clears everything.
func TestHearsChangesFromTheDatabase(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	c := authcache.New(0)
	listening(t, db.Pool, c)

	keep, gone := hashOf("keep"), hashOf("gone")
	for _, h := range [][]byte{keep, gone} {
		if _, err := db.Pool.Exec(ctx, `insert into http_sessions (id_hash, expires_at, last_seen_at) values ($1, now() + interval '1 hour', now())`, h); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range [][]byte{keep, gone} {
		if !remember(c, func(gen uint64) { c.PutSession(gen, h, authcache.Session{}) },
			func() bool { _, ok := c.Session(h); return ok }) {
			t.Fatal("the session was not remembered")
		}
	}
	// Moving last_seen_at is announced to no one.
	if _, err := db.Pool.Exec(ctx, `update http_sessions set last_seen_at = now()`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `delete from http_sessions where id_hash = $1`, gone); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx, db.Pool); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Session(gone); ok {
		t.Fatal("a session deleted in the database is still remembered")
	}
	if _, err := db.Pool.Exec(ctx, `update http_sessions set data = '{"user_id":"9"}' where id_hash = $1`, keep); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx, db.Pool); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Session(keep); ok {
		t.Fatal("a session whose identity changed in the database is still remembered")
	}

	if !remember(c, func(gen uint64) { c.PutAccess(gen, 7, 3, member("admin")) },
		func() bool { _, ok := c.Access(7, 3); return ok }) {
		t.Fatal("the access was not remembered")
	}
	if _, err := db.Pool.Exec(ctx, `select pg_notify($1, 'a')`, authcache.Channel); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx, db.Pool); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Access(7, 3); ok {
		t.Fatal("an access is remembered after an access change was announced")
	}

	if !remember(c, func(gen uint64) { c.PutSession(gen, keep, authcache.Session{}) },
		func() bool { _, ok := c.Session(keep); return ok }) {
		t.Fatal("the session was not remembered")
	}
	if _, err := db.Pool.Exec(ctx, `select pg_notify($1, 'z-from-a-later-version')`, authcache.Channel); err != nil {
		t.Fatal(err)
	}
	if err := c.Sync(ctx, db.Pool); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Session(keep); ok {
		t.Fatal("an unknown announcement did not clear the cache")
	}
}

// A lost listening connection means changes may go unheard: everything remembered
// goes, nothing is remembered until the listener is back, and then it is.
func TestLostConnectionForgetsEverything(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	// A pool of its own, named, so that only this test's listener is ended.
	cfg := db.Config.Copy()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "authcache-" + hex.EncodeToString(b[:])
	cfg.ConnConfig.RuntimeParams["application_name"] = name
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	c := authcache.New(0)
	listening(t, pool, c)
	if !remember(c, func(gen uint64) { c.PutSession(gen, hashOf("s"), authcache.Session{}) },
		func() bool { _, ok := c.Session(hashOf("s")); return ok }) {
		t.Fatal("the session was not remembered")
	}

	var killed bool
	if err := db.Pool.QueryRow(ctx, `select coalesce(bool_or(pg_terminate_backend(pid)), false) from pg_stat_activity
		where application_name = $1`, name).Scan(&killed); err != nil || !killed {
		t.Fatalf("end the listening connection: %v, %v", killed, err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, ok := c.Session(hashOf("s")); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache kept remembering after its listening connection ended")
		}
	}
	// The listener reconnects after a second; until then nothing is kept.
	if gen, heard := c.Generation(); !heard {
		c.PutSession(gen, hashOf("s"), authcache.Session{})
		if _, ok := c.Session(hashOf("s")); ok {
			t.Fatal("a cache that lost its connection remembered a session")
		}
	}
	waitHeard(t, c) // back within the listener's retry second
	if !remember(c, func(gen uint64) { c.PutSession(gen, hashOf("s"), authcache.Session{}) },
		func() bool { _, ok := c.Session(hashOf("s")); return ok }) {
		t.Fatal("the cache does not remember after reconnecting")
	}
}
