package vendors_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/vendors"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	ev "github.com/strata-grc/strata/events/vendors"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/projections/vendors"
	"github.com/strata-grc/strata/schema/testdb"
)

// named is the projector under a checkpoint name of its own: checkpoint locks are
// keyed by name across the whole database, and other tests run a "vendors"
// projection at the same time in their own schemas.
type named struct {
	*vendors.Projector
	name string
}

func (n named) Name() string { return n.name }

// anyRisk stands in for the risk register: every positive id is a live risk.
type anyRisk struct{}

func (anyRisk) RiskStatus(context.Context, int64, int64) (string, error) { return "Identified", nil }

// tables lists the read model's tables with the order that compares them row by row.
var tables = []struct{ name, order string }{
	{"vendors", "id"}, {"vendor_reviews", "id"}, {"vendor_tier_changes", "vendor_id, version"},
}

func snapshot(t *testing.T, db *testdb.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, tb := range tables {
		rows, err := db.Pool.Query(context.Background(), `select row_to_json(t)::text from `+tb.name+` t order by `+tb.order)
		if err != nil {
			t.Fatal(err)
		}
		if out[tb.name], err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// The live projection, fed the commands' events over two organizations, equals a
// rebuild from the log row by row, and every vendor it holds equals its stream
// replayed.
func TestLiveProjectionEqualsRebuildAndStreams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	reg := events.NewRegistry()
	ev.Register(reg)
	store := postgres.New(db.Pool)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	h, err := cmd.NewHandler(db.Pool, store, reg, commands.NewSequences(db.Pool), anyRisk{}, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	proj := named{vendors.New(reg), vendors.Name + "-" + db.Schema}
	var mu sync.Mutex
	var failures []error
	runner := projectiontest.Run(t, projections.RunnerConfig{
		Store: store, Pool: db.Pool, Projectors: []projections.Projector{proj},
		Subscriber: projections.SubscriberConfig{BatchSize: 50, IdlePoll: 20 * time.Millisecond, Wakeup: store.Wakeup().C,
			OnError: func(_ string, err error) { mu.Lock(); failures = append(failures, err); mu.Unlock() }},
	})

	rng := rand.New(rand.NewPCG(7, 11))
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	ids := map[int64][]int64{}
	var last events.Position
	counts := map[string]int{}
	done := func(op string, res commands.Result, err error) {
		t.Helper()
		if err != nil && op != "update" { // a random rename may hit a name in use
			t.Fatalf("%s: %v", op, err)
		}
		if err == nil && res.Changed {
			counts[op]++
			if res.Position.Compare(last) > 0 {
				last = res.Position
			}
		}
	}
	for n := range 160 {
		org := int64(1 + rng.IntN(2))
		meta := events.Metadata{OrgID: org, ActorID: int64(1 + rng.IntN(3)), ActorName: fmt.Sprintf("Person %d", n%3), CorrelationID: "t"}
		if len(ids[org]) == 0 || rng.IntN(6) == 0 {
			f := ev.Fields{Name: fmt.Sprintf("Vendor %d", n), Service: pick([]string{"", "Hosting", "Payroll"}),
				Criticality: pick(cmd.Criticalities), RiskTier: pick(cmd.RiskTiers), Status: pick(cmd.Statuses),
				ContactEmail: pick([]string{"", "a@example.com"}), RiskIDs: []int64{int64(rng.IntN(4) + 1)}}
			if rng.IntN(2) == 0 {
				d := now.AddDate(0, 0, rng.IntN(200)-100).Format(time.DateOnly)
				f.NextReview = &d
			}
			res, err := h.Add(ctx, meta, f)
			done("add", res, err)
			ids[org] = append(ids[org], res.ID)
			continue
		}
		id := ids[org][rng.IntN(len(ids[org]))]
		switch r := rng.IntN(10); {
		case r < 5:
			patch := map[string]any{}
			switch rng.IntN(5) {
			case 0:
				patch["risk_tier"], patch["reason"] = pick(cmd.RiskTiers), "Because"
			case 1:
				patch["name"] = fmt.Sprintf("Vendor %d", rng.IntN(n+1))
			case 2:
				patch["risk_ids"] = []int64{int64(rng.IntN(5) + 1), int64(rng.IntN(5) + 1)}
			case 3:
				patch["next_review"] = nil
			default:
				patch["status"], patch["contact_name"], patch["service"] = pick(cmd.Statuses), pick([]string{"", "Ann"}), nil
			}
			raw, _ := json.Marshal(patch)
			res, err := h.Update(ctx, meta, id, nil, raw)
			done("update", res, err)
		case r < 9:
			next := now.AddDate(0, 0, 30+rng.IntN(300)).Format(time.DateOnly)
			_, res, err := h.Review(ctx, meta, id, nil, cmd.ReviewVendor{Decision: pick(cmd.Decisions), RiskTier: pick(cmd.RiskTiers),
				Notes: "Reviewed", NextReview: &next})
			done("review", res, err)
		default:
			res, err := h.Remove(ctx, meta, id, nil, pick([]string{"", "Ended"}))
			done("remove", res, err)
			ids[org] = slices.DeleteFunc(ids[org], func(x int64) bool { return x == id })
		}
	}
	for _, op := range []string{"add", "update", "review", "remove"} {
		if counts[op] == 0 {
			t.Fatalf("the sequence never made a %s event: %v", op, counts)
		}
	}
	projectiontest.Wait(t, runner, last, proj.Name())
	mu.Lock()
	for _, err := range failures {
		t.Errorf("live projection batch failed: %v", err)
	}
	mu.Unlock()

	// Every vendor row is its stream replayed.
	rows, err := db.Pool.Query(ctx, `select id from vendors order by id`)
	if err != nil {
		t.Fatal(err)
	}
	all, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range all {
		agg, _, err := h.Streams().Load(ctx, id, events.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s := agg.State
		var got struct {
			fields  ev.Fields
			deleted bool
			version int64
			tiers   int
			reviews int
		}
		f := &got.fields
		err = db.Pool.QueryRow(ctx, `select name, service, criticality, risk_tier, status, contact_name, contact_email,
			next_review::text, risk_ids, deleted_at is not null, version,
			(select count(*) from vendor_tier_changes c where c.vendor_id = v.id),
			(select count(*) from vendor_reviews r where r.vendor_id = v.id)
			from vendors v where id = $1`, id).Scan(&f.Name, &f.Service, &f.Criticality, &f.RiskTier, &f.Status,
			&f.ContactName, &f.ContactEmail, &f.NextReview, &f.RiskIDs, &got.deleted, &got.version, &got.tiers, &got.reviews)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(got.fields)
		b, _ := json.Marshal(s.Fields)
		if string(a) != string(b) || got.deleted != s.Deleted || got.version != agg.Version || got.tiers != len(s.Tiers) || got.reviews != len(s.Reviews) {
			t.Errorf("vendor %d:\n read model %s deleted=%v v%d tiers=%d reviews=%d\n replayed   %s deleted=%v v%d tiers=%d reviews=%d",
				id, a, got.deleted, got.version, got.tiers, got.reviews, b, s.Deleted, agg.Version, len(s.Tiers), len(s.Reviews))
		}
	}

	live := snapshot(t, db)
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	res, err := projections.Rebuild(rctx, store, db.Pool, proj, projections.RebuildConfig{BatchSize: 40})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `select count(*) from events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if res.Events != n {
		t.Errorf("the rebuild applied %d events, the log holds %d", res.Events, n)
	}
	rebuilt := snapshot(t, db)
	for _, tb := range tables {
		if !slices.Equal(live[tb.name], rebuilt[tb.name]) {
			t.Errorf("%s differs after the rebuild:\n live    %v\n rebuilt %v", tb.name, live[tb.name], rebuilt[tb.name])
		}
		if len(live[tb.name]) == 0 {
			t.Errorf("%s is empty", tb.name)
		}
	}
}

type stray struct{}

func (stray) EventType() string { return "Stray" }

// Another module's events leave the read model alone; an event of a known type that a
// vendor's stream should not hold is an error, not something to skip.
func TestOtherEventsAreIgnored(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	reg := events.NewRegistry()
	ev.Register(reg)
	events.Register[stray](reg, 1)
	p := vendors.New(reg)
	handle := func(evs ...events.Event) error {
		return pgx.BeginFunc(context.Background(), db.Pool, func(tx pgx.Tx) error {
			w := projections.NewWriter(tx, "")
			for _, e := range evs {
				if err := p.Handle(context.Background(), w, e); err != nil {
					return err
				}
			}
			return w.Flush(context.Background())
		})
	}
	if err := handle(events.Event{StreamID: "risk-1", Type: "RiskCreated", Data: json.RawMessage(`{}`)},
		events.Event{StreamID: "vendor-1", Type: "SomethingElse", Data: json.RawMessage(`{}`)},
		events.Event{StreamID: "case-1", Type: "Stray", Data: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := handle(events.Event{StreamID: "vendor-1", Type: "Stray", Data: json.RawMessage(`{}`)}); err == nil {
		t.Error("a registered event without a handler in a vendor's stream was skipped")
	}
}
