// Package projectiontest runs projections inside a test: started before the test
// goes on, stopped and checked when it ends.
package projectiontest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections"
)

// Run starts a runner with cfg (Store, Pool and Projectors set; a silent logger by
// default) and returns it once its router runs. When the test ends the runner stops,
// and a runner that stopped with an error fails the test.
func Run(t testing.TB, cfg projections.RunnerConfig) *projections.Runner {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	r, err := projections.NewRunner(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		_ = r.Close()
		if err := <-done; err != nil {
			t.Errorf("runner: %v", err)
		}
	})
	select {
	case <-r.Running():
	case err := <-done:
		t.Fatalf("runner stopped before running: %v", err)
	}
	return r
}

// Wait fails the test unless every named projection reaches pos within a minute,
// waiting through a halt (which Tracker.Wait gives up on at once).
func Wait(t testing.TB, r *projections.Runner, pos events.Position, names ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // generous: it only matters when something is stuck
	defer cancel()
	for !r.Tracker.Wait(ctx, names, pos) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	if !r.Tracker.Reached(names, pos) {
		for _, n := range names {
			t.Errorf("%s is at %+v", n, r.Tracker.Position(n))
		}
		t.Fatalf("%v did not reach %+v", names, pos)
	}
}
