package queries

import (
	"slices"
	"testing"

	"github.com/strata-grc/strata"
)

func TestAnyOfAndIn(t *testing.T) {
	allowed := []string{"Low", "High", "Critical"}
	for _, c := range []struct {
		v  string
		ok bool
	}{
		{"", true}, {"High", true}, {"High,Critical", true}, {"Critical,Low,High", true},
		{"high", false}, {"High,", false}, {",High", false}, {"High,,Low", false}, {"High,Huge", false}, {"High, Low", false},
	} {
		errs := strata.FieldErrors{}
		AnyOf(errs, "rating", c.v, allowed)
		if got := len(errs) == 0; got != c.ok {
			t.Errorf("AnyOf(%q) ok = %v, want %v (%v)", c.v, got, c.ok, errs)
		}
	}

	w := NewWhere("org_id = $1", int64(7))
	w.In("status", "")
	w.In("rating", "High")
	w.In("tier", "High,Critical")
	if got, want := w.SQL(), "org_id = $1 and rating = $2 and tier = any($3)"; got != want {
		t.Fatalf("SQL %q, want %q", got, want)
	}
	if list, ok := w.Args[2].([]string); !ok || !slices.Equal(list, []string{"High", "Critical"}) {
		t.Fatalf("args %#v", w.Args)
	}
}
