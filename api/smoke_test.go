package api_test

import (
	"net/http"
	"testing"
)

func TestCreateThenList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("POST", "/api/risks", map[string]any{"title": "Vendor outage", "category": "Operational", "likelihood": 3, "impact": 4})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	l := e.do("GET", "/api/risks?action=list", nil)
	if l.Status != 200 || l.Meta == nil || l.Meta.Total != 1 {
		t.Fatalf("list right after create (same session): %d %s", l.Status, l.Raw)
	}
}
