package cases_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/cases"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/cases"
	"github.com/strata-grc/strata/events/evidence"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	pcases "github.com/strata-grc/strata/projections/cases"
	pevidence "github.com/strata-grc/strata/projections/evidence"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/queries"
	qc "github.com/strata-grc/strata/queries/cases"
	"github.com/strata-grc/strata/queries/dashboard"
	"github.com/strata-grc/strata/queries/querytest"
	"github.com/strata-grc/strata/schema/testdb"
)

// env is a test's database with the cases and evidence projections running. Events
// are appended through the case streams as the command side would append them.
type env struct {
	t       *testing.T
	db      *testdb.DB
	streams *commands.Streams[cmd.Case]
	ids     *commands.Sequences
	r       *qc.Reader
	dash    *dashboard.Reader
	runner  *projections.Runner
	names   []string
	last    events.Position
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, db: testdb.New(t)}
	reg := events.NewRegistry()
	ev.Register(reg)
	evidence.Register(reg)
	store := postgres.New(e.db.Pool)
	e.streams = &commands.Streams[cmd.Case]{Store: store, Registry: reg, Name: ev.Stream, Evolve: cmd.Evolve}
	e.ids = commands.NewSequences(e.db.Pool)
	e.r = qc.NewReader(e.db.Pool, e.streams)
	var err error
	if e.dash, err = dashboard.NewReader(e.db.Pool, qc.Dashboard); err != nil {
		t.Fatal(err)
	}
	// Checkpoint names of their own: tests run side by side.
	e.names = []string{pcases.Name + "-" + e.db.Schema, pevidence.Name + "-" + e.db.Schema}
	e.runner = projectiontest.Run(t, projections.RunnerConfig{
		Store: store, Pool: e.db.Pool,
		Projectors: []projections.Projector{projectiontest.Named(pcases.New(reg), e.names[0]), projectiontest.Named(pevidence.New(reg), e.names[1])},
		Subscriber: projections.SubscriberConfig{IdlePoll: 20 * time.Millisecond, Wakeup: store.Wakeup().C},
	})
	return e
}

func (e *env) sync() {
	e.t.Helper()
	projectiontest.Wait(e.t, e.runner, e.last, e.names...)
}

func meta(org, actor int64) events.Metadata {
	return events.Metadata{OrgID: org, ActorID: actor, ActorName: fmt.Sprintf("Person %d", actor), CorrelationID: "t",
		IP: "192.0.2.1", UserAgent: "test/1"}
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

// user puts a person straight into the identity read model.
func (e *env) user(id int64, name string) {
	e.t.Helper()
	_, err := e.db.Pool.Exec(context.Background(), `insert into users (id, email, name, created_at, updated_at, version)
		values ($1, $2, $3, now(), now(), 1)`, id, fmt.Sprintf("u%d@example.com", id), name)
	if err != nil {
		e.t.Fatal(err)
	}
}

// open opens a case by actor; a priority left empty is medium.
func (e *env) open(org, actor int64, f ev.Fields) int64 {
	e.t.Helper()
	id, err := e.ids.Next(context.Background(), "case")
	if err != nil {
		e.t.Fatal(err)
	}
	if f.Priority == "" {
		f.Priority = cmd.Medium
	}
	e.done(e.streams.Create(context.Background(), id, meta(org, actor), ev.CaseOpened{CaseID: id, Fields: f, Status: cmd.New}))
	return id
}

// append adds events to a case; make builds them from its current state.
func (e *env) append(org, actor, id int64, make func(s cmd.Case) []events.Payload) {
	e.t.Helper()
	e.done(e.streams.Execute(context.Background(), id, nil, meta(org, actor), func(agg commands.Aggregate[cmd.Case]) ([]events.Payload, error) {
		return make(agg.State), nil
	}))
}

func (e *env) events(org, actor, id int64, ps ...events.Payload) {
	e.t.Helper()
	e.append(org, actor, id, func(cmd.Case) []events.Payload { return ps })
}

// assign gives a case to someone, moving a new case to assigned as the command side
// does.
func (e *env) assign(org, id, to int64) {
	e.t.Helper()
	e.append(org, 1, id, func(s cmd.Case) []events.Payload {
		out := []events.Payload{ev.CaseAssigned{CaseID: id, From: s.AssigneeID, AssigneeID: &to}}
		if s.Status == cmd.New {
			out = append(out, ev.CaseStatusChanged{CaseID: id, From: cmd.New, To: cmd.Assigned})
		}
		return out
	})
}

// toStatus walks an assigned case forward to a status; completing resolves it.
func (e *env) toStatus(org, id int64, to string) {
	e.t.Helper()
	e.append(org, 1, id, func(s cmd.Case) []events.Payload {
		var out []events.Payload
		for i := slices.Index(cmd.Statuses, s.Status); cmd.Statuses[i] != to; i++ {
			x := ev.CaseStatusChanged{CaseID: id, From: cmd.Statuses[i], To: cmd.Statuses[i+1]}
			if x.To == cmd.Completed {
				x.Resolution, x.Comment = cmd.Substantiated, "Concluded"
			}
			out = append(out, x)
		}
		return out
	})
}

func (e *env) upload(org, actor, caseID int64, name, sha string) int64 {
	e.t.Helper()
	id, err := e.ids.Next(context.Background(), "evidence")
	if err != nil {
		e.t.Fatal(err)
	}
	e.events(org, actor, caseID, evidence.EvidenceUploaded{EvidenceID: id, Owner: evidence.Owner{Kind: cmd.OwnerKind, ID: caseID},
		File: evidence.File{FileName: name, ContentType: "application/pdf", Size: 1234, SHA256: sha, Description: "scan"}})
	return id
}

func sha(n int) string { return fmt.Sprintf("%064x", n) }

func ptr[T any](v T) *T { return &v }

func caseIDs(xs []qc.Case) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = x.ID
	}
	return out
}

