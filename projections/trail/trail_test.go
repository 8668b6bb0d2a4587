package trail_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/strata-grc/strata/events"
	evcases "github.com/strata-grc/strata/events/cases"
	evevidence "github.com/strata-grc/strata/events/evidence"
	evidentity "github.com/strata-grc/strata/events/identity"
	"github.com/strata-grc/strata/events/postgres"
	evrisks "github.com/strata-grc/strata/events/risks"
	evtrail "github.com/strata-grc/strata/events/trail"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/projections/trail"
	qcases "github.com/strata-grc/strata/queries/cases"
	qrisks "github.com/strata-grc/strata/queries/risks"
	"github.com/strata-grc/strata/schema/testdb"
)

func registry() *events.Registry {
	reg := events.NewRegistry()
	evidentity.Register(reg)
	evevidence.Register(reg)
	evtrail.Register(reg)
	evrisks.Register(reg)
	evcases.Register(reg)
	return reg
}

type logWriter struct {
	t     *testing.T
	store *postgres.Store
	reg   *events.Registry
	last  events.Position
}

func (l *logWriter) append(stream string, org int64, p events.Payload) {
	l.t.Helper()
	e, err := l.reg.Encode(p)
	if err != nil {
		l.t.Fatal(err)
	}
	res, err := l.store.Append(context.Background(), stream, events.Any(), events.Metadata{OrgID: org, ActorID: 7,
		ActorName: "Ann", CorrelationID: "req-1", IP: "192.0.2.1", UserAgent: "agent/1"}, e)
	if err != nil {
		l.t.Fatal(err)
	}
	l.last = res.Position
}

// risk creates risk id at likelihood first when likelihood holds none for it, and
// otherwise moves its likelihood to to; impact is always 2. It reports a creation.
func (l *logWriter) risk(org, id int64, likelihood map[int64]int, first, to int) bool {
	if likelihood[id] == 0 {
		likelihood[id] = first
		l.append(evrisks.Stream(id), org, evrisks.RiskCreated{RiskID: id,
			Fields: evrisks.Fields{Title: "R", Status: "open", Likelihood: first, Impact: 2}})
		return true
	}
	set, _ := json.Marshal(map[string]int{"likelihood": to})
	prev, _ := json.Marshal(map[string]int{"likelihood": likelihood[id]})
	likelihood[id] = to
	l.append(evrisks.Stream(id), org, evrisks.RiskUpdated{RiskID: id, Set: set, Previous: prev})
	return false
}

// TestTrailFoldsAndNumbers writes interleaved risks and cases of two organizations
// while the projection keeps the state of only two streams, so most events find their
// stream's state gone and fold it again from the log; the live rows must equal a
// rebuild's, each organization must be numbered 1..n, and the derived score changes
// must be right whichever way the state was found.
func TestTrailFoldsAndNumbers(t *testing.T) {
	db := testdb.New(t)
	reg := registry()
	store := postgres.New(db.Pool)
	p, err := trail.New(reg, store, trail.Core, qrisks.Trail, qcases.Trail)
	if err != nil {
		t.Fatal(err)
	}
	p.KeepStates(2)
	live := projectiontest.Named(p, "trail_"+db.Schema)
	r := projectiontest.Run(t, projections.RunnerConfig{Store: store, Pool: db.Pool, Projectors: []projections.Projector{live}})

	l := &logWriter{t: t, store: store, reg: reg}
	rng := rand.New(rand.NewPCG(1, 2))
	likelihood := map[int64]int{}
	perOrg := map[int64]int{}
	for org := int64(1); org <= 2; org++ {
		l.append(evidentity.OrganizationStream(org), org, evidentity.OrganizationCreated{OrgID: org, Name: fmt.Sprint("Org ", org)})
		perOrg[org]++
	}
	for i := range 120 {
		org := int64(1 + i%2)
		id := int64(1 + i%6)
		perOrg[org]++
		if l.risk(org, id, likelihood, 1, 1+rng.IntN(5)) {
			continue
		}
		if i%10 == 0 {
			perOrg[org]++
			l.append(evcases.Stream(100+id), org, evcases.CaseOpened{CaseID: 100 + id, Fields: evcases.Fields{Title: "C", Priority: "low"}, Status: "new"})
		}
	}
	projectiontest.Wait(t, r, l.last, live.Name())

	ctx := context.Background()
	for org, n := range perOrg {
		var count, lowest, highest int
		if err := db.Pool.QueryRow(ctx, `select count(*), min(position), max(position) from trail where org_id = $1`, org).
			Scan(&count, &lowest, &highest); err != nil {
			t.Fatal(err)
		}
		if count != n || lowest != 1 || highest != n {
			t.Errorf("org %d: %d rows numbered %d..%d, want %d numbered 1..%d", org, count, lowest, highest, n, n)
		}
	}
	// Every update's score change agrees with the likelihoods the update recorded.
	rows, err := db.Pool.Query(ctx, `select changes from trail where type = 'RiskUpdated'`)
	if err != nil {
		t.Fatal(err)
	}
	updates := 0
	for rows.Next() {
		var changes map[string]struct{ Before, After json.RawMessage }
		if err := rows.Scan(&changes); err != nil {
			t.Fatal(err)
		}
		var was, is int
		_ = json.Unmarshal(changes["likelihood"].Before, &was)
		_ = json.Unmarshal(changes["likelihood"].After, &is)
		score, moved := changes["inherent_score"]
		switch {
		case was == is && moved:
			t.Errorf("an update that kept likelihood %d moved the score: %s", is, score.After)
		case was != is && (string(score.Before) != fmt.Sprint(was*2) || string(score.After) != fmt.Sprint(is*2)):
			t.Errorf("likelihood %d -> %d moved the score %s -> %s, want %d -> %d", was, is, score.Before, score.After, was*2, is*2)
		}
		updates++
	}
	if rows.Err() != nil || updates == 0 {
		t.Fatalf("read %d updates: %v", updates, rows.Err())
	}

	var entity string
	var entityID int64
	if err := db.Pool.QueryRow(ctx, `select entity_type, entity_id from trail where type = 'CaseOpened' limit 1`).Scan(&entity, &entityID); err != nil {
		t.Fatal(err)
	}
	if entity != "case" || entityID < 100 {
		t.Errorf("a case's event is about %s %d", entity, entityID)
	}

	// A fresh projector keeps the default number of states: the rebuild folds most
	// streams once, the live run folded them again and again; both must agree.
	rebuildEqualsFresh(t, "live and rebuilt", reg, store, db, live.Name())
}

