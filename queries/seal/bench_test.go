package seal_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/projectiontest"
	pseal "github.com/strata-grc/strata/projections/seal"
	"github.com/strata-grc/strata/queries/seal"
	"github.com/strata-grc/strata/schema/testdb"
)

// benchEvents is the size of the benchmark's largest organization; four others
// share a fifth as many events between them, interleaved with it.
const benchEvents = 1_000_000

// BenchmarkSeal fills a log with 1,000,000 events of one organization and 200,000 of
// four others, seals it all (a rebuild of the seal: sealing throughput), verifies the
// large organization (verification throughput), then measures appends a second with
// and without the seal projection running. It prints figures and asserts no time.
// Run: go test -run '^$' -bench . -benchtime 1x ./queries/seal
func BenchmarkSeal(b *testing.B) {
	ctx := context.Background()
	db := testdb.New(b)
	start := time.Now()
	// The fill is one long statement: lift the production timeout on its connection.
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `set statement_timeout = 0`); err != nil {
		b.Fatal(err)
	}
	// Every sixth event belongs to one of four small organizations.
	if _, err := conn.Exec(ctx, `insert into events (event_id, stream_id, stream_version, type, data, metadata)
		select gen_random_uuid(), 'thing-' || (i % 10000), i / 10000 + 1, 'ThingHappened',
			jsonb_build_object('i', i, 'title', 'Thing ' || i, 'score', (i % 25) + 0.5, 'tags', jsonb_build_array('a', 'b')),
			jsonb_build_object('org_id', case when i % 6 = 5 then 2 + (i / 6) % 4 else 1 end, 'actor_id', 1 + i % 7,
				'actor_name', 'Bench', 'correlation_id', 'bench-' || i, 'ip', '192.0.2.1')
		from generate_series(0, $1 - 1) as i`, benchEvents*6/5); err != nil {
		b.Fatal(err)
	}
	conn.Release()
	b.Logf("filled the log with %d events in %s", benchEvents*6/5, time.Since(start).Round(time.Second))

	store := postgres.New(db.Pool)
	sealer := pseal.New(pseal.Config{})
	proj := projectiontest.Named(sealer, pseal.Name+"-"+db.Schema)
	b.ResetTimer()
	for range b.N {
		res, err := projections.Rebuild(ctx, store, db.Pool, proj, projections.RebuildConfig{})
		if err != nil {
			b.Fatal(err)
		}
		rate := float64(res.Events) / res.Elapsed.Seconds()
		b.ReportMetric(rate, "sealed-events/s")
		b.Logf("sealed %d events in %s: %.0f events/s", res.Events, res.Elapsed.Round(time.Millisecond), rate)

		v, err := seal.New(db.Pool, proj.Name())
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		r, err := v.Verify(ctx, 1, seal.Options{})
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(t0)
		if !r.OK() || r.Events != benchEvents {
			b.Fatalf("verification: %+v", r)
		}
		b.ReportMetric(float64(r.Events)/el.Seconds(), "verified-events/s")
		b.Logf("verified %d events of organization 1 in %s: %.0f events/s", r.Events, el.Round(time.Millisecond), float64(r.Events)/el.Seconds())
	}
	b.StopTimer()

	// Appends a second from one writer, first with no projection running, then with the
	// seal projection following the log.
	appends := func(n int) float64 {
		t0 := time.Now()
		for i := range n {
			if _, err := store.Append(ctx, "bench-"+uuid.NewString(), events.NoStream(),
				events.Metadata{OrgID: int64(1 + i%5), ActorID: 1, ActorName: "Bench", CorrelationID: "c"},
				events.NewEvent{ID: uuid.New(), Type: "ThingHappened", SchemaVersion: 1, Data: json.RawMessage(`{"i": 1}`)}); err != nil {
				b.Fatal(err)
			}
		}
		return float64(n) / time.Since(t0).Seconds()
	}
	const n = 3000
	without := appends(n)
	runCtx, cancel := context.WithCancel(ctx)
	runner, err := projections.NewRunner(runCtx, projections.RunnerConfig{Store: store, Pool: db.Pool,
		Projectors: []projections.Projector{proj}, Subscriber: projections.SubscriberConfig{Wakeup: store.Wakeup().C}})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- runner.Run(runCtx) }()
	<-runner.Running()
	with := appends(n)
	cancel()
	_ = runner.Close()
	<-done
	b.ReportMetric(without, "appends/s-without-seal")
	b.ReportMetric(with, "appends/s-with-seal")
	b.Logf("appends a second from one writer: %.0f without the seal running, %.0f with it", without, with)
}
