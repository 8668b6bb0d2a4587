package blobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The environment variables holding the S3 keys. When they are unset the usual AWS ones
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) are read instead.
const (
	EnvS3AccessKey = "STRATA_S3_ACCESS_KEY"
	EnvS3SecretKey = "STRATA_S3_SECRET_KEY"
)

// awsEndpoint is the endpoint when the URL names none: the client library finds each
// bucket's regional endpoint from there.
const awsEndpoint = "s3.amazonaws.com"

// Content up to DefaultMaxSinglePut bytes goes up in one request that carries its SHA-256
// (x-amz-content-sha256), which the server checks before it keeps the object: what lands
// in the bucket is what was hashed. Larger content goes up in parts of DefaultPartSize,
// each checked by its own signature as it streams. Both read the staged file straight
// from disk, so neither size bounds more than the requests; memory stays a few buffers.
const (
	DefaultMaxSinglePut = 1 << 30
	DefaultPartSize     = 16 << 20
)

// S3Config is what an s3:// URL says:
//
//	s3://BUCKET?endpoint=host:port&region=REGION&secure=false&prefix=evidence/&create=true
//
// endpoint defaults to AWS S3; secure (HTTPS) defaults to true; prefix is put before every
// object's key (end it with "/" to keep the blobs in a folder of their own); create=true
// creates the bucket when it is missing, which otherwise is an error, since a missing
// bucket usually means a mistyped name. Keys never go in the URL.
type S3Config struct {
	Bucket       string
	Endpoint     string
	Region       string
	Prefix       string
	Secure       bool
	CreateBucket bool
}

// ParseS3URL reads an s3:// URL.
func ParseS3URL(spec string) (S3Config, error) {
	u, err := url.Parse(spec)
	if err != nil {
		return S3Config{}, fmt.Errorf("%s: not a URL: %w", EnvStore, redactErr(err))
	}
	if u.Scheme != "s3" {
		return S3Config{}, fmt.Errorf("%s: %q is not an s3:// URL", EnvStore, u.Scheme+"://")
	}
	if u.User != nil {
		return S3Config{}, fmt.Errorf("%s: keys do not go in the URL; set %s and %s", EnvStore, EnvS3AccessKey, EnvS3SecretKey)
	}
	if u.Host == "" {
		return S3Config{}, fmt.Errorf("%s: the URL names no bucket (s3://BUCKET?endpoint=host:port)", EnvStore)
	}
	if u.Path != "" && u.Path != "/" {
		return S3Config{}, fmt.Errorf("%s: give the key prefix as ?prefix=%s, not as a path", EnvStore, strings.TrimPrefix(u.Path, "/"))
	}
	c := S3Config{Bucket: u.Host, Secure: true}
	for key, values := range u.Query() {
		if len(values) != 1 {
			return S3Config{}, fmt.Errorf("%s: %s is given %d times", EnvStore, key, len(values))
		}
		v := values[0]
		switch key {
		case "endpoint":
			c.Endpoint = v
		case "region":
			c.Region = v
		case "prefix":
			if strings.HasPrefix(v, "/") {
				return S3Config{}, fmt.Errorf("%s: prefix %q must not start with /", EnvStore, v)
			}
			c.Prefix = v
		case "secure", "create":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return S3Config{}, fmt.Errorf("%s: %s=%q is neither true nor false", EnvStore, key, v)
			}
			if key == "secure" {
				c.Secure = b
			} else {
				c.CreateBucket = b
			}
		default:
			return S3Config{}, fmt.Errorf("%s: unknown setting %q (known: endpoint, region, secure, prefix, create)", EnvStore, key)
		}
	}
	return c, nil
}

// redactErr drops the URL that url.Parse repeats in its errors, which may hold a key.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// S3Options are the settings of an S3 store that do not belong in its URL.
type S3Options struct {
	// TempDir is where Put stages each upload while hashing it: the object's key is its
	// hash, known only at the end. Default os.TempDir(); it needs room for the largest
	// uploads running at once.
	TempDir string
	// AccessKey and SecretKey default to the environment (EnvS3AccessKey, EnvS3SecretKey,
	// then the AWS variables).
	AccessKey, SecretKey string
	// MaxSinglePut defaults to DefaultMaxSinglePut; S3 takes at most 5 GiB in one request.
	MaxSinglePut int64
	// PartSize defaults to DefaultPartSize; S3 takes no parts under 5 MiB.
	PartSize uint64
	// Transport carries the requests; nil means the client library's own (HTTP/1.1 with
	// the system's CA roots). Set it for custom roots or a proxy.
	Transport http.RoundTripper
}

