package sessionstore_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ginsessions "github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/sessions"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/api/sessionstore"
	"github.com/strata-grc/strata/schema/testdb"
)

const cookieName = "strata_session"

func TestMain(m *testing.M) {
	// Set once here: gin's mode is a global, and the tests run in parallel.
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// clock is the store's time in tests, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	t     *testing.T
	store *sessionstore.Store
	pool  *pgxpool.Pool
	clock *clock
}

// newFixture gives a test its own schema and a store on a hand-moved clock.
func newFixture(t *testing.T, cfg sessionstore.Config) *fixture {
	t.Helper()
	pool := testdb.New(t).Pool
	clk := &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	cfg.Now = clk.Now
	return &fixture{t: t, store: sessionstore.New(pool, cfg), pool: pool, clock: clk}
}

func request(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if token != "" {
		r.AddCookie(&http.Cookie{Name: cookieName, Value: token})
	}
	return r
}

// create saves a new session holding values, as a direct caller would, and returns
// its token.
func (f *fixture) create(values map[string]string) string {
	f.t.Helper()
	return f.createFrom(request(""), values)
}

func (f *fixture) createFrom(r *http.Request, values map[string]string) string {
	f.t.Helper()
	sess, err := f.store.Get(r, cookieName)
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range values {
		sess.Values[k] = v
	}
	w := httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		f.t.Fatal(err)
	}
	c := sessionCookie(f.t, w.Result())
	if c.Value != sess.ID {
		f.t.Fatalf("cookie %q, session ID %q", c.Value, sess.ID)
	}
	return c.Value
}

// load is what the next request presenting token sees.
func (f *fixture) load(token string) *sessions.Session {
	f.t.Helper()
	sess, err := f.store.Get(request(token), cookieName)
	if err != nil {
		f.t.Fatalf("load: %v", err)
	}
	return sess
}

func (f *fixture) assertFresh(token string) {
	f.t.Helper()
	sess := f.load(token)
	if !sess.IsNew || sess.ID != "" || len(sess.Values) != 0 {
		f.t.Fatalf("token %q: want a fresh empty session, got IsNew=%v ID=%q Values=%v", token, sess.IsNew, sess.ID, sess.Values)
	}
}

func (f *fixture) assertLive(token string, want map[string]string) {
	f.t.Helper()
	sess := f.load(token)
	if sess.IsNew || sess.ID != token {
		f.t.Fatalf("token %q: want the stored session, got IsNew=%v ID=%q", token, sess.IsNew, sess.ID)
	}
	assertValues(f.t, sess, want)
}

func (f *fixture) rows() int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), `select count(*) from http_sessions`).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) lastSeen(token string) time.Time {
	f.t.Helper()
	var ts time.Time
	if err := f.pool.QueryRow(context.Background(), `select last_seen_at from http_sessions where id_hash = $1`, sha(token)).Scan(&ts); err != nil {
		f.t.Fatal(err)
	}
	return ts
}

func assertValues(t *testing.T, sess *sessions.Session, want map[string]string) {
	t.Helper()
	if len(sess.Values) != len(want) {
		t.Fatalf("values %v, want %v", sess.Values, want)
	}
	for k, v := range want {
		if sess.Values[k] != v {
			t.Fatalf("values %v, want %v", sess.Values, want)
		}
	}
}

func sessionCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", cookieName, resp.Header.Values("Set-Cookie"))
	return nil
}

