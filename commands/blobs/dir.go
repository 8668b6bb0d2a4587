package blobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Permissions of what the directory store creates: the server's own user reads and
// writes, its group (a backup job, say) may read, others nothing.
const (
	dirPerm  fs.FileMode = 0o750
	filePerm fs.FileMode = 0o640
)

// tempName is the directory under the root where uploads are written before they are
// named; Walk never looks there.
const tempName = "tmp"

// DirStore keeps blobs as files under a root directory, as root/ab/cd/abcd… (two levels of
// two hex digits each, so no directory grows past a few thousand entries). Each upload is
// written to a file of its own under root/tmp, synced, and renamed into place, so a blob
// is either absent or whole, and readers never see one half written.
type DirStore struct {
	root string
	tmp  string
}

var _ Store = (*DirStore)(nil)

// Dir opens the directory store rooted at path, creating the directory when needed.
func Dir(path string) (*DirStore, error) {
	root, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("blob directory %q: %w", path, err)
	}
	d := &DirStore{root: root, tmp: filepath.Join(root, tempName)}
	if err := os.MkdirAll(d.tmp, dirPerm); err != nil {
		return nil, fmt.Errorf("blob directory: %w", err)
	}
	return d, nil
}

// Root returns the store's directory.
func (d *DirStore) Root() string { return d.root }

// TempDir returns the directory holding uploads in progress.
func (d *DirStore) TempDir() string { return d.tmp }

// Path returns where the blob named sha is kept, or "" for a name no blob can have.
func (d *DirStore) Path(sha string) string {
	if !ValidSHA(sha) {
		return ""
	}
	return filepath.Join(d.root, sha[0:2], sha[2:4], sha)
}

func (d *DirStore) String() string { return "dir " + d.root }