// S3Store keeps blobs as objects named prefix+sha in one bucket of an S3-compatible store.
type S3Store struct {
	client    *minio.Client
	bucket    string
	prefix    string
	endpoint  string
	tempDir   string
	singlePut int64
	partSize  uint64
}

var _ Store = (*S3Store)(nil)

// NewS3 connects to the store an s3:// URL names and checks that its bucket exists,
// creating it when the URL says create=true.
func NewS3(ctx context.Context, spec string, opts S3Options) (*S3Store, error) {
	c, err := ParseS3URL(spec)
	if err != nil {
		return nil, err
	}
	creds, err := s3Credentials(opts)
	if err != nil {
		return nil, err
	}
	endpoint := c.Endpoint
	if endpoint == "" {
		endpoint = awsEndpoint
	}
	client, err := minio.New(endpoint, &minio.Options{Creds: creds, Secure: c.Secure, Region: c.Region, Transport: opts.Transport})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvStore, err)
	}
	s := &S3Store{
		client:    client,
		bucket:    c.Bucket,
		prefix:    c.Prefix,
		endpoint:  endpoint,
		tempDir:   opts.TempDir,
		singlePut: opts.MaxSinglePut,
		partSize:  opts.PartSize,
	}
	if s.singlePut <= 0 {
		s.singlePut = DefaultMaxSinglePut
	}
	if s.tempDir == "" {
		s.tempDir = os.TempDir()
	}
	if s.partSize == 0 {
		s.partSize = DefaultPartSize
	}
	ok, err := client.BucketExists(ctx, c.Bucket)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	if !ok {
		if !c.CreateBucket {
			return nil, fmt.Errorf("%s: the bucket does not exist; create it, or add create=true to %s", s, EnvStore)
		}
		if err := client.MakeBucket(ctx, c.Bucket, minio.MakeBucketOptions{Region: c.Region}); err != nil {
			return nil, fmt.Errorf("%s: create bucket: %w", s, err)
		}
	}
	return s, nil
}

func s3Credentials(opts S3Options) (*credentials.Credentials, error) {
	access, secret := opts.AccessKey, opts.SecretKey
	if access == "" && secret == "" {
		access, secret = os.Getenv(EnvS3AccessKey), os.Getenv(EnvS3SecretKey)
	}
	if access != "" || secret != "" {
		if access == "" || secret == "" {
			return nil, fmt.Errorf("%s: set both %s and %s", EnvStore, EnvS3AccessKey, EnvS3SecretKey)
		}
		return credentials.NewStaticV4(access, secret, ""), nil
	}
	awsID := os.Getenv("AWS_ACCESS_KEY_ID")
	awsSecret := os.Getenv("AWS_SECRET_ACCESS_KEY")
	if awsID == "" || awsSecret == "" {
		return nil, fmt.Errorf("%s: no S3 keys: set %s and %s (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
			EnvStore, EnvS3AccessKey, EnvS3SecretKey)
	}
	return credentials.NewStaticV4(awsID, awsSecret, os.Getenv("AWS_SESSION_TOKEN")), nil
}

func (s *S3Store) String() string {
	return fmt.Sprintf("s3://%s/%s (%s)", s.bucket, s.prefix, s.endpoint)
}

// Client returns the S3 client, for tools that look at the bucket directly.
func (s *S3Store) Client() *minio.Client { return s.client }

// Bucket returns the bucket the blobs are kept in.
func (s *S3Store) Bucket() string { return s.bucket }

// TempDir returns where uploads are staged.
func (s *S3Store) TempDir() string { return s.tempDir }

// Key returns the object key of the blob named sha, or "" for a name no blob can have.
func (s *S3Store) Key(sha string) string {
	if !ValidSHA(sha) {
		return ""
	}
	return s.prefix + sha
}

