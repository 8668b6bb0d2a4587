package evidence_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/evidence"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/evidence"
	"github.com/strata-grc/strata/projections/projectiontest"
	"github.com/strata-grc/strata/schema/testdb"
)

// file is what the generator knows of a file, to check the read model against.
type file struct {
	ID             int64     `json:"id"`
	OrgID          int64     `json:"org_id"`
	OwnerKind      string    `json:"owner_kind"`
	OwnerID        int64     `json:"owner_id"`
	StreamID       string    `json:"stream_id"`
	FileName       string    `json:"file_name"`
	ContentType    string    `json:"content_type"`
	Size           int64     `json:"size"`
	SHA256         string    `json:"sha256"`
	Description    string    `json:"description"`
	UploadedBy     int64     `json:"uploaded_by"`
	UploadedByName string    `json:"uploaded_by_name"`
	UploadedAt     time.Time `json:"uploaded_at"`
	Integrity      string    `json:"integrity"`
	LastVerifiedAt *string   `json:"last_verified_at"`
	DownloadCount  int64     `json:"download_count"`
}

// entry is a custody row as the generator expects it.
type entry struct {
	Position   int64   `json:"position"`
	OrgID      int64   `json:"org_id"`
	EvidenceID int64   `json:"evidence_id"`
	OwnerKind  string  `json:"owner_kind"`
	OwnerID    int64   `json:"owner_id"`
	Action     string  `json:"action"`
	ActorID    int64   `json:"actor_id"`
	ActorName  string  `json:"actor_name"`
	At         string  `json:"at"`
	IP         string  `json:"ip"`
	UserAgent  string  `json:"user_agent"`
	SHA256     string  `json:"sha256"`
	Result     *string `json:"result"`
	Reason     *string `json:"reason"`
}

// gen appends file events to cases' and engagements' streams of two organizations,
// with other events in between that the projection must leave alone, and keeps what
// the read models should then hold.
type gen struct {
	store   *postgres.Store
	reg     *events.Registry
	ids     *commands.Sequences
	rng     *rand.Rand
	last    events.Position
	files   []*file
	custody []entry
	counts  map[string]int
}

func (g *gen) meta(org int64) events.Metadata {
	actor := int64(1 + g.rng.IntN(4))
	return events.Metadata{OrgID: org, ActorID: actor, ActorName: fmt.Sprintf("Person %d", actor), CorrelationID: "t",
		IP: fmt.Sprintf("192.0.2.%d", actor), UserAgent: fmt.Sprintf("agent/%d", actor)}
}

func (g *gen) append(ctx context.Context, stream string, meta events.Metadata, p events.Payload) (events.AppendResult, error) {
	x, err := g.reg.Encode(p)
	if err != nil {
		return events.AppendResult{}, err
	}
	res, err := g.store.Append(ctx, stream, events.Any(), meta, x)
	if err == nil {
		g.counts[p.EventType()]++
		if res.Position.Compare(g.last) > 0 {
			g.last = res.Position
		}
	}
	return res, err
}

