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
	"github.com/jackc/pgx/v5/pgconn"
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
	batch      int // events per transaction: batchSize but in tests
}

// New replays through the projectors of all that names lists, reading the log from
// store and working on a connection of pool. A name no projector has, or two
// projectors claiming one table, are refused.
func New(store events.Store, pool *pgxpool.Pool, all []projections.Projector, names ...string) (*Replayer, error) {
	r := &Replayer{store: store, pool: pool, batch: batchSize}
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
	derive, err := r.createCopies(ctx, conn.Conn())
	if err != nil {
		return Result{}, err
	}
	var res Result
	if err := conn.QueryRow(ctx, `select clock_timestamp()`).Scan(&res.ReadAt); err != nil {
		return Result{}, err
	}
	p := &pipeline{conn: conn.Conn(), projectors: r.projectors}
	err = events.ReadOrg(schema.WithConn(ctx, p), r.store, orgID, asOf, r.batch, func(evs []events.Event) error {
		res.Events += len(evs)
		return p.apply(ctx, evs)
	})
	if err == nil {
		err = p.settle(ctx)
	}
	if err != nil {
		return Result{}, fmt.Errorf("replay organization %d: %w", orgID, err)
	}
	if derive != "" {
		if _, err := conn.Exec(ctx, derive); err != nil {
			return Result{}, fmt.Errorf("replay: derive generated columns: %w", err)
		}
	}
	if err := read(ctx, conn); err != nil {
		return Result{}, err
	}
	clean = true
	return res, nil
}

