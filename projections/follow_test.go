package projections_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/events/storetest"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema/testdb"
)

// flakyFollower follows a real store and misbehaves as a remote subscription may: it
// drops after a random number of events, and sometimes sends an event again.
type flakyFollower struct {
	inner events.Follower
	drops atomic.Int64
	seed  atomic.Uint64
}

func (f *flakyFollower) Follow(ctx context.Context, from events.Position) (events.Subscription, error) {
	rng := rand.New(rand.NewPCG(f.seed.Add(1), 99))
	return events.NewSubscription(ctx, 16, func(ctx context.Context, out chan<- events.Event) error {
		// Opened under the subscription's own context, so closing it ends the inner one.
		up, err := f.inner.Follow(ctx, from)
		if err != nil {
			return err
		}
		defer up.Close()
		budget := 1 + rng.IntN(300)
		var prev *events.Event
		for e := range up.Events() {
			if budget--; budget == 0 {
				f.drops.Add(1)
				return errors.New("connection reset by peer")
			}
			batch := []events.Event{e}
			if prev != nil && rng.IntN(20) == 0 {
				batch = []events.Event{*prev, e} // a redelivery after a reconnect
			}
			for _, x := range batch {
				select {
				case out <- x:
				case <-ctx.Done():
					return nil
				}
			}
			prev = &e
		}
		return up.Err()
	}), nil
}

// failingOnce refuses a few events the first time it sees them, as a projector whose
// database write fails would: the whole batch rolls back and comes again.
type failingOnce struct {
	*recorder
	mu     sync.Mutex
	failed map[uuid.UUID]bool
}

func (f *failingOnce) Handle(ctx context.Context, w *projections.Writer, e events.Event) error {
	f.mu.Lock()
	fail := e.ID[15]%97 == 0 && !f.failed[e.ID]
	if fail {
		f.failed[e.ID] = true
	}
	f.mu.Unlock()
	if fail {
		return fmt.Errorf("refusing %s once", e.ID)
	}
	return f.recorder.Handle(ctx, w, e)
}

// TestFollowedSubscriberAppliesEachEventOnce feeds a subscriber from a catch-up
// subscription that keeps dropping and redelivering while writers append and the
// projector fails now and then. Every event must be applied exactly once, in log
// order; the read model is the proof (its primary key refuses a second application).
func TestFollowedSubscriberAppliesEachEventOnce(t *testing.T) {
	t.Parallel()
	const (
		writers = 6
		each    = 400
		name    = "followed"
	)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := testdb.New(t)
	if _, err := db.Pool.Exec(ctx, `create table seen (
		event_id uuid primary key, stream_id text not null, stream_version bigint not null)`); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(db.Pool)
	follower := &flakyFollower{inner: events.PollingFollower{Store: store, Interval: 5 * time.Millisecond, Batch: 37}}
	var batchErrors atomic.Int64
	var lastErr atomic.Value
	sub, err := projections.NewSubscriber(store, db.Pool, projections.SubscriberConfig{
		BatchSize: 50, IdlePoll: 20 * time.Millisecond, RetryBackoff: time.Millisecond, Follow: follower,
		OnError: func(_ string, err error) { batchErrors.Add(1); lastErr.Store(err.Error()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := &failingOnce{recorder: &recorder{name: name}, failed: map[uuid.UUID]bool{}}
	router, err := message.NewRouter(message.RouterConfig{}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	router.AddConsumerHandler(name, name, sub, projections.Handler(rec))
	startRouter(ctx, t, router, sub)

	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				stream := fmt.Sprintf("thing-%d-%d", w, i%7)
				if _, err := store.Append(ctx, stream, events.Any(), storetest.Meta, storetest.NewEvents(1)...); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	const total = writers * each
	deadline := time.Now().Add(45 * time.Second)
	for {
		var n int
		if err := db.Pool.QueryRow(ctx, `select count(*) from seen`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == total {
			break
		}
		if time.Now().After(deadline) {
			st, _ := projections.Status(ctx, db.Pool, store, []string{name})
			var held []string
			if rows, err := db.Pool.Query(ctx, `select backend_xid::text || ' ' || state || ' ' || left(query, 80)
				from pg_stat_activity where backend_xid is not null`); err == nil {
				for rows.Next() {
					var x string
					_ = rows.Scan(&x)
					held = append(held, x)
				}
			}
			t.Fatalf("%d of %d events applied; status %+v; %d drops, %d failed batches, last error %v; transactions holding ids: %q",
				n, total, st, follower.drops.Load(), batchErrors.Load(), lastErr.Load(), held)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Applied once each, in log order: the recorder keeps what committed batches saw
	// and what rolled-back ones saw, so compare against the table and the log.
	rows, err := db.Pool.Query(ctx, `select e.event_id from events e left join seen s using (event_id)
		where s.event_id is null`)
	if err != nil {
		t.Fatal(err)
	}
	var missing int
	for rows.Next() {
		missing++
	}
	if missing > 0 {
		t.Fatalf("%d events never applied", missing)
	}
	st, err := projections.Status(ctx, db.Pool, store, []string{name})
	if err != nil || st[0].Behind != 0 {
		t.Fatalf("status %+v %v, want caught up", st, err)
	}
	if follower.drops.Load() == 0 || batchErrors.Load() == 0 {
		t.Fatalf("the subscription never dropped (%d) or no batch failed (%d): the test proved nothing",
			follower.drops.Load(), batchErrors.Load())
	}
	t.Logf("%d events applied once each through %d dropped subscriptions and %d failed batches",
		total, follower.drops.Load(), batchErrors.Load())
}