// at is a time as normalize writes it.
func at(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (g *gen) step(ctx context.Context) error {
	org := int64(1 + g.rng.IntN(2))
	m := g.meta(org)
	var mine []*file
	for _, f := range g.files {
		if f.OrgID == org {
			mine = append(mine, f)
		}
	}
	custody := func(res events.AppendResult, f *file, action, sha string, result, reason *string) {
		g.custody = append(g.custody, entry{Position: res.Position.GlobalPosition, OrgID: org, EvidenceID: f.ID,
			OwnerKind: f.OwnerKind, OwnerID: f.OwnerID, Action: action, ActorID: m.ActorID, ActorName: m.ActorName,
			At: at(res.RecordedAt), IP: m.IP, UserAgent: m.UserAgent, SHA256: sha, Result: result, Reason: reason})
	}
	switch r := g.rng.IntN(100); {
	case r < 10:
		// Not a file event: left alone, whatever its stream.
		_, err := g.store.Append(ctx, fmt.Sprintf("case-%d", 1+g.rng.IntN(3)), events.Any(), m,
			events.NewEvent{ID: uuid.New(), Type: "CaseUpdated", SchemaVersion: 1, Data: json.RawMessage(`{"case_id": 1}`)})
		return err
	case r < 40 || len(mine) == 0:
		id, err := g.ids.Next(ctx, "evidence")
		if err != nil {
			return err
		}
		kind := []string{"case", "case", "procedure", "finding"}[g.rng.IntN(4)]
		owner := ev.Owner{Kind: kind, ID: int64(1 + g.rng.IntN(3))}
		stream := fmt.Sprintf("case-%d", owner.ID)
		if kind != "case" {
			stream = fmt.Sprintf("engagement-%d", 100+org)
		}
		fl := ev.File{FileName: fmt.Sprintf("scan %d.pdf", id), ContentType: []string{"", "application/pdf"}[g.rng.IntN(2)],
			Size: int64(g.rng.IntN(1 << 24)), SHA256: fmt.Sprintf("%064x", g.rng.IntN(40)), Description: []string{"", "Signed"}[g.rng.IntN(2)]}
		res, err := g.append(ctx, stream, m, ev.EvidenceUploaded{EvidenceID: id, Owner: owner, File: fl})
		if err != nil {
			return err
		}
		f := &file{ID: id, OrgID: org, OwnerKind: owner.Kind, OwnerID: owner.ID, StreamID: stream, FileName: fl.FileName,
			ContentType: fl.ContentType, Size: fl.Size, SHA256: fl.SHA256, Description: fl.Description, UploadedBy: m.ActorID,
			UploadedByName: m.ActorName, UploadedAt: res.RecordedAt, Integrity: "unverified"}
		g.files = append(g.files, f)
		custody(res, f, ev.ActionUploaded, fl.SHA256, nil, nil)
	case r < 75:
		f := mine[g.rng.IntN(len(mine))]
		reason := []string{"", "legal review"}[g.rng.IntN(2)]
		res, err := g.append(ctx, f.StreamID, m, ev.EvidenceDownloaded{EvidenceID: f.ID,
			Owner: ev.Owner{Kind: f.OwnerKind, ID: f.OwnerID}, SHA256: f.SHA256, Reason: reason})
		if err != nil {
			return err
		}
		f.DownloadCount++
		custody(res, f, ev.ActionDownloaded, f.SHA256, nil, optional(reason))
	default:
		f := mine[g.rng.IntN(len(mine))]
		result := []string{ev.Match, ev.Match, ev.Mismatch}[g.rng.IntN(3)]
		res, err := g.append(ctx, f.StreamID, m, ev.EvidenceVerified{EvidenceID: f.ID,
			Owner: ev.Owner{Kind: f.OwnerKind, ID: f.OwnerID}, SHA256: f.SHA256, Actual: f.SHA256, Result: result, During: "verify"})
		if err != nil {
			return err
		}
		f.Integrity = result
		verified := at(res.RecordedAt)
		f.LastVerifiedAt = &verified
		custody(res, f, ev.ActionVerified, f.SHA256, &result, nil)
	}
	return nil
}

// snapshot is every row of both read models, as JSON text, in key order: the files,
// then the custody entries.
func snapshot(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	s := projectiontest.TakeSnapshot(t, pool, projectiontest.Table{Name: "evidence", OrderBy: "id"},
		projectiontest.Table{Name: "evidence_custody", OrderBy: "position"})
	return append(s["evidence"], s["evidence_custody"]...)
}

// expected is what the generator says the read models hold, as JSON text in the same
// order.
func (g *gen) expected(t *testing.T) []string {
	t.Helper()
	var out []string
	files := slices.Clone(g.files)
	slices.SortFunc(files, func(a, b *file) int { return int(a.ID - b.ID) })
	for _, f := range files {
		x := *f
		b, _ := json.Marshal(struct {
			file
			UploadedAt string `json:"uploaded_at"`
		}{x, at(x.UploadedAt)})
		out = append(out, string(b))
	}
	custody := slices.Clone(g.custody)
	slices.SortFunc(custody, func(a, b entry) int { return int(a.Position - b.Position) })
	for _, c := range custody {
		b, _ := json.Marshal(c)
		out = append(out, string(b))
	}
	return out
}

// normalize puts JSON objects in one key order and times in UTC, so rows compare
// whatever order the columns or fields come in and whatever the session's time zone.
func normalize(t *testing.T, rows []string) []string {
	t.Helper()
	out := make([]string, len(rows))
	for i, r := range rows {
		var m map[string]any
		if err := json.Unmarshal([]byte(r), &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			if s, ok := v.(string); ok {
				if ts, err := time.Parse(time.RFC3339Nano, s); err == nil {
					m[k] = at(ts)
				}
			}
		}
		b, _ := json.Marshal(m)
		out[i] = string(b)
	}
	return out
}

func compare(t *testing.T, what string, a, b []string) {
	t.Helper()
	a, b = normalize(t, a), normalize(t, b)
	if len(a) != len(b) {
		t.Errorf("%s: %d rows against %d", what, len(a), len(b))
	}
	shown := 0
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			if shown++; shown <= 4 {
				t.Errorf("%s: row %d differs:\n %s\n %s", what, i, a[i], b[i])
			}
		}
	}
}

// The projection fed file events of cases and engagements holds every file and every
// custody entry the events told, equals a rebuild from the log, and carries on after.
func TestLiveProjectionEqualsRebuildAndEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	reg := events.NewRegistry()
	ev.Register(reg)
	store := postgres.New(db.Pool)
	// Under a checkpoint name of its own: tests run side by side.
	proj := projectiontest.Named(evidence.New(reg), evidence.Name+"-"+db.Schema)
	runner := projectiontest.Run(t, projections.RunnerConfig{
		Store: store, Pool: db.Pool, Projectors: []projections.Projector{proj},
		Subscriber: projections.SubscriberConfig{BatchSize: 50, IdlePoll: 20 * time.Millisecond, Wakeup: store.Wakeup().C},
	})
	g := &gen{store: store, reg: reg, ids: commands.NewSequences(db.Pool), rng: rand.New(rand.NewPCG(7, 8)), counts: map[string]int{}}
	for range 400 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("events: %v", g.counts)
	projectiontest.Wait(t, runner, g.last, proj.Name())
	live := snapshot(t, db.Pool)
	compare(t, "read model vs events", live, g.expected(t))

	projectiontest.Rebuild(t, store, db.Pool, proj)
	compare(t, "live vs rebuild", live, snapshot(t, db.Pool))

	for range 50 {
		if err := g.step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	projectiontest.Wait(t, runner, g.last, proj.Name())
	compare(t, "rebuilt and carried on vs events", snapshot(t, db.Pool), g.expected(t))
}
