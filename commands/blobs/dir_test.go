package blobs_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/commands/blobs"
	"github.com/strata-grc/strata/commands/blobs/blobstest"
)

func dirTarget(t *testing.T) blobstest.Target {
	d, err := blobs.Dir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return blobstest.Target{
		Store: d,
		Tamper: func(t *testing.T, sha string, content []byte) {
			if err := os.WriteFile(d.Path(sha), content, 0o640); err != nil {
				t.Fatal(err)
			}
		},
		Leftovers: func(t *testing.T) []string {
			entries, err := os.ReadDir(d.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			return names
		},
	}
}

func TestDirContract(t *testing.T) {
	blobstest.Run(t, dirTarget)
}

func TestDirLayoutAndPermissions(t *testing.T) {
	root := filepath.Join(t.TempDir(), "blobs")
	d, err := blobs.Dir(root)
	if err != nil {
		t.Fatal(err)
	}
	content := blobstest.Content(100)
	b, err := d.Put(t.Context(), bytes.NewReader(content), 1000)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(root, b.SHA256[:2], b.SHA256[2:4], b.SHA256)
	if d.Path(b.SHA256) != want {
		t.Fatalf("Path = %s, want %s", d.Path(b.SHA256), want)
	}
	got, err := os.ReadFile(want)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the blob is not at %s: %v", want, err)
	}
	checkMode(t, want, 0o640)
	for _, dir := range []string{root, filepath.Join(root, "tmp"), filepath.Dir(want), filepath.Dir(filepath.Dir(want))} {
		checkMode(t, dir, fs.ModeDir|0o750)
	}
	if d.String() != "dir "+root {
		t.Errorf("String() = %q", d.String())
	}
	if d.Path("../etc") != "" {
		t.Error("Path of an impossible name is not empty")
	}
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode() != want {
		t.Errorf("%s has mode %s, want %s", path, st.Mode(), want)
	}
}