var admin = cmd.Viewer{UserID: 99, Admin: true}

// Every filter keeps what it says, every sort walks the list in order across pages
// with no row twice and none left out, and another organization's cases never show.
func TestList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.user(3, "Dana Investigator")
	type spec struct {
		title, description, typ, reporter, priority string
		assignee                                    int64
		status                                      string
		confidential                                bool
	}
	specs := []spec{
		{"Expense fraud", "Duplicate claims", "fraud", "Anonymous hotline", cmd.High, 3, cmd.InProgress, false},
		{"Harassment report", "Team lead", "misconduct", "HR", cmd.Urgent, 4, cmd.Review, true},
		{"Laptop stolen", "Data at risk", "data breach", "IT desk", cmd.Low, 0, cmd.New, false},
		{"Vendor kickbacks", "Procurement", "fraud", "Audit", cmd.Urgent, 3, cmd.Completed, false},
		{"Phishing success", "Credentials leaked", "data breach", "SOC", cmd.Medium, 3, cmd.Assigned, false},
		{"Payroll FRAUD ring", "Ghost employees", "fraud", "Payroll clerk", cmd.High, 4, cmd.InProgress, true},
		{"Leaked roadmap", "100% of the plan", "misconduct", "Legal", cmd.Medium, 0, cmd.New, false},
	}
	var all []int64
	for i, s := range specs {
		id := e.open(1, int64(1+i%2), ev.Fields{Title: s.title, Description: s.description, Type: s.typ, Reporter: s.reporter,
			Priority: s.priority, Confidential: s.confidential})
		if s.assignee > 0 {
			e.assign(1, id, s.assignee)
			e.toStatus(1, id, s.status)
		}
		all = append(all, id)
	}
	// Another organization's case matches every filter below that it can.
	other := e.open(2, 1, ev.Fields{Title: "Expense fraud", Type: "fraud", Priority: cmd.High})
	e.assign(2, other, 3)
	e.sync()

	byIndex := func(is ...int) []int64 {
		out := []int64{}
		for _, i := range is {
			out = append(out, all[i])
		}
		return out
	}
	// Lists are by id here, so the expected order is the order of creation.
	for _, c := range []struct {
		name string
		f    qc.Filter
		want []int64
	}{
		{"all", qc.Filter{}, all},
		{"status", qc.Filter{Status: cmd.InProgress}, byIndex(0, 5)},
		{"status new", qc.Filter{Status: cmd.New}, byIndex(2, 6)},
		{"priority", qc.Filter{Priority: cmd.Urgent}, byIndex(1, 3)},
		{"assignee", qc.Filter{AssigneeID: 3}, byIndex(0, 3, 4)},
		{"type", qc.Filter{Type: "data breach"}, byIndex(2, 4)},
		{"type is exact", qc.Filter{Type: "Fraud"}, []int64{}},
		{"open", qc.Filter{Open: ptr(true)}, byIndex(0, 1, 2, 4, 5, 6)},
		{"completed", qc.Filter{Open: ptr(false)}, byIndex(3)},
		{"confidential", qc.Filter{Confidential: ptr(true)}, byIndex(1, 5)},
		{"not confidential", qc.Filter{Confidential: ptr(false)}, byIndex(0, 2, 3, 4, 6)},
		{"q in title, any case", qc.Filter{Q: "fraud"}, byIndex(0, 5)},
		{"q in description", qc.Filter{Q: "ghost"}, byIndex(5)},
		{"q in reporter", qc.Filter{Q: "hotline"}, byIndex(0)},
		{"q with a wildcard is literal", qc.Filter{Q: "100%"}, byIndex(6)},
		{"q with only a wildcard", qc.Filter{Q: "_"}, []int64{}},
		{"combined", qc.Filter{Type: "fraud", Priority: cmd.High, AssigneeID: 4}, byIndex(5)},
	} {
		got := querytest.Walk(t, c.name, func(cursor string) (queries.Page[qc.Case], error) {
			f := c.f
			f.Limit, f.Cursor, f.Sort = 2, cursor, "created_at"
			return e.r.List(ctx, 1, admin, f)
		})
		if g := caseIDs(got); !slices.Equal(g, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, g, c.want)
		}
	}

	// Sorts, walked two at a time, against the same order computed here.
	full, err := e.r.List(ctx, 1, admin, qc.Filter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	rank := func(c qc.Case) int { return slices.Index(cmd.Priorities, c.Priority) }
	for _, c := range []struct {
		sort string
		cmp  func(a, b qc.Case) int
	}{
		{"", func(a, b qc.Case) int { return b.UpdatedAt.Compare(a.UpdatedAt) }},
		{"updated_at", func(a, b qc.Case) int { return a.UpdatedAt.Compare(b.UpdatedAt) }},
		{"-updated_at", func(a, b qc.Case) int { return b.UpdatedAt.Compare(a.UpdatedAt) }},
		{"created_at", func(a, b qc.Case) int { return a.CreatedAt.Compare(b.CreatedAt) }},
		{"-created_at", func(a, b qc.Case) int { return b.CreatedAt.Compare(a.CreatedAt) }},
		{"priority", func(a, b qc.Case) int { return cmp.Compare(rank(a), rank(b)) }},
		{"-priority", func(a, b qc.Case) int { return cmp.Compare(rank(b), rank(a)) }},
	} {
		want := querytest.Ordered(full.Items, c.cmp, c.sort == "" || c.sort[0] == '-', func(x qc.Case) int64 { return x.ID })
		got := querytest.Walk(t, c.sort, func(cursor string) (queries.Page[qc.Case], error) {
			return e.r.List(ctx, 1, admin, qc.Filter{Sort: c.sort, Limit: 2, Cursor: cursor})
		})
		if g, w := caseIDs(got), caseIDs(want); !slices.Equal(g, w) {
			t.Errorf("sort %q: got %v, want %v", c.sort, g, w)
		}
	}
	if first := full.Items[0]; first.ID != all[len(all)-1] {
		t.Errorf("the default order starts with case %d, want the one changed last, %d", first.ID, all[len(all)-1])
	}

	// A row as the list shows it.
	var fraud qc.Case
	for _, c := range full.Items {
		if c.ID == all[3] {
			fraud = c
		}
	}
	if fraud.AssigneeName == nil || *fraud.AssigneeName != "Dana Investigator" || fraud.Resolution == nil ||
		*fraud.Resolution != cmd.Substantiated || fraud.Status != cmd.Completed || fraud.Priority != cmd.Urgent ||
		fraud.Type != "fraud" || fraud.Reporter != "Audit" || fraud.CreatedBy != 2 || fraud.Version != 6 ||
		fraud.StatusChangedAt.IsZero() || fraud.StatusChangedAt.Before(fraud.CreatedAt) {
		t.Errorf("completed case reads %+v", fraud)
	}

	page, err := e.r.List(ctx, 2, admin, qc.Filter{})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != other {
		t.Errorf("organization 2 lists %+v (%v), want only case %d", page.Items, err, other)
	}
}

