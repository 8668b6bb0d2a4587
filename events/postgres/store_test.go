package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/events/storetest"
	"github.com/strata-grc/strata/schema/testdb"
)

func TestContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) events.Store { return postgres.New(testdb.New(t).Pool) })
}

func TestEventsAreAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	s := postgres.New(db.Pool)
	if _, err := s.Append(ctx, "thing-1", events.NoStream(), storetest.Meta, storetest.NewEvents(2)...); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`update events set type = 'Forged'`,
		`delete from events`,
		`truncate events`,
		`update events set data = '{}' where stream_version = 1`,
	} {
		_, err := db.Pool.Exec(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the append-only trigger to refuse", stmt, err)
		}
	}
	got, _ := s.ReadStream(ctx, "thing-1", events.ReadOptions{})
	if len(got) != 2 || got[0].Type != "ThingHappened" {
		t.Fatalf("the log changed: %+v", got)
	}
}

// Subscriber order compares transaction ids as numbers: "100000" sorts before "99999"
// as text, and reading in that order would skip or repeat events.
func TestReadAllOrdersTransactionsNumerically(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	for _, xid := range []string{"100000", "99999"} { // both long committed on any server this old
		_, err := db.Pool.Exec(ctx, `insert into events (transaction_id, event_id, stream_id, stream_version, type, data, metadata)
			values ($1::xid8, gen_random_uuid(), 'thing-'||$1, 1, 'ThingHappened', '{}', '{"org_id":1}')`, xid)
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := postgres.New(db.Pool).ReadAll(ctx, events.Position{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].TransactionID != 99999 || got[1].TransactionID != 100000 {
		t.Fatalf("read %+v, want transaction 99999 before 100000", got)
	}
	rest, err := postgres.New(db.Pool).ReadAll(ctx, got[0].Position(), 10)
	if err != nil || len(rest) != 1 || rest[0].TransactionID != 100000 {
		t.Fatalf("after 99999: %+v %v", rest, err)
	}
}
