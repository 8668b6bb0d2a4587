package projections

import (
	"context"
	"errors"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/strata-grc/strata/events"
)

// feed is one projection's catch-up subscription and the events it has received but
// not yet applied.
type feed struct {
	sub     events.Subscription
	at      events.Position // the subscription started after this position
	pending []events.Event
}

func (f *feed) stop() {
	if f.sub != nil {
		f.sub.Close()
	}
	f.sub, f.pending = nil, nil
}

// follow is run for a subscriber fed by a catch-up subscription. The subscription
// only suggests what to apply: every batch still locks the checkpoint and applies
// only events after it, so an event is never applied twice, and whenever the
// checkpoint is not where the subscription stands (a failed batch, a rebuild's
// switch-over, another process) the subscription starts again from the checkpoint,
// so none is skipped.
func (s *Subscriber) follow(ctx context.Context, name string, out chan<- *message.Message) {
	f := &feed{}
	defer f.stop()
	rec := s.newRecovery(name)
	for {
		n, err := s.followBatch(ctx, name, f, out, rec.limit())
		switch {
		case errors.Is(err, errStopped):
			return
		case err != nil:
			f.stop()
			if !s.recover(ctx, rec, err) {
				return
			}
			continue
		}
		if n > 0 {
			s.applied(ctx, rec, f.at)
		} else if s.cfg.OnIdle != nil {
			s.cfg.OnIdle(name, f.at)
		}
	}
}

// followBatch waits (outside any transaction) for the subscription to deliver, then
// applies what it delivered after the checkpoint in one transaction.
func (s *Subscriber) followBatch(ctx context.Context, name string, f *feed, out chan<- *message.Message, limit int) (int, error) {
	if f.sub == nil {
		from, err := s.checkpoint(ctx, name)
		if err != nil {
			return 0, s.stopped(ctx, err)
		}
		if f.sub, err = s.cfg.Follow.Follow(ctx, from); err != nil {
			return 0, s.stopped(ctx, err)
		}
		f.at = from
	}
	if err := s.receive(ctx, f); err != nil {
		return 0, err
	}
	if len(f.pending) == 0 {
		return 0, nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, s.stopped(ctx, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	from, err := LockCheckpoint(ctx, tx, name)
	if err != nil {
		return 0, s.stopped(ctx, err)
	}
	if from != f.at {
		f.stop() // the checkpoint moved under the subscription: start again from it
		return 0, nil
	}
	take := min(len(f.pending), limit)
	batch := f.pending[:take]
	n, to, err := s.apply(ctx, tx, name, from, batch, out)
	if err != nil {
		return 0, err
	}
	f.at, f.pending = to, f.pending[take:]
	return n, nil
}

// receive waits up to IdlePoll for the first event, then takes what else has arrived
// without waiting, up to a batch. Events at or before the subscription's start are
// dropped: a backend may include the event at its start position.
func (s *Subscriber) receive(ctx context.Context, f *feed) error {
	last := f.at
	if n := len(f.pending); n > 0 {
		last = f.pending[n-1].Position()
	}
	add := func(e events.Event) {
		if e.Position().Compare(last) > 0 {
			f.pending = append(f.pending, e)
			last = e.Position()
		}
	}
	ended := func() error {
		err := f.sub.Err()
		if err == nil {
			err = errSubscriptionEnded
		}
		return s.stopped(ctx, err)
	}
	if len(f.pending) == 0 {
		t := time.NewTimer(s.cfg.IdlePoll)
		defer t.Stop()
		select {
		case e, ok := <-f.sub.Events():
			if !ok {
				return ended()
			}
			add(e)
		case <-t.C:
			return nil
		case <-ctx.Done():
			return errStopped
		case <-s.closing:
			return errStopped
		}
	}
	for len(f.pending) < s.cfg.BatchSize {
		select {
		case e, ok := <-f.sub.Events():
			if !ok {
				if len(f.pending) > 0 {
					return nil // apply what arrived; the next receive reports the end
				}
				return ended()
			}
			add(e)
		default:
			return nil
		}
	}
	return nil
}

var errSubscriptionEnded = errors.New("projections: the subscription ended")

// checkpoint reads a checkpoint without locking it, to start a subscription there.
func (s *Subscriber) checkpoint(ctx context.Context, name string) (events.Position, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return events.Position{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return LockCheckpoint(ctx, tx, name)
}
