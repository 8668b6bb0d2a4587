package risks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	evcontrols "github.com/strata-grc/strata/events/controls"

	"github.com/jackc/pgx/v5"

	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/risks"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	ev "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/projections/risks"
	queries "github.com/strata-grc/strata/queries/risks"
	"github.com/strata-grc/strata/schema/testdb"
)

var meta = events.Metadata{OrgID: 1, ActorID: 1, ActorName: "Tester", CorrelationID: "t"}

// env is one test's database, command handler and live risk projection.
type env struct {
	db    *testdb.DB
	store *postgres.Store
	reg   *events.Registry
	h     *cmd.Handler
	// controlIDs are the controls risks may map.
	controlIDs []int64
	proj       projections.Projector
	runner     *projections.Runner
	// failures are the live projection's failed batches: none of the commands the
	// tests run should fail one.
	failures projectiontest.Failures
}

// slow makes the live projection hold its batches open, so a rebuild's switch-over
// has to wait for a batch in flight.
type slow struct{ projections.Projector }

func (s slow) Handle(ctx context.Context, w *projections.Writer, e events.Event) error {
	time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
	return s.Projector.Handle(ctx, w, e)
}

// newEnv starts the live projection, with live wrapping its projector when set.
func newEnv(t *testing.T, live func(projections.Projector) projections.Projector) *env {
	t.Helper()
	e := &env{db: testdb.New(t), reg: events.NewRegistry()}
	e.store = postgres.New(e.db.Pool)
	ev.Register(e.reg)
	evcontrols.Register(e.reg)
	ids := commands.NewSequences(e.db.Pool)
	// Mappings are checked against the real control library: twelve controls to map.
	library, err := cmdcontrols.NewHandler(e.db.Pool, e.store, e.reg, ids, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		res, err := library.CreateControl(context.Background(), meta, evcontrols.Fields{Code: fmt.Sprintf("C-%d", i+1),
			Title: "Control", Type: "preventive", Frequency: "monthly"}, "Active")
		if err != nil {
			t.Fatal(err)
		}
		e.controlIDs = append(e.controlIDs, res.ID)
	}
	if e.h, err = cmd.NewHandler(e.store, e.reg, ids, nil, library, nil); err != nil {
		t.Fatal(err)
	}
	// Under a checkpoint name of its own: every test (or benchmark) that runs a
	// projection called "risks" at the same time would otherwise queue behind the
	// others' batches and rebuilds.
	e.proj = projectiontest.Named(risks.New(e.reg), risks.Name+"-"+e.db.Schema)
	var p projections.Projector = e.proj
	if live != nil {
		p = live(p)
	}
	e.runner = projectiontest.Run(t, projections.RunnerConfig{
		Store: e.store, Pool: e.db.Pool, Projectors: []projections.Projector{p},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Subscriber: projections.SubscriberConfig{
			BatchSize: 50, IdlePoll: 50 * time.Millisecond, Wakeup: e.store.Wakeup().C, OnError: e.failures.OnError,
		},
	})
	return e
}

func (e *env) wait(t *testing.T, pos events.Position) {
	t.Helper()
	projectiontest.Wait(t, e.runner, pos, e.proj.Name())
}

// gen issues random valid commands over its own risks and remembers enough to keep
// them valid. Not safe for concurrent use; give each goroutine its own.
type gen struct {
	rng        *rand.Rand
	controlIDs []int64
	h          *cmd.Handler
	maxRisks   int
	live       []int64
	all        []int64
	responses  map[int64][]int64
	controls   map[int64][]int64
	last       events.Position
	counts     map[string]int
	n          int
}

func newGen(h *cmd.Handler, controlIDs []int64, seed uint64, maxRisks int) *gen {
	return &gen{rng: rand.New(rand.NewPCG(seed, 7)), h: h, controlIDs: controlIDs, maxRisks: maxRisks,
		responses: map[int64][]int64{}, controls: map[int64][]int64{}, counts: map[string]int{}}
}

var categories = []string{"Operational", "Security", "Compliance", "Financial", "Strategic"}

