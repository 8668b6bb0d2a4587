package controls_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/controls"
	"github.com/strata-grc/strata/projections/projectiontest"
	queries "github.com/strata-grc/strata/queries/controls"
	"github.com/strata-grc/strata/schema/testdb"
)

func orgMeta(org int64) events.Metadata {
	return events.Metadata{OrgID: org, ActorID: 10 + org, ActorName: fmt.Sprintf("Tester %d", org), CorrelationID: "t"}
}

// env is one test's database, command handler, reader and live controls projection.
type env struct {
	db     *testdb.DB
	store  *postgres.Store
	reg    *events.Registry
	h      *cmd.Handler
	reader *queries.Reader
	proj   projections.Projector
	runner *projections.Runner
	// failures are the live projection's failed batches: none of the commands the
	// tests run should fail one, unless a test makes them fail.
	failures projectiontest.Failures
}

func newEnv(t *testing.T, live func(projections.Projector) projections.Projector) *env {
	t.Helper()
	e := &env{db: testdb.New(t), reg: events.NewRegistry()}
	e.store = postgres.New(e.db.Pool)
	ev.Register(e.reg)
	var err error
	if e.h, err = cmd.NewHandler(e.db.Pool, e.store, e.reg, commands.NewSequences(e.db.Pool), nil, nil); err != nil {
		t.Fatal(err)
	}
	e.reader = queries.NewReader(e.db.Pool, e.h.Controls(), e.h.Frameworks())
	e.proj = controls.New(e.reg)
	p := e.proj
	if live != nil {
		p = live(p)
	}
	e.runner = projectiontest.Run(t, projections.RunnerConfig{
		Store: e.store, Pool: e.db.Pool, Projectors: []projections.Projector{p},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Subscriber: projections.SubscriberConfig{
			BatchSize: 50, IdlePoll: 20 * time.Millisecond, RetryBackoff: 10 * time.Millisecond, HaltedRetry: 50 * time.Millisecond,
			Wakeup: e.store.Wakeup().C, OnError: e.failures.OnError,
		},
	})
	return e
}

func (e *env) wait(t *testing.T, pos events.Position) {
	t.Helper()
	projectiontest.Wait(t, e.runner, pos, e.proj.Name())
}

// orgState is what the generator knows of one organization.
type orgState struct {
	frameworks   []int64
	requirements map[int64][]int64 // framework -> requirements
	controls     []int64
	status       map[int64]string
	mapped       map[int64][]int64 // control -> requirements
}

// gen issues random valid commands and remembers enough to keep them valid.
type gen struct {
	t      *testing.T
	e      *env
	rng    *rand.Rand
	orgs   map[int64]*orgState
	codes  int
	n      int
	last   events.Position
	counts map[string]int
}

func newGen(t *testing.T, e *env, seed uint64) *gen {
	g := &gen{t: t, e: e, rng: rand.New(rand.NewPCG(seed, 11)), orgs: map[int64]*orgState{}, counts: map[string]int{}}
	for _, org := range []int64{1, 2} {
		g.orgs[org] = &orgState{requirements: map[int64][]int64{}, status: map[int64]string{}, mapped: map[int64][]int64{}}
	}
	return g
}

func (g *gen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *gen) text(kind string) string {
	s := fmt.Sprintf("%s %d-%d", kind, g.n, g.rng.IntN(1000))
	if g.rng.IntN(5) == 0 {
		s = "  " + s + " \n" // the aggregate trims; the read model must show the trimmed text
	}
	return s
}

func (g *gen) code() string {
	g.codes++
	return fmt.Sprintf("C-%03d", g.codes)
}

func (g *gen) record(op string, res commands.Result) error {
	g.counts[op]++
	if res.Changed {
		if res.Position.Compare(g.last) <= 0 {
			return fmt.Errorf("%s: position %+v does not follow %+v", op, res.Position, g.last)
		}
		g.last = res.Position
	}
	return nil
}

// testedAt is a random instant in the last 60 days, on a few fixed days so ties
// happen, or now.
func (g *gen) testedAt() *time.Time {
	switch g.rng.IntN(4) {
	case 0:
		return nil // now
	case 1:
		at := time.Date(2025, 1, 1+g.rng.IntN(3), 12, 0, 0, 0, time.UTC)
		return &at
	default:
		at := time.Now().Add(-time.Duration(g.rng.Int64N(int64(60 * 24 * time.Hour))))
		return &at
	}
}

