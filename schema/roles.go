package schema

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Two roles share a production database: the owner, which runs migrations and
// projection rebuilds, and the application role `strata serve` connects as, which may
// read and write rows but change no table and never update or delete an event.

// ErrMayNotMigrate is returned when the connected role may not change the schema.
var ErrMayNotMigrate = errors.New("may not change the schema")

// ErrNotCurrent is returned when the schema lacks migrations this release needs and
// the connected role may not apply them.
var ErrNotCurrent = errors.New("the database schema is not current")

//go:embed app_role.sql
var appRoleSQL string

type querier interface {
	QueryRow(context.Context, string, ...any) pgx.Row
	Query(context.Context, string, ...any) (pgx.Rows, error)
}

// mayChange reports which role is connected and whether it may create objects in the
// schema Strata's tables live in: the owner or a superuser may, the application role
// may not.
func mayChange(ctx context.Context, q querier) (role string, may bool, err error) {
	err = q.QueryRow(ctx, `select current_user, coalesce(has_schema_privilege(current_schema(), 'CREATE'), false)`).
		Scan(&role, &may)
	return role, may, err
}

// EnsureCurrent brings the schema up to date when the connected role may change it,
// and otherwise only checks that it is current: the application role never attempts
// DDL it would be refused, and a schema it cannot use is reported as such, with what
// to run, instead of failing later on a missing column. It returns the versions it
// applied.
func EnsureCurrent(ctx context.Context, pool *pgxpool.Pool) ([]int, error) {
	role, may, err := mayChange(ctx, pool)
	if err != nil {
		return nil, err
	}
	if may {
		return Migrate(ctx, pool)
	}
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	pending, err := Pending(ctx, pool)
	if err != nil {
		return nil, fmt.Errorf("role %q checks the schema version: %w (grant it with `strata migrate --app-role %s` as the owner)",
			role, err, role)
	}
	if len(pending) == 0 {
		return nil, nil
	}
	if len(pending) == len(all) {
		return nil, fmt.Errorf("%w: role %q sees no Strata schema and may not create one: run `strata migrate --app-role %s` with the owner's --database-url first",
			ErrNotCurrent, role, role)
	}
	names := make([]string, len(pending))
	for i, m := range pending {
		names[i] = fmt.Sprintf("%03d_%s", m.Version, m.Name)
	}
	return nil, fmt.Errorf("%w: it lacks migrations %s and role %q may not apply them: run `strata migrate --app-role %s` with the owner's --database-url first",
		ErrNotCurrent, strings.Join(names, ", "), role, role)
}

// Pending lists the embedded migrations the database has not applied, in order; all
// of them when it has no schema_migrations table (or the role cannot see it).
func Pending(ctx context.Context, q querier) ([]Migration, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	var exists bool
	if err := q.QueryRow(ctx, `select to_regclass('schema_migrations') is not null`).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		return ms, nil
	}
	rows, err := q.Query(ctx, `select version from schema_migrations`)
	if err != nil {
		return nil, err
	}
	done, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, err
	}
	applied := map[int]bool{}
	for _, v := range done {
		applied[v] = true
	}
	var out []Migration
	for _, m := range ms {
		if !applied[m.Version] {
			out = append(out, m)
		}
	}
	return out, nil
}

// GrantAppRole gives role exactly the privileges the application needs on the
// migrated schema (app_role.sql), and makes the owner's later tables grant the same.
// It refuses a role that could escape them: a superuser, the owner or a member of it,
// the owner of the schema or database, or a role that may still create objects. It
// runs as the owner (or a superuser) and may be run again at any time.
func GrantAppRole(ctx context.Context, pool *pgxpool.Pool, role string) error {
	if role == "" {
		return errors.New("grant app role: no role named")
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `select set_config('strata.app_role', $1, true)`, role); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, appRoleSQL)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// The script's own refusals read best without the SQLSTATE wrapping.
		msg := pgErr.Message
		if pgErr.Hint != "" {
			msg += " (" + pgErr.Hint + ")"
		}
		return fmt.Errorf("grant app role %q: %s", role, msg)
	}
	return err
}
