package trail

import "testing"

// TestDense: a first page says its matches lie close together when counting newest
// first would reach the cap within denseWalk positions.
func TestDense(t *testing.T) {
	page := func(newest, step int64) []Row {
		rows := make([]Row, 51)
		for i := range rows {
			rows[i].Position = newest - int64(i)*step
		}
		return rows
	}
	for _, c := range []struct {
		step int64
		want bool
	}{
		{1, true},  // every event matches
		{5, true},  // one in five: the cap within 50,000 positions
		{10, true}, // one in ten: the cap at the walk's bound
		{11, false},
		{50, false}, // one in fifty: a bitmap of the matches is smaller than the walk
	} {
		if got := dense(page(1_000_000, c.step)); got != c.want {
			t.Errorf("one match every %d positions: dense %t, want %t", c.step, got, c.want)
		}
	}
}
