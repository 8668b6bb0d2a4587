package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/copier"
)

const eventsUsage = `usage:
  strata events copy --from URL --to URL [--state FILE] [--batch N] [--allow-non-empty]
                                            copy a whole event log between backends, resumably,
                                            and verify the copy
  strata events verify --from URL --to URL [--allow-non-empty]
                                            compare two event logs stream by stream

URLs are postgres://… or esdb://… (kurrentdb://…); a PostgreSQL database is created
and migrated when missing.`

// eventsCmd runs "strata events copy" and "strata events verify". args are the
// arguments after "events"; fs already defines --database-url, which these commands
// do not use: they name both logs explicitly.
func eventsCmd(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer, logger *slog.Logger) error {
	from := fs.String("from", "", "URL of the event log to copy from")
	to := fs.String("to", "", "URL of the event log to copy to")
	state := fs.String("state", "", "state file that makes the copy resumable (default strata-copy-<hash>.state)")
	batch := fs.Int("batch", copier.DefaultBatchSize, "events read from the source at a time")
	allowNonEmpty := fs.Bool("allow-non-empty", false, "copy into a log that already holds other streams, and accept them when verifying")
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 || (positional[0] != "copy" && positional[0] != "verify") {
		return errors.New(eventsUsage)
	}
	cmd := positional[0]
	if *from == "" || *to == "" {
		return fmt.Errorf("events %s needs --from and --to\n\n%s", cmd, eventsUsage)
	}
	if *from == *to {
		return errors.New("--from and --to name the same event log")
	}
	if *batch <= 0 {
		return fmt.Errorf("--batch must be positive, not %d", *batch)
	}
	if cmd == "verify" {
		var copyOnly []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "state" || f.Name == "batch" {
				copyOnly = append(copyOnly, "--"+f.Name)
			}
		})
		if len(copyOnly) > 0 {
			return fmt.Errorf("%s only applies to events copy", strings.Join(copyOnly, " and "))
		}
	}

	src, closeSrc, err := openLog(ctx, *from, "source")
	if err != nil {
		return err
	}
	defer closeSrc()
	dst, closeDst, err := openLog(ctx, *to, "target")
	if err != nil {
		return err
	}
	defer closeDst()
	logger.Debug("event logs open", "from", redact(*from), "to", redact(*to))

	if cmd == "verify" {
		fmt.Fprintf(stdout, "verifying %s against %s\n", redact(*to), redact(*from))
		rep, err := copier.Verify(ctx, src, dst, progressPrinter(stdout))
		var mm *copier.MismatchError
		if err != nil && !errors.As(err, &mm) {
			return err
		}
		if err := verdict(stdout, rep, *allowNonEmpty); err != nil {
			return err
		}
		return emptySource(rep)
	}

	statePath := *state
	if statePath == "" {
		statePath = defaultStatePath(*from, *to)
	}
	fmt.Fprintf(stdout, "copying events from %s to %s\n", redact(*from), redact(*to))
	fmt.Fprintf(stdout, "state file: %s (resume by running the same command again)\n", statePath)
	rep, err := copier.Copy(ctx, src, dst, copier.Options{
		BatchSize: *batch, State: statePath, AllowNonEmpty: *allowNonEmpty, Progress: progressPrinter(stdout),
	})
	var mm *copier.MismatchError
	if err != nil && !errors.As(err, &mm) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			fmt.Fprintf(stdout, "interrupted after position %d; run the same command again to resume\n", rep.Position.GlobalPosition)
		}
		return err
	}
	switch {
	case !rep.ResumedFrom.IsZero():
		fmt.Fprintf(stdout, "the copy resumed after source position %d, where an earlier run had got to\n", rep.ResumedFrom.GlobalPosition)
	case rep.Restarted:
		fmt.Fprintln(stdout, "the target already held the start of this log: the copy started over and kept what was there")
	}
	if rep.Verify == nil {
		return err
	}
	if err := verdict(stdout, *rep.Verify, *allowNonEmpty); err != nil {
		return err
	}
	if err := emptySource(*rep.Verify); err != nil {
		return err
	}
	// Checkpoints are positions in one log; a server switched to the copy must rebuild.
	fmt.Fprintln(stdout, "before serving from the copy, rebuild every projection against it (strata projections rebuild NAME)")
	return nil
}

