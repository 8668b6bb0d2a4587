package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/blobs"
	"github.com/strata-grc/strata/projections"
	qevidence "github.com/strata-grc/strata/queries/evidence"
)

const blobsUsage = "usage: strata blobs gc [--min-age 24h] [--dry-run] | strata blobs verify"

// DefaultBlobGuard is how old an unreferenced blob must be before gc removes it: an
// upload stores its blob before its event is appended, and the evidence read model
// learns of the event a moment later.
const DefaultBlobGuard = 24 * time.Hour

// blobsCmd runs `strata blobs gc` (remove stored files no record references) and
// `strata blobs verify` (re-hash every stored file and check every referenced one is
// there).
func blobsCmd(ctx context.Context, fs *flag.FlagSet, dbURL *string, args []string, stdout io.Writer, logger *slog.Logger) error {
	if len(args) == 0 || (args[0] != "gc" && args[0] != "verify") {
		return errors.New(blobsUsage)
	}
	minAge := fs.Duration("min-age", DefaultBlobGuard, "leave blobs younger than this alone")
	dryRun := fs.Bool("dry-run", false, "report what gc would remove, remove nothing")
	positional, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(positional) != 0 {
		return errors.New(blobsUsage)
	}
	a, err := openApp(ctx, *dbURL, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	files := qevidence.NewReader(a.Pool)
	if args[0] == "verify" {
		return verifyBlobs(ctx, a, files, stdout)
	}
	if *minAge < time.Hour {
		return fmt.Errorf("--min-age %s: want at least 1h, so an upload between its file and its event is never taken for garbage", *minAge)
	}
	if err := evidenceCurrent(ctx, a); err != nil {
		return err
	}
	rep, err := blobs.Collect(ctx, a.Blobs, files.Referenced, *minAge, time.Now(), *dryRun)
	if err != nil {
		return err
	}
	verb := "removed"
	if rep.DryRun {
		verb = "would remove"
	}
	fmt.Fprintf(stdout, "%s: %d blobs scanned, %d referenced, %d younger than %s; %s %d unreferenced (%d bytes) and %d abandoned uploads (%d bytes)\n",
		a.Blobs, rep.Scanned, rep.Kept, rep.Young, *minAge, verb, rep.Deleted, rep.DeletedBytes, rep.TempFiles, rep.TempBytes)
	for _, sha := range rep.DeletedSHAs {
		fmt.Fprintf(stdout, "  %s %s\n", verb, sha)
	}
	return nil
}

// evidenceCurrent refuses to collect while the evidence read model is behind the log
// or halted: a blob it has not heard of yet would look unreferenced.
func evidenceCurrent(ctx context.Context, a *app.App) error {
	states, err := projections.Status(ctx, a.Pool, a.Store, []string{qevidence.Projection})
	if err != nil {
		return err
	}
	for _, s := range states {
		if s.Failure != nil {
			return fmt.Errorf("the %s projection is halted (%s); gc would take referenced files for garbage", s.Name, s.Failure.Message)
		}
		if s.Behind > 0 {
			return fmt.Errorf("the %s projection is %d events behind the log; run gc once it has caught up (a running server catches it up)", s.Name, s.Behind)
		}
	}
	return nil
}

// verifyBlobs re-hashes every stored file and looks for every referenced one; it
// fails when any file is altered, unreadable or missing.
func verifyBlobs(ctx context.Context, a *app.App, files *qevidence.Reader, stdout io.Writer) error {
	rep, err := blobs.VerifyAll(ctx, a.Blobs, func(in blobs.Info, actual string, err error) {
		switch {
		case errors.Is(err, blobs.ErrMismatch):
			fmt.Fprintf(stdout, "ALTERED  %s now hashes to %s\n", in.SHA256, actual)
		case errors.Is(err, blobs.ErrNotFound):
			fmt.Fprintf(stdout, "GONE     %s (removed while checking)\n", in.SHA256)
		case err != nil:
			fmt.Fprintf(stdout, "UNREAD   %s: %v\n", in.SHA256, err)
		}
	})
	if err != nil {
		return err
	}
	missing := 0
	err = files.Hashes(ctx, func(sha string) error {
		err := stored(ctx, a.Blobs, sha)
		if errors.Is(err, blobs.ErrNotFound) {
			missing++
			fmt.Fprintf(stdout, "MISSING  %s is referenced by evidence but not stored\n", sha)
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d files checked (%d bytes): %d intact, %d altered, %d unreadable; %d referenced files missing\n",
		a.Blobs, rep.Checked, rep.Bytes, rep.Intact, rep.Mismatched, rep.Failed, missing)
	if rep.Mismatched > 0 || rep.Failed > 0 || missing > 0 {
		return errors.New("blob store check failed")
	}
	return nil
}

// stored is nil when a blob is there (blobs.ErrNotFound when it is not).
func stored(ctx context.Context, s blobs.Store, sha string) error {
	r, _, err := s.Open(ctx, sha)
	if err != nil {
		return err
	}
	return r.Close()
}
