package queries

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Querier runs statements: a pool, or a transaction whose snapshot several reads
// share.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Snapshot runs read in one read-only REPEATABLE READ transaction: every statement
// sees the read models as one commit left them, so a detail's version and the lists
// embedded in it describe the same moment. A read-only transaction takes no
// transaction id, so it never holds back what the projections may read; and read
// must do all its reading through tx, never through the pool, so a request holds one
// connection at a time.
func Snapshot(ctx context.Context, pool *pgxpool.Pool, read func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, read)
}

// Listing is one page of a read model's rows: the conditions, the keyset order, and
// how to read a row and its sort key. Every list reads the same way: the rows after
// the cursor, one row more than the page to know whether another follows, and the
// total from the first page (carried in the cursor after).
type Listing[T any] struct {
	Table   string
	Columns string
	Where   *Where
	Order   Keyset
	// Sort is the sort's name as the client gave it; a cursor is only good for it.
	Sort   string
	Limit  int
	Cursor string
	Scan   pgx.RowToFunc[T]
	// Key returns a row's id and its value in Order's column (nil when the order is by
	// id alone); DecodeKey reads that value back from a cursor.
	Key       func(T) (int64, any)
	DecodeKey func(json.RawMessage) (any, error)
}

// Page reads the page through q.
func (l Listing[T]) Page(ctx context.Context, q Querier) (Page[T], error) {
	cur, err := DecodeCursor(l.Cursor, l.Sort)
	if err != nil {
		return Page[T]{}, err
	}
	var total int64
	if cur != nil {
		total = cur.Total
		var key any
		if l.Order.Column != "" {
			if key, err = l.DecodeKey(cur.Key); err != nil {
				return Page[T]{}, err
			}
		}
		l.Order.After(l.Where, key, cur.ID)
	}
	args := append(l.Where.Args[:len(l.Where.Args):len(l.Where.Args)], l.Limit+1)
	rows, err := q.Query(ctx, `select `+l.Columns+` from `+l.Table+` where `+l.Where.SQL()+
		` order by `+l.Order.OrderBy()+` limit $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return Page[T]{}, err
	}
	items, err := pgx.CollectRows(rows, l.Scan)
	if err != nil {
		return Page[T]{}, err
	}
	// A first page that holds the whole list is its own count: most child lists are
	// that short, and counting would cost a second statement.
	switch {
	case cur != nil:
	case len(items) <= l.Limit:
		total = int64(len(items))
	default:
		if err := q.QueryRow(ctx, `select count(*) from `+l.Table+` where `+l.Where.SQL(), l.Where.Args...).Scan(&total); err != nil {
			return Page[T]{}, err
		}
	}
	return PageOf(items, total, l.Limit, l.Sort, l.Key), nil
}
