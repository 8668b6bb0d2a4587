package blobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/strata-grc/strata/commands/blobs"
	"github.com/strata-grc/strata/commands/blobs/blobstest"
)

// s3URL returns the S3 server the tests use, skipping when there is none.
func s3URL(t testing.TB) string {
	u := os.Getenv("STRATA_TEST_S3_URL")
	if u == "" {
		t.Skip("no S3 server: set STRATA_TEST_S3_URL (with STRATA_S3_ACCESS_KEY and STRATA_S3_SECRET_KEY); " +
			"`source .ci/s3` starts a local one and sets all three")
	}
	return u
}

// withSetting returns the URL with one query setting replaced.
func withSetting(t testing.TB, spec, key, value string) string {
	u, err := url.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func unique(kind string) string {
	return fmt.Sprintf("strata-%s-%d-%016x", kind, time.Now().Unix(), rand.Uint64())
}

// newS3 opens a store of its own under a prefix no other test uses, and removes
// everything under it when the test ends.
func newS3(t testing.TB, spec string, opts blobs.S3Options) *blobs.S3Store {
	prefix := unique("t") + "/"
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	s, err := blobs.NewS3(t.Context(), withSetting(t, spec, "prefix", prefix), opts)
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c := s.Client()
		for obj := range c.ListObjects(ctx, s.Bucket(), minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if obj.Err != nil {
				t.Errorf("clean up %s: %v", prefix, obj.Err)
				return
			}
			if err := c.RemoveObject(ctx, s.Bucket(), obj.Key, minio.RemoveObjectOptions{}); err != nil {
				t.Errorf("clean up %s: %v", obj.Key, err)
			}
		}
	})
	return s
}

func s3Target(spec string) func(t *testing.T) blobstest.Target {
	return func(t *testing.T) blobstest.Target {
		return s3TargetOf(newS3(t, spec, blobs.S3Options{}))
	}
}

func s3TargetOf(s *blobs.S3Store) blobstest.Target {
	return blobstest.Target{
		Store: s,
		Tamper: func(t *testing.T, sha string, content []byte) {
			_, err := s.Client().PutObject(t.Context(), s.Bucket(), s.Key(sha), bytes.NewReader(content), int64(len(content)), minio.PutObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
		},
		Leftovers: func(t *testing.T) []string {
			var left []string
			entries, err := os.ReadDir(s.TempDir()) // the test's own
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				left = append(left, "staged "+e.Name())
			}
			prefix := strings.TrimSuffix(s.Key(strings.Repeat("0", 64)), strings.Repeat("0", 64))
			for up := range s.Client().ListIncompleteUploads(t.Context(), s.Bucket(), prefix, true) {
				if up.Err != nil {
					t.Fatalf("list incomplete uploads: %v", up.Err)
				}
				left = append(left, "incomplete upload "+up.Key)
			}
			return left
		},
	}
}

func TestS3Contract(t *testing.T) {
	spec := s3URL(t)
	blobstest.Run(t, s3Target(spec))
}

func TestS3String(t *testing.T) {
	spec := s3URL(t)
	s := newS3(t, spec, blobs.S3Options{})
	str := s.String()
	if !strings.HasPrefix(str, "s3://"+s.Bucket()+"/strata-t-") || !strings.Contains(str, "(") {
		t.Errorf("String() = %q", str)
	}
	for _, k := range []string{os.Getenv(blobs.EnvS3AccessKey), os.Getenv(blobs.EnvS3SecretKey)} {
		if k != "" && strings.Contains(str, k) {
			t.Errorf("String() = %q shows a key", str)
		}
	}
}

// A missing bucket is an error naming the way out, unless the URL allows creating it.
func TestS3Bucket(t *testing.T) {
	spec := s3URL(t)
	u, err := url.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = unique("b")
	missing := u.String()
	if _, err := blobs.NewS3(t.Context(), missing, blobs.S3Options{}); err == nil || !strings.Contains(err.Error(), "create=true") {
		t.Fatalf("NewS3 of a missing bucket: %v", err)
	}
	s, err := blobs.NewS3(t.Context(), withSetting(t, missing, "create", "true"), blobs.S3Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("NewS3 with create=true: %v", err)
	}
	b, err := s.Put(t.Context(), strings.NewReader("in a new bucket"), 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context(), b.SHA256); err != nil {
		t.Fatal(err)
	}
	if err := s.Client().RemoveBucket(t.Context(), u.Host); err != nil {
		t.Errorf("remove bucket %s: %v", u.Host, err)
	}
	// Open reads the same settings.
	if _, err := blobs.Open(missing, ""); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Open of a missing bucket: %v", err)
	}
}