// Put implements Store. Content already stored is renamed over its copy: the bytes are
// the same, and the fresh file's time restarts the collector's age guard.
func (d *DirStore) Put(ctx context.Context, r io.Reader, limit int64) (b Blob, err error) {
	if err := ctx.Err(); err != nil {
		return Blob{}, err
	}
	f, err := os.CreateTemp(d.tmp, "put-*")
	if err != nil {
		return Blob{}, fmt.Errorf("store blob: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(filePerm); err != nil {
		return Blob{}, fmt.Errorf("store blob: %w", err)
	}
	b, err = stage(ctx, f, r, limit)
	if err != nil {
		return Blob{}, err
	}
	if err := f.Sync(); err != nil {
		return Blob{}, fmt.Errorf("store blob: %w", err)
	}
	if err := f.Close(); err != nil {
		return Blob{}, fmt.Errorf("store blob: %w", err)
	}
	// A cancelled request does not get a blob it will not record.
	if err := ctx.Err(); err != nil {
		return Blob{}, err
	}
	dst := d.Path(b.SHA256)
	if err := d.makeParents(dst); err != nil {
		return Blob{}, fmt.Errorf("store blob: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return Blob{}, fmt.Errorf("store blob: %w", err)
	}
	// The rename is durable once the directory holding the new name is.
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return Blob{}, fmt.Errorf("store blob: %w", err)
	}
	return b, nil
}

// makeParents creates the two fan-out directories above path, syncing the parent of each
// one it creates so that the directory survives a crash along with the file.
func (d *DirStore) makeParents(path string) error {
	leaf := filepath.Dir(path)
	for _, dir := range []string{filepath.Dir(leaf), leaf} {
		err := os.Mkdir(dir, dirPerm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(dir)); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Open implements Store.
func (d *DirStore) Open(ctx context.Context, sha string) (io.ReadCloser, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	path := d.Path(sha)
	if path == "" {
		return nil, 0, ErrNotFound
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("open blob: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("open blob: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, ErrNotFound
	}
	return f, st.Size(), nil
}

// Delete implements Store.
func (d *DirStore) Delete(ctx context.Context, sha string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	path := d.Path(sha)
	if path == "" {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete blob: %w", err)
	}
	return nil
}

// Walk implements Store, in the order of the names. Only files named by their hash in the
// directory their name belongs to are blobs; anything else under the root is left alone.
func (d *DirStore) Walk(ctx context.Context, fn func(Info) error) error {
	tops, err := readDirs(d.root)
	if err != nil {
		return fmt.Errorf("walk blobs: %w", err)
	}
	for _, top := range tops {
		mids, err := readDirs(filepath.Join(d.root, top))
		if err != nil {
			return fmt.Errorf("walk blobs: %w", err)
		}
		for _, mid := range mids {
			if err := ctx.Err(); err != nil {
				return err
			}
			dir := filepath.Join(d.root, top, mid)
			entries, err := os.ReadDir(dir)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("walk blobs: %w", err)
			}
			for _, e := range entries {
				name := e.Name()
				if !e.Type().IsRegular() || !ValidSHA(name) || name[0:2] != top || name[2:4] != mid {
					continue
				}
				st, err := e.Info()
				if errors.Is(err, fs.ErrNotExist) {
					continue // deleted since the directory was read
				}
				if err != nil {
					return fmt.Errorf("walk blobs: %w", err)
				}
				if err := fn(Info{SHA256: name, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// readDirs lists the fan-out directories (two lowercase hex digits) in dir.
func readDirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); e.IsDir() && len(n) == 2 && ValidSHA(strings.Repeat(n, 32)) {
			names = append(names, n)
		}
	}
	return names, nil
}

// removeOld deletes a blob that Collect found old and unreferenced, unless it was written
// again since it was listed. The blob is first moved aside, which no Put can race with:
// a Put that renamed the same content into place before the move is seen by the file's
// changed time, and the file goes back; one that renames after it simply creates the
// blob anew.
func (d *DirStore) removeOld(ctx context.Context, in Info) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	path := d.Path(in.SHA256)
	aside := filepath.Join(d.tmp, fmt.Sprintf("gc-%s-%016x", in.SHA256, rand.Uint64()))
	if err := os.Rename(path, aside); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("collect blob %s: %w", in.SHA256, err)
	}
	st, err := os.Lstat(aside)
	if err != nil {
		return false, fmt.Errorf("collect blob %s: %w", in.SHA256, err)
	}
	if !st.ModTime().Equal(in.ModTime) || st.Size() != in.Size {
		if err := os.Rename(aside, path); err != nil {
			return false, fmt.Errorf("collect blob %s: put back: %w", in.SHA256, err)
		}
		return false, nil
	}
	if err := os.Remove(aside); err != nil {
		return false, fmt.Errorf("collect blob %s: %w", in.SHA256, err)
	}
	return true, nil
}

// cleanTemp removes uploads that were abandoned (the server stopped while writing them)
// and last written before cutoff. A blob that a stopped Collect had moved aside goes back
// to its place, for the next Collect to judge again.
func (d *DirStore) cleanTemp(ctx context.Context, cutoff time.Time, dryRun bool) (int, int64, error) {
	entries, err := os.ReadDir(d.tmp)
	if err != nil {
		return 0, 0, fmt.Errorf("clean temporary files: %w", err)
	}
	var n int
	var size int64
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return n, size, err
		}
		st, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return n, size, fmt.Errorf("clean temporary files: %w", err)
		}
		if !st.ModTime().Before(cutoff) || !st.Mode().IsRegular() {
			continue
		}
		path := filepath.Join(d.tmp, e.Name())
		if sha, ok := asideSHA(e.Name()); ok {
			if dryRun {
				continue
			}
			restored, err := d.putBack(path, sha)
			if err != nil {
				return n, size, fmt.Errorf("clean temporary files: %w", err)
			}
			if restored {
				continue
			}
		}
		if !dryRun {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return n, size, fmt.Errorf("clean temporary files: %w", err)
			}
		}
		n++
		size += st.Size()
	}
	return n, size, nil
}

// putBack moves a blob that was set aside back to its place, unless the place holds it
// already (a Put stored it again), in which case the copy set aside is redundant.
func (d *DirStore) putBack(aside, sha string) (bool, error) {
	dst := d.Path(sha)
	if _, err := os.Lstat(dst); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	if err := d.makeParents(dst); err != nil {
		return false, err
	}
	if err := os.Rename(aside, dst); err != nil {
		return false, err
	}
	return true, nil
}

// asideSHA returns the blob a file named by removeOld belongs to.
func asideSHA(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "gc-")
	if !ok || len(rest) < 64 || !ValidSHA(rest[:64]) {
		return "", false
	}
	return rest[:64], true
}
