package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	qcontrols "github.com/strata-grc/strata/queries/controls"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/cmd/strata/app"
	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/commands/controls/frameworkfile"
)

// importCmd loads a framework file into an organization, the same way the web
// application's import does: every bad row is listed and nothing lands.
func importCmd(ctx context.Context, fs *flag.FlagSet, dbURL *string, args []string, stdout io.Writer, logger *slog.Logger) error {
	if len(args) == 0 || args[0] != "framework" {
		return errors.New("usage: strata import framework --org ORG FILE.csv|FILE.json")
	}
	org := fs.String("org", "", "the organization to import into")
	positional, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if *org == "" || len(positional) != 1 {
		return errors.New("usage: strata import framework --org ORG FILE.csv|FILE.json")
	}
	file := positional[0]
	format, err := frameworkfile.FormatOf(file)
	if err != nil {
		return err
	}
	data, err := readBounded(file, frameworkfile.MaxFileBytes)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, *dbURL, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	// A running server hears about the new framework at once.
	a.StartNotifying(ctx)
	orgID, err := a.Identity.OrganizationByName(ctx, *org)
	if err != nil {
		return err
	}
	if orgID == 0 {
		return fmt.Errorf("no organization is named %q", *org)
	}
	res, err := lookup[*cmdcontrols.Handler](a).Import(ctx, systemMeta(orgID, "import"), data, format, filepath.Base(file))
	if err != nil {
		return describeImportError(file, err)
	}
	fw, err := lookup[*qcontrols.Reader](a).CurrentFramework(ctx, orgID, res.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %q %s as framework %d with %d requirements\n", fw.Name, fw.Version, fw.ID, fw.RequirementCount)
	return nil
}

// readBounded reads a file of at most limit bytes, without reading more of a larger
// one (a device or a pipe can be endless).
func readBounded(file string, limit int64) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes, the most a framework file may be", file, limit)
	}
	return data, nil
}

// describeImportError lists each bad line under the file's name, as a compiler would.
func describeImportError(file string, err error) error {
	var e *strata.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	msg := e.Message
	for _, k := range sortedLines(e.Fields) {
		msg += fmt.Sprintf("\n  %s: %s: %s", file, k, e.Fields[k])
	}
	return errors.New(msg)
}

// sortedLines orders error keys: framework-level ones first, then rows by line number.
func sortedLines(fields map[string]string) []string {
	keys := slices.Collect(maps.Keys(fields))
	line := func(k string) int {
		n, err := strconv.Atoi(strings.TrimPrefix(k, "line "))
		if err != nil || !strings.HasPrefix(k, "line ") {
			return -1
		}
		return n
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := line(a) - line(b); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return keys
}

// lookup finds what a module of a provides as a T; the module list always holds the
// modules these commands drive.
func lookup[T any](a *app.App) T {
	v, ok := app.Lookup[T](a)
	if !ok {
		panic(fmt.Sprintf("no module provides a %T", v))
	}
	return v
}
