package controls_test

import (
	"context"
	"slices"
	"testing"

	"github.com/strata-grc/strata/queries/controls"
	"github.com/strata-grc/strata/schema/testdb"
)

// The reply to a framework write (replayed, sorted by NaturalCompare) and the next
// GET (read model, sorted by the natural_order collation) must list requirements in
// one order. Codes whose separators differ disagree: ICU sorts punctuation before
// digits and ignores nothing, Go compares bytes.
func TestNaturalCompareAgreesOnSeparators(t *testing.T) {
	t.Parallel()
	codes := []string{"A1", "A.1", "A-1", "A_1", "A 1", "A(1)", "A/1", "AC-2(1)", "AC-2.a"} // distinct ignoring case, as codes of one framework are
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
}
