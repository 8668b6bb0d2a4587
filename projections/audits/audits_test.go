package audits_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/audits"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/audits"
	"github.com/strata-grc/strata/projections/projectiontest"
	qaudits "github.com/strata-grc/strata/queries/audits"
	"github.com/strata-grc/strata/schema/testdb"
)

// today is the reader's fixed date, so some due dates are past and some are not.
var today = time.Date(2025, 6, 15, 9, 0, 0, 0, time.UTC)

// env is one test's database, engagement streams, reader and live projection. Events
// are appended through the streams with decisions made here, not through the command
// handler: the projection must apply whatever the log holds.
type env struct {
	db      *testdb.DB
	store   *postgres.Store
	streams *commands.Streams[cmd.Engagement]
	ids     *commands.Sequences
	keys    *commands.Keys
	reader  *qaudits.Reader
	proj    projections.Projector
	runner  *projections.Runner
	// failures are the live projection's failed batches: none of the events the
	// tests append should fail one.
	failures projectiontest.Failures
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{db: testdb.New(t)}
	reg := events.NewRegistry()
	ev.Register(reg)
	e.store = postgres.New(e.db.Pool)
	e.streams = &commands.Streams[cmd.Engagement]{Store: e.store, Registry: reg, Name: ev.Stream, Evolve: cmd.Evolve}
	e.ids = commands.NewSequences(e.db.Pool)
	e.keys = commands.NewKeys(e.db.Pool)
	e.reader = qaudits.NewReader(e.db.Pool, e.streams, func() time.Time { return today })
	// Under a checkpoint name of its own: other tests run an "audits" projection at
	// the same time in their own schemas.
	e.proj = projectiontest.Named(audits.New(reg), audits.Name+"-"+e.db.Schema)
	e.runner = projectiontest.Run(t, projections.RunnerConfig{
		Store: e.store, Pool: e.db.Pool, Projectors: []projections.Projector{e.proj},
		Subscriber: projections.SubscriberConfig{
			BatchSize: 50, IdlePoll: 20 * time.Millisecond, Wakeup: e.store.Wakeup().C, OnError: e.failures.OnError,
		},
	})
	return e
}

func (e *env) wait(t *testing.T, pos events.Position) {
	t.Helper()
	projectiontest.Wait(t, e.runner, pos, e.proj.Name())
}

// gen appends random events over two organizations' engagements, following the
// domain's rules closely enough that the state stays meaningful.
type gen struct {
	e           *env
	rng         *rand.Rand
	n           int
	last        events.Position
	counts      map[string]int
	engagements map[int64][]int64
	findings    map[int64][]int64
}

func newGen(e *env, seed uint64) *gen {
	return &gen{e: e, rng: rand.New(rand.NewPCG(seed, 12)), counts: map[string]int{},
		engagements: map[int64][]int64{}, findings: map[int64][]int64{}}
}

func (g *gen) meta(org int64) events.Metadata {
	actor := int64(1 + g.rng.IntN(4))
	return events.Metadata{OrgID: org, ActorID: actor, ActorName: fmt.Sprintf("Auditor %d", actor), CorrelationID: "t"}
}

func (g *gen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *gen) text(kind string) string { return fmt.Sprintf("%s %d-%d", kind, g.n, g.rng.IntN(1000)) }

func (g *gen) maybeText(kind string) string { return []string{"", g.text(kind)}[g.rng.IntN(2)] }

func (g *gen) person() *int64 {
	if g.rng.IntN(4) == 0 {
		return nil
	}
	p := int64(1 + g.rng.IntN(6))
	return &p
}

func (g *gen) date() *string {
	if g.rng.IntN(4) == 0 {
		return nil
	}
	d := today.AddDate(0, 0, g.rng.IntN(120)-60).Format(time.DateOnly)
	return &d
}

func (g *gen) ref() *int64 {
	if g.rng.IntN(2) == 0 {
		return nil
	}
	r := int64(1 + g.rng.IntN(20))
	return &r
}

func (g *gen) record(op string, res commands.Result) {
	g.counts[op]++
	if res.Changed && res.Position.Compare(g.last) > 0 {
		g.last = res.Position
	}
}

func (g *gen) step(ctx context.Context) error {
	g.n++
	org := int64(1 + g.rng.IntN(2))
	if len(g.engagements[org]) == 0 || len(g.engagements[org]) < 10 && g.rng.IntN(12) == 0 {
		return g.createEngagement(ctx, org)
	}
	id := g.engagements[org][g.rng.IntN(len(g.engagements[org]))]
	var op string
	res, err := g.e.streams.Execute(ctx, id, nil, g.meta(org), func(agg commands.Aggregate[cmd.Engagement]) ([]events.Payload, error) {
		for range 10 {
			var ps []events.Payload
			var err error
			op, ps, err = g.decide(ctx, org, agg.State)
			if err != nil || len(ps) > 0 {
				return ps, err
			}
		}
		op = "nothing"
		return nil, nil
	})
	if err != nil {
		return fmt.Errorf("%s on engagement %d: %w", op, id, err)
	}
	g.record(op, res)
	return nil
}

