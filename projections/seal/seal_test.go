package seal_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections/seal"
	"github.com/strata-grc/strata/schema/testdb"
)

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`{"b": 1, "a": [true, null, "x"]}`, `{"a":[true,null,"x"],"b":1}`},
		{`{"a": 1, "a": 2}`, `{"a":2}`}, // the last wins, as in jsonb
		{`[1.50, 15e-1, 0.0, -0, 1E3, 120, 0.00012, -3.25e1]`, `[1.5,1.5,0,0,1000,120,0.00012,-32.5]`},
		{`"\u003c\/\u00e9\u2028\t\u0001"`, "\"</é\u2028\\t\\u0001\""},
		{`{"é": 1, "z": 2, "Z": 3}`, `{"Z":3,"z":2,"é":1}`},
	} {
		got, err := seal.CanonicalJSON([]byte(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`{"a":1} {}`, `[1e999999999]`, `{"a":`} {
		if _, err := seal.CanonicalJSON([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// TestCanonicalSurvivesJSONB: whatever spelling an event's JSON had when appended,
// jsonb's own spelling canonicalises to the same bytes.
func TestCanonicalSurvivesJSONB(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	for _, in := range []string{
		`{"z": 1.50, "a": {"y": [1e2, -0.0, "\u00e9\n"], "b": null}, "a ": 12345678901234567890.1}`,
		`{"n": 0.000000001, "s": "\"quoted\" \\ back"}`,
	} {
		var out string
		if err := db.Pool.QueryRow(context.Background(), `select $1::jsonb::text`, in).Scan(&out); err != nil {
			t.Fatal(err)
		}
		x, err1 := seal.CanonicalJSON([]byte(in))
		y, err2 := seal.CanonicalJSON([]byte(out))
		if err1 != nil || err2 != nil || string(x) != string(y) {
			t.Errorf("%s and its jsonb form %s: %s vs %s (%v, %v)", in, out, x, y, err1, err2)
		}
	}
}

// TestCanonicalEvent pins the form docs/trail.md describes.
func TestCanonicalEvent(t *testing.T) {
	t.Parallel()
	e := events.Event{ID: uuid.MustParse("0190f5a2-7c1e-7000-8000-000000000001"), StreamID: "risk-42", StreamVersion: 3,
		GlobalPosition: 99, Type: "RiskUpdated", SchemaVersion: 1, Data: json.RawMessage(`{"title": "Flood", "impact": 4.0}`),
		Metadata:   events.Metadata{OrgID: 7, ActorID: 12, ActorName: "Ann", CorrelationID: "req-1", IP: "192.0.2.1"},
		RecordedAt: time.Date(2026, 5, 1, 10, 30, 0, 123456000, time.FixedZone("x", 3600))}
	got, err := seal.Canonical(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"data":{"impact":4,"title":"Flood"},"event_id":"0190f5a2-7c1e-7000-8000-000000000001",` +
		`"metadata":{"actor_id":12,"actor_name":"Ann","causation_id":"","correlation_id":"req-1","ip":"192.0.2.1","org_id":7,"user_agent":""},` +
		`"org_id":7,"recorded_at":"2026-05-01T09:30:00.123456Z","schema_version":1,"stream_id":"risk-42","stream_version":3,"type":"RiskUpdated","v":1}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "k")
	private, public, err := seal.GenerateKey("ops")
	if err != nil {
		t.Fatal(err)
	}
	if err := seal.WriteKeyFile(path, private); err != nil {
		t.Fatal(err)
	}
	if err := seal.WriteKeyFile(path, private); err == nil {
		t.Fatal("an existing key file was replaced")
	}
	k, err := seal.LoadKey(path)
	if err != nil || k.Public != public {
		t.Fatalf("loaded %+v, %v; want public key %s", k, err, public)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := seal.LoadKey(path); err == nil || !strings.Contains(err.Error(), "0600") {
		t.Fatalf("a world-readable key: %v", err)
	}
	c, err := seal.MakeCheckpoint(3, 10, [32]byte{9}, time.Now(), k)
	if err != nil {
		t.Fatal(err)
	}
	v, err := seal.Verifiers(public)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := seal.ParseCheckpoint(c.Note, v)
	if err != nil || parsed.Org != 3 || parsed.Size != 10 || parsed.Root != c.Root || !parsed.Signed {
		t.Fatalf("parsed %+v, %v", parsed, err)
	}
	if !strings.HasPrefix(string(c.Note), "strata/org/3\n10\n") {
		t.Fatalf("checkpoint text: %q", c.Note)
	}
}
