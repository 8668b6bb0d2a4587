package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/schema/testdb"
)

// This file tests logging in and out, sessions, throttling, cross-site forgery and
// the security audit trail. authz_test.go tests what each role may do.

const sessionCookie = "strata_session"

// newConfiguredEnv starts Strata on db as newStoppedEnv does, projections running,
// but with cfg's throttle, rate limit and logger. Nobody is logged in.
func newConfiguredEnv(t *testing.T, db *testdb.DB, cfg api.Config) *env {
	t.Helper()
	return newConfiguredEnvWith(t, db, app.Options{Hasher: cheapHasher}, cfg)
}

// newConfiguredEnvWith is newConfiguredEnv with app options (another hasher, say).
func newConfiguredEnvWith(t *testing.T, db *testdb.DB, opts app.Options, cfg api.Config) *env {
	t.Helper()
	a, err := app.New(db.Pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	if cfg.RateLimit == (api.RateLimit{}) {
		cfg.RateLimit = api.RateLimit{Rate: 1e9, Burst: 1e9}
	}
	if cfg.StreamLifetime == 0 {
		cfg.StreamLifetime = 300 * time.Millisecond // as newStoppedEnvWith's
	}
	ctx, cancel := context.WithCancel(context.Background())
	runner, err := a.Runner(ctx, cfg.Logger, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	cfg.Tracker = runner.Tracker
	srv, err := a.Server(cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	done := make(chan struct{})
	go func() { defer close(done); _ = runner.Run(ctx) }()
	t.Cleanup(func() {
		hs.Close()
		cancel()
		_ = runner.Close()
		<-done
	})
	jar, _ := cookiejar.New(nil)
	return &env{t: t, App: a, DB: db, URL: hs.URL, Client: &http.Client{Jar: jar}, Server: srv, tracker: runner.Tracker}
}

// clientFrom is a client whose connections come from ip (every 127.x.y.z reaches the
// loopback server) with its own cookie jar: another machine, as far as the server can
// tell without believing any header.
func clientFrom(t *testing.T, ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: tr}
}

// as is e with another client.
func (e *env) as(c *http.Client) *env {
	o := *e
	o.Client = c
	return &o
}

// anonymous is e with a new client that is not logged in.
func (e *env) anonymous() *env {
	jar, _ := cookiejar.New(nil)
	o := e.as(&http.Client{Jar: jar})
	o.Email = ""
	return o
}

// loggedIn is a new client logged in as email (password testPassword).
func (e *env) loggedIn(email string) *env {
	e.t.Helper()
	o := e.anonymous()
	o.Email = email
	o.login(email)
	return o
}

// attempt is one login, without the harness's retries.
func (e *env) attempt(email, password string, headers ...string) *reply {
	e.t.Helper()
	return e.do("POST", "/api/auth/login", map[string]string{"email": email, "password": password}, headers...)
}

// cookie is the session cookie the client holds ("" for none).
func (e *env) cookie() string {
	u, _ := url.Parse(e.URL)
	for _, c := range e.Client.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

// withCookie is a new client sending value as its session cookie: a copied or a
// planted cookie.
func (e *env) withCookie(value string) *env {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(e.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: value, Path: "/"}})
	return e.as(&http.Client{Jar: jar})
}

// settle waits until this env's projections have applied the whole log, so
// memberships, roles and disabled flags written a moment ago are what requests see.
func (e *env) settle() {
	e.t.Helper()
	ctx := context.Background()
	var head int64
	if err := e.DB.Pool.QueryRow(ctx, `select coalesce(max(global_position), 0) from events`).Scan(&head); err != nil {
		e.t.Fatal(err)
	}
	if head == 0 {
		return
	}
	pos, err := e.App.Store.PositionOf(ctx, head)
	if err != nil {
		e.t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if !e.tracker.Wait(wctx, e.App.ProjectorNames(), pos) {
		e.t.Fatalf("the projections did not reach position %d in 30s", head)
	}
	// What the projections changed is announced to the servers' caches on commit.
	if err := e.App.Auth.Sync(wctx, e.DB.Pool); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) userID(email string) int64 {
	e.t.Helper()
	id, err := e.App.Identity.UserIDByEmail(context.Background(), email)
	if err != nil || id == 0 {
		e.t.Fatalf("user %s: id %d, %v", email, id, err)
	}
	return id
}

// orgID is the id of the organization createUser labelled label.
func (e *env) orgID(label int64) int64 {
	e.t.Helper()
	id, err := e.App.Identity.OrganizationByName(context.Background(), fmt.Sprintf("Organization %d", label))
	if err != nil || id == 0 {
		e.t.Fatalf("organization %d: id %d, %v", label, id, err)
	}
	return id
}

// sessionRows counts the http_sessions rows of a cookie value.
func (e *env) sessionRows(token string) int {
	e.t.Helper()
	var n int
	h := sha256.Sum256([]byte(token))
	if err := e.DB.Pool.QueryRow(context.Background(), `select count(*) from http_sessions where id_hash = $1`, h[:]).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// publicID is the id under which the session of token is listed and revoked.
func publicID(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:8])
}

// randomToken is a well-formed session token nobody issued.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

type userView struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

type orgView struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// loginView is the data of a login; statusView of GET /api/auth/status.
type loginView struct {
	User          userView  `json:"user"`
	Organization  orgView   `json:"organization"`
	Organizations []orgView `json:"organizations"`
	Permissions   []string  `json:"permissions"`
}

type statusView struct {
	Authenticated bool      `json:"authenticated"`
	User          *userView `json:"user"`
	Organization  *orgView  `json:"organization"`
	Organizations []orgView `json:"organizations"`
	Permissions   []string  `json:"permissions"`
}

func (e *env) status() statusView {
	e.t.Helper()
	r := e.do("GET", "/api/auth/status", nil)
	wantOK(e.t, r, http.StatusOK)
	var st statusView
	r.into(e.t, &st)
	return st
}

// permissionsOf is the role table's permissions of role as the API spells them.
func permissionsOf(role string) []string {
	table, err := app.RoleTable()
	if err != nil {
		panic(err)
	}
	var out []string
	for _, p := range table.Permissions(role) {
		out = append(out, string(p))
	}
	return out
}

// wantLimited asserts a 429 RATE_LIMITED with a Retry-After of at least one second
// and no more than max (rounded up to the second); it returns the wait.
func wantLimited(t *testing.T, r *reply, max time.Duration) time.Duration {
	t.Helper()
	wantErr(t, r, http.StatusTooManyRequests, "RATE_LIMITED")
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After %q on a 429", r.Header.Get("Retry-After"))
	}
	if limit := int((max + time.Second - 1) / time.Second); secs > limit {
		t.Fatalf("Retry-After %ds, but the configured block is %s", secs, max)
	}
	return time.Duration(secs) * time.Second
}

