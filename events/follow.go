package events

import (
	"context"
	"time"
)

// Follower is a store that pushes events to a reader (a catch-up subscription)
// rather than waiting to be polled.
type Follower interface {
	// Follow delivers every event after from in ReadAll's order: those already stored,
	// then each new one as it is appended. It ends when ctx ends or the subscription
	// fails; the channel then closes and Err says why.
	Follow(ctx context.Context, from Position) (Subscription, error)
}

// Subscription is one Follow.
type Subscription interface {
	Events() <-chan Event
	// Err is why Events closed: nil after the context ended.
	Err() error
	// Close ends the subscription and waits for its goroutine.
	Close()
}

// PollingFollower follows any store by reading it every Interval: what a store offers
// when it has no push of its own, and how tests drive a subscription's consumer
// against a real store.
type PollingFollower struct {
	Store    Store
	Interval time.Duration
	// Batch is how many events one read takes (default 500).
	Batch int
}

// Follow implements Follower.
func (p PollingFollower) Follow(ctx context.Context, from Position) (Subscription, error) {
	batch := p.Batch
	if batch <= 0 {
		batch = 500
	}
	return NewSubscription(ctx, 64, func(ctx context.Context, out chan<- Event) error {
		for {
			evs, err := p.Store.ReadAll(ctx, from, batch)
			if err != nil {
				return err
			}
			for _, e := range evs {
				select {
				case out <- e:
				case <-ctx.Done():
					return nil
				}
				from = e.Position()
			}
			if len(evs) == batch {
				continue
			}
			select {
			case <-time.After(p.Interval):
			case <-ctx.Done():
				return nil
			}
		}
	}), nil
}

// chanSubscription is a Subscription fed by one goroutine.
type chanSubscription struct {
	ch     chan Event
	err    error // written before ch closes
	cancel context.CancelFunc
	done   chan struct{}
}

func (s *chanSubscription) Events() <-chan Event { return s.ch }
func (s *chanSubscription) Err() error           { <-s.done; return s.err }
func (s *chanSubscription) Close()               { s.cancel(); <-s.done }

// NewSubscription returns a subscription fed by run, which sends on the channel
// until ctx ends or it fails; its error becomes Err. Backends use it to wrap their
// own push mechanism.
func NewSubscription(ctx context.Context, buffer int, run func(ctx context.Context, out chan<- Event) error) Subscription {
	ctx, cancel := context.WithCancel(ctx)
	s := &chanSubscription{ch: make(chan Event, buffer), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.ch)
		if err := run(ctx, s.ch); err != nil && ctx.Err() == nil {
			s.err = err
		}
	}()
	return s
}