func (g *gen) step(ctx context.Context) error {
	g.n++
	org := int64(1 + g.rng.IntN(2))
	o := g.orgs[org]
	m := orgMeta(org)
	if len(o.frameworks) == 0 || len(o.frameworks) < 4 && g.rng.IntN(25) == 0 {
		return g.createFramework(ctx, org)
	}
	if len(o.controls) == 0 || len(o.controls) < 15 && g.rng.IntN(8) == 0 {
		return g.createControl(ctx, org)
	}
	id := o.controls[g.rng.IntN(len(o.controls))]
	archived := o.status[id] == cmd.Archived
	exec := func(op string, c any) error {
		res, err := g.e.h.Execute(ctx, m, id, nil, c)
		if err != nil {
			return fmt.Errorf("%s on control %d: %w", op, id, err)
		}
		return g.record(op, res)
	}
	r := g.rng.IntN(100)
	if archived && r >= 4 && r < 85 {
		r = 4 // an archived control is only edited or unmapped
	}
	switch {
	case r < 4:
		fw := o.frameworks[g.rng.IntN(len(o.frameworks))]
		rid, res, err := g.e.h.AddRequirement(ctx, m, fw, ev.Requirement{Code: g.code(), Title: g.text("Requirement")})
		if err != nil {
			return fmt.Errorf("add requirement to %d: %w", fw, err)
		}
		o.requirements[fw] = append(o.requirements[fw], rid)
		if err := g.record("add_requirement", res); err != nil {
			return err
		}
		g.e.wait(g.t, res.Position) // MapRequirement finds requirements in the read model
		return nil
	case r < 30:
		return g.update(ctx, org, id)
	case r < 55:
		_, res, err := g.e.h.RecordTest(ctx, m, id, nil, cmd.RecordTest{TestedAt: g.testedAt(), Result: g.pick(cmd.TestResults),
			Notes: []string{"", g.text("Notes")}[g.rng.IntN(2)]})
		if err != nil {
			return fmt.Errorf("test control %d: %w", id, err)
		}
		return g.record("test", res)
	case r < 65:
		return exec("rate", cmd.SetEffectiveness{Effectiveness: g.pick(cmd.Effectiveness), Notes: g.text("Because")})
	case r < 85:
		var all []int64
		for _, fw := range o.frameworks {
			all = append(all, o.requirements[fw]...)
		}
		if len(all) == 0 {
			return g.update(ctx, org, id)
		}
		rid := all[g.rng.IntN(len(all))]
		res, err := g.e.h.MapRequirement(ctx, m, id, rid, nil)
		if err != nil {
			return fmt.Errorf("map %d to control %d: %w", rid, id, err)
		}
		if !slices.Contains(o.mapped[id], rid) {
			o.mapped[id] = append(o.mapped[id], rid)
		}
		return g.record("map", res)
	default:
		if len(o.mapped[id]) == 0 {
			return g.update(ctx, org, id)
		}
		i := g.rng.IntN(len(o.mapped[id]))
		rid := o.mapped[id][i]
		o.mapped[id] = slices.Delete(o.mapped[id], i, i+1)
		return exec("unmap", cmd.UnmapRequirement{RequirementID: rid})
	}
}

func (g *gen) createFramework(ctx context.Context, org int64) error {
	o := g.orgs[org]
	c := cmd.CreateFramework{Name: g.text("Framework"), Version: []string{"", "2022", "v1"}[g.rng.IntN(3)],
		Description: []string{"", g.text("About")}[g.rng.IntN(2)]}
	if g.rng.IntN(3) > 0 {
		c.Source, c.FileName = "import", "file.csv"
		for i := range 1 + g.rng.IntN(6) {
			c.Requirements = append(c.Requirements, cmd.NewRequirement{Line: i + 2,
				Requirement: ev.Requirement{Code: g.code(), Title: g.text("Requirement"), Description: []string{"", g.text("Text")}[g.rng.IntN(2)]}})
		}
	}
	res, err := g.e.h.CreateFramework(ctx, orgMeta(org), c)
	if err != nil {
		return fmt.Errorf("create framework: %w", err)
	}
	o.frameworks = append(o.frameworks, res.ID)
	agg, _, err := g.e.h.Frameworks().Load(ctx, res.ID, events.ReadOptions{})
	if err != nil {
		return err
	}
	o.requirements[res.ID] = slices.Sorted(maps.Keys(agg.State.Requirements))
	if err := g.record("create_framework", res); err != nil {
		return err
	}
	g.e.wait(g.t, res.Position)
	return nil
}

