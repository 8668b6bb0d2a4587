package audits_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/audits"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	paudits "github.com/strata-grc/strata/projections/audits"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/queries"
	qa "github.com/strata-grc/strata/queries/audits"
	"github.com/strata-grc/strata/queries/dashboard"
	"github.com/strata-grc/strata/queries/querytest"
	"github.com/strata-grc/strata/schema/testdb"
)

// env is a test's database with the audits projection running. Events are appended
// through the engagement streams as the command side would append them.
type env struct {
	t       *testing.T
	db      *testdb.DB
	streams *commands.Streams[cmd.Engagement]
	ids     *commands.Sequences
	keys    *commands.Keys
	r       *qa.Reader
	now     atomic.Pointer[time.Time]
	name    string
	runner  *projections.Runner
	last    events.Position
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, db: testdb.New(t)}
	reg := events.NewRegistry()
	ev.Register(reg)
	store := postgres.New(e.db.Pool)
	e.streams = &commands.Streams[cmd.Engagement]{Store: store, Registry: reg, Name: ev.Stream, Evolve: cmd.Evolve}
	e.ids, e.keys = commands.NewSequences(e.db.Pool), commands.NewKeys(e.db.Pool)
	e.setToday("2025-06-15")
	e.r = qa.NewReader(e.db.Pool, e.streams, func() time.Time { return *e.now.Load() })
	// Checkpoint names of their own: tests run side by side.
	e.name = paudits.Name + "-" + e.db.Schema
	e.runner = projectiontest.Run(t, projections.RunnerConfig{
		Store: store, Pool: e.db.Pool, Projectors: []projections.Projector{projectiontest.Named(paudits.New(reg), e.name)},
		Subscriber: projections.SubscriberConfig{IdlePoll: 20 * time.Millisecond, Wakeup: store.Wakeup().C},
	})
	return e
}

// setToday moves the reader's clock to late evening UTC of a date, so a reader that
// took the date in another zone would be a day off.
func (e *env) setToday(date string) {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		e.t.Fatal(err)
	}
	at := d.Add(23*time.Hour + 30*time.Minute)
	e.now.Store(&at)
}

func (e *env) sync() {
	e.t.Helper()
	projectiontest.Wait(e.t, e.runner, e.last, e.name)
}

func meta(org, actor int64) events.Metadata {
	return events.Metadata{OrgID: org, ActorID: actor, ActorName: fmt.Sprintf("Person %d", actor), CorrelationID: "t"}
}

func (e *env) done(res commands.Result, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Changed && res.Position.Compare(e.last) > 0 {
		e.last = res.Position
	}
}

func (e *env) engagement(org int64, f ev.Fields, status string) int64 {
	e.t.Helper()
	id, err := e.ids.Next(context.Background(), "engagement")
	if err != nil {
		e.t.Fatal(err)
	}
	e.done(e.streams.Create(context.Background(), id, meta(org, 1), ev.EngagementCreated{EngagementID: id, Fields: f,
		Phase: cmd.Planning, Status: status}))
	return id
}

// append adds events to an engagement; make builds them from its current state.
func (e *env) append(org, actor, id int64, make func(s cmd.Engagement) []events.Payload) {
	e.t.Helper()
	e.done(e.streams.Execute(context.Background(), id, nil, meta(org, actor), func(agg commands.Aggregate[cmd.Engagement]) ([]events.Payload, error) {
		return make(agg.State), nil
	}))
}

func (e *env) events(org, id int64, ps ...events.Payload) {
	e.t.Helper()
	e.append(org, 1, id, func(cmd.Engagement) []events.Payload { return ps })
}

// toPhase walks an engagement forward to a phase.
func (e *env) toPhase(org, id int64, phase string) {
	e.t.Helper()
	e.append(org, 1, id, func(s cmd.Engagement) []events.Payload {
		var out []events.Payload
		for i := slices.Index(cmd.Phases, s.Phase); cmd.Phases[i] != phase; i++ {
			out = append(out, ev.EngagementPhaseChanged{EngagementID: id, From: cmd.Phases[i], To: cmd.Phases[i+1]})
		}
		return out
	})
}

func (e *env) finding(org, engagementID int64, f ev.FindingFields) int64 {
	e.t.Helper()
	ctx := context.Background()
	id, err := e.ids.Next(ctx, "finding")
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.keys.Reserve(ctx, "finding", org, strconv.FormatInt(id, 10), engagementID); err != nil {
		e.t.Fatal(err)
	}
	if f.Severity == "" {
		f.Severity = "Medium"
	}
	e.events(org, engagementID, ev.FindingCreated{EngagementID: engagementID, FindingID: id, FindingFields: f, Status: cmd.Open})
	return id
}

// setStatus moves a finding to a status through the allowed steps.
func (e *env) setStatus(org, engagementID, findingID int64, to string) {
	e.t.Helper()
	e.append(org, 1, engagementID, func(s cmd.Engagement) []events.Payload {
		from := s.Findings[findingID].Status
		var out []events.Payload
		for from != to {
			next := map[string]string{cmd.Open: cmd.Approved, cmd.Approved: cmd.Closed, cmd.Closed: cmd.Open}[from]
			out = append(out, ev.FindingStatusChanged{EngagementID: engagementID, FindingID: findingID, From: from, To: next,
				Comment: "step"})
			from = next
		}
		return out
	})
}

