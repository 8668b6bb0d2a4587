package seal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/mod/sumdb/note"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/projectiontest"
	pseal "github.com/strata-grc/strata/projections/seal"
	"github.com/strata-grc/strata/queries/seal"
	"github.com/strata-grc/strata/schema/testdb"
)

// env is a log with the seal projection running on it.
type env struct {
	t      *testing.T
	pool   *pgxpool.Pool
	store  *postgres.Store
	sealer *pseal.Projector
	proj   projections.Projector
	runner *projections.Runner
	key    *pseal.Key
	last   events.Position
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := testdb.New(t)
	private, _, err := pseal.GenerateKey("strata-test")
	if err != nil {
		t.Fatal(err)
	}
	key, err := pseal.ParseKey(private)
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.New(db.Pool)
	sealer := pseal.New(pseal.Config{Key: key, Every: 10, Interval: time.Hour})
	// Under a checkpoint name of its own: tests run side by side.
	proj := projectiontest.Named(sealer, pseal.Name+"-"+db.Schema)
	runner := projectiontest.Run(t, projections.RunnerConfig{Store: store, Pool: db.Pool, Projectors: []projections.Projector{proj},
		Subscriber: projections.SubscriberConfig{BatchSize: 7, IdlePoll: 20 * time.Millisecond, Wakeup: store.Wakeup().C}})
	return &env{t: t, pool: db.Pool, store: store, sealer: sealer, proj: proj, runner: runner, key: key}
}

// append writes n events for org, each with JSON spelt in ways jsonb normalises.
func (e *env) append(org int64, stream string, n int) {
	e.t.Helper()
	for i := range n {
		data := fmt.Sprintf(`{"z": %d.50, "a": "x<y\u00e9", "list": [1, 2e3, {"b": null, "a": true}], "i": %d}`, i, i)
		res, err := e.store.Append(context.Background(), stream, events.Any(),
			events.Metadata{OrgID: org, ActorID: 1, ActorName: "Ann", CorrelationID: "req-" + stream, IP: "192.0.2.1"},
			events.NewEvent{ID: uuid.New(), Type: "ThingHappened", SchemaVersion: 1, Data: json.RawMessage(data)})
		if err != nil {
			e.t.Fatal(err)
		}
		e.last = res.Position
	}
}

func (e *env) wait() {
	e.t.Helper()
	projectiontest.Wait(e.t, e.runner, e.last, e.proj.Name())
}

