package seal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/projections/seal"
	"github.com/strata-grc/strata/schema/testdb"
)

func TestOpenS3(t *testing.T) {
	t.Setenv("STRATA_S3_ACCESS_KEY", "a")
	t.Setenv("STRATA_S3_SECRET_KEY", "b")
	for spec, key := range map[string]string{
		"s3://b?endpoint=127.0.0.1:9000&secure=false": "org3-000000000010.checkpoint",
		"s3://b/":                  "org3-000000000010.checkpoint",
		"s3://b/anchor":            "anchor/org3-000000000010.checkpoint",
		"s3://b/a/b/?region=eu-1":  "a/b/org3-000000000010.checkpoint",
		"s3://b//x//?secure=true":  "x/org3-000000000010.checkpoint",
		"s3://b/x?endpoint=h:1&x=": "",
	} {
		s, err := seal.OpenS3(spec)
		if key == "" {
			if err == nil {
				t.Errorf("%s: accepted", spec)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", spec, err)
			continue
		}
		if got := s.Key(3, 10); got != key {
			t.Errorf("%s: key %q, want %q", spec, got, key)
		}
	}
	for _, bad := range []string{"https://b/x", "s3:///x", "s3://k:s@b/x", "s3://b?secure=maybe", "s3://b?endpoint=a&endpoint=b"} {
		if _, err := seal.OpenS3(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		} else if strings.Contains(err.Error(), "k:s") {
			t.Errorf("%s: the error repeats the key: %v", bad, err)
		}
	}
	t.Setenv("STRATA_SIGNING_KEY", "")
	t.Setenv("STRATA_CHECKPOINT_S3", "s3://b/anchor?endpoint=h:1")
	if cfg, err := seal.ConfigFromEnv(); err != nil || cfg.S3 == nil || cfg.S3.Key(1, 2) != "anchor/org1-000000000002.checkpoint" {
		t.Errorf("STRATA_CHECKPOINT_S3: store %v, %v", cfg.S3, err)
	}
	t.Setenv("STRATA_CHECKPOINT_S3", "s3://b/anchor?prefix=x")
	if _, err := seal.ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "STRATA_CHECKPOINT_S3") {
		t.Errorf("a wrong STRATA_CHECKPOINT_S3: %v", err)
	}
	t.Setenv("STRATA_S3_SECRET_KEY", "")
	if _, err := seal.OpenS3("s3://b/x"); err == nil || !strings.Contains(err.Error(), "STRATA_S3_SECRET_KEY") {
		t.Errorf("half the keys: %v", err)
	}
}

// testS3 opens a checkpoint store under a prefix of its own in the test server's
// bucket, skipping when there is none, and empties the prefix when the test ends. It
// returns the store and its URL.
func testS3(t *testing.T) (*seal.S3, string) {
	spec := os.Getenv("STRATA_TEST_S3_URL")
	if spec == "" {
		t.Skip("no S3 server: set STRATA_TEST_S3_URL (with STRATA_S3_ACCESS_KEY and STRATA_S3_SECRET_KEY); " +
			"`source .ci/s3` starts a local one and sets all three")
	}
	u, err := url.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("strata-checkpoints-%d-%016x", time.Now().Unix(), rand.Uint64())
	u.Path = "/" + prefix
	s, err := seal.OpenS3(u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for obj := range s.Client().ListObjects(ctx, s.Bucket(), minio.ListObjectsOptions{Prefix: prefix + "/", Recursive: true}) {
			if obj.Err != nil {
				t.Errorf("clean up %s: %v", prefix, obj.Err)
				return
			}
			if err := s.Client().RemoveObject(ctx, s.Bucket(), obj.Key, minio.RemoveObjectOptions{}); err != nil {
				t.Errorf("clean up %s: %v", obj.Key, err)
			}
		}
	})
	return s, u.String()
}

func getObject(t *testing.T, s *seal.S3, key string) string {
	t.Helper()
	obj, err := s.Client().GetObject(context.Background(), s.Bucket(), key, minio.GetObjectOptions{})
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

func putObject(t *testing.T, s *seal.S3, key, body string) {
	t.Helper()
	if _, err := s.Client().PutObject(context.Background(), s.Bucket(), key, strings.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestS3Write: a checkpoint is written once; the same one again is reported present,
// and another under its name is an error that leaves the object as it was.
func TestS3Write(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := testS3(t)
	private, _, err := seal.GenerateKey("ops")
	if err != nil {
		t.Fatal(err)
	}
	k, err := seal.ParseKey(private)
	if err != nil {
		t.Fatal(err)
	}
	c, err := seal.MakeCheckpoint(4, 20, [32]byte{1}, time.Now(), k)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, c); err != nil {
		t.Fatalf("first write: %v", err)
	}
	if got := getObject(t, s, s.Key(4, 20)); got != string(c.Note) {
		t.Fatalf("object: %q, want %q", got, c.Note)
	}
	if err := s.Write(ctx, c); !errors.Is(err, os.ErrExist) {
		t.Fatalf("the same checkpoint again: %v", err)
	}
	other, err := seal.MakeCheckpoint(4, 20, [32]byte{2}, time.Now(), k)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, other); !errors.Is(err, seal.ErrDiffers) {
		t.Fatalf("another checkpoint under the same name: %v", err)
	}
	if got := getObject(t, s, s.Key(4, 20)); got != string(c.Note) {
		t.Fatalf("the object was replaced: %q", got)
	}

	// Writers racing for one name: whichever wins, the others leave its object alone
	// and learn whether it holds their checkpoint.
	var racers []seal.Checkpoint
	for i := range 6 {
		c, err := seal.MakeCheckpoint(4, 25, [32]byte{byte(i % 3)}, time.Now(), k)
		if err != nil {
			t.Fatal(err)
		}
		racers = append(racers, c)
	}
	errs := make([]error, len(racers))
	var wg sync.WaitGroup
	for i, c := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Write(ctx, c)
		}()
	}
	wg.Wait()
	won := getObject(t, s, s.Key(4, 25))
	for i, c := range racers {
		switch {
		case string(c.Note) != won && !errors.Is(errs[i], seal.ErrDiffers):
			t.Errorf("writer %d of another checkpoint: %v", i, errs[i])
		case string(c.Note) == won && errs[i] != nil && !errors.Is(errs[i], os.ErrExist):
			t.Errorf("writer %d of the checkpoint kept: %v", i, errs[i])
		}
	}
	if err := s.Client().RemoveObject(ctx, s.Bucket(), s.Key(4, 25), minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}

	putObject(t, s, s.Key(4, 30), "not a checkpoint\n")
	putObject(t, s, s.Key(4, 40)+".bak", "ignored: not named *.checkpoint\n")
	objs, err := s.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || !strings.HasSuffix(objs[0].Name, "/org4-000000000020.checkpoint") ||
		!strings.HasPrefix(objs[0].Name, "s3://") || string(objs[0].Note) != string(c.Note) ||
		string(objs[1].Note) != "not a checkpoint\n" {
		t.Fatalf("ReadAll: %+v", objs)
	}
}

