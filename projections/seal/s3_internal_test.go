package seal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// TestS3PutRace: an object that appears between Write's check and its put is not
// replaced, and decides the outcome as the check would have.
func TestS3PutRace(t *testing.T) {
	t.Parallel()
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
	u.Path = fmt.Sprintf("/strata-checkpoints-%d-%016x", time.Now().Unix(), rand.Uint64())
	s, err := OpenS3(u.String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := MakeCheckpoint(8, 5, [32]byte{8}, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	key := s.Key(c.Org, c.Size)
	t.Cleanup(func() { _ = s.client.RemoveObject(context.Background(), s.bucket, key, minio.RemoveObjectOptions{}) })
	if err := s.put(ctx, key, c); err != nil {
		t.Fatalf("put: %v", err)
	}
	if err := s.put(ctx, key, c); !errors.Is(err, os.ErrExist) {
		t.Fatalf("the same checkpoint, put over itself: %v", err)
	}
	other, err := MakeCheckpoint(8, 5, [32]byte{9}, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.put(ctx, key, other); !errors.Is(err, ErrDiffers) {
		t.Fatalf("another checkpoint, put over the first: %v", err)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if b, err := io.ReadAll(obj); err != nil || string(b) != string(c.Note) {
		t.Fatalf("the object: %q, %v; want %q", b, err, c.Note)
	}
}
