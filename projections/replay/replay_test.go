package replay_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	evrisks "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/projections/replay"
	prisks "github.com/strata-grc/strata/projections/risks"
	"github.com/strata-grc/strata/schema"
	"github.com/strata-grc/strata/schema/testdb"
)

// TestReplayIsPrivateAndLeavesNoTrace replays on a pool of one connection, so the
// connection that held the copies is certainly the one read from next: a statement
// prepared there against the live table before the replay reads the copy during it
// and the live table again after it. The live projections never run here, so the
// live table stays empty throughout.
func TestReplayIsPrivateAndLeavesNoTrace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	a, err := app.New(db.Pool, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.New(db.Pool)
	create := func(org, id int64, status string) time.Time {
		t.Helper()
		data, _ := json.Marshal(evrisks.RiskCreated{RiskID: id, Fields: evrisks.Fields{Title: "Risk", Category: "Cyber",
			Status: status, Likelihood: 3, Impact: 3}})
		res, err := store.Append(ctx, evrisks.Stream(id), events.NoStream(),
			events.Metadata{OrgID: org, ActorID: 1, ActorName: "Tester", CorrelationID: "replay"},
			events.NewEvent{ID: uuid.New(), Type: "RiskCreated", SchemaVersion: 1, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		return res.RecordedAt
	}
	first := create(1, 1, "Identified")
	create(2, 2, "Identified") // another organization's
	last := create(1, 3, "Closed")

	cfg := db.Config.Copy()
	cfg.MaxConns = 1
	one, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	const count = `select count(*) from risks`
	rows := func(q schema.Querier) int {
		t.Helper()
		var n int
		if err := q.QueryRow(ctx, count).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := rows(one); n != 0 {
		t.Fatalf("live risks %d, want none", n)
	}
	rp, err := replay.New(store, one, a.Projectors, prisks.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want int
	}{{first.Add(-time.Second), 0}, {first, 1}, {last, 2}} {
		res, err := rp.Read(ctx, 1, c.at, func(ctx context.Context, q schema.Querier) error {
			if n := rows(q); n != c.want {
				t.Errorf("as of %v: %d risks, want %d (the organization's own)", c.at, n, c.want)
			}
			if n := rows(db.Pool); n != 0 {
				t.Errorf("another connection sees %d live risks during the replay", n)
			}
			return nil
		})
		if err != nil || res.Events != c.want {
			t.Fatalf("as of %v: %+v, %v", c.at, res, err)
		}
		if n := rows(one); n != 0 {
			t.Fatalf("after the replay the connection reads %d risks, want the live table's none", n)
		}
	}

	// A read that fails gives its error back and leaves nothing behind either.
	boom := errors.New("boom")
	if _, err := rp.Read(ctx, 1, last, func(context.Context, schema.Querier) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("read error %v, want boom", err)
	}
	if n := rows(one); n != 0 {
		t.Fatalf("after a failed read the pool reads %d risks", n)
	}

	if _, err := replay.New(store, one, a.Projectors, "no-such-projection"); err == nil {
		t.Error("a projection no projector has was accepted")
	}
}
