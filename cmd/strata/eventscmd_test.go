package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/copier"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/schema/testdb"
)

// runEvents runs "strata events ARGS" with a flag set like the one Run makes.
func runEvents(ctx context.Context, args ...string) (string, error) {
	fs := flag.NewFlagSet("strata events", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("database-url", "postgres://localhost:5432/strata", "PostgreSQL connection URL")
	var out bytes.Buffer
	err := eventsCmd(ctx, fs, args, &out, slog.New(slog.DiscardHandler))
	return out.String(), err
}

func TestEventsCopyAndVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srcDB, dstDB := testdb.New(t), testdb.New(t)
	src, dst := postgres.New(srcDB.Pool), postgres.New(dstDB.Pool)
	for i := range 100 {
		meta := events.Metadata{OrgID: 1, ActorID: int64(1 + i%3), ActorName: "Actor", CorrelationID: fmt.Sprintf("req-%d", i)}
		evs := make([]events.NewEvent, 1+i%5)
		for k := range evs {
			evs[k] = events.NewEvent{ID: uuid.New(), Type: "Happened", Data: json.RawMessage(fmt.Sprintf(`{"i": %d, "k": %d}`, i, k))}
		}
		if _, err := src.Append(ctx, fmt.Sprintf("risk-%d", i%20), events.Any(), meta, evs...); err != nil {
			t.Fatal(err)
		}
	}
	from, to := "--from="+schemaURL(srcDB), "--to="+schemaURL(dstDB)
	state := t.TempDir() + "/copy.state"

	// Copying from an empty log is a mistake, most likely a wrong URL.
	if out, err := runEvents(ctx, "copy", to, "--from="+schemaURL(testdb.New(t)), "--state", state); err == nil ||
		!strings.Contains(err.Error(), "source log holds no events") {
		t.Fatalf("copy from an empty log: %v\n%s", err, out)
	}

	out, err := runEvents(ctx, "copy", from, to, "--state", state, "--batch", "25")
	if err != nil {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	for _, want := range []string{"state file: " + state + " (resume by running the same command again)",
		"copy complete: 300 events read, 300 copied, 0 already present — ",
		"verifying: 600 events read", "verified: the target holds the source's 300 events in 20 streams"} {
		if !strings.Contains(out, want) {
			t.Errorf("copy output lacks %q:\n%s", want, out)
		}
	}
	out, err = runEvents(ctx, "copy", "--batch", "25", from, to, "--state", state)
	if err != nil || !strings.Contains(out, "resumed after source position") || !strings.Contains(out, "copy complete: 0 events read") ||
		!strings.Contains(out, "verified") {
		t.Fatalf("copy again: %v\n%s", err, out)
	}
	if out, err := runEvents(ctx, "verify", from, to); err != nil || !strings.Contains(out, "verified: ") {
		t.Fatalf("verify: %v\n%s", err, out)
	}

	// A stream only the target holds fails plain verification, not a tolerant one.
	m := events.Metadata{OrgID: 1, ActorID: 1, ActorName: "Admin", CorrelationID: "setup"}
	if _, err := dst.Append(ctx, "user-admin", events.NoStream(), m, events.NewEvent{ID: uuid.New(), Type: "UserCreated"}); err != nil {
		t.Fatal(err)
	}
	out, err = runEvents(ctx, "verify", from, to)
	if err == nil || !strings.Contains(err.Error(), "user-admin") || !strings.Contains(out, "1 stream only in the target: user-admin") {
		t.Fatalf("verify with an extra stream: %v\n%s", err, out)
	}
	if out, err := runEvents(ctx, "verify", from, to, "--allow-non-empty"); err != nil || !strings.Contains(out, "streams of its own, accepted: user-admin") {
		t.Fatalf("tolerant verify: %v\n%s", err, out)
	}
	// An event added to a copied stream fails either way.
	if _, err := dst.Append(ctx, "risk-7", events.Any(), m, events.NewEvent{ID: uuid.New(), Type: "Tampered"}); err != nil {
		t.Fatal(err)
	}
	out, err = runEvents(ctx, "verify", "--allow-non-empty", from, to)
	var mm *copier.MismatchError
	if !errors.As(err, &mm) || !strings.Contains(out, "NOT verified") ||
		!strings.Contains(out, "1 stream with a different number of events: risk-7 (15 in the source, 16 in the target)") {
		t.Fatalf("verify after tampering: %v\n%s", err, out)
	}
}

func TestEventsUsage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// None of these gets as far as opening a log: the URLs lead nowhere.
	a, b := "--from=postgres://127.0.0.1:1/a", "--to=postgres://127.0.0.1:1/b"
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "usage:"},
		{[]string{"move", a, b}, "usage:"},
		{[]string{"copy", "verify", a, b}, "usage:"},
		{[]string{"copy", a}, "needs --from and --to"},
		{[]string{"verify", b}, "needs --from and --to"},
		{[]string{"copy", a, "--to=postgres://127.0.0.1:1/a"}, "same event log"},
		{[]string{"copy", a, b, "--batch", "0"}, "--batch must be positive"},
		{[]string{"verify", a, b, "--state", "x.state"}, "--state only applies to events copy"},
		{[]string{"copy", a, b, "--frobnicate"}, "not defined"},
	} {
		out, err := runEvents(ctx, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("events %v: %v, want an error with %q", c.args, err, c.want)
		}
		if out != "" {
			t.Errorf("events %v printed %q", c.args, out)
		}
	}
}

func TestDefaultStatePath(t *testing.T) {
	t.Parallel()
	p := defaultStatePath("postgres://a/x", "esdb://b:2113")
	if !regexp.MustCompile(`^strata-copy-[0-9a-f]{12}\.state$`).MatchString(p) {
		t.Fatalf("state path %q", p)
	}
	if p != defaultStatePath("postgres://a/x", "esdb://b:2113") || p == defaultStatePath("esdb://b:2113", "postgres://a/x") {
		t.Fatal("the state path must name one copy in one direction")
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://strata:s3cret@db:5432/strata":          "postgres://strata:xxxxx@db:5432/strata",
		"postgres://db/strata?password=s3cret&sslmode=off": "postgres://db/strata?password=xxxxx&sslmode=off",
		"esdb://admin:changeit@localhost:2113?tls=false":   "esdb://admin:xxxxx@localhost:2113?tls=false",
		"host=db password=s3cret":                          "the given URL",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestProgressLines(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := progressPrinter(&out)
	p(copier.Progress{Phase: copier.PhaseCopy, Copied: 120000, AlreadyPresent: 3, Rate: 8400.4, Elapsed: 14*time.Second + 200*time.Millisecond})
	p(copier.Progress{Phase: copier.PhaseCopy, Read: 120010, Copied: 120007, AlreadyPresent: 3, Rate: 8400.4, Elapsed: 14*time.Second + 300*time.Millisecond, Done: true})
	p(copier.Progress{Phase: copier.PhaseVerify, Read: 5000, Rate: 50000, Elapsed: 1234 * time.Millisecond, Done: true})
	want := "copied 120000 events (3 already present) — 8400 events/s — 14s\n" +
		"copy complete: 120010 events read, 120007 copied, 3 already present — 8400 events/s — 14.3s\n" +
		"verifying: 5000 events read — 50000 events/s — 1.234s\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}
