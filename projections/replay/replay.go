// Package replay builds read models as one organization's log stood at an instant:
// its events recorded up to then go through the same projectors the live projections
// run, into temporary tables private to one database connection, and whoever asked
// reads them there with the same SQL that reads the live ones.
//
// PostgreSQL looks up an unqualified table name in the session's temporary schema
// before any other, so on that connection "risks" is the replayed copy while every
// other connection still sees the live table. Nothing is ever written to the live
// tables, and the copies go when the read ends.
package replay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema"
)

// batchSize is how many events one short transaction applies. Writing to a temporary
// table gives the transaction an id, and an open transaction id holds back what the
// live projections may read (see "Never skipping an event"), so the replay commits
// often rather than holding one transaction for its whole length.
const batchSize = 2000

// Replayer replays organizations' events through a fixed set of projectors.
type Replayer struct {
	store      events.Store
	pool       *pgxpool.Pool
	projectors []projections.Projector
	tables     []string
}

// New replays through the projectors of all that names lists, reading the log from
// store and working on a connection of pool. A name no projector has, or two
// projectors claiming one table, are refused.
func New(store events.Store, pool *pgxpool.Pool, all []projections.Projector, names ...string) (*Replayer, error) {
	r := &Replayer{store: store, pool: pool}
	for _, name := range names {
		i := slices.IndexFunc(all, func(p projections.Projector) bool { return p.Name() == name })
		if i < 0 {
			return nil, fmt.Errorf("replay: no projector named %s", name)
		}
		if slices.Contains(r.projectors, all[i]) {
			continue
		}
		r.projectors = append(r.projectors, all[i])
		for _, t := range all[i].Tables() {
			if slices.Contains(r.tables, t) {
				return nil, fmt.Errorf("replay: table %s belongs to two projectors", t)
			}
			r.tables = append(r.tables, t)
		}
	}
	return r, nil
}

// Result tells what a replay read.
type Result struct {
	// Events is how many of the organization's events were applied.
	Events int
	// ReadAt is the database's clock when the log was read: an event recorded at or
	// before the instant but committed after this was not seen.
	ReadAt time.Time
}

// Read replays orgID's events recorded at or before asOf into temporary copies of the
// projectors' tables on one pooled connection, then calls read with that connection,
// on which the projectors' table names mean the copies. The connection goes back to
// the pool without them; when they cannot be removed it is closed instead.
func (r *Replayer) Read(ctx context.Context, orgID int64, asOf time.Time, read func(ctx context.Context, q schema.Querier) error) (Result, error) {
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return Result{}, err
	}
	clean := false
	defer func() {
		if !clean || reset(context.WithoutCancel(ctx), conn.Conn()) != nil {
			// A connection that may still hold the copies, or statements prepared
			// against them, must never serve another request.
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
		conn.Release()
	}()
	// Statements prepared earlier on this connection were planned against the live
	// tables; a temporary table shadowing a name does not make PostgreSQL plan them
	// again, so they are dropped before the copies exist.
	if err := conn.Conn().DeallocateAll(ctx); err != nil {
		return Result{}, err
	}
	if err := r.createCopies(ctx, conn.Conn()); err != nil {
		return Result{}, err
	}
	var res Result
	if err := conn.QueryRow(ctx, `select clock_timestamp()`).Scan(&res.ReadAt); err != nil {
		return Result{}, err
	}
	err = events.ReadOrg(schema.WithConn(ctx, conn), r.store, orgID, asOf, batchSize, func(evs []events.Event) error {
		res.Events += len(evs)
		return r.apply(ctx, conn.Conn(), evs)
	})
	if err != nil {
		return Result{}, fmt.Errorf("replay organization %d: %w", orgID, err)
	}
	if err := read(ctx, conn); err != nil {
		return Result{}, err
	}
	clean = true
	return res, nil
}

