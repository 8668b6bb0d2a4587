package kpis_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/kpis"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/kpis"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/kpis"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/schema"
	"github.com/strata-grc/strata/schema/testdb"
)

// named is the projector under a checkpoint name of its own: checkpoint locks are
// keyed by name across the whole database, and other tests run a "kpis" projection at
// the same time in their own schemas.
type named struct {
	*kpis.Projector
	name string
}

func (n named) Name() string { return n.name }

// env is one test's database, streams and live projection. Events are appended
// through the streams with decisions made here, not through the command handler: the
// projection must apply whatever the log holds.
type env struct {
	db         *testdb.DB
	store      *postgres.Store
	objectives *commands.Streams[cmd.Objective]
	kpis       *commands.Streams[cmd.Kpi]
	ids        *commands.Sequences
	proj       projections.Projector
	runner     *projections.Runner
	errMu      sync.Mutex
	runErrs    []error
}

func registry() *events.Registry {
	reg := events.NewRegistry()
	ev.Register(reg)
	return reg
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{db: testdb.New(t)}
	reg := registry()
	e.store = postgres.New(e.db.Pool)
	e.objectives = &commands.Streams[cmd.Objective]{Store: e.store, Registry: reg, Name: ev.ObjectiveStream, Evolve: cmd.EvolveObjective}
	e.kpis = &commands.Streams[cmd.Kpi]{Store: e.store, Registry: reg, Name: ev.KpiStream, Evolve: cmd.EvolveKpi}
	e.ids = commands.NewSequences(e.db.Pool)
	e.proj = named{kpis.New(reg), kpis.Name + "-" + e.db.Schema}
	e.runner = projectiontest.Run(t, projections.RunnerConfig{
		Store: e.store, Pool: e.db.Pool, Projectors: []projections.Projector{e.proj},
		Subscriber: projections.SubscriberConfig{
			BatchSize: 50, IdlePoll: 20 * time.Millisecond, Wakeup: e.store.Wakeup().C,
			OnError: func(_ string, err error) {
				e.errMu.Lock()
				e.runErrs = append(e.runErrs, err)
				e.errMu.Unlock()
			},
		},
	})
	return e
}

func (e *env) checkRunner(t *testing.T) {
	t.Helper()
	e.errMu.Lock()
	defer e.errMu.Unlock()
	for _, err := range e.runErrs {
		t.Errorf("live projection batch failed: %v", err)
	}
	e.runErrs = nil
}

// gen appends random events over two organizations' objectives and KPIs, following
// the domain's rules closely enough that the state stays meaningful, and now and then
// another module's event, which the projection leaves alone.
type gen struct {
	e          *env
	rng        *rand.Rand
	n          int
	last       events.Position
	counts     map[string]int
	objectives map[int64][]int64
	kpis       map[int64][]int64
}

func newGen(e *env, seed uint64) *gen {
	return &gen{e: e, rng: rand.New(rand.NewPCG(seed, 17)), counts: map[string]int{},
		objectives: map[int64][]int64{}, kpis: map[int64][]int64{}}
}

func (g *gen) meta(org int64) events.Metadata {
	actor := int64(1 + g.rng.IntN(4))
	return events.Metadata{OrgID: org, ActorID: actor, ActorName: fmt.Sprintf("Manager %d", actor), CorrelationID: "t"}
}

func (g *gen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *gen) text(kind string) string { return fmt.Sprintf("%s %d-%d", kind, g.n, g.rng.IntN(1000)) }

func (g *gen) maybeID(max int) *int64 {
	if g.rng.IntN(3) == 0 {
		return nil
	}
	id := int64(1 + g.rng.IntN(max))
	return &id
}

func (g *gen) maybeDate() *string {
	if g.rng.IntN(3) == 0 {
		return nil
	}
	d := fmt.Sprintf("2026-%02d-%02d", 1+g.rng.IntN(12), 1+g.rng.IntN(28))
	return &d
}

func (g *gen) record(op string, res commands.Result) {
	g.counts[op]++
	if res.Position.Compare(g.last) > 0 {
		g.last = res.Position
	}
}

func (g *gen) kpiFields(org int64) ev.KpiFields {
	f := ev.KpiFields{Name: g.text("KPI"), Description: g.text("About"), Unit: g.pick([]string{"", "%", "hours"}),
		Target: float64(g.rng.IntN(2000)) / 10, Direction: g.pick(cmd.Directions), Frequency: g.pick(cmd.Frequencies),
		OwnerID: g.maybeID(6)}
	if os := g.objectives[org]; len(os) > 0 && g.rng.IntN(4) > 0 {
		f.ObjectiveID = &os[g.rng.IntN(len(os))]
	}
	return f
}