// TestS3Export seals a log with a store configured, so each checkpoint goes to the
// bucket as it is made, then exports what the bucket lacks.
func TestS3Export(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := testS3(t)
	db := testdb.New(t)
	store := postgres.New(db.Pool)
	for i := range 12 {
		org := int64(1 + i%2)
		if _, err := store.Append(ctx, fmt.Sprintf("thing-%d", org), events.Any(),
			events.Metadata{OrgID: org, ActorID: 1, ActorName: "Ann", CorrelationID: "c"},
			events.NewEvent{ID: uuid.New(), Type: "ThingHappened", SchemaVersion: 1, Data: json.RawMessage(`{"n": 1}`)}); err != nil {
			t.Fatal(err)
		}
	}
	p := seal.New(seal.Config{Every: 3, Interval: time.Hour, S3: s})
	projectiontest.Rebuild(t, store, db.Pool, p)
	made, err := p.CheckpointOnce(ctx, db.Pool)
	if err != nil || len(made) != 4 {
		t.Fatalf("checkpoints made: %d, %v", len(made), err)
	}
	for _, c := range made {
		if got := getObject(t, s, s.Key(c.Org, c.Size)); got != string(c.Note) {
			t.Fatalf("object of organization %d at %d: %q", c.Org, c.Size, got)
		}
	}
	if w, n, err := seal.ExportS3(ctx, db.Pool, s); err != nil || w != 0 || n != 4 {
		t.Fatalf("export of a complete bucket: %d written, %d present, %v", w, n, err)
	}

	// A missing object is written again; one with other content is reported and kept.
	if err := s.Client().RemoveObject(ctx, s.Bucket(), s.Key(1, 3), minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	forged := "strata/org/2\n6\nforged\n"
	putObject(t, s, s.Key(2, 6), forged)
	w, n, err := seal.ExportS3(ctx, db.Pool, s)
	if !errors.Is(err, seal.ErrDiffers) || w != 1 || n != 2 {
		t.Fatalf("export over a missing and a different object: %d written, %d present, %v", w, n, err)
	}
	if got := getObject(t, s, s.Key(2, 6)); got != forged {
		t.Fatalf("the different object was replaced: %q", got)
	}
	if got := getObject(t, s, s.Key(1, 3)); !strings.HasPrefix(got, "strata/org/1\n3\n") {
		t.Fatalf("the missing object: %q", got)
	}

	// A server starting with an empty bucket fills it; one whose bucket is missing
	// logs that and goes on checkpointing.
	empty, spec := testS3(t)
	log := runCheckpoints(t, db, seal.Config{Every: 3, Interval: time.Hour, Poll: 20 * time.Millisecond, S3: empty},
		func() bool { objs, err := empty.ReadAll(ctx); return err == nil && len(objs) == 4 })
	if strings.Contains(log, "level=ERROR") {
		t.Errorf("start-up export: %s", log)
	}
	u, _ := url.Parse(spec)
	u.Host = "strata-no-such-bucket"
	missing, err := seal.OpenS3(u.String())
	if err != nil {
		t.Fatal(err)
	}
	log = runCheckpoints(t, db, seal.Config{Every: 3, Interval: time.Hour, Poll: 20 * time.Millisecond, S3: missing}, nil)
	if !strings.Contains(log, "the bucket does not exist") {
		t.Errorf("a missing bucket: %q", log)
	}
}

// runCheckpoints runs the checkpointer until done says so (or for half a second when
// done is nil) and returns what it logged.
func runCheckpoints(t *testing.T, db *testdb.DB, cfg seal.Config, done func() bool) string {
	t.Helper()
	var log bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		seal.New(cfg).RunCheckpoints(ctx, db.Pool, slog.New(slog.NewTextHandler(&log, nil)))
	}()
	deadline := time.Now().Add(20 * time.Second)
	for done != nil && !done() {
		if time.Now().After(deadline) {
			cancel()
			<-finished
			t.Fatalf("the checkpointer did not finish its work; it logged %s", log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if done == nil {
		time.Sleep(500 * time.Millisecond)
	}
	cancel()
	<-finished
	return log.String()
}
