// Package blobs stores the files attached as evidence, named by the lowercase hex SHA-256
// of their content. The event log keeps only that name, so the same bytes are stored once
// however often they are attached, and anyone can check a file against the name it has.
//
// Two stores keep the same promises (the blobstest package checks both against one suite):
//
//   - Dir, the default: files on the local disk under STRATA_BLOB_DIR (default DefaultDir,
//     "data/blobs", relative to the working directory of the server).
//   - S3, chosen by STRATA_BLOB_STORE=s3://BUCKET?endpoint=host:port&...: any S3-compatible
//     object store (AWS S3, Ceph, MinIO, versitygw), for installations that outgrow one disk.
//     Its keys come from STRATA_S3_ACCESS_KEY and STRATA_S3_SECRET_KEY (or AWS_ACCESS_KEY_ID
//     and AWS_SECRET_ACCESS_KEY), never from the URL, which ends up in logs. Each upload
//     is staged in the system's temporary directory ($TMPDIR) until its hash is known, so
//     that directory needs room for the uploads running at once.
//
// A Put streams: the content is hashed while it is written and never held whole in memory,
// and when Put returns the blob is durable, so an event naming it may be appended. A blob
// whose event never made it (the server stopped in between) is left for Collect, which
// removes blobs nothing references once they are older than a guard age.
package blobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"strings"
	"time"
)

// DefaultDir is where Dir keeps the blobs when STRATA_BLOB_DIR is not set. It is relative
// to the working directory, like the server's other local files.
const DefaultDir = "data/blobs"

// The environment variables that choose the store; the server reads them and calls Open.
const (
	EnvStore = "STRATA_BLOB_STORE" // "" for the directory store, or an s3:// URL
	EnvDir   = "STRATA_BLOB_DIR"   // the directory store's root (default DefaultDir)
)

var (
	// ErrTooLarge is returned by Put when the content is longer than its limit; nothing is kept.
	ErrTooLarge = errors.New("blob larger than the limit")
	// ErrNotFound is returned for a blob the store does not hold, and for any name that is
	// not a SHA-256 in lowercase hex, which no stored blob can have.
	ErrNotFound = errors.New("blob not found")
	// ErrMismatch is returned by a HashingReader whose content does not hash to the name it was read under.
	ErrMismatch = errors.New("blob content does not match its SHA-256")
)

// Blob is what Put stored.
type Blob struct {
	SHA256 string
	Size   int64
}

// Info describes a stored blob. ModTime is when it was last written, which is what
// Collect's age guard measures.
type Info struct {
	SHA256  string
	Size    int64
	ModTime time.Time
}

// Store keeps blobs by the SHA-256 of their content. Its methods are safe for concurrent use.
type Store interface {
	// Put streams r into the store, hashing while it writes and holding only a buffer in
	// memory. Content longer than limit bytes answers ErrTooLarge and leaves nothing
	// behind, as does a cancelled ctx or any other failure. When Put returns without an
	// error the blob is durable. Storing content already present keeps one copy and makes
	// it young again, so Collect's age guard covers it until its reference is recorded.
	Put(ctx context.Context, r io.Reader, limit int64) (Blob, error)
	// Open returns the stored bytes and their size, or ErrNotFound.
	Open(ctx context.Context, sha string) (io.ReadCloser, int64, error)
	// Delete removes a blob; removing one that is absent is not an error.
	Delete(ctx context.Context, sha string) error
	// Walk calls fn for every stored blob, never for unfinished uploads, and stops at fn's first error.
	Walk(ctx context.Context, fn func(Info) error) error
	// String names the store for logs, never with its keys.
	String() string
}

// ValidSHA reports whether s is a SHA-256 in lowercase hex, the only names blobs have.
// Checking it before touching the store keeps names like "../x" away from paths and keys.
func ValidSHA(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Open returns the store a configuration names: spec "" is the directory store rooted at
// dir (DefaultDir when dir is ""), and an s3:// URL is an S3 store (see ParseS3URL).
func Open(spec, dir string) (Store, error) {
	switch {
	case spec == "":
		if dir == "" {
			dir = DefaultDir
		}
		return Dir(dir)
	case strings.HasPrefix(spec, "s3://"):
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return NewS3(ctx, spec, S3Options{})
	default:
		return nil, fmt.Errorf("%s: unknown blob store %q: leave it empty for the directory store (%s) or give an s3://bucket?endpoint=host:port URL",
			EnvStore, redactSpec(spec), EnvDir)
	}
}

// redactSpec keeps what a person needs to recognize a mistyped setting without
// repeating anything that looks like a key.
func redactSpec(spec string) string {
	if i := strings.Index(spec, "://"); i >= 0 {
		return spec[:i+3] + "…"
	}
	if strings.ContainsAny(spec, "@?") {
		return "…"
	}
	return spec
}

// Hash reads a stored blob again and returns the SHA-256 of what it holds now; for an
// intact blob that is its name.
func Hash(ctx context.Context, s Store, sha string) (string, error) {
	rc, _, err := s.Open(ctx, sha)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := copyContext(ctx, h, rc); err != nil {
		return "", fmt.Errorf("read blob %s: %w", sha, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// HashingReader passes a blob's bytes through while hashing them, and where the content
// ends it compares the hash with the name the blob was opened under: instead of io.EOF
// it then returns an error wrapping ErrMismatch when they differ. A download therefore
// learns of a changed file while it streams, without reading the file twice; since the
// bytes before the end have already gone out, it must then break off the response so
// that the client sees an incomplete transfer.
type HashingReader struct {
	r    io.Reader
	want string
	h    hash.Hash
	n    int64
	done error
}

// NewHashingReader reads r, expecting its content to hash to want.
func NewHashingReader(r io.Reader, want string) *HashingReader {
	return &HashingReader{r: r, want: want, h: sha256.New()}
}

// Read implements io.Reader.
func (hr *HashingReader) Read(p []byte) (int, error) {
	if hr.done != nil {
		return 0, hr.done
	}
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	if err == io.EOF {
		if got := hr.Sum(); got != hr.want {
			err = fmt.Errorf("%w: expected %s, read %s", ErrMismatch, hr.want, got)
		}
		hr.done = err
	}
	return n, err
}

// Sum returns the hex SHA-256 of what has been read so far: the actual hash once the reader is done.
func (hr *HashingReader) Sum() string { return hex.EncodeToString(hr.h.Sum(nil)) }

// N returns how many bytes have been read.
func (hr *HashingReader) N() int64 { return hr.n }

// copyContext copies like io.Copy but stops between reads once ctx is done, so a
// cancelled request does not keep a large copy going. A read already blocked is not
// interrupted; the request's body ends when its connection does.
func copyContext(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	return io.CopyBuffer(dst, &ctxReader{ctx: ctx, r: src}, make([]byte, copyBuffer))
}

// copyBuffer is the size of the buffer every copy uses: large enough that a 100 MiB file
// takes few system calls, small enough to hold many at once.
const copyBuffer = 256 << 10

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// stage copies at most limit bytes of r to w while hashing them. A source longer than
// limit answers ErrTooLarge after limit+1 bytes, without reading the rest.
func stage(ctx context.Context, w io.Writer, r io.Reader, limit int64) (Blob, error) {
	if limit < 0 {
		limit = 0
	}
	if limit < math.MaxInt64 {
		r = io.LimitReader(r, limit+1)
	}
	h := sha256.New()
	n, err := copyContext(ctx, io.MultiWriter(w, h), r)
	if err != nil {
		return Blob{}, err
	}
	if n > limit {
		return Blob{}, ErrTooLarge
	}
	return Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}
