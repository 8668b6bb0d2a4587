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

// CountCap is where a list's first page stops counting the rows that match: past it
// the page reports CountCap as a floor (Count.Capped, "at least this many"). An exact
// count of a broad filter over a large read model reads every matching row, which
// costs many times the page it describes; counting stops early instead, so a page
// costs about the same whatever the list's size. Nobody pages through a thousand
// rows: they narrow the filter, and a narrower filter is counted exactly.
const CountCap = 1_000

// Listing is one page of a read model's rows: the conditions, the keyset order, and
// how to read a row and its sort key. Every list reads the same way: the rows after
// the cursor, one row more than the page to know whether another follows, and the
// count from the first page (carried in the cursor after).
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
	// Exact counts every matching row instead of stopping at CountCap: for a record's
	// child list, whose rows one index finds, and whose total a detail embeds with no
	// room to say it is a floor.
	Exact bool
}

// Page reads the page through q.
func (l Listing[T]) Page(ctx context.Context, q Querier) (Page[T], error) {
	cur, err := DecodeCursor(l.Cursor, l.Sort)
	if err != nil {
		return Page[T]{}, err
	}
	var total Count
	if cur != nil {
		total = Count{N: cur.Total, Capped: cur.Capped}
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
		total.N = int64(len(items))
	default:
		if total, err = l.count(ctx, q); err != nil {
			return Page[T]{}, err
		}
	}
	return PageOfCount(items, total, l.Limit, l.Sort, l.Key), nil
}

// count counts the rows that match, up to CountCap unless the list is Exact: the
// bounded count stops after reading CountCap+1 of them.
func (l Listing[T]) count(ctx context.Context, q Querier) (Count, error) {
	var c Count
	sql := `select count(*) from ` + l.Table + ` where ` + l.Where.SQL()
	if !l.Exact {
		sql = `select count(*) from (select from ` + l.Table + ` where ` + l.Where.SQL() +
			` limit ` + strconv.Itoa(CountCap+1) + `) matched`
	}
	if err := q.QueryRow(ctx, sql, l.Where.Args...).Scan(&c.N); err != nil {
		return Count{}, err
	}
	if !l.Exact && c.N > CountCap {
		c = Count{N: CountCap, Capped: true}
	}
	return c, nil
}
