package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/strata-grc/strata/schema"
	"github.com/strata-grc/strata/schema/testdb"
)

// serving is a `strata serve` running in the test.
type serving struct {
	base     string
	stop     context.CancelFunc
	finished chan struct{}
	err      error // what serve returned, once finished is closed
}

// startServe runs `strata serve` with args and waits until it serves.
func startServe(t *testing.T, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &serving{stop: cancel, finished: make(chan struct{})}
	go func() {
		s.err = Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), nil, pw, io.Discard)
		close(s.finished)
		_ = pw.CloseWithError(s.err)
	}()
	t.Cleanup(func() { _ = s.shutdown() })
	r := bufio.NewReader(pr)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("serve ended before serving: %v", err)
		}
		if i := strings.Index(line, "http://"); i >= 0 && strings.Contains(line, "serving on") {
			s.base = strings.Fields(line[i:])[0]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return s
}

// shutdown stops the server as a signal would and returns what serve returned.
func (s *serving) shutdown() error {
	s.stop()
	select {
	case <-s.finished:
		return s.err
	case <-time.After(15 * time.Second):
		return errors.New("serve did not shut down")
	}
}

type httpAnswer struct {
	status int
	body   string
}

func call(t *testing.T, c *http.Client, method, url, body string) httpAnswer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpAnswer{resp.StatusCode, string(b)}
}

// The two roles as docker compose sets them up: the owner migrates and grants, and
// the server does everything else — seeding the demo, projections, login, writes and
// reads — as a role that may only read and append to the event log. The owner rebuilds
// a projection while that server serves, and the server keeps reading it.
func TestServeAsTheApplicationRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	role := testdb.NewRole(t)
	ownerURL := "--database-url=" + schemaURL(db)
	appURL := "--database-url=" + db.URLAs(role)

	// Before the grant the role sees no schema; the server says what to run.
	err := Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", appURL}, nil, io.Discard, io.Discard)
	if !errors.Is(err, schema.ErrNotCurrent) || !strings.Contains(err.Error(), "strata migrate --app-role "+role.Name) {
		t.Fatalf("serve before the grant: %v", err)
	}
	if err := Run(ctx, []string{"migrate", appURL}, nil, io.Discard, io.Discard); !errors.Is(err, schema.ErrMayNotMigrate) {
		t.Fatalf("migrate as the application role: %v", err)
	}
	if out := run(t, ctx, "migrate", ownerURL, "--app-role", role.Name); !strings.Contains(out, "only append to the event log") ||
		!strings.Contains(out, "up to date") {
		t.Fatalf("migrate as the owner: %q", out)
	}

	srv := startServe(t, appURL, "--demo")
	if r := call(t, http.DefaultClient, "GET", srv.base+"/readyz", ""); r.status != http.StatusOK {
		t.Fatalf("readyz: %d %s", r.status, r.body)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	if r := call(t, client, "POST", srv.base+"/api/auth/login", `{"email":"risk@northwind.example","password":"demo-risk-pass"}`); r.status != http.StatusOK {
		t.Fatalf("login as a seeded demo user: %d %s", r.status, r.body)
	}
	if r := call(t, client, "POST", srv.base+"/api/risks", `{"title":"Restore drill skipped","category":"Operational","likelihood":4,"impact":5}`); r.status != http.StatusCreated {
		t.Fatalf("create a risk: %d %s", r.status, r.body)
	}
	findRisk := func(when string) {
		t.Helper()
		r := call(t, client, "GET", srv.base+"/api/risks?q=Restore+drill", "")
		var list struct {
			Data []struct{ Title, Rating string }
		}
		if err := json.Unmarshal([]byte(r.body), &list); r.status != http.StatusOK || err != nil || len(list.Data) != 1 || list.Data[0].Rating != "Critical" {
			t.Fatalf("%s: the risk list answers %d %s", when, r.status, r.body)
		}
	}
	findRisk("after the create")
	if r := call(t, client, "GET", srv.base+"/api/controls?limit=5", ""); r.status != http.StatusOK || !strings.Contains(r.body, `"code"`) {
		t.Fatalf("the seeded controls: %d %s", r.status, r.body)
	}

	// A rebuild needs the owner: the application role is turned away before it replays.
	err = Run(ctx, []string{"projections", "rebuild", "risks", appURL}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "run it as the owner") {
		t.Fatalf("rebuild as the application role: %v", err)
	}
	if out := run(t, ctx, "projections", "rebuild", "risks", ownerURL); !strings.Contains(out, "rebuilt risks") {
		t.Fatalf("rebuild as the owner: %q", out)
	}
	findRisk("after the owner rebuilt the risks projection")
	if r := call(t, client, "POST", srv.base+"/api/risks", `{"title":"Restore drill skipped twice","category":"Operational","likelihood":2,"impact":2}`); r.status != http.StatusCreated {
		t.Fatalf("create a risk after the rebuild: %d %s", r.status, r.body)
	}
	if out := run(t, ctx, "projections", "status", appURL); !strings.Contains(out, "risks") {
		t.Fatalf("status as the application role: %q", out)
	}

	// What the server can do to the log: append and read, nothing else.
	conn, err := pgx.Connect(ctx, db.URLAs(role))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var before int
	if err := conn.QueryRow(ctx, `select count(*) from events`).Scan(&before); err != nil || before == 0 {
		t.Fatalf("the role reads %d events (%v)", before, err)
	}
	for _, stmt := range []string{
		`update events set data = '{}'`,
		`delete from events`,
		`truncate events`,
		`alter table events disable trigger all`,
		`update events set data = '{}'`,
		`delete from events`,
		`truncate events`,
		`create table events_copy as select * from events`,
	} {
		_, err := conn.Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s as the application role: %v, want a refusal for lack of privilege (42501)", stmt, err)
		}
	}
	var after int
	if err := db.Pool.QueryRow(ctx, `select count(*) from events`).Scan(&after); err != nil || after != before {
		t.Fatalf("the log holds %d events (%v), %d before", after, err, before)
	}
	if err := srv.shutdown(); err != nil {
		t.Fatalf("serve returned %v on shutdown", err)
	}

	// A release newer than the schema: the server refuses to start and names the fix,
	// without trying the DDL it may not run.
	if _, err := db.Pool.Exec(ctx, `delete from schema_migrations where version = $1`, schema.Latest()); err != nil {
		t.Fatal(err)
	}
	err = Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", appURL}, nil, io.Discard, io.Discard)
	if !errors.Is(err, schema.ErrNotCurrent) || !strings.Contains(err.Error(), "lacks migrations") {
		t.Fatalf("serve on a schema behind the release: %v", err)
	}
}

func TestAdminGrantAppRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	role := testdb.NewRole(t)
	url := "--database-url=" + schemaURL(db)
	if out := run(t, ctx, "admin", "grant-app-role", role.Name, url); !strings.Contains(out, "role "+role.Name+" may read and write") {
		t.Fatalf("grant-app-role: %q", out)
	}
	var insert, update bool
	if err := db.Pool.QueryRow(ctx, `select has_table_privilege($1, 'events', 'INSERT'), has_table_privilege($1, 'events', 'UPDATE')`,
		role.Name).Scan(&insert, &update); err != nil {
		t.Fatal(err)
	}
	if !insert || update {
		t.Errorf("after the grant the role may insert %v and update %v events; want true, false", insert, update)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"admin", "grant-app-role", url}, "usage: strata admin grant-app-role ROLE"},
		{[]string{"admin", "grant-app-role", "strata_no_such_role", url}, "does not exist"},
		{[]string{"admin", "grant-app-role", role.Name, "--database-url=" + db.URLAs(role)}, "permission denied"},
	} {
		if err := Run(ctx, c.args, nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("strata %v: %v, want an error containing %q", c.args[:2], err, c.want)
		}
	}
	// On a schema behind the release the grant would miss the new tables: migrate first.
	if _, err := db.Pool.Exec(ctx, `delete from schema_migrations where version = $1`, schema.Latest()); err != nil {
		t.Fatal(err)
	}
	if err := Run(ctx, []string{"admin", "grant-app-role", role.Name, url}, nil, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "strata migrate --app-role "+role.Name) {
		t.Errorf("grant-app-role on a schema behind the release: %v", err)
	}
}

