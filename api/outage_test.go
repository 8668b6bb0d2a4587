package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/schema/testdb"
)

// While the database cannot be reached, a request with a valid session is answered
// 503 with Retry-After, never 401: the web application must not send its users to
// the login page over a database restart. /readyz says the database is unreachable.
// When the database is back, the same session works again.
func TestDatabaseOutageKeepsSessions(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	pool, outage := testdb.PoolThroughOutage(t, db)
	through := *db
	through.Pool = pool
	e := newEnvOn(t, &through, api.Principal{OrgID: 1, Name: "Outage User"})
	if r := e.do("POST", "/api/risks", outageRisk); r.Status != http.StatusCreated {
		t.Fatalf("create before the outage: %d %s", r.Status, r.Raw)
	}

	outage.Cut()
	for _, req := range []struct{ method, path string }{
		{"GET", "/api/risks"},
		{"GET", "/api/auth/status"},
		{"GET", "/api/dashboard"},
		{"POST", "/api/risks"},
		{"POST", "/api/auth/logout"},
	} {
		var body any
		if req.method == "POST" && req.path == "/api/risks" {
			body = outageRisk
		}
		r := e.do(req.method, req.path, body)
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s during the outage: %d (Retry-After %q) %s, want 503 with Retry-After",
				req.method, req.path, r.Status, r.Header.Get("Retry-After"), r.Raw)
		}
		if r.Error == nil || r.Error.Code != "SERVER_ERROR" || r.Error.RequestID == "" {
			t.Errorf("%s %s during the outage: error %s, want SERVER_ERROR in the envelope", req.method, req.path, r.Raw)
		}
	}
	if r := e.do("GET", "/readyz", nil); r.Status != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %d %s", r.Status, r.Raw)
	}

	outage.Restore()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := e.do("GET", "/api/risks", nil)
		if r.Status == http.StatusOK {
			break
		}
		if r.Status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("after the outage the session gets %d %s, want 200 (the session survives)", r.Status, r.Raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := e.do("GET", "/api/auth/status", nil); r.Status != http.StatusOK || !strings.Contains(string(r.Data), `"authenticated":true`) {
		t.Errorf("status after the outage: %d %s", r.Status, r.Raw)
	}
	if r := e.do("GET", "/readyz", nil); r.Status != http.StatusOK {
		t.Errorf("/readyz after the outage: %d %s", r.Status, r.Raw)
	}
}

var outageRisk = map[string]any{"title": "Before the outage", "category": "Availability", "likelihood": 2, "impact": 3}