func (g *gen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *gen) scale() int { return 1 + g.rng.IntN(5) }

func (g *gen) date() string {
	return time.Date(2025, time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

func (g *gen) text(kind string) string {
	s := fmt.Sprintf("%s %d-%d", kind, g.n, g.rng.IntN(1000))
	if g.rng.IntN(5) == 0 {
		s = "  " + s + " \n" // the aggregate trims; the read model must show the trimmed text
	}
	return s
}

// record counts a command and remembers where the last change landed; one goroutine's
// commands land in order.
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

// step runs one random command.
func (g *gen) step(ctx context.Context) error {
	g.n++
	if len(g.live) == 0 || len(g.all) < g.maxRisks && g.rng.IntN(8) == 0 {
		return g.create(ctx)
	}
	id := g.live[g.rng.IntN(len(g.live))]
	exec := func(op string, c any) error {
		res, err := g.h.Execute(ctx, meta, id, nil, c)
		if err != nil {
			return fmt.Errorf("%s on risk %d: %w", op, id, err)
		}
		return g.record(op, res)
	}
	switch r := g.rng.IntN(100); {
	case r < 40:
		return exec("update", cmd.Update{Patch: g.riskPatch()})
	case r < 52:
		rid, res, err := g.h.AddResponse(ctx, meta, id, nil, g.response())
		if err != nil {
			return fmt.Errorf("add response to risk %d: %w", id, err)
		}
		g.responses[id] = append(g.responses[id], rid)
		return g.record("add_response", res)
	case r < 67:
		if len(g.responses[id]) == 0 {
			return exec("update", cmd.Update{Patch: g.riskPatch()})
		}
		rid := g.responses[id][g.rng.IntN(len(g.responses[id]))]
		return exec("update_response", cmd.UpdateResponse{ResponseID: rid, Patch: g.responsePatch()})
	case r < 82:
		c := g.controlIDs[g.rng.IntN(len(g.controlIDs))]
		if !slices.Contains(g.controls[id], c) {
			g.controls[id] = append(g.controls[id], c)
		}
		return exec("map_control", cmd.MapControl{ControlID: c}) // mapping twice changes nothing
	case r < 96:
		if len(g.controls[id]) == 0 {
			c := g.controlIDs[g.rng.IntN(len(g.controlIDs))]
			g.controls[id] = append(g.controls[id], c)
			return exec("map_control", cmd.MapControl{ControlID: c})
		}
		i := g.rng.IntN(len(g.controls[id]))
		c := g.controls[id][i]
		g.controls[id] = slices.Delete(g.controls[id], i, i+1)
		return exec("unmap_control", cmd.UnmapControl{ControlID: c})
	default:
		g.live = slices.DeleteFunc(g.live, func(x int64) bool { return x == id })
		return exec("delete", cmd.Delete{Reason: "no longer relevant"})
	}
}

func (g *gen) create(ctx context.Context) error {
	f := ev.Fields{Title: g.text("Risk"), Category: g.pick(categories), Likelihood: g.scale(), Impact: g.scale()}
	if g.rng.IntN(2) == 0 {
		f.Description = g.text("Description")
	}
	if g.rng.IntN(2) == 0 {
		f.Status = g.pick(cmd.Statuses)
	}
	if g.rng.IntN(3) == 0 {
		rl, ri := g.scale(), g.scale()
		f.ResidualLikelihood, f.ResidualImpact = &rl, &ri
	}
	if g.rng.IntN(2) == 0 {
		o := int64(1 + g.rng.IntN(9))
		f.OwnerID = &o
	}
	if g.rng.IntN(2) == 0 {
		d := g.date()
		f.ReviewDate = &d
	}
	res, err := g.h.Create(ctx, meta, f)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	g.live = append(g.live, res.ID)
	g.all = append(g.all, res.ID)
	return g.record("create", res)
}

func (g *gen) riskPatch() json.RawMessage {
	p := map[string]any{}
	for len(p) == 0 {
		for _, k := range []string{"title", "description", "category", "status", "likelihood", "impact", "residual", "owner_id", "review_date", "version"} {
			if g.rng.IntN(4) != 0 {
				continue
			}
			switch k {
			case "title":
				p[k] = g.text("Risk")
			case "description":
				p[k] = []string{"", g.text("Description")}[g.rng.IntN(2)]
			case "category":
				p[k] = g.pick(categories)
			case "status":
				p[k] = g.pick(cmd.Statuses)
			case "likelihood", "impact":
				p[k] = g.scale()
			case "residual": // both set or both cleared
				if g.rng.IntN(3) == 0 {
					p["residual_likelihood"], p["residual_impact"] = nil, nil
				} else {
					p["residual_likelihood"], p["residual_impact"] = g.scale(), g.scale()
				}
			case "owner_id":
				if g.rng.IntN(3) == 0 {
					p[k] = nil
				} else {
					p[k] = 1 + g.rng.IntN(9)
				}
			case "review_date":
				if g.rng.IntN(3) == 0 {
					p[k] = nil
				} else {
					p[k] = g.date()
				}
			case "version": // read-only keys a client echoes back are ignored
				p[k] = 999
			}
		}
	}
	b, _ := json.Marshal(p)
	return b
}

func (g *gen) response() ev.Response {
	r := ev.Response{Type: g.pick(cmd.ResponseTypes), Description: g.text("Response")}
	if g.rng.IntN(2) == 0 {
		r.Status = g.pick(cmd.ResponseStatuses)
	}
	if g.rng.IntN(2) == 0 {
		o := int64(1 + g.rng.IntN(9))
		r.OwnerID = &o
	}
	if g.rng.IntN(2) == 0 {
		d := g.date()
		r.DueDate = &d
	}
	return r
}

func (g *gen) responsePatch() json.RawMessage {
	p := map[string]any{}
	for len(p) == 0 {
		for _, k := range []string{"type", "description", "owner_id", "due_date", "status", "status"} {
			if g.rng.IntN(3) != 0 {
				continue
			}
			switch k {
			case "type":
				p[k] = g.pick(cmd.ResponseTypes)
			case "description":
				p[k] = g.text("Response")
			case "owner_id":
				p[k] = []any{nil, 1 + g.rng.IntN(9)}[g.rng.IntN(2)]
			case "due_date":
				p[k] = []any{nil, g.date()}[g.rng.IntN(2)]
			case "status":
				p[k] = g.pick(cmd.ResponseStatuses)
			}
		}
	}
	b, _ := json.Marshal(p)
	return b
}

// tables are the risk read models, for a rebuild to equal row for row.
var tables = []projectiontest.Table{
	{Name: "risks", OrderBy: "id"},
	{Name: "risk_responses", OrderBy: "id"},
	{Name: "risk_controls", OrderBy: "risk_id, control_id"},
}

// checkAgainstAggregates compares every risk's read-model rows with its stream replayed.
func checkAgainstAggregates(t *testing.T, e *env, ids []int64) {
	t.Helper()
	ctx := context.Background()
	var rows int
	if err := e.db.Pool.QueryRow(ctx, `select count(*) from risks`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(ids) {
		t.Errorf("the read model holds %d risks, the commands created %d", rows, len(ids))
	}
	for _, id := range ids {
		agg, _, err := e.h.Streams().Load(ctx, id, events.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s := agg.State
		var (
			orgID                             int64
			title, desc, category, status     string
			likelihood, impact, score         int
			rating                            string
			resL, resI, resScore              *int
			owner                             *int64
			review                            *string
			controlIDs                        []int64
			version                           int64
			deleted                           bool
			createdAt, updatedAt              time.Time
			createdBy, updatedBy, responseCnt int64
		)
		err = e.db.Pool.QueryRow(ctx, `select org_id, title, description, category, status, likelihood, impact,
			inherent_score, rating, residual_likelihood, residual_impact, residual_score, owner_id, review_date::text,
			control_ids, version, deleted_at is not null, created_at, updated_at, created_by, updated_by,
			(select count(*) from risk_responses r where r.risk_id = risks.id)
			from risks where id = $1`, id).Scan(&orgID, &title, &desc, &category, &status, &likelihood, &impact,
			&score, &rating, &resL, &resI, &resScore, &owner, &review, &controlIDs, &version, &deleted,
			&createdAt, &updatedAt, &createdBy, &updatedBy, &responseCnt)
		if err != nil {
			t.Errorf("risk %d: %v", id, err)
			continue
		}
		type view struct {
			OrgID                          int64
			Title, Desc, Category, Status  string
			Likelihood, Impact             int
			ResL, ResI                     *int
			Owner                          *int64
			Review                         *string
			Controls                       []int64
			Version                        int64
			Deleted                        bool
			CreatedAt, UpdatedAt           time.Time
			CreatedBy, UpdatedBy, Response int64
		}
		got := view{orgID, title, desc, category, status, likelihood, impact, resL, resI, owner, review,
			controlIDs, version, deleted, createdAt, updatedAt, createdBy, updatedBy, responseCnt}
		want := view{agg.OrgID, s.Title, s.Description, s.Category, s.Status, s.Likelihood, s.Impact,
			s.ResidualLikelihood, s.ResidualImpact, s.OwnerID, s.ReviewDate, s.Controls, agg.Version, s.Deleted,
			agg.CreatedAt, agg.UpdatedAt, meta.ActorID, meta.ActorID, int64(len(s.Responses))}
		if got.Controls == nil {
			got.Controls = []int64{}
		}
		if want.Controls == nil {
			want.Controls = []int64{}
		}
		if g, w := projectiontest.AsJSON(got), projectiontest.AsJSON(want); g != w {
			t.Errorf("risk %d:\n read model %s\n replayed   %s", id, g, w)
		}
		if s.ID != id {
			t.Errorf("risk %d replays as id %d", id, s.ID)
		}
		if score != likelihood*impact || rating != queries.Rating(likelihood*impact) {
			t.Errorf("risk %d: %d×%d scored %d rated %s, want %d rated %s", id, likelihood, impact, score, rating,
				likelihood*impact, queries.Rating(likelihood*impact))
		}
		switch {
		case resL == nil && resI == nil:
			if resScore != nil {
				t.Errorf("risk %d: residual score %d without residuals", id, *resScore)
			}
		case resL == nil || resI == nil || resScore == nil || *resScore != *resL**resI:
			t.Errorf("risk %d: residual %v×%v scored %v", id, resL, resI, resScore)
		}

		var mapped []int64
		rs, err := e.db.Pool.Query(ctx, `select control_id from risk_controls where risk_id = $1 order by control_id`, id)
		if err != nil {
			t.Fatal(err)
		}
		if mapped, err = pgx.CollectRows(rs, pgx.RowTo[int64]); err != nil {
			t.Fatal(err)
		}
		if want := slices.Sorted(slices.Values(s.Controls)); !slices.Equal(mapped, want) {
			t.Errorf("risk %d: risk_controls %v, replayed controls %v", id, mapped, want)
		}

		for rid, want := range s.Responses {
			var got ev.Response
			var riskID int64
			var completed *time.Time
			err := e.db.Pool.QueryRow(ctx, `select risk_id, type, description, owner_id, due_date::text, status, completed_at
				from risk_responses where id = $1`, rid).Scan(&riskID, &got.Type, &got.Description, &got.OwnerID,
				&got.DueDate, &got.Status, &completed)
			if err != nil {
				t.Errorf("risk %d response %d: %v", id, rid, err)
				continue
			}
			if riskID != id || projectiontest.AsJSON(got) != projectiontest.AsJSON(want) {
				t.Errorf("risk %d response %d:\n read model %s (risk %d)\n replayed   %s", id, rid, projectiontest.AsJSON(got), riskID, projectiontest.AsJSON(want))
			}
			if want.Status != "done" && completed != nil {
				t.Errorf("risk %d response %d is %s but completed at %v", id, rid, want.Status, completed)
			}
		}
	}
}

// The live projection, fed by random commands, equals a rebuild from the log and
// agrees with every risk's stream replayed.
func TestLiveProjectionEqualsRebuildAndAggregates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	g := newGen(e.h, e.controlIDs, 20240611, 30)
	for range 300 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("commands: %v", g.counts)
	e.wait(t, g.last)
	e.failures.Check(t)
	checkAgainstAggregates(t, e, g.all)

	res := projectiontest.RebuildEquals(t, "live vs rebuild", e.store, e.db.Pool, e.proj, tables...)
	t.Logf("rebuild: %d events in %v", res.Events, res.Elapsed.Round(time.Millisecond))
	if res.Position.Compare(g.last) < 0 {
		t.Errorf("the rebuild stopped at %+v, before the last command at %+v", res.Position, g.last)
	}
	checkAgainstAggregates(t, e, g.all)

	// The live projection carries on in the rebuilt tables.
	for range 30 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.wait(t, g.last)
	e.failures.Check(t)
	checkAgainstAggregates(t, e, g.all)
}

// A rebuild while the live projection runs and commands keep coming loses and doubles
// nothing: after it, and once the live projection caught up, the read model equals a
// second rebuild made in quiet.
func TestRebuildWhileLive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, func(p projections.Projector) projections.Projector { return slow{p} })
	gens := []*gen{newGen(e.h, e.controlIDs, 1, 15), newGen(e.h, e.controlIDs, 2, 15)}
	for range 100 {
		if err := gens[0].step(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// The writers run a fixed number of commands rather than until the rebuilds end: a
	// rebuild's bulk phase only ends on a read that finds nothing new, which a loaded
	// machine may not see while commands keep coming.
	const commandsPerWriter = 150
	errs := make(chan error, len(gens))
	writersDone := make(chan struct{})
	var wg sync.WaitGroup
	for _, g := range gens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range commandsPerWriter {
				if err := g.step(ctx); err != nil {
					errs <- err
					return
				}
				time.Sleep(time.Duration(g.rng.IntN(2000)) * time.Microsecond)
			}
			errs <- nil
		}()
	}
	go func() { wg.Wait(); close(writersDone) }()
	// Queries keep reading while the tables are switched under them.
	readerDone := make(chan struct{})
	stopReader := make(chan struct{})
	var reads int
	var readErrs []error
	go func() {
		defer close(readerDone)
		for {
			select {
			case <-stopReader:
				return
			default:
			}
			reads++
			rows, err := e.db.Pool.Query(ctx, `select r.id, r.title, r.inherent_score, r.rating, r.control_ids,
				(select count(*) from risk_responses x where x.risk_id = r.id)
				from risks r where r.org_id = $1 and r.deleted_at is null order by r.inherent_score desc, r.id limit 500`, meta.OrgID)
			if err == nil {
				_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
			}
			if err != nil {
				readErrs = append(readErrs, err)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	// Rebuild again and again while the commands come; at least twice.
	var results []projections.RebuildResult
	concurrent := 0
	for running := true; running || len(results) < 2; {
		results = append(results, projectiontest.Rebuild(t, e.store, e.db.Pool, e.proj))
		select {
		case <-writersDone:
			running = false
		default:
			concurrent++ // the writers were still going when this rebuild switched over
		}
	}
	<-writersDone
	close(stopReader)
	<-readerDone
	for _, err := range readErrs {
		t.Errorf("a query failed during the rebuilds: %v", err)
	}
	for range gens {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var last events.Position
	var all []int64
	for _, g := range gens {
		if g.last.Compare(last) > 0 {
			last = g.last
		}
		all = append(all, g.all...)
		t.Logf("commands: %v", g.counts)
	}
	t.Logf("%d queries during the rebuilds; %d of %d rebuilds switched over while commands were still coming", reads, concurrent, len(results))
	for i, r := range results {
		t.Logf("rebuild %d: %d events up to %+v in %v", i, r.Events, r.Position, r.Elapsed.Round(time.Millisecond))
	}
	e.wait(t, last)
	e.failures.Check(t)
	checkAgainstAggregates(t, e, all)
	projectiontest.RebuildEquals(t, "live after concurrent rebuilds vs quiet rebuild", e.store, e.db.Pool, e.proj, tables...)
}
