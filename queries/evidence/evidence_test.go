package evidence_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/evidence"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	pevidence "github.com/strata-grc/strata/projections/evidence"
	"github.com/strata-grc/strata/projections/projectiontest"
	qe "github.com/strata-grc/strata/queries/evidence"
	"github.com/strata-grc/strata/schema/testdb"
)

// named is the projector under a checkpoint name of its own: checkpoint locks are
// keyed by name across the whole database, and tests run side by side.
type named struct {
	*pevidence.Projector
	name string
}

func (n named) Name() string { return n.name }

// env is a test's database with the evidence projection running. File events are
// appended to the owners' streams as the command sides append them.
type env struct {
	t      *testing.T
	db     *testdb.DB
	store  *postgres.Store
	reg    *events.Registry
	ids    *commands.Sequences
	r      *qe.Reader
	runner *projections.Runner
	name   string
	last   events.Position
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, db: testdb.New(t), reg: events.NewRegistry()}
	ev.Register(e.reg)
	e.store = postgres.New(e.db.Pool)
	e.ids = commands.NewSequences(e.db.Pool)
	e.r = qe.NewReader(e.db.Pool)
	e.name = pevidence.Name + "-" + e.db.Schema
	e.runner = projectiontest.Run(t, projections.RunnerConfig{
		Store: e.store, Pool: e.db.Pool, Projectors: []projections.Projector{named{pevidence.New(e.reg), e.name}},
		Subscriber: projections.SubscriberConfig{IdlePoll: 20 * time.Millisecond, Wakeup: e.store.Wakeup().C},
	})
	return e
}

func (e *env) sync() {
	e.t.Helper()
	projectiontest.Wait(e.t, e.runner, e.last, e.name)
}

func meta(org, actor int64) events.Metadata {
	return events.Metadata{OrgID: org, ActorID: actor, ActorName: fmt.Sprintf("Person %d", actor), CorrelationID: "t",
		IP: fmt.Sprintf("198.51.100.%d", actor), UserAgent: fmt.Sprintf("agent/%d", actor)}
}

func stream(o ev.Owner) string {
	if o.Kind == qe.CaseOwner {
		return fmt.Sprintf("case-%d", o.ID)
	}
	return fmt.Sprintf("engagement-%d", o.ID)
}

func (e *env) append(org, actor int64, o ev.Owner, p events.Payload) {
	e.t.Helper()
	x, err := e.reg.Encode(p)
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := e.store.Append(context.Background(), stream(o), events.Any(), meta(org, actor), x)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Position.Compare(e.last) > 0 {
		e.last = res.Position
	}
}

func (e *env) upload(org, actor int64, o ev.Owner, name, sha string) int64 {
	e.t.Helper()
	id, err := e.ids.Next(context.Background(), "evidence")
	if err != nil {
		e.t.Fatal(err)
	}
	e.append(org, actor, o, ev.EvidenceUploaded{EvidenceID: id, Owner: o,
		File: ev.File{FileName: name, ContentType: "text/plain", Size: 42, SHA256: sha, Description: "notes"}})
	return id
}

func (e *env) download(org, actor int64, o ev.Owner, id int64, sha, reason string) {
	e.t.Helper()
	e.append(org, actor, o, ev.EvidenceDownloaded{EvidenceID: id, Owner: o, SHA256: sha, Reason: reason})
}

func (e *env) verify(org, actor int64, o ev.Owner, id int64, sha, result string) {
	e.t.Helper()
	e.append(org, actor, o, ev.EvidenceVerified{EvidenceID: id, Owner: o, SHA256: sha, Actual: sha, Result: result, During: "verify"})
}

func sha(n int) string { return fmt.Sprintf("%064x", n) }

func notFound(t *testing.T, what string, err error) {
	t.Helper()
	if strata.ErrorCode(err) != strata.NotFound {
		t.Errorf("%s: got %v, want NOT_FOUND", what, err)
	}
}