// createCopies makes an empty temporary copy of each table, with its defaults and
// constraints, and checks that the name now means the copy on this connection. Of the
// indexes only the keys are made, which the projectors' upserts need: the others (text
// search above all) would cost more to keep up on every replayed event than they save
// the dashboard's few reads.
//
// Stored generated columns are copied as plain columns, and derive, returned, fills
// them once after the last event with the live table's expressions. PostgreSQL reads
// and compiles every generation expression of a table again for each statement that
// writes it, which took over a third of the database's time in a replay of one update
// per event; a generated value depends on its row alone, so computing it from the
// final row gives what the live table holds. A projector's statements therefore must
// not read a generated column of its own tables (none does; the tests compare a
// replayed copy with the live table row for row).
func (r *Replayer) createCopies(ctx context.Context, conn *pgx.Conn) (derive string, err error) {
	rows, err := conn.Query(ctx, `select t.name, format('%I.%I', n.nspname, c.relname), c.relpersistence = 't'
		from unnest($1::text[]) as t(name)
		left join pg_class c on c.oid = to_regclass(quote_ident(t.name))
		left join pg_namespace n on n.oid = c.relnamespace`, r.tables)
	if err != nil {
		return "", err
	}
	var ddl []string
	for rows.Next() {
		var name string
		var live *string
		var temporary *bool
		if err := rows.Scan(&name, &live, &temporary); err != nil {
			rows.Close()
			return "", err
		}
		if live == nil || temporary == nil || *temporary {
			rows.Close()
			return "", fmt.Errorf("replay: table %s is missing or already a temporary table on this connection", name)
		}
		ddl = append(ddl, `create temporary table `+pgx.Identifier{name}.Sanitize()+` (like `+*live+` including all excluding indexes excluding generated)`)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	keys, err := keyIndexes(ctx, conn, r.tables)
	if err != nil {
		return "", err
	}
	if derive, err = generated(ctx, conn, r.tables); err != nil {
		return "", err
	}
	// One round trip; several statements in one string run as one implicit transaction.
	if _, err := conn.Exec(ctx, strings.Join(append(ddl, keys...), ";\n")); err != nil {
		return "", fmt.Errorf("replay: create copies: %w", err)
	}
	// The name must now mean the copy: a search_path that names pg_temp after the
	// application's schema would send the projectors' writes to the live tables.
	var shadowed int
	if err := conn.QueryRow(ctx, `select count(*) from unnest($1::text[]) as t(name)
		join pg_class c on c.oid = to_regclass(quote_ident(t.name)) where c.relpersistence = 't'`, r.tables).Scan(&shadowed); err != nil {
		return "", err
	}
	if shadowed != len(r.tables) {
		return "", errors.New("replay: the temporary copies do not shadow the live tables (search_path names pg_temp late)")
	}
	return derive, nil
}

// generated returns the statements that fill the copies' stored generated columns
// with the live tables' generation expressions, read before the copies exist; empty
// when no table has one.
func generated(ctx context.Context, conn *pgx.Conn, tables []string) (string, error) {
	rows, err := conn.Query(ctx, `select t.name, string_agg(format('%I = (%s)', a.attname, pg_get_expr(d.adbin, d.adrelid)), ', ' order by a.attnum)
		from unnest($1::text[]) as t(name)
		join pg_attribute a on a.attrelid = to_regclass(quote_ident(t.name)) and a.attgenerated <> '' and not a.attisdropped
		join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
		group by t.name order by t.name`, tables)
	if err != nil {
		return "", err
	}
	sets, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (string, error) {
		var name, set string
		if err := row.Scan(&name, &set); err != nil {
			return "", err
		}
		return `update pg_temp.` + pgx.Identifier{name}.Sanitize() + ` set ` + set, nil
	})
	return strings.Join(sets, ";\n"), err
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

// pipeline applies the replayed events on the connection the log is read from, one
// batch per short transaction as the live subscriber applies them, but it sends a
// batch's statements behind the log's next read, in one round trip: the database
// applies one batch while this process decodes the next from the rows that came first,
// where otherwise each would wait for the other (decoding is about half as long as
// applying). It takes no second connection: a replay holding one while waiting for
// another could starve the pool (schema.WithConn). A store that does not read through
// the connection (EventStoreDB) never sends a read, and each batch then goes alone
// when the next arrives.
type pipeline struct {
	conn       *pgx.Conn
	projectors []projections.Projector

	tx   pgx.Tx              // the transaction of the batch handled last, still open
	w    *projections.Writer // its statements
	sent pgx.BatchResults    // the read and the statements sent behind it, results not all read
}

// apply waits for the batch before, then handles this one in a transaction of its
// own, whose statements go with the next read or with settle.
func (p *pipeline) apply(ctx context.Context, evs []events.Event) error {
	if err := p.settle(ctx); err != nil {
		return err
	}
	tx, err := p.conn.Begin(ctx)
	if err != nil {
		return err
	}
	p.tx, p.w = tx, projections.NewWriter(tx, "")
	for _, e := range evs {
		for _, pr := range p.projectors {
			if err := pr.Handle(ctx, p.w, e); err != nil {
				return fmt.Errorf("%s: event %s (%s, %s version %d): %w", pr.Name(), e.ID, e.Type, e.StreamID, e.StreamVersion, err)
			}
		}
	}
	return nil
}

// settle sends the last batch's statements if no read took them, waits for them and
// commits their transaction.
func (p *pipeline) settle(ctx context.Context) error {
	if p.tx == nil {
		return nil
	}
	tx, w, sent := p.tx, p.w, p.sent
	p.tx, p.w, p.sent = nil, nil, nil
	if sent != nil {
		if err := sent.Close(); err != nil {
			return err
		}
	}
	if err := w.Flush(ctx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Query runs one of the log's reads, with the statements of the batch handled last
// queued behind it in that batch's transaction. Its rows come back first, while the
// database goes on with the statements.
func (p *pipeline) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if p.tx == nil || p.sent != nil {
		if err := p.settle(ctx); err != nil {
			return nil, err
		}
		return p.conn.Query(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	b.QueuedQueries = append(b.QueuedQueries, p.w.Take().QueuedQueries...)
	p.sent = p.tx.SendBatch(ctx, b)
	return p.sent.Query()
}

// Exec runs a statement once the batch in flight has landed.
func (p *pipeline) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := p.settle(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return p.conn.Exec(ctx, sql, args...)
}

// QueryRow runs a query once the batch in flight has landed.
func (p *pipeline) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := p.settle(ctx); err != nil {
		return failedRow{err}
	}
	return p.conn.QueryRow(ctx, sql, args...)
}

type failedRow struct{ err error }

func (r failedRow) Scan(...any) error { return r.err }

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
