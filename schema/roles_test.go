package schema_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/schema"
	"github.com/strata-grc/strata/schema/testdb"
)

const insufficientPrivilege = "42501"

// connectAs opens a pool to the test's schema as role r.
func connectAs(t *testing.T, db *testdb.DB, r testdb.Role) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), db.URLAs(r))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// refused wants err to be PostgreSQL's refusal for lack of privilege: not the
// append-only trigger's error, not some other failure that would pass by accident.
func refused(t *testing.T, what string, err error) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != insufficientPrivilege {
		t.Errorf("%s: got %v, want a refusal for lack of privilege (SQLSTATE %s)", what, err, insufficientPrivilege)
	}
}

func allowed(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

// The application role reads and appends to the event log and nothing else there; it
// reads and writes the other tables, takes ids from the sequences, and may change no
// table, not even to switch the log's guard off.
func TestAppRoleMayOnlyAppendToTheLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	role := testdb.NewRole(t)
	if err := schema.GrantAppRole(ctx, db.Pool, role.Name); err != nil {
		t.Fatal(err)
	}
	app := connectAs(t, db, role)
	exec := func(sql string, args ...any) error {
		_, err := app.Exec(ctx, sql, args...)
		return err
	}

	allowed(t, "append an event", exec(`insert into events (event_id, stream_id, stream_version, type, data, metadata)
		values (gen_random_uuid(), 'risk-1', 1, 'RiskCreated', '{}', '{"org_id": 1}')`))
	var n int
	allowed(t, "read the log", app.QueryRow(ctx, `select count(*) from events`).Scan(&n))
	if n != 1 {
		t.Fatalf("the role reads %d events, want 1", n)
	}
	refused(t, "update an event", exec(`update events set type = 'Rewritten'`))
	refused(t, "delete an event", exec(`delete from events`))
	refused(t, "truncate the log", exec(`truncate events`))
	refused(t, "disable the log's triggers", exec(`alter table events disable trigger all`))
	refused(t, "drop the append-only trigger", exec(`drop trigger events_no_update_delete on events`))
	// The refusals above left the triggers as they were; privileges still hold.
	refused(t, "update an event after trying to disable the triggers", exec(`update events set type = 'Rewritten'`))
	refused(t, "delete an event after trying to disable the triggers", exec(`delete from events`))
	refused(t, "truncate the log after trying to disable the triggers", exec(`truncate events`))
	refused(t, "drop the log", exec(`drop table events`))
	refused(t, "take the log's ownership", exec(`alter table events owner to `+pgx.Identifier{role.Name}.Sanitize()))

	allowed(t, "write a read model", exec(`insert into checkpoints (name) values ('test')`))
	allowed(t, "update a read model", exec(`update checkpoints set position = 1 where name = 'test'`))
	allowed(t, "delete from a read model", exec(`delete from checkpoints where name = 'test'`))
	refused(t, "truncate a read model", exec(`truncate risks`))
	allowed(t, "take an id", exec(`select nextval('risk_id_seq')`))
	refused(t, "reset a sequence", exec(`select setval('risk_id_seq', 1)`))
	allowed(t, "read the schema version", exec(`select max(version) from schema_migrations`))
	refused(t, "forge a schema version", exec(`insert into schema_migrations (version, name) values (999, 'forged')`))
	refused(t, "create a table", exec(`create table intruder (id int)`))
	refused(t, "alter a read model", exec(`alter table risks add column intruder int`))
	refused(t, "index a read model", exec(`create index intruder on risks (title)`))

	// A table the owner creates later (the next migration) is the role's to use too.
	if _, err := db.Pool.Exec(ctx, `create table later_read_model (id bigint primary key)`); err != nil {
		t.Fatal(err)
	}
	allowed(t, "write a table created after the grant", exec(`insert into later_read_model values (1)`))

	// The role checks the schema without trying to change it, and may not migrate.
	if applied, err := schema.EnsureCurrent(ctx, app); err != nil || len(applied) != 0 {
		t.Fatalf("EnsureCurrent as the application role on a current schema: %v %v", applied, err)
	}
	if _, err := schema.Migrate(ctx, app); !errors.Is(err, schema.ErrMayNotMigrate) {
		t.Fatalf("Migrate as the application role: %v, want ErrMayNotMigrate", err)
	}
	// A release ahead of the database: the role says which migrations are missing and
	// what to run, and applies nothing.
	latest := schema.Latest()
	if _, err := db.Pool.Exec(ctx, `delete from schema_migrations where version = $1`, latest); err != nil {
		t.Fatal(err)
	}
	_, err := schema.EnsureCurrent(ctx, app)
	if !errors.Is(err, schema.ErrNotCurrent) || !strings.Contains(err.Error(), "strata migrate --app-role "+role.Name) {
		t.Fatalf("EnsureCurrent behind the release: %v", err)
	}
	ms, _ := schema.Migrations()
	if last := ms[len(ms)-1]; !strings.Contains(err.Error(), last.Name) {
		t.Errorf("the error %q does not name the missing migration %s", err, last.Name)
	}
	var current int
	if current, err = schema.Current(ctx, db.Pool); err != nil || current >= latest {
		t.Fatalf("schema version %d after the check (%v): it must not have migrated", current, err)
	}
}

// A role that has not been granted anything sees no schema, and is told to run the
// grant rather than failing on a missing table.
func TestEnsureCurrentForARoleWithoutGrants(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	role := testdb.NewRole(t)
	_, err := schema.EnsureCurrent(context.Background(), connectAs(t, db, role))
	if !errors.Is(err, schema.ErrNotCurrent) || !strings.Contains(err.Error(), "sees no Strata schema") ||
		!strings.Contains(err.Error(), "strata migrate --app-role "+role.Name) {
		t.Fatalf("EnsureCurrent without grants: %v", err)
	}
}

// Roles that could escape the limits are refused, and a refused grant grants nothing.
func TestGrantAppRoleRefusesRolesThatCouldEscape(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	as := func(sql string) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	owner, member, super, creator := testdb.NewRole(t), testdb.NewRole(t), testdb.NewRole(t), testdb.NewRole(t)
	as(`alter table events owner to ` + owner.Name)
	as(`grant ` + owner.Name + ` to ` + member.Name)
	as(`alter role ` + super.Name + ` superuser`)
	as(`grant create on schema ` + db.Schema + ` to public`)
	for _, c := range []struct{ role, want string }{
		{"strata_no_such_role", "does not exist"},
		{owner.Name, "which owns the event log"},
		{member.Name, "which owns the event log"},
		{super.Name, "is a superuser"},
		{creator.Name, "may still create objects in schema " + db.Schema},
	} {
		err := schema.GrantAppRole(ctx, db.Pool, c.role)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("grant to %s: %v, want a refusal containing %q", c.role, err, c.want)
		}
	}
	var granted bool
	if err := db.Pool.QueryRow(ctx, `select has_table_privilege($1, 'events', 'SELECT')`, creator.Name).Scan(&granted); err != nil {
		t.Fatal(err)
	}
	if granted {
		t.Error("a refused grant left privileges behind")
	}
	if err := schema.GrantAppRole(ctx, db.Pool, ""); err == nil {
		t.Error("a grant to no role must fail")
	}
}