func sha(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// ginServer serves the handlers an application would have around the store.
func ginServer(t *testing.T, st *sessionstore.Store) *httptest.Server {
	e := gin.New()
	e.Use(ginsessions.Sessions(cookieName, st))
	save := func(c *gin.Context, s ginsessions.Session) {
		if err := s.Save(); err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		c.Status(http.StatusNoContent)
	}
	e.POST("/set", func(c *gin.Context) {
		s := ginsessions.Default(c)
		s.Set(c.Query("key"), c.Query("value"))
		save(c, s)
	})
	e.GET("/get", func(c *gin.Context) {
		s := ginsessions.Default(c)
		value := s.Get(c.Query("key"))
		// The wrapper and a direct caller must see one session.
		raw, err := st.Get(c.Request, cookieName)
		if err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		s.Set("probe", "x")
		again, _ := st.Get(c.Request, cookieName)
		c.JSON(http.StatusOK, gin.H{
			"value": value, "id": s.ID(), "new": raw.IsNew,
			"shared": raw.Values["probe"] == "x" && again == raw,
		})
	})
	e.POST("/login", func(c *gin.Context) {
		s := ginsessions.Default(c)
		raw, err := st.Get(c.Request, cookieName)
		if err == nil {
			err = st.Regenerate(c.Request.Context(), raw)
		}
		if err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		s.Set("user_id", c.Query("user"))
		save(c, s)
	})
	e.POST("/logout", func(c *gin.Context) {
		s := ginsessions.Default(c)
		s.Options(ginsessions.Options{MaxAge: -1})
		save(c, s)
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// call sends one request with the given session cookie (none when empty).
func call(t *testing.T, method, url, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: cookieName, Value: token})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: status %d", method, url, resp.StatusCode)
	}
	return resp
}

type getReply struct {
	Value  *string `json:"value"`
	ID     string  `json:"id"`
	New    bool    `json:"new"`
	Shared bool    `json:"shared"`
}

func get(t *testing.T, url, token, key string) getReply {
	t.Helper()
	var out getReply
	if err := json.NewDecoder(call(t, http.MethodGet, url+"/get?key="+key, token).Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGinRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{})
	srv := ginServer(t, f.store)

	token := sessionCookie(t, call(t, http.MethodPost, srv.URL+"/set?key=theme&value=dark", ""))
	got := get(t, srv.URL, token.Value, "theme")
	if got.Value == nil || *got.Value != "dark" || got.New || got.ID != token.Value {
		t.Fatalf("second request: %+v", got)
	}
	if !got.Shared {
		t.Fatal("gin-contrib's session and store.Get returned different sessions")
	}

	// Without the cookie the value is not there.
	if got := get(t, srv.URL, "", "theme"); got.Value != nil || !got.New || got.ID != "" {
		t.Fatalf("request without cookie: %+v", got)
	}
}

func TestTokenNeverStored(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{})
	r := request("")
	r.Header.Set("User-Agent", "TestAgent/1.0")
	token := f.createFrom(r, map[string]string{"user_id": "42", "org_id": "9", "theme": "dark"})

	var n int
	if err := f.pool.QueryRow(context.Background(), `select count(*) from http_sessions where id_hash = $1`, sha(token)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d rows with id_hash = sha256(token), want 1", n)
	}
	var row string
	var userID, orgID int64
	var data map[string]string
	if err := f.pool.QueryRow(context.Background(),
		`select t::text, user_id, org_id, data from http_sessions t`).Scan(&row, &userID, &orgID, &data); err != nil {
		t.Fatal(err)
	}
	raw, _ := hexToken(token)
	for _, form := range []string{token, raw} {
		if strings.Contains(row, form) {
			t.Fatalf("the row contains the token: %s", row)
		}
	}
	if userID != 42 || orgID != 9 || data["theme"] != "dark" || !strings.Contains(row, "TestAgent/1.0") {
		t.Fatalf("row %s", row)
	}
}

// hexToken is the token's bytes in the hex form bytea prints.
func hexToken(token string) (string, error) {
	b, err := base64URL(token)
	return hex.EncodeToString(b), err
}

func base64URL(token string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(token)
}

func TestPublicID(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{})
	token := f.create(map[string]string{"user_id": "1"})
	id := sessionstore.PublicID(token)
	if id != hex.EncodeToString(sha(token)[:8]) || len(id) != 16 {
		t.Fatalf("PublicID = %q", id)
	}
	list, err := f.store.ListForUser(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != id {
		t.Fatalf("list %+v, want one session %s", list, id)
	}
}

func TestBadCookieGivesFreshSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{})
	f.create(map[string]string{"user_id": "1"})
	random := strings.Repeat("A", 43) // well formed, unknown
	for _, v := range []string{"garbage", random, strings.Repeat("!", 43), strings.Repeat("x", 4000), "%00%ff"} {
		f.assertFresh(v)
		if err := f.store.Touch(context.Background(), v); err != nil {
			t.Fatalf("Touch(%q): %v", v, err)
		}
	}
	// A direct New behaves the same without the registry.
	sess, err := f.store.New(request("garbage"), cookieName)
	if err != nil || !sess.IsNew || sess.ID != "" {
		t.Fatalf("New: %+v, %v", sess, err)
	}

	srv := ginServer(t, f.store)
	if got := get(t, srv.URL, "garbage", "user_id"); got.Value != nil || !got.New {
		t.Fatalf("gin with a garbage cookie: %+v", got)
	}
}

func TestIdleExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{Idle: 30 * time.Minute})
	values := map[string]string{"k": "v"}
	used := f.create(values)
	unused := f.create(values)

	// Loading a session is using it: each load keeps it alive for another Idle.
	f.clock.Add(29 * time.Minute)
	f.assertLive(used, values)
	f.clock.Add(29 * time.Minute)
	f.assertLive(used, values)
	f.assertFresh(unused)

	// Exactly Idle after the last use it is dead.
	f.clock.Add(30 * time.Minute)
	f.assertFresh(used)
}

func TestTouch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{Idle: 30 * time.Minute})
	ctx := context.Background()
	t0 := f.clock.Now()
	token := f.create(nil)

	// Within a minute of the last write, touching writes nothing.
	f.clock.Add(30 * time.Second)
	if err := f.store.Touch(ctx, token); err != nil {
		t.Fatal(err)
	}
	if got := f.lastSeen(token); !got.Equal(t0) {
		t.Fatalf("last_seen_at %v, want unchanged %v", got, t0)
	}
	f.clock.Add(31 * time.Second)
	if err := f.store.Touch(ctx, token); err != nil {
		t.Fatal(err)
	}
	if got := f.lastSeen(token); !got.Equal(f.clock.Now()) {
		t.Fatalf("last_seen_at %v, want %v", got, f.clock.Now())
	}

	// Touching a dead session does not revive it.
	dead := f.lastSeen(token)
	f.clock.Add(30 * time.Minute)
	if err := f.store.Touch(ctx, token); err != nil {
		t.Fatal(err)
	}
	if got := f.lastSeen(token); !got.Equal(dead) {
		t.Fatalf("last_seen_at %v after touching a dead session, want %v", got, dead)
	}
	f.assertFresh(token)
}

func TestAbsoluteExpiry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{Idle: 30 * time.Minute, Lifetime: time.Hour})
	values := map[string]string{"k": "v"}
	token := f.create(values)
	for range 2 {
		f.clock.Add(20 * time.Minute)
		f.assertLive(token, values)
	}
	// Saving in use refreshes the cookie with what is left of the lifetime, no more.
	r := request(token)
	sess, err := f.store.Get(r, cookieName)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatal(err)
	}
	if c := sessionCookie(t, w.Result()); c.Value != token || c.MaxAge != 20*60 {
		t.Fatalf("cookie %+v, want the same token with Max-Age 1200", c)
	}
	f.clock.Add(19 * time.Minute)
	f.assertLive(token, values)
	// In use a minute ago, but an hour old.
	f.clock.Add(time.Minute)
	f.assertFresh(token)
}

func TestRegenerate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{})
	srv := ginServer(t, f.store)

	before := sessionCookie(t, call(t, http.MethodPost, srv.URL+"/set?key=cart&value=3", "")).Value
	after := sessionCookie(t, call(t, http.MethodPost, srv.URL+"/login?user=7", before)).Value
	if after == before {
		t.Fatal("login kept the token")
	}
	f.assertFresh(before)
	f.assertLive(after, map[string]string{"cart": "3", "user_id": "7"})
	if n := f.rows(); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}

	// Directly: Regenerate clears the ID and keeps the values until the next Save.
	r := request(after)
	sess, err := f.store.Get(r, cookieName)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.Regenerate(context.Background(), sess); err != nil {
		t.Fatal(err)
	}
	if sess.ID != "" || !sess.IsNew || sess.Values["cart"] != "3" {
		t.Fatalf("after Regenerate: ID=%q IsNew=%v Values=%v", sess.ID, sess.IsNew, sess.Values)
	}
	f.assertFresh(after)
	w := httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatal(err)
	}
	third := sessionCookie(t, w.Result()).Value
	if third == after || third == before {
		t.Fatal("Save after Regenerate reused a token")
	}
	f.assertLive(third, map[string]string{"cart": "3", "user_id": "7"})
}

func TestLogoutDeletesRow(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{})
	srv := ginServer(t, f.store)
	token := sessionCookie(t, call(t, http.MethodPost, srv.URL+"/login?user=7", "")).Value
	if n := f.rows(); n != 1 {
		t.Fatalf("%d rows after login", n)
	}

	c := sessionCookie(t, call(t, http.MethodPost, srv.URL+"/logout", token))
	if c.Value != "" || c.MaxAge >= 0 || c.Path != "/" || !c.HttpOnly {
		t.Fatalf("logout cookie %+v, want an expired one", c)
	}
	if n := f.rows(); n != 0 {
		t.Fatalf("%d rows after logout", n)
	}
	f.assertFresh(token)
}

