package projections

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/schema"
)

// SubscriberConfig configures a Subscriber. Zero values take the defaults.
type SubscriberConfig struct {
	// BatchSize is how many events one transaction applies (default 500).
	BatchSize int
	// TableSuffix is appended to every table a projector writes ("" for live tables).
	TableSuffix string
	// Wakeup, when set, returns a channel closed at the next append, so an idle
	// subscriber reacts at once instead of waiting for IdlePoll.
	Wakeup func() <-chan struct{}
	// IdlePoll bounds how long an idle subscriber sleeps between reads (default 1s);
	// it catches appends made by other processes.
	IdlePoll time.Duration
	// RetryBackoff is the first wait after a failed batch, doubled up to 5s (default 100ms).
	RetryBackoff time.Duration
	// OnCommit is called after each committed batch with the checkpoint reached.
	OnCommit func(name string, pos events.Position, applied int)
	// OnIdle is called when a read finds nothing new.
	OnIdle func(name string, pos events.Position)
	// OnError is called when a batch fails and will be retried.
	OnError func(name string, err error)
	// HaltedRetry is the first wait before a projection halted on an event tries it
	// again (default 30s); the wait doubles up to eight times that.
	HaltedRetry time.Duration
	// OnHalt is called when a projection halts on an event it cannot apply, and again
	// at each failed retry of it; OnResume when the event finally applied.
	OnHalt   func(Failure)
	OnResume func(name string)
	// Follow, when set, feeds the subscriber from a catch-up subscription instead of
	// polling ReadAll: how a store that pushes events (EventStoreDB) is read.
	Follow events.Follower
	// Prefetch reads the next batch of the log on a connection of its own while a
	// full batch is being applied, for a checkpoint nothing else moves (a rebuild's).
	Prefetch bool
	// Prepare, when set, is given each prefetched batch on the goroutine that read it,
	// before the batch is applied (Preparer).
	Prepare func([]events.Event)
}

func (c *SubscriberConfig) setDefaults() {
	if c.BatchSize <= 0 {
		c.BatchSize = 500
	}
	if c.IdlePoll <= 0 {
		c.IdlePoll = time.Second
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = 100 * time.Millisecond
	}
	if c.HaltedRetry <= 0 {
		c.HaltedRetry = 30 * time.Second
	}
}

// Subscriber is a watermill subscriber over the event log. The topic is the
// checkpoint name. Each batch runs in one transaction that first locks the
// checkpoint row, so two processes never apply the same batch, and a rebuild can
// pause the live projector while it switches tables.
//
// Each message carries one batch (EventsFrom); it must be acked before the next is
// sent. A nack rolls the whole batch back and it is delivered again after a backoff.
type Subscriber struct {
	store events.Store
	pool  *pgxpool.Pool
	cfg   SubscriberConfig

	// tail, when the store can read its readable end, is watched for all projections
	// by one goroutine, started with the first subscription.
	tail      *tail
	tailStart sync.Once

	closing chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

// NewSubscriber returns a subscriber reading store and checkpointing in pool.
func NewSubscriber(store events.Store, pool *pgxpool.Pool, cfg SubscriberConfig) (*Subscriber, error) {
	if store == nil || pool == nil {
		return nil, errors.New("projections: subscriber needs a store and a pool")
	}
	cfg.setDefaults()
	s := &Subscriber{store: store, pool: pool, cfg: cfg, closing: make(chan struct{})}
	if hr, ok := store.(events.HeadReader); ok && cfg.Follow == nil {
		s.tail = newTail(hr)
	}
	return s, nil
}

// Subscribe implements message.Subscriber.
func (s *Subscriber) Subscribe(ctx context.Context, name string) (<-chan *message.Message, error) {
	if _, err := s.pool.Exec(ctx, `insert into checkpoints (name) values ($1) on conflict do nothing`, name); err != nil {
		return nil, fmt.Errorf("projections: checkpoint %s: %w", name, err)
	}
	if s.tail != nil {
		s.tailStart.Do(func() {
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.watch(s.tail)
			}()
		})
	}
	out := make(chan *message.Message)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(out)
		if s.cfg.Follow != nil {
			s.follow(ctx, name, out)
			return
		}
		s.run(ctx, name, out)
	}()
	return out, nil
}

// Close implements message.Subscriber.
func (s *Subscriber) Close() error {
	s.once.Do(func() { close(s.closing) })
	s.wg.Wait()
	return nil
}

// settle are the waits after an empty read that follows activity: a transaction that
// began before the last one committed may still be open and hold its events back.
var settle = []time.Duration{2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond}

// After the settle steps, a subscriber that was active within busyFor polls every
// busyPoll before falling back to IdlePoll.
const (
	busyFor  = time.Second
	busyPoll = 100 * time.Millisecond
)

