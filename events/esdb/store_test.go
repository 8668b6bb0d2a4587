package esdb_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	es "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/esdb"
	"github.com/strata-grc/strata/events/storetest"
)

// serverURL is the test server's URL; without one the test skips and says how to run it.
func serverURL(t *testing.T) string {
	url := os.Getenv("STRATA_TEST_ESDB_URL")
	if url == "" {
		t.Skip("no EventStoreDB server: set STRATA_TEST_ESDB_URL=esdb://localhost:2113?tls=false " +
			"(docker run -p 2113:2113 kurrentplatform/kurrentdb --insecure) to run this against it")
	}
	return url
}

// TestContract runs the shared contract against a real server. Each subtest gets its
// own namespace, so its log starts empty however many runs the server has seen.
func TestContract(t *testing.T) {
	url := serverURL(t)
	ctx := t.Context()
	// Open checks the server answers before the subtests start; its client is then
	// shared by the subtests' stores.
	probe, err := esdb.Open(ctx, url, esdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	probe.Close()
	cfg, err := es.ParseConnectionString(url)
	if err != nil {
		t.Fatal(err)
	}
	client, err := es.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })

	storetest.Run(t, func(t *testing.T) events.Store {
		ns := "storetest" + strings.ReplaceAll(uuid.NewString(), "-", "") + "_"
		return esdb.New(client, esdb.Options{Namespace: ns})
	}, storetest.Options{PerStreamEventIDs: true})
}

// TestFollow checks the catch-up subscription projections read: events already stored,
// then new ones, in $all order, only the namespace's, and nothing at or before the
// position it starts from.
func TestFollow(t *testing.T) {
	url := serverURL(t)
	ctx := t.Context()
	ns := "follow" + strings.ReplaceAll(uuid.NewString(), "-", "") + "_"
	s, err := esdb.Open(ctx, url, esdb.Options{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 3 {
		if _, err := s.Append(ctx, "thing-"+strconv.Itoa(i%2), events.Any(), storetest.Meta, storetest.NewEvents(2)...); err != nil {
			t.Fatal(err)
		}
	}
	stored, err := s.ReadAll(ctx, events.Position{}, 100)
	if err != nil || len(stored) != 6 {
		t.Fatalf("read %d events (%v), want 6", len(stored), err)
	}
	receive := func(sub events.Subscription, n int) []events.Event {
		t.Helper()
		var got []events.Event
		timeout := time.After(10 * time.Second)
		for len(got) < n {
			select {
			case e, ok := <-sub.Events():
				if !ok {
					t.Fatalf("subscription ended after %d events: %v", len(got), sub.Err())
				}
				got = append(got, e)
			case <-timeout:
				t.Fatalf("%d of %d events within 10s", len(got), n)
			}
		}
		return got
	}
	sub, err := s.Follow(ctx, stored[1].Position())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	caught := receive(sub, 4)
	for i, e := range caught {
		if e.ID != stored[i+2].ID || e.StreamID != stored[i+2].StreamID {
			t.Fatalf("caught-up event %d is %s %s, want %s %s", i, e.StreamID, e.ID, stored[i+2].StreamID, stored[i+2].ID)
		}
	}
	res, err := s.Append(ctx, "thing-9", events.NoStream(), storetest.Meta, storetest.NewEvents(1)...)
	if err != nil {
		t.Fatal(err)
	}
	live := receive(sub, 1)[0]
	if live.StreamID != "thing-9" || live.Position() != res.Position {
		t.Fatalf("live event %s at %+v, want thing-9 at %+v", live.StreamID, live.Position(), res.Position)
	}
}
