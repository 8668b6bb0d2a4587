package cases_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/cases"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/cases"
	"github.com/strata-grc/strata/events/evidence"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/cases"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/schema/testdb"
)

// env is one test's database, case streams and live projection. Events are appended
// through the streams with decisions made here, not through the command handler: the
// projection must apply whatever the log holds.
type env struct {
	db      *testdb.DB
	store   *postgres.Store
	reg     *events.Registry
	streams *commands.Streams[cmd.Case]
	ids     *commands.Sequences
	proj    projections.Projector
	runner  *projections.Runner
	// failures are the live projection's failed batches: none of the events the
	// tests append should fail one.
	failures projectiontest.Failures
}

func registry() *events.Registry {
	reg := events.NewRegistry()
	ev.Register(reg)
	evidence.Register(reg)
	return reg
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{db: testdb.New(t), reg: registry()}
	e.store = postgres.New(e.db.Pool)
	e.streams = &commands.Streams[cmd.Case]{Store: e.store, Registry: e.reg, Name: ev.Stream, Evolve: cmd.Evolve}
	e.ids = commands.NewSequences(e.db.Pool)
	// Under a checkpoint name of its own: other tests run a "cases" projection at the
	// same time in their own schemas.
	e.proj = projectiontest.Named(cases.New(e.reg), cases.Name+"-"+e.db.Schema)
	e.runner = projectiontest.Run(t, projections.RunnerConfig{
		Store: e.store, Pool: e.db.Pool, Projectors: []projections.Projector{e.proj},
		Subscriber: projections.SubscriberConfig{
			BatchSize: 50, IdlePoll: 20 * time.Millisecond, Wakeup: e.store.Wakeup().C, OnError: e.failures.OnError,
		},
	})
	return e
}

// gen appends random events over two organizations' cases, following the domain's
// rules closely enough that the state stays meaningful, and now and then file events
// of another kind of record in an engagement's stream, which the projection leaves
// alone.
type gen struct {
	e      *env
	rng    *rand.Rand
	n      int
	last   events.Position
	counts map[string]int
	cases  map[int64][]int64
}

func newGen(e *env, seed uint64) *gen {
	return &gen{e: e, rng: rand.New(rand.NewPCG(seed, 13)), counts: map[string]int{}, cases: map[int64][]int64{}}
}

func (g *gen) meta(org int64) events.Metadata {
	actor := int64(1 + g.rng.IntN(4))
	return events.Metadata{OrgID: org, ActorID: actor, ActorName: fmt.Sprintf("Investigator %d", actor), CorrelationID: "t",
		IP: fmt.Sprintf("10.0.0.%d", actor), UserAgent: "test"}
}

func (g *gen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *gen) text(kind string) string { return fmt.Sprintf("%s %d-%d", kind, g.n, g.rng.IntN(1000)) }

func (g *gen) maybeText(kind string) string { return []string{"", g.text(kind)}[g.rng.IntN(2)] }

func (g *gen) record(op string, pos events.Position) {
	g.counts[op]++
	if pos.Compare(g.last) > 0 {
		g.last = pos
	}
}

func (g *gen) fields() ev.Fields {
	return ev.Fields{Title: g.text("Case"), Description: g.maybeText("About"), Type: g.pick([]string{"", "fraud", "misconduct"}),
		Priority: g.pick(cmd.Priorities), Reporter: g.maybeText("Reporter"), Confidential: g.rng.IntN(4) == 0}
}

func (g *gen) file() evidence.File {
	sum := fmt.Sprintf("%064x", g.rng.Uint64())
	return evidence.File{FileName: g.text("file") + ".pdf", ContentType: "application/pdf", Size: int64(g.rng.IntN(1 << 20)),
		SHA256: sum, Description: g.maybeText("Scan")}
}

