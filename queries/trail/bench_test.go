package trail_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/strata-grc/strata/events"
	evcases "github.com/strata-grc/strata/events/cases"
	evevidence "github.com/strata-grc/strata/events/evidence"
	evidentity "github.com/strata-grc/strata/events/identity"
	"github.com/strata-grc/strata/events/postgres"
	evrisks "github.com/strata-grc/strata/events/risks"
	evtrail "github.com/strata-grc/strata/events/trail"
	"github.com/strata-grc/strata/projections"
	ptrail "github.com/strata-grc/strata/projections/trail"
	qcases "github.com/strata-grc/strata/queries/cases"
	qrisks "github.com/strata-grc/strata/queries/risks"
	qtrail "github.com/strata-grc/strata/queries/trail"
	"github.com/strata-grc/strata/schema/testdb"
)

// eventSource generates an organization's log for COPY: risks, cases and logins, a
// sliding window of records being worked on at a time (as a real organization works
// on some records at once), over a year.
type eventSource struct {
	org, streamBase int64
	n, i, stop      int
	rng             *rand.Rand
	versions        map[int64]int64
	likelihood      map[int64]int
	start           time.Time
	row             []any
}

func (s *eventSource) Next() bool {
	if s.i >= s.n || s.i >= s.stop {
		return false
	}
	i := s.i
	s.i++
	actor := int64(1 + s.rng.IntN(50))
	meta := fmt.Sprintf(`{"org_id":%d,"actor_id":%d,"actor_name":"Person %d","correlation_id":"req-%d","ip":"192.0.2.%d","user_agent":"bench/1"}`,
		s.org, actor, actor, i, actor)
	at := s.start.Add(time.Duration(i) * 365 * 24 * time.Hour / time.Duration(s.n))
	var stream, typ, data string
	k := s.streamBase + int64(i/40+s.rng.IntN(2000))
	s.versions[k]++
	v := s.versions[k]
	switch {
	case i%20 == 0: // a login
		s.versions[k]--
		stream, typ = evidentity.UserStream(s.streamBase+actor), "LoginSucceeded"
		s.versions[-s.streamBase-actor]++
		v = s.versions[-s.streamBase-actor]
		data = fmt.Sprintf(`{"user_id":%d,"org_id":%d,"session":"s%d"}`, actor, s.org, i)
	case k%5 == 0: // a case
		stream = evcases.Stream(k)
		if v == 1 {
			typ, data = "CaseOpened", fmt.Sprintf(`{"case_id":%d,"title":"Case %d","description":"","type":"fraud","priority":"low","reporter":"","confidential":%t,"status":"new"}`, k, k, k%50 == 0)
		} else {
			typ, data = "CaseStatusChanged", fmt.Sprintf(`{"case_id":%d,"from":"new","to":"in_progress","comment":"looked at %d"}`, k, i)
		}
	default:
		stream = evrisks.Stream(k)
		if v == 1 {
			s.likelihood[k] = 2
			typ, data = "RiskCreated", fmt.Sprintf(`{"risk_id":%d,"title":"Risk %d","description":"","category":"Operational","status":"Open","likelihood":2,"impact":3,"residual_likelihood":null,"residual_impact":null,"owner_id":null,"review_date":null}`, k, k)
		} else {
			to := 1 + s.rng.IntN(5)
			typ, data = "RiskUpdated", fmt.Sprintf(`{"risk_id":%d,"set":{"likelihood":%d,"description":"note %d"},"previous":{"likelihood":%d,"description":"note %d"}}`,
				k, to, i, s.likelihood[k], i-1)
			s.likelihood[k] = to
		}
	}
	s.row = []any{uuid.New(), stream, v, typ, data, meta, at}
	return true
}

func (s *eventSource) Values() ([]any, error) { return s.row, nil }
func (s *eventSource) Err() error             { return nil }

func seed(ctx context.Context, b *testing.B, pool interface {
	CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error)
}, org, base int64, n int) {
	src := &eventSource{org: org, streamBase: base, n: n, rng: rand.New(rand.NewPCG(uint64(org), 7)),
		versions: map[int64]int64{}, likelihood: map[int64]int{}, start: time.Now().AddDate(-1, 0, 0)}
	// In chunks: one COPY of a million rows outlasts the pool's statement timeout.
	for src.i < n {
		src.stop = src.i + 100_000
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{"events"}, []string{"event_id", "stream_id", "stream_version", "type",
			"data", "metadata", "recorded_at"}, src); err != nil {
			b.Fatalf("copy events: %v", err)
		}
	}
}

