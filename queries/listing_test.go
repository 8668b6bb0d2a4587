package queries

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/strata-grc/strata/schema/testdb"
)

type listed struct {
	ID    int64
	Score int
}

// listedTable fills a table of its own in a fresh schema: organization 1 holds 7 rows
// of kind "few", CountCap of kind "bound" and CountCap+30 of kind "many";
// organization 2 holds CountCap+30 "few" rows, which no list of organization 1 counts.
func listedTable(t *testing.T) Querier {
	t.Helper()
	db := testdb.New(t)
	ctx := context.Background()
	for _, sql := range []string{
		`create table listed (id bigint primary key, org_id bigint not null, kind text not null, score int not null)`,
		`insert into listed select i, 1, 'few', i % 5 from generate_series(1, 7) i`,
		`insert into listed select 100 + i, 1, 'bound', i % 5 from generate_series(1, $1::int) i`,
		`insert into listed select 100000 + i, 1, 'many', i % 5 from generate_series(1, $1::int + 30) i`,
		`insert into listed select 200000 + i, 2, 'few', i % 5 from generate_series(1, $1::int + 30) i`,
		`analyze listed`,
	} {
		var args []any
		if strings.Contains(sql, "$1") {
			args = append(args, CountCap)
		}
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	return db.Pool
}

func listOf(kind string, limit int, cursor string, desc bool) Listing[listed] {
	order, sort := Keyset{}, ""
	if desc {
		order, sort = Keyset{Column: "score", Desc: true}, "-score"
	}
	return Listing[listed]{
		Table: "listed", Columns: "id, score", Where: NewWhere("org_id = $1 and kind = $2", int64(1), kind),
		Order: order, Sort: sort, Limit: limit, Cursor: cursor,
		Scan: func(row pgx.CollectableRow) (listed, error) {
			var x listed
			err := row.Scan(&x.ID, &x.Score)
			return x, err
		},
		Key: func(x listed) (int64, any) {
			if desc {
				return x.ID, x.Score
			}
			return x.ID, nil
		},
		DecodeKey: CursorKey[int],
	}
}

// walkListed reads every page of a list, checking that each page after the first
// reports the first page's count, and returns the rows and that count.
func walkListed(t *testing.T, q Querier, list Listing[listed]) ([]listed, Count) {
	t.Helper()
	var rows []listed
	var first Count
	for n := 0; ; n++ {
		p, err := list.Page(context.Background(), q)
		if err != nil {
			t.Fatalf("page %d: %v", n, err)
		}
		got := Count{N: p.Total, Capped: p.TotalCapped}
		if n == 0 {
			first = got
		} else if got != first {
			t.Fatalf("page %d reports %+v, the first page %+v", n, got, first)
		}
		rows = append(rows, p.Items...)
		if p.NextCursor == nil {
			return rows, first
		}
		list.Cursor = *p.NextCursor
	}
}

// A list's first page counts the rows that match exactly up to CountCap and flags a
// floor past it; every later page carries the first page's figure and flag.
func TestListingCountStopsAtTheCap(t *testing.T) {
	t.Parallel()
	q := listedTable(t)
	for _, c := range []struct {
		kind  string
		limit int
		desc  bool
		want  Count
		rows  int
	}{
		{"few", 5, false, Count{N: 7}, 7},
		{"few", 7, false, Count{N: 7}, 7},
		{"few", 50, true, Count{N: 7}, 7},
		{"bound", 50, false, Count{N: CountCap}, CountCap},
		{"bound", 499, true, Count{N: CountCap}, CountCap},
		{"many", 50, false, Count{N: CountCap, Capped: true}, CountCap + 30},
		{"many", 500, true, Count{N: CountCap, Capped: true}, CountCap + 30},
		{"none", 50, false, Count{}, 0},
	} {
		rows, got := walkListed(t, q, listOf(c.kind, c.limit, "", c.desc))
		if got != c.want || len(rows) != c.rows {
			t.Errorf("%s by %d (desc %t): count %+v over %d rows, want %+v over %d", c.kind, c.limit, c.desc, got,
				len(rows), c.want, c.rows)
		}
		seen := map[int64]bool{}
		for _, x := range rows {
			if seen[x.ID] {
				t.Fatalf("%s by %d: row %d twice", c.kind, c.limit, x.ID)
			}
			seen[x.ID] = true
		}
	}

	// A list counted exactly has no bound: the child lists a detail embeds with a total
	// that has no room for a flag.
	exact := listOf("many", 50, "", false)
	exact.Exact = true
	if _, got := walkListed(t, q, exact); got != (Count{N: CountCap + 30}) {
		t.Errorf("an exact list counted %+v, want %d", got, CountCap+30)
	}

	// The flag travels in the cursor: a page read from it says capped even though it
	// counts nothing itself, and a cursor without the flag (an exact count) does not.
	first, err := listOf("many", 50, "", false).Page(context.Background(), q)
	if err != nil || first.NextCursor == nil {
		t.Fatalf("first page: %v", err)
	}
	c, err := DecodeCursor(*first.NextCursor, "")
	if err != nil || !c.Capped || c.Total != CountCap {
		t.Fatalf("the next cursor holds %+v (%v), want total %d capped", c, err, CountCap)
	}
	c.Capped = false
	next, err := listOf("many", 50, c.Encode(), false).Page(context.Background(), q)
	if err != nil || next.TotalCapped || next.Total != CountCap {
		t.Fatalf("a cursor without the flag read total %d capped %t (%v)", next.Total, next.TotalCapped, err)
	}
}
