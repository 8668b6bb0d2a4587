package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/events/storetest"
	"github.com/strata-grc/strata/schema/testdb"
)

// An append in one process wakes subscribers in another through LISTEN/NOTIFY.
func TestAppendWakesOtherProcesses(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := testdb.New(t)
	writer := postgres.New(db.Pool)
	writer.StartNotifying(ctx)
	reader := postgres.New(db.Pool) // stands in for another process: it shares no memory with writer
	go postgres.Listen(ctx, db.Pool, reader.Wakeup())

	// Wait for the listener's first signal, which it sends once it is listening.
	select {
	case <-reader.Wakeup().C():
	case <-time.After(5 * time.Second):
		t.Fatal("listener never started")
	}
	for i := range 3 {
		woken := reader.Wakeup().C()
		if _, err := writer.Append(ctx, "thing-notify", events.Any(), storetest.Meta, storetest.NewEvents(1)...); err != nil {
			t.Fatal(err)
		}
		select {
		case <-woken:
		case <-time.After(5 * time.Second):
			t.Fatalf("append %d did not wake the other store's subscribers", i)
		}
	}
}