// Put implements Store. The content is staged in a local file while it is hashed and
// counted, then sent with its size and hash known (see DefaultMaxSinglePut), and the file
// is removed; nothing reaches the bucket before the whole content is in and within the
// limit. Content already in the bucket is not sent again: the object is copied onto
// itself instead, which gives it a new time for the collector's age guard. Some servers
// (versitygw among them) keep the old time on such a copy; the content is then sent
// again, which renews it everywhere.
func (s *S3Store) Put(ctx context.Context, r io.Reader, limit int64) (Blob, error) {
	if err := ctx.Err(); err != nil {
		return Blob{}, err
	}
	f, err := os.CreateTemp(s.tempDir, "strata-blob-*")
	if err != nil {
		return Blob{}, fmt.Errorf("stage blob: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	b, err := stage(ctx, f, r, limit)
	if err != nil {
		return Blob{}, err
	}
	key := s.prefix + b.SHA256
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	switch {
	case err == nil && info.Size == b.Size:
		if s.touch(ctx, key, info.LastModified) {
			return b, nil
		}
	case err != nil && !isNoSuchKey(err):
		return Blob{}, fmt.Errorf("store blob in %s: %w", s, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Blob{}, fmt.Errorf("stage blob: %w", err)
	}
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	if b.Size <= s.singlePut {
		opts.DisableContentSha256 = true // the header carries the real hash instead
		_, err = minio.Core{Client: s.client}.PutObject(ctx, s.bucket, key, f, b.Size, "", b.SHA256, opts)
	} else {
		opts.PartSize, opts.NumThreads = s.partSize, 1
		_, err = s.client.PutObject(ctx, s.bucket, key, f, b.Size, opts)
	}
	if err != nil {
		return Blob{}, fmt.Errorf("store blob in %s: %w", s, err)
	}
	return b, nil
}

// touch renews an object's modification time by copying it onto itself, which S3 allows
// when the metadata is replaced, and tells whether the time did move on from was.
func (s *S3Store) touch(ctx context.Context, key string, was time.Time) bool {
	_, err := s.client.CopyObject(ctx,
		minio.CopyDestOptions{
			Bucket:          s.bucket,
			Object:          key,
			ReplaceMetadata: true,
			UserMetadata:    map[string]string{"Strata-Stored": time.Now().UTC().Format(time.RFC3339Nano)},
		},
		minio.CopySrcOptions{Bucket: s.bucket, Object: key})
	if err != nil {
		return false
	}
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	return err == nil && info.LastModified.After(was)
}

func isNoSuchKey(err error) bool {
	return err != nil && minio.ToErrorResponse(err).Code == minio.NoSuchKey
}

// Open implements Store.
func (s *S3Store) Open(ctx context.Context, sha string) (io.ReadCloser, int64, error) {
	key := s.Key(sha)
	if key == "" {
		return nil, 0, ErrNotFound
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("open blob in %s: %w", s, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		if isNoSuchKey(err) {
			return nil, 0, ErrNotFound
		}
		return nil, 0, fmt.Errorf("open blob in %s: %w", s, err)
	}
	return obj, st.Size, nil
}

// Delete implements Store.
func (s *S3Store) Delete(ctx context.Context, sha string) error {
	key := s.Key(sha)
	if key == "" {
		return nil
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil && !isNoSuchKey(err) {
		return fmt.Errorf("delete blob in %s: %w", s, err)
	}
	return nil
}

// Walk implements Store: the objects directly under the prefix whose names are hashes.
func (s *S3Store) Walk(ctx context.Context, fn func(Info) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing when fn stops the walk
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix}) {
		if obj.Err != nil {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fmt.Errorf("walk blobs in %s: %w", s, obj.Err)
		}
		sha := strings.TrimPrefix(obj.Key, s.prefix)
		if !ValidSHA(sha) {
			continue
		}
		if err := fn(Info{SHA256: sha, Size: obj.Size, ModTime: obj.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// removeOld deletes a blob that Collect found old and unreferenced unless it was stored
// again since it was listed. S3 has no conditional delete, so a Put in the instant between
// the check and the delete is not seen; the age guard and the reference check make that
// a Put of content identical to an orphan, during the very collection that removes it.
func (s *S3Store) removeOld(ctx context.Context, in Info) (bool, error) {
	key := s.prefix + in.SHA256
	st, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if isNoSuchKey(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("collect blob %s in %s: %w", in.SHA256, s, err)
	}
	// Listings give milliseconds and object headers whole seconds.
	if !st.LastModified.Truncate(time.Second).Equal(in.ModTime.Truncate(time.Second)) || st.Size != in.Size {
		return false, nil
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return false, fmt.Errorf("collect blob %s in %s: %w", in.SHA256, s, err)
	}
	return true, nil
}
