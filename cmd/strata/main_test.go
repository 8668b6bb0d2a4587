package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/identity"
	cmdrisks "github.com/strata-grc/strata/commands/risks"
	"github.com/strata-grc/strata/events"
	evrisks "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/schema/testdb"
)

// schemaURL points the command at a test's own schema.
func schemaURL(db *testdb.DB) string {
	sep := "?"
	if strings.Contains(testdb.URL(), "?") {
		sep = "&"
	}
	return testdb.URL() + sep + "search_path=" + db.Schema + ",public"
}

func run(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := Run(ctx, args, nil, &out, &errOut); err != nil {
		t.Fatalf("strata %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

func TestCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	url := "--database-url=" + schemaURL(db)

	if out := run(t, ctx, "migrate", url); !strings.Contains(out, "up to date") {
		t.Fatalf("migrate: %q", out)
	}
	if out := run(t, ctx, "seed", url, "--risks", "25"); !strings.Contains(out, "24 controls with their tests") ||
		!strings.Contains(out, "added 25 risks") ||
		!strings.Contains(out, "viewer@northwind.example") {
		t.Fatalf("seed: %q", out)
	}
	// The seed touches every module: an EventStoreDB log must be read for all the stream
	// kinds it writes.
	streamRows, err := db.Pool.Query(ctx, `select distinct stream_id from events`)
	if err != nil {
		t.Fatal(err)
	}
	streams, err := pgx.CollectRows(streamRows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range streams {
		if !slices.ContainsFunc(app.StreamKinds(), func(k string) bool { return strings.HasPrefix(s, k) }) {
			t.Errorf("stream %s is of no kind in app.StreamKinds()", s)
		}
	}
	if out := run(t, ctx, "seed", url); !strings.Contains(out, "nothing seeded") || !strings.Contains(out, "demo-admin-pass") {
		t.Fatalf("second seed must add nothing but still print the logins: %q", out)
	}
	status := run(t, ctx, "projections", "status", url)
	if !strings.Contains(status, "risks") || !strings.Contains(status, "identity") || !strings.Contains(status, "never") {
		t.Fatalf("status before any projection ran: %q", status)
	}
	if out := run(t, ctx, "projections", "rebuild", "risks", url); !strings.Contains(out, "rebuilt risks") {
		t.Fatalf("rebuild: %q", out)
	}
	var rows, live int
	if err := db.Pool.QueryRow(ctx, `select count(*), count(*) filter (where deleted_at is null) from risks`).Scan(&rows, &live); err != nil {
		t.Fatal(err)
	}
	if rows != 25 || live == 0 {
		t.Fatalf("after rebuild the read model has %d risks (%d live), want 25", rows, live)
	}
	status = run(t, ctx, "projections", "status", url)
	var caughtUp bool
	for _, line := range strings.Split(status, "\n") {
		if f := strings.Fields(line); len(f) > 5 && f[0] == "risks" {
			caughtUp = f[1] == "running" && f[5] == "0"
		}
	}
	if !caughtUp {
		t.Fatalf("after rebuild the projection should be caught up: %q", status)
	}

	if out := run(t, ctx, "projections", "rebuild", "controls", url); !strings.Contains(out, "rebuilt controls") {
		t.Fatalf("rebuild controls: %q", out)
	}
	var controls, frameworks, requirements int
	if err := db.Pool.QueryRow(ctx, `select (select count(*) from controls), (select count(*) from frameworks),
		(select count(*) from requirements)`).Scan(&controls, &frameworks, &requirements); err != nil {
		t.Fatal(err)
	}
	if controls != 24 || frameworks != 2 || requirements != 24 {
		t.Fatalf("after rebuild: %d controls, %d frameworks, %d requirements; want 24, 2, 24", controls, frameworks, requirements)
	}
	// One control is retired once the risks are seeded (with a few risks none may map
	// it; the default 300 map it many times).
	var archived int
	if err := db.Pool.QueryRow(ctx, `select count(*) from controls where status = 'Archived'`).Scan(&archived); err != nil {
		t.Fatal(err)
	}
	if archived != 1 {
		t.Fatalf("%d archived controls, want the one retired by the seed", archived)
	}

	// The seeded log copied into another schema and verified there.
	logURL := strings.TrimPrefix(url, "--database-url=")
	copyURL := schemaURL(testdb.New(t))
	if out := run(t, ctx, "events", "copy", "--from", logURL, "--to", copyURL, "--state", filepath.Join(t.TempDir(), "copy.state")); !strings.Contains(out, "verified") {
		t.Fatalf("events copy: %q", out)
	}

	var errOut bytes.Buffer
	if err := Run(ctx, []string{"projections", "rebuild", "nosuch", url}, nil, io.Discard, &errOut); err == nil {
		t.Fatal("rebuilding an unknown projection must fail")
	}
	if err := Run(ctx, []string{"frobnicate"}, nil, io.Discard, &errOut); err == nil {
		t.Fatal("an unknown command must fail")
	}
}

func TestImportFramework(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	url := "--database-url=" + schemaURL(db)
	run(t, ctx, "admin", "create-user", url, "--email", "c@example.com", "--name", "C", "--org", "Acme", "--role", "compliance_manager")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(good, []byte("framework,version,code,title\nOps Basics,2,OB-1,Runbooks exist\nOps Basics,2,OB-2,On-call is staffed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("{\"name\": \"Broken\",\n \"requirements\": [\n  {\"code\": \"B-1\", \"title\": \"ok\"},\n  {\"code\": \"\", \"title\": \"\"}\n]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := run(t, ctx, "import", "framework", good, "--org", "Acme", url); !strings.Contains(out, `imported "Ops Basics" 2`) ||
		!strings.Contains(out, "with 2 requirements") {
		t.Fatalf("import: %q", out)
	}
	err := Run(ctx, []string{"import", "framework", "--org", "Acme", url, bad}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bad.json: line 4: code is required") {
		t.Fatalf("a bad file must fail naming its line: %v", err)
	}
	for _, args := range [][]string{
		{"import", "framework", good, url},                             // no organization
		{"import", "framework", "--org", "Nowhere", good, url},         // unknown organization
		{"import", "framework", "--org", "Acme", url, dir + "/x.xlsx"}, // unknown format
		{"import", "framework", "--org", "Acme", good, url},            // same name and version again
		{"import", "controls", url},
	} {
		if err := Run(ctx, args, nil, io.Discard, io.Discard); err == nil {
			t.Errorf("strata %v must fail", args[:3])
		}
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `select count(*) from events where type = 'FrameworkCreated'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d frameworks in the log (%v), want exactly the good one", n, err)
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	url := "--database-url=" + schemaURL(db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut bytes.Buffer
	err := Run(ctx, []string{"admin", "create-user", url, "--email", "ops@example.com", "--name", "Ops Lead",
		"--org", "Acme", "--role", "risk_manager"}, strings.NewReader("a long enough password\n"), &out, &errOut)
	if err != nil {
		t.Fatalf("create-user: %v %s", err, errOut.String())
	}

	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", url}, nil, pw, io.Discard) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := strings.Fields(line[strings.Index(line, "http://"):])[0]

	resp, err := http.Get(base + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err = client.Post(base+"/api/auth/login", "application/json",
		strings.NewReader(`{"email":"ops@example.com","password":"a long enough password"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %v %v", resp, err)
	}
	resp.Body.Close()

	body := strings.NewReader(`{"title":"Backup restore never tested","category":"Operational","likelihood":4,"impact":5}`)
	resp, err = client.Post(base+"/api/risks", "application/json", body)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %v %v", resp, err)
	}
	resp.Body.Close()

	resp, err = client.Get(base + "/api/risks?q=restore")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Data []struct{ Title, Rating string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list.Data) != 1 || list.Data[0].Rating != "Critical" {
		t.Fatalf("list after create: %+v", list)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v on shutdown", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

func TestAdminCreateUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	url := "--database-url=" + schemaURL(db)
	create := func(stdin io.Reader, args ...string) (string, error) {
		var out bytes.Buffer
		err := Run(ctx, append([]string{"admin", "create-user", url}, args...), stdin, &out, io.Discard)
		return out.String(), err
	}
	out, err := create(nil, "--email", "first@example.com", "--name", "First Admin", "--org", "Globex")
	if err != nil || !strings.Contains(out, "password (shown once): ") {
		t.Fatalf("a terminal gets a generated password: %q %v", out, err)
	}
	generated := strings.TrimSpace(out[strings.Index(out, "shown once): ")+len("shown once): "):])
	if len(generated) < 20 {
		t.Fatalf("generated password too short: %q", generated)
	}
	if _, err := create(strings.NewReader("piped password here\n"), "--email", "second@example.com", "--name", "Second",
		"--org", "Globex", "--role", "viewer"); err != nil {
		t.Fatal(err)
	}
	// An existing user joins another organization without a new password.
	if out, err := create(nil, "--email", "second@example.com", "--org", "Initech", "--role", "auditor"); err != nil ||
		strings.Contains(out, "password") {
		t.Fatalf("existing user: %q %v", out, err)
	}
	if _, err := create(nil, "--email", "third@example.com", "--name", "Third", "--org", "Globex", "--role", "overlord"); err == nil {
		t.Fatal("an unknown role must be refused")
	}
	if _, err := create(strings.NewReader("short\n"), "--email", "fourth@example.com", "--name", "Fourth", "--org", "Globex"); err == nil {
		t.Fatal("a short password must be refused")
	}
	var members int
	if err := db.Pool.QueryRow(ctx, `select count(*) from credentials`).Scan(&members); err != nil || members != 2 {
		t.Fatalf("credentials: %d %v (refused users must leave nothing behind)", members, err)
	}
	var leaked int
	if err := db.Pool.QueryRow(ctx, `select count(*) from events where data::text like '%piped password%' or data::text like '%argon2%' or data::text like $1`,
		"%"+generated+"%").Scan(&leaked); err != nil || leaked != 0 {
		t.Fatalf("passwords or hashes in the event log: %d %v", leaked, err)
	}
}

// A demo organization seeded before the control library existed gains it on the next
// seed, and its live risks are mapped to the new controls; a third seed adds nothing.
func TestSeedAddsTheControlLibraryToAnOlderDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	url := schemaURL(db)
	a, err := app.Open(ctx, url, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	var orgID int64
	for _, p := range demoPeople {
		if _, err := addMember(ctx, a, DemoOrganization, p.email, p.name, p.password, p.role); err != nil {
			t.Fatal(err)
		}
	}
	if orgID, err = a.Identity.OrganizationByName(ctx, DemoOrganization); err != nil {
		t.Fatal(err)
	}
	meta := events.Metadata{OrgID: orgID, ActorName: events.System, CorrelationID: "older-seed"}
	for i := range 12 {
		if _, err := lookup[*cmdrisks.Handler](a).Create(ctx, meta, evrisks.Fields{Title: fmt.Sprintf("Older risk %d", i), Category: "Ops",
			Status: "Identified", Likelihood: 2, Impact: 3}); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()

	if out := run(t, ctx, "seed", "--database-url="+url); !strings.Contains(out, "added the example frameworks (24 requirements) and 24 controls") {
		t.Fatalf("seed of an older demo: %q", out)
	}
	var frameworks, mapped int
	if err := db.Pool.QueryRow(ctx, `select (select count(*) from events where type = 'FrameworkCreated'),
		(select count(*) from events where type = 'RiskControlMapped')`).Scan(&frameworks, &mapped); err != nil {
		t.Fatal(err)
	}
	if frameworks != 2 || mapped == 0 {
		t.Fatalf("%d frameworks and %d risk mappings after the seed, want 2 and some", frameworks, mapped)
	}
	if out := run(t, ctx, "seed", "--database-url="+url); !strings.Contains(out, "nothing seeded") {
		t.Fatalf("third seed: %q", out)
	}
}