func TestLoginReplies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	email := e.createUser(1, "Rita Risk", identity.RiskManager)
	e.settle()

	c := e.anonymous()
	r := c.attempt(email, testPassword)
	wantOK(t, r, http.StatusOK)
	var got loginView
	r.into(t, &got)
	org := orgView{ID: e.orgID(1), Name: "Organization 1", Role: identity.RiskManager}
	if got.User != (userView{ID: e.userID(email), Email: email, Name: "Rita Risk"}) || got.Organization != org ||
		!slices.Equal(got.Organizations, []orgView{org}) || !slices.Equal(got.Permissions, permissionsOf(identity.RiskManager)) {
		t.Fatalf("login: %s", r.Raw)
	}
	if strings.Contains(strings.ToLower(string(r.Raw)), "password") {
		t.Fatalf("login reply: %s", r.Raw)
	}
	setCookie := strings.Join(r.Header.Values("Set-Cookie"), "\n")
	if c.cookie() == "" || !strings.Contains(setCookie, "HttpOnly") || !strings.Contains(setCookie, "SameSite=Lax") {
		t.Fatalf("session cookie: %q", setCookie)
	}
	wantOK(t, c.do("GET", "/api/risks", nil), http.StatusOK)

	// Emails are not case-sensitive.
	wantOK(t, e.anonymous().attempt(strings.ToUpper(email), testPassword), http.StatusOK)

	// A wrong password and an unknown account get the same answer.
	wrong := e.anonymous().attempt(email, "not the password at all")
	wantErr(t, wrong, http.StatusUnauthorized, "AUTH_REQUIRED")
	unknown := e.anonymous().attempt("nobody-at-all@example.com", testPassword)
	wantErr(t, unknown, http.StatusUnauthorized, "AUTH_REQUIRED")
	if wrong.Error.Message != unknown.Error.Message || len(wrong.Error.Fields) != 0 || len(unknown.Error.Fields) != 0 {
		t.Fatalf("wrong password: %s; unknown email: %s", wrong.Raw, unknown.Raw)
	}
	for _, f := range []*reply{wrong, unknown} {
		if f.Header.Get("Set-Cookie") != "" {
			t.Fatalf("a failed login set a cookie: %q", f.Header.Get("Set-Cookie"))
		}
	}

	for _, c := range []struct {
		body   string
		fields []string
	}{
		{`{}`, []string{"email", "password"}},
		{`{"email": "` + email + `"}`, []string{"password"}},
		{`{"password": "` + testPassword + `"}`, []string{"email"}},
		{`{"email": "", "password": ""}`, []string{"email", "password"}},
		{`{"email": "` + email + `", "password": "` + testPassword + `", "remember_me": true}`, []string{"remember_me"}},
		{`{"email": 7, "password": "x"}`, []string{"email"}},
		{`{"email": "` + email + `", "password": `, nil},
		{``, nil},
	} {
		wantErr(t, e.anonymous().do("POST", "/api/auth/login", c.body), http.StatusBadRequest, "VALIDATION_ERROR", c.fields...)
	}
}

func TestLoginTwoOrganizations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	email := e.createUser(1, "Multi Org", identity.RiskManager)
	uid := e.userID(email)
	e.createUser(2, "Org Two Admin", identity.Admin)
	e.createUser(3, "Org Three Admin", identity.Admin)
	org1, org2, org3 := e.orgID(1), e.orgID(2), e.orgID(3)
	meta := events.Metadata{OrgID: org2, ActorName: events.System, CorrelationID: "test-setup"}
	if _, err := e.App.Identity.SetMembership(ctx, meta, uid, identity.Viewer); err != nil {
		t.Fatal(err)
	}
	e.settle()
	both := []orgView{{org1, "Organization 1", identity.RiskManager}, {org2, "Organization 2", identity.Viewer}}

	// Without organization_id the first organization by name.
	u := e.anonymous()
	r := u.attempt(email, testPassword)
	wantOK(t, r, http.StatusOK)
	var got loginView
	r.into(t, &got)
	if got.Organization != both[0] || !slices.Equal(got.Organizations, both) || !slices.Equal(got.Permissions, permissionsOf(identity.RiskManager)) {
		t.Fatalf("login: %s", r.Raw)
	}

	// Into the second.
	u2 := e.anonymous()
	r = u2.do("POST", "/api/auth/login", map[string]any{"email": email, "password": testPassword, "organization_id": org2})
	wantOK(t, r, http.StatusOK)
	r.into(t, &got)
	if got.Organization != both[1] || !slices.Equal(got.Organizations, both) || !slices.Equal(got.Permissions, permissionsOf(identity.Viewer)) {
		t.Fatalf("login into organization 2: %s", r.Raw)
	}
	wantErr(t, u2.do("POST", "/api/risks", map[string]any{"title": "t", "category": "c", "likelihood": 1, "impact": 1}),
		http.StatusForbidden, "PERMISSION_DENIED")

	// Not into one the user does not belong to, nor one that does not exist: the
	// answer is a failed login, whatever the password.
	for _, id := range []int64{org3, 999999} {
		wantErr(t, e.anonymous().do("POST", "/api/auth/login", map[string]any{"email": email, "password": testPassword, "organization_id": id}),
			http.StatusUnauthorized, "AUTH_REQUIRED")
	}

	// Data follows the organization.
	risk := u.create(map[string]any{"title": "Organization one only", "category": "Switch"})
	if items, _ := u.list("?category=Switch"); !slices.Equal(idsOf(items), []int64{risk.ID}) {
		t.Fatalf("organization 1 list: %v", idsOf(items))
	}
	r = u.do("POST", "/api/auth/organization", map[string]any{"organization_id": org2})
	wantOK(t, r, http.StatusOK)
	var switched struct {
		Organization orgView  `json:"organization"`
		Permissions  []string `json:"permissions"`
	}
	r.into(t, &switched)
	if switched.Organization != both[1] || !slices.Equal(switched.Permissions, permissionsOf(identity.Viewer)) {
		t.Fatalf("switch: %s", r.Raw)
	}
	if st := u.status(); st.Organization == nil || *st.Organization != both[1] || !slices.Equal(st.Permissions, permissionsOf(identity.Viewer)) {
		t.Fatalf("status after the switch: %+v", st)
	}
	if items, lr := u.list("?category=Switch"); len(items) != 0 || lr.Meta.Total != 0 {
		t.Fatalf("organization 2 sees organization 1's risk: %s", lr.Raw)
	}
	wantErr(t, u.do("GET", riskPath(risk.ID), nil), http.StatusNotFound, "NOT_FOUND")
	wantErr(t, u.do("POST", "/api/risks", map[string]any{"title": "t", "category": "c", "likelihood": 1, "impact": 1}),
		http.StatusForbidden, "PERMISSION_DENIED")

	// Not into a foreign organization, and not with a bad body; the session stays put.
	wantErr(t, u.do("POST", "/api/auth/organization", map[string]any{"organization_id": org3}), http.StatusNotFound, "NOT_FOUND")
	wantErr(t, u.do("POST", "/api/auth/organization", map[string]any{}), http.StatusBadRequest, "VALIDATION_ERROR", "organization_id")
	wantErr(t, u.do("POST", "/api/auth/organization", map[string]any{"organization_id": 0}), http.StatusBadRequest, "VALIDATION_ERROR", "organization_id")
	wantErr(t, u.do("POST", "/api/auth/organization", map[string]any{"organization_id": "1"}), http.StatusBadRequest, "VALIDATION_ERROR", "organization_id")
	if st := u.status(); *st.Organization != both[1] {
		t.Fatalf("a refused switch moved the session: %+v", st.Organization)
	}

	// And back.
	wantOK(t, u.do("POST", "/api/auth/organization", map[string]any{"organization_id": org1}), http.StatusOK)
	if items, _ := u.list("?category=Switch"); !slices.Equal(idsOf(items), []int64{risk.ID}) {
		t.Fatalf("organization 1 list after switching back: %v", idsOf(items))
	}
	var switches int
	if err := e.DB.Pool.QueryRow(ctx, `select count(*) from events where type = 'OrganizationSwitched' and data->>'user_id' = $1`,
		strconv.FormatInt(uid, 10)).Scan(&switches); err != nil || switches != 2 {
		t.Fatalf("OrganizationSwitched events: %d, %v", switches, err)
	}
}

func TestAuthStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	out := e.anonymous()
	r := out.do("GET", "/api/auth/status", nil)
	wantOK(t, r, http.StatusOK)
	var st statusView
	r.into(t, &st)
	if st.Authenticated || st.User != nil || len(st.Permissions) != 0 {
		t.Fatalf("logged out status: %s", r.Raw)
	}
	if out.cookie() != "" {
		t.Fatalf("asking the status started a session")
	}
	if st := e.withCookie(randomToken()).status(); st.Authenticated {
		t.Fatalf("a made-up cookie is authenticated: %+v", st)
	}

	st = e.status()
	if !st.Authenticated || st.User == nil || st.User.Email != e.Email || st.User.Name != "Test User" ||
		st.Organization == nil || *st.Organization != (orgView{e.orgID(1), "Organization 1", identity.Admin}) ||
		!slices.Equal(st.Organizations, []orgView{*st.Organization}) || !slices.Equal(st.Permissions, permissionsOf(identity.Admin)) {
		t.Fatalf("logged in status: %+v", st)
	}
	wantOK(t, e.do("POST", "/api/auth/logout", nil), http.StatusOK)
	if st := e.status(); st.Authenticated {
		t.Fatalf("status after logout: %+v", st)
	}
}

// testThrottle has tight limits and short blocks, so throttling shows in seconds.
var testThrottle = api.ThrottlePolicy{
	Window:       time.Minute,
	PairFailures: 3, PairMaxBlock: 4 * time.Second,
	AccountFailures: 6, AccountBlock: 3 * time.Second,
	AddressFailures: 10, AddressBlock: 3 * time.Second,
}

