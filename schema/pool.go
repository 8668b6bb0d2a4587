package schema

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolSettings bound what Strata asks of PostgreSQL. Zero values take the defaults,
// which are what production runs and what the tests run: a deadlock that only shows
// with a small pool must show in the tests too.
type PoolSettings struct {
	// MaxConns is the pool's size (default DefaultMaxConns).
	MaxConns int32
	// StatementTimeout ends any statement running longer (default 30s). Maintenance
	// work that legitimately runs longer (migrations, a rebuild's index builds) lifts
	// it for its own transaction.
	StatementTimeout time.Duration
	// LockTimeout ends any statement waiting longer for a lock (default 5s), so a
	// writer queued behind a stuck one fails instead of holding its connection.
	LockTimeout time.Duration
	// IdleInTransactionTimeout ends a session left idle inside a transaction (default
	// 60s): a leaked transaction would otherwise hold locks and the snapshot horizon
	// that projections read below.
	IdleInTransactionTimeout time.Duration
}

// DefaultMaxConns is the pool size when none is set: enough for a busy server on a
// small machine, well under PostgreSQL's default of 100 connections so a second
// process (a seed, a rebuild) still gets in.
const DefaultMaxConns = 16

func (s *PoolSettings) setDefaults() {
	if s.MaxConns <= 0 {
		s.MaxConns = DefaultMaxConns
	}
	if s.StatementTimeout <= 0 {
		s.StatementTimeout = 30 * time.Second
	}
	if s.LockTimeout <= 0 {
		s.LockTimeout = 5 * time.Second
	}
	if s.IdleInTransactionTimeout <= 0 {
		s.IdleInTransactionTimeout = time.Minute
	}
}

// PoolConfig parses url into a pool configuration carrying s.
func PoolConfig(url string, s PoolSettings) (*pgxpool.Config, error) {
	s.setDefaults()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	cfg.MaxConns = s.MaxConns
	params := cfg.ConnConfig.RuntimeParams
	params["statement_timeout"] = millis(s.StatementTimeout)
	params["lock_timeout"] = millis(s.LockTimeout)
	params["idle_in_transaction_session_timeout"] = millis(s.IdleInTransactionTimeout)
	if params["application_name"] == "" {
		params["application_name"] = "strata"
	}
	// Compiling a plan to machine code pays off for long analytical scans, which
	// Strata does not run: its statements are pages, bounded counts and projection
	// writes. JIT only kicks in for plans estimated costly, and here those were the
	// ones planned on wrong estimates (a table not yet analysed, a common search
	// word): compiling took 200 and 270 ms of two such reads of 740 and 440 ms. A URL
	// may still turn it on (jit=on).
	if params["jit"] == "" {
		params["jit"] = "off"
	}
	// A connection broken by a database restart is found by the ping before use
	// rather than by a failed request.
	cfg.PingTimeout = 2 * time.Second
	return cfg, nil
}

// NewPool connects a pool to url with s.
func NewPool(ctx context.Context, url string, s PoolSettings) (*pgxpool.Pool, error) {
	cfg, err := PoolConfig(url, s)
	if err != nil {
		return nil, err
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}

func millis(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