// period picks one of a few dozen periods of the frequency.
func (g *gen) period(frequency string) string {
	p := cmd.PeriodOf(frequency, time.Date(2024+g.rng.IntN(3), time.Month(1+g.rng.IntN(12)), 1, 0, 0, 0, 0, time.UTC))
	return p.String()
}

func (g *gen) step(ctx context.Context) error {
	g.n++
	org := int64(1 + g.rng.IntN(2))
	switch r := g.rng.IntN(100); {
	case r < 2:
		x, err := g.e.objectives.Registry.Encode(ev.ObjectiveCreated{ObjectiveID: 1})
		if err != nil {
			return err
		}
		// Another module's stream that happens to hold an event of this module's type.
		res, err := g.e.store.Append(ctx, fmt.Sprintf("vendor-%d", org), events.Any(), g.meta(org), x)
		if err != nil {
			return err
		}
		g.record("foreign", commands.Result{Position: res.Position})
		return nil
	case r < 10 || len(g.objectives[org]) == 0:
		id, err := g.e.ids.Next(ctx, "objective")
		if err != nil {
			return err
		}
		res, err := g.e.objectives.Create(ctx, id, g.meta(org), ev.ObjectiveCreated{ObjectiveID: id, ObjectiveFields: ev.ObjectiveFields{
			Name: g.text("Objective"), OwnerID: g.maybeID(6), PeriodStart: g.maybeDate()}})
		if err != nil {
			return err
		}
		g.objectives[org] = append(g.objectives[org], id)
		g.record("objective", res)
		return nil
	case r < 18:
		id := g.objectives[org][g.rng.IntN(len(g.objectives[org]))]
		res, err := g.e.objectives.Execute(ctx, id, nil, g.meta(org), func(agg commands.Aggregate[cmd.Objective]) ([]events.Payload, error) {
			after := agg.State.ObjectiveFields
			after.Name, after.OwnerID, after.PeriodEnd = g.text("Objective"), g.maybeID(6), g.maybeDate()
			set, prev, err := commands.Diff(agg.State.ObjectiveFields, after)
			if err != nil || set == nil {
				return nil, err
			}
			return []events.Payload{ev.ObjectiveUpdated{ObjectiveID: id, Set: set, Previous: prev}}, nil
		})
		if err != nil {
			return err
		}
		g.record("objective update", res)
		return nil
	case r < 30 || len(g.kpis[org]) == 0:
		id, err := g.e.ids.Next(ctx, "kpi")
		if err != nil {
			return err
		}
		res, err := g.e.kpis.Create(ctx, id, g.meta(org), ev.KpiDefined{KpiID: id, KpiFields: g.kpiFields(org)})
		if err != nil {
			return err
		}
		g.kpis[org] = append(g.kpis[org], id)
		g.record("define", res)
		return nil
	}
	id := g.kpis[org][g.rng.IntN(len(g.kpis[org]))]
	var op string
	res, err := g.e.kpis.Execute(ctx, id, nil, g.meta(org), func(agg commands.Aggregate[cmd.Kpi]) ([]events.Payload, error) {
		k := agg.State
		if g.rng.IntN(5) == 0 {
			op = "update"
			after := g.kpiFields(org)
			if len(k.Values) > 0 {
				after.Frequency = k.Frequency
			}
			set, prev, err := commands.Diff(k.KpiFields, after)
			if err != nil || set == nil {
				return nil, err
			}
			return []events.Payload{ev.KpiUpdated{KpiID: id, Set: set, Previous: prev}}, nil
		}
		period := g.period(k.Frequency)
		value := float64(g.rng.IntN(3000)) / 10
		if was, ok := k.Values[period]; ok {
			op = "correct"
			if was == value {
				return nil, nil
			}
			return []events.Payload{ev.KpiValueCorrected{KpiID: id, Period: period, Value: value, PreviousValue: was, Comment: g.text("Because")}}, nil
		}
		op = "record"
		return []events.Payload{ev.KpiValueRecorded{KpiID: id, Period: period, Value: value}}, nil
	})
	if err != nil {
		return fmt.Errorf("%s on KPI %d: %w", op, id, err)
	}
	if res.Changed {
		g.record(op, res)
	}
	return nil
}

func takeSnapshot(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	var out []string
	for _, table := range []string{"objectives", "kpis"} {
		rows, err := pool.Query(context.Background(), `select row_to_json(t)::text from `+table+` t order by id`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got...)
	}
	return out
}

