package seal

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/strata-grc/strata/commands/blobs"
)

// EnvCheckpointS3 names an S3 bucket, and a prefix in it, that receives each checkpoint.
const EnvCheckpointS3 = "STRATA_CHECKPOINT_S3"

// ErrDiffers is wrapped by the error of a write that found another checkpoint under the
// same name. Trying again cannot help, and the object is evidence either way: someone
// has to look.
var ErrDiffers = errors.New("holds another checkpoint under that name")

const (
	// s3OpTimeout bounds one request to the bucket, so an unreachable store delays
	// the checkpointer by that much at most per round.
	s3OpTimeout = 30 * time.Second
	// s3Retries is the client's attempts per request; its default (10, with back-off)
	// would hold a round far longer than s3OpTimeout allows anyway.
	s3Retries = 3
	// maxCheckpointObject bounds what is read of one object: a checkpoint is a few
	// hundred bytes, so anything near this is not one.
	maxCheckpointObject = 64 << 10
	// s3Retry is how often a server whose bucket fell behind tries to catch up.
	s3Retry = time.Minute
	// exportPage is how many stored checkpoints an export reads per query, so no
	// query stays open while the bucket is written.
	exportPage = 500
)

// S3 is a bucket of an S3-compatible store that checkpoints are exported to, as
// objects named prefix + FileName. A bucket with object lock (retention) is the
// anchor docs/trail.md recommends: not even the bucket's owner can then rewrite it.
type S3 struct {
	client   *minio.Client
	bucket   string
	prefix   string
	endpoint string
	// behind says that a write failed and the bucket may lack checkpoints: the
	// checkpointer then skips its own writes until an ExportS3 catches up.
	behind atomic.Bool
}

// OpenS3 reads an s3:// URL:
//
//	s3://BUCKET/PREFIX?endpoint=host:port&region=REGION&secure=false
//
// endpoint defaults to AWS S3 and secure (HTTPS) to true; PREFIX may be empty or hold
// several segments. The keys are those of the blob store (STRATA_S3_ACCESS_KEY and
// STRATA_S3_SECRET_KEY, else the AWS variables); they never go in the URL. OpenS3 does
// not reach the store: an unreachable one fails the first request, not the server's
// start.
func OpenS3(spec string) (*S3, error) {
	u, err := url.Parse(spec)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, which may hold a key
		}
		return nil, fmt.Errorf("checkpoint store: not a URL: %w", err)
	}
	if u.Scheme != "s3" {
		return nil, fmt.Errorf("checkpoint store: %q is not an s3:// URL", u.Scheme+"://")
	}
	if u.User != nil {
		return nil, fmt.Errorf("checkpoint store: keys do not go in the URL; set %s and %s",
			blobs.EnvS3AccessKey, blobs.EnvS3SecretKey)
	}
	if u.Host == "" {
		return nil, errors.New("checkpoint store: the URL names no bucket (s3://BUCKET/PREFIX?endpoint=host:port)")
	}
	s := &S3{bucket: u.Host, prefix: strings.Trim(u.Path, "/"), endpoint: "s3.amazonaws.com"}
	if s.prefix != "" {
		s.prefix += "/"
	}
	secure, region := true, ""
	for key, values := range u.Query() {
		if len(values) != 1 {
			return nil, fmt.Errorf("checkpoint store: %s is given %d times", key, len(values))
		}
		switch v := values[0]; key {
		case "endpoint":
			s.endpoint = v
		case "region":
			region = v
		case "secure":
			if secure, err = strconv.ParseBool(v); err != nil {
				return nil, fmt.Errorf("checkpoint store: secure=%q is neither true nor false", v)
			}
		case "prefix":
			return nil, fmt.Errorf("checkpoint store: give the prefix as the URL's path: s3://%s/%s", s.bucket, strings.Trim(v, "/"))
		default:
			return nil, fmt.Errorf("checkpoint store: unknown setting %q (known: endpoint, region, secure)", key)
		}
	}
	creds, err := s3Credentials()
	if err != nil {
		return nil, err
	}
	s.client, err = minio.New(s.endpoint, &minio.Options{Creds: creds, Secure: secure, Region: region, MaxRetries: s3Retries})
	if err != nil {
		return nil, fmt.Errorf("checkpoint store: %w", err)
	}
	return s, nil
}

