package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/commands/blobs"
	"github.com/strata-grc/strata/schema/testdb"
)

// TestBlobsCommands runs gc and verify over the demo's evidence files plus an
// orphan (a file whose upload never got its event): gc removes only the orphan, and
// verify reports a file altered on disk and one that went missing. It sets the blob
// directory for the process, so it does not run in parallel.
func TestBlobsCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("STRATA_BLOB_DIR", dir)
	ctx := context.Background()
	url := "--database-url=" + schemaURL(testdb.New(t))
	run(t, ctx, "seed", url, "--risks", "5")
	run(t, ctx, "projections", "rebuild", "evidence", url)

	store, err := blobs.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := store.Put(ctx, strings.NewReader("an upload whose event never made it"), 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	// Everything is old enough to go but for the guard; only the orphan is unreferenced.
	old := time.Now().Add(-48 * time.Hour)
	var all []string
	if err := store.Walk(ctx, func(in blobs.Info) error {
		all = append(all, in.SHA256)
		return os.Chtimes(store.Path(in.SHA256), old, old)
	}); err != nil {
		t.Fatal(err)
	}
	if len(all) < 3 {
		t.Fatalf("the demo stored %d files", len(all))
	}
	if out := run(t, ctx, "blobs", "gc", "--dry-run", url); !strings.Contains(out, "would remove 1 unreferenced") ||
		!strings.Contains(out, orphan.SHA256) {
		t.Fatalf("gc --dry-run: %q", out)
	}
	if _, _, err := store.Open(ctx, orphan.SHA256); err != nil {
		t.Fatalf("a dry run removed the orphan: %v", err)
	}
	if out := run(t, ctx, "blobs", "gc", url); !strings.Contains(out, "removed 1 unreferenced") {
		t.Fatalf("gc: %q", out)
	}
	if _, _, err := store.Open(ctx, orphan.SHA256); err == nil {
		t.Fatal("the orphan is still stored")
	}
	if out := run(t, ctx, "blobs", "verify", url); !strings.Contains(out, "0 altered, 0 unreadable; 0 referenced files missing") {
		t.Fatalf("verify: %q", out)
	}

	var kept []string
	_ = store.Walk(ctx, func(in blobs.Info) error { kept = append(kept, in.SHA256); return nil })
	if err := os.WriteFile(store.Path(kept[0]), []byte("rewritten"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(store.Path(kept[1])); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err = Run(ctx, []string{"blobs", "verify", url}, nil, &out, &errOut)
	if err == nil || !strings.Contains(out.String(), "ALTERED  "+kept[0]) || !strings.Contains(out.String(), "MISSING  "+kept[1]) {
		t.Fatalf("verify after tampering: %v\n%s", err, out.String())
	}
	if err := Run(ctx, []string{"blobs", "gc", "--min-age", "1m", url}, nil, &out, &errOut); err == nil {
		t.Fatal("gc took a guard age under an hour")
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(entries) != 0 {
		t.Fatalf("left in tmp: %v", entries)
	}
}