func TestRevokeByPublicID(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{})
	ctx := context.Background()
	a := f.create(map[string]string{"user_id": "5"})
	b := f.create(map[string]string{"user_id": "5"})
	other := f.create(map[string]string{"user_id": "6"})

	// Another user's id, or no id at all, revokes nothing.
	for _, c := range []struct {
		user int64
		id   string
	}{{6, sessionstore.PublicID(a)}, {5, "zz"}, {5, ""}, {5, hex.EncodeToString(sha(a))}} {
		if ok, err := f.store.RevokeForUser(ctx, c.user, c.id); ok || err != nil {
			t.Fatalf("RevokeForUser(%d, %q) = %v, %v", c.user, c.id, ok, err)
		}
	}
	f.assertLive(a, map[string]string{"user_id": "5"})

	if ok, err := f.store.RevokeForUser(ctx, 5, sessionstore.PublicID(a)); !ok || err != nil {
		t.Fatalf("RevokeForUser = %v, %v", ok, err)
	}
	if ok, err := f.store.RevokeForUser(ctx, 5, sessionstore.PublicID(a)); ok || err != nil {
		t.Fatalf("second RevokeForUser = %v, %v", ok, err)
	}
	f.assertFresh(a)
	f.assertLive(b, map[string]string{"user_id": "5"})

	if n, err := f.store.RevokeAllForUser(ctx, 5); n != 1 || err != nil {
		t.Fatalf("RevokeAllForUser = %d, %v", n, err)
	}
	f.assertFresh(b)
	f.assertLive(other, map[string]string{"user_id": "6"})
}

func TestSaveAfterRevokeIssuesNewToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{Idle: 30 * time.Minute})
	ctx := context.Background()

	// A request holds the session while the user's sessions are revoked.
	old := f.create(map[string]string{"user_id": "5", "org_id": "2", "note": "a"})
	r := request(old)
	sess, err := f.store.Get(r, cookieName)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.RevokeAllForUser(ctx, 5); err != nil {
		t.Fatal(err)
	}
	sess.Values["note"] = "b"
	w := httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatal(err)
	}
	fresh := sessionCookie(t, w.Result()).Value
	if fresh == old || sess.ID != fresh {
		t.Fatalf("Save after revocation: cookie %q, ID %q, old %q", fresh, sess.ID, old)
	}
	f.assertFresh(old)
	// The new session keeps the request's values but not the revoked identity.
	f.assertLive(fresh, map[string]string{"note": "b"})
	var userID, orgID *int64
	if err := f.pool.QueryRow(ctx, `select user_id, org_id from http_sessions`).Scan(&userID, &orgID); err != nil {
		t.Fatal(err)
	}
	if userID != nil || orgID != nil {
		t.Fatalf("user_id %v, org_id %v, want NULL", userID, orgID)
	}

	// The same when the session idled out while the request ran: the dead row stays
	// dead.
	old = fresh
	r = request(old)
	if sess, err = f.store.Get(r, cookieName); err != nil {
		t.Fatal(err)
	}
	seen := f.lastSeen(old)
	f.clock.Add(30 * time.Minute)
	w = httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatal(err)
	}
	if fresh = sessionCookie(t, w.Result()).Value; fresh == old {
		t.Fatal("Save after idle expiry kept the token")
	}
	if got := f.lastSeen(old); !got.Equal(seen) {
		t.Fatalf("dead row's last_seen_at moved to %v", got)
	}
	f.assertFresh(old)
	f.assertLive(fresh, map[string]string{"note": "b"})
}

