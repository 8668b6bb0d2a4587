package dashboard_test

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	evvendors "github.com/strata-grc/strata/events/vendors"
	"github.com/strata-grc/strata/queries/dashboard"
	"github.com/strata-grc/strata/schema/testdb"
)

// otherClocks are PostgreSQL's ways of reading the clock besides now(). As of an
// instant, the dashboard makes now() read that instant; a figure reading the clock
// any other way would count as of today instead.
var otherClocks = regexp.MustCompile(`(?i)\b(current_date|current_time|current_timestamp|localtime|localtimestamp|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday)\b`)

func TestFiguresReadTheClockOnlyThroughNow(t *testing.T) {
	for _, m := range app.Modules {
		for _, c := range m.Dashboard.Counts {
			if otherClocks.MatchString(c.SQL) {
				t.Errorf("count %s reads the clock other than through now(): %s", c.Name, c.SQL)
			}
		}
		for _, c := range m.Dashboard.Charts {
			if otherClocks.MatchString(c.SQL) {
				t.Errorf("chart %s reads the clock other than through now(): %s", c.Name, c.SQL)
			}
		}
	}
}

// TestAsOfCountsByTheInstantsDay: a vendor recorded ten days ago, due for review five
// days ago, was not overdue as of a week ago and is overdue since.
func TestAsOfCountsByTheInstantsDay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	a, err := app.New(db.Pool, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	due := now.AddDate(0, 0, -5).Format(time.DateOnly)
	data, _ := json.Marshal(evvendors.VendorAdded{VendorID: 1, Fields: evvendors.Fields{Name: "Northwind", Criticality: "high",
		RiskTier: "High", Status: "active", NextReview: &due, RiskIDs: []int64{}}})
	meta := events.Metadata{OrgID: 1, ActorID: 1, ActorName: "Tester", CorrelationID: "as-of-day"}
	if _, err := postgres.New(db.Pool).Append(ctx, evvendors.Stream(1), events.NoStream(), meta, events.NewEvent{
		ID: uuid.New(), Type: "VendorAdded", SchemaVersion: 1, Data: data, RecordedAt: now.AddDate(0, 0, -10)}); err != nil {
		t.Fatal(err)
	}
	admin := dashboard.Viewer{UserID: 1, Admin: true, Holds: func(string) bool { return true }}
	for _, c := range []struct {
		daysAgo         int
		overdue, listed int64
	}{{12, 0, 0}, {8, 0, 1}, {2, 1, 1}} {
		counts, _, err := a.Dashboard.CountsAsOf(ctx, 1, admin, now.AddDate(0, 0, -c.daysAgo))
		if err != nil {
			t.Fatal(err)
		}
		if counts["vendors_review_overdue"] != c.overdue || counts["vendors_high_risk"] != c.listed {
			t.Errorf("as of %d days ago: %v, want %d overdue of %d", c.daysAgo, counts, c.overdue, c.listed)
		}
	}
	if _, _, err := a.Dashboard.CountsAsOf(ctx, 1, admin, now.Add(time.Hour)); err == nil {
		t.Error("an instant an hour ahead was answered")
	}
	// Answers as of instants long settled are kept: asking again replays nothing.
	replays, hits := a.Dashboard.AsOfStats()
	if _, _, err := a.Dashboard.CountsAsOf(ctx, 1, admin, now.AddDate(0, 0, -8)); err != nil {
		t.Fatal(err)
	}
	if r, h := a.Dashboard.AsOfStats(); r != replays || h != hits+1 {
		t.Errorf("asked again: replays %d -> %d, hits %d -> %d", replays, r, hits, h)
	}
}