func (g *gen) createEngagement(ctx context.Context, org int64) error {
	id, err := g.e.ids.Next(ctx, "engagement")
	if err != nil {
		return err
	}
	f := ev.Fields{Title: g.text("Engagement"), Scope: g.maybeText("Scope"), Auditee: g.maybeText("Auditee"),
		LeadAuditorID: g.person(), PlannedStart: g.date(), PlannedEnd: g.date()}
	res, err := g.e.streams.Create(ctx, id, g.meta(org), ev.EngagementCreated{EngagementID: id, Fields: f,
		Phase: cmd.Planning, Status: g.pick([]string{cmd.OnTrack, cmd.AtRisk, cmd.Delayed})})
	if err != nil {
		return fmt.Errorf("create engagement: %w", err)
	}
	g.engagements[org] = append(g.engagements[org], id)
	g.record("create_engagement", res)
	return nil
}

// decide picks one change the engagement's state allows; no payloads when the one
// picked does not apply.
func (g *gen) decide(ctx context.Context, org int64, s cmd.Engagement) (string, []events.Payload, error) {
	open := s.Phase != cmd.Completed && s.Status != cmd.Cancelled
	var unsigned, signable, findings []int64
	for _, id := range slices.Sorted(maps.Keys(s.Procedures)) {
		p := s.Procedures[id]
		if p.SignedOffBy == nil {
			unsigned = append(unsigned, id)
			if p.Status == cmd.Done && p.Conclusion != "" {
				signable = append(signable, id)
			}
		}
	}
	findings = slices.Sorted(maps.Keys(s.Findings))
	anyOpen := false
	for _, f := range s.Findings {
		anyOpen = anyOpen || f.Status == cmd.Open
	}
	comment := func() string { return g.text("Because") }
	switch r := g.rng.IntN(100); {
	case r < 10:
		after := s.Fields
		for _, k := range []int{0, 1, 2, 3, 4, 5} {
			if g.rng.IntN(3) != 0 {
				continue
			}
			switch k {
			case 0:
				after.Title = g.text("Engagement")
			case 1:
				after.Scope = g.maybeText("Scope")
			case 2:
				after.Auditee = g.maybeText("Auditee")
			case 3:
				after.LeadAuditorID = g.person()
			case 4:
				after.PlannedStart = g.date()
			case 5:
				after.PlannedEnd = g.date()
			}
		}
		set, prev, err := commands.Diff(s.Fields, after)
		if err != nil || set == nil {
			return "update_engagement", nil, err
		}
		return "update_engagement", []events.Payload{ev.EngagementUpdated{EngagementID: s.ID, Set: set, Previous: prev}}, nil
	case r < 18:
		if s.Status == cmd.Cancelled {
			return "phase", nil, nil
		}
		i := slices.Index(cmd.Phases, s.Phase)
		if i < len(cmd.Phases)-1 && (i == 0 || g.rng.IntN(4) > 0) {
			to := cmd.Phases[i+1]
			if to == cmd.Reporting && anyOpen {
				return "phase", nil, nil
			}
			return "phase", []events.Payload{ev.EngagementPhaseChanged{EngagementID: s.ID, From: s.Phase, To: to}}, nil
		}
		return "phase_back", []events.Payload{ev.EngagementPhaseChanged{EngagementID: s.ID, From: s.Phase,
			To: cmd.Phases[g.rng.IntN(i)], Comment: comment()}}, nil
	case r < 23:
		to := g.pick(cmd.Statuses)
		if to == s.Status {
			return "status", nil, nil
		}
		x := ev.EngagementStatusChanged{EngagementID: s.ID, From: s.Status, To: to}
		if to == cmd.Cancelled || s.Status == cmd.Cancelled {
			x.Comment = comment()
		}
		return "status", []events.Payload{x}, nil
	case r < 33:
		if !open {
			return "add_procedure", nil, nil
		}
		id, err := g.e.ids.Next(ctx, "procedure")
		if err != nil {
			return "", nil, err
		}
		p := ev.Procedure{Title: g.text("Procedure"), Description: g.maybeText("Steps"), AssignedTo: g.person(),
			Status: g.pick(cmd.ProcedureStatuses), Conclusion: g.maybeText("Concluded")}
		return "add_procedure", []events.Payload{ev.ProcedureAdded{EngagementID: s.ID, ProcedureID: id, Procedure: p}}, nil
	case r < 45:
		if !open || len(unsigned) == 0 {
			return "update_procedure", nil, nil
		}
		id := unsigned[g.rng.IntN(len(unsigned))]
		before := s.Procedures[id].Procedure
		after := before
		switch g.rng.IntN(5) {
		case 0:
			after.Title = g.text("Procedure")
		case 1:
			after.Description = g.maybeText("Steps")
		case 2:
			after.AssignedTo = g.person()
		case 3:
			after.Status = g.pick(cmd.ProcedureStatuses)
		case 4:
			after.Status, after.Conclusion = cmd.Done, g.text("Concluded")
		}
		set, prev, err := commands.Diff(before, after)
		if err != nil || set == nil {
			return "update_procedure", nil, err
		}
		return "update_procedure", []events.Payload{ev.ProcedureUpdated{EngagementID: s.ID, ProcedureID: id, Set: set, Previous: prev}}, nil
	case r < 52:
		if !open || len(signable) == 0 {
			return "sign_off", nil, nil
		}
		id := signable[g.rng.IntN(len(signable))]
		by := int64(7) // nobody is assigned 7
		return "sign_off", []events.Payload{ev.ProcedureSignedOff{EngagementID: s.ID, ProcedureID: id, SignedOffBy: by,
			Comment: g.maybeText("Reviewed")}}, nil
	case r < 66:
		if !open {
			return "create_finding", nil, nil
		}
		id, err := g.e.ids.Next(ctx, "finding")
		if err != nil {
			return "", nil, err
		}
		// The command side files the finding under its engagement before appending.
		if err := g.e.keys.Reserve(ctx, "finding", org, strconv.FormatInt(id, 10), s.ID); err != nil {
			return "", nil, err
		}
		f := ev.FindingFields{Title: g.text("Finding"), Description: g.maybeText("Observed"), Severity: g.pick(cmd.Severities),
			RiskID: g.ref(), ControlID: g.ref(), AssignedTo: g.person(), DueDate: g.date()}
		x := ev.FindingCreated{EngagementID: s.ID, FindingID: id, FindingFields: f, Status: cmd.Open}
		if g.rng.IntN(4) == 0 {
			x.SourceTestID = g.ref()
		}
		g.findings[org] = append(g.findings[org], id)
		return "create_finding", []events.Payload{x}, nil
	case r < 78:
		if len(findings) == 0 {
			return "update_finding", nil, nil
		}
		id := findings[g.rng.IntN(len(findings))]
		f := s.Findings[id]
		after := f.FindingFields
		frozen := f.Status != cmd.Open
		for range 1 + g.rng.IntN(2) {
			switch k := g.rng.IntN(7); {
			case k == 0 && !frozen:
				after.Title = g.text("Finding")
			case k == 1 && !frozen:
				after.Description = g.maybeText("Observed")
			case k == 2 && !frozen:
				after.Severity = g.pick(cmd.Severities)
			case k == 3 && !frozen:
				after.RiskID = g.ref()
			case k == 4 && !frozen:
				after.ControlID = g.ref()
			case k == 5:
				after.AssignedTo = g.person()
			case k == 6:
				after.DueDate = g.date()
			}
		}
		set, prev, err := commands.Diff(f.FindingFields, after)
		if err != nil || set == nil {
			return "update_finding", nil, err
		}
		return "update_finding", []events.Payload{ev.FindingUpdated{EngagementID: s.ID, FindingID: id, Set: set, Previous: prev}}, nil
	case r < 90:
		if len(findings) == 0 {
			return "finding_status", nil, nil
		}
		id := findings[g.rng.IntN(len(findings))]
		from := s.Findings[id].Status
		x := ev.FindingStatusChanged{EngagementID: s.ID, FindingID: id, From: from}
		switch {
		case from == cmd.Open:
			x.To = cmd.Approved
		case from == cmd.Approved && g.rng.IntN(3) > 0:
			x.To, x.Comment = cmd.Closed, g.text("Verified")
		default:
			x.To, x.Comment = cmd.Open, comment()
		}
		return "finding_status", []events.Payload{x}, nil
	default:
		if len(findings) == 0 {
			return "respond", nil, nil
		}
		id := findings[g.rng.IntN(len(findings))]
		r := ev.ManagementResponse{Response: g.text("We will"), ActionPlan: g.maybeText("Plan"), TargetDate: g.date()}
		return "respond", []events.Payload{ev.ManagementResponseSubmitted{EngagementID: s.ID, FindingID: id,
			ManagementResponse: r, SubmittedBy: int64(1 + g.rng.IntN(6))}}, nil
	}
}

