package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/schema/testdb"
)

// BenchmarkReadAll reads a page of 500 events of the log, as every projection does
// for each batch; it prints the time and allocations per page.
//
//	go test -run '^$' -bench BenchmarkReadAll ./events/postgres/
func BenchmarkReadAll(b *testing.B) {
	ctx := context.Background()
	store := postgres.New(testdb.New(b).Pool)
	meta := events.Metadata{OrgID: 1, ActorID: 42, ActorName: "Dana Reviewer", CorrelationID: uuid.NewString(),
		IP: "203.0.113.7", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36"}
	for i := range 100 {
		evs := make([]events.NewEvent, 5)
		for j := range evs {
			evs[j] = events.NewEvent{ID: uuid.New(), Type: "RiskCreated",
				Data: []byte(fmt.Sprintf(`{"risk_id":%d,"title":"Vendor outage %d","description":"A supplier's service stops for a day or more.","category":"operational","status":"identified","likelihood":3,"impact":4}`, i*5+j, j))}
		}
		if _, err := store.Append(ctx, fmt.Sprintf("risk-%d", i), events.NoStream(), meta, evs...); err != nil {
			b.Fatal(err)
		}
	}
	if err := store.Settle(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		evs, err := store.ReadAll(ctx, events.Position{}, 500)
		if err != nil || len(evs) != 500 {
			b.Fatalf("read %d events: %v", len(evs), err)
		}
	}
}