// A record's files list oldest first with what their custody left (downloads,
// integrity), and one file reads alone; a file read under another record or
// organization is NOT_FOUND.
func TestListAndGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c1 := ev.Owner{Kind: qe.CaseOwner, ID: 1}
	proc := ev.Owner{Kind: "procedure", ID: 1}
	a := e.upload(1, 2, c1, "first.txt", sha(1))
	p := e.upload(1, 2, proc, "workpaper.xlsx", sha(2))
	b := e.upload(1, 3, c1, "second.txt", sha(3))
	e.download(1, 3, c1, a, sha(1), "")
	e.download(1, 4, c1, a, sha(1), "subpoena")
	e.verify(1, 4, c1, b, sha(3), ev.Mismatch)
	other := e.upload(2, 7, ev.Owner{Kind: qe.CaseOwner, ID: 50}, "theirs.txt", sha(1))
	e.sync()

	files, err := e.r.List(ctx, 1, qe.CaseOwner, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].ID != a || files[1].ID != b {
		t.Fatalf("case 1 lists %+v", files)
	}
	f := files[0]
	if f.CaseID == nil || *f.CaseID != 1 || f.OwnerKind != qe.CaseOwner || f.OwnerID != 1 || f.FileName != "first.txt" ||
		f.ContentType != "text/plain" || f.Size != 42 || f.SHA256 != sha(1) || f.Description != "notes" || f.UploadedBy != 2 ||
		f.UploadedByName != "Person 2" || f.UploadedAt.IsZero() || f.Integrity != "unverified" || f.LastVerifiedAt != nil ||
		f.DownloadCount != 2 {
		t.Errorf("first file %+v", f)
	}
	if g := files[1]; g.Integrity != ev.Mismatch || g.LastVerifiedAt == nil || g.DownloadCount != 0 {
		t.Errorf("second file %+v", g)
	}
	procFiles, err := e.r.List(ctx, 1, "procedure", 1)
	if err != nil || len(procFiles) != 1 || procFiles[0].ID != p || procFiles[0].CaseID != nil {
		t.Errorf("procedure 1 lists %+v (%v)", procFiles, err)
	}
	if none, err := e.r.List(ctx, 1, qe.CaseOwner, 2); err != nil || none == nil || len(none) != 0 {
		t.Errorf("a case without files lists %#v (%v), want an empty list", none, err)
	}

	got, err := e.r.Get(ctx, 1, qe.CaseOwner, 1, b)
	if err != nil || got.ID != b || got.FileName != "second.txt" {
		t.Errorf("get %+v (%v)", got, err)
	}
	for _, c := range []struct {
		what      string
		org       int64
		kind      string
		owner, id int64
	}{
		{"a file of another case", 1, qe.CaseOwner, 2, a},
		{"a file of a procedure under a case", 1, qe.CaseOwner, 1, p},
		{"a case's file under a procedure", 1, "procedure", 1, a},
		{"another organization's file", 1, qe.CaseOwner, 50, other},
		{"a file read by another organization", 2, qe.CaseOwner, 1, a},
		{"no such file", 1, qe.CaseOwner, 1, 999},
	} {
		_, err := e.r.Get(ctx, c.org, c.kind, c.owner, c.id)
		notFound(t, c.what, err)
		_, err = e.r.Custody(ctx, c.org, c.kind, c.owner, c.id, 0, "")
		notFound(t, c.what+"'s custody", err)
	}
}