// Unknown values are refused, naming the filter.
func TestListRefusesBadFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for i := range 3 {
		e.open(1, 1, ev.Fields{Title: fmt.Sprintf("Case %d", i)})
	}
	e.sync()
	first, err := e.r.List(ctx, 1, admin, qc.Filter{Limit: 2, Sort: "priority"})
	if err != nil || first.NextCursor == nil {
		t.Fatalf("first page: %v", err)
	}
	for _, c := range []struct {
		f     qc.Filter
		field string
	}{
		{qc.Filter{Status: "open"}, "status"},
		{qc.Filter{Status: "New"}, "status"},
		{qc.Filter{Priority: "critical"}, "priority"},
		{qc.Filter{Sort: "title"}, "sort"},
		{qc.Filter{Sort: "-status"}, "sort"},
		{qc.Filter{AssigneeID: -1}, "assignee_id"},
		{qc.Filter{Type: "a\nb"}, "type"},
		{qc.Filter{Type: strings.Repeat("x", 101)}, "type"},
		{qc.Filter{Q: "a\x00b"}, "q"},
		{qc.Filter{Q: strings.Repeat("x", 201)}, "q"},
		{qc.Filter{Limit: 501}, "limit"},
		{qc.Filter{Limit: -1}, "limit"},
		{qc.Filter{Sort: "updated_at", Cursor: *first.NextCursor}, ""}, // another sort's cursor
		{qc.Filter{Cursor: "not a cursor"}, ""},
		{qc.Filter{Sort: "priority", Cursor: queries.Cursor{Sort: "priority", ID: 1, Key: json.RawMessage(`"high"`)}.Encode()}, ""},
		{qc.Filter{Cursor: queries.Cursor{Sort: "-updated_at", ID: 1, Key: json.RawMessage(`"yesterday"`)}.Encode()}, ""},
	} {
		_, err := e.r.List(ctx, 1, admin, c.f)
		querytest.InvalidField(t, fmt.Sprintf("%+v", c.f), err, c.field)
	}
	// The default sort's cursor serves the sort named or not.
	p, err := e.r.List(ctx, 1, admin, qc.Filter{Limit: 1})
	if err != nil || p.NextCursor == nil {
		t.Fatalf("first page: %v", err)
	}
	if _, err := e.r.List(ctx, 1, admin, qc.Filter{Sort: qc.DefaultSort, Limit: 1, Cursor: *p.NextCursor}); err != nil {
		t.Errorf("the default sort's cursor named: %v", err)
	}
}

