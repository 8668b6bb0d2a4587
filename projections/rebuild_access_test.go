package projections_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema/testdb"
)

func seenLog(n int) *elsewhereLog {
	log := &elsewhereLog{}
	for i := range n {
		gp := int64(i + 1)
		log.evs = append(log.evs, events.Event{ID: uuid.New(), StreamID: "risk-1", StreamVersion: gp,
			GlobalPosition: gp, TransactionID: uint64(gp), Type: "Something", Data: []byte(`{}`),
			Metadata: events.Metadata{OrgID: 1, ActorName: "t", CorrelationID: "c"}, RecordedAt: time.Now()})
	}
	return log
}

// The tables a rebuild switches in belong to whoever owned the ones they replace and
// carry the same grants, even when someone else (here a superuser) runs the rebuild:
// the application role keeps its access, and no more of it.
func TestRebuildKeepsTheTablesOwnerAndGrants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	owner, reader := testdb.NewRole(t), testdb.NewRole(t)
	for _, sql := range []string{
		`create table rebuild_seen (pos bigint primary key)`,
		`alter table rebuild_seen owner to ` + owner.Name,
		`grant usage on schema ` + db.Schema + ` to ` + reader.Name,
		`grant select, insert on rebuild_seen to ` + reader.Name,
	} {
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	res, err := projections.Rebuild(ctx, seenLog(30), db.Pool, seenProjector{}, projections.RebuildConfig{BatchSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 30 {
		t.Fatalf("rebuilt %d events, want 30", res.Events)
	}
	var tableOwner string
	var sel, ins, upd bool
	if err := db.Pool.QueryRow(ctx, `select pg_get_userbyid(relowner), has_table_privilege($1, oid, 'SELECT'),
		has_table_privilege($1, oid, 'INSERT'), has_table_privilege($1, oid, 'UPDATE')
		from pg_class where oid = 'rebuild_seen'::regclass`, reader.Name).Scan(&tableOwner, &sel, &ins, &upd); err != nil {
		t.Fatal(err)
	}
	if tableOwner != owner.Name {
		t.Errorf("the rebuilt table belongs to %s, want %s", tableOwner, owner.Name)
	}
	if !sel || !ins || upd {
		t.Errorf("the reader may select %v, insert %v, update %v on the rebuilt table; want true, true, false", sel, ins, upd)
	}
	readerPool, err := pgxpool.New(ctx, db.URLAs(reader))
	if err != nil {
		t.Fatal(err)
	}
	defer readerPool.Close()
	var n int
	if err := readerPool.QueryRow(ctx, `select count(*) from rebuild_seen`).Scan(&n); err != nil || n != 30 {
		t.Fatalf("the reader counts %d rows (%v), want 30", n, err)
	}
}

// A role that may not rename the live tables is refused before the replay, and leaves
// no fresh table or checkpoint behind.
func TestRebuildByARoleThatMayNotReplaceTheTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	app := testdb.NewRole(t)
	for _, sql := range []string{
		`create table rebuild_seen (pos bigint primary key)`,
		`grant usage on schema ` + db.Schema + ` to ` + app.Name,
		`grant select, insert, update, delete on rebuild_seen, checkpoints to ` + app.Name,
	} {
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	appPool, err := pgxpool.New(ctx, db.URLAs(app))
	if err != nil {
		t.Fatal(err)
	}
	defer appPool.Close()
	_, err = projections.Rebuild(ctx, seenLog(5), appPool, seenProjector{}, projections.RebuildConfig{})
	if err == nil || !strings.Contains(err.Error(), "may not replace table rebuild_seen") || !strings.Contains(err.Error(), "run it as the owner") {
		t.Fatalf("rebuild as a role that owns nothing: %v", err)
	}
	var fresh bool
	var checkpoints int
	if err := db.Pool.QueryRow(ctx, `select to_regclass('rebuild_seen_rebuild') is not null, (select count(*) from checkpoints)`).
		Scan(&fresh, &checkpoints); err != nil {
		t.Fatal(err)
	}
	if fresh || checkpoints != 0 {
		t.Errorf("a refused rebuild left a fresh table (%v) or checkpoints (%d)", fresh, checkpoints)
	}
}