func TestCookieAttributes(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t).Pool
	const lifetime = 12 * 3600
	cases := []struct {
		name   string
		cfg    sessionstore.Config
		req    func(*http.Request)
		opts   *ginsessions.Options
		secure bool
		same   http.SameSite
		maxAge int
	}{
		{name: "default", secure: false},
		{name: "configured secure", cfg: sessionstore.Config{Secure: true}, secure: true},
		{name: "tls", req: func(r *http.Request) { r.TLS = &tls.ConnectionState{} }, secure: true},
		{name: "trusted proxy https", cfg: sessionstore.Config{TrustProxy: true},
			req: func(r *http.Request) { r.Header.Set("X-Forwarded-Proto", "https") }, secure: true},
		{name: "trusted proxy http", cfg: sessionstore.Config{TrustProxy: true},
			req: func(r *http.Request) { r.Header.Set("X-Forwarded-Proto", "http") }, secure: false},
		{name: "untrusted proxy https",
			req: func(r *http.Request) { r.Header.Set("X-Forwarded-Proto", "https") }, secure: false},
		{name: "weak options are overridden",
			opts:   &ginsessions.Options{MaxAge: 10 * lifetime, HttpOnly: false, SameSite: http.SameSiteNoneMode},
			secure: false},
		{name: "strict is kept", opts: &ginsessions.Options{MaxAge: 600, SameSite: http.SameSiteStrictMode},
			same: http.SameSiteStrictMode, maxAge: 600},
		{name: "store options", cfg: sessionstore.Config{Lifetime: time.Hour}, maxAge: 3600},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := sessionstore.New(pool, c.cfg)
			r := request("")
			if c.req != nil {
				c.req(r)
			}
			sess, err := st.Get(r, cookieName)
			if err != nil {
				t.Fatal(err)
			}
			if c.opts != nil {
				sess.Options = c.opts.ToGorillaOptions()
			}
			w := httptest.NewRecorder()
			if err := sess.Save(r, w); err != nil {
				t.Fatal(err)
			}
			ck := sessionCookie(t, w.Result())
			same, maxAge := c.same, c.maxAge
			if same == 0 {
				same = http.SameSiteLaxMode
			}
			if maxAge == 0 {
				maxAge = lifetime
			}
			if ck.Secure != c.secure || !ck.HttpOnly || ck.SameSite != same || ck.Path != "/" || ck.MaxAge != maxAge {
				t.Fatalf("cookie %s, want Secure=%v HttpOnly SameSite=%v Path=/ Max-Age=%d",
					w.Header().Get("Set-Cookie"), c.secure, same, maxAge)
			}
			if len(ck.Value) != 43 {
				t.Fatalf("cookie value %q is not 32 bytes in base64url", ck.Value)
			}
			if _, err := base64URL(ck.Value); err != nil {
				t.Fatal(err)
			}
		})
	}

	// Options set on the store through gin-contrib apply to later sessions, within
	// the same limits.
	st := sessionstore.New(pool, sessionstore.Config{})
	st.Options(ginsessions.Options{MaxAge: 600, SameSite: http.SameSiteNoneMode})
	r := request("")
	sess, err := st.Get(r, cookieName)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		t.Fatal(err)
	}
	if ck := sessionCookie(t, w.Result()); ck.MaxAge != 600 || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Fatalf("cookie %s", w.Header().Get("Set-Cookie"))
	}
}

func TestListForUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{Idle: 30 * time.Minute, Lifetime: 2 * time.Hour})
	user1 := map[string]string{"user_id": "1"}
	idle := f.create(user1)
	f.clock.Add(40 * time.Minute)
	older := f.create(user1)
	f.create(map[string]string{"user_id": "2"})
	f.create(map[string]string{"theme": "anonymous"})
	f.clock.Add(10 * time.Minute)
	r := request("")
	r.RemoteAddr = "192.0.2.10:5555"
	r.Header.Set("User-Agent", "Browser D")
	newest := f.createFrom(r, user1)
	expired := f.create(user1)
	f.exec(`update http_sessions set expires_at = $2 where id_hash = $1`, sha(expired), f.clock.Now())

	list, err := f.store.ListForUser(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range list {
		ids = append(ids, in.ID)
	}
	want := []string{sessionstore.PublicID(newest), sessionstore.PublicID(older)}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("ids %v, want %v (idle %s, expired %s)", ids, want,
			sessionstore.PublicID(idle), sessionstore.PublicID(expired))
	}
	now := f.clock.Now()
	d := list[0]
	if !d.CreatedAt.Equal(now) || !d.LastSeenAt.Equal(now) || !d.ExpiresAt.Equal(now.Add(2*time.Hour)) ||
		d.IP != "192.0.2.10" || d.UserAgent != "Browser D" {
		t.Fatalf("info %+v", d)
	}

	if list, err := f.store.ListForUser(context.Background(), 3); err != nil || list == nil || len(list) != 0 {
		t.Fatalf("ListForUser of a user without sessions = %#v, %v", list, err)
	}
}

