package controls_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	pcontrols "github.com/strata-grc/strata/projections/controls"
	qc "github.com/strata-grc/strata/queries/controls"
	"github.com/strata-grc/strata/queries/querytest"
	"github.com/strata-grc/strata/schema/testdb"
)

// BenchmarkControlLibrary builds an organization with 20,000 controls, each with
// requirement mappings, tests and ratings, over a 2,000-requirement framework; replays
// the log into the read models; then prints the latency of control lists (every
// filter and sort, search, next pages), control details and framework coverage.
func BenchmarkControlLibrary(b *testing.B) {
	const (
		controls     = 20000
		requirements = 2000
		org          = 1
	)
	ctx := context.Background()
	db := testdb.New(b)
	reg := events.NewRegistry()
	ev.Register(reg)
	store := postgres.New(db.Pool)
	h, err := cmd.NewHandler(db.Pool, store, reg, commands.NewSequences(db.Pool), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	meta := events.Metadata{OrgID: org, ActorID: 1, ActorName: "Bench", CorrelationID: "bench"}

	imp := cmd.CreateFramework{Name: "Large framework", Version: "1", Source: "import"}
	for i := range requirements {
		imp.Requirements = append(imp.Requirements, cmd.NewRequirement{Requirement: ev.Requirement{
			Code: fmt.Sprintf("LF-%d", i+1), Title: fmt.Sprintf("Requirement %d", i+1)}})
	}
	fw, err := h.CreateFramework(ctx, meta, imp)
	if err != nil {
		b.Fatal(err)
	}
	fwState, _, err := h.Frameworks().Load(ctx, fw.ID, events.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	reqIDs := make([]int64, 0, requirements)
	for id := range fwState.State.Requirements {
		reqIDs = append(reqIDs, id)
	}
	slices.Sort(reqIDs)

	// Each control's whole history goes in as one append: creation, mappings, tests
	// and the ratings they cause, decided by the aggregate as commands would be.
	start := time.Now()
	words := []string{"access", "backup", "change", "encryption", "incident", "logging", "patch", "review", "vendor", "training"}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 11))
			now := time.Now()
			for i := w; i < controls; i += 4 {
				id := int64(i + 1)
				fwID := fw.ID
				f := ev.Fields{Code: fmt.Sprintf("C-%05d", i+1), Title: fmt.Sprintf("%s control %d", words[rng.IntN(len(words))], i+1),
					Description: "Checks " + words[rng.IntN(len(words))] + " evidence.", FrameworkID: &fwID,
					Type: cmd.Types[rng.IntN(3)], Frequency: cmd.Frequencies[rng.IntN(len(cmd.Frequencies))]}
				status := cmd.Statuses[rng.IntN(3)]
				if status == cmd.Archived {
					status = cmd.Active
				}
				var state cmd.Control
				var payloads []events.Payload
				apply := func(c any) {
					ps, err := cmd.DecideControl(state, state.ID != 0, c, now)
					if err != nil {
						errs <- err
						return
					}
					for _, p := range ps {
						state = cmd.EvolveControl(state, p, events.Event{})
					}
					payloads = append(payloads, ps...)
				}
				apply(cmd.CreateControl{ControlID: id, Fields: f, Status: status})
				for range 1 + rng.IntN(3) {
					r := reqIDs[rng.IntN(len(reqIDs))]
					apply(cmd.MapRequirement{RequirementID: r, FrameworkID: fw.ID})
				}
				for t := range rng.IntN(4) {
					at := now.AddDate(0, -t*3, -rng.IntN(20))
					apply(cmd.RecordTest{TestID: id*10 + int64(t), TestedAt: &at, Result: cmd.TestResults[rng.IntN(3)]})
				}
				evs := make([]events.NewEvent, len(payloads))
				for j, p := range payloads {
					if evs[j], err = reg.Encode(p); err != nil {
						errs <- err
						return
					}
					evs[j].ID = uuid.Must(uuid.NewV7())
				}
				if _, err := store.Append(ctx, ev.ControlStream(id), events.NoStream(), meta, evs...); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	wrote := time.Since(start)
	if err := store.Settle(ctx); err != nil {
		b.Fatal(err)
	}
	rebuilt, err := projections.Rebuild(ctx, store, db.Pool, pcontrols.New(reg), projections.RebuildConfig{})
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("wrote %d controls' histories in %v; replayed %d events into the read models at %.0f events/s\n",
		controls, wrote.Round(time.Millisecond), rebuilt.Events, float64(rebuilt.Events)/rebuilt.Elapsed.Seconds())

	r := qc.NewReader(db.Pool, h.Controls(), h.Frameworks())
	type probe struct {
		name string
		run  func() error
	}
	var cursor string
	probes := []probe{
		{"list", func() error { _, err := r.List(ctx, org, qc.Filter{}); return err }},
		{"status+effectiveness", func() error {
			_, err := r.List(ctx, org, qc.Filter{Status: cmd.Active, Effectiveness: cmd.Ineffective})
			return err
		}},
		{"framework", func() error { _, err := r.List(ctx, org, qc.Filter{FrameworkID: fw.ID}); return err }},
		{"sort=code", func() error {
			p, err := r.List(ctx, org, qc.Filter{Sort: "code"})
			if err == nil && p.NextCursor != nil {
				cursor = *p.NextCursor
			}
			return err
		}},
		{"next page (code)", func() error { _, err := r.List(ctx, org, qc.Filter{Sort: "code", Cursor: cursor}); return err }},
		{"sort=-updated_at", func() error { _, err := r.List(ctx, org, qc.Filter{Sort: "-updated_at"}); return err }},
		{"q", func() error { _, err := r.List(ctx, org, qc.Filter{Q: "encryption control 19"}); return err }},
		{"detail", func() error { _, err := r.Get(ctx, org, int64(1+rand.IntN(controls))); return err }},
		{"detail replayed", func() error { _, err := r.Current(ctx, org, int64(1+rand.IntN(controls))); return err }},
		{"coverage (2,000 requirements)", func() error { _, err := r.Coverage(ctx, org, fw.ID); return err }},
	}
	b.ResetTimer()
	for range b.N {
		for _, p := range probes {
			took := querytest.Sample(b, p.name, 40, querytest.Timed(p.run))
			fmt.Printf("  %-30s p50 %7.2f ms  p95 %7.2f ms\n", p.name, took.P50(), took.P95())
			if p.name == "coverage (2,000 requirements)" {
				b.ReportMetric(took.P50(), "coverage-p50-ms")
			}
		}
	}
}