// Keyset paging over many cases with equal sort keys (one priority for many) loses
// and repeats nothing, and a case changed while a reader pages on moves without
// breaking the walk.
func TestPagingTies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var all []int64
	for i := range 41 {
		all = append(all, e.open(1, 1, ev.Fields{Title: fmt.Sprintf("Case %d", i), Priority: cmd.Priorities[i%2*3]}))
	}
	e.sync()
	for _, sort := range qc.Sorts {
		for _, limit := range []int{1, 3, 7, 50} {
			got := caseIDs(querytest.Walk(t, sort, func(cursor string) (queries.Page[qc.Case], error) {
				return e.r.List(ctx, 1, admin, qc.Filter{Sort: sort, Limit: limit, Cursor: cursor})
			}))
			if s := slices.Sorted(slices.Values(got)); !slices.Equal(s, all) {
				t.Errorf("sort %s by %d: %d rows, with repeats or gaps: %v", sort, limit, len(got), got)
			}
		}
	}
}

// A confidential case exists only for admins, its assignee and its creator: for anyone
// else it is left out of lists, counts and charts, and its detail, current state and
// history are NOT_FOUND, as for a case that does not exist.
func TestConfidentialCases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const creator, assignee, outsider = 10, 11, 12
	secret := e.open(1, creator, ev.Fields{Title: "Board member", Priority: cmd.Urgent, Confidential: true})
	e.assign(1, secret, assignee)
	// Another confidential case, created by the outsider's colleague, is the outsider's
	// once it is assigned to them.
	theirs := e.open(1, 13, ev.Fields{Title: "Given away", Confidential: true})
	e.assign(1, theirs, outsider)
	e.toStatus(1, theirs, cmd.Completed)
	open := e.open(1, creator, ev.Fields{Title: "Open matter", Priority: cmd.Urgent})
	e.upload(1, creator, secret, "minutes.pdf", sha(1))
	e.sync()

	holds := func(string) bool { return true }
	for _, c := range []struct {
		name    string
		v       cmd.Viewer
		sees    bool
		ownCase bool
	}{
		{"admin", cmd.Viewer{UserID: 99, Admin: true}, true, true},
		{"creator", cmd.Viewer{UserID: creator}, true, false},
		{"assignee", cmd.Viewer{UserID: assignee}, true, false},
		{"outsider", cmd.Viewer{UserID: outsider}, false, true},
		{"nobody", cmd.Viewer{}, false, false},
	} {
		want := []int64{open}
		if c.sees {
			want = append(want, secret)
		}
		if c.ownCase {
			want = append(want, theirs)
		}
		slices.Sort(want)
		got := querytest.Walk(t, c.name, func(cursor string) (queries.Page[qc.Case], error) {
			return e.r.List(ctx, 1, c.v, qc.Filter{Sort: "created_at", Limit: 1, Cursor: cursor})
		})
		if g := caseIDs(got); !slices.Equal(g, want) {
			t.Errorf("%s lists %v, want %v", c.name, g, want)
		}
		conf := querytest.Walk(t, c.name, func(cursor string) (queries.Page[qc.Case], error) {
			return e.r.List(ctx, 1, c.v, qc.Filter{Sort: "created_at", Confidential: ptr(true), Cursor: cursor})
		})
		if len(conf) != len(want)-1 {
			t.Errorf("%s lists %d confidential cases, want %d", c.name, len(conf), len(want)-1)
		}
		plain, err := e.r.List(ctx, 1, c.v, qc.Filter{Confidential: ptr(false)})
		if err != nil || !slices.Equal(caseIDs(plain.Items), []int64{open}) {
			t.Errorf("%s lists %v as not confidential (%v), want %v", c.name, caseIDs(plain.Items), err, []int64{open})
		}

		d, err := e.r.Get(ctx, 1, c.v, secret)
		cur, curErr := e.r.Current(ctx, 1, c.v, secret)
		h, hErr := e.r.History(ctx, 1, c.v, secret, 0, "")
		if c.sees {
			if err != nil || d.ID != secret || len(d.Evidence) != 1 {
				t.Errorf("%s reads the confidential case: %+v, %v", c.name, d, err)
			}
			if curErr != nil || cur.ID != secret {
				t.Errorf("%s replays the confidential case: %v", c.name, curErr)
			}
			if hErr != nil || h.Total != 4 {
				t.Errorf("%s reads the confidential case's history: %d entries, %v", c.name, h.Total, hErr)
			}
		} else {
			querytest.NotFound(t, c.name+" reads the confidential case", err)
			querytest.NotFound(t, c.name+" replays the confidential case", curErr)
			querytest.NotFound(t, c.name+" reads the confidential case's history", hErr)
		}

		v := dashboard.Viewer{UserID: c.v.UserID, Admin: c.v.Admin, Holds: holds}
		counts, err := e.dash.Counts(ctx, 1, v)
		if err != nil {
			t.Fatal(err)
		}
		wantOpen, wantUrgent := int64(1), int64(1)
		if c.sees {
			wantOpen, wantUrgent = 2, 2
		}
		if counts["cases_open"] != wantOpen || counts["cases_urgent"] != wantUrgent {
			t.Errorf("%s counts %v, want %d open and %d urgent", c.name, counts, wantOpen, wantUrgent)
		}
		chart, err := e.dash.Chart(ctx, 1, v, "cases_by_status")
		if err != nil {
			t.Fatal(err)
		}
		wantChart := []int64{1, 0, 0, 0, 0}
		if c.sees {
			wantChart[1] = 1
		}
		if c.ownCase {
			wantChart[4] = 1
		}
		if !slices.Equal(chart.Labels, cmd.Statuses) || !slices.Equal(chart.Values, wantChart) {
			t.Errorf("%s charts %v %v, want %v %v", c.name, chart.Labels, chart.Values, cmd.Statuses, wantChart)
		}
	}

	// Taking the case from its assignee takes it from their view too; making it
	// ordinary shows it to everyone.
	other := int64(14)
	e.assign(1, secret, other)
	e.sync()
	if _, err := e.r.Get(ctx, 1, cmd.Viewer{UserID: assignee}, secret); strata.ErrorCode(err) != strata.NotFound {
		t.Errorf("the former assignee still reads the confidential case: %v", err)
	}
	if _, err := e.r.History(ctx, 1, cmd.Viewer{UserID: assignee}, secret, 0, ""); strata.ErrorCode(err) != strata.NotFound {
		t.Errorf("the former assignee still reads the confidential case's history: %v", err)
	}
	e.events(1, creator, secret, ev.CaseUpdated{CaseID: secret, Set: json.RawMessage(`{"confidential":false}`),
		Previous: json.RawMessage(`{"confidential":true}`)})
	e.sync()
	if _, err := e.r.Get(ctx, 1, cmd.Viewer{UserID: outsider}, secret); err != nil {
		t.Errorf("a case no longer confidential is hidden: %v", err)
	}

	// Without cases:read the figures are not given at all.
	none := dashboard.Viewer{UserID: 99, Admin: false, Holds: func(string) bool { return false }}
	if counts, err := e.dash.Counts(ctx, 1, none); err != nil || len(counts) != 0 {
		t.Errorf("a caller without cases:read is given %v (%v)", counts, err)
	}
	if _, err := e.dash.Chart(ctx, 1, none, "cases_by_status"); strata.ErrorCode(err) != strata.PermissionDenied {
		t.Errorf("a caller without cases:read reads the chart: %v", err)
	}
}

