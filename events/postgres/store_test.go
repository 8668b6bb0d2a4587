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
