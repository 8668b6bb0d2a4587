package controls_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	ev "github.com/strata-grc/strata/events/controls"
	qc "github.com/strata-grc/strata/queries/controls"
)

// codes lists a framework's requirements by code, in the order it holds them.
func codes(d qc.FrameworkDetail) []string {
	out := []string{}
	for _, r := range d.Requirements {
		out = append(out, r.Code)
	}
	return out
}

// A framework as of an instant is its own stream folded up to then: nothing before its
// creation, the requirements it held between the additions, all of them afterwards as
// the read model has them, and never another organization's.
func TestAsOfFramework(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	before := time.Now()
	time.Sleep(10 * time.Millisecond)
	id, _ := e.framework(1, "Baseline", "BS-2", "BS-10")
	time.Sleep(10 * time.Millisecond)
	between := time.Now()
	time.Sleep(10 * time.Millisecond)
	_, res, err := e.h.AddRequirement(ctx, orgMeta(1), id, ev.Requirement{Code: "BS-1", Title: "Inventory"})
	e.done(res, err)
	e.sync()

	_, err = e.r.AsOfFramework(ctx, 1, id, before)
	var se *strata.Error
	if !errors.As(err, &se) || se.Code != strata.NotFound || se.Message != "framework not found as of "+before.UTC().Format(time.RFC3339) {
		t.Fatalf("before its creation: %v", err)
	}

	then, err := e.r.AsOfFramework(ctx, 1, id, between)
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(then); then.Name != "Baseline" || then.RequirementCount != 2 || len(got) != 2 || got[0] != "BS-2" ||
		got[1] != "BS-10" || !then.UpdatedAt.Equal(then.CreatedAt) || then.UpdatedAt.After(between) {
		t.Fatalf("as of between: %+v", then)
	}

	now, err := e.r.AsOfFramework(ctx, 1, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	read, err := e.r.Framework(ctx, 1, id)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(now)
	b, _ := json.Marshal(read)
	if string(a) != string(b) || now.RequirementCount != 3 || !now.UpdatedAt.After(between) {
		t.Fatalf("as of now:\n %s\n read model %s", a, b)
	}

	for what, at := range map[string]time.Time{"now": time.Now(), "between": between} {
		if _, err := e.r.AsOfFramework(ctx, 2, id, at); strata.ErrorCode(err) != strata.NotFound {
			t.Errorf("another organization's, %s: %v", what, err)
		}
	}
	if _, err := e.r.AsOfFramework(ctx, 1, 999999, time.Now()); strata.ErrorCode(err) != strata.NotFound {
		t.Errorf("never used: %v", err)
	}
}
