package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

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
	if err := Run(ctx, args, &out, &errOut); err != nil {
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
	if out := run(t, ctx, "seed", url, "--risks", "25"); !strings.Contains(out, "seeded 25 demo risks") {
		t.Fatalf("seed: %q", out)
	}
	if out := run(t, ctx, "seed", url); !strings.Contains(out, "nothing seeded") {
		t.Fatalf("second seed must not add risks: %q", out)
	}
	status := run(t, ctx, "projections", "status", url)
	if !strings.Contains(status, "risks") || !strings.Contains(status, "never") {
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
	fields := strings.Fields(strings.Split(status, "\n")[1])
	if fields[0] != "risks" || fields[4] != "0" {
		t.Fatalf("after rebuild the projection should be caught up: %q", status)
	}

	var errOut bytes.Buffer
	if err := Run(ctx, []string{"projections", "rebuild", "nosuch", url}, io.Discard, &errOut); err == nil {
		t.Fatal("rebuilding an unknown projection must fail")
	}
	if err := Run(ctx, []string{"frobnicate"}, io.Discard, &errOut); err == nil {
		t.Fatal("an unknown command must fail")
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--database-url=" + schemaURL(db)}, pw, io.Discard)
	}()

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

	body := strings.NewReader(`{"title":"Backup restore never tested","category":"Operational","likelihood":4,"impact":5}`)
	resp, err = http.Post(base+"/api/risks", "application/json", body)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %v %v", resp, err)
	}
	pos := resp.Header.Get("X-Event-Position")
	resp.Body.Close()

	req, _ := http.NewRequest("GET", base+"/api/risks?q=restore", nil)
	req.Header.Set("X-Min-Position", pos)
	resp, err = http.DefaultClient.Do(req)
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