// BenchmarkTrail seeds an organization with 1,000,000 events (and two others with
// 100,000 each) straight into the log, rebuilds the trail from it, and prints the
// rebuild's rate, the p50 and p95 of a first page under several filter mixes (for a
// member who is not an admin, so the confidential-case rule applies) and the CSV
// export's rate.
func BenchmarkTrail(b *testing.B) {
	ctx := context.Background()
	db := testdb.New(b)
	t0 := time.Now()
	seed(ctx, b, db.Pool, 1, 0, 1_000_000)
	seed(ctx, b, db.Pool, 2, 10_000_000, 100_000)
	seed(ctx, b, db.Pool, 3, 20_000_000, 100_000)
	fmt.Printf("seeded 1,200,000 events in %v\n", time.Since(t0).Round(time.Millisecond))

	reg := events.NewRegistry()
	evidentity.Register(reg)
	evevidence.Register(reg)
	evtrail.Register(reg)
	evrisks.Register(reg)
	evcases.Register(reg)
	parts := []ptrail.Part{ptrail.Core, qrisks.Trail, qcases.Trail}
	p, err := ptrail.New(reg, postgres.New(db.Pool), parts...)
	if err != nil {
		b.Fatal(err)
	}
	res, err := projections.Rebuild(ctx, postgres.New(db.Pool), db.Pool, p, projections.RebuildConfig{})
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("rebuilt the trail: %d events in %v, %.0f events/s (indexes included)\n", res.Events,
		res.Elapsed.Round(time.Millisecond), float64(res.Events)/res.Elapsed.Seconds())
	b.ReportMetric(float64(res.Events)/res.Elapsed.Seconds(), "rebuild-events/s")
	// The confidentiality rule reads the cases read model: fill it as the cases
	// projection would (one row per case, every fiftieth confidential and no one's), so
	// the rule costs here what it costs in use. Rebuilding the cases projection itself
	// is measured elsewhere.
	if _, err := db.Pool.Exec(ctx, `insert into cases (id, org_id, title, status, priority, confidential,
			created_at, created_by, updated_at, updated_by, status_changed_at, version)
		select entity_id, min(org_id), 'Case', 'new', 'low', entity_id % 50 = 0, min(at), 9999, max(at), 9999, max(at), count(*)
		from trail where entity_type = 'case' group by entity_id`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `vacuum analyze trail, cases`); err != nil {
		b.Fatal(err)
	}

	r := qtrail.NewReader(db.Pool, reg, parts...)
	member := qtrail.Viewer{UserID: 7}
	rng := rand.New(rand.NewPCG(9, 9))
	day := func() (*time.Time, *time.Time) {
		from := time.Now().AddDate(0, 0, -1-rng.IntN(360))
		to := from.Add(24 * time.Hour)
		return &from, &to
	}
	mixes := []struct {
		name   string
		filter func() qtrail.Filter
	}{
		{"none", func() qtrail.Filter { return qtrail.Filter{} }},
		{"entity_type=case", func() qtrail.Filter { return qtrail.Filter{EntityType: "case"} }},
		{"entity_type+entity_id", func() qtrail.Filter {
			return qtrail.Filter{EntityType: "risk", EntityID: int64(1 + 5*rng.IntN(5000) + 1)}
		}},
		{"actor_id", func() qtrail.Filter { return qtrail.Filter{ActorID: int64(1 + rng.IntN(50))} }},
		{"event_type=LoginSucceeded", func() qtrail.Filter { return qtrail.Filter{EventType: "LoginSucceeded"} }},
		{"event_type+actor_id", func() qtrail.Filter {
			return qtrail.Filter{EventType: "RiskUpdated", ActorID: int64(1 + rng.IntN(50))}
		}},
		{"from/to one day", func() qtrail.Filter { f, t := day(); return qtrail.Filter{From: f, To: t} }},
		{"from/to + entity_type", func() qtrail.Filter {
			f, t := day()
			return qtrail.Filter{From: f, To: t, EntityType: "case"}
		}},
		{"q=note 12345 (rare)", func() qtrail.Filter { return qtrail.Filter{Q: "note " + strconv.Itoa(100000+rng.IntN(800000))} }},
		{"q=looked (common)", func() qtrail.Filter { return qtrail.Filter{Q: "looked"} }},
		{"q=person 7 + event_type", func() qtrail.Filter { return qtrail.Filter{Q: "person 7", EventType: "CaseStatusChanged"} }},
	}
	for _, m := range mixes {
		var took []time.Duration
		for range 40 {
			f := m.filter()
			f.Limit = 50
			start := time.Now()
			if _, err := r.Page(ctx, 1, member, f); err != nil {
				b.Fatalf("%s: %v", m.name, err)
			}
			took = append(took, time.Since(start))
		}
		slices.Sort(took)
		fmt.Printf("first page %-28s p50 %7.1f ms  p95 %7.1f ms\n", m.name,
			float64(took[len(took)/2].Microseconds())/1000, float64(took[len(took)*95/100].Microseconds())/1000)
	}

	for b.Loop() {
		start := time.Now()
		n, err := r.Each(ctx, 1, member, qtrail.Filter{}, func(x qtrail.Row) error {
			_, err := fmt.Fprintln(io.Discard, x.Position, x.EventID, x.Type, string(x.Changes), x.Comment)
			return err
		}, func() error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		rate := float64(n) / time.Since(start).Seconds()
		fmt.Printf("exported %d rows in %v, %.0f rows/s\n", n, time.Since(start).Round(time.Millisecond), rate)
		b.ReportMetric(rate, "export-rows/s")
	}
}
