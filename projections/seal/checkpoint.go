package seal

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Settings read from the environment.
const (
	EnvCheckpointDir      = "STRATA_CHECKPOINT_DIR"
	EnvCheckpointEvery    = "STRATA_CHECKPOINT_EVERY"
	EnvCheckpointInterval = "STRATA_CHECKPOINT_INTERVAL"
)

// Defaults of Config.
const (
	DefaultEvery    = 1000
	DefaultInterval = 5 * time.Minute
	DefaultPoll     = 5 * time.Second
	// perTick bounds the checkpoints one organization gets in one round, so a
	// sealer catching up on a long log signs a backlog a slice at a time.
	perTick = 100
)

// Config says how checkpoints are made.
type Config struct {
	// Key signs checkpoints; nil makes them unsigned (still worth exporting: a root
	// kept elsewhere shows a later rewrite whoever wrote it down).
	Key *Key
	// Every makes a checkpoint each time an organization's tree reaches a multiple of
	// it (default 1000 events).
	Every int64
	// Interval makes a checkpoint of a tree that grew since its last checkpoint once
	// that checkpoint is this old (default 5 minutes).
	Interval time.Duration
	// Poll is how often the checkpointer looks at the trees (default 5s).
	Poll time.Duration
	// Dir, when set, receives each checkpoint as a file as it is made.
	Dir string
	// S3, when set, receives each checkpoint as an object as it is made.
	S3  *S3
	Now func() time.Time
}

func (c *Config) setDefaults() {
	if c.Every <= 0 {
		c.Every = DefaultEvery
	}
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.Poll <= 0 {
		c.Poll = DefaultPoll
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// ConfigFromEnv reads STRATA_SIGNING_KEY (a key file, mode 0600), STRATA_CHECKPOINT_DIR,
// STRATA_CHECKPOINT_S3 (an s3:// URL, see OpenS3), STRATA_CHECKPOINT_EVERY (events) and
// STRATA_CHECKPOINT_INTERVAL (a duration). A setting that is set but wrong is an error:
// the server must not run believing it signs, or exports, when it does not.
func ConfigFromEnv() (Config, error) {
	var c Config
	if path := os.Getenv(EnvSigningKey); path != "" {
		k, err := LoadKey(path)
		if err != nil {
			return c, fmt.Errorf("%s: %w", EnvSigningKey, err)
		}
		c.Key = k
	}
	c.Dir = os.Getenv(EnvCheckpointDir)
	if v := os.Getenv(EnvCheckpointS3); v != "" {
		s, err := OpenS3(v)
		if err != nil {
			return c, fmt.Errorf("%s: %w", EnvCheckpointS3, err)
		}
		c.S3 = s
	}
	if v := os.Getenv(EnvCheckpointEvery); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("%s=%q: want a positive number of events", EnvCheckpointEvery, v)
		}
		c.Every = n
	}
	if v := os.Getenv(EnvCheckpointInterval); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("%s=%q: want a positive duration such as 5m", EnvCheckpointInterval, v)
		}
		c.Interval = d
	}
	c.setDefaults()
	return c, nil
}

// FromEnv returns the projector configured from the environment (ConfigFromEnv).
func FromEnv() (*Projector, error) {
	cfg, err := ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	return New(cfg), nil
}

// PublicKey is the verifier key of the signing key, empty without one.
func (p *Projector) PublicKey() string {
	if p.cfg.Key == nil {
		return ""
	}
	return p.cfg.Key.Public
}

// Checkpoint is an organization's tree at some size.
type Checkpoint struct {
	Org  int64
	Size int64
	Root tlog.Hash
	Time time.Time
	// Note is the checkpoint as stored and exported: its text, and its signature
	// lines when signed.
	Note   []byte
	Signed bool
}

// Origin names an organization's tree on a checkpoint's first line.
func Origin(org int64) string { return "strata/org/" + strconv.FormatInt(org, 10) }

