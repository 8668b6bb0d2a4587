package copier

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/events"
)

func TestCanonicalNumber(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "0.000": "0", "-0.0e5": "0",
		"100": "1e2", "1e2": "1e2", "1E+2": "1e2", "100.0": "1e2", "0.1e3": "1e2",
		"1.50": "15e-1", "15e-1": "15e-1", "1.5": "15e-1",
		"-7": "-7", "0.000012": "12e-6", "12345678901234567890": "1234567890123456789e1",
		"1e99999999999999999999": "1e99999999999999999999",
	} {
		if got := canonicalNumber(in); got != want {
			t.Errorf("canonicalNumber(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	// What the application wrote and what PostgreSQL's jsonb gives back.
	written := `{ "title":"Caf\u00e9 <&>", "score":1.50, "n":1e2, "tags":["b","a"], "z":{"y":null,"x":true}, "title":"Café <&>" }`
	stored := `{"n": 100, "z": {"x": true, "y": null}, "tags": ["b", "a"], "score": 1.50, "title": "Café <&>"}`
	a, err := CanonicalJSON([]byte(written))
	if err != nil {
		t.Fatal(err)
	}
	b, err := CanonicalJSON([]byte(stored))
	if err != nil || string(a) != string(b) {
		t.Fatalf("%s\n%s\n%v", a, b, err)
	}
	if c, _ := CanonicalJSON([]byte(`{"tags":["a","b"]}`)); string(c) == string(a) {
		t.Fatal("array order matters")
	}
	if e, _ := CanonicalJSON(nil); string(e) != "{}" {
		t.Fatalf("empty data: %s", e)
	}
	for _, bad := range []string{`{"a":`, `{} {}`, `nope`} {
		if _, err := CanonicalJSON([]byte(bad)); err == nil {
			t.Errorf("%s must not canonicalise", bad)
		}
	}
}

func TestVerifyOnlyOrderDiffers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := events.Metadata{OrgID: 1, ActorID: 1, ActorName: "A", CorrelationID: "c"}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	src, dst := newMemStore(), newMemStore()
	src.appendRaw("a", m, "T", `{"x":1}`, at)
	src.appendRaw("b", m, "T", `{"x":2}`, at)
	// The same two events, the other way round.
	for _, e := range []events.Event{src.log[1], src.log[0]} {
		if _, err := dst.Append(ctx, e.StreamID, events.NoStream(), m, events.NewEvent{ID: e.ID, Type: e.Type, SchemaVersion: 1, Data: e.Data, RecordedAt: e.RecordedAt}); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Verify(ctx, src, dst, nil)
	if !errors.Is(err, ErrMismatch) || rep.OrderMatches || !strings.Contains(err.Error(), "different order") ||
		len(rep.ChecksumDiffers)+len(rep.CountDiffers)+len(rep.MissingInTarget)+len(rep.OnlyInTarget) != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	if _, err := Verify(ctx, src, src, nil); err != nil {
		t.Fatalf("a log against itself: %v", err)
	}
}

func TestMismatchErrorNamesAFew(t *testing.T) {
	t.Parallel()
	r := VerifyReport{SourceEvents: 10, SourceStreams: 8, OrderMatches: true}
	for i := range 8 {
		r.MissingInTarget = append(r.MissingInTarget, fmt.Sprintf("risk-%d", i))
	}
	r.ChecksumDiffers = []string{"control-1"}
	err := r.Mismatch(false)
	want := "copier: verification failed: source 10 events in 8 streams, target 0 events in 0 streams: " +
		"8 streams missing in the target (risk-0, risk-1, risk-2 and 5 more); 1 stream with different contents (control-1)"
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	if (VerifyReport{OrderMatches: true, OnlyInTarget: []string{"x"}}).Mismatch(true) != nil {
		t.Fatal("extra streams, allowed, are no mismatch")
	}
}