// waitUnblocked logs in until it works, and fails when that took longer than block
// from since: the real user is never locked out longer than the policy says.
func waitUnblocked(t *testing.T, c *env, email, password string, since time.Time, block time.Duration, headers ...string) {
	t.Helper()
	for {
		r := c.attempt(email, password, headers...)
		if r.Status == http.StatusOK {
			return
		}
		wantLimited(t, r, block)
		if time.Since(since) > block+2*time.Second {
			t.Fatalf("still blocked %s after the last failure; the block is %s", time.Since(since), block)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestThrottlePairOfAccountAndAddress(t *testing.T) {
	t.Parallel()
	e := newConfiguredEnv(t, testdb.New(t), api.Config{Throttle: testThrottle})
	for try := 1; ; try++ {
		email := e.createUser(1, "Victim", identity.Viewer)
		e.settle()
		c := e.as(clientFrom(t, fmt.Sprintf("127.0.0.%d", 10+try)))
		for range 2 {
			wantErr(t, c.attempt(email, "a wrong password guess"), http.StatusUnauthorized, "AUTH_REQUIRED")
		}
		third := time.Now()
		wantErr(t, c.attempt(email, "a wrong password guess"), http.StatusUnauthorized, "AUTH_REQUIRED")
		// The first block is one second: the fourth attempt, right password or not, waits.
		r := c.attempt(email, testPassword)
		if r.Status == http.StatusOK && time.Since(third) > time.Second && try < 3 {
			t.Logf("the one-second block ran out before the fourth attempt (%s); again", time.Since(third))
			continue
		}
		wait := wantLimited(t, r, testThrottle.PairMaxBlock)
		if r.Error.Message == "" || strings.Contains(r.Error.Message, "password") {
			t.Fatalf("429 message: %q", r.Error.Message)
		}
		// The block is for this address only: the user elsewhere logs in.
		wantOK(t, e.as(clientFrom(t, "127.0.0.99")).attempt(email, testPassword), http.StatusOK)

		time.Sleep(wait)
		waitUnblocked(t, c, email, testPassword, third, testThrottle.PairMaxBlock)
		// The success forgot the account's failures ...
		var left int
		if err := e.DB.Pool.QueryRow(context.Background(), `select count(*) from login_failures
			where (scope = 'pair' and key like $1 || '|%') or (scope = 'account' and key = $1)`, strings.ToLower(email)).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Fatalf("%d failure counters left for the account after a successful login", left)
		}
		// ... so two more wrong passwords do not block the right one.
		for range 2 {
			wantErr(t, c.attempt(email, "a wrong password guess"), http.StatusUnauthorized, "AUTH_REQUIRED")
		}
		wantOK(t, c.attempt(email, testPassword), http.StatusOK)
		return
	}
}

func TestThrottleAccountAcrossAddresses(t *testing.T) {
	t.Parallel()
	e := newConfiguredEnv(t, testdb.New(t), api.Config{Throttle: testThrottle})
	email := e.createUser(1, "Victim", identity.Viewer)
	bystander := e.createUser(1, "Bystander", identity.Viewer)
	e.settle()

	// Six failures from three addresses, two each: no address+account pair reaches its
	// limit of three, the account reaches its limit of six.
	var attacker *env
	for i := range 3 {
		attacker = e.as(clientFrom(t, fmt.Sprintf("127.0.1.%d", i+1)))
		for range 2 {
			wantErr(t, attacker.attempt(email, "spread-out guess"), http.StatusUnauthorized, "AUTH_REQUIRED")
		}
	}
	last := time.Now()
	user := e.as(clientFrom(t, "127.0.1.100"))
	wait := wantLimited(t, user.attempt(email, testPassword), testThrottle.AccountBlock)
	// Other accounts are not held back from those addresses.
	wantOK(t, attacker.attempt(bystander, testPassword), http.StatusOK)
	// The real user waits the account block and no longer.
	time.Sleep(wait - 500*time.Millisecond)
	waitUnblocked(t, user, email, testPassword, last, testThrottle.AccountBlock)
}

func TestThrottleAddressAcrossAccounts(t *testing.T) {
	t.Parallel()
	e := newConfiguredEnv(t, testdb.New(t), api.Config{Throttle: testThrottle})
	email := e.createUser(1, "Eleventh", identity.Viewer)
	e.settle()

	sprayer := e.as(clientFrom(t, "127.0.2.1"))
	for i := range 10 {
		wantErr(t, sprayer.attempt(fmt.Sprintf("account-%d@example.com", i), "Spring2026!spray"), http.StatusUnauthorized, "AUTH_REQUIRED")
	}
	last := time.Now()
	wait := wantLimited(t, sprayer.attempt(email, testPassword), testThrottle.AddressBlock)
	// The account is fine from anywhere else.
	wantOK(t, e.as(clientFrom(t, "127.0.2.2")).attempt(email, testPassword), http.StatusOK)
	// From the sprayed address, after the address block.
	time.Sleep(wait - 500*time.Millisecond)
	waitUnblocked(t, sprayer, email, testPassword, last, testThrottle.AddressBlock)
}

// TestThrottleIgnoresForwardedFor: the server does not trust proxies, so a client
// cannot escape its address's counters by naming another address in a header.
func TestThrottleIgnoresForwardedFor(t *testing.T) {
	t.Parallel()
	e := newConfiguredEnv(t, testdb.New(t), api.Config{Throttle: testThrottle})
	email := e.createUser(1, "Target", identity.Viewer)
	sprayed := e.createUser(1, "Sprayed", identity.Viewer)
	e.settle()

	c := e.as(clientFrom(t, "127.0.3.1"))
	forged := func(i int) []string {
		ip := fmt.Sprintf("203.0.113.%d", i)
		return []string{"X-Forwarded-For", ip, "X-Real-IP", ip}
	}
	// Account and address: three guesses "from" three addresses are three from one.
	for i := range 3 {
		wantErr(t, c.attempt(email, "forwarded guess", forged(i+1)...), http.StatusUnauthorized, "AUTH_REQUIRED")
	}
	wantLimited(t, c.attempt(email, testPassword, forged(50)...), testThrottle.PairMaxBlock)

	// Address: ten accounts "from" ten addresses, then an eleventh.
	s := e.as(clientFrom(t, "127.0.3.2"))
	for i := range 10 {
		wantErr(t, s.attempt(fmt.Sprintf("spray-%d@example.com", i), "forwarded spray", forged(100+i)...), http.StatusUnauthorized, "AUTH_REQUIRED")
	}
	wantLimited(t, s.attempt(sprayed, testPassword, forged(200)...), testThrottle.AddressBlock)
}

// TestThrottleBehindTrustedProxy: behind a configured proxy, X-Forwarded-For names
// the client, for the audit trail and for throttling; from anyone else it is ignored.
func TestThrottleBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	const proxy = "127.0.6.1"
	e := newConfiguredEnv(t, testdb.New(t), api.Config{Throttle: testThrottle, TrustedProxies: []string{proxy}})
	email := e.createUser(1, "Behind Proxy", identity.Viewer)
	e.settle()
	uid := e.userID(email)
	via := e.as(clientFrom(t, proxy))
	from := func(ip string) []string { return []string{"X-Forwarded-For", ip} }

	wantOK(t, via.attempt(email, testPassword, from("198.51.100.7")...), http.StatusOK)
	wantOK(t, e.as(clientFrom(t, "127.0.6.2")).attempt(email, testPassword, from("198.51.100.8")...), http.StatusOK)
	var ips []string
	for _, ev := range e.securityEvents("LoginSucceeded", uid) {
		ips = append(ips, ev.Meta.IP)
	}
	if !slices.Equal(ips, []string{"198.51.100.7", "127.0.6.2"}) {
		t.Fatalf("recorded addresses %v, want the proxy's client and the unproxied peer", ips)
	}

	// Six failures from three clients behind the proxy, two each: no client reaches
	// the account+address limit, the account reaches its own.
	for i := range 3 {
		for range 2 {
			wantErr(t, via.attempt(email, "guess via the proxy", from(fmt.Sprintf("198.51.100.%d", 20+i))...), http.StatusUnauthorized, "AUTH_REQUIRED")
		}
	}
	last := time.Now()
	wait := wantLimited(t, via.attempt(email, testPassword, from("198.51.100.99")...), testThrottle.AccountBlock)
	time.Sleep(wait - 500*time.Millisecond)
	waitUnblocked(t, via, email, testPassword, last, testThrottle.AccountBlock, from("198.51.100.99")...)
}

// TestThrottlePasswordChangeGuesses: a stolen session cannot be used to guess the
// current password faster than logins could.
func TestThrottlePasswordChangeGuesses(t *testing.T) {
	t.Parallel()
	e := newConfiguredEnv(t, testdb.New(t), api.Config{Throttle: testThrottle})
	email := e.createUser(1, "Session Owner", identity.Viewer)
	e.settle()
	c := e.as(clientFrom(t, "127.0.5.1"))
	c.Email = email
	c.login(email)
	change := func(current string) *reply {
		return c.do("PUT", "/api/auth/password", map[string]string{"current_password": current, "new_password": "the thief's new password"})
	}
	for i := range 3 {
		wantErr(t, change(fmt.Sprintf("guess number %d", i)), http.StatusBadRequest, "VALIDATION_ERROR", "current_password")
	}
	last := time.Now()
	wait := wantLimited(t, change(testPassword), testThrottle.PairMaxBlock)
	// Logging in from that address waits as well: the guesses were at the account.
	wantLimited(t, e.as(clientFrom(t, "127.0.5.1")).attempt(email, testPassword), testThrottle.PairMaxBlock)
	time.Sleep(wait)
	for {
		r := change(testPassword)
		if r.Status == http.StatusOK {
			break
		}
		wantLimited(t, r, testThrottle.PairMaxBlock)
		if time.Since(last) > testThrottle.PairMaxBlock+2*time.Second {
			t.Fatalf("still blocked %s after the last guess", time.Since(last))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestThrottleConcurrentGuesses: guesses sent all at once must not slip past the
// limit between the check and the count.
func TestThrottleConcurrentGuesses(t *testing.T) {
	t.Parallel()
	// The pair's first block is one second, which a goroutine delayed on a loaded
	// machine can outlive; the account's block of a minute at the same count cannot.
	policy := testThrottle
	policy.AccountFailures, policy.AccountBlock = testThrottle.PairFailures, time.Minute
	e := newConfiguredEnv(t, testdb.New(t), api.Config{Throttle: policy})
	email := e.createUser(1, "Raced", identity.Viewer)
	e.settle()
	c := clientFrom(t, "127.0.4.1")
	const n = 30
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"email": %q, "password": "parallel guess %d"}`, email, i)
			req, _ := http.NewRequest("POST", e.URL+"/api/auth/login", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			<-start
			r, err := sendErr(c, req)
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = r.Status
		}()
	}
	close(start)
	wg.Wait()
	checked := 0
	for _, s := range statuses {
		switch s {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("statuses %v", statuses)
		}
	}
	if checked > testThrottle.PairFailures {
		t.Errorf("%d of %d simultaneous guesses were checked; the limit is %d", checked, n, testThrottle.PairFailures)
	}
}

func TestSessionRateLimit(t *testing.T) {
	t.Parallel()
	e := newConfiguredEnv(t, testdb.New(t), api.Config{RateLimit: api.RateLimit{Rate: 1, Burst: 3}})
	email := e.createUser(1, "Busy", identity.Viewer)
	e.settle()
	c := e.loggedIn(email)

	start := time.Now()
	oks := 0
	var limited *reply
	for range 20 {
		r := c.do("GET", "/api/auth/sessions", nil)
		if r.Status == http.StatusTooManyRequests {
			limited = r
			break
		}
		wantOK(t, r, http.StatusOK)
		oks++
	}
	elapsed := time.Since(start)
	if limited == nil {
		t.Fatalf("20 requests in %s without a 429", elapsed)
	}
	// Burst 3, then one a second: the fourth quick request is refused.
	if oks < 3 || oks > 3+int(elapsed.Seconds()) || (elapsed < time.Second && oks != 3) {
		t.Fatalf("%d requests admitted in %s with burst 3 and rate 1/s", oks, elapsed)
	}
	wait := wantLimited(t, limited, time.Second)

	// Per session: the same user's other session is not held back.
	wantOK(t, e.loggedIn(email).do("GET", "/api/auth/sessions", nil), http.StatusOK)
	time.Sleep(wait)
	wantOK(t, c.do("GET", "/api/auth/sessions", nil), http.StatusOK)
}

func TestSessionFixation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	victim := e.createUser(1, "Victim", identity.RiskManager)
	attacker := e.createUser(1, "Attacker", identity.Viewer)
	e.settle()

	// wantFixed logs the victim in on a client holding planted (maybe ""), and checks
	// that the planted value is worthless afterwards.
	wantFixed := func(t *testing.T, v *env, planted string) {
		t.Helper()
		v = v.at(t)
		wantOK(t, v.attempt(victim, testPassword), http.StatusOK)
		got := v.cookie()
		if got == "" || got == planted {
			t.Fatalf("cookie after login %q, before %q", got, planted)
		}
		if planted != "" {
			old := e.at(t).withCookie(planted)
			wantErr(t, old.do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
			if st := old.status(); st.Authenticated {
				t.Fatalf("the old cookie is logged in as %+v", st.User)
			}
			if n := v.sessionRows(planted); n != 0 {
				t.Fatalf("%d rows for the old cookie", n)
			}
		}
		wantOK(t, e.at(t).withCookie(got).do("GET", "/api/risks", nil), http.StatusOK)
		if st := v.status(); !st.Authenticated || st.User.Email != victim {
			t.Fatalf("status after login: %+v", st)
		}
	}

	t.Run("visited before login", func(t *testing.T) {
		v := e.at(t).anonymous()
		v.status()
		if r := v.do("GET", "/api/openapi.json", nil); r.Status != http.StatusOK {
			t.Fatalf("openapi.json: %d", r.Status)
		}
		wantFixed(t, v, v.cookie())
	})
	t.Run("made-up cookie", func(t *testing.T) {
		planted := randomToken()
		wantFixed(t, e.at(t).withCookie(planted), planted)
	})
	t.Run("malformed cookie", func(t *testing.T) {
		wantFixed(t, e.at(t).withCookie("attacker-chosen"), "attacker-chosen")
	})
	t.Run("the attacker's own session", func(t *testing.T) {
		att := e.at(t).loggedIn(attacker)
		planted := att.cookie()
		v := e.at(t).withCookie(planted)
		if st := v.status(); !st.Authenticated || st.User.Email != attacker {
			t.Fatalf("planted session: %+v", st)
		}
		wantFixed(t, v, planted)
	})
	t.Run("logging in again", func(t *testing.T) {
		v := e.at(t).loggedIn(victim)
		wantFixed(t, v, v.cookie())
	})
}

func TestSessionLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	token := e.cookie()
	copied := e.withCookie(token)
	wantOK(t, copied.do("GET", "/api/auth/sessions", nil), http.StatusOK)
	if n := e.sessionRows(token); n != 1 {
		t.Fatalf("%d rows for the session", n)
	}

	r := e.do("POST", "/api/auth/logout", nil)
	wantOK(t, r, http.StatusOK)
	if sc := r.Header.Get("Set-Cookie"); !strings.HasPrefix(sc, sessionCookie+"=;") || !strings.Contains(sc, "Max-Age=0") {
		t.Fatalf("logout Set-Cookie %q", sc)
	}
	if e.cookie() != "" {
		t.Fatalf("the client kept its cookie")
	}
	// The copy, same cookie, is logged out too: the session is gone server-side.
	wantErr(t, copied.do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
	wantErr(t, copied.do("GET", "/api/auth/sessions", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
	if st := copied.status(); st.Authenticated {
		t.Fatalf("copied cookie after logout: %+v", st)
	}
	if n := e.sessionRows(token); n != 0 {
		t.Fatalf("%d rows left for the session after logout", n)
	}
	// Logging out without a session is fine.
	wantOK(t, e.do("POST", "/api/auth/logout", nil), http.StatusOK)
	wantOK(t, copied.do("POST", "/api/auth/logout", nil), http.StatusOK)
}

type sessionInfo struct {
	ID        string `json:"id"`
	Current   bool   `json:"current"`
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
}

func TestSessionRevoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	second := e.otherSession()

	r := second.do("GET", "/api/auth/sessions", nil)
	wantOK(t, r, http.StatusOK)
	var list []sessionInfo
	r.into(t, &list)
	first, mine := publicID(e.cookie()), publicID(second.cookie())
	ids := []string{}
	for _, s := range list {
		ids = append(ids, s.ID)
		if s.Current != (s.ID == mine) || s.IP != "127.0.0.1" {
			t.Fatalf("sessions: %s", r.Raw)
		}
	}
	slices.Sort(ids)
	want := []string{first, mine}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("sessions %v, want %v", ids, want)
	}
	if strings.Contains(string(r.Raw), e.cookie()) || strings.Contains(string(r.Raw), second.cookie()) {
		t.Fatalf("the session list shows tokens: %s", r.Raw)
	}

	wantOK(t, second.do("DELETE", "/api/auth/sessions/"+first, nil), http.StatusOK)
	wantErr(t, e.do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
	wantOK(t, second.do("GET", "/api/risks", nil), http.StatusOK)
	wantErr(t, second.do("DELETE", "/api/auth/sessions/"+first, nil), http.StatusNotFound, "NOT_FOUND")
	for _, id := range []string{"not-an-id", strings.Repeat("0", 16), strings.ToUpper(mine) + "00"} {
		wantErr(t, second.do("DELETE", "/api/auth/sessions/"+id, nil), http.StatusNotFound, "NOT_FOUND")
	}
	r = second.do("GET", "/api/auth/sessions", nil)
	wantOK(t, r, http.StatusOK)
	r.into(t, &list)
	if len(list) != 1 || list[0].ID != mine {
		t.Fatalf("sessions after revoking: %s", r.Raw)
	}
	var reason string
	if err := e.DB.Pool.QueryRow(context.Background(), `select data->>'reason' from events where type = 'LoggedOut' and data->>'session' = $1`,
		first).Scan(&reason); err != nil || reason != "revoked" {
		t.Fatalf("LoggedOut event for the revoked session: %q, %v", reason, err)
	}
	// Revoking one's own session ends it.
	wantOK(t, second.do("DELETE", "/api/auth/sessions/"+mine, nil), http.StatusOK)
	wantErr(t, second.do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
}

func TestPasswordChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	email := e.createUser(1, "Pat Changer", identity.Viewer)
	e.settle()
	a, b := e.loggedIn(email), e.loggedIn(email)
	const newPassword = "a fresh and rather long passphrase"
	change := func(current, next string) *reply {
		return a.do("PUT", "/api/auth/password", map[string]string{"current_password": current, "new_password": next})
	}

	wantErr(t, change("not my current password", newPassword), http.StatusBadRequest, "VALIDATION_ERROR", "current_password")
	wantErr(t, change(testPassword, "too short"), http.StatusBadRequest, "VALIDATION_ERROR", "new_password")
	wantErr(t, a.do("PUT", "/api/auth/password", map[string]string{"new_password": newPassword}), http.StatusBadRequest, "VALIDATION_ERROR")
	wantErr(t, a.do("PUT", "/api/auth/password", map[string]any{"current_password": testPassword, "new_password": newPassword, "x": 1}),
		http.StatusBadRequest, "VALIDATION_ERROR", "x")
	// Nothing changed yet.
	wantOK(t, b.do("GET", "/api/risks", nil), http.StatusOK)

	r := change(testPassword, newPassword)
	wantOK(t, r, http.StatusOK)
	var out struct {
		Ended int `json:"other_sessions_ended"`
	}
	r.into(t, &out)
	if out.Ended != 1 {
		t.Fatalf("password change: %s", r.Raw)
	}
	wantErr(t, b.do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
	if n := e.sessionRows(b.cookie()); n != 0 {
		t.Fatalf("the other session's row is still there")
	}
	wantOK(t, a.do("GET", "/api/risks", nil), http.StatusOK)
	wantErr(t, e.anonymous().attempt(email, testPassword), http.StatusUnauthorized, "AUTH_REQUIRED")
	wantOK(t, e.anonymous().attempt(email, newPassword), http.StatusOK)
	// The old password no longer passes as the current one either.
	wantErr(t, change(testPassword, "yet another long passphrase"), http.StatusBadRequest, "VALIDATION_ERROR", "current_password")
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	risk := e.create(map[string]any{"title": "Guarded"})
	ctx := context.Background()
	countEvents := func() int {
		var n int
		if err := e.DB.Pool.QueryRow(ctx, `select count(*) from events`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := countEvents()
	_, lr := e.list("")
	total := lr.Meta.Total

	newRisk := map[string]any{"title": "Forged", "category": "CSRF", "likelihood": 5, "impact": 5}
	id := riskPath(risk.ID)
	writes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/risks", newRisk},
		{"POST", "/api/v1/risks", newRisk},
		{"PUT", id, map[string]any{"title": "Forged"}},
		{"PUT", "/api/risks", map[string]any{"id": risk.ID, "title": "Forged"}},
		{"DELETE", id, nil},
		{"DELETE", "/api/risks", map[string]any{"id": risk.ID}},
		{"POST", id + "/responses", map[string]any{"type": "accept", "description": "forged"}},
		{"POST", id + "/controls", map[string]any{"control_id": 9}},
		{"POST", "/api/members", map[string]any{"email": "evil@example.com", "name": "Evil", "password": "evil password 123", "role": "admin"}},
		{"PUT", "/api/auth/password", map[string]any{"current_password": testPassword, "new_password": "chosen by the attacker"}},
		{"POST", "/api/auth/organization", map[string]any{"organization_id": 1}},
		{"POST", "/api/auth/logout", nil},
	}
	forgeries := [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
		{"Origin", "null"},
	}
	for _, w := range writes {
		for _, f := range forgeries {
			wantErr(t, e.do(w.method, w.path, w.body, f...), http.StatusForbidden, "PERMISSION_DENIED")
		}
	}
	// Login too (login CSRF), on a client that is not logged in.
	wantErr(t, e.anonymous().attempt(e.Email, testPassword, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden, "PERMISSION_DENIED")

	if n := countEvents(); n != before {
		t.Fatalf("refused requests appended %d events", n-before)
	}
	if got := e.get(risk.ID); got.Version != 1 || got.Title != "Guarded" {
		t.Fatalf("the risk changed: %+v", got)
	}
	if _, lr := e.list(""); lr.Meta.Total != total {
		t.Fatalf("risk count %d, was %d", lr.Meta.Total, total)
	}
	// The forged logout did not end the session.
	if st := e.status(); !st.Authenticated {
		t.Fatalf("a cross-site logout logged the user out")
	}

	// Reads from anywhere are fine.
	wantOK(t, e.do("GET", "/api/risks", nil, "Sec-Fetch-Site", "cross-site"), http.StatusOK)
	wantOK(t, e.do("GET", id, nil, "Origin", "https://evil.example"), http.StatusOK)
	// The same writes from the same origin pass.
	wantOK(t, e.do("POST", "/api/risks", newRisk, "Sec-Fetch-Site", "same-origin"), http.StatusCreated)
	wantOK(t, e.do("POST", "/api/risks", newRisk, "Sec-Fetch-Site", "none"), http.StatusCreated)
	wantOK(t, e.do("PUT", id, map[string]any{"title": "Edited"}, "Origin", e.URL), http.StatusOK)
	wantOK(t, e.do("PUT", id, map[string]any{"title": "Edited again"}, "Sec-Fetch-Site", "same-origin", "Origin", e.URL), http.StatusOK)
	wantOK(t, e.anonymous().attempt(e.Email, testPassword, "Sec-Fetch-Site", "same-origin"), http.StatusOK)
	if _, lr := e.list(""); lr.Meta.Total != total+2 {
		t.Fatalf("risk count %d, want %d", lr.Meta.Total, total+2)
	}
}

// syncBuffer is a log destination for handlers on many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPasswordsNeverAppear: no password, nor its hash, reaches the event log, the
// session table, a reply or the log.
func TestPasswordsNeverAppear(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newConfiguredEnv(t, testdb.New(t), api.Config{Logger: logger})
	e.loginAs(api.Principal{OrgID: 1, Name: "Admin"})
	const (
		first  = "first secret passphrase 0451"
		wrong  = "wrong secret passphrase 0452"
		second = "second secret passphrase 0453"
		short  = "Sh0rt!pw"
	)
	secrets := []string{testPassword, first, wrong, second, short}
	var replies []*reply
	keep := func(r *reply, status int) *reply {
		t.Helper()
		replies = append(replies, r)
		if r.Status != status {
			t.Fatalf("want %d, got %d: %s", status, r.Status, r.Raw)
		}
		return r
	}
	email := "secret-keeper@example.com"
	keep(e.do("POST", "/api/members", map[string]any{"email": email, "name": "Keeper", "password": first, "role": "viewer"}), http.StatusCreated)
	keep(e.do("POST", "/api/members", map[string]any{"email": "short@example.com", "name": "Short", "password": short, "role": "viewer"}), http.StatusBadRequest)
	e.settle()

	u := e.anonymous()
	keep(u.attempt(email, wrong), http.StatusUnauthorized)
	keep(u.attempt("nobody@example.com", wrong), http.StatusUnauthorized)
	keep(u.do("POST", "/api/auth/login", `{"email": "`+email+`", "password": "`+wrong+`", "extra": 1}`), http.StatusBadRequest)
	keep(u.do("POST", "/api/auth/login", `{"email": "`+email+`", "password": "`+wrong), http.StatusBadRequest)
	keep(u.do("POST", "/api/auth/login", `{"email": "`+email+`", "password": ["`+wrong+`"]}`), http.StatusBadRequest)
	keep(u.attempt(email, first), http.StatusOK)
	keep(u.do("PUT", "/api/auth/password", map[string]string{"current_password": wrong, "new_password": second}), http.StatusBadRequest)
	keep(u.do("PUT", "/api/auth/password", map[string]string{"current_password": first, "new_password": short}), http.StatusBadRequest)
	keep(u.do("PUT", "/api/auth/password", map[string]string{"current_password": first, "new_password": second}), http.StatusOK)
	keep(u.do("GET", "/api/auth/status", nil), http.StatusOK)
	keep(u.do("GET", "/api/auth/sessions", nil), http.StatusOK)
	keep(e.anonymous().attempt(email, first), http.StatusUnauthorized)
	keep(e.anonymous().attempt(email, second), http.StatusOK)
	keep(e.do("GET", "/api/members", nil), http.StatusOK)
	keep(u.do("POST", "/api/auth/logout", nil), http.StatusOK)
	e.settle()

	leaks := func(where, text string) {
		t.Helper()
		lower := strings.ToLower(text)
		for _, s := range secrets {
			if strings.Contains(lower, strings.ToLower(s)) {
				t.Errorf("%s contains the password %q: %s", where, s, text)
			}
		}
		if strings.Contains(lower, "argon2") {
			t.Errorf("%s contains a password hash: %s", where, text)
		}
	}
	ctx := context.Background()
	rows, err := e.DB.Pool.Query(ctx, `select type, data::text, metadata::text from events order by global_position`)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for rows.Next() {
		var typ, data, meta string
		if err := rows.Scan(&typ, &data, &meta); err != nil {
			t.Fatal(err)
		}
		types[typ] = true
		leaks("event "+typ+" data", data)
		leaks("event "+typ+" metadata", meta)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"UserRegistered", "LoginFailed", "LoginSucceeded", "PasswordChanged", "LoggedOut"} {
		if !types[typ] {
			t.Errorf("no %s event was written, so the check proves little", typ)
		}
	}
	sessions, err := e.DB.Pool.Query(ctx, `select data::text || ' ' || ip || ' ' || user_agent from http_sessions`)
	if err != nil {
		t.Fatal(err)
	}
	for sessions.Next() {
		var s string
		if err := sessions.Scan(&s); err != nil {
			t.Fatal(err)
		}
		leaks("http_sessions", s)
	}
	var plain int
	if err := e.DB.Pool.QueryRow(ctx, `select count(*) from credentials where password_hash not like '$argon2id$%' or password_hash = any($1)`,
		secrets).Scan(&plain); err != nil || plain != 0 {
		t.Fatalf("%d credentials not hashed, %v", plain, err)
	}
	for _, r := range replies {
		leaks(fmt.Sprintf("a %d reply", r.Status), string(r.Raw))
		leaks("reply headers", fmt.Sprint(r.Header))
	}
	leaks("the log", logs.String())
}

// securityEvent is one event of the security audit trail.
type securityEvent struct {
	Data map[string]any
	Meta events.Metadata
}

// securityEvents lists the events of one type about one user.
func (e *env) securityEvents(typ string, userID int64) []securityEvent {
	e.t.Helper()
	rows, err := e.DB.Pool.Query(context.Background(), `select data, metadata from events
		where type = $1 and data->>'user_id' = $2 order by global_position`, typ, strconv.FormatInt(userID, 10))
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []securityEvent
	for rows.Next() {
		var data, meta []byte
		if err := rows.Scan(&data, &meta); err != nil {
			e.t.Fatal(err)
		}
		var ev securityEvent
		if err := json.Unmarshal(data, &ev.Data); err != nil {
			e.t.Fatal(err)
		}
		if err := json.Unmarshal(meta, &ev.Meta); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// waitSecurityEvents is securityEvents once at least n are there: a failed login is
// answered before it is filed, so the filing may land a moment after the answer.
func (e *env) waitSecurityEvents(typ string, userID int64, n int) []securityEvent {
	e.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		evs := e.securityEvents(typ, userID)
		if len(evs) >= n || time.Now().After(deadline) {
			return evs
		}
	}
}

func TestSecurityAuditTrail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.status().User.ID
	org := e.orgID(1)
	email := e.createUser(1, "Audited User", identity.Viewer)
	uid := e.userID(email)
	e.settle()
	const ua = "StrataAuditTest/1.0 (+https://example.com/bot)"
	// A client may claim any address in a header; the trail records the real one.
	spoof := []string{"User-Agent", ua, "X-Forwarded-For", "203.0.113.7"}

	u := e.anonymous()
	failed := u.attempt(email, "definitely not it", spoof...)
	wantErr(t, failed, http.StatusUnauthorized, "AUTH_REQUIRED")
	// Unknown accounts are not filed: there is no organization for them.
	wantErr(t, u.attempt("nobody@example.com", "definitely not it", spoof...), http.StatusUnauthorized, "AUTH_REQUIRED")
	in := u.attempt(email, testPassword, spoof...)
	wantOK(t, in, http.StatusOK)
	session := publicID(u.cookie())
	role := e.do("PUT", "/api/members/"+strconv.FormatInt(uid, 10), map[string]any{"role": "auditor"}, spoof...)
	wantOK(t, role, http.StatusOK)
	pw := u.do("PUT", "/api/auth/password", map[string]string{"current_password": testPassword, "new_password": "an audited new passphrase"}, spoof...)
	wantOK(t, pw, http.StatusOK)
	rotated := publicID(u.cookie()) // a password change gives the session a new token
	out := u.do("POST", "/api/auth/logout", nil, spoof...)
	wantOK(t, out, http.StatusOK)

	for _, w := range []struct {
		typ   string
		actor int64
		name  string
		reply *reply
		data  map[string]any
	}{
		{"LoginFailed", 0, events.Anonymous, failed, map[string]any{"reason": "bad_password"}},
		{"LoginSucceeded", uid, "Audited User", in, map[string]any{"org_id": float64(org), "session": session}},
		{"MemberRoleChanged", admin, "Test User", role, map[string]any{"org_id": float64(org), "from": "viewer", "to": "auditor"}},
		{"PasswordChanged", uid, "Audited User", pw, map[string]any{}},
		{"LoggedOut", uid, "Audited User", out, map[string]any{"session": rotated, "reason": "logout"}},
	} {
		evs := e.securityEvents(w.typ, uid)
		if len(evs) != 1 {
			t.Errorf("%d %s events about user %d", len(evs), w.typ, uid)
			continue
		}
		ev := evs[0]
		m := ev.Meta
		if m.IP != "127.0.0.1" || m.UserAgent != ua || m.ActorID != w.actor || m.ActorName != w.name || m.OrgID != org ||
			m.CorrelationID != w.reply.Header.Get("X-Request-ID") {
			t.Errorf("%s metadata %+v; want ip 127.0.0.1, user agent %q, actor %d %q, org %d, correlation %s",
				w.typ, m, ua, w.actor, w.name, org, w.reply.Header.Get("X-Request-ID"))
		}
		for k, v := range w.data {
			if ev.Data[k] != v {
				t.Errorf("%s data %v; want %s = %v", w.typ, ev.Data, k, v)
			}
		}
	}
	// (The harness's own login may have been refused while the projections lagged,
	// which files LoginFailed for the admin; nothing is filed for the unknown email.)
	var unknown int
	if err := e.DB.Pool.QueryRow(context.Background(), `select count(*) from events where type = 'LoginFailed'
		and (data->>'user_id')::bigint not in ($1, $2)`, uid, admin).Scan(&unknown); err != nil || unknown != 0 {
		t.Errorf("%d LoginFailed events about other accounts, want 0 (%v)", unknown, err)
	}
}

func TestMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.status().User.ID
	path := func(id int64) string { return "/api/members/" + strconv.FormatInt(id, 10) }
	listed := func() map[int64]string {
		t.Helper()
		r := e.do("GET", "/api/members", nil)
		wantOK(t, r, http.StatusOK)
		var ms []struct {
			userView
			Role string `json:"role"`
		}
		r.into(t, &ms)
		out := map[int64]string{}
		for _, m := range ms {
			out[m.ID] = m.Role
		}
		return out
	}

	// A new account, created by the admin.
	email := "new-viewer@example.com"
	r := e.do("POST", "/api/members", map[string]any{"email": email, "name": "New Viewer", "password": testPassword, "role": "viewer"})
	wantOK(t, r, http.StatusCreated)
	var added struct {
		UserID int64  `json:"user_id"`
		Role   string `json:"role"`
	}
	r.into(t, &added)
	if added.UserID <= 0 || added.Role != "viewer" || r.Header.Get("X-Event-Position") == "" {
		t.Fatalf("add member: %s %v", r.Raw, r.Header)
	}
	viewer := e.loggedIn(email)
	if st := viewer.status(); st.Organization.Role != identity.Viewer || !slices.Equal(st.Permissions, permissionsOf(identity.Viewer)) {
		t.Fatalf("new member's status: %+v", st)
	}
	wantErr(t, viewer.do("POST", "/api/risks", map[string]any{"title": "t", "category": "c", "likelihood": 1, "impact": 1}),
		http.StatusForbidden, "PERMISSION_DENIED")
	wantOK(t, viewer.do("GET", "/api/risks", nil), http.StatusOK)
	wantOK(t, viewer.do("GET", "/api/members", nil), http.StatusOK)
	e.settle()
	if got := listed(); got[added.UserID] != "viewer" || got[admin] != "admin" || len(got) != 2 {
		t.Fatalf("members: %v", got)
	}

	// Refusals.
	wantErr(t, e.do("POST", "/api/members", map[string]any{"email": email, "role": "owner"}), http.StatusBadRequest, "VALIDATION_ERROR", "role")
	wantErr(t, e.do("POST", "/api/members", map[string]any{"email": email, "role": "auditor"}), http.StatusBadRequest, "VALIDATION_ERROR", "email")
	wantErr(t, e.do("POST", "/api/members", map[string]any{"email": email, "role": "viewer", "extra": true}), http.StatusBadRequest, "VALIDATION_ERROR", "extra")
	wantErr(t, e.do("POST", "/api/members", map[string]any{"email": "no-account@example.com", "role": "viewer"}), http.StatusBadRequest, "VALIDATION_ERROR", "name", "password")
	wantErr(t, e.do("POST", "/api/members", map[string]any{"email": "not an email", "name": "X", "password": testPassword, "role": "viewer"}),
		http.StatusBadRequest, "VALIDATION_ERROR", "email")
	wantErr(t, e.do("POST", "/api/members", map[string]any{"email": "weak@example.com", "name": "Weak", "password": "short", "role": "viewer"}),
		http.StatusBadRequest, "VALIDATION_ERROR", "password")
	wantErr(t, e.do("PUT", path(added.UserID), map[string]any{"role": "owner"}), http.StatusBadRequest, "VALIDATION_ERROR", "role")
	wantErr(t, e.do("PUT", path(added.UserID), map[string]any{}), http.StatusBadRequest, "VALIDATION_ERROR", "role")
	wantErr(t, e.do("PUT", path(999999), map[string]any{"role": "viewer"}), http.StatusNotFound, "NOT_FOUND")
	wantErr(t, e.do("DELETE", path(999999), nil), http.StatusNotFound, "NOT_FOUND")
	wantErr(t, e.do("DELETE", "/api/members/abc", nil), http.StatusBadRequest, "VALIDATION_ERROR")

	// The last admin stays.
	wantErr(t, e.do("DELETE", path(admin), nil), http.StatusBadRequest, "VALIDATION_ERROR")
	wantErr(t, e.do("PUT", path(admin), map[string]any{"role": "viewer"}), http.StatusBadRequest, "VALIDATION_ERROR")
	if st := e.status(); st.Organization.Role != identity.Admin {
		t.Fatalf("the last admin lost the role: %+v", st.Organization)
	}

	// A role change takes effect on the member's next request.
	r = e.do("PUT", path(added.UserID), map[string]any{"role": "risk_manager"})
	wantOK(t, r, http.StatusOK)
	e.settle()
	wantOK(t, viewer.do("POST", "/api/risks", map[string]any{"title": "t", "category": "c", "likelihood": 1, "impact": 1}), http.StatusCreated)
	wantErr(t, viewer.do("POST", "/api/members", map[string]any{"email": email, "role": "admin"}), http.StatusForbidden, "PERMISSION_DENIED")

	// Removal ends the member's session.
	token := viewer.cookie()
	r = e.do("DELETE", path(added.UserID), nil)
	wantOK(t, r, http.StatusOK)
	e.settle()
	wantErr(t, viewer.do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
	if n := e.sessionRows(token); n != 0 {
		t.Fatalf("the removed member's session row is still there")
	}
	wantErr(t, e.withCookie(token).do("GET", "/api/auth/sessions", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
	wantErr(t, e.anonymous().attempt(email, testPassword), http.StatusUnauthorized, "AUTH_REQUIRED")
	if got := listed(); len(got) != 1 || got[admin] != "admin" {
		t.Fatalf("members after removal: %v", got)
	}
	wantErr(t, e.do("DELETE", path(added.UserID), nil), http.StatusNotFound, "NOT_FOUND")

	// An existing account is not attached through the API (its password was chosen by
	// whoever created it); an operator adds it back.
	wantErr(t, e.do("POST", "/api/members", map[string]any{"email": email, "role": "auditor"}),
		http.StatusBadRequest, "VALIDATION_ERROR", "email")
	meta := events.Metadata{OrgID: e.orgID(1), ActorName: events.System, CorrelationID: "operator"}
	if _, err := e.App.Identity.SetMembership(context.Background(), meta, added.UserID, identity.Auditor); err != nil {
		t.Fatal(err)
	}
	e.settle()
	back := e.loggedIn(email)
	if st := back.status(); st.Organization.Role != identity.Auditor {
		t.Fatalf("re-added member: %+v", st.Organization)
	}

	// With a second admin, the first may go.
	wantOK(t, e.do("PUT", path(added.UserID), map[string]any{"role": "admin"}), http.StatusOK)
	e.settle()
	wantOK(t, back.do("DELETE", path(admin), nil), http.StatusOK)
	e.settle()
	wantErr(t, e.do("GET", "/api/members", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
}

func TestMemberDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	email := e.createUser(1, "Soon Disabled", identity.RiskManager)
	uid := e.userID(email)
	e.settle()
	u := e.loggedIn(email)
	other := e.loggedIn(email)
	token := u.cookie()
	wantOK(t, u.do("GET", "/api/risks", nil), http.StatusOK)

	meta := events.Metadata{OrgID: e.orgID(1), ActorName: events.System, CorrelationID: "test-disable"}
	if _, err := e.App.Identity.SetDisabled(ctx, meta, uid, true, "left the company"); err != nil {
		t.Fatal(err)
	}
	// Logging in is refused at once, with the same answer as a wrong password.
	r := e.anonymous().attempt(email, testPassword)
	wantErr(t, r, http.StatusUnauthorized, "AUTH_REQUIRED")
	wrong := e.anonymous().attempt("nobody@example.com", testPassword)
	if r.Error.Message != wrong.Error.Message {
		t.Fatalf("disabled: %q; unknown: %q", r.Error.Message, wrong.Error.Message)
	}
	if evs := e.waitSecurityEvents("LoginFailed", uid, 1); len(evs) != 1 || evs[0].Data["reason"] != "disabled" {
		t.Fatalf("LoginFailed events: %+v", evs)
	}

	e.settle()
	wantErr(t, u.do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
	if n := e.sessionRows(token); n != 0 {
		t.Fatalf("the disabled user's session row is still there")
	}
	wantErr(t, u.withCookie(token).do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")
	if st := other.status(); st.Authenticated {
		t.Fatalf("the disabled user's other session: %+v", st)
	}
	wantErr(t, other.do("POST", "/api/risks", map[string]any{"title": "t", "category": "c", "likelihood": 1, "impact": 1}),
		http.StatusUnauthorized, "AUTH_REQUIRED")

	// Enabled again, the user may log in.
	if _, err := e.App.Identity.SetDisabled(ctx, meta, uid, false, ""); err != nil {
		t.Fatal(err)
	}
	e.settle()
	wantOK(t, e.loggedIn(email).do("GET", "/api/risks", nil), http.StatusOK)
}

// TestMemberChangesTakeEffectAtOnce: removing a member or taking a role away through
// the API holds from the member's very next request.
func TestMemberChangesTakeEffectAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	newRisk := map[string]any{"title": "t", "category": "c", "likelihood": 1, "impact": 1}
	for i := range 5 {
		removed := e.createUser(1, fmt.Sprintf("Removed %d", i), identity.RiskManager)
		disabled := e.createUser(1, fmt.Sprintf("Disabled %d", i), identity.RiskManager)
		demoted := e.createUser(1, fmt.Sprintf("Demoted %d", i), identity.RiskManager)
		e.settle()
		r, d, m := e.loggedIn(removed), e.loggedIn(disabled), e.loggedIn(demoted)

		wantOK(t, e.do("DELETE", "/api/members/"+strconv.FormatInt(e.userID(removed), 10), nil), http.StatusOK)
		wantErr(t, r.do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")

		meta := events.Metadata{OrgID: e.orgID(1), ActorName: events.System, CorrelationID: "test-disable"}
		if _, err := e.App.Identity.SetDisabled(ctx, meta, e.userID(disabled), true, ""); err != nil {
			t.Fatal(err)
		}
		// Disabling has no route yet: it holds once the identity projection applied it.
		e.settle()
		wantErr(t, d.do("GET", "/api/risks", nil), http.StatusUnauthorized, "AUTH_REQUIRED")

		wantOK(t, e.do("PUT", "/api/members/"+strconv.FormatInt(e.userID(demoted), 10), map[string]any{"role": "viewer"}), http.StatusOK)
		wantErr(t, m.do("POST", "/api/risks", newRisk), http.StatusForbidden, "PERMISSION_DENIED")
	}
}

// TestMemberAccountTakeoverAcrossOrganizations: an admin of one organization must
// not be able to choose the password of an account another organization later adds.
func TestMemberAccountTakeoverAcrossOrganizations(t *testing.T) {
	t.Parallel()
	a := newEnv(t)
	b := newEnvOn(t, a.DB, api.Principal{OrgID: 2, Name: "Org B Admin"})
	const email, chosen = "ceo@org-a.example", "chosen by org B's admin"
	r := b.do("POST", "/api/members", map[string]any{"email": email, "name": "CEO", "password": chosen, "role": "viewer"})
	if r.Status == http.StatusCreated {
		var out struct {
			UserID int64 `json:"user_id"`
		}
		r.into(t, &out)
		b.settle()
		wantOK(t, b.do("DELETE", "/api/members/"+strconv.FormatInt(out.UserID, 10), nil), http.StatusOK)
	}
	// Organization A adds its CEO, as it believes, with a password of its own.
	a.do("POST", "/api/members", map[string]any{"email": email, "name": "CEO", "password": "organization A's choice", "role": "admin"})
	a.settle()
	in := a.anonymous().do("POST", "/api/auth/login", map[string]any{"email": email, "password": chosen, "organization_id": a.orgID(1)})
	if in.Status == http.StatusOK {
		t.Fatalf("organization B's admin logs in to organization A as its new admin: %s", in.Raw)
	}
}