// text is a checkpoint's body in the tlog checkpoint layout (c2sp.org/tlog-checkpoint):
// origin, tree size, base64 root hash, then an extension line with the time.
func text(org, size int64, root tlog.Hash, at time.Time) string {
	return fmt.Sprintf("%s\n%d\n%s\ntime %s\n", Origin(org), size, base64.StdEncoding.EncodeToString(root[:]),
		at.UTC().Format(time.RFC3339))
}

// MakeCheckpoint builds a checkpoint, signed with key when there is one.
func MakeCheckpoint(org, size int64, root tlog.Hash, at time.Time, key *Key) (Checkpoint, error) {
	at = at.UTC().Truncate(time.Second)
	c := Checkpoint{Org: org, Size: size, Root: root, Time: at, Note: []byte(text(org, size, root, at))}
	if key != nil {
		signed, err := note.Sign(&note.Note{Text: string(c.Note)}, key.Signer)
		if err != nil {
			return c, err
		}
		c.Note, c.Signed = signed, true
	}
	return c, nil
}

// Errors of ParseCheckpoint about signatures.
var (
	// ErrBadSignature: a signature by a trusted key that does not verify: the
	// checkpoint was altered or forged.
	ErrBadSignature = errors.New("checkpoint signature does not verify")
	// ErrUntrustedSignature: signed, but by no key the verifier trusts.
	ErrUntrustedSignature = errors.New("checkpoint is signed by no trusted key")
)

// ParseCheckpoint reads a checkpoint. A signed one is checked against verifiers; with
// no verifiers its signature is not checked. A checkpoint whose signature fails is
// returned with an error wrapping ErrBadSignature or ErrUntrustedSignature, so a
// caller can still say which checkpoint it was.
func ParseCheckpoint(msg []byte, verifiers note.Verifiers) (Checkpoint, error) {
	body, signed := msg, false
	if i := bytes.Index(msg, []byte("\n\n")); i >= 0 {
		body, signed = msg[:i+1], true
	}
	c, err := parseText(body)
	if err != nil {
		return c, err
	}
	c.Note, c.Signed = msg, signed
	if !signed || verifiers == nil {
		return c, nil
	}
	if _, err := note.Open(msg, verifiers); err != nil {
		var invalid *note.InvalidSignatureError
		var unverified *note.UnverifiedNoteError
		switch {
		case errors.As(err, &invalid):
			return c, fmt.Errorf("%w (key %s)", ErrBadSignature, invalid.Name)
		case errors.As(err, &unverified):
			return c, ErrUntrustedSignature
		}
		return c, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return c, nil
}

func parseText(body []byte) (Checkpoint, error) {
	var c Checkpoint
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) < 3 {
		return c, errors.New("checkpoint: want origin, size and root lines")
	}
	org, ok := strings.CutPrefix(lines[0], "strata/org/")
	if !ok {
		return c, fmt.Errorf("checkpoint: origin %.60q is not a Strata organization's", lines[0])
	}
	var err error
	if c.Org, err = strconv.ParseInt(org, 10, 64); err != nil || c.Org < 0 {
		return c, fmt.Errorf("checkpoint: origin %.60q", lines[0])
	}
	if c.Size, err = strconv.ParseInt(lines[1], 10, 64); err != nil || c.Size <= 0 {
		return c, fmt.Errorf("checkpoint: tree size %.30q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return c, fmt.Errorf("checkpoint: root hash %.60q", lines[2])
	}
	c.Root = tlog.Hash(root)
	for _, l := range lines[3:] {
		if v, ok := strings.CutPrefix(l, "time "); ok {
			c.Time, _ = time.Parse(time.RFC3339, v)
		}
	}
	return c, nil
}

// FileName is the name a checkpoint is exported under.
func FileName(org, size int64) string { return fmt.Sprintf("org%d-%012d.checkpoint", org, size) }

// HashReader reads an organization's stored hashes from the seal tables.
func HashReader(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, org int64) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		rows, err := q.Query(ctx, `select index, hash from seal_hashes where org_id = $1 and index = any($2)`, org, indexes)
		if err != nil {
			return nil, err
		}
		found := make(map[int64]tlog.Hash, len(indexes))
		var index int64
		var hash []byte
		if _, err := pgx.ForEachRow(rows, []any{&index, &hash}, func() error {
			if len(hash) == tlog.HashSize {
				found[index] = tlog.Hash(hash)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			h, ok := found[x]
			if !ok {
				return nil, fmt.Errorf("organization %d's seal lacks stored hash %d", org, x)
			}
			out[i] = h
		}
		return out, nil
	})
}