func s3Credentials() (*credentials.Credentials, error) {
	access, secret := os.Getenv(blobs.EnvS3AccessKey), os.Getenv(blobs.EnvS3SecretKey)
	if access != "" || secret != "" {
		if access == "" || secret == "" {
			return nil, fmt.Errorf("checkpoint store: set both %s and %s", blobs.EnvS3AccessKey, blobs.EnvS3SecretKey)
		}
		return credentials.NewStaticV4(access, secret, ""), nil
	}
	id, key := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || key == "" {
		return nil, fmt.Errorf("checkpoint store: no S3 keys: set %s and %s (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
			blobs.EnvS3AccessKey, blobs.EnvS3SecretKey)
	}
	return credentials.NewStaticV4(id, key, os.Getenv("AWS_SESSION_TOKEN")), nil
}

func (s *S3) String() string { return fmt.Sprintf("s3://%s/%s (%s)", s.bucket, s.prefix, s.endpoint) }

// Client returns the S3 client, for tools that look at the bucket directly.
func (s *S3) Client() *minio.Client { return s.client }

// Bucket returns the bucket's name.
func (s *S3) Bucket() string { return s.bucket }

// Key returns the object key a checkpoint is exported under.
func (s *S3) Key(org, size int64) string { return s.prefix + FileName(org, size) }

func isNoSuchKey(err error) bool {
	return err != nil && minio.ToErrorResponse(err).Code == minio.NoSuchKey
}

// Write stores one checkpoint unless its object exists. It returns an error wrapping
// os.ErrExist when the same checkpoint is there already, and one wrapping ErrDiffers,
// leaving the object alone, when another is. The put is conditional (If-None-Match),
// so on a store that honours that (AWS S3, MinIO) two writers cannot replace each
// other's object; on one that ignores it, the check before the put leaves only the
// instant between the two.
func (s *S3) Write(ctx context.Context, c Checkpoint) error {
	key := s.Key(c.Org, c.Size)
	switch old, err := s.read(ctx, key); {
	case err == nil:
		return s.same(key, c, old)
	case !isNoSuchKey(err):
		return fmt.Errorf("%s: %w", s, err)
	}
	return s.put(ctx, key, c)
}

// put writes an object that was missing a moment ago, unless it is there by now.
func (s *S3) put(ctx context.Context, key string, c Checkpoint) error {
	opts := minio.PutObjectOptions{ContentType: "text/plain; charset=utf-8", SendContentMd5: true}
	opts.SetMatchETagExcept("*")
	putCtx, cancel := context.WithTimeout(ctx, s3OpTimeout)
	defer cancel()
	_, err := s.client.PutObject(putCtx, s.bucket, key, bytes.NewReader(c.Note), int64(len(c.Note)), opts)
	if code := minio.ToErrorResponse(err).Code; code == minio.PreconditionFailed || code == "ConditionalRequestConflict" {
		// Another writer got there first: what it wrote decides.
		old, err := s.read(ctx, key)
		if err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		return s.same(key, c, old)
	}
	if err != nil {
		return fmt.Errorf("%s: write %s: %w", s, key, err)
	}
	return nil
}

func (s *S3) same(key string, c Checkpoint, old []byte) error {
	if bytes.Equal(old, c.Note) {
		return fmt.Errorf("s3://%s/%s: %w", s.bucket, key, os.ErrExist)
	}
	return fmt.Errorf("s3://%s/%s %w for organization %d at size %d; left alone", s.bucket, key, ErrDiffers, c.Org, c.Size)
}

// read returns an object's content; a missing object is an error isNoSuchKey reports.
func (s *S3) read(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s3OpTimeout)
	defer cancel()
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, maxCheckpointObject+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxCheckpointObject {
		return nil, fmt.Errorf("s3://%s/%s is over %d bytes: not a checkpoint", s.bucket, key, maxCheckpointObject)
	}
	return b, nil
}

// Object is a checkpoint as read from the bucket: its URL and content.
type Object struct {
	Name string
	Note []byte
}

