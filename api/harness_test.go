package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema/testdb"
)

// env is a real Strata: its own schema, the projections running, the HTTP server on
// a loopback port, and a client that keeps the session cookie.
type env struct {
	t      *testing.T
	App    *app.App
	DB     *testdb.DB
	URL    string
	Client *http.Client
	Server *api.Server
	// Email is the logged-in user's.
	Email   string
	tracker *projections.Tracker
}

// cheapHasher keeps logins fast in tests; production hashes use the OWASP minimum.
var cheapHasher = identity.Hasher{Memory: 64, Time: 1, Threads: 1}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newEnv starts Strata with one organization and logs in as its admin.
func newEnv(t *testing.T) *env {
	t.Helper()
	db := testdb.New(t)
	return newEnvOn(t, db, api.Principal{OrgID: 1, Name: "Test User"})
}

// newEnvOn starts another Strata on an existing schema and logs in as a new user of a
// new organization labelled by p.OrgID (with p.Role, admin by default): two envs on
// one schema with different labels test tenant isolation.
func newEnvOn(t *testing.T, db *testdb.DB, p api.Principal) *env {
	t.Helper()
	e, start, _ := newStoppedEnv(t, db)
	start()
	e.loginAs(p)
	return e
}

// newStoppedEnv builds Strata on db without running its projections; start runs them
// and stop ends them for good.
func newStoppedEnv(t *testing.T, db *testdb.DB) (e *env, start, stop func()) {
	t.Helper()
	return newStoppedEnvWith(t, db, app.Options{})
}

// newStoppedEnvWith is newStoppedEnv with app options (another event log, say).
func newStoppedEnvWith(t *testing.T, db *testdb.DB, opts app.Options) (e *env, start, stop func()) {
	t.Helper()
	opts.Hasher = cheapHasher
	a, err := app.New(db.Pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runner, err := a.Runner(ctx, quiet, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Tests fire requests far faster than a person: the per-session limit has its own test.
	// Route-wide tests call every route, the live stream too: it ends quickly here,
	// and a client reconnects as a browser does.
	srv, err := a.Server(api.Config{Tracker: runner.Tracker, Logger: quiet, RateLimit: api.RateLimit{Rate: 1e9, Burst: 1e9},
		StreamLifetime: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	jar, _ := cookiejar.New(nil)
	// The server remembers sessions and access as it does in production, hearing
	// their changes on its own connection.
	listenCtx, stopListening := context.WithCancel(context.Background())
	listening := make(chan struct{})
	go func() { defer close(listening); a.Auth.Listen(listenCtx, db.Pool) }()
	done := make(chan struct{})
	var once, stopOnce sync.Once
	start = func() { once.Do(func() { go func() { defer close(done); _ = runner.Run(ctx) }() }) }
	stop = func() {
		stopOnce.Do(func() {
			start() // so done closes
			cancel()
			_ = runner.Close()
			<-done
		})
	}
	t.Cleanup(func() {
		hs.Close()
		stop()
		stopListening()
		<-listening
	})
	return &env{t: t, App: a, DB: db, URL: hs.URL, Client: &http.Client{Jar: jar}, Server: srv, tracker: runner.Tracker}, start, stop
}

// testPassword is every test user's password.
const testPassword = "correct horse battery staple"

// createUser registers a user with a role in the organization labelled label
// (created when missing) and returns the user's email.
func (e *env) createUser(label int64, name, role string) string {
	e.t.Helper()
	ctx := context.Background()
	orgName := fmt.Sprintf("Organization %d", label)
	orgID, err := e.App.Identity.OrganizationByName(ctx, orgName)
	if err != nil {
		e.t.Fatal(err)
	}
	meta := events.Metadata{OrgID: 1, ActorName: events.System, CorrelationID: "test-setup"}
	if orgID == 0 {
		res, err := e.App.Identity.CreateOrganization(ctx, meta, orgName)
		if err != nil {
			e.t.Fatal(err)
		}
		orgID = res.ID
	}
	meta.OrgID = orgID
	email := fmt.Sprintf("%s-%d-%s@example.com", role, label, uuid.NewString()[:8])
	res, err := e.App.Identity.RegisterUser(ctx, meta, email, name, testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.App.Identity.SetMembership(ctx, meta, res.ID, role); err != nil {
		e.t.Fatal(err)
	}
	return email
}

// loginAs creates p's user and logs this env's client in as them.
func (e *env) loginAs(p api.Principal) {
	e.t.Helper()
	role := p.Role
	if role == "" {
		role = identity.Admin
	}
	e.Email = e.createUser(p.OrgID, p.Name, role)
	e.login(e.Email)
}

// login logs the env's client in. Login finds the user's organizations in the identity
// read model and waits two seconds at most for it; a test database shared with many
// parallel tests can hold every projection back for longer, so it tries again.
func (e *env) login(email string) {
	e.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r := e.do("POST", "/api/auth/login", map[string]string{"email": email, "password": testPassword})
		if r.Status == http.StatusOK {
			return
		}
		if r.Status != http.StatusUnauthorized || time.Now().After(deadline) {
			e.t.Fatalf("login as %s: %d %s", email, r.Status, r.Raw)
		}
	}
}

// reply is a decoded response.
type reply struct {
	Status  int
	Header  http.Header
	Raw     []byte
	Success bool            `json:"success"`
	Data    json.RawMessage `json:"data"`
	Meta    *struct {
		Total      int64   `json:"total"`
		Limit      int     `json:"limit"`
		NextCursor *string `json:"next_cursor"`
	} `json:"meta"`
	Error *struct {
		Code      string            `json:"code"`
		Message   string            `json:"message"`
		Fields    map[string]string `json:"fields"`
		RequestID string            `json:"request_id"`
	} `json:"error"`
}

// do sends a request; body is JSON-encoded unless it is a string or []byte.
func (e *env) do(method, path string, body any, headers ...string) *reply {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = bytes.NewBufferString(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.Client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := &reply{Status: resp.StatusCode, Header: resp.Header}
	out.Raw, _ = io.ReadAll(resp.Body)
	_ = json.Unmarshal(out.Raw, out)
	return out
}

// into decodes the data of a successful reply.
func (r *reply) into(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.Raw, err)
	}
}

// otherSession is the same user logged in again with a new cookie jar: a second
// session that knows nothing of the first one's writes.
func (e *env) otherSession() *env {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	other := *e
	other.Client = &http.Client{Jar: jar}
	other.login(e.Email)
	return &other
}