func (g *gen) fields(org int64) ev.Fields {
	o := g.orgs[org]
	f := ev.Fields{Code: g.code(), Title: g.text("Control"), Type: g.pick(cmd.Types), Frequency: g.pick(cmd.Frequencies)}
	if g.rng.IntN(2) == 0 {
		f.Description = g.text("Description")
	}
	if g.rng.IntN(2) == 0 {
		fw := o.frameworks[g.rng.IntN(len(o.frameworks))]
		f.FrameworkID = &fw
	}
	if g.rng.IntN(2) == 0 {
		owner := int64(1 + g.rng.IntN(9))
		f.OwnerID = &owner
	}
	return f
}

func (g *gen) createControl(ctx context.Context, org int64) error {
	o := g.orgs[org]
	status := []string{"", cmd.Draft, cmd.Active, cmd.Active, cmd.Archived}[g.rng.IntN(5)]
	res, err := g.e.h.CreateControl(ctx, orgMeta(org), g.fields(org), status)
	if err != nil {
		return fmt.Errorf("create control: %w", err)
	}
	if status == "" {
		status = cmd.Draft
	}
	o.controls = append(o.controls, res.ID)
	o.status[res.ID] = status
	return g.record("create_control", res)
}

func (g *gen) update(ctx context.Context, org, id int64) error {
	o := g.orgs[org]
	p := map[string]any{}
	for len(p) == 0 {
		for _, k := range []string{"code", "title", "description", "framework_id", "type", "frequency", "owner_id", "status", "status", "effectiveness"} {
			if g.rng.IntN(5) != 0 {
				continue
			}
			switch k {
			case "code":
				p[k] = g.code()
			case "title":
				p[k] = g.text("Control")
			case "description":
				p[k] = []string{"", g.text("Description")}[g.rng.IntN(2)]
			case "framework_id":
				p[k] = []any{nil, o.frameworks[g.rng.IntN(len(o.frameworks))]}[g.rng.IntN(2)]
			case "type":
				p[k] = g.pick(cmd.Types)
			case "frequency":
				p[k] = g.pick(cmd.Frequencies)
			case "owner_id":
				p[k] = []any{nil, 1 + g.rng.IntN(9)}[g.rng.IntN(2)]
			case "status":
				p[k] = g.pick(cmd.Statuses)
			case "effectiveness": // read-only keys a client echoes back are ignored
				p[k] = cmd.Effective
			}
		}
	}
	b, _ := json.Marshal(p)
	res, err := g.e.h.UpdateControl(ctx, orgMeta(org), id, nil, b)
	if err != nil {
		return fmt.Errorf("update control %d with %s: %w", id, b, err)
	}
	if s, ok := p["status"].(string); ok {
		o.status[id] = s
	}
	return g.record("update", res)
}

// tables are the read models the projection owns, for a rebuild to equal row for row.
var tables = []projectiontest.Table{
	{Name: "frameworks", OrderBy: "id"},
	{Name: "requirements", OrderBy: "id"},
	{Name: "controls", OrderBy: "id"},
	{Name: "control_tests", OrderBy: "id"},
	{Name: "control_effectiveness", OrderBy: "position"},
	{Name: "control_requirements", OrderBy: "control_id, requirement_id"},
}

