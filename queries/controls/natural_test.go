package controls_test

import (
	"context"
	"slices"
	"testing"

	"github.com/strata-grc/strata/queries/controls"
	"github.com/strata-grc/strata/schema/testdb"
)

// The replayed framework and the read model must list requirements in one order, so
// the Go comparison is checked against the database's collation on the same codes.
func TestNaturalCompareAgreesWithTheCollation(t *testing.T) {
	t.Parallel()
	codes := []string{"VDP-10", "VDP-2", "VDP-1", "A.1.10", "A.1.9", "a.1.2", "BS-01", "BS-1a", "BS-02", "X", "x10", "x9", "007", "7", "AC-3(1)", "AC-3",
		// Separators: ICU sorts punctuation before digits, byte order does not.
		"A1", "A.1", "A-1", "A_1", "A 1", "A(1)", "A/1", "AC-2(1)", "AC-2.a"}
	got := slices.Clone(codes)
	slices.SortStableFunc(got, controls.NaturalCompare)
	db := testdb.New(t)
	rows, err := db.Pool.Query(context.Background(), `select x from unnest($1::text[]) x order by x collate natural_order`, codes)
	if err != nil {
		t.Fatal(err)
	}
	var fromDB []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		fromDB = append(fromDB, s)
	}
	if !slices.Equal(got, fromDB) {
		t.Fatalf("Go order  %q\ncollation %q", got, fromDB)
	}
	for _, pair := range [][2]string{{"VDP-2", "VDP-10"}, {"A.1.9", "A.1.10"}, {"x9", "x10"}, {"AC-3", "AC-3(1)"}} {
		if slices.Index(got, pair[0]) > slices.Index(got, pair[1]) {
			t.Errorf("%s sorts after %s", pair[0], pair[1])
		}
	}
}
