package projections

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/schema"
)

// rebuildSuffix names the fresh tables a rebuild fills before it switches over.
const rebuildSuffix = "_rebuild"

// RebuildResult says what a rebuild did.
type RebuildResult struct {
	Events   int
	Position events.Position
	Elapsed  time.Duration
}

// RebuildConfig configures Rebuild.
type RebuildConfig struct {
	BatchSize int
	// Progress, when set, is called after every committed batch.
	Progress func(applied int, pos events.Position)
}

// Rebuild replays the whole log into fresh copies of a projector's tables, through the
// same watermill handler the live projection uses, then switches the copies in and
// moves the live checkpoint in one short transaction. Queries keep reading the old
// tables until that transaction commits; the live projector pauses only for it.
func Rebuild(ctx context.Context, store events.Store, pool *pgxpool.Pool, p Projector, cfg RebuildConfig) (RebuildResult, error) {
	start := time.Now()
	name := p.Name()
	tmpName := name + ".rebuild"
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 2000
	}
	// The fresh tables start with their primary and unique keys only, which the
	// projector's writes need; every other index is built once, after the replay,
	// instead of being updated a million times during it.
	var deferred []indexDefinition
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := checkMayReplace(ctx, tx, p.Tables()); err != nil {
			return err
		}
		for _, t := range p.Tables() {
			fresh := pgx.Identifier{t + rebuildSuffix}.Sanitize()
			if _, err := tx.Exec(ctx, `drop table if exists `+fresh); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `create table `+fresh+` (like `+pgx.Identifier{t}.Sanitize()+` including all excluding indexes)`); err != nil {
				return err
			}
			if err := keepAccess(ctx, tx, t, t+rebuildSuffix); err != nil {
				return err
			}
			defs, err := indexDefinitions(ctx, tx, t)
			if err != nil {
				return err
			}
			for _, d := range defs {
				if d.key {
					if _, err := tx.Exec(ctx, d.sql); err != nil {
						return fmt.Errorf("index on %s: %w", t, err)
					}
				} else {
					deferred = append(deferred, d)
				}
			}
		}
		_, err := tx.Exec(ctx, `delete from checkpoints where name = $1`, tmpName)
		return err
	}); err != nil {
		return RebuildResult{}, fmt.Errorf("rebuild %s: prepare tables: %w", name, err)
	}

	// The bulk phase ends once it passed what the log held when the rebuild began, or
	// read a short batch, or found nothing more: under steady writes a read that finds
	// nothing may never come. What arrives later is applied during the switch-over. A
	// log that cannot tell its head (one kept outside PostgreSQL) ends on a short batch.
	startHead := int64(math.MaxInt64)
	if hr, ok := store.(headReader); ok {
		var err error
		if startHead, err = hr.Head(ctx); err != nil {
			return RebuildResult{}, err
		}
	}
	// What the log held when the rebuild began must be readable before the bulk
	// phase starts: a transaction still open anywhere on the server keeps it from
	// ReadAll, and a first read that finds nothing ends the bulk phase. A rebuild run
	// while the server is busy could finish without the last events appended before
	// it, left for a live projection that may not be running.
	if st, ok := store.(settler); ok {
		if err := st.Settle(ctx); err != nil {
			return RebuildResult{}, fmt.Errorf("rebuild %s: %w", name, err)
		}
	}
	total := 0
	progress := func(n int, pos events.Position) {
		total += n
		if cfg.Progress != nil {
			cfg.Progress(total, pos)
		}
	}
	caughtUp := make(chan struct{})
	halted := make(chan Failure, 1)
	defer clearFailure(context.WithoutCancel(ctx), pool, tmpName)
	var closeOnce bool
	markCaughtUp := func() {
		if !closeOnce {
			closeOnce = true
			close(caughtUp)
		}
	}
	var prepare func([]events.Event)
	if pp, ok := p.(Preparer); ok {
		prepare = pp.Prepare
	}
	sub, err := NewSubscriber(store, pool, SubscriberConfig{
		BatchSize:   cfg.BatchSize,
		TableSuffix: rebuildSuffix,
		Prefetch:    true, // only the rebuild moves its checkpoint
		Prepare:     prepare,
		IdlePoll:    50 * time.Millisecond,
		OnCommit: func(_ string, pos events.Position, n int) {
			progress(n, pos)
			if pos.GlobalPosition >= startHead || n < cfg.BatchSize {
				markCaughtUp()
			}
		},
		OnIdle: func(string, events.Position) { markCaughtUp() },
		// A rebuild stops at an event it cannot apply, naming it, rather than wait for
		// a fix the way a live projection does.
		OnHalt: func(f Failure) {
			select {
			case halted <- f:
			default:
			}
		},
	})
	if err != nil {
		return RebuildResult{}, err
	}
	router, err := message.NewRouter(message.RouterConfig{}, watermill.NopLogger{})
	if err != nil {
		return RebuildResult{}, err
	}
	router.AddConsumerHandler(tmpName, tmpName, sub, Handler(p))
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- router.Run(runCtx) }()
	select {
	case <-caughtUp:
	case f := <-halted:
		cancel()
		<-done
		return RebuildResult{}, fmt.Errorf("rebuild %s: %w", name, &f)
	case err := <-done:
		cancel()
		return RebuildResult{}, fmt.Errorf("rebuild %s: %w", name, err)
	case <-ctx.Done():
		cancel()
		<-done
		return RebuildResult{}, ctx.Err()
	}
	cancel()
	_ = router.Close()
	<-done

	if err := buildDeferred(ctx, pool, p, deferred); err != nil {
		return RebuildResult{}, fmt.Errorf("rebuild %s: %w", name, err)
	}
	pos, err := switchOver(ctx, store, pool, p, tmpName, progress)
	if err != nil {
		return RebuildResult{}, fmt.Errorf("rebuild %s: switch over: %w", name, err)
	}
	return RebuildResult{Events: total, Position: pos, Elapsed: time.Since(start)}, nil
}