// checkAgainstStreams compares every control's read-model detail with its stream
// replayed, and every framework's.
func checkAgainstStreams(t *testing.T, e *env, g *gen) {
	t.Helper()
	ctx := context.Background()
	var controlsSeen, frameworksSeen int
	differences := projectiontest.NewDifferences(t)
	defer differences.Report()
	for org, o := range g.orgs {
		for _, id := range o.controls {
			controlsSeen++
			want, err := e.reader.Current(ctx, org, id)
			if err != nil {
				t.Fatalf("replay control %d: %v", id, err)
			}
			got, err := e.reader.Get(ctx, org, id)
			if err != nil {
				t.Errorf("read model control %d: %v", id, err)
				continue
			}
			// The order of requirement_ids is not part of the contract; their set is.
			slices.Sort(got.RequirementIDs)
			if g, w := projectiontest.AsJSON(got.Control), projectiontest.AsJSON(want.Control); g != w {
				differences.Errorf("control %d:\n read model %s\n replayed   %s", id, g, w)
			}
			for _, part := range []struct {
				name string
				g, w any
			}{
				{"tests", got.Tests, want.Tests},
				{"effectiveness history", got.EffectivenessHistory, want.EffectivenessHistory},
				{"requirements", got.Requirements, want.Requirements},
			} {
				if g, w := projectiontest.AsJSON(part.g), projectiontest.AsJSON(part.w); g != w {
					differences.Errorf("control %d %s:\n read model %s\n replayed   %s", id, part.name, g, w)
				}
			}
			if _, err := e.reader.Get(ctx, 3-org, id); err == nil {
				t.Errorf("control %d of organization %d is visible to organization %d", id, org, 3-org)
			}
			// control_requirements agrees with the controls row.
			rows, err := e.db.Pool.Query(ctx, `select requirement_id from control_requirements where control_id = $1 and org_id = $2 order by 1`, id, org)
			if err != nil {
				t.Fatal(err)
			}
			reqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(reqs, want.RequirementIDs) && !(len(reqs) == 0 && len(want.RequirementIDs) == 0) {
				t.Errorf("control %d: control_requirements %v, replayed %v", id, reqs, want.RequirementIDs)
			}
		}
		for _, id := range o.frameworks {
			frameworksSeen++
			want, err := e.reader.CurrentFramework(ctx, org, id)
			if err != nil {
				t.Fatalf("replay framework %d: %v", id, err)
			}
			got, err := e.reader.Framework(ctx, org, id)
			if err != nil {
				t.Errorf("read model framework %d: %v", id, err)
				continue
			}
			if got.RequirementCount != len(got.Requirements) || got.RequirementCount != want.RequirementCount {
				t.Errorf("framework %d: requirement_count %d with %d requirements listed, replayed %d",
					id, got.RequirementCount, len(got.Requirements), want.RequirementCount)
			}
			if g, w := projectiontest.AsJSON(got), projectiontest.AsJSON(want); g != w {
				differences.Errorf("framework %d:\n read model %s\n replayed   %s", id, g, w)
			}
		}
	}
	for table, want := range map[string]int{"controls": controlsSeen, "frameworks": frameworksSeen} {
		var n int
		if err := e.db.Pool.QueryRow(ctx, `select count(*) from `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("the read model holds %d %s, the commands created %d", n, table, want)
		}
	}
}

// The live projection, fed by random commands, equals a rebuild from the log and
// agrees with every control's and framework's stream replayed.
func TestLiveProjectionEqualsRebuildAndStreams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	g := newGen(t, e, 20250314)
	for range 300 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("commands: %v", g.counts)
	e.wait(t, g.last)
	e.failures.Check(t)
	checkAgainstStreams(t, e, g)

	res := projectiontest.RebuildEquals(t, "live vs rebuild", e.store, e.db.Pool, e.proj, tables...)
	t.Logf("rebuild: %d events in %v", res.Events, res.Elapsed.Round(time.Millisecond))
	checkAgainstStreams(t, e, g)

	// The live projection carries on in the rebuilt tables.
	for range 30 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.wait(t, g.last)
	e.failures.Check(t)
	checkAgainstStreams(t, e, g)
}

// failing refuses the event of version failAt while failing is set, after the events
// before it in the batch were written: a poison event.
type failing struct {
	projections.Projector
	failAt  int
	failing atomic.Bool

	mu       sync.Mutex
	batch    *projections.Writer
	n        int
	failures int
}

