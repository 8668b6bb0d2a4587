// Package decidetest checks what a module's Decide returns in table tests: the error
// a command is refused with, or the events it is accepted with. Every module's decide
// tests judge outcomes alike, so a failure reads the same whichever module it is in.
package decidetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/events"
)

// CheckErr fails t unless err is a refusal of code wantErr naming exactly the fields
// wantFields, in any order, and no events came with it. A problem, when set, is part
// of the first named field's problem, or of the message when no field is named.
func CheckErr(t testing.TB, got []events.Payload, err error, wantErr strata.Code, wantFields []string, problem string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got events %s, want a %s error", Show(got), wantErr)
	}
	if code := strata.ErrorCode(err); code != wantErr {
		t.Fatalf("error %v has code %s, want %s", err, code, wantErr)
	}
	var fields []string
	var se *strata.Error
	if errors.As(err, &se) {
		for k := range se.Fields {
			fields = append(fields, k)
		}
	}
	slices.Sort(fields)
	want := slices.Sorted(slices.Values(wantFields))
	if !slices.Equal(fields, want) {
		t.Errorf("error %v names fields %q, want %q", err, fields, want)
	}
	switch {
	case problem == "":
	case len(want) > 0 && !strings.Contains(se.Fields[want[0]], problem):
		t.Errorf("%s: %q, want it to say %q", want[0], se.Fields[want[0]], problem)
	case len(want) == 0 && !strings.Contains(err.Error(), problem):
		t.Errorf("error %q, want it to say %q", err, problem)
	}
	if len(got) != 0 {
		t.Errorf("got events %s alongside the error", Show(got))
	}
}

// ComparePayloads fails t unless got holds the events of want, in order, each of the
// same type and with the same JSON by meaning: key order inside Set and Previous does
// not matter, which a patch's diff does not promise.
func ComparePayloads(t testing.TB, got, want []events.Payload) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events %s, want %d %s", len(got), Show(got), len(want), Show(want))
	}
	for i := range want {
		g, w := normalized(t, got[i]), normalized(t, want[i])
		if reflect.TypeOf(got[i]) != reflect.TypeOf(want[i]) || !reflect.DeepEqual(g, w) {
			t.Errorf("event %d:\n got %s\nwant %s", i, Show(got[i:i+1]), Show(want[i:i+1]))
		}
	}
}

// normalized is a payload as a generic JSON value, so key order inside Set and
// Previous does not matter.
func normalized(t testing.TB, p events.Payload) any {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// SameJSON fails t unless two JSON objects mean the same: key order and spacing do
// not matter. A got that is no JSON object is the code's fault, a want the test's.
func SameJSON(t testing.TB, what string, got, want json.RawMessage) {
	t.Helper()
	var g, w map[string]any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("%s %s is not a JSON object: %v", what, got, err)
		return
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("bad test: want %s %s: %v", what, want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// Show renders events for failure messages, each as its type and JSON, so JSON
// fields read as text rather than bytes.
func Show(ps []events.Payload) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		raw, _ := json.Marshal(p)
		parts[i] = p.EventType() + string(raw)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