// list calls fn with each object directly under the prefix whose name ends in
// .checkpoint, as a directory export's *.checkpoint files.
func (s *S3) list(ctx context.Context, fn func(minio.ObjectInfo) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing when fn fails
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix}) {
		if obj.Err != nil {
			return fmt.Errorf("list %s: %w", s, obj.Err)
		}
		name := strings.TrimPrefix(obj.Key, s.prefix)
		if !strings.HasSuffix(name, ".checkpoint") || strings.Contains(name, "/") {
			continue
		}
		if err := fn(obj); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// ReadAll returns every checkpoint object under the prefix, unparsed: the verifier
// reports each one that does not parse or agree.
func (s *S3) ReadAll(ctx context.Context) ([]Object, error) {
	var out []Object
	err := s.list(ctx, func(obj minio.ObjectInfo) error {
		b, err := s.read(ctx, obj.Key)
		if err != nil {
			return fmt.Errorf("read s3://%s/%s: %w", s.bucket, obj.Key, err)
		}
		out = append(out, Object{Name: "s3://" + s.bucket + "/" + obj.Key, Note: b})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no *.checkpoint objects", s)
	}
	return out, nil
}

// ExportS3 writes every stored checkpoint that the bucket lacks and returns how many
// it wrote and how many were there already. An object that exists with other content
// is an error (wrapping ErrDiffers) and is left alone. The bucket is listed once; an
// object whose ETag is the MD5 of the checkpoint counts as the same without being
// read (S3 gives a single-part, unencrypted object's MD5 as its ETag), any other is
// read and compared.
func ExportS3(ctx context.Context, pool *pgxpool.Pool, s *S3) (written, present int, err error) {
	written, present, conflicts, err := s.export(ctx, pool)
	if err != nil {
		s.behind.Store(true)
	}
	return written, present, errors.Join(err, errors.Join(conflicts...))
}

// export is ExportS3; it returns the conflicts apart from the failures that writing
// again may cure.
func (s *S3) export(ctx context.Context, pool *pgxpool.Pool) (written, present int, conflicts []error, err error) {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("%s: %w", s, err)
	}
	if !ok {
		return 0, 0, nil, fmt.Errorf("%s: the bucket does not exist", s)
	}
	etags := map[string]string{}
	if err := s.list(ctx, func(obj minio.ObjectInfo) error {
		etags[obj.Key] = obj.ETag
		return nil
	}); err != nil {
		return 0, 0, nil, err
	}
	err = storedCheckpoints(ctx, pool, func(c Checkpoint) error {
		key := s.Key(c.Org, c.Size)
		if etag, ok := etags[key]; ok {
			sum := md5.Sum(c.Note)
			if strings.EqualFold(etag, hex.EncodeToString(sum[:])) {
				present++
				return nil
			}
		}
		switch err := s.Write(ctx, c); {
		case errors.Is(err, os.ErrExist):
			present++
		case errors.Is(err, ErrDiffers):
			conflicts = append(conflicts, err)
		case err != nil:
			// The store is failing: the rest would only wait for it in turn.
			return err
		default:
			written++
		}
		return nil
	})
	return written, present, conflicts, err
}

// write exports a checkpoint just made. While the bucket is behind it does nothing:
// the catch-up export will write the checkpoint, and a failing store costs a round
// one timed-out request rather than one per checkpoint.
func (s *S3) write(ctx context.Context, c Checkpoint) error {
	if s == nil || s.behind.Load() {
		return nil
	}
	err := s.Write(ctx, c)
	switch {
	case err == nil, errors.Is(err, os.ErrExist):
		return nil
	case !errors.Is(err, ErrDiffers):
		s.behind.Store(true)
	}
	return err
}

// storedCheckpoints calls fn with every stored checkpoint in order of organization and
// size, a page at a time.
func storedCheckpoints(ctx context.Context, pool *pgxpool.Pool, fn func(Checkpoint) error) error {
	org, size := int64(-1), int64(0)
	for {
		rows, err := pool.Query(ctx, `select org_id, tree_size, note from seal_checkpoints
			where (org_id, tree_size) > ($1, $2) order by org_id, tree_size limit $3`, org, size, exportPage)
		if err != nil {
			return err
		}
		var page []Checkpoint
		for rows.Next() {
			var c Checkpoint
			var note string
			if err := rows.Scan(&c.Org, &c.Size, &note); err != nil {
				rows.Close()
				return err
			}
			c.Note = []byte(note)
			page = append(page, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range page {
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			return nil
		}
		org, size = page[len(page)-1].Org, page[len(page)-1].Size
	}
}