func (g *gen) step(ctx context.Context) error {
	g.n++
	org := int64(1 + g.rng.IntN(2))
	if g.rng.IntN(25) == 0 {
		return g.attachment(ctx, org)
	}
	if len(g.cases[org]) == 0 || len(g.cases[org]) < 12 && g.rng.IntN(10) == 0 {
		id, err := g.e.ids.Next(ctx, "case")
		if err != nil {
			return err
		}
		res, err := g.e.streams.Create(ctx, id, g.meta(org), ev.CaseOpened{CaseID: id, Fields: g.fields(), Status: cmd.New})
		if err != nil {
			return err
		}
		g.cases[org] = append(g.cases[org], id)
		g.record("open", res.Position)
		return nil
	}
	id := g.cases[org][g.rng.IntN(len(g.cases[org]))]
	var op string
	res, err := g.e.streams.Execute(ctx, id, nil, g.meta(org), func(agg commands.Aggregate[cmd.Case]) ([]events.Payload, error) {
		for range 10 {
			var ps []events.Payload
			var err error
			op, ps, err = g.decide(ctx, agg.State)
			if err != nil || len(ps) > 0 {
				return ps, err
			}
		}
		op = "nothing"
		return nil, nil
	})
	if err != nil {
		return fmt.Errorf("%s on case %d: %w", op, id, err)
	}
	if res.Changed {
		g.record(op, res.Position)
	}
	return nil
}

// attachment uploads a file to an audit procedure, in an engagement's stream.
func (g *gen) attachment(ctx context.Context, org int64) error {
	id, err := g.e.ids.Next(ctx, "evidence")
	if err != nil {
		return err
	}
	x, err := g.e.reg.Encode(evidence.EvidenceUploaded{EvidenceID: id, Owner: evidence.Owner{Kind: "procedure", ID: 1}, File: g.file()})
	if err != nil {
		return err
	}
	res, err := g.e.store.Append(ctx, fmt.Sprintf("engagement-%d", org), events.Any(), g.meta(org), x)
	if err != nil {
		return err
	}
	g.record("attachment", res.Position)
	return nil
}