// createCopies makes an empty temporary copy of each table, with its defaults,
// generated columns and constraints, and checks that the name now means the copy on
// this connection. Of the indexes only the keys are made, which the projectors'
// upserts need: the others (text search above all) would cost more to keep up on
// every replayed event than they save the dashboard's few reads.
func (r *Replayer) createCopies(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `select t.name, format('%I.%I', n.nspname, c.relname), c.relpersistence = 't'
		from unnest($1::text[]) as t(name)
		left join pg_class c on c.oid = to_regclass(quote_ident(t.name))
		left join pg_namespace n on n.oid = c.relnamespace`, r.tables)
	if err != nil {
		return err
	}
	var ddl []string
	for rows.Next() {
		var name string
		var live *string
		var temporary *bool
		if err := rows.Scan(&name, &live, &temporary); err != nil {
			rows.Close()
			return err
		}
		if live == nil || temporary == nil || *temporary {
			rows.Close()
			return fmt.Errorf("replay: table %s is missing or already a temporary table on this connection", name)
		}
		ddl = append(ddl, `create temporary table `+pgx.Identifier{name}.Sanitize()+` (like `+*live+` including all excluding indexes)`)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	keys, err := keyIndexes(ctx, conn, r.tables)
	if err != nil {
		return err
	}
	// One round trip; several statements in one string run as one implicit transaction.
	if _, err := conn.Exec(ctx, strings.Join(append(ddl, keys...), ";\n")); err != nil {
		return fmt.Errorf("replay: create copies: %w", err)
	}
	// The name must now mean the copy: a search_path that names pg_temp after the
	// application's schema would send the projectors' writes to the live tables.
	var shadowed int
	if err := conn.QueryRow(ctx, `select count(*) from unnest($1::text[]) as t(name)
		join pg_class c on c.oid = to_regclass(quote_ident(t.name)) where c.relpersistence = 't'`, r.tables).Scan(&shadowed); err != nil {
		return err
	}
	if shadowed != len(r.tables) {
		return errors.New("replay: the temporary copies do not shadow the live tables (search_path names pg_temp late)")
	}
	return nil
}

// keyIndexes returns statements that give each table's temporary copy the primary key
// and unique indexes of the live table, read before the copies exist.
func keyIndexes(ctx context.Context, conn *pgx.Conn, tables []string) ([]string, error) {
	rows, err := conn.Query(ctx, `select t.name, i.indisprimary, pg_get_indexdef(i.indexrelid), pg_get_constraintdef(k.oid)
		from unnest($1::text[]) as t(name)
		join pg_index i on i.indrelid = to_regclass(quote_ident(t.name))
		left join pg_constraint k on k.conindid = i.indexrelid and k.contype = 'p'
		where i.indisprimary or i.indisunique`, tables)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
		var name, def string
		var primary bool
		var constraint *string
		if err := row.Scan(&name, &primary, &def, &constraint); err != nil {
			return "", err
		}
		copy := "pg_temp." + pgx.Identifier{name}.Sanitize()
		if primary && constraint != nil {
			return `alter table ` + copy + ` add ` + *constraint, nil
		}
		// "CREATE UNIQUE INDEX name ON schema.table USING ..." -> the same on the copy,
		// named by PostgreSQL.
		using := strings.Index(def, " USING ")
		if using < 0 {
			return "", fmt.Errorf("replay: unexpected index definition %q", def)
		}
		return `create unique index on ` + copy + def[using:], nil
	})
}

// apply runs one batch of events through every projector in one short transaction,
// the projectors' statements sent in one round trip as the live subscriber does.
func (r *Replayer) apply(ctx context.Context, conn *pgx.Conn, evs []events.Event) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		w := projections.NewWriter(tx, "")
		for _, e := range evs {
			for _, p := range r.projectors {
				if err := p.Handle(ctx, w, e); err != nil {
					return fmt.Errorf("%s: event %s (%s, %s version %d): %w", p.Name(), e.ID, e.Type, e.StreamID, e.StreamVersion, err)
				}
			}
		}
		return w.Flush(ctx)
	})
}

// reset drops the copies and every statement prepared against them, leaving the
// connection as the pool handed it out.
func reset(ctx context.Context, conn *pgx.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(ctx, `discard temp`); err != nil {
		return err
	}
	return conn.DeallocateAll(ctx)
}