func (s *Subscriber) run(ctx context.Context, name string, out chan<- *message.Message) {
	rec := s.newRecovery(name)
	quiet := len(settle) // reads that found nothing since the last activity
	emptyAhead := 0      // reads in a row that found nothing though the tail was ahead
	var active time.Time // last wake-up or applied batch
	// probe says the next batch may find nothing, so it looks before it locks: every
	// batch except the first and the one after a full batch. That includes a wake-up
	// by an append, which under load usually finds nothing yet: its events wait below
	// the horizon for older transactions (other projections' batches) to end. With 32
	// writers, 85% of the locked batches that wake-ups began rolled back empty, at five
	// round trips each; a look costs two.
	probe := false
	var next *prefetch
	for {
		var wake <-chan struct{}
		if s.cfg.Wakeup != nil {
			wake = s.cfg.Wakeup()
		}
		limit := rec.limit()
		n, pos, err := s.batch(ctx, name, out, limit, probe, &next)
		if s.tail != nil && (n > 0 || err != nil) {
			// Only a batch that wrote held a transaction id, and so held events back.
			s.tail.batchEnded()
		}
		switch {
		case errors.Is(err, errStopped):
			return
		case err != nil:
			if !s.recover(ctx, rec, err) {
				return
			}
			continue
		}
		if n > 0 {
			s.applied(ctx, rec, pos)
		}
		if n == limit {
			quiet, probe = 0, false
			continue
		}
		if n > 0 {
			quiet, active = 0, time.Now()
		} else if s.cfg.OnIdle != nil {
			s.cfg.OnIdle(name, pos)
		}
		if s.tail != nil {
			if head, _ := s.tail.now(); n == 0 && head.Compare(pos) > 0 {
				// The end said there was more and the read found none: the read took
				// its snapshot before the watcher's did. A fresh read finds it, after a
				// settle step so that nothing can turn this into a busy loop.
				if !s.sleep(ctx, settle[min(emptyAhead, len(settle)-1)], nil) {
					return
				}
				emptyAhead++
				probe = false
				continue
			}
			emptyAhead = 0
			ahead, ok := s.awaitTail(ctx, s.tail, pos)
			if !ok {
				return
			}
			probe = !ahead
			continue
		}
		woken := make(chan struct{}, 1)
		if !s.sleep(ctx, s.nextLook(&quiet, active), wake, woken) {
			return
		}
		probe = true
		select {
		case <-woken:
			quiet, active = 0, time.Now()
		default:
		}
	}
}

// nextLook is how long to wait before looking at the log again, quiet being the
// looks that found nothing since the last activity (counted here) and active when
// that activity was.
func (s *Subscriber) nextLook(quiet *int, active time.Time) time.Duration {
	switch {
	case *quiet < len(settle):
		*quiet++
		return settle[*quiet-1]
	case time.Since(active) < busyFor:
		// Recently busy: another transaction may hold events back for longer than
		// the settle steps, so keep looking often for a while before idling.
		return min(busyPoll, s.cfg.IdlePoll)
	}
	return s.cfg.IdlePoll
}

func (s *Subscriber) newRecovery(name string) *recovery {
	return &recovery{name: name, batchSize: s.cfg.BatchSize, backoff: s.cfg.RetryBackoff}
}

// recover reports a failed batch, records a halt, and waits before the next try;
// false when stopping.
func (s *Subscriber) recover(ctx context.Context, rec *recovery, err error) bool {
	if s.cfg.OnError != nil {
		s.cfg.OnError(rec.name, err)
	}
	wait, halt := rec.failed(&s.cfg, err, time.Now())
	if halt != nil {
		// Best effort: the halt is also in the log and the metrics of this process.
		_ = saveFailure(context.WithoutCancel(ctx), s.pool, *halt)
		if s.cfg.OnHalt != nil {
			s.cfg.OnHalt(*halt)
		}
	}
	return s.sleep(ctx, wait, nil)
}

// applied notes a committed batch; a halted projection that got past its event
// resumes.
func (s *Subscriber) applied(ctx context.Context, rec *recovery, pos events.Position) {
	if !rec.succeeded(&s.cfg, pos) {
		return
	}
	_ = clearFailure(context.WithoutCancel(ctx), s.pool, rec.name)
	if s.cfg.OnResume != nil {
		s.cfg.OnResume(rec.name)
	}
}