func (e *env) verifier() *seal.Verifier {
	e.t.Helper()
	v, err := seal.New(e.pool, e.proj.Name(), e.key.Public)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *env) verify(org int64, opts seal.Options) *seal.Report {
	e.t.Helper()
	r, err := e.verifier().Verify(context.Background(), org, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// exec runs SQL as the owner with the log's guard switched off, as a database
// administrator rewriting history would.
func (e *env) tamper(sql string, args ...any) {
	e.t.Helper()
	ctx := context.Background()
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, s := range []string{`alter table events disable trigger events_no_update_delete`,
		`alter table events disable trigger events_no_truncate`} {
		if _, err := tx.Exec(ctx, s); err != nil {
			e.t.Fatal(err)
		}
	}
	if _, err := tx.Exec(ctx, sql, args...); err != nil {
		e.t.Fatal(err)
	}
	for _, s := range []string{`alter table events enable trigger events_no_update_delete`,
		`alter table events enable trigger events_no_truncate`} {
		if _, err := tx.Exec(ctx, s); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// position is the global position of org's nth event (1-based) in the sealed order.
func (e *env) position(org, seq int64) int64 {
	e.t.Helper()
	var p int64
	if err := e.pool.QueryRow(context.Background(), `select position from seal_leaves where org_id = $1 and leaf = $2`,
		org, seq-1).Scan(&p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func expectOK(t *testing.T, what string, r *seal.Report, events int64) {
	t.Helper()
	if !r.OK() || r.Events != events || r.FirstBroken != 0 || r.VerifiedThrough != events || r.Pending != 0 {
		t.Fatalf("%s: want ok over %d events, got %+v", what, events, r)
	}
}

// expectBroken checks the first problem and where the log first breaks.
func expectBroken(t *testing.T, what string, r *seal.Report, kind string, seq int64) {
	t.Helper()
	if r.OK() || r.FirstBroken != seq || r.VerifiedThrough != seq-1 {
		t.Fatalf("%s: want broken at %d, got %+v", what, seq, r)
	}
	for _, p := range r.Problems {
		if p.Kind == kind && p.Sequence == seq {
			return
		}
	}
	t.Fatalf("%s: want a %s problem at %d, got %+v", what, kind, seq, r.Problems)
}

func TestVerifyFindsEveryKindOfTampering(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// Organizations interleave, so positions and sequences differ.
	for range 3 {
		for org := int64(1); org <= 7; org++ {
			e.append(org, fmt.Sprintf("thing-%d", org), 5)
		}
	}
	e.wait()
	made, err := e.sealer.CheckpointOnce(ctx, e.pool)
	if err != nil {
		t.Fatal(err)
	}
	// Every org: sizes 10 and 15 (every 10, then the time-based one at the head).
	if len(made) != 14 {
		t.Fatalf("want 14 checkpoints, made %d", len(made))
	}
	dir := t.TempDir()
	if n, present, err := pseal.Export(ctx, e.pool, dir); err != nil || n != 14 || present != 0 {
		t.Fatalf("export: %d written, %d present, %v", n, present, err)
	}
	if n, present, err := pseal.Export(ctx, e.pool, dir); err != nil || n != 0 || present != 14 {
		t.Fatalf("export again: %d written, %d present, %v", n, present, err)
	}
	exported := readDir(t, dir)

	for org := int64(1); org <= 7; org++ {
		r := e.verify(org, seal.Options{Exported: exported})
		expectOK(t, fmt.Sprintf("untouched org %d", org), r, 15)
		if r.Checkpoints != 2 || r.ExportedChecked != 2 {
			t.Fatalf("org %d: checked %d stored and %d exported checkpoints, want 2 and 2", org, r.Checkpoints, r.ExportedChecked)
		}
	}

	t.Run("rewritten", func(t *testing.T) {
		pos := e.position(1, 7)
		var original string
		if err := e.pool.QueryRow(ctx, `select data::text from events where global_position = $1`, pos).Scan(&original); err != nil {
			t.Fatal(err)
		}
		e.tamper(`update events set data = jsonb_set(data, '{i}', '99') where global_position = $1`, pos)
		r := e.verify(1, seal.Options{})
		expectBroken(t, "rewritten data", r, seal.Rewritten, 7)
		if r.ProblemCount != 1 {
			t.Errorf("want the one changed event, got %+v", r.Problems)
		}
		if r.FirstBrokenPosition != pos {
			t.Errorf("first broken at global position %d, want %d", r.FirstBrokenPosition, pos)
		}
		// The same JSON, spelt differently, is the same event.
		e.tamper(`update events set data = $2::jsonb where global_position = $1`, pos, original)
		expectOK(t, "restored", e.verify(1, seal.Options{}), 15)
		e.tamper(`update events set metadata = metadata || '{"actor_name": "Mallory"}' where global_position = $1`, pos)
		expectBroken(t, "rewritten actor", e.verify(1, seal.Options{}), seal.Rewritten, 7)
	})

	t.Run("deleted", func(t *testing.T) {
		e.tamper(`delete from events where global_position = $1`, e.position(2, 4))
		r := e.verify(2, seal.Options{})
		expectBroken(t, "deleted", r, seal.Deleted, 4)
		if r.ProblemCount != 1 {
			t.Errorf("want the one deleted event, got %+v", r.Problems)
		}
	})

	t.Run("truncated tail", func(t *testing.T) {
		e.tamper(`delete from events where global_position in ($1, $2, $3)`, e.position(3, 13), e.position(3, 14), e.position(3, 15))
		expectBroken(t, "truncated", e.verify(3, seal.Options{}), seal.Truncated, 13)
	})

	t.Run("inserted behind the sealer", func(t *testing.T) {
		// A row whose transaction id puts it before everything the sealer has read.
		e.tamper(`insert into events (transaction_id, event_id, stream_id, stream_version, type, data, metadata)
			values ('3', $1, 'thing-4', 100, 'ThingHappened', '{}', '{"org_id": 4, "actor_id": 1, "actor_name": "x", "correlation_id": "x"}')`,
			uuid.New())
		r := e.verify(4, seal.Options{})
		expectBroken(t, "inserted", r, seal.Unsealed, 1)
	})

	t.Run("forged checkpoint signature", func(t *testing.T) {
		c, err := pseal.MakeCheckpoint(5, 3, [32]byte{1}, time.Now(), e.key)
		if err != nil {
			t.Fatal(err)
		}
		forged := []byte(string(c.Note))
		forged[len(forged)-5] ^= 1 // inside the base64 signature
		if _, err := pseal.ParseCheckpoint(forged, mustVerifiers(t, e.key.Public)); !errors.Is(err, pseal.ErrBadSignature) {
			t.Fatalf("forged signature: %v", err)
		}
		if _, err := e.pool.Exec(ctx, `insert into seal_checkpoints (org_id, tree_size, root, created_at, signed, note)
			values (5, 3, $1, now(), true, $2)`, c.Root[:], string(forged)); err != nil {
			t.Fatal(err)
		}
		r := e.verify(5, seal.Options{Exported: []seal.ExportedCheckpoint{{Name: "forged", Note: forged}}})
		if r.OK() || r.ProblemCount != 2 {
			t.Fatalf("a forged stored and a forged exported checkpoint: %+v", r)
		}
		for _, p := range r.Problems {
			if !strings.Contains(p.Detail, "signature does not verify") {
				t.Errorf("problem %+v", p)
			}
		}
		// The checkpoints are append-only, even for the owner unless it switches the guard off.
		if _, err := e.pool.Exec(ctx, `delete from seal_checkpoints where org_id = 5`); err == nil {
			t.Fatal("deleting a checkpoint succeeded")
		}
	})

	t.Run("rewritten prefix after a rebuild", func(t *testing.T) {
		// The administrator rewrites an event, rebuilds the seal from the rewritten log
		// and removes the stored checkpoints: the tree agrees with the log again, and
		// only checkpoints kept elsewhere remember the truth.
		e.tamper(`update events set data = '{"i": 0}' where global_position = $1`, e.position(6, 2))
		projectiontest.Rebuild(t, e.store, e.pool, e.proj)
		if _, err := e.pool.Exec(ctx, `alter table seal_checkpoints disable trigger seal_checkpoints_no_update_delete`); err != nil {
			t.Fatal(err)
		}
		if _, err := e.pool.Exec(ctx, `delete from seal_checkpoints where org_id = 6`); err != nil {
			t.Fatal(err)
		}
		if _, err := e.pool.Exec(ctx, `alter table seal_checkpoints enable trigger seal_checkpoints_no_update_delete`); err != nil {
			t.Fatal(err)
		}
		expectOK(t, "rebuilt without checkpoints", e.verify(6, seal.Options{}), 15)
		r := e.verify(6, seal.Options{Exported: exported})
		expectBroken(t, "exported checkpoints", r, seal.Exported, 1)
		if r.ProblemCount != 2 {
			t.Errorf("want both exported checkpoints of org 6 to fail, got %+v", r.Problems)
		}
		// The rebuild re-derived the other organizations' trees as they were.
		expectOK(t, "org 7 after the rebuild", e.verify(7, seal.Options{Exported: exported}), 15)
	})
}

func mustVerifiers(t *testing.T, keys ...string) note.Verifiers {
	t.Helper()
	v, err := pseal.Verifiers(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func readDir(t *testing.T, dir string) []seal.ExportedCheckpoint {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []seal.ExportedCheckpoint
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, seal.ExportedCheckpoint{Name: en.Name(), Note: b})
	}
	return out
}