// A file's custody lists oldest first with who, when, from where and what each
// entry did, pages without gaps, and refuses a page size out of bounds.
func TestCustody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c1 := ev.Owner{Kind: qe.CaseOwner, ID: 1}
	a := e.upload(1, 2, c1, "a.txt", sha(1))
	b := e.upload(1, 2, c1, "b.txt", sha(2))
	e.download(1, 3, c1, a, sha(1), "legal hold")
	e.download(1, 3, c1, b, sha(2), "")
	e.verify(1, 4, c1, a, sha(1), ev.Match)
	e.download(1, 5, c1, a, sha(1), "")
	e.sync()

	page, err := e.r.Custody(ctx, 1, qe.CaseOwner, 1, a, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, c := range page.Items {
		actions = append(actions, fmt.Sprintf("%s by %d", c.Action, c.ActorID))
	}
	if want := []string{"uploaded by 2", "downloaded by 3", "verified by 4", "downloaded by 5"}; !slices.Equal(actions, want) ||
		page.Total != 4 || page.NextCursor != nil || page.Limit != qe.DefaultCustodyLimit {
		t.Fatalf("custody %v (total %d, limit %d), want %v", actions, page.Total, page.Limit, want)
	}
	up, dl, vf := page.Items[0], page.Items[1], page.Items[2]
	if up.ActorName != "Person 2" || up.IP != "198.51.100.2" || up.UserAgent != "agent/2" || up.SHA256 != sha(1) ||
		up.Result != nil || up.Reason != nil || up.At.IsZero() {
		t.Errorf("upload entry %+v", up)
	}
	if dl.Reason == nil || *dl.Reason != "legal hold" || dl.Result != nil || dl.At.Before(up.At) {
		t.Errorf("download entry %+v", dl)
	}
	if vf.Result == nil || *vf.Result != ev.Match || vf.Reason != nil {
		t.Errorf("verification entry %+v", vf)
	}
	if page.Items[3].Reason != nil {
		t.Errorf("a download without a reason has reason %q", *page.Items[3].Reason)
	}

	var walked []string
	cursor := ""
	for {
		p, err := e.r.Custody(ctx, 1, qe.CaseOwner, 1, a, 1, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 4 {
			t.Errorf("page total %d", p.Total)
		}
		for _, c := range p.Items {
			walked = append(walked, fmt.Sprintf("%s by %d", c.Action, c.ActorID))
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	if !slices.Equal(walked, actions) {
		t.Errorf("paged custody %v, want %v", walked, actions)
	}

	for _, limit := range []int{-1, qe.MaxCustodyLimit + 1} {
		_, err := e.r.Custody(ctx, 1, qe.CaseOwner, 1, a, limit, "")
		var se *strata.Error
		if !errors.As(err, &se) || se.Code != strata.Invalid || se.Fields["limit"] == "" {
			t.Errorf("limit %d: %v", limit, err)
		}
	}
	if _, err := e.r.Custody(ctx, 1, qe.CaseOwner, 1, a, qe.MaxCustodyLimit, ""); err != nil {
		t.Errorf("the largest page: %v", err)
	}
	if _, err := e.r.Custody(ctx, 1, qe.CaseOwner, 1, a, 0, "garbage"); strata.ErrorCode(err) != strata.Invalid {
		t.Errorf("a bad cursor: %v", err)
	}

	// The whole case's custody, for the export: every file's entries in the order
	// they happened, each named with its file.
	var rows []string
	err = e.r.CustodyOfOwner(ctx, 1, qe.CaseOwner, 1, func(r qe.CustodyRow) error {
		rows = append(rows, fmt.Sprintf("%s %d %s", r.FileName, r.EvidenceID, r.Action))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		fmt.Sprintf("a.txt %d uploaded", a), fmt.Sprintf("b.txt %d uploaded", b), fmt.Sprintf("a.txt %d downloaded", a),
		fmt.Sprintf("b.txt %d downloaded", b), fmt.Sprintf("a.txt %d verified", a), fmt.Sprintf("a.txt %d downloaded", a),
	}
	if !slices.Equal(rows, want) {
		t.Errorf("export rows %v, want %v", rows, want)
	}
	stop := errors.New("client went away")
	n := 0
	if err := e.r.CustodyOfOwner(ctx, 1, qe.CaseOwner, 1, func(qe.CustodyRow) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("a failing writer: %d rows, %v", n, err)
	}
	if err := e.r.CustodyOfOwner(ctx, 2, qe.CaseOwner, 1, func(qe.CustodyRow) error { return errors.New("a row") }); err != nil {
		t.Errorf("another organization exports the case's custody: %v", err)
	}
}

// The export reads a long custody in chunks and still hands every row over once, in
// order. The rows go straight into the read model: the reader reads nothing else.
func TestCustodyExportAcrossChunks(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	r := qe.NewReader(db.Pool)
	_, err := db.Pool.Exec(ctx, `insert into evidence (id, org_id, owner_kind, owner_id, stream_id, file_name, size, sha256,
		uploaded_by, uploaded_by_name, uploaded_at) values
		(1, 1, 'case', 9, 'case-9', 'one.bin', 1, 'x', 1, 'A', now()),
		(2, 1, 'case', 9, 'case-9', 'two.bin', 1, 'y', 1, 'A', now()),
		(3, 1, 'case', 8, 'case-8', 'other.bin', 1, 'z', 1, 'A', now())`)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2345
	var rows [][]any
	for i := range n + 200 {
		evidenceID := int64(1 + i%2)
		owner := int64(9)
		if i >= n {
			evidenceID, owner = 3, 8
		}
		rows = append(rows, []any{int64(10 + 3*i), int64(1), evidenceID, "case", owner, "downloaded", int64(1), "A",
			time.Now(), "", "", "x"})
	}
	// Positions out of insertion order, as concurrent appends leave them.
	slices.Reverse(rows)
	_, err = db.Pool.CopyFrom(ctx, pgx.Identifier{"evidence_custody"}, []string{"position", "org_id", "evidence_id",
		"owner_kind", "owner_id", "action", "actor_id", "actor_name", "at", "ip", "user_agent", "sha256"}, pgx.CopyFromRows(rows))
	if err != nil {
		t.Fatal(err)
	}
	var positions []int64
	err = r.CustodyOfOwner(ctx, 1, qe.CaseOwner, 9, func(x qe.CustodyRow) error {
		want := "one.bin"
		if x.EvidenceID == 2 {
			want = "two.bin"
		}
		if x.FileName != want {
			t.Fatalf("row %+v names %s", x, x.FileName)
		}
		positions = append(positions, x.Position)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	increasing := true
	for i := 1; i < len(positions); i++ {
		increasing = increasing && positions[i] > positions[i-1]
	}
	if len(positions) != n || !increasing || positions[0] != 10 {
		t.Errorf("export handed %d rows (want %d), each after the one before: %v", len(positions), n, increasing)
	}

	// A long custody also pages in the custody list, up to the largest page.
	var paged int
	cursor := ""
	for {
		p, err := r.Custody(ctx, 1, qe.CaseOwner, 9, 1, qe.MaxCustodyLimit, cursor)
		if err != nil {
			t.Fatal(err)
		}
		paged += len(p.Items)
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	if want := (n + 1) / 2; paged != want {
		t.Errorf("custody pages hold %d entries, want %d", paged, want)
	}
}

// A hash is referenced while any file of any organization is stored under it.
func TestReferenced(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.upload(1, 2, ev.Owner{Kind: qe.CaseOwner, ID: 1}, "a.txt", sha(1))
	e.upload(2, 2, ev.Owner{Kind: "finding", ID: 4}, "b.txt", sha(2))
	e.sync()
	for h, want := range map[string]bool{sha(1): true, sha(2): true, sha(3): false, "": false} {
		got, err := e.r.Referenced(ctx, h)
		if err != nil || got != want {
			t.Errorf("Referenced(%q) = %v, %v; want %v", h, got, err, want)
		}
	}
	var hashes []string
	if err := e.r.Hashes(ctx, func(h string) error { hashes = append(hashes, h); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{sha(1), sha(2)}; !slices.Equal(hashes, want) {
		t.Errorf("hashes %v, want %v", hashes, want)
	}
}

// Every referenced hash, of every organization, is handed over once, in order,
// across the chunks the walk reads.
func TestHashesAcrossChunks(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	const distinct = 2345
	var rows [][]any
	for i := range distinct + 700 {
		rows = append(rows, []any{int64(i + 1), int64(1 + i%3), "case", int64(1), "case-1", "f", int64(1), sha(i % distinct),
			int64(1), "A", time.Now()})
	}
	_, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"evidence"}, []string{"id", "org_id", "owner_kind", "owner_id", "stream_id",
		"file_name", "size", "sha256", "uploaded_by", "uploaded_by_name", "uploaded_at"}, pgx.CopyFromRows(rows))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := qe.NewReader(db.Pool).Hashes(ctx, func(h string) error { got = append(got, h); return nil }); err != nil {
		t.Fatal(err)
	}
	increasing := true
	for i := 1; i < len(got); i++ {
		increasing = increasing && got[i] > got[i-1]
	}
	if len(got) != distinct || !increasing {
		t.Errorf("%d hashes (want %d), each after the one before: %v", len(got), distinct, increasing)
	}
	stop := errors.New("stop")
	if err := qe.NewReader(db.Pool).Hashes(ctx, func(string) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("a failing check: %v", err)
	}
}