// rebuildEqualsFresh rebuilds the trail named name with a fresh projector, which keeps
// the default number of states, and fails t unless the rebuild equals the trail as it
// stands.
func rebuildEqualsFresh(t *testing.T, what string, reg *events.Registry, store events.Store, db *testdb.DB, name string) {
	t.Helper()
	fresh, err := trail.New(reg, store, trail.Core, qrisks.Trail, qcases.Trail)
	if err != nil {
		t.Fatal(err)
	}
	projectiontest.RebuildEquals(t, what, store, db.Pool, projectiontest.Named(fresh, name),
		projectiontest.Table{Name: "trail", OrderBy: "org_id, position"})
}

// TestTrailRefusesTwoDescriptions: two parts describing one kind of stream is a
// wiring mistake, found at start-up.
func TestTrailRefusesTwoDescriptions(t *testing.T) {
	if _, err := trail.New(registry(), nil, qrisks.Trail, qrisks.Trail); err == nil {
		t.Fatal("risk streams described twice were accepted")
	}
}

// onlyStore hides everything of a store but events.Store, as a store that cannot read
// many streams at once (EventStoreDB's) would be seen.
type onlyStore struct{ events.Store }

// countingStore counts the reads of streams made through it.
type countingStore struct {
	*postgres.Store
	one, many atomic.Int64
}

func (s *countingStore) ReadStream(ctx context.Context, id string, opts events.ReadOptions) ([]events.Event, error) {
	s.one.Add(1)
	return s.Store.ReadStream(ctx, id, opts)
}

func (s *countingStore) ReadStreams(ctx context.Context, heads []events.StreamHead) (map[string][]events.Event, error) {
	s.many.Add(1)
	return s.Store.ReadStreams(ctx, heads)
}

// TestTrailFoldsABatchsStreamsAtOnce writes a log over many streams first, so a
// projection catching up gets batches that each name many streams whose states it
// does not hold (it keeps eight); it folds them ahead of their events with one read
// of the log, or stream by stream from a store that cannot do that. Either way the
// trail must equal a rebuild's by a projector that never has to read a stream again.
func TestTrailFoldsABatchsStreamsAtOnce(t *testing.T) {
	for _, c := range []struct {
		name string
		wrap func(*countingStore) events.Store
	}{
		{"one read", func(s *countingStore) events.Store { return s }},
		{"stream by stream", func(s *countingStore) events.Store { return onlyStore{s} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := testdb.New(t)
			reg := registry()
			pg := postgres.New(db.Pool)
			l := &logWriter{t: t, store: pg, reg: reg}
			rng := rand.New(rand.NewPCG(3, 4))
			likelihood := map[int64]int{}
			for cid := int64(100); cid < 106; cid++ {
				l.append(evcases.Stream(cid), 1, evcases.CaseOpened{CaseID: cid, Fields: evcases.Fields{Title: "C", Priority: "low"}, Status: "new"})
			}
			for i := range 600 {
				org := int64(1 + i%2)
				id := int64(1 + rng.IntN(40))
				if l.risk(org, id, likelihood, 1+rng.IntN(5), 1+rng.IntN(5)) {
					continue
				}
				if i%25 == 0 {
					cid := 100 + int64(rng.IntN(6))
					l.append(evcases.Stream(cid), 1, evcases.CaseUpdated{CaseID: cid, Set: json.RawMessage(`{"title":"T` + fmt.Sprint(i) + `"}`),
						Previous: json.RawMessage(`{}`)})
				}
			}
			counted := &countingStore{Store: pg}
			store := c.wrap(counted)
			p, err := trail.New(reg, store, trail.Core, qrisks.Trail, qcases.Trail)
			if err != nil {
				t.Fatal(err)
			}
			p.KeepStates(8)
			live := projectiontest.Named(p, "trail_"+db.Schema)
			r := projectiontest.Run(t, projections.RunnerConfig{Store: store, Pool: db.Pool, Projectors: []projections.Projector{live},
				Subscriber: projections.SubscriberConfig{BatchSize: 50}})
			projectiontest.Wait(t, r, l.last, live.Name())
			// Folded ahead, every state is at hand when its event comes: no stream is
			// read on its own when the store can read many at once.
			one, many := counted.one.Load(), counted.many.Load()
			if _, ok := store.(events.StreamsReader); ok && (one != 0 || many == 0) {
				t.Errorf("%d reads of one stream and %d of many, want none of one", one, many)
			}
			t.Logf("%d reads of one stream, %d of many", one, many)
			rebuildEqualsFresh(t, "caught up and rebuilt", reg, store, db, live.Name())
		})
	}
}
