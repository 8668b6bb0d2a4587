package esdb_test

import (
	"os"
	"strings"
	"testing"

	es "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/esdb"
	"github.com/strata-grc/strata/events/storetest"
)

// TestContract runs the shared contract against a real server. Each subtest gets its
// own namespace, so its log starts empty however many runs the server has seen.
func TestContract(t *testing.T) {
	url := os.Getenv("STRATA_TEST_ESDB_URL")
	if url == "" {
		t.Skip("no EventStoreDB server: set STRATA_TEST_ESDB_URL=esdb://localhost:2113?tls=false " +
			"(docker run -p 2113:2113 kurrentplatform/kurrentdb --insecure --run-projections=All) " +
			"to run the contract suite against it")
	}
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