// Files that are not blobs, wherever they are under the root, are not walked, collected
// or verified.
func TestDirWalkSkipsStrangers(t *testing.T) {
	d, err := blobs.Dir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Put(t.Context(), strings.NewReader("evidence"), 100)
	if err != nil {
		t.Fatal(err)
	}
	other := blobstest.SHA([]byte("other"))
	strangers := []string{
		"README",
		filepath.Join(b.SHA256[:2], "note"),
		filepath.Join(b.SHA256[:2], b.SHA256[2:4], "notes.txt"),
		filepath.Join(b.SHA256[:2], b.SHA256[2:4], other),    // a hash in another's directory
		filepath.Join("AB", "CD", strings.ToUpper(b.SHA256)), // uppercase
		filepath.Join("tmp", b.SHA256),
	}
	for _, p := range strangers {
		p = filepath.Join(d.Root(), p)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	if err := d.Walk(t.Context(), func(in blobs.Info) error {
		got = append(got, in.SHA256)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{b.SHA256}) {
		t.Fatalf("Walk = %v, want only %s", got, b.SHA256)
	}
}

// An upload the server never finished (it stopped while writing) is cleared by Collect
// once older than the guard; a younger one may still be in progress and stays.
func TestDirCollectClearsAbandonedUploads(t *testing.T) {
	d, err := blobs.Dir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(d.TempDir(), "put-123")
	young := filepath.Join(d.TempDir(), "put-456")
	for _, p := range []string{old, young} {
		if err := os.WriteFile(p, []byte("partial"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	never := func(context.Context, string) (bool, error) { return false, nil }

	rep, err := blobs.Collect(t.Context(), d, never, 24*time.Hour, time.Now(), true)
	if err != nil || rep.TempFiles != 1 || rep.TempBytes != 7 {
		t.Fatalf("dry run = %+v, %v", rep, err)
	}
	if _, err := os.Stat(old); err != nil {
		t.Fatalf("the dry run removed %s", old)
	}
	rep, err = blobs.Collect(t.Context(), d, never, 24*time.Hour, time.Now(), false)
	if err != nil || rep.TempFiles != 1 {
		t.Fatalf("Collect = %+v, %v", rep, err)
	}
	if _, err := os.Stat(old); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("abandoned upload still there: %v", err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("upload in progress removed: %v", err)
	}
}

// A blob stored again between Collect's listing and its delete must survive: the guard
// age is what protects a blob whose reference is about to be recorded.
func TestDirCollectSparesBlobStoredAgain(t *testing.T) {
	d, err := blobs.Dir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("stored twice")
	b, err := d.Put(t.Context(), bytes.NewReader(content), 100)
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(d.Path(b.SHA256), past, past); err != nil {
		t.Fatal(err)
	}
	// The lookup is the moment in between: the blob is stored again as its reference is checked.
	referenced := func(ctx context.Context, sha string) (bool, error) {
		_, err := d.Put(ctx, bytes.NewReader(content), 100)
		return false, err
	}
	rep, err := blobs.Collect(t.Context(), d, referenced, 24*time.Hour, time.Now(), false)
	if err != nil || rep.Deleted != 0 || rep.Young != 1 {
		t.Fatalf("Collect = %+v, %v", rep, err)
	}
	if _, _, err := d.Open(t.Context(), b.SHA256); err != nil {
		t.Fatalf("the blob stored again was collected: %v", err)
	}
}

// A Collect that stopped after setting a blob aside (the server died) loses nothing: the
// next one puts the blob back, to be judged again.
func TestDirCollectRestoresBlobSetAside(t *testing.T) {
	d, err := blobs.Dir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Put(t.Context(), strings.NewReader("set aside"), 100)
	if err != nil {
		t.Fatal(err)
	}
	aside := filepath.Join(d.TempDir(), "gc-"+b.SHA256+"-0123456789abcdef")
	if err := os.Rename(d.Path(b.SHA256), aside); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(aside, past, past); err != nil {
		t.Fatal(err)
	}
	keep := func(context.Context, string) (bool, error) { return true, nil }
	rep, err := blobs.Collect(t.Context(), d, keep, 24*time.Hour, time.Now(), false)
	if err != nil || rep.TempFiles != 0 {
		t.Fatalf("Collect = %+v, %v", rep, err)
	}
	if _, _, err := d.Open(t.Context(), b.SHA256); err != nil {
		t.Fatalf("blob not put back: %v", err)
	}
	if _, err := os.Stat(aside); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s still there", aside)
	}
}

func TestOpenSpec(t *testing.T) {
	dir := t.TempDir()
	s, err := blobs.Open("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := s.(*blobs.DirStore); !ok || d.Root() != dir {
		t.Fatalf("Open(\"\", %s) = %v", dir, s)
	}
	for _, spec := range []string{"file:///var/blobs", "/var/blobs", "S3://bucket", "gs://bucket"} {
		if _, err := blobs.Open(spec, dir); err == nil || !strings.Contains(err.Error(), blobs.EnvStore) {
			t.Errorf("Open(%q) = %v, want an error naming %s", spec, err, blobs.EnvStore)
		}
	}
	_, err = blobs.Open("https://user:secret@host/x", dir)
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("Open of a URL with a key: %v; the error must not repeat the key", err)
	}
}

func TestParseS3URL(t *testing.T) {
	c, err := blobs.ParseS3URL("s3://evidence?endpoint=127.0.0.1:7070&region=eu-west-1&secure=false&prefix=strata/&create=true")
	want := blobs.S3Config{Bucket: "evidence", Endpoint: "127.0.0.1:7070", Region: "eu-west-1", Prefix: "strata/", CreateBucket: true}
	if err != nil || c != want {
		t.Fatalf("ParseS3URL = %+v, %v; want %+v", c, err, want)
	}
	c, err = blobs.ParseS3URL("s3://evidence")
	if err != nil || c != (blobs.S3Config{Bucket: "evidence", Secure: true}) {
		t.Fatalf("ParseS3URL of a bare bucket = %+v, %v", c, err)
	}
	for spec, says := range map[string]string{
		"s3://key:secret@evidence":          "keys do not go in the URL",
		"s3://?endpoint=h:1":                "no bucket",
		"s3://evidence/folder":              "?prefix=folder",
		"s3://evidence?endpiont=h:1":        `unknown setting "endpiont"`,
		"s3://evidence?secure=maybe":        "neither true nor false",
		"s3://evidence?prefix=a&prefix=b":   "2 times",
		"s3://evidence?prefix=/abs":         "must not start with /",
		"http://evidence?endpoint=h:1":      "not an s3:// URL",
		"s3://evidence?endpoint=h:1&create": "neither true nor false",
	} {
		_, err := blobs.ParseS3URL(spec)
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("ParseS3URL(%q) = %v, want an error saying %q", spec, err, says)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseS3URL(%q) repeats the key: %v", spec, err)
		}
	}
}

func TestS3NeedsKeys(t *testing.T) {
	for _, k := range []string{blobs.EnvS3AccessKey, blobs.EnvS3SecretKey, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Setenv(k, "")
	}
	_, err := blobs.NewS3(t.Context(), "s3://evidence?endpoint=127.0.0.1:1&secure=false", blobs.S3Options{})
	if err == nil || !strings.Contains(err.Error(), blobs.EnvS3AccessKey) {
		t.Fatalf("NewS3 without keys: %v", err)
	}
	t.Setenv(blobs.EnvS3AccessKey, "only-one")
	_, err = blobs.NewS3(t.Context(), "s3://evidence?endpoint=127.0.0.1:1&secure=false", blobs.S3Options{})
	if err == nil || !strings.Contains(err.Error(), "both") {
		t.Fatalf("NewS3 with half the keys: %v", err)
	}
}

func TestValidSHA(t *testing.T) {
	good := blobstest.SHA(nil)
	if !blobs.ValidSHA(good) {
		t.Errorf("ValidSHA(%s) = false", good)
	}
	for _, s := range []string{"", good[:63], good + "a", strings.ToUpper(good), "../" + good[3:], good[:63] + "z"} {
		if blobs.ValidSHA(s) {
			t.Errorf("ValidSHA(%q) = true", s)
		}
	}
}

// The mismatch is told where the content ends, whatever the sizes of the reads.
func TestHashingReader(t *testing.T) {
	content := blobstest.Content(10000)
	sha := blobstest.SHA(content)
	for _, step := range []int{1, 7, 4096, 20000} {
		hr := blobs.NewHashingReader(bytes.NewReader(content), sha)
		buf := make([]byte, step)
		var n int
		var err error
		for err == nil {
			var k int
			k, err = hr.Read(buf)
			n += k
		}
		if err.Error() != "EOF" || n != len(content) || hr.Sum() != sha {
			t.Errorf("reads of %d: %d bytes, %v", step, n, err)
		}
	}
	hr := blobs.NewHashingReader(bytes.NewReader(content[1:]), sha)
	buf := make([]byte, 20000)
	n, err := hr.Read(buf)
	for err == nil {
		_, err = hr.Read(buf)
	}
	if n != len(content)-1 || !errors.Is(err, blobs.ErrMismatch) || !strings.Contains(err.Error(), sha) {
		t.Errorf("shortened content: %d bytes, %v", n, err)
	}
}