// Trees lists every sealed organization with its tree size, walking the leaves'
// primary key one organization at a time rather than reading every leaf.
func Trees(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) (map[int64]int64, error) {
	rows, err := q.Query(ctx, `with recursive o(id) as (
			select min(org_id) from seal_leaves
			union all
			select (select min(org_id) from seal_leaves where org_id > o.id) from o where o.id is not null)
		select id, (select max(leaf) + 1 from seal_leaves where org_id = o.id) from o where id is not null`)
	if err != nil {
		return nil, err
	}
	out := map[int64]int64{}
	var org, size int64
	_, err = pgx.ForEachRow(rows, []any{&org, &size}, func() error {
		out[org] = size
		return nil
	})
	return out, err
}

// RunCheckpoints makes checkpoints until ctx ends: every Every events of each
// organization, and of a tree that grew once its last checkpoint is Interval old.
// It runs beside the projection, on what the projection committed, so signing never
// holds a projection batch open. Several processes may run it: a checkpoint is
// stored once, and only the process that stored it exports it.
func (p *Projector) RunCheckpoints(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) {
	if p.cfg.Key == nil {
		logger.Warn("STRATA_SIGNING_KEY is not set: the event log is sealed, but its checkpoints are NOT signed; " +
			"create a key with `strata keys generate -o FILE` and set STRATA_SIGNING_KEY=FILE (see docs/trail.md)")
	}
	if p.cfg.Dir != "" {
		if _, _, err := Export(ctx, pool, p.cfg.Dir); err != nil && ctx.Err() == nil {
			logger.Error("exporting checkpoints", "dir", p.cfg.Dir, "err", err)
		}
	}
	if p.cfg.S3 != nil {
		p.cfg.S3.behind.Store(true)
	}
	var lastS3 time.Time
	t := time.NewTicker(p.cfg.Poll)
	defer t.Stop()
	for {
		if _, err := p.CheckpointOnce(ctx, pool); err != nil && ctx.Err() == nil {
			logger.Error("sealing checkpoints", "err", err)
		}
		// The bucket gets what it lacks at start-up and, after a failed write, once a
		// minute at most until it has everything again; a conflicting object is
		// reported but not retried, since writing again cannot resolve it.
		if s := p.cfg.S3; s != nil && s.behind.Load() && time.Since(lastS3) >= s3Retry {
			lastS3 = time.Now()
			s.behind.Store(false)
			if _, _, err := ExportS3(ctx, pool, s); err != nil && ctx.Err() == nil {
				logger.Error("exporting checkpoints", "bucket", s.String(), "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CheckpointOnce makes the checkpoints that are due now and returns those it stored.
func (p *Projector) CheckpointOnce(ctx context.Context, pool *pgxpool.Pool) ([]Checkpoint, error) {
	trees, err := Trees(ctx, pool)
	if err != nil {
		return nil, err
	}
	var made []Checkpoint
	var errs []error
	for org, size := range trees {
		var last int64
		var lastAt time.Time
		err := pool.QueryRow(ctx, `select tree_size, created_at from seal_checkpoints where org_id = $1
			order by tree_size desc limit 1`, org).Scan(&last, &lastAt)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return made, err
		}
		var sizes []int64
		for n := (last/p.cfg.Every + 1) * p.cfg.Every; n <= size && len(sizes) < perTick; n += p.cfg.Every {
			sizes = append(sizes, n)
		}
		top := last
		if len(sizes) > 0 {
			top = sizes[len(sizes)-1]
		}
		if len(sizes) < perTick && size > top && p.cfg.Now().Sub(lastAt) >= p.cfg.Interval {
			sizes = append(sizes, size)
		}
		for _, n := range sizes {
			c, stored, err := p.checkpoint(ctx, pool, org, n)
			if err != nil {
				errs = append(errs, fmt.Errorf("organization %d at %d: %w", org, n, err))
				break
			}
			if !stored {
				continue
			}
			made = append(made, c)
			if p.cfg.Dir != "" {
				if err := writeCheckpoint(p.cfg.Dir, c); err != nil {
					errs = append(errs, err)
				}
			}
			if err := p.cfg.S3.write(ctx, c); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return made, errors.Join(errs...)
}

// checkpoint signs and stores the organization's tree at size n, unless another
// process stored it first.
func (p *Projector) checkpoint(ctx context.Context, pool *pgxpool.Pool, org, n int64) (Checkpoint, bool, error) {
	root, err := tlog.TreeHash(n, HashReader(ctx, pool, org))
	if err != nil {
		return Checkpoint{}, false, err
	}
	c, err := MakeCheckpoint(org, n, root, p.cfg.Now(), p.cfg.Key)
	if err != nil {
		return c, false, err
	}
	tag, err := pool.Exec(ctx, `insert into seal_checkpoints (org_id, tree_size, root, created_at, signed, note)
		values ($1, $2, $3, $4, $5, $6) on conflict do nothing`, org, n, root[:], c.Time, c.Signed, string(c.Note))
	if err != nil {
		return c, false, err
	}
	return c, tag.RowsAffected() == 1, nil
}

// Export writes every stored checkpoint that dir does not hold yet, one file each,
// and returns how many it wrote and how many were there already. A file that exists
// with other content is an error and is left alone: an exported checkpoint is
// evidence, never overwritten.
func Export(ctx context.Context, pool *pgxpool.Pool, dir string) (written, present int, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	rows, err := pool.Query(ctx, `select org_id, tree_size, note from seal_checkpoints order by org_id, tree_size`)
	if err != nil {
		return 0, 0, err
	}
	var c Checkpoint
	var body string
	var errs []error
	_, err = pgx.ForEachRow(rows, []any{&c.Org, &c.Size, &body}, func() error {
		c.Note = []byte(body)
		switch err := writeCheckpoint(dir, c); {
		case errors.Is(err, os.ErrExist):
			present++
		case err != nil:
			errs = append(errs, err)
		default:
			written++
		}
		return nil
	})
	return written, present, errors.Join(err, errors.Join(errs...))
}

// writeCheckpoint writes one checkpoint file; it returns an error wrapping
// os.ErrExist when the same checkpoint is there already.
func writeCheckpoint(dir string, c Checkpoint) error {
	path := filepath.Join(dir, FileName(c.Org, c.Size))
	if old, err := os.ReadFile(path); err == nil {
		if bytes.Equal(old, c.Note) {
			return fmt.Errorf("%s: %w", path, os.ErrExist)
		}
		return fmt.Errorf("%s holds another checkpoint for organization %d at size %d; left alone", path, c.Org, c.Size)
	}
	tmp, err := os.CreateTemp(dir, ".checkpoint-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(c.Note); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	// A link, unlike a rename, never replaces a file another process wrote meanwhile.
	err = os.Link(tmp.Name(), path)
	_ = os.Remove(tmp.Name())
	if errors.Is(err, os.ErrExist) {
		return writeCheckpoint(dir, c)
	}
	return err
}
