package api_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/strata-grc/strata/commands/identity"
)

// heard waits until the env's server remembers sessions and access, so that what
// follows runs through its cache.
func (e *env) heard() {
	e.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, ok := e.App.Auth.Generation(); ok {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatal("the server's session cache did not start listening in 30s")
		}
	}
}

// via is e's client (its cookies) talking to another server.
func (e *env) via(server *env) *env {
	v := *e
	v.URL = server.URL
	return &v
}

// servedFromCache sends GETs of path until one is answered from the server's
// memory (another test's announcements on the shared channel may make it forget).
func servedFromCache(t *testing.T, e, server *env, path string) {
	t.Helper()
	for range 50 {
		hits, _ := server.App.Auth.Stats()
		wantOK(t, e.do("GET", path, nil), http.StatusOK)
		if now, _ := server.App.Auth.Stats(); now > hits {
			return
		}
	}
	t.Fatal("no request was answered from the server's session cache")
}

// Two servers on one database each remember the sessions and access they have seen.
// A session ended, a member removed or demoted through one server is refused by the
// other on its next request once the other heard the database's announcement, and
// by the first at once.
func TestAuthCacheAcrossServers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	second, _, _ := newStoppedEnv(t, e.DB)
	e.heard()
	second.heard()
	ctx := context.Background()
	sync := func() {
		t.Helper()
		if err := second.App.Auth.Sync(ctx, e.DB.Pool); err != nil {
			t.Fatal(err)
		}
	}

	// A logout through one server.
	gone := e.otherSession()
	servedFromCache(t, gone.via(second), second, "/api/risks")
	servedFromCache(t, gone, e, "/api/risks")
	wantOK(t, gone.do("POST", "/api/auth/logout", nil), http.StatusOK)
	sync()
	wantErr(t, gone.via(second).do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")

	// A session deleted by an administrator in the database.
	deleted := e.otherSession()
	servedFromCache(t, deleted, e, "/api/risks")
	servedFromCache(t, deleted.via(second), second, "/api/risks")
	if _, err := e.DB.Pool.Exec(ctx, `delete from http_sessions where id_hash = sha256(convert_to($1, 'UTF8'))`, deleted.cookie()); err != nil {
		t.Fatal(err)
	}
	sync()
	if err := e.App.Auth.Sync(ctx, e.DB.Pool); err != nil {
		t.Fatal(err)
	}
	wantErr(t, deleted.via(second).do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
	wantErr(t, deleted.do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")

	// A member removed and a member demoted through the first server.
	removed := e.loggedIn(e.createUser(1, "Removed", identity.RiskManager))
	demoted := e.loggedIn(e.createUser(1, "Demoted", identity.RiskManager))
	for _, m := range []*env{removed, demoted} {
		servedFromCache(t, m.via(second), second, "/api/risks")
	}
	wantOK(t, e.do("DELETE", "/api/members/"+strconv.FormatInt(e.userID(removed.Email), 10), nil), http.StatusOK)
	wantOK(t, e.do("PUT", "/api/members/"+strconv.FormatInt(e.userID(demoted.Email), 10), map[string]any{"role": "viewer"}), http.StatusOK)
	sync()
	wantErr(t, removed.via(second).do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
	newRisk := map[string]any{"title": "t", "category": "c", "likelihood": 1, "impact": 1}
	wantErr(t, demoted.via(second).do("POST", "/api/risks", newRisk), http.StatusForbidden, "PERMISSION_DENIED")
	wantErr(t, demoted.do("POST", "/api/risks", newRisk), http.StatusForbidden, "PERMISSION_DENIED")
}