// decide picks one change the case's state allows; no payloads when the one picked
// does not apply.
func (g *gen) decide(ctx context.Context, s cmd.Case) (string, []events.Payload, error) {
	files := slices.Sorted(maps.Keys(s.Evidence))
	switch r := g.rng.IntN(100); {
	case r < 20:
		if s.Status == cmd.Completed {
			return "update", nil, nil
		}
		after := s.Fields
		for k := range 6 {
			if g.rng.IntN(3) != 0 {
				continue
			}
			switch k {
			case 0:
				after.Title = g.text("Case")
			case 1:
				after.Description = g.maybeText("About")
			case 2:
				after.Type = g.pick([]string{"", "fraud", "misconduct", "data breach"})
			case 3:
				after.Priority = g.pick(cmd.Priorities)
			case 4:
				after.Reporter = g.maybeText("Reporter")
			case 5:
				after.Confidential = !after.Confidential
			}
		}
		set, prev, err := commands.Diff(s.Fields, after)
		if err != nil || set == nil {
			return "update", nil, err
		}
		return "update", []events.Payload{ev.CaseUpdated{CaseID: s.ID, Set: set, Previous: prev}}, nil
	case r < 35:
		if s.Status == cmd.Completed {
			return "assign", nil, nil
		}
		var to *int64
		if g.rng.IntN(5) > 0 {
			p := int64(1 + g.rng.IntN(6))
			to = &p
		}
		out := []events.Payload{ev.CaseAssigned{CaseID: s.ID, From: s.AssigneeID, AssigneeID: to}}
		switch {
		case s.Status == cmd.New && to != nil:
			out = append(out, ev.CaseStatusChanged{CaseID: s.ID, From: cmd.New, To: cmd.Assigned})
		case s.Status == cmd.Assigned && to == nil:
			out = append(out, ev.CaseStatusChanged{CaseID: s.ID, From: cmd.Assigned, To: cmd.New})
		case s.Status != cmd.New && s.Status != cmd.Assigned && to == nil:
			return "assign", nil, nil
		}
		return "assign", out, nil
	case r < 60:
		if s.AssigneeID == nil {
			return "status", nil, nil
		}
		next := map[string][]string{
			cmd.New: {cmd.InProgress}, cmd.Assigned: {cmd.InProgress}, cmd.InProgress: {cmd.Review},
			cmd.Review: {cmd.Completed, cmd.Completed, cmd.InProgress}, cmd.Completed: {cmd.InProgress},
		}[s.Status]
		x := ev.CaseStatusChanged{CaseID: s.ID, From: s.Status, To: g.pick(next)}
		if x.To == cmd.Completed {
			x.Resolution, x.Comment = g.pick(cmd.Resolutions), g.text("Concluded")
		} else if s.Status == cmd.Review || s.Status == cmd.Completed {
			x.Comment = g.text("Because")
		}
		return "status", []events.Payload{x}, nil
	case r < 75:
		if s.Status == cmd.Completed {
			return "upload", nil, nil
		}
		id, err := g.e.ids.Next(ctx, "evidence")
		if err != nil {
			return "", nil, err
		}
		return "upload", []events.Payload{evidence.EvidenceUploaded{EvidenceID: id,
			Owner: evidence.Owner{Kind: cmd.OwnerKind, ID: s.ID}, File: g.file()}}, nil
	case r < 90:
		if len(files) == 0 {
			return "download", nil, nil
		}
		f := s.Evidence[files[g.rng.IntN(len(files))]]
		return "download", []events.Payload{evidence.EvidenceDownloaded{EvidenceID: f.ID,
			Owner: evidence.Owner{Kind: cmd.OwnerKind, ID: s.ID}, SHA256: f.SHA256, Reason: g.maybeText("Review")}}, nil
	default:
		if len(files) == 0 {
			return "verify", nil, nil
		}
		f := s.Evidence[files[g.rng.IntN(len(files))]]
		result := g.pick([]string{evidence.Match, evidence.Match, evidence.Mismatch})
		return "verify", []events.Payload{evidence.EvidenceVerified{EvidenceID: f.ID,
			Owner: evidence.Owner{Kind: cmd.OwnerKind, ID: s.ID}, SHA256: f.SHA256, Actual: f.SHA256, Result: result,
			During: cmd.DuringVerify}}, nil
	}
}

// tables is the read model the projection owns, for a rebuild to equal row for row.
var tables = []projectiontest.Table{{Name: "cases", OrderBy: "id"}}

// row is a case as the read model holds it, in the shape a replayed case gives.
type row struct {
	OrgID           int64
	Fields          ev.Fields
	Status          string
	AssigneeID      *int64
	Resolution      string
	EvidenceCount   int
	CreatedAt       time.Time
	CreatedBy       int64
	UpdatedAt       time.Time
	UpdatedBy       int64
	StatusChangedAt time.Time
	Version         int64
}

