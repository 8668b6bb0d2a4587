package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/api/sessionstore"
	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/schema/testdb"
)

// This file tests the hardening that no single feature owns: security headers,
// session rotation and caps, sweeping, login timing, owners' membership, /metrics
// access and write tokens that tell nothing about other organizations.

// parseWriteToken reads a write token the way only a test may: it is base64 JSON of
// the written stream and its version.
func parseWriteToken(tok string) (string, int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", 0, err
	}
	var t struct {
		Stream  string `json:"s"`
		Version int64  `json:"v"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return "", 0, err
	}
	if t.Stream == "" || t.Version <= 0 {
		return "", 0, fmt.Errorf("token %q names no write", tok)
	}
	return t.Stream, t.Version, nil
}

func decodeWriteToken(t testing.TB, tok string) (string, int64) {
	t.Helper()
	stream, version, err := parseWriteToken(tok)
	if err != nil {
		t.Fatalf("X-Event-Position %q: %v", tok, err)
	}
	return stream, version
}

// tokenPosition is where the write a token names stands in the log.
func tokenPosition(ctx context.Context, store events.Store, tok string) (events.Position, error) {
	stream, version, err := parseWriteToken(tok)
	if err != nil {
		return events.Position{}, err
	}
	evs, err := store.ReadStream(ctx, stream, events.ReadOptions{FromVersion: version, ToVersion: version})
	if err != nil {
		return events.Position{}, err
	}
	if len(evs) != 1 {
		return events.Position{}, errors.New("no event at the token's version")
	}
	return evs[0].Position(), nil
}

// get sends a GET without the env's helpers, to see headers of any answer.
func rawGet(t *testing.T, c *http.Client, url string, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	e := newEnvOn(t, db, api.Principal{OrgID: 1, Name: "Headers"})
	paths := []string{"/", "/risks/7", "/api/auth/status", "/api/risks", "/api/no-such-route", "/healthz", "/readyz",
		"/metrics", "/api/openapi.json"}
	for _, p := range paths {
		resp := rawGet(t, e.Client, e.URL+p)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self';", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-eval") || strings.Contains(strings.SplitN(csp, "style-src", 2)[0], "unsafe-inline") {
			t.Errorf("%s: CSP %q lets scripts run inline or through eval", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s (%d): headers %v", p, resp.StatusCode, h)
		}
		// Plain HTTP with cookies not marked Secure: no HSTS.
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP: %q", p, h.Get("Strict-Transport-Security"))
		}
	}

	// Secure cookies (TLS ends at a proxy) bring HSTS to every answer.
	secure, start, _ := newStoppedEnvWith(t, db, app.Options{Sessions: sessionstore.Config{Secure: true}})
	start()
	for _, p := range paths {
		resp := rawGet(t, secure.Client, secure.URL+p)
		if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=31536000") {
			t.Errorf("%s with secure cookies: HSTS %q", p, got)
		}
	}
}

func TestSessionRotatesOnOrganizationSwitch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	email := e.createUser(1, "Two Hats", identity.RiskManager)
	e.createUser(2, "Org Two Admin", identity.Admin)
	org2 := e.orgID(2)
	uid := e.userID(email)
	meta := events.Metadata{OrgID: org2, ActorName: events.System, CorrelationID: "test-setup"}
	if _, err := e.App.Identity.SetMembership(ctx, meta, uid, identity.Viewer); err != nil {
		t.Fatal(err)
	}
	e.settle()
	u := e.loggedIn(email)
	before := u.cookie()
	copied := e.withCookie(before)
	wantOK(t, copied.do("GET", "/api/risks", nil), http.StatusOK)

	r := u.do("POST", "/api/auth/organization", map[string]any{"organization_id": org2})
	wantOK(t, r, http.StatusOK)
	after := u.cookie()
	if after == "" || after == before {
		t.Fatalf("session token after the switch %q, before %q", after, before)
	}
	if st := u.status(); !st.Authenticated || st.Organization == nil || st.Organization.ID != org2 {
		t.Fatalf("status after the switch: %+v", st)
	}
	// Whoever held the old token holds nothing now, in either organization.
	wantErr(t, copied.do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
	if n := e.sessionRows(before); n != 0 {
		t.Fatalf("%d rows left for the old token", n)
	}
	r = u.do("GET", "/api/auth/sessions", nil)
	wantOK(t, r, http.StatusOK)
	var list []sessionInfo
	r.into(t, &list)
	if len(list) != 1 || list[0].ID != publicID(after) || !list[0].Current {
		t.Fatalf("sessions after the switch: %s", r.Raw)
	}
	// Switching to the organization the session is in already changes nothing.
	wantOK(t, u.do("POST", "/api/auth/organization", map[string]any{"organization_id": org2}), http.StatusOK)
	if u.cookie() != after {
		t.Fatal("a switch to the current organization replaced the token")
	}
}

func TestSessionRotatesOnPasswordChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	email := e.createUser(1, "Rotating", identity.Viewer)
	e.settle()
	u := e.loggedIn(email)
	before := u.cookie()
	copied := e.withCookie(before)
	wantOK(t, copied.do("GET", "/api/risks", nil), http.StatusOK)

	r := u.do("PUT", "/api/auth/password", map[string]string{"current_password": testPassword, "new_password": "another quite long passphrase"})
	wantOK(t, r, http.StatusOK)
	after := u.cookie()
	if after == "" || after == before {
		t.Fatalf("session token after the password change %q, before %q", after, before)
	}
	wantOK(t, u.do("GET", "/api/risks", nil), http.StatusOK)
	wantErr(t, copied.do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
	if n := e.sessionRows(before); n != 0 {
		t.Fatalf("%d rows left for the old token", n)
	}
}

func TestLoginIntoForeignOrganizationIsAFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	email := e.createUser(1, "Outsider", identity.RiskManager)
	e.createUser(2, "Org Two Admin", identity.Admin)
	e.settle()
	uid := e.userID(email)
	for _, org := range []int64{e.orgID(2), 987654321} {
		r := e.anonymous().do("POST", "/api/auth/login", map[string]any{"email": email, "password": testPassword, "organization_id": org})
		wantErr(t, r, http.StatusUnauthorized, "AUTH_REQUIRED")
		// The same answer as a wrong password: it does not confirm the password.
		wrong := e.anonymous().do("POST", "/api/auth/login", map[string]any{"email": email, "password": "wrong", "organization_id": org})
		if r.Error.Message != wrong.Error.Message {
			t.Fatalf("answers differ: %q and %q", r.Error.Message, wrong.Error.Message)
		}
	}
	failed := e.waitSecurityEvents("LoginFailed", uid, 4)
	var reasons []string
	for _, f := range failed {
		reasons = append(reasons, fmt.Sprint(f.Data["reason"]))
	}
	// Each failure is recorded after its answer goes out, so two close attempts may
	// be recorded in either order.
	slices.Sort(reasons)
	if !slices.Equal(reasons, []string{"bad_password", "bad_password", "not_member", "not_member"}) {
		t.Fatalf("failures recorded: %v", reasons)
	}
	if len(e.securityEvents("LoginSucceeded", uid)) != 0 {
		t.Fatal("a login into a foreign organization was recorded as a success")
	}
}

func TestSessionCap(t *testing.T) {
	t.Parallel()
	e := newConfiguredEnv(t, testdb.New(t), api.Config{MaxSessions: 3})
	email := e.createUser(1, "Many Devices", identity.Viewer)
	other := e.createUser(1, "Someone Else", identity.Viewer)
	e.settle()
	bystander := e.loggedIn(other)
	var devices []*env
	for range 5 {
		devices = append(devices, e.loggedIn(email))
	}
	// The two oldest were ended, oldest first; the newest three live on.
	for i, d := range devices {
		r := d.do("GET", "/api/risks", nil)
		if i < 2 {
			wantErr(t, r, http.StatusUnauthorized, "AUTH_REQUIRED")
		} else {
			wantOK(t, r, http.StatusOK)
		}
	}
	wantOK(t, bystander.do("GET", "/api/risks", nil), http.StatusOK)
	r := devices[4].do("GET", "/api/auth/sessions", nil)
	wantOK(t, r, http.StatusOK)
	var list []sessionInfo
	r.into(t, &list)
	if len(list) != 3 {
		t.Fatalf("sessions: %s", r.Raw)
	}
	var ended []string
	for _, ev := range e.securityEvents("LoggedOut", e.userID(email)) {
		if ev.Data["reason"] == "session_limit" {
			ended = append(ended, fmt.Sprint(ev.Data["session"]))
		}
	}
	want := []string{publicID(devices[0].cookie()), publicID(devices[1].cookie())}
	if !slices.Equal(ended, want) {
		t.Fatalf("sessions ended for the cap %v, want %v", ended, want)
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	e := newConfiguredEnv(t, db, api.Config{Throttle: api.ThrottlePolicy{Window: time.Hour}})
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	seed := func() {
		exec(`insert into http_sessions (id_hash, expires_at, last_seen_at) values
			('\x01', now() - interval '1 minute', now()),
			('\x02', now() + interval '1 hour', now() - interval '2 hours'),
			('\x03', now() + interval '1 hour', now())`)
		exec(`insert into login_failures (scope, key, failures, window_start, blocked_until) values
			('address', 'old', 3, now() - interval '2 hours', null),
			('address', 'old-unblocked', 9, now() - interval '2 hours', now() - interval '1 minute'),
			('address', 'old-still-blocked', 9, now() - interval '2 hours', now() + interval '1 hour'),
			('address', 'recent', 1, now() - interval '10 minutes', null)`)
	}
	left := func() (sessions []string, failures []string) {
		t.Helper()
		rows, _ := db.Pool.Query(ctx, `select encode(id_hash, 'hex') from http_sessions where length(id_hash) = 1 order by 1`)
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			sessions = append(sessions, s)
		}
		rows.Close()
		rows, _ = db.Pool.Query(ctx, `select key from login_failures order by key`)
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			failures = append(failures, s)
		}
		rows.Close()
		return sessions, failures
	}
	seed()
	swept, err := e.Server.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sessions, failures := left()
	if swept.Sessions != 2 || swept.LoginFailures != 2 || !slices.Equal(sessions, []string{"03"}) ||
		!slices.Equal(failures, []string{"old-still-blocked", "recent"}) {
		t.Fatalf("swept %+v; left sessions %v, failures %v", swept, sessions, failures)
	}

	// The sweeper does the same on its own, every interval.
	exec(`delete from http_sessions`)
	exec(`delete from login_failures`)
	seed()
	fast := newConfiguredEnv(t, db, api.Config{Throttle: api.ThrottlePolicy{Window: time.Hour}, SweepInterval: 20 * time.Millisecond})
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); fast.Server.RunSweeper(sctx) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		sessions, failures = left()
		if slices.Equal(sessions, []string{"03"}) && slices.Equal(failures, []string{"old-still-blocked", "recent"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sweeper left sessions %v, failures %v", sessions, failures)
		}
	}
}

// TestLoginTiming prints how long failed logins take with an email that has an
// account and with one that has none, with the production password hasher. It
// asserts nothing about the figures (timing depends on the machine); it shows that
// both paths spend the same hashing work.
func TestLoginTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes at production cost")
	}
	t.Parallel()
	// Throttling would answer before the password is checked.
	e := newConfiguredEnvWith(t, testdb.New(t), app.Options{Hasher: identity.DefaultHasher}, api.Config{
		Throttle: api.ThrottlePolicy{PairFailures: 1 << 20, AccountFailures: 1 << 20, AddressFailures: 1 << 20}})
	known := e.createUser(1, "Timed", identity.Viewer)
	e.settle()
	const n = 40
	var withAccount, without []time.Duration
	for i := range n {
		for _, email := range []string{known, fmt.Sprintf("nobody-%d@example.com", i)} {
			start := time.Now()
			r := e.anonymous().attempt(email, "not the password")
			took := time.Since(start)
			wantErr(t, r, http.StatusUnauthorized, "AUTH_REQUIRED")
			if email == known {
				withAccount = append(withAccount, took)
			} else {
				without = append(without, took)
			}
		}
	}
	median := func(d []time.Duration) time.Duration {
		slices.Sort(d)
		return d[len(d)/2]
	}
	t.Logf("failed login, median of %d: existing email %s, unknown email %s", n,
		median(withAccount).Round(10*time.Microsecond), median(without).Round(10*time.Microsecond))
}

func TestOwnersMustBeMembers(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	ctx := context.Background()
	member := e.userID(e.createUser(1, "Member", identity.Viewer))
	outsider := e.userID(e.createUser(2, "Outsider", identity.Admin))
	leaver := e.userID(e.createUser(1, "Leaver", identity.Viewer))
	e.settle()

	for _, bad := range []int64{outsider, 987654321} {
		wantErr(t, e.do("POST", "/api/risks", map[string]any{"title": "R", "category": "C", "likelihood": 1, "impact": 1, "owner_id": bad}),
			http.StatusBadRequest, "VALIDATION_ERROR", "owner_id")
		wantErr(t, e.do("POST", "/api/controls", map[string]any{"code": "OWN-X", "title": "C", "type": "preventive", "frequency": "monthly", "owner_id": bad}),
			http.StatusBadRequest, "VALIDATION_ERROR", "owner_id")
	}
	risk := e.create(map[string]any{"title": "Owned", "owner_id": member})
	control := e.newControl("OWN-1", map[string]any{"owner_id": member})
	wantErr(t, e.do("PUT", riskPath(risk.ID), map[string]any{"owner_id": outsider}), http.StatusBadRequest, "VALIDATION_ERROR", "owner_id")
	wantErr(t, e.do("PUT", controlPath(control.ID), map[string]any{"owner_id": outsider}), http.StatusBadRequest, "VALIDATION_ERROR", "owner_id")
	wantErr(t, e.do("POST", riskPath(risk.ID)+"/responses", map[string]any{"type": "mitigate", "description": "D", "owner_id": outsider}),
		http.StatusBadRequest, "VALIDATION_ERROR", "owner_id")
	r := e.do("POST", riskPath(risk.ID)+"/responses", map[string]any{"type": "mitigate", "description": "D", "owner_id": member})
	wantOK(t, r, http.StatusCreated)
	var withResponse riskView
	r.into(t, &withResponse)
	respPath := riskPath(risk.ID) + "/responses/" + strconv.FormatInt(withResponse.Responses[0].ID, 10)
	wantErr(t, e.do("PUT", respPath, map[string]any{"owner_id": outsider}), http.StatusBadRequest, "VALIDATION_ERROR", "owner_id")
	if got := e.get(risk.ID); *got.OwnerID != member || got.Version != 2 {
		t.Fatalf("a refused owner changed the risk: %+v", got)
	}

	// Membership is read from the log: a member removed a moment ago is refused at
	// once, whether or not the read model has caught up.
	wantOK(t, e.do("PUT", riskPath(risk.ID), map[string]any{"owner_id": leaver}), http.StatusOK)
	wantOK(t, e.do("PUT", controlPath(control.ID), map[string]any{"owner_id": leaver}), http.StatusOK)
	meta := events.Metadata{OrgID: e.orgID(1), ActorName: events.System, CorrelationID: "test-setup"}
	if _, err := e.App.Identity.SetMembership(ctx, meta, leaver, ""); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.do("PUT", respPath, map[string]any{"owner_id": leaver}), http.StatusBadRequest, "VALIDATION_ERROR", "owner_id")
	wantErr(t, e.do("POST", "/api/risks", map[string]any{"title": "R", "category": "C", "likelihood": 1, "impact": 1, "owner_id": leaver}),
		http.StatusBadRequest, "VALIDATION_ERROR", "owner_id")
	// What a former member still owns can be edited otherwise, and handed over.
	wantOK(t, e.do("PUT", riskPath(risk.ID), map[string]any{"title": "Still owned by the leaver"}), http.StatusOK)
	wantOK(t, e.do("PUT", controlPath(control.ID), map[string]any{"title": "Still owned by the leaver"}), http.StatusOK)
	wantOK(t, e.do("PUT", riskPath(risk.ID), map[string]any{"owner_id": member}), http.StatusOK)
	wantOK(t, e.do("PUT", controlPath(control.ID), map[string]any{"owner_id": nil}), http.StatusOK)
}

func TestMetricsAccess(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	anon := http.DefaultClient

	// By default the main listener does not serve metrics to anyone.
	plain := newConfiguredEnv(t, db, api.Config{})
	r := plain.anonymous().do("GET", "/metrics", nil)
	wantErr(t, r, http.StatusNotFound, "NOT_FOUND")
	if !strings.Contains(r.Error.Message, "STRATA_METRICS_TOKEN") {
		t.Fatalf("the refusal does not say how to turn metrics on: %s", r.Raw)
	}

	// With a token, only a caller that sends it.
	const token = "a-metrics-token-of-some-length"
	tok := newConfiguredEnv(t, db, api.Config{MetricsToken: token})
	for _, auth := range []string{"", "Bearer", "Bearer wrong", "Basic " + token, "Bearer " + token + "x"} {
		resp := rawGet(t, anon, tok.URL+"/metrics", "Authorization", auth)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: %d %v", auth, resp.StatusCode, resp.Header)
		}
	}
	req, _ := http.NewRequest("GET", tok.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := anon.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "strata_http_requests_total") {
		t.Fatalf("metrics with the token: %d %.200s", resp.StatusCode, body)
	}

	// On a listener of its own, off the main one; the token still applies there.
	for _, cfg := range []api.Config{{MetricsElsewhere: true}, {MetricsElsewhere: true, MetricsToken: token}} {
		sep := newConfiguredEnv(t, db, cfg)
		if resp := rawGet(t, anon, sep.URL+"/metrics", "Authorization", "Bearer "+token); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("main listener with metrics elsewhere: %d", resp.StatusCode)
		}
		ms := httptest.NewServer(sep.Server.MetricsHandler())
		defer ms.Close()
		want := http.StatusOK
		if cfg.MetricsToken != "" {
			want = http.StatusUnauthorized
			if resp := rawGet(t, anon, ms.URL+"/metrics", "Authorization", "Bearer "+token); resp.StatusCode != http.StatusOK {
				t.Fatalf("metrics listener with the token: %d", resp.StatusCode)
			}
		}
		if resp := rawGet(t, anon, ms.URL+"/metrics"); resp.StatusCode != want {
			t.Fatalf("metrics listener (%+v) without a token: %d, want %d", cfg.MetricsToken != "", resp.StatusCode, want)
		}
		if resp := rawGet(t, anon, ms.URL+"/api/risks"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("the metrics listener serves the API: %d", resp.StatusCode)
		}
	}
}

// TestWriteTokensAreOrganizationScoped: what a write answers and what a history lists
// says nothing of the global log, and a token works only in its organization.
func TestWriteTokensAreOrganizationScoped(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	a := newEnvOn(t, db, api.Principal{OrgID: 1, Name: "Tenant A"})
	b := newEnvOn(t, db, api.Principal{OrgID: 2, Name: "Tenant B"})
	b.waitLive()

	r := a.do("POST", "/api/risks", map[string]any{"title": "A's", "category": "C", "likelihood": 1, "impact": 1})
	wantOK(t, r, http.StatusCreated)
	first := wantWrite(t, r, 1)
	// Many writes by another organization change nothing in what A is told.
	for i := range 5 {
		b.create(map[string]any{"title": fmt.Sprintf("B's %d", i)})
	}
	var created riskView
	r.into(t, &created)
	u := a.do("PUT", riskPath(created.ID), map[string]any{"title": "A's again"})
	wantOK(t, u, http.StatusOK)
	second := wantWrite(t, u, 2)
	s1, _ := decodeWriteToken(t, first)
	s2, _ := decodeWriteToken(t, second)
	if s1 != s2 {
		t.Fatalf("two writes of one risk name streams %q and %q", s1, s2)
	}
	if _, err := strconv.ParseInt(first, 10, 64); err == nil {
		t.Fatalf("the write token %q is a number", first)
	}

	// The token waits for the write in its organization...
	wantOK(t, a.otherSession().read(riskPath(created.ID), "X-Min-Position", second), http.StatusOK)
	// ...and is refused elsewhere, as is anything forged, with one answer for all.
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"` + s1 + `","v":99}`))
	for _, tok := range []string{second, forged, "abc", "0", "12345", strings.Repeat("A", 600)} {
		r := b.do("GET", "/api/risks", nil, "X-Min-Position", tok)
		wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR")
		if !strings.Contains(r.Error.Message, "not a token") {
			t.Fatalf("token %q: %s", tok, r.Raw)
		}
	}

	// Histories list versions, not log positions.
	h := a.do("GET", riskPath(created.ID)+"/history", nil)
	wantOK(t, h, http.StatusOK)
	var entries []map[string]any
	h.into(t, &entries)
	if len(entries) != 2 {
		t.Fatalf("history: %s", h.Raw)
	}
	for _, en := range entries {
		if _, ok := en["position"]; ok {
			t.Fatalf("a history entry shows a log position: %v", en)
		}
	}
}

// members returns the ids of n new users of the organization labelled 1 (where newEnv
// logs in), to name as owners: owners must be members.
func (e *env) members(n int) []int64 {
	e.t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = e.userID(e.createUser(1, fmt.Sprintf("Owner %d", i+1), identity.Viewer))
	}
	return ids
}
