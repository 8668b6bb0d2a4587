package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	pseal "github.com/strata-grc/strata/projections/seal"
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

// TestTrailS3 exports checkpoints to the S3 test server, verifies against them, then
// rewrites an event, rebuilds the seal and deletes the stored checkpoints, as an
// administrator covering their tracks would: only the bucket still knows. It sets
// STRATA_SIGNING_KEY for the process, so it does not run in parallel.
func TestTrailS3(t *testing.T) {
	spec := os.Getenv("STRATA_TEST_S3_URL")
	if spec == "" {
		t.Skip("no S3 server: set STRATA_TEST_S3_URL (with STRATA_S3_ACCESS_KEY and STRATA_S3_SECRET_KEY); " +
			"`source .ci/s3` starts a local one and sets all three")
	}
	ctx := context.Background()
	u, err := url.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("strata-trail-%d-%016x", time.Now().Unix(), rand.Uint64())
	u.Path = "/" + prefix
	spec = u.String()
	bucket, err := pseal.OpenS3(spec)
	if err != nil {
		t.Fatal(err)
	}
	client := bucket.Client()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for obj := range client.ListObjects(ctx, bucket.Bucket(), minio.ListObjectsOptions{Prefix: prefix + "/", Recursive: true}) {
			if obj.Err != nil {
				t.Errorf("clean up %s: %v", prefix, obj.Err)
				return
			}
			if err := client.RemoveObject(ctx, bucket.Bucket(), obj.Key, minio.RemoveObjectOptions{}); err != nil {
				t.Errorf("clean up %s: %v", obj.Key, err)
			}
		}
	})
	object := func(key string) string {
		t.Helper()
		obj, err := client.GetObject(ctx, bucket.Bucket(), key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Close()
		b, err := io.ReadAll(obj)
		if err != nil {
			t.Fatalf("read %s: %v", key, err)
		}
		return string(b)
	}

	dir := t.TempDir()
	keyFile := filepath.Join(dir, "signing.key")
	run(t, ctx, "keys", "generate", "-o", keyFile, "--name", "audit")
	t.Setenv("STRATA_SIGNING_KEY", keyFile)
	db := testdb.New(t)
	dbURL := "--database-url=" + schemaURL(db)
	store := postgres.New(db.Pool)
	for i := range 30 {
		org := int64(1 + i%3)
		if _, err := store.Append(ctx, fmt.Sprintf("thing-%d", org), events.Any(),
			events.Metadata{OrgID: org, ActorID: 1, ActorName: "Ann", CorrelationID: "c"},
			events.NewEvent{ID: uuid.New(), Type: "ThingHappened", SchemaVersion: 1, Data: json.RawMessage(`{"n": 1}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if msg, _ := runErr(t, ctx, "trail", "verify", "--checkpoints", spec, dbURL); !strings.Contains(msg, "holds no *.checkpoint objects") {
		t.Fatalf("verify against an empty bucket: %s", msg)
	}

	run(t, ctx, "projections", "rebuild", "seal", dbURL)
	if out := run(t, ctx, "trail", "export", "--s3", spec, dbURL); !strings.Contains(out, "3 checkpoint(s) made; 3 written to s3://") {
		t.Fatalf("export: %q", out)
	}
	exported := filepath.Join(dir, "checkpoints")
	out := run(t, ctx, "trail", "export", "--dir", exported, "--s3", spec, dbURL)
	if !strings.Contains(out, "3 written to "+exported) || !strings.Contains(out, "0 written to s3://") || !strings.Contains(out, "3 there already") {
		t.Fatalf("export again, to a directory too: %q", out)
	}
	key := bucket.Key(2, 10)
	was := object(key)
	file, err := os.ReadFile(filepath.Join(exported, "org2-000000000010.checkpoint"))
	if err != nil || string(file) != was || !strings.HasPrefix(was, "strata/org/2\n10\n") {
		t.Fatalf("object %s: %q; file: %q, %v", key, was, file, err)
	}
	if out := run(t, ctx, "trail", "verify", "--checkpoints", spec, dbURL); !strings.Contains(out, "all 3 organization(s) verify") ||
		strings.Count(out, "1 stored and 1 exported checkpoints agree") != 3 {
		t.Fatalf("verify: %q", out)
	}

	// Rewrite organization 2's fourth event, re-derive the seal from the rewritten log
	// and delete the checkpoints that remember the old one.
	for _, sql := range []string{`alter table events disable trigger events_no_update_delete`,
		`update events set data = '{"n": 2}' where global_position = (select position from seal_leaves where org_id = 2 and leaf = 3)`,
		`alter table events enable trigger events_no_update_delete`} {
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	run(t, ctx, "projections", "rebuild", "seal", dbURL)
	for _, sql := range []string{`alter table seal_checkpoints disable trigger seal_checkpoints_no_update_delete`,
		`delete from seal_checkpoints`,
		`alter table seal_checkpoints enable trigger seal_checkpoints_no_update_delete`} {
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	if out := run(t, ctx, "trail", "verify", dbURL); !strings.Contains(out, "all 3 organization(s) verify") {
		t.Fatalf("verify without the exported checkpoints: %q", out)
	}
	msg, out := runErr(t, ctx, "trail", "verify", "--checkpoints", spec, dbURL)
	if !strings.Contains(msg, "1 of 3 organization(s) does not verify") || !strings.Contains(out, "organization 2: BROKEN") ||
		!strings.Contains(out, "exported") || !strings.Contains(out, "s3://"+bucket.Bucket()+"/"+key) {
		t.Fatalf("verify against the bucket after a rewrite: %s\n%s", msg, out)
	}

	// Exporting the checkpoints of the rewritten log fails for organization 2, whose
	// object keeps the checkpoint of the log as it was.
	msg, _ = runErr(t, ctx, "trail", "export", "--s3", spec, dbURL)
	if !strings.Contains(msg, key+" holds another checkpoint") {
		t.Fatalf("export over a different checkpoint: %s", msg)
	}
	if got := object(key); got != was {
		t.Fatalf("the exported checkpoint was replaced: %q", got)
	}
}
