// Package testdb gives each test its own freshly migrated PostgreSQL schema, so tests
// run in parallel against the real database without seeing each other's rows.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/schema"
)

// DefaultURL is used when STRATA_TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://localhost:5432/strata_test?sslmode=disable"

// URL is the database the tests use.
func URL() string {
	if u := os.Getenv("STRATA_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

var ensureOnce sync.Once
var ensureErr error

// DB is one test's isolated schema.
type DB struct {
	Pool   *pgxpool.Pool
	Schema string
	// Config connects further pools to the same schema (a second process, say).
	Config *pgxpool.Config
}

// New creates a schema named after nothing in particular, migrates it and drops it
// when the test ends.
func New(t testing.TB) *DB {
	t.Helper()
	ctx := context.Background()
	ensureOnce.Do(func() { ensureErr = prepare(ctx) })
	if ensureErr != nil {
		t.Fatalf("test database %s: %v", URL(), ensureErr)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])

	admin, err := pgx.Connect(ctx, URL())
	if err != nil {
		t.Fatalf("connect %s: %v", URL(), err)
	}
	if _, err := admin.Exec(ctx, "create schema "+name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	_ = admin.Close(ctx)

	// The production pool settings: a test must not pass only because its pool is
	// larger than the one users run.
	cfg, err := schema.PoolConfig(URL(), schema.PoolSettings{})
	if err != nil {
		t.Fatal(err)
	}
	// pg_trgm and btree_gin live in public; the test's own schema comes first.
	cfg.ConnConfig.RuntimeParams["search_path"] = name + ",public"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Migrate(ctx, pool); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		if os.Getenv("STRATA_TEST_KEEP_SCHEMA") != "" {
			t.Logf("kept schema %s", name)
			return
		}
		c, err := pgx.Connect(context.Background(), URL())
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "drop schema "+name+" cascade")
	})
	return &DB{Pool: pool, Schema: name, Config: cfg}
}

// prepare creates the test database and the extensions the migrations expect, once per
// process; test binaries running side by side may race here, so a lost race is retried.
func prepare(ctx context.Context) error {
	if err := schema.EnsureDatabase(ctx, URL()); err != nil {
		return err
	}
	var err error
	for range 5 {
		var c *pgx.Conn
		c, err = pgx.Connect(ctx, URL())
		if err != nil {
			return err
		}
		_, err = c.Exec(ctx, "create extension if not exists pg_trgm schema public; create extension if not exists btree_gin schema public")
		_ = c.Close(ctx)
		if err == nil {
			return nil
		}
	}
	return err
}

// Role is a login role made for one test, for checking what a role other than the
// owner may do.
type Role struct {
	Name, Password string
}

// NewRole creates a login role with a random name (roles belong to the whole server,
// not to a schema) that is no superuser and holds no privileges, and drops it with
// every privilege granted to it when the test ends. The test database's user must
// be allowed to create roles.
func NewRole(t testing.TB) Role {
	t.Helper()
	ctx := context.Background()
	ensureOnce.Do(func() { ensureErr = prepare(ctx) })
	if ensureErr != nil {
		t.Fatalf("test database %s: %v", URL(), ensureErr)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	var p [12]byte
	_, _ = rand.Read(p[:])
	r := Role{Name: "strata_test_" + hex.EncodeToString(b[:]), Password: hex.EncodeToString(p[:])}
	admin, err := pgx.Connect(ctx, URL())
	if err != nil {
		t.Fatalf("connect %s: %v", URL(), err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "create role "+r.Name+" login nosuperuser nocreatedb nocreaterole password '"+r.Password+"'"); err != nil {
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), URL())
		if err != nil {
			t.Errorf("drop role %s: %v", r.Name, err)
			return
		}
		defer c.Close(context.Background())
		// Privileges granted to the role, default privileges included, go first: a
		// role that still holds any cannot be dropped.
		if _, err := c.Exec(context.Background(), "drop owned by "+r.Name); err != nil {
			t.Errorf("drop owned by %s: %v", r.Name, err)
		}
		if _, err := c.Exec(context.Background(), "drop role "+r.Name); err != nil {
			t.Errorf("drop role %s: %v", r.Name, err)
		}
	})
	return r
}

// URLAs is a connection URL to the test's schema as role r.
func (db *DB) URLAs(r Role) string {
	u, err := url.Parse(URL())
	if err != nil {
		panic(err)
	}
	u.User = url.UserPassword(r.Name, r.Password)
	q := u.Query()
	q.Set("search_path", db.Schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}