func TestRecordedClient(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t).Pool
	long := strings.Repeat("é", 300)
	cases := []struct {
		name       string
		trust      bool
		xff, ua    string
		ip, wantUA string
	}{
		{name: "remote address", ip: "192.0.2.1", ua: "UA", wantUA: "UA"},
		{name: "untrusted forwarded", xff: "203.0.113.9", ip: "192.0.2.1"},
		{name: "trusted forwarded", trust: true, xff: "203.0.113.9, 10.0.0.1", ip: "203.0.113.9"},
		{name: "trusted forwarded garbage", trust: true, xff: "<script>", ip: "192.0.2.1"},
		{name: "long user agent", ip: "192.0.2.1", ua: long, wantUA: long[:256*len("é")]},
		{name: "invalid utf-8", ip: "192.0.2.1", ua: "a\xffb", wantUA: "a\uFFFDb"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := sessionstore.New(pool, sessionstore.Config{TrustProxy: c.trust})
			r := request("")
			r.RemoteAddr = "192.0.2.1:4000"
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			r.Header.Set("User-Agent", c.ua)
			user := int64(100 + i)
			sess, err := st.Get(r, cookieName)
			if err != nil {
				t.Fatal(err)
			}
			sess.Values["user_id"] = strconv.FormatInt(user, 10)
			if err := sess.Save(r, httptest.NewRecorder()); err != nil {
				t.Fatal(err)
			}
			list, err := st.ListForUser(context.Background(), user)
			if err != nil || len(list) != 1 {
				t.Fatalf("list %+v, %v", list, err)
			}
			if list[0].IP != c.ip || list[0].UserAgent != c.wantUA {
				t.Fatalf("IP %q UserAgent %q, want %q %q", list[0].IP, list[0].UserAgent, c.ip, c.wantUA)
			}
		})
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{Idle: 30 * time.Minute})
	ctx := context.Background()
	idle := f.create(nil)
	f.clock.Add(30 * time.Minute)
	live := f.create(nil)
	expired := f.create(nil)
	f.exec(`update http_sessions set expires_at = $2 where id_hash = $1`, sha(expired), f.clock.Now())

	n, err := f.store.Sweep(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v, want 2", n, err)
	}
	var left []byte
	if err := f.pool.QueryRow(ctx, `select id_hash from http_sessions`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(left) != hex.EncodeToString(sha(live)) {
		t.Fatalf("left %x, want the live session (idle %s)", left, sessionstore.PublicID(idle))
	}
	if n, err := f.store.Sweep(ctx); n != 0 || err != nil {
		t.Fatalf("second Sweep = %d, %v", n, err)
	}
}

func TestOnlyStringsAreSaved(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sessionstore.Config{})
	cases := map[string]func(*sessions.Session){
		"int value":    func(s *sessions.Session) { s.Values["n"] = 42 },
		"int key":      func(s *sessions.Session) { s.Values[7] = "x" },
		"flash":        func(s *sessions.Session) { s.AddFlash("hello") },
		"bad user_id":  func(s *sessions.Session) { s.Values["user_id"] = "abc" },
		"bad org_id":   func(s *sessions.Session) { s.Values["org_id"] = "1.5" },
		"nil value":    func(s *sessions.Session) { s.Values["n"] = nil },
		"struct value": func(s *sessions.Session) { s.Values["n"] = struct{}{} },
	}
	for name, set := range cases {
		r := request("")
		sess, err := f.store.Get(r, cookieName)
		if err != nil {
			t.Fatal(err)
		}
		set(sess)
		w := httptest.NewRecorder()
		if err := sess.Save(r, w); err == nil {
			t.Fatalf("%s: Save succeeded", name)
		}
		if len(w.Result().Cookies()) != 0 || sess.ID != "" {
			t.Fatalf("%s: a failed Save set a cookie", name)
		}
	}
	if n := f.rows(); n != 0 {
		t.Fatalf("%d rows after failed saves", n)
	}

	// A stored session refuses the same, and keeps what it had.
	token := f.create(map[string]string{"k": "v"})
	r := request(token)
	sess, err := f.store.Get(r, cookieName)
	if err != nil {
		t.Fatal(err)
	}
	sess.Values["k"] = 1
	if err := sess.Save(r, httptest.NewRecorder()); err == nil {
		t.Fatal("Save of an int succeeded")
	}
	f.assertLive(token, map[string]string{"k": "v"})
}
