package app

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/strata-grc/strata/schema/testdb"
)

func TestEventStoreURLs(t *testing.T) {
	for url, want := range map[string]string{
		"esdb://localhost:2113?tls=false":      "esdb://localhost:2113?tls=false",
		"esdb+discover://cluster:2113":         "esdb+discover://cluster:2113",
		"kurrentdb://kurrentdb:2113?tls=false": "esdb://kurrentdb:2113?tls=false",
		"kurrentdb+discover://a:2113,b:2113":   "esdb+discover://a:2113,b:2113",
		"kurrent://localhost:2113?tls=false":   "esdb://localhost:2113?tls=false",
		"postgres://localhost:5432/strata":     "",
		"postgresql://localhost/strata":        "",
		"esdbx://nope":                         "",
		"http://localhost:2113":                "",
	} {
		if got := IsESDB(url); got != (want != "") {
			t.Errorf("IsESDB(%q) = %v", url, got)
		}
		if want != "" && esdbURL(url) != want {
			t.Errorf("esdbURL(%q) = %q, want %q", url, esdbURL(url), want)
		}
	}
}

// A log setting that names no event store is refused before anything runs, so a
// typo cannot silently leave the log where it was.
func TestOpenRefusesAnUnknownEventStore(t *testing.T) {
	db := testdb.New(t)
	url := testdb.URL()
	if strings.Contains(url, "?") {
		url += "&"
	} else {
		url += "?"
	}
	_, err := Open(context.Background(), url+"search_path="+db.Schema+",public", slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options{EventStore: "postgres://elsewhere/strata"})
	if err == nil || !strings.Contains(err.Error(), "want an esdb:// or kurrentdb:// URL") {
		t.Fatalf("err %v, want a refusal naming the accepted schemes", err)
	}
}

// TestDashboardCountsAreDescribed: every count a module adds to the dashboard says
// what it counts, for the API description.
func TestDashboardCountsAreDescribed(t *testing.T) {
	for _, m := range Modules {
		for _, c := range m.Dashboard.Counts {
			if c.Description == "" {
				t.Errorf("module %s: dashboard count %s has no description", m.Name, c.Name)
			}
		}
	}
}
