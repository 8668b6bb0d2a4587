package blobs

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Report is what Collect did, or with dryRun would have done.
type Report struct {
	Scanned      int      // blobs looked at
	Kept         int      // old enough to go but referenced
	Young        int      // written within the guard age, left alone whatever references them
	Deleted      int      // removed: old and referenced by nothing
	DeletedBytes int64    // their size
	DeletedSHAs  []string // their names
	TempFiles    int      // abandoned uploads removed (directory store)
	TempBytes    int64    // their size
	DryRun       bool
}

// remover is a store that can delete a blob only if it has not been stored again since
// it was listed, closing (Dir) or narrowing (S3) the gap between Collect's check and its
// delete in which a Put of the same content could lose its blob.
type remover interface {
	removeOld(ctx context.Context, in Info) (bool, error)
}

// tempCleaner is a store that keeps abandoned uploads where Collect can clear them.
type tempCleaner interface {
	cleanTemp(ctx context.Context, cutoff time.Time, dryRun bool) (int, int64, error)
}

// Collect removes the blobs that nothing references and that were last stored more than
// minAge before now. The guard age covers the moment between a Put and the recording of
// its reference: a blob is stored first and its event appended after, so a young blob
// nobody references yet may be one whose event is on its way. minAge should therefore
// be far longer than any request (a day, say). referenced answers whether any record
// still names a blob; an error from it stops the collection, deleting nothing more.
// With dryRun nothing is deleted and the report tells what would have been.
func Collect(ctx context.Context, s Store, referenced func(ctx context.Context, sha string) (bool, error),
	minAge time.Duration, now time.Time, dryRun bool,
) (Report, error) {
	if minAge < 0 {
		return Report{}, fmt.Errorf("collect blobs: negative guard age %s", minAge)
	}
	cutoff := now.Add(-minAge)
	rep := Report{DryRun: dryRun}
	err := s.Walk(ctx, func(in Info) error {
		rep.Scanned++
		if !in.ModTime.Before(cutoff) {
			rep.Young++
			return nil
		}
		ok, err := referenced(ctx, in.SHA256)
		if err != nil {
			return fmt.Errorf("collect blobs: is %s referenced: %w", in.SHA256, err)
		}
		if ok {
			rep.Kept++
			return nil
		}
		if !dryRun {
			gone, err := removeOld(ctx, s, in)
			if err != nil {
				return err
			}
			if !gone {
				rep.Young++ // stored again meanwhile, or already removed
				return nil
			}
		}
		rep.Deleted++
		rep.DeletedBytes += in.Size
		rep.DeletedSHAs = append(rep.DeletedSHAs, in.SHA256)
		return nil
	})
	if err != nil {
		return rep, err
	}
	if tc, ok := s.(tempCleaner); ok {
		rep.TempFiles, rep.TempBytes, err = tc.cleanTemp(ctx, cutoff, dryRun)
	}
	return rep, err
}

func removeOld(ctx context.Context, s Store, in Info) (bool, error) {
	if r, ok := s.(remover); ok {
		return r.removeOld(ctx, in)
	}
	return true, s.Delete(ctx, in.SHA256)
}

// VerifyReport counts what VerifyAll found.
type VerifyReport struct {
	Checked    int   // blobs read
	Intact     int   // whose content still hashes to their name
	Mismatched int   // whose content does not
	Missing    int   // removed between the listing and the reading
	Failed     int   // that could not be read
	Bytes      int64 // bytes read
}

// VerifyAll reads every stored blob again and hashes it. fn, when not nil, hears of each
// blob: err is nil when it is intact, wraps ErrMismatch when its content no longer hashes
// to its name (actual is then what it hashes to), is ErrNotFound when the blob went away
// meanwhile, and otherwise says why it could not be read. Only a failure to list the
// blobs, or ctx ending, stops the run.
func VerifyAll(ctx context.Context, s Store, fn func(in Info, actual string, err error)) (VerifyReport, error) {
	var rep VerifyReport
	err := s.Walk(ctx, func(in Info) error {
		actual, err := Hash(ctx, s, in.SHA256)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		rep.Checked++
		switch {
		case errors.Is(err, ErrNotFound):
			rep.Missing++
		case err != nil:
			rep.Failed++
		case actual != in.SHA256:
			rep.Mismatched++
			rep.Bytes += in.Size
			err = fmt.Errorf("%w: %s reads as %s", ErrMismatch, in.SHA256, actual)
		default:
			rep.Intact++
			rep.Bytes += in.Size
		}
		if fn != nil {
			fn(in, actual, err)
		}
		return nil
	})
	return rep, err
}