func (f *failing) Handle(ctx context.Context, w *projections.Writer, e events.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if w != f.batch {
		f.batch, f.n = w, 0
	}
	f.n++
	if err := f.Projector.Handle(ctx, w, e); err != nil {
		return err
	}
	if !f.failing.Load() || e.StreamVersion != int64(f.failAt) {
		return nil
	}
	// Send what is queued, so the earlier events' rows really are in the transaction.
	if err := w.Flush(ctx); err != nil {
		return err
	}
	f.failures++
	return fmt.Errorf("failing: refusing %s/%d", e.StreamID, e.StreamVersion)
}

func checkpoint(t *testing.T, e *env) string {
	t.Helper()
	var s string
	if err := e.db.Pool.QueryRow(context.Background(), `select row_to_json(c)::text from checkpoints c where name = $1`, controls.Name).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// A projector error mid-batch leaves nothing of the batch behind; the projection
// then applies the events before the refused one and halts there, and once the
// event applies it resumes and the batch lands whole.
func TestFailedBatchLeavesReadModelAndCheckpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var f *failing
	e := newEnv(t, func(p projections.Projector) projections.Projector {
		f = &failing{Projector: p, failAt: 4}
		return f
	})
	g := newGen(t, e, 7)
	for range 20 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.wait(t, g.last)
	e.failures.Check(t)

	f.failing.Store(true)
	// One append, so one batch: a framework with its requirements (versions 1 to 9).
	c := cmd.CreateFramework{Name: "Failing", Source: "import"}
	for i := range 8 {
		c.Requirements = append(c.Requirements, cmd.NewRequirement{Line: i + 2, Requirement: ev.Requirement{Code: fmt.Sprintf("F-%d", i), Title: "x"}})
	}
	res, err := e.h.CreateFramework(ctx, orgMeta(1), c)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !e.runner.Tracker.Halted(controls.Name) {
		if time.Now().After(deadline) {
			t.Fatal("the projection did not halt on the refused event")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Halted after the third event: the framework and its first two requirements.
	if cp := checkpoint(t, e); !strings.Contains(cp, fmt.Sprintf(`"position":%d`, res.Position.GlobalPosition-6)) {
		t.Errorf("checkpoint of the halted projection %s, want at %d", cp, res.Position.GlobalPosition-6)
	}
	var reqs int
	if err := e.db.Pool.QueryRow(ctx, `select count(*) from requirements where framework_id = $1`, res.ID).Scan(&reqs); err != nil || reqs != 2 {
		t.Errorf("%d requirements of the framework while halted (%v), want the 2 before the refused event", reqs, err)
	}
	if e.runner.Tracker.Reached([]string{controls.Name}, res.Position) {
		t.Error("the tracker reports the failed batch's position reached")
	}
	if errs := e.failures.Take(); len(errs) == 0 {
		t.Error("no batch failure was reported")
	}
	st, err := projections.Status(ctx, e.db.Pool, e.store, []string{controls.Name})
	if err != nil || st[0].Failure == nil || st[0].Failure.StreamVersion != 4 || st[0].Failure.Type != "RequirementAdded" {
		t.Errorf("status of the halted projection: %+v, %v; want its failure at version 4, a RequirementAdded", st, err)
	}

	f.failing.Store(false)
	e.wait(t, res.Position)
	// Retries of the refused event failed until it was let through; nothing else did.
	for _, err := range e.failures.Take() {
		if !strings.Contains(err.Error(), "failing: refusing") {
			t.Errorf("live projection batch failed: %v", err)
		}
	}
	d, err := e.reader.Framework(ctx, 1, res.ID)
	if err != nil || d.RequirementCount != 8 || len(d.Requirements) != 8 {
		t.Fatalf("the framework after recovery: %+v, %v", d, err)
	}
	live := projectiontest.TakeSnapshot(t, e.db.Pool, tables...)
	projectiontest.Rebuild(t, e.store, e.db.Pool, e.proj)
	projectiontest.CompareSnapshots(t, "recovered vs rebuild", live, projectiontest.TakeSnapshot(t, e.db.Pool, tables...))
	if !strings.Contains(checkpoint(t, e), fmt.Sprint(res.Position.GlobalPosition)) {
		t.Errorf("checkpoint %s, want at %d", checkpoint(t, e), res.Position.GlobalPosition)
	}
}