// sleep waits d, or until wake closes (reported on woken); false when stopping.
func (s *Subscriber) sleep(ctx context.Context, d time.Duration, wake <-chan struct{}, woken ...chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-wake:
		for _, w := range woken {
			w <- struct{}{}
		}
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

var errStopped = errors.New("projections: subscriber stopped")

// prefetch is a read of the log begun while the batch before it was applied.
type prefetch struct {
	from  events.Position
	limit int
	done  chan prefetched
}

type prefetched struct {
	evs []events.Event
	err error
}

// startPrefetch reads, on a pooled connection of its own, the limit events after from.
func (s *Subscriber) startPrefetch(ctx context.Context, from events.Position, limit int) *prefetch {
	p := &prefetch{from: from, limit: limit, done: make(chan prefetched, 1)}
	go func() {
		evs, err := s.store.ReadAll(ctx, from, limit)
		if err == nil && s.cfg.Prepare != nil {
			s.cfg.Prepare(evs)
		}
		p.done <- prefetched{evs: evs, err: err}
	}()
	return p
}

// batch applies up to limit events and commits them with the checkpoint.
// With probe it first looks whether there is anything to apply (nothingNew). With
// *next set it uses that read of the log when it starts where the checkpoint stands;
// with Prefetch configured it leaves in *next the read of the batch after a full one.
func (s *Subscriber) batch(ctx context.Context, name string, out chan<- *message.Message, limit int, probe bool,
	next **prefetch) (int, events.Position, error) {
	// Waited for before taking a connection: the read may need one from the pool.
	var early *prefetch
	var got prefetched
	if *next != nil {
		early, *next = *next, nil
		got = <-early.done
	}
	if probe && early == nil {
		if pos, idle := s.nothingNew(ctx, name); idle {
			return 0, pos, nil
		}
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, events.Position{}, s.stopped(ctx, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	from, err := LockCheckpoint(ctx, tx, name)
	if err != nil {
		return 0, from, s.stopped(ctx, err)
	}
	// The log is read through the batch's own transaction: asking the pool for a
	// second connection while holding this one could wait forever. A read made
	// earlier from this checkpoint serves as well: it returned events below a horizon
	// that only moves up, so they are the first ones after the checkpoint, in order.
	var evs []events.Event
	if early != nil && got.err == nil && early.from == from && early.limit == limit {
		evs = got.evs
	} else if evs, err = s.store.ReadAll(schema.WithConn(ctx, tx), from, limit); err != nil {
		return 0, from, s.stopped(ctx, err)
	}
	if len(evs) == 0 {
		return 0, from, nil
	}
	if s.cfg.Prefetch && len(evs) == limit {
		*next = s.startPrefetch(ctx, evs[len(evs)-1].Position(), limit)
	}
	return s.apply(ctx, tx, name, from, evs, out)
}

// nothingNew reports, without taking the checkpoint's lock, that the log holds nothing
// past the projection's checkpoint, with that checkpoint. After each batch a projection
// polls a few times in case an older transaction commits events late, and almost every
// such poll finds nothing: two reads instead of a transaction that locks, reads twice
// and rolls back. The checkpoint is read each time rather than
// remembered, because a rebuild's switch or a reset may move it back. On any doubt
// (an error, a missing checkpoint) it says no and batch takes the locked path, which
// reports the error.
func (s *Subscriber) nothingNew(ctx context.Context, name string) (events.Position, bool) {
	pos, err := readCheckpoint(ctx, s.pool, name)
	if err != nil {
		return pos, false
	}
	evs, err := s.store.ReadAll(ctx, pos, 1)
	return pos, err == nil && len(evs) == 0
}

// apply delivers a batch in tx and commits it with the checkpoint moved past it. A
// failure once the events are read is a *batchError naming them.
func (s *Subscriber) apply(ctx context.Context, tx pgx.Tx, name string, from events.Position, evs []events.Event, out chan<- *message.Message) (int, events.Position, error) {
	failed := func(err error) (int, events.Position, error) {
		if err = s.stopped(ctx, err); err == nil || errors.Is(err, errStopped) {
			return 0, from, err
		}
		return 0, from, &batchError{first: evs[0], last: evs[len(evs)-1], size: len(evs), err: err}
	}
	w := NewWriter(tx, s.cfg.TableSuffix)
	w.events = evs
	if err := s.deliver(context.WithValue(ctx, writerKey{}, w), out, evs); err != nil {
		return failed(err)
	}
	// The checkpoint moves in the same round trip as the batch's writes: the
	// transaction holds an id from its first write on, and every round trip until
	// it commits keeps the events appended meanwhile from every projection.
	to := evs[len(evs)-1].Position()
	w.releaseAll()
	w.batch.Queue(saveCheckpointSQL, checkpointArgs(name, to)...)
	if err := w.Flush(ctx); err != nil {
		return failed(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return failed(err)
	}
	if s.cfg.OnCommit != nil {
		s.cfg.OnCommit(name, to, len(evs))
	}
	return len(evs), to, nil
}

// deliver hands a batch to the handler as one message and waits for its verdict. One
// message per batch rather than per event: the router runs each message on a goroutine
// of its own, and per event that hand-off (a fresh goroutine growing its stack, a
// channel round, the context's values looked up through watermill's layers) was
// about a third of a rebuild's processor time in Go. The batch is acked or nacked
// whole, as its transaction commits or rolls back whole.
func (s *Subscriber) deliver(ctx context.Context, out chan<- *message.Message, evs []events.Event) error {
	first, last := evs[0], evs[len(evs)-1]
	msg := message.NewMessage(first.ID.String(), nil)
	msg.Metadata.Set("first_position", strconv.FormatInt(first.GlobalPosition, 10))
	msg.Metadata.Set("last_position", strconv.FormatInt(last.GlobalPosition, 10))
	msg.Metadata.Set("events", strconv.Itoa(len(evs)))
	var handlerErr error
	msg.SetContext(context.WithValue(context.WithValue(ctx, eventsKey{}, evs), failureKey{}, &handlerErr))
	select {
	case out <- msg:
	case <-ctx.Done():
		return errStopped
	case <-s.closing:
		return errStopped
	}
	// Once a handler has the message it is using the batch's transaction, so the
	// batch may not roll back under it: wait for its verdict even when stopping. The
	// router lets running handlers finish, so the verdict comes.
	select {
	case <-msg.Acked():
		return nil
	case <-msg.Nacked():
		if handlerErr == nil {
			return errors.New("batch not applied")
		}
		return handlerErr
	}
}

func (s *Subscriber) stopped(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	select {
	case <-s.closing:
		return errStopped
	default:
	}
	if ctx.Err() != nil {
		return errStopped
	}
	return err
}

// LockCheckpoint reads a checkpoint and locks it until tx ends. The lock is advisory
// rather than a row lock because a row lock gives the transaction an id at once, and
// an open transaction id holds back the snapshot horizon that ReadAll reads below.
func LockCheckpoint(ctx context.Context, tx pgx.Tx, name string) (events.Position, error) {
	// Two statements: the read must take its snapshot after the lock is granted, or it
	// could see a checkpoint that the lock holder has since moved.
	// Advisory locks are per database, so the key includes this schema's checkpoints
	// table: projections of the same name in other schemas do not wait on each other.
	//
	// The transaction commits without waiting for its WAL to reach the disk. What it
	// writes is derived from events that are already durable, and the checkpoint moves
	// with it, so a crash can only lose the last batches whole, and the projection
	// applies them again. Waiting for the flush would keep the transaction's id open
	// for the length of an fsync, and every open id holds back what every projection
	// may read (ReadAll stops below the oldest one): under load, that wait was most of
	// the delay between an append and its appearance in the read models. WAL is
	// flushed in order, so any later synchronous commit (an append) makes these
	// durable too.
	//
	// For the same reason its GIN indexes (text search) take new entries into a
	// pending list of at most 128 kB rather than the default 4 MB: whichever insert
	// finds the list full merges it into the index, and merging 4 MB took a trail
	// batch over 100 ms, during which every projection waited.
	const lockSQL = `select pg_advisory_xact_lock('checkpoints'::regclass::oid::int, hashtext($1)),
		set_config('synchronous_commit', 'off', true), set_config('gin_pending_list_limit', '128', true)`
	if _, err := tx.Exec(ctx, lockSQL, name); err != nil {
		return events.Position{}, err
	}
	return readCheckpoint(ctx, tx, name)
}

// readCheckpoint reads a projection's checkpoint through q.
func readCheckpoint(ctx context.Context, q schema.Querier, name string) (events.Position, error) {
	var xid string
	var pos events.Position
	err := q.QueryRow(ctx, `select transaction_id::text, position from checkpoints where name = $1`, name).
		Scan(&xid, &pos.GlobalPosition)
	if errors.Is(err, pgx.ErrNoRows) {
		return pos, fmt.Errorf("projections: no checkpoint named %s", name)
	}
	if err != nil {
		return pos, err
	}
	pos.TransactionID, err = strconv.ParseUint(xid, 10, 64)
	return pos, err
}

const saveCheckpointSQL = `insert into checkpoints (name, transaction_id, position, updated_at)
	values ($1, $2::text::xid8, $3, now())
	on conflict (name) do update set transaction_id = excluded.transaction_id,
		position = excluded.position, updated_at = excluded.updated_at`

func checkpointArgs(name string, pos events.Position) []any {
	return []any{name, strconv.FormatUint(pos.TransactionID, 10), pos.GlobalPosition}
}

// SaveCheckpoint moves a checkpoint.
func SaveCheckpoint(ctx context.Context, tx pgx.Tx, name string, pos events.Position) error {
	_, err := tx.Exec(ctx, saveCheckpointSQL, checkpointArgs(name, pos)...)
	return err
}