// risk puts a risk straight into the risk register's read model, rated by its score.
func (e *env) risk(org, id int64, likelihood, impact int, deleted bool) {
	e.t.Helper()
	_, err := e.db.Pool.Exec(context.Background(), `insert into risks (id, org_id, title, category, status, likelihood, impact,
		created_at, created_by, updated_at, updated_by, version, deleted_at)
		values ($1, $2, $3, 'Operational', 'Identified', $4, $5, now(), 1, now(), 1, 1, case when $6 then now() end)`,
		id, org, fmt.Sprintf("Risk %d", id), likelihood, impact, deleted)
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) control(org, id int64, code string) {
	e.t.Helper()
	_, err := e.db.Pool.Exec(context.Background(), `insert into controls (id, org_id, code, title, description, status, type,
		frequency, created_at, created_by, updated_at, updated_by, version)
		values ($1, $2, $3, 'Control ' || $3, '', 'Active', 'preventive', 'monthly', now(), 1, now(), 1, 1)`, id, org, code)
	if err != nil {
		e.t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func ids[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

func findingID(f qa.Finding) int64       { return f.ID }
func engagementID(g qa.Engagement) int64 { return g.ID }

// Every engagement filter keeps what it says, every sort walks the list in order
// across pages, and another organization's engagements never show.
func TestEngagementList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	type spec struct {
		title, scope, auditee string
		lead                  *int64
		start                 *string
		phase, status         string
	}
	specs := []spec{
		{"Payroll audit", "Payroll runs", "Finance", ptr(int64(3)), ptr("2025-03-01"), cmd.Planning, cmd.OnTrack},
		{"Access review", "IAM", "IT", ptr(int64(4)), nil, cmd.Fieldwork, cmd.AtRisk},
		{"Vendor onboarding", "Third parties", "Procurement", nil, ptr("2025-01-15"), cmd.Review, cmd.Delayed},
		{"Backup testing", "Restores", "IT", ptr(int64(3)), ptr("2025-03-01"), cmd.Reporting, cmd.OnTrack},
		{"Year-end close", "Ledger", "Finance", ptr(int64(4)), ptr("2024-12-01"), cmd.Completed, cmd.OnTrack},
		{"Cancelled review", "Nothing", "Sales", nil, nil, cmd.Fieldwork, cmd.Cancelled},
		{"access logging", "Logs", "IT", ptr(int64(3)), ptr("2025-05-05"), cmd.Planning, cmd.Delayed},
	}
	var all []int64
	for _, s := range specs {
		status := s.status
		if status == cmd.Cancelled {
			status = cmd.OnTrack
		}
		id := e.engagement(1, ev.Fields{Title: s.title, Scope: s.scope, Auditee: s.auditee, LeadAuditorID: s.lead,
			PlannedStart: s.start}, status)
		e.toPhase(1, id, s.phase)
		if s.status == cmd.Cancelled {
			e.events(1, id, ev.EngagementStatusChanged{EngagementID: id, From: cmd.OnTrack, To: cmd.Cancelled, Comment: "no budget"})
		}
		all = append(all, id)
	}
	// Another organization's engagement matches every filter below that it can.
	other := e.engagement(2, ev.Fields{Title: "Payroll audit", Scope: "IAM", Auditee: "IT", LeadAuditorID: ptr(int64(3)),
		PlannedStart: ptr("2025-03-01")}, cmd.OnTrack)
	e.sync()

	byIndex := func(is ...int) []int64 {
		out := []int64{}
		for _, i := range is {
			out = append(out, all[i])
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    qa.EngagementFilter
		want []int64
	}{
		{"all", qa.EngagementFilter{}, all},
		{"phase", qa.EngagementFilter{Phase: cmd.Fieldwork}, byIndex(1, 5)},
		{"status", qa.EngagementFilter{Status: cmd.OnTrack}, byIndex(0, 3, 4)},
		{"lead", qa.EngagementFilter{LeadAuditorID: 3}, byIndex(0, 3, 6)},
		{"active", qa.EngagementFilter{Active: ptr(true)}, byIndex(0, 1, 2, 3, 6)},
		{"not active", qa.EngagementFilter{Active: ptr(false)}, byIndex(4, 5)},
		{"cancelled", qa.EngagementFilter{Cancelled: ptr(true)}, byIndex(5)},
		{"not cancelled", qa.EngagementFilter{Cancelled: ptr(false)}, byIndex(0, 1, 2, 3, 4, 6)},
		{"q in title, any case", qa.EngagementFilter{Q: "ACCESS"}, byIndex(1, 6)},
		{"q in scope", qa.EngagementFilter{Q: "restore"}, byIndex(3)},
		{"q in auditee", qa.EngagementFilter{Q: "procure"}, byIndex(2)},
		{"q with a wildcard is literal", qa.EngagementFilter{Q: "%"}, []int64{}},
		{"combined", qa.EngagementFilter{LeadAuditorID: 3, Active: ptr(true), Phase: cmd.Planning}, byIndex(0, 6)},
	} {
		got := querytest.Walk(t, c.name, func(cursor string) (queries.Page[qa.Engagement], error) {
			f := c.f
			f.Limit, f.Cursor = 2, cursor
			return e.r.Engagements(ctx, 1, f)
		})
		if g := ids(got, engagementID); !slices.Equal(g, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, g, c.want)
		}
	}

	// Sorts, walked two at a time, against the same order computed here.
	full, err := e.r.Engagements(ctx, 1, qa.EngagementFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	dateKey := func(d *string) string {
		if d == nil {
			return "infinity" // after every date, as the list sorts undated rows
		}
		return *d
	}
	for _, c := range []struct {
		sort string
		cmp  func(a, b qa.Engagement) int
	}{
		{"updated_at", func(a, b qa.Engagement) int { return a.UpdatedAt.Compare(b.UpdatedAt) }},
		{"-updated_at", func(a, b qa.Engagement) int { return b.UpdatedAt.Compare(a.UpdatedAt) }},
		{"planned_start", func(a, b qa.Engagement) int { return cmp.Compare(dateKey(a.PlannedStart), dateKey(b.PlannedStart)) }},
		{"-planned_start", func(a, b qa.Engagement) int { return cmp.Compare(dateKey(b.PlannedStart), dateKey(a.PlannedStart)) }},
		{"title", nil},
	} {
		var want []qa.Engagement
		if c.cmp != nil {
			want = querytest.Ordered(full.Items, c.cmp, c.sort[0] == '-', engagementID)
		} else {
			// The database's collation orders titles; ask it rather than guess.
			rows, err := e.db.Pool.Query(ctx, `select id from audit_engagements where org_id = 1 order by title, id`)
			if err != nil {
				t.Fatal(err)
			}
			var order []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				order = append(order, id)
			}
			for _, id := range order {
				for _, g := range full.Items {
					if g.ID == id {
						want = append(want, g)
					}
				}
			}
		}
		got := querytest.Walk(t, c.sort, func(cursor string) (queries.Page[qa.Engagement], error) {
			return e.r.Engagements(ctx, 1, qa.EngagementFilter{Sort: c.sort, Limit: 2, Cursor: cursor})
		})
		if g, w := ids(got, engagementID), ids(want, engagementID); !slices.Equal(g, w) {
			t.Errorf("sort %s: got %v, want %v", c.sort, g, w)
		}
	}

	page, err := e.r.Engagements(ctx, 2, qa.EngagementFilter{})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != other {
		t.Errorf("organization 2 lists %+v (%v), want only engagement %d", page.Items, err, other)
	}

	// Unknown values are refused, naming the filter.
	first, err := e.r.Engagements(ctx, 1, qa.EngagementFilter{Limit: 2, Sort: "title"})
	if err != nil || first.NextCursor == nil {
		t.Fatalf("first page: %v", err)
	}
	for _, c := range []struct {
		f     qa.EngagementFilter
		field string
	}{
		{qa.EngagementFilter{Phase: "Done"}, "phase"},
		{qa.EngagementFilter{Status: "Cancelled "}, "status"},
		{qa.EngagementFilter{Sort: "-title"}, "sort"},
		{qa.EngagementFilter{LeadAuditorID: -1}, "lead_auditor_id"},
		{qa.EngagementFilter{Limit: 501}, "limit"},
		{qa.EngagementFilter{Q: "a\x00b"}, "q"},
		{qa.EngagementFilter{Sort: "updated_at", Cursor: *first.NextCursor}, ""}, // another sort's cursor
		{qa.EngagementFilter{Cursor: "not a cursor"}, ""},
		{qa.EngagementFilter{Sort: "planned_start", Cursor: queries.Cursor{Sort: "planned_start", ID: 1,
			Key: json.RawMessage(`"31/12/2025"`)}.Encode()}, ""},
	} {
		_, err := e.r.Engagements(ctx, 1, c.f)
		querytest.InvalidField(t, fmt.Sprintf("%+v", c.f), err, c.field)
	}
}

// Every finding filter keeps what it says; overdue follows the reader's today;
// risk_rating follows the risk register's read model; every sort walks the list in
// order across pages.
func TestFindingList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// Risks 1-4 rated Low, Medium, High, Critical; 5 deleted; 6 another organization's.
	e.risk(1, 1, 1, 2, false)
	e.risk(1, 2, 2, 3, false)
	e.risk(1, 3, 3, 4, false)
	e.risk(1, 4, 5, 5, false)
	e.risk(1, 5, 5, 5, true)
	e.risk(2, 6, 5, 5, false)

	g1 := e.engagement(1, ev.Fields{Title: "Payroll audit"}, cmd.OnTrack)
	g2 := e.engagement(1, ev.Fields{Title: "IT general controls"}, cmd.OnTrack)
	o1 := e.engagement(2, ev.Fields{Title: "Other organization"}, cmd.OnTrack)

	type want struct {
		id         int64
		engagement int64
		f          ev.FindingFields
		status     string
	}
	var made []want
	severities := cmd.Severities
	dates := []*string{nil, ptr("2025-06-14"), ptr("2025-06-15"), ptr("2025-06-16"), ptr("2025-01-01"), ptr("2025-06-14")}
	risks := []*int64{nil, ptr(int64(1)), ptr(int64(2)), ptr(int64(3)), ptr(int64(4)), ptr(int64(5)), ptr(int64(6)), ptr(int64(99))}
	statuses := []string{cmd.Open, cmd.Approved, cmd.Closed}
	for i := range 36 {
		eng := []int64{g1, g2}[i%2]
		f := ev.FindingFields{
			Title:       fmt.Sprintf("Finding %d about %s", i, []string{"passwords", "backups", "payroll"}[i%3]),
			Description: []string{"", "Weak_password policy", "100% of samples"}[i%3],
			Severity:    severities[(i/2)%4], RiskID: risks[i%len(risks)], DueDate: dates[i%len(dates)],
			AssignedTo: []*int64{nil, ptr(int64(5)), ptr(int64(6))}[i%3], ControlID: []*int64{nil, ptr(int64(40))}[(i/3)%2],
		}
		id := e.finding(1, eng, f)
		status := statuses[(i/4)%3]
		if status != cmd.Open {
			e.setStatus(1, eng, id, status)
		}
		made = append(made, want{id, eng, f, status})
	}
	// The other organization's findings would match every filter.
	for i := range 6 {
		id := e.finding(2, o1, ev.FindingFields{Title: "Finding about passwords", Severity: severities[i%4],
			RiskID: risks[i%len(risks)], DueDate: ptr("2025-01-01"), AssignedTo: ptr(int64(5)), ControlID: ptr(int64(40))})
		_ = id
	}
	e.sync()

	rating := map[int64]string{1: "Low", 2: "Medium", 3: "High", 4: "Critical"}
	overdueOn := func(w want, today string) bool {
		return w.f.DueDate != nil && *w.f.DueDate < today && w.status != cmd.Closed
	}
	keep := func(pred func(w want) bool) []int64 {
		out := []int64{}
		for _, w := range made {
			if pred(w) {
				out = append(out, w.id)
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    qa.FindingFilter
		want []int64
	}{
		{"all", qa.FindingFilter{}, keep(func(want) bool { return true })},
		{"engagement", qa.FindingFilter{EngagementID: g2}, keep(func(w want) bool { return w.engagement == g2 })},
		{"another organization's engagement", qa.FindingFilter{EngagementID: o1}, []int64{}},
		{"status", qa.FindingFilter{Status: cmd.Approved}, keep(func(w want) bool { return w.status == cmd.Approved })},
		{"severity", qa.FindingFilter{Severity: "High"}, keep(func(w want) bool { return w.f.Severity == "High" })},
		{"assigned_to", qa.FindingFilter{AssignedTo: 5}, keep(func(w want) bool { return w.f.AssignedTo != nil && *w.f.AssignedTo == 5 })},
		{"risk_id", qa.FindingFilter{RiskID: 3}, keep(func(w want) bool { return w.f.RiskID != nil && *w.f.RiskID == 3 })},
		{"control_id", qa.FindingFilter{ControlID: 40}, keep(func(w want) bool { return w.f.ControlID != nil })},
		{"open", qa.FindingFilter{Open: ptr(true)}, keep(func(w want) bool { return w.status != cmd.Closed })},
		{"closed", qa.FindingFilter{Open: ptr(false)}, keep(func(w want) bool { return w.status == cmd.Closed })},
		{"overdue", qa.FindingFilter{Overdue: ptr(true)}, keep(func(w want) bool { return overdueOn(w, "2025-06-15") })},
		{"not overdue", qa.FindingFilter{Overdue: ptr(false)}, keep(func(w want) bool { return !overdueOn(w, "2025-06-15") })},
		{"risk_rating Critical", qa.FindingFilter{RiskRating: "Critical"}, keep(func(w want) bool { return w.f.RiskID != nil && *w.f.RiskID == 4 })},
		{"risk_rating Low", qa.FindingFilter{RiskRating: "Low"}, keep(func(w want) bool { return w.f.RiskID != nil && *w.f.RiskID == 1 })},
		{"risk_rating none", qa.FindingFilter{RiskRating: "none"}, keep(func(w want) bool { return w.f.RiskID == nil || rating[*w.f.RiskID] == "" })},
		{"q in title", qa.FindingFilter{Q: "BACKUP"}, keep(func(w want) bool { return w.f.Title != "" && w.f.Title[len(w.f.Title)-7:] == "backups" })},
		{"q with _ is literal", qa.FindingFilter{Q: "weak_pass"}, keep(func(w want) bool { return w.f.Description == "Weak_password policy" })},
		{"q with % is literal", qa.FindingFilter{Q: "100%"}, keep(func(w want) bool { return w.f.Description == "100% of samples" })},
		{"combined", qa.FindingFilter{Open: ptr(true), Severity: "Low", EngagementID: g1},
			keep(func(w want) bool { return w.status != cmd.Closed && w.f.Severity == "Low" && w.engagement == g1 })},
	} {
		got := querytest.Walk(t, c.name, func(cursor string) (queries.Page[qa.Finding], error) {
			f := c.f
			f.Limit, f.Cursor = 4, cursor
			return e.r.Findings(ctx, 1, f)
		})
		if g := ids(got, findingID); !slices.Equal(g, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, g, c.want)
		}
	}

	// Every item agrees with what was made, overdue included, and with its detail.
	full, err := e.r.Findings(ctx, 1, qa.FindingFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range full.Items {
		w := made[i]
		if f.ID != w.id || f.EngagementID != w.engagement || f.Status != w.status || f.Severity != w.f.Severity ||
			f.Overdue != overdueOn(w, "2025-06-15") || f.EngagementTitle == "" {
			t.Errorf("finding %d listed as %+v, made as %+v", w.id, f, w)
		}
		d, err := e.r.Finding(ctx, 1, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if asJSON(d.Finding) != asJSON(f) {
			t.Errorf("finding %d:\n listed %s\n detail %s", f.ID, asJSON(f), asJSON(d.Finding))
		}
	}

	// The reader's today, not the database's, decides what is overdue.
	e.setToday("2025-06-16")
	got, err := e.r.Findings(ctx, 1, qa.FindingFilter{Overdue: ptr(true), Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if g, w := ids(got.Items, findingID), keep(func(w want) bool { return overdueOn(w, "2025-06-16") }); !slices.Equal(g, w) {
		t.Errorf("overdue on 2025-06-16: got %v, want %v", g, w)
	}
	for _, f := range got.Items {
		if !f.Overdue {
			t.Errorf("finding %d is listed as overdue but says it is not", f.ID)
		}
	}
	e.setToday("2025-06-15")

	// Sorts, walked five at a time, against the same order computed here.
	dateKey := func(d *string) string {
		if d == nil {
			return "infinity"
		}
		return *d
	}
	rank := func(s string) int { return slices.Index(cmd.Severities, s) }
	for _, c := range []struct {
		sort string
		cmp  func(a, b qa.Finding) int
	}{
		{"due_date", func(a, b qa.Finding) int { return cmp.Compare(dateKey(a.DueDate), dateKey(b.DueDate)) }},
		{"-due_date", func(a, b qa.Finding) int { return cmp.Compare(dateKey(b.DueDate), dateKey(a.DueDate)) }},
		{"updated_at", func(a, b qa.Finding) int { return a.UpdatedAt.Compare(b.UpdatedAt) }},
		{"-updated_at", func(a, b qa.Finding) int { return b.UpdatedAt.Compare(a.UpdatedAt) }},
		{"severity", func(a, b qa.Finding) int { return cmp.Compare(rank(a.Severity), rank(b.Severity)) }},
		{"-severity", func(a, b qa.Finding) int { return cmp.Compare(rank(b.Severity), rank(a.Severity)) }},
	} {
		want := querytest.Ordered(full.Items, c.cmp, c.sort[0] == '-', findingID)
		got := querytest.Walk(t, c.sort, func(cursor string) (queries.Page[qa.Finding], error) {
			return e.r.Findings(ctx, 1, qa.FindingFilter{Sort: c.sort, Limit: 5, Cursor: cursor, Open: ptr(true)})
		})
		want = slices.DeleteFunc(want, func(f qa.Finding) bool { return f.Status == cmd.Closed })
		if g, w := ids(got, findingID), ids(want, findingID); !slices.Equal(g, w) {
			t.Errorf("sort %s: got %v, want %v", c.sort, g, w)
		}
	}

	for _, c := range []struct {
		f     qa.FindingFilter
		field string
	}{
		{qa.FindingFilter{Status: "open"}, "status"},
		{qa.FindingFilter{Severity: "Severe"}, "severity"},
		{qa.FindingFilter{RiskRating: "None"}, "risk_rating"},
		{qa.FindingFilter{Sort: "title"}, "sort"},
		{qa.FindingFilter{EngagementID: -2}, "engagement_id"},
		{qa.FindingFilter{AssignedTo: -2}, "assigned_to"},
		{qa.FindingFilter{RiskID: -2}, "risk_id"},
		{qa.FindingFilter{ControlID: -2}, "control_id"},
		{qa.FindingFilter{Limit: -1}, "limit"},
		{qa.FindingFilter{Sort: "due_date", Cursor: queries.Cursor{Sort: "due_date", ID: 1, Key: json.RawMessage(`"tomorrow"`)}.Encode()}, ""},
		{qa.FindingFilter{Sort: "severity", Cursor: queries.Cursor{Sort: "severity", ID: 1, Key: json.RawMessage(`"High"`)}.Encode()}, ""},
	} {
		_, err := e.r.Findings(ctx, 1, c.f)
		querytest.InvalidField(t, fmt.Sprintf("%+v", c.f), err, c.field)
	}
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Details carry counts, procedures, links and every management response; the stream
// replay says the same as the read model; another organization's ids are not found.
func TestDetails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.risk(1, 11, 4, 5, false) // Critical
	e.risk(1, 12, 1, 1, true)  // deleted
	e.control(1, 21, "AC-1")
	e.control(2, 22, "AC-2")

	g := e.engagement(1, ev.Fields{Title: "Payroll", Scope: "Runs", PlannedStart: ptr("2025-02-01")}, cmd.AtRisk)
	e.events(1, g,
		ev.ProcedureAdded{EngagementID: g, ProcedureID: 101, Procedure: ev.Procedure{Title: "Sample", AssignedTo: ptr(int64(5)), Status: cmd.NotStarted}},
		ev.ProcedureAdded{EngagementID: g, ProcedureID: 100, Procedure: ev.Procedure{Title: "Walkthrough", Status: cmd.Done, Conclusion: "Fine"}})
	e.append(1, 8, g, func(cmd.Engagement) []events.Payload {
		return []events.Payload{ev.ProcedureSignedOff{EngagementID: g, ProcedureID: 100, SignedOffBy: 8, Comment: "ok"}}
	})
	f1 := e.finding(1, g, ev.FindingFields{Title: "Critical gap", Severity: "Critical", RiskID: ptr(int64(11)), ControlID: ptr(int64(21)),
		DueDate: ptr("2025-06-14")})
	f2 := e.finding(1, g, ev.FindingFields{Title: "Deleted risk", RiskID: ptr(int64(12)), ControlID: ptr(int64(22))})
	f3 := e.finding(1, g, ev.FindingFields{Title: "Closed one", DueDate: ptr("2025-01-01")})
	e.setStatus(1, g, f2, cmd.Approved)
	e.setStatus(1, g, f3, cmd.Closed)
	e.append(1, 5, g, func(cmd.Engagement) []events.Payload {
		return []events.Payload{ev.ManagementResponseSubmitted{EngagementID: g, FindingID: f1,
			ManagementResponse: ev.ManagementResponse{Response: "First", ActionPlan: "Plan A", TargetDate: ptr("2025-07-01")}, SubmittedBy: 5}}
	})
	e.append(1, 6, g, func(cmd.Engagement) []events.Payload {
		return []events.Payload{ev.ManagementResponseSubmitted{EngagementID: g, FindingID: f1,
			ManagementResponse: ev.ManagementResponse{Response: "Second"}, SubmittedBy: 6}}
	})
	e.events(1, g, ev.EngagementUpdated{EngagementID: g, Set: json.RawMessage(`{"auditee":"Finance","lead_auditor_id":4}`),
		Previous: json.RawMessage(`{"auditee":"","lead_auditor_id":null}`)})
	e.sync()

	read, err := e.r.Engagement(ctx, 1, g)
	if err != nil {
		t.Fatal(err)
	}
	replayed, err := e.r.CurrentEngagement(ctx, 1, g)
	if err != nil {
		t.Fatal(err)
	}
	if asJSON(read) != asJSON(replayed) {
		t.Errorf("engagement:\n read model %s\n replayed   %s", asJSON(read), asJSON(replayed))
	}
	if read.FindingsByStatus != (qa.FindingCounts{Open: 1, Approved: 1, Closed: 1}) || read.ProceduresTotal != 2 ||
		read.ProceduresSignedOff != 1 || read.Version != 2 || read.Auditee != "Finance" || *read.LeadAuditorID != 4 ||
		read.Status != cmd.AtRisk || *read.PlannedStart != "2025-02-01" || read.PlannedEnd != nil {
		t.Errorf("engagement detail %s", asJSON(read))
	}
	if len(read.Procedures) != 2 || read.Procedures[0].ID != 100 || read.Procedures[1].ID != 101 ||
		read.Procedures[0].SignedOffBy == nil || *read.Procedures[0].SignedOffBy != 8 || read.Procedures[0].SignedOffAt == nil ||
		read.Procedures[0].Version != 2 || read.Procedures[1].SignedOffBy != nil {
		t.Errorf("procedures %s", asJSON(read.Procedures))
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal([]byte(asJSON(read)), &raw)
	if string(raw["findings_by_status"]) != `{"Open":1,"Approved":1,"Closed":1}` {
		t.Errorf("findings_by_status is %s", raw["findings_by_status"])
	}
	p, err := e.r.Procedure(ctx, 1, g, 100)
	if err != nil || asJSON(p) != asJSON(read.Procedures[0]) {
		t.Errorf("procedure 100: %s (%v), detail lists %s", asJSON(p), err, asJSON(read.Procedures[0]))
	}
	for _, c := range []struct {
		org, id int64
	}{{2, g}, {1, g + 1000}} {
		_, err := e.r.Engagement(ctx, c.org, c.id)
		querytest.NotFound(t, "engagement from the read model", err)
		_, err = e.r.CurrentEngagement(ctx, c.org, c.id)
		querytest.NotFound(t, "engagement from its stream", err)
		_, err = e.r.Procedure(ctx, c.org, c.id, 100)
		querytest.NotFound(t, "procedure of a missing engagement", err)
	}
	_, err = e.r.Procedure(ctx, 1, g, 102)
	querytest.NotFound(t, "missing procedure", err)

	for _, id := range []int64{f1, f2, f3} {
		read, err := e.r.Finding(ctx, 1, id)
		if err != nil {
			t.Fatal(err)
		}
		replayed, err := e.r.CurrentFinding(ctx, 1, id)
		if err != nil {
			t.Fatal(err)
		}
		if asJSON(read) != asJSON(replayed) {
			t.Errorf("finding %d:\n read model %s\n replayed   %s", id, asJSON(read), asJSON(replayed))
		}
		_, err = e.r.Finding(ctx, 2, id)
		querytest.NotFound(t, "another organization's finding", err)
		_, err = e.r.CurrentFinding(ctx, 2, id)
		querytest.NotFound(t, "another organization's finding replayed", err)
	}
	d, err := e.r.Finding(ctx, 1, f1)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Overdue || d.EngagementTitle != "Payroll" || d.Risk == nil || *d.Risk != (qa.RiskRef{ID: 11, Title: "Risk 11", Rating: "Critical"}) ||
		d.Control == nil || *d.Control != (qa.ControlRef{ID: 21, Code: "AC-1", Title: "Control AC-1"}) || d.Version != 3 {
		t.Errorf("finding %d: %s", f1, asJSON(d))
	}
	if len(d.ManagementResponses) != 2 || d.ManagementResponses[0].Response != "Second" || d.ManagementResponses[1].Response != "First" ||
		d.ManagementResponse == nil || asJSON(*d.ManagementResponse) != asJSON(d.ManagementResponses[0]) ||
		d.ManagementResponses[1].SubmittedBy != 5 || *d.ManagementResponses[1].TargetDate != "2025-07-01" ||
		d.ManagementResponses[0].TargetDate != nil {
		t.Errorf("finding %d responses: current %s, all %s", f1, asJSON(d.ManagementResponse), asJSON(d.ManagementResponses))
	}
	// A deleted risk and another organization's control are not shown as links.
	d, _ = e.r.Finding(ctx, 1, f2)
	if d.Risk != nil || d.Control != nil || d.ManagementResponse != nil || len(d.ManagementResponses) != 0 || d.Overdue {
		t.Errorf("finding %d: %s", f2, asJSON(d))
	}
	_ = json.Unmarshal([]byte(asJSON(d)), &raw)
	for _, k := range []string{"risk", "control", "management_response", "due_date", "assigned_to"} {
		if string(raw[k]) != "null" {
			t.Errorf("finding %d: %s is %s, want null", f2, k, raw[k])
		}
	}
	if string(raw["management_responses"]) != "[]" {
		t.Errorf("finding %d: management_responses is %s, want []", f2, raw["management_responses"])
	}
	// A closed finding past its date is not overdue.
	d, _ = e.r.Finding(ctx, 1, f3)
	if d.Overdue || d.Status != cmd.Closed {
		t.Errorf("finding %d: %s", f3, asJSON(d))
	}
	_, err = e.r.Finding(ctx, 1, f3+1000)
	querytest.NotFound(t, "unknown finding", err)
	_, err = e.r.CurrentFinding(ctx, 1, f3+1000)
	querytest.NotFound(t, "unknown finding replayed", err)
}

// An engagement's history holds its own and its procedures' events, not its
// findings'; a finding's holds only its own, numbered by its own version. Both page
// newest first.
func TestHistories(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	g := e.engagement(1, ev.Fields{Title: "Payroll"}, cmd.OnTrack)
	e.events(1, g, ev.ProcedureAdded{EngagementID: g, ProcedureID: 12, Procedure: ev.Procedure{Title: "Sample", Status: cmd.NotStarted}})
	f := e.finding(1, g, ev.FindingFields{Title: "Gap", Severity: "High"})
	other := e.finding(1, g, ev.FindingFields{Title: "Other gap"})
	e.events(1, g, ev.ProcedureUpdated{EngagementID: g, ProcedureID: 12, Set: json.RawMessage(`{"status":"done"}`),
		Previous: json.RawMessage(`{"status":"not_started"}`)})
	e.events(1, g, ev.FindingUpdated{EngagementID: g, FindingID: f, Set: json.RawMessage(`{"severity":"Critical"}`),
		Previous: json.RawMessage(`{"severity":"High"}`)})
	e.toPhase(1, g, cmd.Fieldwork)
	e.events(1, g, ev.ManagementResponseSubmitted{EngagementID: g, FindingID: f,
		ManagementResponse: ev.ManagementResponse{Response: "Will fix"}, SubmittedBy: 3})
	e.events(1, g, ev.ManagementResponseSubmitted{EngagementID: g, FindingID: f,
		ManagementResponse: ev.ManagementResponse{Response: "Fixed", TargetDate: ptr("2025-08-01")}, SubmittedBy: 4})
	e.setStatus(1, g, other, cmd.Approved)
	e.events(1, g, ev.EngagementPhaseChanged{EngagementID: g, From: cmd.Fieldwork, To: cmd.Planning, Comment: "rescope"})
	e.setStatus(1, g, f, cmd.Closed)

	entries := querytest.Walk(t, "engagement history", func(cursor string) (queries.Page[queries.Entry], error) {
		return e.r.EngagementHistory(ctx, 1, g, 2, cursor)
	})
	var types []string
	for i, x := range entries {
		types = append(types, x.Type)
		if x.Version != int64(len(entries)-i) {
			t.Errorf("engagement history entry %d is numbered %d", i, x.Version)
		}
	}
	if want := []string{"EngagementPhaseChanged", "EngagementPhaseChanged", "ProcedureUpdated", "ProcedureAdded", "EngagementCreated"}; !slices.Equal(types, want) {
		t.Errorf("engagement history %v, want %v", types, want)
	}
	if len(entries) == 5 {
		if got := asJSON(entries[0].Changes); got != `[{"field":"comment","before":null,"after":"rescope"},{"field":"phase","before":"Fieldwork","after":"Planning"}]` {
			t.Errorf("phase back: %s", got)
		}
		if got := asJSON(entries[2].Changes); got != `[{"field":"procedure 12: status","before":"not_started","after":"done"}]` {
			t.Errorf("procedure update: %s", got)
		}
	}

	entries = querytest.Walk(t, "finding history", func(cursor string) (queries.Page[queries.Entry], error) {
		return e.r.FindingHistory(ctx, 1, f, 2, cursor)
	})
	types = nil
	for _, x := range entries {
		types = append(types, x.Type)
	}
	if want := []string{"FindingStatusChanged", "FindingStatusChanged", "ManagementResponseSubmitted", "ManagementResponseSubmitted",
		"FindingUpdated", "FindingCreated"}; !slices.Equal(types, want) {
		t.Errorf("finding history %v, want %v", types, want)
	}
	detail, err := e.r.CurrentFinding(ctx, 1, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) > 0 && entries[0].Version != detail.Version {
		t.Errorf("the newest finding history entry is version %d, the finding is at %d", entries[0].Version, detail.Version)
	}
	if len(entries) == 6 {
		want := `[{"field":"management_response.action_plan","before":"","after":""},` +
			`{"field":"management_response.response","before":"Will fix","after":"Fixed"},` +
			`{"field":"management_response.submitted_by","before":3,"after":4},` +
			`{"field":"management_response.target_date","before":null,"after":"2025-08-01"}]`
		if got := asJSON(entries[2].Changes); got != want {
			t.Errorf("second response:\n got  %s\n want %s", got, want)
		}
		if got := asJSON(entries[4].Changes); got != `[{"field":"severity","before":"High","after":"Critical"}]` {
			t.Errorf("finding update: %s", got)
		}
		if entries[5].Version != 1 || entries[5].Actor.Name != "Person 1" {
			t.Errorf("creation entry %+v", entries[5])
		}
	}

	// The last page's cursor, and one made up past the start, read nothing more.
	past := queries.Cursor{Sort: "-version", ID: 1, Total: 6}.Encode()
	p, err := e.r.FindingHistory(ctx, 1, f, 2, past)
	if err != nil || len(p.Items) != 0 || p.NextCursor != nil {
		t.Errorf("past the first entry: %+v %v", p, err)
	}
	for _, c := range []struct {
		org, id int64
	}{{2, f}, {1, f + 1000}} {
		_, err := e.r.FindingHistory(ctx, c.org, c.id, 0, "")
		querytest.NotFound(t, "finding history", err)
	}
	_, err = e.r.FindingHistory(ctx, 2, f, 2, past)
	querytest.NotFound(t, "another organization's finding history with a cursor", err)
	_, err = e.r.EngagementHistory(ctx, 2, g, 0, "")
	querytest.NotFound(t, "another organization's engagement history", err)
	_, err = e.r.EngagementHistory(ctx, 1, g+1000, 0, "")
	querytest.NotFound(t, "unknown engagement history", err)
	_, err = e.r.EngagementHistory(ctx, 1, g, 0, "bogus")
	querytest.InvalidField(t, "bad history cursor", err, "")
	_, err = e.r.EngagementHistory(ctx, 1, g, 1000, "")
	querytest.InvalidField(t, "history limit", err, "limit")
}

// The dashboard's counts and charts say what the lists they link to say.
func TestDashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// The dashboard takes today from the database's clock; the reader here follows the
	// real clock too.
	now := time.Now().UTC()
	e.now.Store(&now)
	date := func(days int) *string { return ptr(now.AddDate(0, 0, days).Format(time.DateOnly)) }

	e.risk(1, 1, 1, 1, false) // Low
	e.risk(1, 2, 2, 3, false) // Medium
	e.risk(1, 3, 5, 5, false) // Critical
	e.risk(1, 4, 5, 5, true)  // deleted: its findings have no linked risk
	e.risk(2, 5, 3, 4, false) // another organization's High

	var engagements []int64
	for i, phase := range []string{cmd.Planning, cmd.Fieldwork, cmd.Fieldwork, cmd.Review, cmd.Reporting, cmd.Completed, cmd.Fieldwork} {
		g := e.engagement(1, ev.Fields{Title: fmt.Sprintf("Engagement %d", i)}, cmd.OnTrack)
		e.toPhase(1, g, phase)
		engagements = append(engagements, g)
	}
	cancelled := engagements[6]
	e.events(1, cancelled, ev.EngagementStatusChanged{EngagementID: cancelled, From: cmd.OnTrack, To: cmd.Cancelled, Comment: "stop"})
	o := e.engagement(2, ev.Fields{Title: "Elsewhere"}, cmd.OnTrack)

	g := engagements[1]
	for _, c := range []struct {
		risk   *int64
		due    *string
		status string
	}{
		{ptr(int64(1)), date(-3), cmd.Open},
		{ptr(int64(1)), date(5), cmd.Approved},
		{ptr(int64(2)), date(-1), cmd.Approved},
		{ptr(int64(3)), nil, cmd.Open},
		{ptr(int64(3)), date(-10), cmd.Closed},
		{ptr(int64(4)), date(-2), cmd.Open},
		{nil, date(0), cmd.Open},
		{ptr(int64(99)), nil, cmd.Open},
		{nil, date(-30), cmd.Closed},
	} {
		id := e.finding(1, g, ev.FindingFields{Title: "F", RiskID: c.risk, DueDate: c.due})
		if c.status != cmd.Open {
			e.setStatus(1, g, id, c.status)
		}
	}
	// Findings of a Cancelled engagement still count: their remediation goes on.
	e.finding(1, cancelled, ev.FindingFields{Title: "F", DueDate: date(-4), RiskID: ptr(int64(3))})
	e.finding(2, o, ev.FindingFields{Title: "F", DueDate: date(-4), RiskID: ptr(int64(5))})
	e.sync()

	d, err := dashboard.NewReader(e.db.Pool, qa.Dashboard)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Projections(); !slices.Equal(got, []string{"audits", "risks"}) {
		t.Errorf("projections %v", got)
	}
	counts, err := d.Counts(ctx, 1, dashboard.Viewer{})
	if err != nil {
		t.Fatal(err)
	}
	total := func(f qa.FindingFilter) int64 {
		f.Limit = 1
		p, err := e.r.Findings(ctx, 1, f)
		if err != nil {
			t.Fatal(err)
		}
		return p.Total
	}
	active, err := e.r.Engagements(ctx, 1, qa.EngagementFilter{Active: ptr(true), Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"engagements_active": 5, "findings_open": 8, "findings_overdue": 4}
	if asJSON(counts) != asJSON(want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
	if counts["engagements_active"] != active.Total || counts["findings_open"] != total(qa.FindingFilter{Open: ptr(true)}) ||
		counts["findings_overdue"] != total(qa.FindingFilter{Overdue: ptr(true)}) {
		t.Errorf("counts %v disagree with the lists they link to", counts)
	}

	chart, err := d.Chart(ctx, 1, dashboard.Viewer{}, "findings_by_risk")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := asJSON(chart), `{"chart_type":"findings_by_risk","labels":["Low","Medium","High","Critical","No linked risk"],"values":[2,1,0,2,3]}`; got != want {
		t.Errorf("findings_by_risk\n got  %s\n want %s", got, want)
	}
	for i, label := range chart.Labels {
		rating := label
		if label == qa.NoLinkedRisk {
			rating = qa.NoRisk
		}
		if n := total(qa.FindingFilter{Open: ptr(true), RiskRating: rating}); n != chart.Values[i] {
			t.Errorf("findings_by_risk %s is %d, the list it links to holds %d", label, chart.Values[i], n)
		}
	}
	chart, err = d.Chart(ctx, 1, dashboard.Viewer{}, "audit_phases")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := asJSON(chart), `{"chart_type":"audit_phases","labels":["Planning","Fieldwork","Review","Reporting","Completed"],"values":[1,2,1,1,1]}`; got != want {
		t.Errorf("audit_phases\n got  %s\n want %s", got, want)
	}
	for i, phase := range chart.Labels {
		p, err := e.r.Engagements(ctx, 1, qa.EngagementFilter{Phase: phase, Cancelled: ptr(false), Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != chart.Values[i] {
			t.Errorf("audit_phases %s is %d, the list it links to holds %d", phase, chart.Values[i], p.Total)
		}
	}
	counts, err = d.Counts(ctx, 2, dashboard.Viewer{})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"engagements_active": 1, "findings_open": 1, "findings_overdue": 1}; asJSON(counts) != asJSON(want) {
		t.Errorf("organization 2 counts %v, want %v", counts, want)
	}
}

// EngagementAsOf and FindingAsOf fold the engagement's stream up to an instant: an
// engagement with its procedures and finding counts of the time, and a finding picked
// out of the fold with the responses submitted by then.
func TestAsOf(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	mark := func() time.Time {
		time.Sleep(15 * time.Millisecond)
		at := time.Now()
		time.Sleep(15 * time.Millisecond)
		return at
	}
	before := mark()
	g := e.engagement(1, ev.Fields{Title: "Treasury"}, cmd.OnTrack)
	planned := mark()
	f := e.finding(1, g, ev.FindingFields{Title: "Unreconciled accounts", DueDate: ptr("2025-06-14")})
	raised := mark()
	e.append(1, 5, g, func(cmd.Engagement) []events.Payload {
		return []events.Payload{ev.ManagementResponseSubmitted{EngagementID: g, FindingID: f,
			ManagementResponse: ev.ManagementResponse{Response: "Agreed"}, SubmittedBy: 5}}
	})
	answered := mark()
	e.setStatus(1, g, f, cmd.Approved)
	e.events(1, g, ev.ProcedureAdded{EngagementID: g, ProcedureID: 100, Procedure: ev.Procedure{Title: "Walkthrough", Status: cmd.NotStarted}})
	e.finding(1, g, ev.FindingFields{Title: "Sibling"})

	then, err := e.r.EngagementAsOf(ctx, 1, g, planned)
	if err != nil {
		t.Fatal(err)
	}
	if then.Title != "Treasury" || then.Version != 1 || then.FindingsByStatus != (qa.FindingCounts{}) || len(then.Procedures) != 0 {
		t.Errorf("engagement as planned %s", asJSON(then))
	}
	later, err := e.r.EngagementAsOf(ctx, 1, g, answered)
	if err != nil {
		t.Fatal(err)
	}
	if later.FindingsByStatus != (qa.FindingCounts{Open: 1}) {
		t.Errorf("engagement as answered %s", asJSON(later))
	}

	x, err := e.r.FindingAsOf(ctx, 1, f, raised)
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != cmd.Open || x.Version != 1 || x.ManagementResponse != nil || len(x.ManagementResponses) != 0 ||
		x.EngagementTitle != "Treasury" || !x.Overdue {
		t.Errorf("finding as raised %s", asJSON(x))
	}
	x, err = e.r.FindingAsOf(ctx, 1, f, answered)
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != cmd.Open || x.Version != 2 || x.ManagementResponse == nil || len(x.ManagementResponses) != 1 {
		t.Errorf("finding as answered %s", asJSON(x))
	}

	now := time.Now().Add(time.Second)
	for name, pair := range map[string][2]func() (any, error){
		"engagement": {
			func() (any, error) { return e.r.EngagementAsOf(ctx, 1, g, now) },
			func() (any, error) { return e.r.CurrentEngagement(ctx, 1, g) },
		},
		"finding": {
			func() (any, error) { return e.r.FindingAsOf(ctx, 1, f, now) },
			func() (any, error) { return e.r.CurrentFinding(ctx, 1, f) },
		},
	} {
		a, err := pair[0]()
		if err != nil {
			t.Fatal(err)
		}
		b, err := pair[1]()
		if err != nil {
			t.Fatal(err)
		}
		if asJSON(a) != asJSON(b) {
			t.Errorf("%s as of now and current differ:\n as of   %s\n current %s", name, asJSON(a), asJSON(b))
		}
	}

	querytest.NotFound(t, "engagement before it was planned", func() error { _, err := e.r.EngagementAsOf(ctx, 1, g, before); return err }())
	querytest.NotFound(t, "another organization's engagement", func() error { _, err := e.r.EngagementAsOf(ctx, 2, g, now); return err }())
	querytest.NotFound(t, "no such engagement", func() error { _, err := e.r.EngagementAsOf(ctx, 1, g+100, now); return err }())
	querytest.NotFound(t, "finding before it was raised", func() error { _, err := e.r.FindingAsOf(ctx, 1, f, planned); return err }())
	querytest.NotFound(t, "another organization's finding", func() error { _, err := e.r.FindingAsOf(ctx, 2, f, now); return err }())
	querytest.NotFound(t, "no such finding", func() error { _, err := e.r.FindingAsOf(ctx, 1, f+100, now); return err }())
}
