package replay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	evrisks "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/projections/projectiontest"
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

// TestReplayEqualsLiveTables applies one organization's risk events to the live tables
// and replays them, a few events per transaction so that each batch's statements go
// behind the next read of the log: the copies must hold the live tables' rows, the
// generated columns (scores and ratings, filled once after the last event) included.
// A statement that fails in one of those batches fails the replay, and the connection
// it ran on serves the live tables again.
func TestReplayEqualsLiveTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	a, err := app.New(db.Pool, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.New(db.Pool)
	meta := events.Metadata{OrgID: 1, ActorID: 1, ActorName: "Tester", CorrelationID: "replay"}
	version := map[int64]int64{}
	add := func(id int64, payload interface{ EventType() string }) {
		t.Helper()
		data, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Append(ctx, evrisks.Stream(id), events.Exact(version[id]), meta,
			events.NewEvent{ID: uuid.New(), Type: payload.EventType(), SchemaVersion: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
		version[id]++
	}
	set := func(fields string) json.RawMessage { return json.RawMessage(fields) }
	two, four := 2, 4
	for id := int64(1); id <= 6; id++ {
		f := evrisks.Fields{Title: "Risk", Category: "Cyber", Status: "Identified", Likelihood: int(id%5) + 1, Impact: 3}
		if id%2 == 0 {
			f.ResidualLikelihood, f.ResidualImpact = &two, &four
		}
		add(id, evrisks.RiskCreated{RiskID: id, Fields: f})
	}
	for round := range 4 {
		for id := int64(1); id <= 6; id++ {
			add(id, evrisks.RiskUpdated{RiskID: id, Set: set(fmt.Sprintf(`{"likelihood": %d, "impact": %d, "status": "Assessed"}`, (int(id)+round)%5+1, round+1)),
				Previous: set(`{}`)})
		}
	}
	add(2, evrisks.RiskUpdated{RiskID: 2, Set: set(`{"residual_likelihood": 5, "residual_impact": 5}`), Previous: set(`{}`)})
	add(3, evrisks.RiskResponseAdded{RiskID: 3, ResponseID: 1, Response: evrisks.Response{Type: "mitigate", Description: "Patch", Status: "planned"}})
	add(3, evrisks.RiskControlMapped{RiskID: 3, ControlID: 9})
	add(5, evrisks.RiskDeleted{RiskID: 5})

	var recorded []events.Event
	if err := events.ReadOrg(ctx, store, 1, time.Now(), 1000, func(evs []events.Event) error {
		recorded = append(recorded, evs...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := projectiontest.Handle(db.Pool, prisks.New(a.Registry), recorded...); err != nil {
		t.Fatal(err)
	}
	tables := []projectiontest.Table{{Name: "risks", OrderBy: "id"}, {Name: "risk_responses", OrderBy: "id"},
		{Name: "risk_controls", OrderBy: "risk_id, control_id"}}
	live := projectiontest.TakeSnapshot(t, db.Pool, tables...)
	if len(live["risks"]) != 6 {
		t.Fatalf("live risks %v", live["risks"])
	}

	cfg := db.Config.Copy()
	cfg.MaxConns = 1
	one, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	rp, err := replay.New(store, one, a.Projectors, prisks.Name)
	if err != nil {
		t.Fatal(err)
	}
	rp.SetBatch(4)
	check := func(what string, rp *replay.Replayer) {
		t.Helper()
		replayed := projectiontest.Snapshot{}
		res, err := rp.Read(ctx, 1, time.Now(), func(ctx context.Context, q schema.Querier) error {
			for _, table := range tables {
				rows, err := q.Query(ctx, `select row_to_json(t)::text from `+table.Name+` t order by `+table.OrderBy)
				if err != nil {
					return err
				}
				if replayed[table.Name], err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if res.Events != len(recorded) {
			t.Errorf("%s: replayed %d events, the organization has %d", what, res.Events, len(recorded))
		}
		projectiontest.CompareSnapshots(t, what, live, replayed)
	}
	check("live and replayed", rp)
	// A log read elsewhere than on the replay's connection, as EventStoreDB is: each
	// batch goes alone.
	apart, err := replay.New(readsApart{store}, one, a.Projectors, prisks.Name)
	if err != nil {
		t.Fatal(err)
	}
	apart.SetBatch(4)
	check("live and replayed from a log read apart", apart)

	// A second RiskCreated for risk 4 breaks the copy's primary key in a batch sent
	// behind a read.
	add(4, evrisks.RiskCreated{RiskID: 4, Fields: evrisks.Fields{Title: "Again", Category: "Cyber", Status: "Identified", Likelihood: 1, Impact: 1}})
	add(6, evrisks.RiskUpdated{RiskID: 6, Set: set(`{"status": "Closed"}`), Previous: set(`{}`)})
	add(6, evrisks.RiskUpdated{RiskID: 6, Set: set(`{"status": "Treating"}`), Previous: set(`{}`)})
	rp.SetBatch(1)
	if _, err := rp.Read(ctx, 1, time.Now(), func(context.Context, schema.Querier) error { return nil }); err == nil || !strings.Contains(err.Error(), "risks_pkey") {
		t.Fatalf("replay with a duplicate risk: %v, want the copy's key refusing it", err)
	}
	var n int
	if err := one.QueryRow(ctx, `select count(*) from risks where org_id = 1`).Scan(&n); err != nil || n != 6 {
		t.Fatalf("after the failed replay the pool reads %d live risks (%v), want 6", n, err)
	}
}

// readsApart is a log read on its own pool, never on the connection the context
// carries.
type readsApart struct{ *postgres.Store }

func (s readsApart) ReadOrg(_ context.Context, orgID int64, asOf time.Time, batch int, fn func([]events.Event) error) error {
	return s.Store.ReadOrg(context.Background(), orgID, asOf, batch, fn)
}
