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

const trailUsage = "usage: strata trail verify [--org N] [--checkpoints DIR] [--public-key KEY]... | strata trail export --dir DIR"

// keyList is a repeatable flag: several public keys are trusted when the signing key
// was replaced.
type keyList []string

func (k *keyList) String() string     { return strings.Join(*k, ",") }
func (k *keyList) Set(v string) error { *k = append(*k, v); return nil }

// trailCmd runs `strata trail verify` (check the sealed log of every organization, or
// one, against the log as it is now and against checkpoints, exit status 1 on any
// break) and `strata trail export` (write each checkpoint to a directory).
func trailCmd(ctx context.Context, fs *flag.FlagSet, dbURL *string, args []string, stdout io.Writer, logger *slog.Logger) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "export") {
		return errors.New(trailUsage)
	}
	org := fs.Int64("org", -1, "verify this organization only (0 is the events filed under none)")
	dir := fs.String("checkpoints", "", "directory of exported checkpoints to check the log against")
	exportDir := fs.String("dir", "", "directory to export checkpoints to")
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
		if *exportDir == "" {
			return errors.New("trail export needs --dir DIR")
		}
		return exportCheckpoints(ctx, a, sealer, *exportDir, stdout)
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
		if exported, err = readCheckpoints(*dir); err != nil {
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

func readCheckpoints(dir string) ([]qseal.ExportedCheckpoint, error) {
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
// then writes every checkpoint the directory lacks.
func exportCheckpoints(ctx context.Context, a *app.App, sealer *pseal.Projector, dir string, stdout io.Writer) error {
	made, err := sealer.CheckpointOnce(ctx, a.Pool)
	if err != nil {
		return err
	}
	written, present, err := pseal.Export(ctx, a.Pool, dir)
	fmt.Fprintf(stdout, "%d checkpoint(s) made; %d written to %s, %d there already\n", len(made), written, dir, present)
	return err
}