// emptySource fails a command whose source log is empty: OpenEventStore creates a
// PostgreSQL database it does not find, so a mistyped --from looks like an empty log,
// and "verified: 0 events" would be a dangerous success.
func emptySource(r copier.VerifyReport) error {
	if r.SourceEvents == 0 {
		return errors.New("the source log holds no events: check --from (a PostgreSQL database that did not exist was created empty)")
	}
	return nil
}

// openLog opens an event log by URL. The PostgreSQL store settles itself (see
// copier.Settler): its ReadAll trails transactions still running on the server, and
// the copy must not mistake that for the end of the log.
func openLog(ctx context.Context, rawURL, role string) (events.Store, func(), error) {
	store, closeStore, err := app.OpenEventStore(ctx, rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("open the %s %s: %w", role, redact(rawURL), err)
	}
	return store, closeStore, nil
}

// defaultStatePath names the state file after both URLs, so the same command finds
// its state again and a copy between other logs does not.
func defaultStatePath(from, to string) string {
	sum := sha256.Sum256([]byte(from + "\x00" + to))
	return "strata-copy-" + hex.EncodeToString(sum[:6]) + ".state"
}

// redact hides a password in a URL, in its user part or its query, before it is
// printed.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "the given URL"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// progressPrinter prints a line about every second while copying or verifying, and
// a summary of each phase at its end.
func progressPrinter(w io.Writer) func(copier.Progress) {
	return func(p copier.Progress) {
		elapsed := p.Elapsed.Round(time.Second)
		if p.Done {
			elapsed = p.Elapsed.Round(time.Millisecond)
		}
		switch {
		case p.Phase == copier.PhaseVerify:
			fmt.Fprintf(w, "verifying: %d events read — %.0f events/s — %s\n", p.Read, p.Rate, elapsed)
		case p.Done:
			fmt.Fprintf(w, "copy complete: %d events read, %d copied, %d already present — %.0f events/s — %s\n",
				p.Read, p.Copied, p.AlreadyPresent, p.Rate, elapsed)
		default:
			fmt.Fprintf(w, "copied %d events (%d already present) — %.0f events/s — %s\n", p.Copied, p.AlreadyPresent, p.Rate, elapsed)
		}
	}
}

// verdict prints what verification found and fails when the logs differ.
func verdict(w io.Writer, r copier.VerifyReport, allowExtra bool) error {
	err := r.Mismatch(allowExtra)
	if err == nil {
		fmt.Fprintf(w, "verified: the target holds the source's %d events in %d streams, identical and in the same order\n",
			r.SourceEvents, r.SourceStreams)
		if len(r.OnlyInTarget) > 0 {
			fmt.Fprintf(w, "the target also holds streams of its own, accepted: %s\n", listSome(r.OnlyInTarget))
		}
		return nil
	}
	fmt.Fprintf(w, "NOT verified: source %d events in %d streams, target %d events in %d streams\n",
		r.SourceEvents, r.SourceStreams, r.TargetEvents, r.TargetStreams)
	line := func(what string, names []string) {
		if len(names) == 1 {
			fmt.Fprintf(w, "  1 stream %s: %s\n", what, names[0])
		} else if len(names) > 1 {
			fmt.Fprintf(w, "  %d streams %s: %s\n", len(names), what, listSome(names))
		}
	}
	line("missing in the target", r.MissingInTarget)
	if !allowExtra {
		line("only in the target", r.OnlyInTarget)
	}
	counts := make([]string, len(r.CountDiffers))
	for i, c := range r.CountDiffers {
		counts[i] = fmt.Sprintf("%s (%d in the source, %d in the target)", c.StreamID, c.Source, c.Target)
	}
	line("with a different number of events", counts)
	line("with different contents", r.ChecksumDiffers)
	line("read out of version order", r.Unordered)
	if !r.OrderMatches && len(r.MissingInTarget)+len(r.CountDiffers)+len(r.ChecksumDiffers)+len(r.Unordered) == 0 {
		fmt.Fprintln(w, "  the source's events are not in the source's order in the target")
	}
	return err
}

// listSome lists up to 20 names: enough to start looking, short enough to read.
func listSome(names []string) string {
	const shown = 20
	if len(names) <= shown {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:shown], ", ") + fmt.Sprintf(", and %d more", len(names)-shown)
}