func TestDemoSetting(t *testing.T) {
	for value, want := range map[string]bool{"": false, "false": false, "0": false, "true": true, "TRUE": true, "1": true} {
		t.Setenv("STRATA_DEMO", value)
		if got, err := demoRequested(); err != nil || got != want {
			t.Errorf("STRATA_DEMO=%q: %v %v, want %v", value, got, err, want)
		}
	}
	t.Setenv("STRATA_DEMO", "yes please")
	if _, err := demoRequested(); err == nil || !strings.Contains(err.Error(), "want true or false") {
		t.Errorf("STRATA_DEMO=%q: %v, want a refusal", "yes please", err)
	}
	err := Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--database-url", "postgres://127.0.0.1:1/none"}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "STRATA_DEMO") {
		t.Errorf("serve with an unreadable STRATA_DEMO: %v", err)
	}
}

// The compose init script creates a login role that is nothing more, with the
// password it was given, whatever characters that holds. It runs here through psql
// against the test database, as the postgres image would run it.
func TestComposeInitScriptCreatesTheAppRole(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql is not installed; the script needs it as the postgres image provides it")
	}
	ctx := context.Background()
	testdb.New(t) // the test database exists
	u, err := url.Parse(testdb.URL())
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, testdb.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var user string
	if err := admin.QueryRow(ctx, `select current_user`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	role := "strata_test_init_" + hex.EncodeToString(b[:])
	const password = `it's a "pass" word; drop role x; --`
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), testdb.URL())
		if err == nil {
			defer c.Close(context.Background())
			_, err = c.Exec(context.Background(), `drop role if exists `+role)
		}
		if err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})

	script := filepath.Join(repoRoot(t), "docker", "initdb", "app-role.sh")
	cmd := exec.Command("sh", script)
	cmd.Env = append(os.Environ(), "POSTGRES_USER="+user, "POSTGRES_DB="+strings.TrimPrefix(u.Path, "/"),
		"PGHOST="+u.Hostname(), "PGPORT="+u.Port(), "STRATA_APP_ROLE="+role, "STRATA_DB_APP_PASSWORD="+password)
	if pw, ok := u.User.Password(); ok {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+pw)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}

	var login, super, createRole, createDB, replication, bypassRLS bool
	var secret string
	if err := admin.QueryRow(ctx, `select rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,
		coalesce(rolpassword, '') from pg_authid where rolname = $1`, role).
		Scan(&login, &super, &createRole, &createDB, &replication, &bypassRLS, &secret); err != nil {
		t.Fatal(err)
	}
	if !login || super || createRole || createDB || replication || bypassRLS {
		t.Errorf("role %s: login %v, superuser %v, createrole %v, createdb %v, replication %v, bypassrls %v; want login only",
			role, login, super, createRole, createDB, replication, bypassRLS)
	}
	if !scramMatches(t, secret, password) {
		t.Errorf("the stored secret %q is not the password the script was given", secret)
	}
	var owns int
	if err := admin.QueryRow(ctx, `select count(*) from pg_class where relowner = $1::regrole`, role).Scan(&owns); err != nil || owns != 0 {
		t.Errorf("the new role owns %d relations (%v)", owns, err)
	}

	// Without a password the script stops before creating anything.
	cmd = exec.Command("sh", script)
	cmd.Env = append(os.Environ(), "STRATA_DB_APP_PASSWORD=", "STRATA_APP_ROLE="+role+"_never")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), ".env") {
		t.Errorf("the script without a password: %v %s", err, out)
	}
}

// scramMatches checks a PostgreSQL SCRAM-SHA-256 secret
// ("SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey") against a password, as the
// server does when a client logs in (RFC 5802: StoredKey = H(HMAC(SaltedPassword,
// "Client Key"))).
func scramMatches(t *testing.T, secret, password string) bool {
	t.Helper()
	rest, ok := strings.CutPrefix(secret, "SCRAM-SHA-256$")
	if !ok {
		return false
	}
	params, keys, _ := strings.Cut(rest, "$")
	iterText, saltText, _ := strings.Cut(params, ":")
	storedText, _, _ := strings.Cut(keys, ":")
	iterations, err := strconv.Atoi(iterText)
	if err != nil {
		return false
	}
	salt, err1 := base64.StdEncoding.DecodeString(saltText)
	stored, err2 := base64.StdEncoding.DecodeString(storedText)
	if err1 != nil || err2 != nil {
		return false
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, salted)
	mac.Write([]byte("Client Key"))
	sum := sha256.Sum256(mac.Sum(nil))
	return hmac.Equal(sum[:], stored)
}
