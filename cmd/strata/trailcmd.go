package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/strata-grc/strata/cmd/strata/app"
	pseal "github.com/strata-grc/strata/projections/seal"
	qseal "github.com/strata-grc/strata/queries/seal"
)

const trailUsage = "usage: strata trail verify [--org N] [--checkpoints DIR|s3://BUCKET/PREFIX?...] [--public-key KEY]... | " +
	"strata trail export [--dir DIR] [--s3 s3://BUCKET/PREFIX?...]"

// keyList is a repeatable flag: several public keys are trusted when the signing key
// was replaced.
type keyList []string

func (k *keyList) String() string     { return strings.Join(*k, ",") }
func (k *keyList) Set(v string) error { *k = append(*k, v); return nil }

// trailCmd runs `strata trail verify` (check the sealed log of every organization, or
// one, against the log as it is now and against checkpoints, exit status 1 on any
// break) and `strata trail export` (write each checkpoint to a directory, an S3
// bucket, or both).
func trailCmd(ctx context.Context, fs *flag.FlagSet, dbURL *string, args []string, stdout io.Writer, logger *slog.Logger) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "export") {
		return errors.New(trailUsage)
	}
	org := fs.Int64("org", -1, "verify this organization only (0 is the events filed under none)")
	dir := fs.String("checkpoints", "", "directory, or s3:// URL, of exported checkpoints to check the log against")
	exportDir := fs.String("dir", "", "directory to export checkpoints to")
	exportS3 := fs.String("s3", "", "s3://BUCKET/PREFIX?endpoint=host:port URL to export checkpoints to")
	var keys keyList
	fs.Var(&keys, "public-key", "a trusted public key (name+hash+key), or a file holding one; repeatable (default: STRATA_SIGNING_KEY's)")
	positional, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(positional) != 0 {
		return errors.New(trailUsage)
	}
	a, err := openApp(ctx, *dbURL, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	p, ok := a.Projector(pseal.Name)
	if !ok {
		return errors.New("the seal projection is not configured")
	}
	sealer := p.(*pseal.Projector)
	if args[0] == "export" {
		if *exportDir == "" && *exportS3 == "" {
			return errors.New("trail export needs --dir DIR or --s3 URL")
		}
		return exportCheckpoints(ctx, a, sealer, *exportDir, *exportS3, stdout)
	}
	if a.Log == nil {
		return errors.New("trail verify reads the event log's table: it needs the log in PostgreSQL")
	}
	trusted, err := publicKeys(keys, sealer.PublicKey())
	if err != nil {
		return err
	}
	v, err := qseal.New(a.Pool, pseal.Name, trusted...)
	if err != nil {
		return err
	}
	var exported []qseal.ExportedCheckpoint
	if *dir != "" {
		if exported, err = readCheckpoints(ctx, *dir); err != nil {
			return err
		}
	}
	orgs := []int64{*org}
	if *org < 0 {
		if orgs, err = v.Organizations(ctx); err != nil {
			return err
		}
	}
	if len(trusted) == 0 {
		fmt.Fprintln(stdout, "no public key given and STRATA_SIGNING_KEY is not set: checkpoint signatures are not checked")
	}
	broken := 0
	for _, o := range orgs {
		r, err := v.Verify(ctx, o, qseal.Options{Exported: exported})
		if err != nil {
			return fmt.Errorf("organization %d: %w", o, err)
		}
		printReport(stdout, r)
		if !r.OK() {
			broken++
		}
	}
	if broken > 0 {
		return fmt.Errorf("the sealed log of %d of %d organization(s) does not verify", broken, len(orgs))
	}
	fmt.Fprintf(stdout, "all %d organization(s) verify\n", len(orgs))
	return nil
}

// publicKeys are the keys given, each as text or as a file holding it, and the
// server's own.
func publicKeys(given []string, own string) ([]string, error) {
	var out []string
	for _, k := range given {
		if b, err := os.ReadFile(k); err == nil {
			k = strings.TrimSpace(string(b))
		}
		if strings.HasPrefix(k, "PRIVATE+KEY") {
			return nil, errors.New("--public-key was given a private key; give the public key it printed")
		}
		out = append(out, k)
	}
	if own != "" {
		out = append(out, own)
	}
	return out, nil
}

// readCheckpoints reads the *.checkpoint files of a directory, or the objects under
// an s3:// URL's prefix.
func readCheckpoints(ctx context.Context, dir string) ([]qseal.ExportedCheckpoint, error) {
	if strings.HasPrefix(dir, "s3://") {
		s, err := pseal.OpenS3(dir)
		if err != nil {
			return nil, err
		}
		objs, err := s.ReadAll(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]qseal.ExportedCheckpoint, len(objs))
		for i, o := range objs {
			out[i] = qseal.ExportedCheckpoint{Name: o.Name, Note: o.Note}
		}
		return out, nil
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.checkpoint"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s holds no *.checkpoint files", dir)
	}
	out := make([]qseal.ExportedCheckpoint, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, qseal.ExportedCheckpoint{Name: filepath.Base(p), Note: b})
	}
	return out, nil
}

func printReport(w io.Writer, r *qseal.Report) {
	state := "ok"
	switch {
	case r.FirstBroken > 0:
		state = fmt.Sprintf("BROKEN at sequence %d", r.FirstBroken)
		if r.FirstBrokenPosition > 0 {
			state += fmt.Sprintf(" (global position %d)", r.FirstBrokenPosition)
		}
	case !r.OK():
		state = "BROKEN"
	}
	fmt.Fprintf(w, "organization %d: %s; %d sealed events checked of %d, verified through %d, %d pending; %d stored and %d exported checkpoints agree\n",
		r.Org, state, r.Events, r.TreeSize, r.VerifiedThrough, r.Pending, r.Checkpoints, r.ExportedChecked)
	for _, p := range r.Problems {
		where := ""
		if p.Sequence > 0 {
			where = fmt.Sprintf(" sequence %d", p.Sequence)
		}
		if p.Position > 0 {
			where += fmt.Sprintf(" position %d", p.Position)
		}
		if p.EventID != "" {
			where += " event " + p.EventID
		}
		fmt.Fprintf(w, "  %s%s: %s\n", p.Kind, where, p.Detail)
	}
	if r.ProblemCount > len(r.Problems) {
		fmt.Fprintf(w, "  ... and %d more\n", r.ProblemCount-len(r.Problems))
	}
}

// exportCheckpoints makes the checkpoints that are due, so the export is current,
// then writes every checkpoint the directory, the bucket, or both lack. A failure at
// one destination does not stop the other.
func exportCheckpoints(ctx context.Context, a *app.App, sealer *pseal.Projector, dir, bucket string, stdout io.Writer) error {
	var s3 *pseal.S3
	if bucket != "" {
		var err error
		if s3, err = pseal.OpenS3(bucket); err != nil {
			return err
		}
	}
	made, err := sealer.CheckpointOnce(ctx, a.Pool)
	if err != nil {
		return err
	}
	line := fmt.Sprintf("%d checkpoint(s) made", len(made))
	var errs []error
	if dir != "" {
		written, present, err := pseal.Export(ctx, a.Pool, dir)
		line += fmt.Sprintf("; %d written to %s, %d there already", written, dir, present)
		errs = append(errs, err)
	}
	if s3 != nil {
		written, present, err := pseal.ExportS3(ctx, a.Pool, s3)
		line += fmt.Sprintf("; %d written to %s, %d there already", written, s3, present)
		errs = append(errs, err)
	}
	fmt.Fprintln(stdout, line)
	return errors.Join(errs...)
}