// tables are the read models the projection owns, for a rebuild to equal row for row.
var tables = []projectiontest.Table{
	{Name: "audit_engagements", OrderBy: "id"},
	{Name: "audit_procedures", OrderBy: "id"},
	{Name: "audit_findings", OrderBy: "id"},
	{Name: "audit_finding_responses", OrderBy: "position"},
}

// checkAgainstStreams compares every engagement's and every finding's detail read
// from the read model with the one replayed from its stream, and the tables' sizes
// with what the streams hold.
func checkAgainstStreams(t *testing.T, e *env, g *gen) {
	t.Helper()
	ctx := context.Background()
	differences := projectiontest.NewDifferences(t)
	defer differences.Report()
	want := map[string]int{}
	for org := int64(1); org <= 2; org++ {
		for _, id := range g.engagements[org] {
			replayed, err := e.reader.CurrentEngagement(ctx, org, id)
			if err != nil {
				t.Fatalf("replay engagement %d: %v", id, err)
			}
			read, err := e.reader.Engagement(ctx, org, id)
			if err != nil {
				t.Errorf("read model engagement %d: %v", id, err)
				continue
			}
			if r, w := projectiontest.AsJSON(read), projectiontest.AsJSON(replayed); r != w {
				differences.Errorf("engagement %d:\n read model %s\n replayed   %s", id, r, w)
			}
			if _, err := e.reader.Engagement(ctx, 3-org, id); strata.ErrorCode(err) != strata.NotFound {
				t.Errorf("engagement %d of organization %d, read by organization %d: %v", id, org, 3-org, err)
			}
			want["audit_engagements"]++
			want["audit_procedures"] += len(replayed.Procedures)
		}
		for _, id := range g.findings[org] {
			replayed, err := e.reader.CurrentFinding(ctx, org, id)
			if err != nil {
				t.Fatalf("replay finding %d: %v", id, err)
			}
			read, err := e.reader.Finding(ctx, org, id)
			if err != nil {
				t.Errorf("read model finding %d: %v", id, err)
				continue
			}
			if r, w := projectiontest.AsJSON(read), projectiontest.AsJSON(replayed); r != w {
				differences.Errorf("finding %d:\n read model %s\n replayed   %s", id, r, w)
			}
			if _, err := e.reader.Finding(ctx, 3-org, id); strata.ErrorCode(err) != strata.NotFound {
				t.Errorf("finding %d of organization %d, read by organization %d: %v", id, org, 3-org, err)
			}
			want["audit_findings"]++
			want["audit_finding_responses"] += len(replayed.ManagementResponses)
		}
	}
	for _, table := range tables {
		var n int
		if err := e.db.Pool.QueryRow(ctx, `select count(*) from `+table.Name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want[table.Name] {
			t.Errorf("%s holds %d rows, the streams %d", table.Name, n, want[table.Name])
		}
	}
}

// The live projection, fed random events over two organizations, equals a rebuild
// from the log table by table, and every engagement and finding it holds equals its
// stream replayed.
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
	for _, op := range []string{"update_engagement", "phase", "phase_back", "status", "add_procedure", "update_procedure",
		"sign_off", "create_finding", "update_finding", "finding_status", "respond"} {
		if g.counts[op] == 0 {
			t.Errorf("the sequence never made a %s event", op)
		}
	}
	e.wait(t, g.last)
	e.failures.Check(t)
	checkAgainstStreams(t, e, g)

	projectiontest.RebuildEquals(t, "live vs rebuild", e.store, e.db.Pool, e.proj, tables...)
	checkAgainstStreams(t, e, g)

	// The live projection carries on in the rebuilt tables.
	for range 60 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.wait(t, g.last)
	e.failures.Check(t)
	checkAgainstStreams(t, e, g)
}

// Another module's events, in streams of its own, leave the read models alone.
func TestOtherModulesEventsAreIgnored(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	reg := events.NewRegistry()
	ev.Register(reg)
	err := projectiontest.Handle(db.Pool, audits.New(reg),
		events.Event{StreamID: "risk-1", Type: "RiskCreated", Data: json.RawMessage(`{}`)},
		events.Event{StreamID: "engagement-1", Type: "SomethingElse", Data: json.RawMessage(`{}`)},
	)
	if err != nil {
		t.Fatal(err)
	}
}

// The application role may use the audit tables and take ids from their sequences:
// the grants reach tables of later migrations.
func TestAppRoleUsesAuditTables(t *testing.T) {
	t.Parallel()
	projectiontest.AppRoleUses(t, []string{"engagement", "procedure", "finding"}, audits.New(events.NewRegistry()).Tables())
}
