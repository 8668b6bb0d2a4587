package queries

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Listing is one page of a read model's rows: the conditions, the keyset order, and
// how to read a row and its sort key. Every list reads the same way: the total from
// the first page (carried in the cursor after), the rows after the cursor, one row
// more than the page to know whether another follows.
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

// Page reads the page.
func (l Listing[T]) Page(ctx context.Context, pool *pgxpool.Pool) (Page[T], error) {
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
	} else if err := pool.QueryRow(ctx, `select count(*) from `+l.Table+` where `+l.Where.SQL(), l.Where.Args...).Scan(&total); err != nil {
		return Page[T]{}, err
	}
	args := append(l.Where.Args, l.Limit+1)
	rows, err := pool.Query(ctx, `select `+l.Columns+` from `+l.Table+` where `+l.Where.SQL()+
		` order by `+l.Order.OrderBy()+` limit $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return Page[T]{}, err
	}
	items, err := pgx.CollectRows(rows, l.Scan)
	if err != nil {
		return Page[T]{}, err
	}
	return PageOf(items, total, l.Limit, l.Sort, l.Key), nil
}
