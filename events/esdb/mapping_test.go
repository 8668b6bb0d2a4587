package esdb

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	es "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
)

var testMeta = events.Metadata{OrgID: 1, ActorID: 7, ActorName: "Ada", CorrelationID: "req-1",
	CausationID: "cmd-1", IP: "127.0.0.1", UserAgent: "test"}

func TestVersionsAndRevisions(t *testing.T) {
	for _, tc := range []struct {
		revision uint64
		version  int64
	}{{0, 1}, {1, 2}, {41, 42}, {math.MaxInt64 - 1, math.MaxInt64}} {
		if got := versionOf(tc.revision); got != tc.version {
			t.Errorf("versionOf(%d) = %d, want %d", tc.revision, got, tc.version)
		}
		if got := revisionOf(tc.version); got != tc.revision {
			t.Errorf("revisionOf(%d) = %d, want %d", tc.version, got, tc.revision)
		}
	}
}

func TestExpectedRevision(t *testing.T) {
	for _, tc := range []struct {
		in   events.ExpectedVersion
		want es.ExpectedRevision
	}{
		{events.Any(), es.Any{}},
		{events.NoStream(), es.NoStream{}},
		{events.Exact(0), es.NoStream{}},
		{events.Exact(1), es.Revision(0)},
		{events.Exact(2), es.Revision(1)},
		{events.Exact(1000), es.Revision(999)},
	} {
		got, err := expectedRevision(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("expectedRevision(%s) = %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}
	if _, err := expectedRevision(events.Exact(-1)); err == nil {
		t.Error("a negative expected version must be refused")
	}
}

func TestCurrentRevisionInErrorText(t *testing.T) {
	// The text the v4 client builds, prefixed as es.Error.Error prints it.
	const prefix = "[ErrorCodeWrongExpectedVersion] an append request failed the optimistic concurrency on the server: "
	for _, tc := range []struct {
		msg     string
		version int64
		ok      bool
	}{
		{prefix + "wrong expected version: expecting '0' but got 'no_stream'", 0, true},
		{prefix + "wrong expected version: expecting 'no_stream' but got '1'", 2, true},
		{prefix + "wrong expected version: expecting '4' but got '1'", 2, true},
		{prefix + "wrong expected version: expecting 'any' but got '41'", 42, true},
		{"esdb: append to x: " + prefix + "wrong expected version: expecting '1' but got '0'", 1, true},
		{prefix + "wrong expected version", 0, false},
		{prefix + "but got '-1'", 0, false},
		{prefix + "but got '99999999999999999999'", 0, false},
	} {
		if v, ok := versionInText(tc.msg); ok != tc.ok || v != tc.version {
			t.Errorf("%q: version %d, %v; want %d, %v", tc.msg, v, ok, tc.version, tc.ok)
		}
	}
}

func TestErrorClassification(t *testing.T) {
	unknown, _ := es.FromError(errors.New("boom"))
	for _, tc := range []struct {
		name     string
		err      error
		wrong    bool
		notFound bool
	}{
		{"nil", nil, false, false},
		{"plain error", errors.New("wrong expected version: expecting '0' but got '1'"), false, false},
		{"client error of another kind", unknown, false, false},
		{"wrapped client error of another kind", fmt.Errorf("read: %w", unknown), false, false},
	} {
		if got := isWrongExpectedVersion(tc.err); got != tc.wrong {
			t.Errorf("%s: isWrongExpectedVersion = %v", tc.name, got)
		}
		if got := isStreamNotFound(tc.err); got != tc.notFound {
			t.Errorf("%s: isStreamNotFound = %v", tc.name, got)
		}
		// Only a wrong-expected-version error may report a version, whatever its text says.
		if _, ok := actualVersion(tc.err); ok {
			t.Errorf("%s: actualVersion reported a version", tc.name)
		}
	}
}

func TestPositions(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   es.Position
		want events.Position
	}{
		{"self-committed event", es.Position{Commit: 1234, Prepare: 1234}, events.Position{TransactionID: 1234, GlobalPosition: 1234}},
		{"explicit transaction", es.Position{Commit: 2000, Prepare: 1500}, events.Position{TransactionID: 2000, GlobalPosition: 1500}},
		{"unknown to an old server", es.Position{Commit: math.MaxUint64, Prepare: math.MaxUint64}, events.Position{}},
		{"prepare beyond int64", es.Position{Commit: 10, Prepare: math.MaxInt64 + 1}, events.Position{}},
	} {
		if got := positionOf(tc.in); got != tc.want {
			t.Errorf("%s: positionOf(%+v) = %+v, want %+v", tc.name, tc.in, got, tc.want)
		}
	}

	// $all orders by commit, then prepare: Compare must agree.
	ordered := []es.Position{{Commit: 100, Prepare: 100}, {Commit: 300, Prepare: 150}, {Commit: 300, Prepare: 200}, {Commit: 400, Prepare: 400}}
	for i := 1; i < len(ordered); i++ {
		if positionOf(ordered[i-1]).Compare(positionOf(ordered[i])) >= 0 {
			t.Errorf("%+v does not sort before %+v", ordered[i-1], ordered[i])
		}
	}
}

func TestReadFrom(t *testing.T) {
	for _, tc := range []struct {
		in      events.Position
		want    es.AllPosition
		wantErr bool
	}{
		{events.Position{}, es.Start{}, false},
		{events.Position{TransactionID: 1234, GlobalPosition: 1234}, es.Position{Commit: 1234, Prepare: 1234}, false},
		{events.Position{TransactionID: 2000, GlobalPosition: 1500}, es.Position{Commit: 2000, Prepare: 1500}, false},
		{events.Position{TransactionID: 5, GlobalPosition: -1}, nil, true},
	} {
		got, err := readFrom(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("readFrom(%+v) = %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}
}

func TestTokenPosition(t *testing.T) {
	for _, gp := range []int64{0, 1, 4096, 1 << 60} {
		p := tokenPosition(gp)
		if p.TransactionID != uint64(gp) || p.GlobalPosition != gp {
			t.Errorf("tokenPosition(%d) = %+v", gp, p)
		}
		// The token must name the event the server reports at that prepare position.
		if got := positionOf(es.Position{Commit: uint64(gp), Prepare: uint64(gp)}); gp > 0 && got != p {
			t.Errorf("tokenPosition(%d) = %+v, the event is at %+v", gp, p, got)
		}
	}
}

func TestMetadataLayout(t *testing.T) {
	at := time.Date(2024, 5, 1, 9, 30, 0, 123456000, time.FixedZone("CEST", 2*3600))
	for _, tc := range []struct {
		name          string
		meta          events.Metadata
		schemaVersion int
		recordedAt    time.Time
		want          string
	}{
		{"appended", testMeta, 2, time.Time{},
			`{"org_id":1,"actor_id":7,"actor_name":"Ada","correlation_id":"req-1","causation_id":"cmd-1","ip":"127.0.0.1","user_agent":"test","schema_version":2}`},
		{"optional fields left out, schema version defaulted", events.Metadata{OrgID: 3, ActorName: events.System, CorrelationID: "c"}, 0, time.Time{},
			`{"org_id":3,"actor_id":0,"actor_name":"system","correlation_id":"c","schema_version":1}`},
		{"copied, recorded_at kept in UTC", testMeta, 1, at,
			`{"org_id":1,"actor_id":7,"actor_name":"Ada","correlation_id":"req-1","causation_id":"cmd-1","ip":"127.0.0.1","user_agent":"test","schema_version":1,"recorded_at":"2024-05-01T07:30:00.123456Z"}`},
	} {
		b, err := encodeMetadata(tc.meta, tc.schemaVersion, tc.recordedAt)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if string(b) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, b, tc.want)
		}
		m, err := decodeMetadata(b)
		if err != nil {
			t.Fatalf("%s: decode: %v", tc.name, err)
		}
		if m.Metadata != tc.meta || m.SchemaVersion != max(tc.schemaVersion, 1) {
			t.Errorf("%s: decoded %+v", tc.name, m)
		}
		if tc.recordedAt.IsZero() != (m.RecordedAt == nil) || (m.RecordedAt != nil && !m.RecordedAt.Equal(tc.recordedAt)) {
			t.Errorf("%s: recorded_at decoded as %v, want %v", tc.name, m.RecordedAt, tc.recordedAt)
		}
	}
}

func TestDecodeMetadata(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		want    StoredMetadata
		wantErr bool
	}{
		{"none", "", StoredMetadata{}, true},
		{"blank", "  ", StoredMetadata{}, true},
		{"not JSON", "org_id=1", StoredMetadata{}, true},
		{"wrong type", `{"org_id":"one"}`, StoredMetadata{}, true},
		{"no schema version", `{"org_id":1,"actor_id":7,"actor_name":"Ada","correlation_id":"c"}`,
			StoredMetadata{Metadata: events.Metadata{OrgID: 1, ActorID: 7, ActorName: "Ada", CorrelationID: "c"}, SchemaVersion: 1}, false},
		{"unknown fields ignored", `{"org_id":1,"$correlationId":"x","schema_version":3}`,
			StoredMetadata{Metadata: events.Metadata{OrgID: 1}, SchemaVersion: 3}, false},
	} {
		got, err := decodeMetadata([]byte(tc.in))
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err %v, want error %v", tc.name, err, tc.wantErr)
			continue
		}
		if err == nil && (got.Metadata != tc.want.Metadata || got.SchemaVersion != tc.want.SchemaVersion || got.RecordedAt != nil) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestRecordedAtAndAsOf(t *testing.T) {
	created := time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC)
	preserved := time.Date(2023, 6, 7, 8, 9, 10, 0, time.UTC)
	for _, tc := range []struct {
		name string
		meta StoredMetadata
		want time.Time
	}{
		{"appended here", StoredMetadata{}, created},
		{"copied in", StoredMetadata{RecordedAt: &preserved}, preserved},
		{"zero preserved time", StoredMetadata{RecordedAt: &time.Time{}}, created},
	} {
		if got := recordedAt(created, tc.meta); !got.Equal(tc.want) {
			t.Errorf("%s: recordedAt = %v, want %v", tc.name, got, tc.want)
		}
	}

	for _, tc := range []struct {
		name     string
		at, asOf time.Time
		want     bool
	}{
		{"no bound", created, time.Time{}, true},
		{"recorded at the instant", created, created, true},
		{"recorded before", created, created.Add(time.Nanosecond), true},
		{"recorded after", created, created.Add(-100 * time.Nanosecond), false},
		{"same instant in another zone", created, created.In(time.FixedZone("X", -5*3600)), true},
	} {
		if got := visibleAsOf(tc.at, tc.asOf); got != tc.want {
			t.Errorf("%s: visibleAsOf = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNamespaces(t *testing.T) {
	for _, tc := range []struct {
		ns, id, name string
		wantErr      bool
	}{
		{"", "risk-42", "risk-42", false},
		{"t1_", "risk-42", "t1_risk-42", false},
		{"t1_", "", "", true},
		{"", "", "", true},
		{"", "$all", "", true},
		{"$t1_", "risk-42", "", true},
		{"t1_", "$x", "t1_$x", false},
	} {
		name, err := streamName(tc.ns, tc.id)
		if (err != nil) != tc.wantErr || name != tc.name {
			t.Errorf("streamName(%q, %q) = %q, %v; want %q", tc.ns, tc.id, name, err, tc.name)
		}
		if err == nil {
			if id, ok := streamIDOf(tc.ns, name); !ok || id != tc.id {
				t.Errorf("streamIDOf(%q, %q) = %q, %v; want %q back", tc.ns, name, id, ok, tc.id)
			}
		}
	}

	for _, tc := range []struct {
		ns, name string
		ok       bool
	}{
		{"t1_", "t2_risk-42", false},
		{"t1_", "t1_", false},
		{"t1_", "risk-42", false},
		{"", "risk-42", true},
	} {
		if _, ok := streamIDOf(tc.ns, tc.name); ok != tc.ok {
			t.Errorf("streamIDOf(%q, %q) ok = %v, want %v", tc.ns, tc.name, ok, tc.ok)
		}
	}
}

func TestIsStrataRecord(t *testing.T) {
	strata := []string{"risk-", "control-"}
	for _, tc := range []struct {
		ns, stream, eventType string
		kinds                 []string
		want                  bool
	}{
		{"", "risk-42", "RiskIdentified", nil, true},
		{"", "risk-42", "RiskIdentified", strata, true},
		{"", "control-7", "ControlCreated", strata, true},
		{"", "order-42", "OrderPlaced", strata, false}, // another application's stream
		{"", "order-42", "OrderPlaced", nil, true},
		{"t1_", "t1_risk-1", "RiskCreated", strata, true},
		{"t1_", "t1_order-1", "OrderPlaced", strata, false},
		{"", "$stats-127.0.0.1:2113", "$statsCollected", nil, false},
		{"", "$ce-risk", "$>", nil, false},
		{"", "$$risk-42", "$metadata", nil, false},
		{"", "risk-42", "$streamDeleted", nil, false},
		{"", "$projections-$all", "$ProjectionsInitialized", nil, false},
		{"t1_", "t1_thing-1", "ThingHappened", nil, true},
		{"t1_", "t2_thing-1", "ThingHappened", nil, false},
		{"t1_", "thing-1", "ThingHappened", nil, false},
		{"t1_", "t1_thing-1", "$>", nil, false},
	} {
		if got := isStrataRecord(tc.ns, tc.kinds, tc.stream, tc.eventType); got != tc.want {
			t.Errorf("isStrataRecord(%q, %v, %q, %q) = %v, want %v", tc.ns, tc.kinds, tc.stream, tc.eventType, got, tc.want)
		}
	}
}

func TestStreamRange(t *testing.T) {
	for _, tc := range []struct {
		name        string
		opts        events.ReadOptions
		from, count uint64
		ok          bool
	}{
		{"whole stream", events.ReadOptions{}, 0, math.MaxInt64, true},
		{"from version 3", events.ReadOptions{FromVersion: 3}, 2, math.MaxInt64, true},
		{"versions 2 to 4", events.ReadOptions{FromVersion: 2, ToVersion: 4}, 1, 3, true},
		{"up to version 1", events.ReadOptions{ToVersion: 1}, 0, 1, true},
		{"a single version", events.ReadOptions{FromVersion: 5, ToVersion: 5}, 4, 1, true},
		{"negative from is the start", events.ReadOptions{FromVersion: -3, ToVersion: 2}, 0, 2, true},
		{"empty range", events.ReadOptions{FromVersion: 5, ToVersion: 4}, 0, 0, false},
		{"as of does not bound versions", events.ReadOptions{AsOf: time.Now()}, 0, math.MaxInt64, true},
	} {
		from, count, ok := streamRange(tc.opts)
		if from != tc.from || count != tc.count || ok != tc.ok {
			t.Errorf("%s: streamRange = %d, %d, %v; want %d, %d, %v", tc.name, from, count, ok, tc.from, tc.count, tc.ok)
		}
	}
}

func TestToEventData(t *testing.T) {
	a, b := uuid.New(), uuid.New()
	data, ids, err := toEventData(testMeta, []events.NewEvent{
		{ID: a, Type: "RiskIdentified", SchemaVersion: 2, Data: json.RawMessage(`{"title":"x"}`)},
		{ID: b, Type: "RiskScored"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 2 || ids[0] != a || ids[1] != b {
		t.Fatalf("data %+v ids %v", data, ids)
	}
	if d := data[0]; d.EventID != a || d.EventType != "RiskIdentified" || d.ContentType != es.ContentTypeJson || string(d.Data) != `{"title":"x"}` {
		t.Errorf("first event %+v", d)
	}
	if string(data[1].Data) != "{}" {
		t.Errorf("empty data stored as %q, want {}", data[1].Data)
	}
	for i, want := range []int{2, 1} {
		m, err := decodeMetadata(data[i].Metadata)
		if err != nil || m.Metadata != testMeta || m.SchemaVersion != want || m.RecordedAt != nil {
			t.Errorf("event %d metadata %+v, %v", i, m, err)
		}
	}

	for _, tc := range []struct {
		name string
		evs  []events.NewEvent
	}{
		{"no id", []events.NewEvent{{Type: "T"}}},
		{"no type", []events.NewEvent{{ID: a}}},
		{"system type", []events.NewEvent{{ID: a, Type: "$metadata"}}},
		{"id twice", []events.NewEvent{{ID: a, Type: "T"}, {ID: a, Type: "T"}}},
		{"data not JSON", []events.NewEvent{{ID: a, Type: "T", Data: json.RawMessage(`{"n":`)}}},
	} {
		if _, _, err := toEventData(testMeta, tc.evs); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestToEvent(t *testing.T) {
	id := uuid.New()
	created := time.Date(2025, 3, 4, 5, 6, 7, 123456700, time.UTC) // a 100 ns tick; read back to the microsecond
	preserved := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	md, _ := encodeMetadata(testMeta, 3, time.Time{})
	copied, _ := encodeMetadata(testMeta, 1, preserved)
	rec := func(stream string, meta []byte) *es.RecordedEvent {
		return &es.RecordedEvent{EventID: id, EventType: "RiskScored", ContentType: "application/json", StreamID: stream,
			EventNumber: 4, Position: es.Position{Commit: 9000, Prepare: 9000}, CreatedDate: created,
			Data: []byte(`{"score":3}`), UserMetadata: meta}
	}
	want := events.Event{ID: id, StreamID: "risk-42", StreamVersion: 5, GlobalPosition: 9000, TransactionID: 9000,
		Type: "RiskScored", SchemaVersion: 3, Data: json.RawMessage(`{"score":3}`), Metadata: testMeta, RecordedAt: created.Truncate(time.Microsecond)}

	for _, tc := range []struct {
		name    string
		ns      string
		rec     *es.RecordedEvent
		want    events.Event
		wantErr string
	}{
		{"no namespace", "", rec("risk-42", md), want, ""},
		{"namespace stripped", "t9_", rec("t9_risk-42", md), want, ""},
		{"preserved time wins", "", rec("risk-42", copied), func() events.Event {
			w := want
			w.SchemaVersion, w.RecordedAt = 1, preserved
			return w
		}(), ""},
		{"unknown position", "", func() *es.RecordedEvent {
			r := rec("risk-42", md)
			r.Position = es.Position{Commit: math.MaxUint64, Prepare: math.MaxUint64}
			return r
		}(), func() events.Event {
			w := want
			w.GlobalPosition, w.TransactionID = 0, 0
			return w
		}(), ""},
		{"other namespace", "t9_", rec("t8_risk-42", md), events.Event{}, "outside namespace"},
		{"no metadata", "", rec("risk-42", nil), events.Event{}, "event 4 of risk-42: metadata"},
	} {
		got, err := toEvent(tc.ns, tc.rec)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err %v, want one saying %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if string(got.Data) != string(tc.want.Data) || !got.RecordedAt.Equal(tc.want.RecordedAt) {
			t.Errorf("%s: data %s at %v, want %s at %v", tc.name, got.Data, got.RecordedAt, tc.want.Data, tc.want.RecordedAt)
		}
		got.Data, tc.want.Data = nil, nil
		got.RecordedAt, tc.want.RecordedAt = time.Time{}, time.Time{}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

// stream makes n stored events with versions from, from+1, ...
func stream(from int64, n int) []events.Event {
	out := make([]events.Event, n)
	for i := range out {
		v := from + int64(i)
		out[i] = events.Event{ID: uuid.New(), StreamID: "thing-1", StreamVersion: v, GlobalPosition: 100 * v,
			TransactionID: uint64(100 * v), RecordedAt: time.Unix(v, 0)}
	}
	return out
}

func idsOf(evs ...events.Event) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func TestFindStored(t *testing.T) {
	tail := stream(3, 5) // versions 3..7
	gap := append(stream(1, 2), stream(4, 2)...)
	fresh := uuid.New()
	for _, tc := range []struct {
		name  string
		tail  []events.Event
		ids   []uuid.UUID
		kind  stored
		first int
	}{
		{"empty stream", nil, []uuid.UUID{fresh}, storedNone, 0},
		{"new ids", tail, []uuid.UUID{fresh, uuid.New()}, storedNone, 0},
		{"the last append again", tail, idsOf(tail[3:]...), storedAll, 3},
		{"an older append again", tail, idsOf(tail[1:3]...), storedAll, 1},
		{"one event", tail, idsOf(tail[0]), storedAll, 0},
		{"stored id then a new one", tail, []uuid.UUID{tail[4].ID, fresh}, storedSome, 0},
		{"new id then a stored one", tail, []uuid.UUID{fresh, tail[2].ID}, storedSome, 0},
		{"stored ids out of order", tail, idsOf(tail[2], tail[1]), storedSome, 0},
		{"stored ids not consecutive", tail, idsOf(tail[1], tail[3]), storedSome, 0},
		{"versions with a gap", gap, idsOf(gap[1], gap[2]), storedSome, 0},
	} {
		kind, first := findStored(tc.tail, tc.ids)
		if kind != tc.kind || first != tc.first {
			t.Errorf("%s: findStored = %d at %d, want %d at %d", tc.name, kind, first, tc.kind, tc.first)
		}
	}
}

func TestSettle(t *testing.T) {
	tail := stream(1, 4)
	for _, tc := range []struct {
		name     string
		ids      []uuid.UUID
		done     bool
		conflict bool
		want     events.AppendResult
	}{
		{"new events go ahead", []uuid.UUID{uuid.New()}, false, false, events.AppendResult{}},
		{"a retry returns the original result", idsOf(tail[1:3]...), true, false, events.AppendResult{
			StreamID: "thing-1", FromVersion: 2, ToVersion: 3, Position: tail[2].Position(), RecordedAt: tail[2].RecordedAt, Idempotent: true}},
		{"a mixed batch conflicts", []uuid.UUID{tail[3].ID, uuid.New()}, true, true, events.AppendResult{}},
	} {
		res, done, err := settle("thing-1", events.Exact(4), tail, 4, tc.ids)
		if done != tc.done || res != tc.want {
			t.Errorf("%s: %+v, %v, done %v", tc.name, res, err, done)
		}
		var ce *events.ConflictError
		if got := errors.As(err, &ce); got != tc.conflict {
			t.Errorf("%s: err %v, want a conflict %v", tc.name, err, tc.conflict)
		} else if got && (ce.Actual != 4 || ce.StreamID != "thing-1" || !errors.Is(err, events.ErrConflict)) {
			t.Errorf("%s: conflict %+v", tc.name, ce)
		}
	}
}

func TestFollowFilterAndFollowed(t *testing.T) {
	if f := followFilter("", nil); f == nil || f.Type != es.EventFilterType || f.Regex == "" {
		t.Errorf("without a namespace the filter must leave out system events: %+v", f)
	}
	if f := followFilter("t9_", nil); f.Type != es.StreamFilterType || len(f.Prefixes) != 1 || f.Prefixes[0] != "t9_" {
		t.Errorf("a namespace filters on its stream prefix: %+v", f)
	}
	if f := followFilter("t9_", []string{"risk-", "user-"}); f.Type != es.StreamFilterType ||
		!slices.Equal(f.Prefixes, []string{"t9_risk-", "t9_user-"}) {
		t.Errorf("stream kinds filter on the namespace plus each kind: %+v", f)
	}
	md, _ := encodeMetadata(testMeta, 1, time.Time{})
	rec := func(stream, typ string, pos uint64) *es.RecordedEvent {
		return &es.RecordedEvent{EventID: uuid.New(), EventType: typ, ContentType: "application/json", StreamID: stream,
			EventNumber: 0, Position: es.Position{Commit: pos, Prepare: pos}, Data: []byte(`{}`), UserMetadata: md}
	}
	from := events.Position{TransactionID: 500, GlobalPosition: 500}
	for _, tc := range []struct {
		name string
		ns   string
		rec  *es.RecordedEvent
		ok   bool
	}{
		{"after the start", "", rec("risk-1", "RiskCreated", 600), true},
		{"the start itself", "", rec("risk-1", "RiskCreated", 500), false},
		{"before the start", "", rec("risk-1", "RiskCreated", 400), false},
		{"system stream", "", rec("$stats-1", "RiskCreated", 600), false},
		{"system type", "t9_", rec("t9_risk-1", "$metadata", 600), false},
		{"namespaced", "t9_", rec("t9_risk-1", "RiskCreated", 600), true},
		{"other namespace", "t9_", rec("t8_risk-1", "RiskCreated", 600), false},
		{"nothing", "", nil, false},
	} {
		e, ok, err := followed(tc.ns, nil, tc.rec, from)
		if err != nil || ok != tc.ok {
			t.Errorf("%s: ok %v err %v, want ok %v", tc.name, ok, err, tc.ok)
		}
		if ok && e.StreamID != "risk-1" {
			t.Errorf("%s: stream %q, want risk-1 without the namespace", tc.name, e.StreamID)
		}
	}
}
