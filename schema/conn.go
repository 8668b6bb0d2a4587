package schema

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Querier runs statements: the pool, or a connection or transaction taken from it.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type connKey struct{}

// WithConn makes the store, and every other caller of Conn, run its statements on q
// for the calls made with the returned context. Code that holds a pooled connection
// (a transaction holding a lock, say) passes it down this way so that nothing it calls
// waits for a second connection from the same pool: with every connection held by
// someone waiting for another, the pool would deadlock. Appends to the log need a
// connection outside a transaction: a refused append aborts the transaction it ran in.
func WithConn(ctx context.Context, q Querier) context.Context {
	return context.WithValue(ctx, connKey{}, q)
}

// Conn is the connection ctx carries (see WithConn), or pool.
func Conn(ctx context.Context, pool *pgxpool.Pool) Querier {
	if q, ok := ctx.Value(connKey{}).(Querier); ok {
		return q
	}
	return pool
}
