package dashboard

import (
	"strings"
	"testing"
)

func TestLRUBounds(t *testing.T) {
	view := func(labels int) *pastView {
		v := &pastView{counts: map[string]int64{"risks_open": 1}, charts: map[string]Chart{}}
		c := Chart{ChartType: "risk_heatmap"}
		for range labels {
			c.Labels = append(c.Labels, strings.Repeat("x", 10))
			c.Values = append(c.Values, 1)
		}
		v.charts[c.ChartType] = c
		return v
	}
	key := func(i int64) pastKey { return pastKey{org: 1, at: i} }

	c := newLRU(3, 1<<20)
	for i := range int64(5) {
		c.put(key(i), view(1))
	}
	if c.len() != 3 {
		t.Fatalf("%d entries, want 3", c.len())
	}
	if _, ok := c.get(key(1)); ok {
		t.Error("the oldest entries were kept past the bound")
	}
	c.get(key(2)) // now the most recent: 3 goes next
	c.put(key(9), view(1))
	if _, ok := c.get(key(2)); !ok {
		t.Error("an entry just read was dropped")
	}
	if _, ok := c.get(key(3)); ok {
		t.Error("the least recently used entry was kept")
	}

	small := view(10).size() + 64
	c = newLRU(100, 2*small+small/2)
	for i := range int64(4) {
		c.put(key(i), view(10))
	}
	if c.len() != 2 || c.bytes > c.maxBytes {
		t.Fatalf("%d entries of %d bytes, bound %d", c.len(), c.bytes, c.maxBytes)
	}
	c.put(key(99), view(100_000))
	if _, ok := c.get(key(99)); ok || c.len() != 2 {
		t.Error("an answer larger than the whole cache was kept, or pushed the others out")
	}
	// The same key again replaces its entry.
	c.put(key(3), view(10))
	if c.len() != 2 || c.bytes > c.maxBytes {
		t.Fatalf("%d entries of %d bytes after replacing one", c.len(), c.bytes)
	}
	// Callers who may be told different things never share an entry.
	c = newLRU(10, 1<<20)
	c.put(pastKey{org: 1, at: 5, user: 7}, view(1))
	for _, k := range []pastKey{{org: 1, at: 5, user: 8}, {org: 1, at: 5, user: 7, admin: true},
		{org: 1, at: 5, user: 7, perms: "cases:read"}, {org: 2, at: 5, user: 7}, {org: 1, at: 6, user: 7}} {
		if _, ok := c.get(k); ok {
			t.Errorf("%+v shares the entry of user 7", k)
		}
	}
}