// Content larger than a part goes up in parts, read from the staged file.
func TestS3Multipart(t *testing.T) {
	s := newS3(t, s3URL(t), blobs.S3Options{MaxSinglePut: 1, PartSize: 5 << 20})
	tg := s3TargetOf(s)
	content := blobstest.Content(11<<20 + 3)
	b, err := s.Put(t.Context(), bytes.NewReader(content), 20<<20)
	if err != nil || b.SHA256 != blobstest.SHA(content) {
		t.Fatalf("Put = %+v, %v", b, err)
	}
	rc, size, err := s.Open(t.Context(), b.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || size != int64(len(content)) || !bytes.Equal(got, content) {
		t.Fatalf("read back %d of %d bytes: %v", len(got), size, err)
	}
	if left := tg.Leftovers(t); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
}

// cancelAtPart cancels the upload's request as the given part is about to be sent, as a
// client that goes away during the upload of a large file does.
type cancelAtPart struct {
	part   string
	cancel context.CancelFunc
	seen   atomic.Bool
}

func (c *cancelAtPart) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && req.URL.Query().Get("partNumber") == c.part {
		c.seen.Store(true)
		c.cancel()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// A Put cancelled while its parts are going up leaves neither an object nor parts.
func TestS3CancelledDuringUpload(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	hook := &cancelAtPart{part: "2", cancel: cancel}
	s := newS3(t, s3URL(t), blobs.S3Options{MaxSinglePut: 1, PartSize: 5 << 20, Transport: hook})
	_, err := s.Put(ctx, bytes.NewReader(blobstest.Content(16<<20)), 20<<20)
	if !errors.Is(err, context.Canceled) || !hook.seen.Load() {
		t.Fatalf("Put cancelled at part 2: %v (part seen: %v)", err, hook.seen.Load())
	}
	tg := s3TargetOf(s)
	if left := tg.Leftovers(t); len(left) != 0 {
		t.Errorf("left %v", left)
	}
	if err := s.Walk(t.Context(), func(in blobs.Info) error { return fmt.Errorf("found %s", in.SHA256) }); err != nil {
		t.Error(err)
	}
}

// corrupting changes one byte of every object upload on its way, as a faulty network or
// disk between the hashing and the server could.
type corrupting struct{ seen atomic.Bool }

func (c *corrupting) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && req.Body != nil && req.ContentLength > 0 && req.Header.Get("X-Amz-Copy-Source") == "" {
		c.seen.Store(true)
		req.Body = &flipFirst{ReadCloser: req.Body}
	}
	return http.DefaultTransport.RoundTrip(req)
}

type flipFirst struct {
	io.ReadCloser
	done bool
}

func (f *flipFirst) Read(p []byte) (int, error) {
	n, err := f.ReadCloser.Read(p)
	if n > 0 && !f.done {
		p[0] ^= 1
		f.done = true
	}
	return n, err
}

// The server checks what it receives against the hash the store computed: content that
// changed after it was hashed is refused, and nothing is kept under a name it does not have.
func TestS3ServerChecksContent(t *testing.T) {
	hook := &corrupting{}
	s := newS3(t, s3URL(t), blobs.S3Options{Transport: hook})
	_, err := s.Put(t.Context(), bytes.NewReader(blobstest.Content(100<<10)), 1<<20)
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) || resp.Code != "XAmzContentSHA256Mismatch" || !hook.seen.Load() {
		t.Fatalf("Put of content changed in transit: %v (changed: %v)", err, hook.seen.Load())
	}
	if err := s.Walk(t.Context(), func(in blobs.Info) error { return fmt.Errorf("found %s", in.SHA256) }); err != nil {
		t.Error(err)
	}
}
