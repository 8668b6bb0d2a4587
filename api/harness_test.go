package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/cmd/strata/app"
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
}

// newEnv starts Strata acting for organization 1.
func newEnv(t *testing.T) *env {
	t.Helper()
	db := testdb.New(t)
	return newEnvOn(t, db, api.Principal{OrgID: 1, UserID: 1, Name: "Test User"})
}

// newEnvOn starts another Strata on an existing schema, acting as p: two envs on one
// schema with different organizations test tenant isolation.
func newEnvOn(t *testing.T, db *testdb.DB, p api.Principal) *env {
	t.Helper()
	a, err := app.New(db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runner, err := a.Runner(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = runner.Run(ctx) }()
	srv, err := a.Server(api.Config{Tracker: runner.Tracker, DevPrincipal: p})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	jar, _ := cookiejar.New(nil)
	t.Cleanup(func() {
		hs.Close()
		cancel()
		_ = runner.Close()
		<-done
	})
	return &env{t: t, App: a, DB: db, URL: hs.URL, Client: &http.Client{Jar: jar}, Server: srv}
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
