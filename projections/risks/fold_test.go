package risks_test

import (
	"context"
	"testing"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/projections/risks"
)

// The projector holds runs of creations and updates back within a batch and writes
// each run as two statements. The same log applied as one batch and one event at a
// time gives the same tables, row for row: with few risks and many commands, a batch
// holds several updates of one risk, updates of risks it created, and deletions,
// responses and mappings between them.
func TestOneBatchEqualsEventByEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	g := newGen(e.h, e.controlIDs, 42, 8)
	for range 400 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("commands: %v", g.counts)
	e.wait(t, g.last)
	evs, err := e.store.ReadAll(ctx, events.Position{}, 100_000)
	if err != nil {
		t.Fatal(err)
	}
	var mine []events.Event
	for _, ev := range evs {
		if len(ev.StreamID) > 5 && ev.StreamID[:5] == "risk-" {
			mine = append(mine, ev)
		}
	}
	if len(mine) < 300 { // a command that changes nothing appends nothing
		t.Fatalf("the log holds %d risk events after 400 commands", len(mine))
	}
	p := risks.New(e.reg)
	clear := func() {
		t.Helper()
		if _, err := e.db.Pool.Exec(ctx, `truncate risks, risk_responses, risk_controls`); err != nil {
			t.Fatal(err)
		}
	}
	// The live projection's tables first: it runs on, so stop comparing with it.
	if err := e.runner.Close(); err != nil {
		t.Fatal(err)
	}
	live := projectiontest.TakeSnapshot(t, e.db.Pool, tables...)

	clear()
	if err := projectiontest.Handle(e.db.Pool, p, mine...); err != nil {
		t.Fatal(err)
	}
	batch := projectiontest.TakeSnapshot(t, e.db.Pool, tables...)

	clear()
	for _, ev := range mine {
		if err := projectiontest.Handle(e.db.Pool, p, ev); err != nil {
			t.Fatal(err)
		}
	}
	one := projectiontest.TakeSnapshot(t, e.db.Pool, tables...)

	projectiontest.CompareSnapshots(t, "one batch vs event by event", one, batch)
	projectiontest.CompareSnapshots(t, "live vs event by event", one, live)
}