// checkAgainstStreams compares every case in the read model with its stream replayed.
func checkAgainstStreams(t *testing.T, e *env, g *gen) {
	t.Helper()
	ctx := context.Background()
	differences, want := 0, 0
	for org := int64(1); org <= 2; org++ {
		for _, id := range g.cases[org] {
			want++
			agg, _, err := e.streams.Load(ctx, id, events.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			s := agg.State
			replayed := row{OrgID: agg.OrgID, Fields: s.Fields, Status: s.Status, AssigneeID: s.AssigneeID,
				Resolution: s.Resolution, EvidenceCount: len(s.Evidence), CreatedAt: s.CreatedAt.UTC(), CreatedBy: s.CreatedBy,
				UpdatedAt: s.UpdatedAt.UTC(), UpdatedBy: s.UpdatedBy, StatusChangedAt: s.StatusChangedAt.UTC(), Version: s.Version}
			var read row
			var resolution *string
			err = e.db.Pool.QueryRow(ctx, `select org_id, title, description, type, priority, reporter, confidential, status,
				assignee_id, resolution, evidence_count, created_at, created_by, updated_at, updated_by, status_changed_at, version
				from cases where id = $1`, id).Scan(&read.OrgID, &read.Fields.Title, &read.Fields.Description, &read.Fields.Type,
				&read.Fields.Priority, &read.Fields.Reporter, &read.Fields.Confidential, &read.Status, &read.AssigneeID,
				&resolution, &read.EvidenceCount, &read.CreatedAt, &read.CreatedBy, &read.UpdatedAt, &read.UpdatedBy,
				&read.StatusChangedAt, &read.Version)
			if err != nil {
				t.Fatalf("case %d: %v", id, err)
			}
			if resolution != nil {
				read.Resolution = *resolution
			}
			read.CreatedAt, read.UpdatedAt, read.StatusChangedAt = read.CreatedAt.UTC(), read.UpdatedAt.UTC(), read.StatusChangedAt.UTC()
			if r, w := projectiontest.AsJSON(read), projectiontest.AsJSON(replayed); r != w {
				if differences++; differences <= 4 {
					t.Errorf("case %d:\n read model %s\n replayed   %s", id, r, w)
				}
			}
		}
	}
	var n int
	if err := e.db.Pool.QueryRow(ctx, `select count(*) from cases`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("cases holds %d rows, the streams %d", n, want)
	}
}

// The live projection, fed random events over two organizations, equals a rebuild
// from the log row by row, and every case it holds equals its stream replayed.
func TestLiveProjectionEqualsRebuildAndStreams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	g := newGen(e, 20250615)
	for range 500 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("commands: %v", g.counts)
	for _, op := range []string{"open", "update", "assign", "status", "upload", "download", "verify", "attachment"} {
		if g.counts[op] == 0 {
			t.Errorf("the sequence never made a %s event", op)
		}
	}
	projectiontest.Wait(t, e.runner, g.last, e.proj.Name())
	e.failures.Check(t)
	checkAgainstStreams(t, e, g)
	projectiontest.RebuildEquals(t, "live vs rebuild", e.store, e.db.Pool, e.proj, tables...)

	// The live projection carries on in the rebuilt table.
	for range 60 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	projectiontest.Wait(t, e.runner, g.last, e.proj.Name())
	e.failures.Check(t)
	checkAgainstStreams(t, e, g)
}

// Another module's events, and file events in other streams, leave the read model
// alone; an event of a known type that a case's stream should not hold is an error,
// not something to skip.
func TestOtherEventsAreIgnored(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	reg := registry()
	events.Register[stray](reg, 1)
	p := cases.New(reg)
	upload := `{"evidence_id": 1, "owner": {"kind": "case", "id": 1}, "file_name": "a", "size": 1, "sha256": "x"}`
	err := projectiontest.Handle(db.Pool, p,
		events.Event{StreamID: "risk-1", Type: "RiskCreated", Data: json.RawMessage(`{}`)},
		events.Event{StreamID: "case-1", Type: "SomethingElse", Data: json.RawMessage(`{}`)},
		events.Event{StreamID: "engagement-1", Type: "EvidenceUploaded", Data: json.RawMessage(upload)},
		events.Event{StreamID: "engagement-1", Type: "Stray", Data: json.RawMessage(`{}`)},
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := projectiontest.Handle(db.Pool, p, events.Event{StreamID: "case-1", Type: "Stray", Data: json.RawMessage(`{}`)}); err == nil {
		t.Error("a registered event without a handler in a case's stream was skipped")
	}
}

type stray struct{}

func (stray) EventType() string { return "Stray" }

// The application role may use the cases and evidence tables and take ids from their
// sequences: the grants reach tables of later migrations.
func TestAppRoleUsesCaseTables(t *testing.T) {
	t.Parallel()
	projectiontest.AppRoleUses(t, []string{"case", "evidence"}, []string{"cases", "evidence", "evidence_custody"})
}
