package risks

import (
	"context"
	"testing"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	ev "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/schema/testdb"
)

// noControls answers that no control exists; these tests map none.
type noControls struct{}

func (noControls) Status(context.Context, int64, int64) (string, error) {
	return "", strata.Errorf(strata.NotFound, "control not found")
}

// RiskStatus answers for the organization's live risks only.
func TestRiskStatus(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	reg := events.NewRegistry()
	ev.Register(reg)
	h, err := NewHandler(postgres.New(db.Pool), reg, commands.NewSequences(db.Pool), nil, noControls{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	meta := func(org int64) events.Metadata {
		return events.Metadata{OrgID: org, ActorID: 1, ActorName: "Tester", CorrelationID: "t"}
	}
	live, err := h.Create(ctx, meta(1), validFields())
	if err != nil {
		t.Fatal(err)
	}
	if s, err := h.RiskStatus(ctx, 1, live.ID); err != nil || s != "Identified" {
		t.Errorf("status of a new risk: %q, %v; want Identified", s, err)
	}
	if _, err := h.Execute(ctx, meta(1), live.ID, nil, Update{Patch: patch(`{"status": "Treating"}`)}); err != nil {
		t.Fatal(err)
	}
	if s, err := h.RiskStatus(ctx, 1, live.ID); err != nil || s != "Treating" {
		t.Errorf("status after an update: %q, %v; want Treating", s, err)
	}

	gone, err := h.Create(ctx, meta(1), validFields())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Execute(ctx, meta(1), gone.ID, nil, Delete{Reason: "duplicate"}); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		name    string
		org, id int64
	}{
		{"another organization's risk", 2, live.ID},
		{"a deleted risk", 1, gone.ID},
		{"a risk that never existed", 1, 999999},
	} {
		if s, err := h.RiskStatus(ctx, x.org, x.id); strata.ErrorCode(err) != strata.NotFound {
			t.Errorf("%s: %q, %v; want NOT_FOUND", x.name, s, err)
		}
	}
}