// A case's detail embeds its evidence, oldest first, with the counts the evidence
// events left, and equals the case replayed from its stream; another organization's
// case, or one that does not exist, is NOT_FOUND.
func TestDetailAndCurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.user(5, "Sam Assignee")
	id := e.open(1, 2, ev.Fields{Title: "Invoice tampering", Description: "Altered PDFs", Type: "fraud", Reporter: "AP",
		Priority: cmd.High})
	e.assign(1, id, 5)
	e.toStatus(1, id, cmd.InProgress)
	a := e.upload(1, 2, id, "invoice.pdf", sha(1))
	b := e.upload(1, 5, id, "email.eml", sha(2))
	e.events(1, 5, id,
		evidence.EvidenceDownloaded{EvidenceID: a, Owner: evidence.Owner{Kind: cmd.OwnerKind, ID: id}, SHA256: sha(1), Reason: "review"},
		evidence.EvidenceDownloaded{EvidenceID: a, Owner: evidence.Owner{Kind: cmd.OwnerKind, ID: id}, SHA256: sha(1)},
		evidence.EvidenceVerified{EvidenceID: b, Owner: evidence.Owner{Kind: cmd.OwnerKind, ID: id}, SHA256: sha(2),
			Actual: sha(3), Result: evidence.Mismatch, During: cmd.DuringVerify})
	e.sync()

	d, err := e.r.Get(ctx, 1, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != 4 || d.EvidenceCount != 2 || len(d.Evidence) != 2 || d.Evidence[0].ID != a || d.Evidence[1].ID != b {
		t.Fatalf("detail %+v", d)
	}
	if f := d.Evidence[0]; f.DownloadCount != 2 || f.Integrity != "unverified" || f.UploadedByName != "Person 2" ||
		f.CaseID == nil || *f.CaseID != id || f.OwnerKind != cmd.OwnerKind || f.OwnerID != id {
		t.Errorf("first file %+v", f)
	}
	if f := d.Evidence[1]; f.Integrity != evidence.Mismatch || f.LastVerifiedAt == nil || f.UploadedBy != 5 {
		t.Errorf("second file %+v", f)
	}
	cur, err := e.r.Current(ctx, 1, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if r, w := asJSON(d), asJSON(cur); r != w {
		t.Errorf("read model and stream differ:\n read model %s\n replayed   %s", r, w)
	}
	if !strings.Contains(asJSON(d), `"assignee_name":"Sam Assignee"`) || !strings.Contains(asJSON(d), `"resolution":null`) {
		t.Errorf("detail JSON %s", asJSON(d))
	}

	querytest.NotFound(t, "another organization's case", func() error { _, err := e.r.Get(ctx, 2, admin, id); return err }())
	querytest.NotFound(t, "no such case", func() error { _, err := e.r.Get(ctx, 1, admin, id+100); return err }())
	querytest.NotFound(t, "another organization's case replayed", func() error { _, err := e.r.Current(ctx, 2, admin, id); return err }())
	querytest.NotFound(t, "another organization's history", func() error { _, err := e.r.History(ctx, 2, admin, id, 0, ""); return err }())
	querytest.NotFound(t, "no such history", func() error { _, err := e.r.History(ctx, 1, admin, id+100, 0, ""); return err }())
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A case's history is its whole stream, newest first, evidence events included, each
// entry telling what it changed; pages walk it without gaps.
func TestHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.open(1, 2, ev.Fields{Title: "History", Priority: cmd.Low})
	e.assign(1, id, 5)
	f := e.upload(1, 5, id, "a.pdf", sha(7))
	owner := evidence.Owner{Kind: cmd.OwnerKind, ID: id}
	e.events(1, 5, id, evidence.EvidenceDownloaded{EvidenceID: f, Owner: owner, SHA256: sha(7), Reason: "court order"})
	e.events(1, 5, id, evidence.EvidenceVerified{EvidenceID: f, Owner: owner, SHA256: sha(7), Actual: sha(7),
		Result: evidence.Match, During: cmd.DuringVerify})
	e.toStatus(1, id, cmd.Completed)
	e.events(1, 5, id, ev.CaseStatusChanged{CaseID: id, From: cmd.Completed, To: cmd.InProgress, Comment: "New facts"})
	e.events(1, 2, id, ev.CaseUpdated{CaseID: id, Set: json.RawMessage(`{"priority":"urgent"}`),
		Previous: json.RawMessage(`{"priority":"low"}`)})

	// No projection is needed: the history is the stream's.
	page, err := e.r.History(ctx, 1, admin, id, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, x := range page.Items {
		types = append(types, x.Type)
	}
	want := []string{"CaseUpdated", "CaseStatusChanged", "CaseStatusChanged", "CaseStatusChanged", "CaseStatusChanged",
		"EvidenceVerified", "EvidenceDownloaded", "EvidenceUploaded", "CaseStatusChanged", "CaseAssigned", "CaseOpened"}
	if !slices.Equal(types, want) || page.Total != int64(len(want)) || page.NextCursor != nil {
		t.Fatalf("history %v (total %d), want %v", types, page.Total, want)
	}
	changes := func(i int) string {
		var parts []string
		for _, c := range page.Items[i].Changes {
			parts = append(parts, fmt.Sprintf("%s:%s>%s", c.Field, c.Before, c.After))
		}
		return strings.Join(parts, " ")
	}
	prefix := fmt.Sprintf("evidence %d: ", f)
	for i, w := range map[int]string{
		0:  `priority:"low">"urgent"`,
		1:  `comment:null>"New facts" resolution:"substantiated">null status:"completed">"in_progress"`,
		2:  `comment:null>"Concluded" resolution:null>"substantiated" status:"review">"completed"`,
		5:  prefix + `during:null>"verify" ` + prefix + `integrity:"unverified">"match"`,
		6:  prefix + `download_count:0>1 ` + prefix + `reason:null>"court order"`,
		9:  `assignee_id:null>5`,
		10: `confidential:null>false description:null>"" priority:null>"low" reporter:null>"" status:null>"new" title:null>"History" type:null>""`,
	} {
		if got := changes(i); got != w {
			t.Errorf("entry %d (%s): %s, want %s", i, page.Items[i].Type, got, w)
		}
	}
	up := changes(7)
	for _, w := range []string{prefix + `file_name:null>"a.pdf"`, prefix + `sha256:null>"` + sha(7) + `"`, prefix + `size:null>1234`} {
		if !strings.Contains(up, w) {
			t.Errorf("upload entry %s lacks %s", up, w)
		}
	}
	if x := page.Items[6]; x.Version != 5 || x.Actor.Name != "Person 5" || x.IP != "192.0.2.1" || x.UserAgent != "test/1" {
		t.Errorf("download entry %+v", x)
	}

	var walked []int64
	for _, x := range querytest.Walk(t, "history", func(cursor string) (queries.Page[queries.Entry], error) {
		return e.r.History(ctx, 1, admin, id, 3, cursor)
	}) {
		walked = append(walked, x.Version)
	}
	if len(walked) != 11 || walked[0] != 11 || walked[10] != 1 || !slices.IsSortedFunc(walked, func(a, b int64) int { return cmp.Compare(b, a) }) {
		t.Errorf("history pages walk %v", walked)
	}
}

// AsOf folds a case's stream up to an instant, evidence included; who may see it is
// decided by the case as it is now, so a former assignee of a confidential case sees
// it at no instant and its present assignee sees its whole past.
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
	id := e.open(1, 2, ev.Fields{Title: "Payroll ghosts", Confidential: true})
	opened := mark()
	e.assign(1, id, 5)
	assigned := mark()
	f := e.upload(1, 5, id, "payslips.pdf", sha(1))
	e.events(1, 5, id, evidence.EvidenceDownloaded{EvidenceID: f, Owner: evidence.Owner{Kind: cmd.OwnerKind, ID: id}, SHA256: sha(1)})
	downloaded := mark()
	e.assign(1, id, 6)
	e.events(1, 6, id, ev.CaseUpdated{CaseID: id, Set: json.RawMessage(`{"title":"Payroll ghosts, wider"}`),
		Previous: json.RawMessage(`{"title":"Payroll ghosts"}`)})

	newAssignee, formerAssignee, creator := cmd.Viewer{UserID: 6}, cmd.Viewer{UserID: 5}, cmd.Viewer{UserID: 2}
	for _, x := range []struct {
		name     string
		at       time.Time
		title    string
		assignee *int64
		files    int
	}{
		{"opened", opened, "Payroll ghosts", nil, 0},
		{"assigned", assigned, "Payroll ghosts", ptr(int64(5)), 0},
		{"downloaded", downloaded, "Payroll ghosts", ptr(int64(5)), 1},
		{"now", time.Now().Add(time.Second), "Payroll ghosts, wider", ptr(int64(6)), 1},
	} {
		for _, v := range []cmd.Viewer{newAssignee, creator, admin} {
			d, err := e.r.AsOf(ctx, 1, v, id, x.at)
			if err != nil {
				t.Fatalf("%s for %+v: %v", x.name, v, err)
			}
			if d.Title != x.title || (d.AssigneeID == nil) != (x.assignee == nil) || (d.AssigneeID != nil && *d.AssigneeID != *x.assignee) ||
				len(d.Evidence) != x.files || d.EvidenceCount != int64(x.files) {
				t.Fatalf("%s for %+v: %+v", x.name, v, d)
			}
			if x.files == 1 && d.Evidence[0].DownloadCount != 1 {
				t.Fatalf("%s: file %+v", x.name, d.Evidence[0])
			}
		}
		querytest.NotFound(t, "a former assignee, "+x.name, func() error { _, err := e.r.AsOf(ctx, 1, formerAssignee, id, x.at); return err }())
		querytest.NotFound(t, "a stranger, "+x.name, func() error { _, err := e.r.AsOf(ctx, 1, cmd.Viewer{UserID: 7}, id, x.at); return err }())
		querytest.NotFound(t, "another organization, "+x.name, func() error { _, err := e.r.AsOf(ctx, 2, admin, id, x.at); return err }())
	}
	now, err := e.r.AsOf(ctx, 1, admin, id, time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	cur, err := e.r.Current(ctx, 1, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := asJSON(now), asJSON(cur); a != b {
		t.Errorf("as of now and current differ:\n as of   %s\n current %s", a, b)
	}
	querytest.NotFound(t, "before it was opened", func() error { _, err := e.r.AsOf(ctx, 1, admin, id, before); return err }())
	querytest.NotFound(t, "no such case", func() error { _, err := e.r.AsOf(ctx, 1, admin, id+100, opened); return err }())
}
