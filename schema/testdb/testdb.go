// Package testdb gives each test its own freshly migrated PostgreSQL schema, so tests
// run in parallel against the real database without seeing each other's rows.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	// pg_trgm lives in public; the test's own schema comes first.
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
		_, err = c.Exec(ctx, "create extension if not exists pg_trgm schema public")
		_ = c.Close(ctx)
		if err == nil {
			return nil
		}
	}
	return err
}
