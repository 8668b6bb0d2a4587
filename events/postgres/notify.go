package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Channel is the LISTEN/NOTIFY channel that tells other processes the log grew.
const Channel = "strata_events"

// notifyEvery bounds how often one process notifies: appends in between share one
// notification, so a burst of writes costs a handful of NOTIFYs, not one each.
const notifyEvery = 5 * time.Millisecond

// StartNotifying makes the store announce its appends on Channel until ctx ends.
// NOTIFY is sent after the append committed, in its own statement, because a NOTIFY
// inside the appending transaction would serialise every commit on the server's
// notification queue lock.
func (s *Store) StartNotifying(ctx context.Context) {
	s.notifyMu.Lock()
	defer s.notifyMu.Unlock()
	if s.pending != nil {
		return
	}
	s.pending = make(chan struct{}, 1)
	go func() {
		t := time.NewTicker(notifyEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.pending:
			}
			// A failed notify is not retried: listeners still poll, so it only delays
			// other processes by one poll interval.
			_, _ = s.pool.Exec(ctx, `select pg_notify($1, '')`, Channel)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (s *Store) announce() {
	s.notifyMu.Lock()
	ch := s.pending
	s.notifyMu.Unlock()
	if ch == nil {
		return
	}
	select {
	case ch <- struct{}{}:
	default: // a notification is already due
	}
}

// Listen wakes w whenever any process announces an append, until ctx ends. It holds
// one connection of its own and reconnects after failures.
func Listen(ctx context.Context, pool *pgxpool.Pool, w *Wakeup) {
	for ctx.Err() == nil {
		_ = listenOnce(ctx, pool, w)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func listenOnce(ctx context.Context, pool *pgxpool.Pool, w *Wakeup) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A connection that has listened must not go back to the pool.
	c := conn.Hijack()
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := c.Exec(ctx, "listen "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return err
	}
	w.Signal() // appends may have happened while no one listened
	for {
		if _, err := c.WaitForNotification(ctx); err != nil {
			return err
		}
		w.Signal()
	}
}
