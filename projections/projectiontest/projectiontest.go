// Package projectiontest runs projections inside a test: started before the test
// goes on, stopped and checked when it ends. It also holds what every module's
// projection tests check alike, so that they check it the same way: that the live
// projection's batches do not fail, that it equals a rebuild from the log table by
// table and row for row, that its read model says what its streams replayed say, and
// that the application role may write its tables.
package projectiontest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema"
	"github.com/strata-grc/strata/schema/testdb"
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

// Named is p under a checkpoint name of its own, such as its name and the test's
// schema: checkpoint locks are keyed by name across the whole database, and tests
// running the same projection side by side in their own schemas would otherwise queue
// behind each other's batches and rebuilds.
func Named(p projections.Projector, name string) projections.Projector { return named{p, name} }

type named struct {
	projections.Projector
	name string
}

func (n named) Name() string { return n.name }

// Failures collects the batches a live projection failed and will retry. Give
// OnError to the runner's SubscriberConfig; a test whose events are all valid then
// fails on any with Check.
type Failures struct {
	mu   sync.Mutex
	errs []error
}

// OnError records a failed batch.
func (f *Failures) OnError(_ string, err error) {
	f.mu.Lock()
	f.errs = append(f.errs, err)
	f.mu.Unlock()
}

// Take returns the failures recorded since the last Take or Check, and forgets them.
func (f *Failures) Take() []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	errs := f.errs
	f.errs = nil
	return errs
}

// Check fails t for every failure recorded since the last Take or Check.
func (f *Failures) Check(t testing.TB) {
	t.Helper()
	for _, err := range f.Take() {
		t.Errorf("live projection batch failed: %v", err)
	}
}

// Table is a read-model table and the columns that list its rows in one order, its
// key, so two snapshots of it compare row for row.
type Table struct {
	Name    string
	OrderBy string
}

// Snapshot is every row of some read-model tables, each as JSON text, in key order.
type Snapshot map[string][]string

// TakeSnapshot reads every row of tables.
func TakeSnapshot(t testing.TB, pool *pgxpool.Pool, tables ...Table) Snapshot {
	t.Helper()
	s := Snapshot{}
	for _, table := range tables {
		rows, err := pool.Query(context.Background(),
			`select row_to_json(t)::text from `+table.Name+` t order by `+table.OrderBy)
		if err != nil {
			t.Fatal(err)
		}
		if s[table.Name], err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// CompareSnapshots fails t for every table whose rows differ between two snapshots,
// naming what was compared, the table and the row.
func CompareSnapshots(t testing.TB, what string, before, after Snapshot) {
	t.Helper()
	for _, table := range slices.Sorted(maps.Keys(before)) {
		x, y := before[table], after[table]
		if len(x) != len(y) {
			t.Errorf("%s: %s has %d rows before, %d after", what, table, len(x), len(y))
		}
		for i := range min(len(x), len(y)) {
			if x[i] != y[i] {
				t.Errorf("%s: %s row %d differs:\n before %s\n after  %s", what, table, i, x[i], y[i])
			}
		}
	}
}

// Rebuild rebuilds p's tables from the whole log, in small batches so that even a
// test's log takes several, and fails the test if the rebuild fails or takes over a
// minute.
func Rebuild(t testing.TB, store events.Store, pool *pgxpool.Pool, p projections.Projector) projections.RebuildResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := projections.Rebuild(ctx, store, pool, p, projections.RebuildConfig{BatchSize: 40})
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	return res
}

// countEvents is how many events the log holds.
func countEvents(t testing.TB, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `select count(*) from events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// RebuildEquals rebuilds p from the log and fails the test unless the rebuild read
// every event the log holds and left tables row for row as they were before it:
// a projection caught up with the log must hold what replaying the log gives. what
// names the two states compared in the failures.
func RebuildEquals(t testing.TB, what string, store events.Store, pool *pgxpool.Pool, p projections.Projector, tables ...Table) projections.RebuildResult {
	t.Helper()
	before := TakeSnapshot(t, pool, tables...)
	indexes := indexShapes(t, pool, p.Tables())
	res := Rebuild(t, store, pool, p)
	if n := countEvents(t, pool); res.Events != n {
		t.Errorf("the rebuild applied %d events, the log holds %d", res.Events, n)
	}
	CompareSnapshots(t, what, before, TakeSnapshot(t, pool, tables...))
	if after := indexShapes(t, pool, p.Tables()); !slices.Equal(after, indexes) {
		t.Errorf("%s: the rebuilt tables' indexes differ from the live ones'\n before %q\n after  %q", what, indexes, after)
	}
	return res
}

// indexShapes lists the indexes of tables by what they index, leaving out their
// names: a rebuild builds its indexes under names of its own.
func indexShapes(t testing.TB, pool *pgxpool.Pool, tables []string) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `select c.relname || ': ' || i.indisunique::text || ' ' ||
			substr(pg_get_indexdef(i.indexrelid), strpos(pg_get_indexdef(i.indexrelid), ' USING '))
		from pg_index i join pg_class c on c.oid = i.indrelid
		where i.indrelid = any($1::regclass[])
		order by 1`, tables)
	if err != nil {
		t.Fatal(err)
	}
	shapes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return shapes
}

// Handle applies evs to p in one transaction, as one batch of a live projection
// would but with no runner or checkpoint, and returns p's first error: for tests of
// what a projector makes of particular events.
func Handle(pool *pgxpool.Pool, p projections.Projector, evs ...events.Event) error {
	ctx := context.Background()
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		w := projections.NewWriter(tx, "")
		for _, e := range evs {
			if err := p.Handle(ctx, w, e); err != nil {
				return err
			}
		}
		return w.Flush(ctx)
	})
}

// AppRoleUses fails t unless the application role, granted as a deployment grants it,
// may take ids from sequences and write to tables but may not alter them: the grants
// must reach the tables and sequences of later migrations.
func AppRoleUses(t testing.TB, sequences, tables []string) {
	t.Helper()
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
	for _, seq := range sequences {
		if _, err := commands.NewSequences(app).Next(ctx, seq); err != nil {
			t.Errorf("%s id as the application role: %v", seq, err)
		}
	}
	for _, table := range tables {
		if _, err := app.Exec(ctx, `delete from `+table); err != nil {
			t.Errorf("write %s as the application role: %v", table, err)
		}
		if _, err := app.Exec(ctx, `alter table `+table+` add column intruder int`); err == nil {
			t.Errorf("the application role altered %s", table)
		}
	}
}

// Differences reports what a check finds differing between a read model and its
// streams replayed: the first few in full, then at Report how many more there were,
// as one bug tends to show on every row.
type Differences struct {
	t testing.TB
	n int
}

// shownDifferences is how many differences a check shows in full.
const shownDifferences = 4

// NewDifferences reports differences through t.
func NewDifferences(t testing.TB) *Differences { return &Differences{t: t} }

// Errorf counts one difference and, if it is among the first few, fails the test
// with it in full.
func (d *Differences) Errorf(format string, args ...any) {
	d.t.Helper()
	if d.n++; d.n <= shownDifferences {
		d.t.Errorf(format, args...)
	}
}

// Report fails the test with the count of the differences not shown, if any.
func (d *Differences) Report() {
	d.t.Helper()
	if d.n > shownDifferences {
		d.t.Errorf("... and %d more differences between the read model and the streams", d.n-shownDifferences)
	}
}

// AsJSON is v as JSON text, the form in which a read model's row and a stream's
// replayed state compare by content: pointers print as the values they point to.
func AsJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
