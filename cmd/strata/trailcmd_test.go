package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/schema/testdb"
)

// runErr runs a command that must fail (exit status 1) and returns its error and
// output.
func runErr(t *testing.T, ctx context.Context, args ...string) (string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(ctx, args, nil, &out, &errOut)
	if err == nil {
		t.Fatalf("strata %s succeeded:\n%s", strings.Join(args, " "), out.String())
	}
	return err.Error(), out.String()
}

// TestTrailCommands generates a signing key, seals a log by rebuilding the seal,
// exports its checkpoints, verifies it, then rewrites an event the way an
// administrator could and verifies again. It sets STRATA_SIGNING_KEY for the process,
// so it does not run in parallel.
func TestTrailCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "signing.key")

	out := run(t, ctx, "keys", "generate", "-o", keyFile, "--name", "audit")
	if !strings.Contains(out, "public key: audit+") {
		t.Fatalf("keys generate: %q", out)
	}
	public := strings.TrimSpace(out[strings.Index(out, "public key: ")+len("public key: "):])
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi.Mode(), err)
	}
	if msg, _ := runErr(t, ctx, "keys", "generate", "-o", keyFile); !strings.Contains(msg, "exists") {
		t.Fatalf("a second key over the first: %s", msg)
	}

	db := testdb.New(t)
	url := "--database-url=" + schemaURL(db)
	store := postgres.New(db.Pool)
	for i := range 30 {
		org := int64(1 + i%3)
		if _, err := store.Append(ctx, "thing-"+string(rune('a'+org)), events.Any(),
			events.Metadata{OrgID: org, ActorID: 1, ActorName: "Ann", CorrelationID: "c"},
			events.NewEvent{ID: uuid.New(), Type: "ThingHappened", SchemaVersion: 1, Data: json.RawMessage(`{"n": 1}`)}); err != nil {
			t.Fatal(err)
		}
	}

	if err := os.Chmod(keyFile, 0o640); err != nil {
		t.Fatal(err)
	}
	t.Setenv("STRATA_SIGNING_KEY", keyFile)
	if msg, _ := runErr(t, ctx, "trail", "verify", url); !strings.Contains(msg, "want 0600") {
		t.Fatalf("a key others may read: %s", msg)
	}
	if err := os.Chmod(keyFile, 0o600); err != nil {
		t.Fatal(err)
	}

	run(t, ctx, "projections", "rebuild", "seal", url)
	exported := filepath.Join(dir, "checkpoints")
	if out := run(t, ctx, "trail", "export", "--dir", exported, url); !strings.Contains(out, "3 checkpoint(s) made; 3 written") {
		t.Fatalf("export: %q", out)
	}
	if out := run(t, ctx, "trail", "export", "--dir", exported, url); !strings.Contains(out, "0 written") || !strings.Contains(out, "3 there already") {
		t.Fatalf("export again: %q", out)
	}
	body, err := os.ReadFile(filepath.Join(exported, "org2-000000000010.checkpoint"))
	if err != nil || !bytes.HasPrefix(body, []byte("strata/org/2\n10\n")) || !bytes.Contains(body, []byte("\n— audit ")) {
		t.Fatalf("exported checkpoint: %q, %v", body, err)
	}
	if out := run(t, ctx, "trail", "verify", "--checkpoints", exported, "--public-key", public, url); !strings.Contains(out, "all 3 organization(s) verify") {
		t.Fatalf("verify: %q", out)
	}

	// Rewrite organization 2's fourth event behind the application's back.
	for _, sql := range []string{`alter table events disable trigger events_no_update_delete`,
		`update events set data = '{"n": 2}' where global_position = (select position from seal_leaves where org_id = 2 and leaf = 3)`,
		`alter table events enable trigger events_no_update_delete`} {
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	msg, out := runErr(t, ctx, "trail", "verify", "--checkpoints", exported, url)
	if !strings.Contains(msg, "1 of 3 organization(s) does not verify") ||
		!strings.Contains(out, "organization 2: BROKEN at sequence 4") || !strings.Contains(out, "rewritten sequence 4") {
		t.Fatalf("verify after a rewrite: %s\n%s", msg, out)
	}
	// One organization alone; another organization's key is not trusted.
	run(t, ctx, "trail", "verify", "--org", "1", url)
	other := filepath.Join(dir, "other.key")
	run(t, ctx, "keys", "generate", "-o", other)
	t.Setenv("STRATA_SIGNING_KEY", other)
	if _, out := runErr(t, ctx, "trail", "verify", "--org", "1", url); !strings.Contains(out, "signed by no trusted key") {
		t.Fatalf("checkpoints signed by a key no longer trusted: %s", out)
	}
}