// deferredBuilders is how many of the deferred indexes are built at once. PostgreSQL
// 15 builds a GIN index (text search) in one process, and it takes most of the time:
// a second connection builds the B-tree indexes beside it rather than after it.
const deferredBuilders = 2

// buildDeferred builds the indexes left out of the fresh tables, the GIN ones first
// since they take longest, then analyses the tables. Until then the planner knows
// nothing of them, and a query planned blind can take seconds where it should take
// milliseconds (autovacuum would get there, but only later); the analysis comes after
// the indexes because it also gathers statistics on their expressions.
func buildDeferred(ctx context.Context, pool *pgxpool.Pool, p Projector, deferred []indexDefinition) error {
	indexes := make([]string, 0, len(deferred))
	for _, gin := range []bool{true, false} {
		for _, d := range deferred {
			if (d.method == "gin") == gin {
				indexes = append(indexes, d.sql)
			}
		}
	}
	analyses := make([]string, 0, len(p.Tables()))
	for _, t := range p.Tables() {
		analyses = append(analyses, `analyze `+pgx.Identifier{t + rebuildSuffix}.Sanitize())
	}
	for _, step := range [][]string{indexes, analyses} {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(deferredBuilders)
		for _, sql := range step {
			g.Go(func() error {
				// An index over a million rows may take longer than a request's
				// statement is allowed to; nothing waits on these tables yet.
				err := pgx.BeginFunc(gctx, pool, func(tx pgx.Tx) error {
					if _, err := tx.Exec(gctx, `set local statement_timeout = 0`); err != nil {
						return err
					}
					_, err := tx.Exec(gctx, sql)
					return err
				})
				if err != nil {
					return fmt.Errorf("%s: %w", sql, err)
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
	}
	return nil
}

// Switch-over bounds. The live projection and every reader of its tables wait while
// the switch-over holds its locks, so it takes them only once little is left to
// apply, takes all the tables' locks in one statement, and waits for them at most
// switchLockWait before it lets go and tries again. That wait is shorter than
// PostgreSQL's deadlock_timeout (1s by default), so when a reader holding one of the
// tables waits for another, the switch-over gives way rather than the reader being
// aborted as a deadlock's victim.
const (
	switchRemainder = 200
	switchLockWait  = "200ms"
	switchAttempts  = 30
)

// switchOver brings the fresh tables close to the head of the log in short
// transactions, then swaps tables and checkpoint while holding the live projection's
// checkpoint lock.
func switchOver(ctx context.Context, store events.Store, pool *pgxpool.Pool, p Projector, tmpName string,
	progress func(int, events.Position)) (events.Position, error) {
	for attempt := 1; ; attempt++ {
		if err := catchUp(ctx, store, pool, p, tmpName, progress); err != nil {
			return events.Position{}, err
		}
		pos, err := trySwitch(ctx, pool, p, tmpName)
		if err == nil {
			return pos, nil
		}
		if !schema.Busy(err) || attempt == switchAttempts {
			return pos, err
		}
		select {
		case <-ctx.Done():
			return pos, ctx.Err()
		case <-time.After(min(time.Duration(attempt)*50*time.Millisecond, 500*time.Millisecond)):
		}
	}
}

// catchUp applies what arrived since the bulk replay into the fresh tables, a batch
// per transaction, until a batch finds fewer than switchRemainder events.
func catchUp(ctx context.Context, store events.Store, pool *pgxpool.Pool, p Projector, tmpName string,
	progress func(int, events.Position)) error {
	for {
		var n int
		var at events.Position
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			pos, err := LockCheckpoint(ctx, tx, tmpName)
			if err != nil {
				return err
			}
			evs, err := store.ReadAll(schema.WithConn(ctx, tx), pos, 2000)
			if err != nil || len(evs) == 0 {
				return err
			}
			if err := applyAll(ctx, NewWriter(tx, rebuildSuffix), p, evs); err != nil {
				var ee *EventError
				if errors.As(err, &ee) {
					f := newFailure(tmpName, ee.Event, ee, time.Now())
					return &f
				}
				return err
			}
			n, at = len(evs), evs[len(evs)-1].Position()
			return SaveCheckpoint(ctx, tx, tmpName, at)
		})
		if err != nil {
			return err
		}
		if n > 0 {
			progress(n, at)
		}
		if n < switchRemainder {
			return nil
		}
	}
}

// trySwitch swaps the tables and moves the live checkpoint to where the fresh tables
// stand, in one transaction. What arrived since the last catch-up is left to the live
// projection, which resumes from there into the swapped-in tables: the locks are
// held for the renames only, however fast the log grows.
func trySwitch(ctx context.Context, pool *pgxpool.Pool, p Projector, tmpName string) (events.Position, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return events.Position{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `select set_config('lock_timeout', $1, true)`, switchLockWait); err != nil {
		return events.Position{}, err
	}
	if _, err := tx.Exec(ctx, `insert into checkpoints (name) values ($1) on conflict do nothing`, p.Name()); err != nil {
		return events.Position{}, err
	}
	if _, err := LockCheckpoint(ctx, tx, p.Name()); err != nil {
		return events.Position{}, err
	}
	pos, err := LockCheckpoint(ctx, tx, tmpName)
	if err != nil {
		return events.Position{}, err
	}
	live := make([]string, len(p.Tables()))
	for i, t := range p.Tables() {
		live[i] = pgx.Identifier{t}.Sanitize()
	}
	if _, err := tx.Exec(ctx, `lock table `+strings.Join(live, ", ")+` in access exclusive mode`); err != nil {
		return pos, err
	}
	for _, t := range p.Tables() {
		live, fresh, old := pgx.Identifier{t}.Sanitize(), pgx.Identifier{t + rebuildSuffix}.Sanitize(), t+"_replaced"
		if _, err := tx.Exec(ctx, `alter table `+live+` rename to `+pgx.Identifier{old}.Sanitize()); err != nil {
			return pos, err
		}
		if _, err := tx.Exec(ctx, `alter table `+fresh+` rename to `+pgx.Identifier{t}.Sanitize()); err != nil {
			return pos, err
		}
		if _, err := tx.Exec(ctx, `drop table `+pgx.Identifier{old}.Sanitize()); err != nil {
			return pos, err
		}
	}
	if err := SaveCheckpoint(ctx, tx, p.Name(), pos); err != nil {
		return pos, err
	}
	if _, err := tx.Exec(ctx, `delete from checkpoints where name = $1`, tmpName); err != nil {
		return pos, err
	}
	return pos, tx.Commit(ctx)
}

// applyAll hands events to the projector and sends its writes; a failure names the
// event.
func applyAll(ctx context.Context, w *Writer, p Projector, evs []events.Event) error {
	w.events = evs
	for _, e := range evs {
		if err := p.Handle(ctx, w, e); err != nil {
			return &EventError{Event: e, Err: err}
		}
	}
	return w.Flush(ctx)
}

type indexDefinition struct {
	sql    string
	key    bool   // primary key or unique: needed while the projector writes
	method string // the access method: btree, gin, ...
}

// indexDefinitions returns statements that create, on table+rebuildSuffix, the
// indexes the live table has.
func indexDefinitions(ctx context.Context, tx pgx.Tx, table string) ([]indexDefinition, error) {
	rows, err := tx.Query(ctx, `select i.indisprimary, i.indisunique, c.relname,
			pg_get_indexdef(i.indexrelid), pg_get_constraintdef(k.oid), am.amname::text
		from pg_index i
		join pg_class c on c.oid = i.indexrelid
		join pg_am am on am.oid = c.relam
		left join pg_constraint k on k.conindid = i.indexrelid and k.contype = 'p'
		where i.indrelid = $1::regclass`, pgx.Identifier{table}.Sanitize())
	if err != nil {
		return nil, err
	}
	fresh := pgx.Identifier{table + rebuildSuffix}.Sanitize()
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (indexDefinition, error) {
		var primary, unique bool
		var name, def, method string
		var constraint *string
		if err := row.Scan(&primary, &unique, &name, &def, &constraint, &method); err != nil {
			return indexDefinition{}, err
		}
		if primary && constraint != nil {
			return indexDefinition{sql: `alter table ` + fresh + ` add ` + *constraint, key: true, method: method}, nil
		}
		// "CREATE [UNIQUE] INDEX name ON schema.table USING ..." -> a fresh name on the
		// fresh table; PostgreSQL picks the name when it is left out.
		on := strings.Index(def, " ON ")
		using := strings.Index(def, " USING ")
		if on < 0 || using < on {
			return indexDefinition{}, fmt.Errorf("unexpected index definition %q", def)
		}
		head := "create index"
		if unique {
			head = "create unique index"
		}
		return indexDefinition{sql: head + " on " + fresh + def[using:], key: unique, method: method}, nil
	})
}

// settler is a store that can wait until what it holds is readable.
type settler interface {
	Settle(ctx context.Context) error
}