// kpiRow is a KPI as the read model holds it, in the shape a replayed KPI gives.
type kpiRow struct {
	OrgID        int64
	Fields       ev.KpiFields
	LatestPeriod *string
	LatestValue  *float64
	OnTarget     *bool
	DefinedOn    string
	CreatedAt    time.Time
	CreatedBy    int64
	UpdatedAt    time.Time
	UpdatedBy    int64
	Version      int64
}

type objectiveRow struct {
	OrgID     int64
	Fields    ev.ObjectiveFields
	CreatedAt time.Time
	UpdatedAt time.Time
	UpdatedBy int64
	Version   int64
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// checkAgainstStreams compares every record in the read model with its stream
// replayed.
func checkAgainstStreams(t *testing.T, e *env, g *gen) {
	t.Helper()
	ctx := context.Background()
	differences := 0
	differ := func(what string, id int64, read, replayed any) {
		if r, w := asJSON(read), asJSON(replayed); r != w {
			if differences++; differences <= 4 {
				t.Errorf("%s %d:\n read model %s\n replayed   %s", what, id, r, w)
			}
		}
	}
	wantKpis, wantObjectives := 0, 0
	for org := int64(1); org <= 2; org++ {
		for _, id := range g.kpis[org] {
			wantKpis++
			agg, _, err := e.kpis.Load(ctx, id, events.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			k := agg.State
			replayed := kpiRow{OrgID: agg.OrgID, Fields: k.KpiFields, LatestValue: k.Latest(),
				OnTarget: cmd.OnTarget(k.Direction, k.Target, k.Latest()), DefinedOn: k.DefinedOn().Format(time.DateOnly),
				CreatedAt: k.CreatedAt.UTC(), CreatedBy: k.CreatedBy, UpdatedAt: k.UpdatedAt.UTC(), UpdatedBy: k.UpdatedBy, Version: k.Version}
			if k.LatestPeriod != "" {
				replayed.LatestPeriod = &k.LatestPeriod
			}
			var read kpiRow
			f := &read.Fields
			err = e.db.Pool.QueryRow(ctx, `select org_id, name, description, unit, target, direction, frequency, owner_id,
				objective_id, latest_period, latest_value, on_target, defined_on::text, created_at, created_by, updated_at,
				updated_by, version from kpis where id = $1`, id).Scan(&read.OrgID, &f.Name, &f.Description, &f.Unit, &f.Target,
				&f.Direction, &f.Frequency, &f.OwnerID, &f.ObjectiveID, &read.LatestPeriod, &read.LatestValue, &read.OnTarget,
				&read.DefinedOn, &read.CreatedAt, &read.CreatedBy, &read.UpdatedAt, &read.UpdatedBy, &read.Version)
			if err != nil {
				t.Fatalf("KPI %d: %v", id, err)
			}
			read.CreatedAt, read.UpdatedAt = read.CreatedAt.UTC(), read.UpdatedAt.UTC()
			differ("KPI", id, read, replayed)
		}
		for _, id := range g.objectives[org] {
			wantObjectives++
			agg, _, err := e.objectives.Load(ctx, id, events.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			o := agg.State
			replayed := objectiveRow{OrgID: agg.OrgID, Fields: o.ObjectiveFields, CreatedAt: o.CreatedAt.UTC(),
				UpdatedAt: o.UpdatedAt.UTC(), UpdatedBy: o.UpdatedBy, Version: o.Version}
			var read objectiveRow
			f := &read.Fields
			err = e.db.Pool.QueryRow(ctx, `select org_id, name, description, owner_id, period_start::text, period_end::text,
				created_at, updated_at, updated_by, version from objectives where id = $1`, id).Scan(&read.OrgID, &f.Name,
				&f.Description, &f.OwnerID, &f.PeriodStart, &f.PeriodEnd, &read.CreatedAt, &read.UpdatedAt, &read.UpdatedBy, &read.Version)
			if err != nil {
				t.Fatalf("objective %d: %v", id, err)
			}
			read.CreatedAt, read.UpdatedAt = read.CreatedAt.UTC(), read.UpdatedAt.UTC()
			differ("objective", id, read, replayed)
		}
	}
	var k, o int
	if err := e.db.Pool.QueryRow(ctx, `select (select count(*) from kpis), (select count(*) from objectives)`).Scan(&k, &o); err != nil {
		t.Fatal(err)
	}
	if k != wantKpis || o != wantObjectives {
		t.Errorf("the read model holds %d KPIs and %d objectives, the streams %d and %d", k, o, wantKpis, wantObjectives)
	}
}

// The live projection, fed random events over two organizations, equals a rebuild
// from the log row by row, and every record it holds equals its stream replayed.
func TestLiveProjectionEqualsRebuildAndStreams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	g := newGen(e, 20261206)
	for range 400 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("events: %v", g.counts)
	for _, op := range []string{"objective", "objective update", "define", "update", "record", "correct", "foreign"} {
		if g.counts[op] == 0 {
			t.Errorf("the sequence never made a %s event", op)
		}
	}
	projectiontest.Wait(t, e.runner, g.last, e.proj.Name())
	e.checkRunner(t)
	live := takeSnapshot(t, e.db.Pool)
	checkAgainstStreams(t, e, g)

	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	res, err := projections.Rebuild(rctx, e.store, e.db.Pool, e.proj, projections.RebuildConfig{BatchSize: 40})
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	var n int
	if err := e.db.Pool.QueryRow(ctx, `select count(*) from events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if res.Events != n {
		t.Errorf("the rebuild applied %d events, the log holds %d", res.Events, n)
	}
	rebuilt := takeSnapshot(t, e.db.Pool)
	if !slices.Equal(live, rebuilt) {
		for i := range min(len(live), len(rebuilt)) {
			if live[i] != rebuilt[i] {
				t.Fatalf("live vs rebuild, row %d:\n live    %s\n rebuilt %s", i, live[i], rebuilt[i])
			}
		}
		t.Fatalf("live has %d rows, the rebuild %d", len(live), len(rebuilt))
	}

	// The live projection carries on in the rebuilt tables.
	for range 50 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	projectiontest.Wait(t, e.runner, g.last, e.proj.Name())
	e.checkRunner(t)
	checkAgainstStreams(t, e, g)
}

func handle(t *testing.T, db *testdb.DB, p projections.Projector, evs ...events.Event) error {
	t.Helper()
	return pgx.BeginFunc(context.Background(), db.Pool, func(tx pgx.Tx) error {
		w := projections.NewWriter(tx, "")
		for _, e := range evs {
			if err := p.Handle(context.Background(), w, e); err != nil {
				return err
			}
		}
		return w.Flush(context.Background())
	})
}

type stray struct{}

func (stray) EventType() string { return "Stray" }

// Another module's events leave the read models alone; an event of a known type that
// a KPI's stream should not hold is an error, not something to skip.
func TestOtherEventsAreIgnored(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	reg := registry()
	events.Register[stray](reg, 1)
	p := kpis.New(reg)
	err := handle(t, db, p,
		events.Event{StreamID: "risk-1", Type: "RiskCreated", Data: json.RawMessage(`{}`)},
		events.Event{StreamID: "kpi-1", Type: "SomethingElse", Data: json.RawMessage(`{}`)},
		events.Event{StreamID: "vendor-1", Type: "KpiDefined", Data: json.RawMessage(`{"kpi_id":1}`)},
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := handle(t, db, p, events.Event{StreamID: "kpi-1", Type: "Stray", Data: json.RawMessage(`{}`)}); err == nil {
		t.Error("a registered event without a handler in a KPI's stream was skipped")
	}
}

// The application role may use the tables and functions and take ids from the
// sequences, and may not change their definitions.
func TestAppRoleUsesKpiTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	role := testdb.NewRole(t)
	if err := schema.GrantAppRole(ctx, db.Pool, role.Name); err != nil {
		t.Fatal(err)
	}
	app, err := pgxpool.New(ctx, db.URLAs(role))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	for _, seq := range []string{"objective", "kpi"} {
		if _, err := commands.NewSequences(app).Next(ctx, seq); err != nil {
			t.Errorf("%s id as the application role: %v", seq, err)
		}
	}
	for _, table := range []string{"objectives", "kpis"} {
		if _, err := app.Exec(ctx, `delete from `+table); err != nil {
			t.Errorf("write %s as the application role: %v", table, err)
		}
		if _, err := app.Exec(ctx, `alter table `+table+` add column intruder int`); err == nil {
			t.Errorf("the application role altered %s", table)
		}
	}
	var stale bool
	if err := app.QueryRow(ctx, `select kpi_stale('monthly', date '2026-01-01', null, date '2026-12-06')`).Scan(&stale); err != nil || !stale {
		t.Errorf("kpi_stale as the application role: %v %v", stale, err)
	}
	if _, err := app.Exec(ctx, `create or replace function kpi_due_period(frequency text, today date) returns text
		language sql return 'x'`); err == nil {
		t.Error("the application role replaced kpi_due_period")
	}
}
