package controls_test

import (
	"context"
	"testing"

	"github.com/strata-grc/strata"
	cmd "github.com/strata-grc/strata/commands/controls"
	ev "github.com/strata-grc/strata/events/controls"
)

// TestOutcome tells the tested control and the result of the organization's own
// tests only.
func TestTestOutcome(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.control(1, ev.Fields{Code: "AC-1"}, cmd.Active)
	b := e.control(1, ev.Fields{Code: "AC-2"}, cmd.Active)
	failed := e.test(1, a, cmd.Fail)
	passed := e.test(1, b, cmd.Pass)
	inconclusive := e.test(1, b, cmd.Inconclusive)
	other := e.control(2, ev.Fields{Code: "AC-1"}, cmd.Active)
	theirs := e.test(2, other, cmd.Fail)
	e.sync()

	for _, want := range []struct {
		id, control int64
		result      string
	}{{failed, a, cmd.Fail}, {passed, b, cmd.Pass}, {inconclusive, b, cmd.Inconclusive}} {
		control, result, err := e.r.TestOutcome(ctx, 1, want.id)
		if err != nil || control != want.control || result != want.result {
			t.Errorf("test %d: control %d, result %q, %v; want control %d, %q", want.id, control, result, err, want.control, want.result)
		}
	}
	for _, id := range []int64{theirs, 999999} {
		if _, _, err := e.r.TestOutcome(ctx, 1, id); strata.ErrorCode(err) != strata.NotFound {
			t.Errorf("test %d for organization 1: %v, want NOT_FOUND", id, err)
		}
	}
	if control, result, err := e.r.TestOutcome(ctx, 2, theirs); err != nil || control != other || result != cmd.Fail {
		t.Errorf("organization 2's own test: control %d, result %q, %v", control, result, err)
	}
}
