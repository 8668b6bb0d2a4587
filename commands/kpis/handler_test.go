package kpis

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/kpis"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/schema/testdb"
)

// members stands in for identity: users 1 to 9 belong to organization 1, 20 to
// organization 2.
type members struct{}

func (members) IsMember(_ context.Context, orgID, userID int64) (bool, error) {
	return orgID == 1 && userID >= 1 && userID <= 9 || orgID == 2 && userID == 20, nil
}

func newHandler(t *testing.T) *Handler {
	t.Helper()
	db := testdb.New(t)
	reg := events.NewRegistry()
	ev.Register(reg)
	h, err := NewHandler(postgres.New(db.Pool), reg, commands.NewSequences(db.Pool), members{},
		func() time.Time { return time.Date(2026, 5, 20, 23, 59, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func metaOf(org int64) events.Metadata {
	return events.Metadata{OrgID: org, ActorID: org, ActorName: "Person", CorrelationID: "t"}
}

// The handler checks who and what a KPI names against the organization, finds only
// the organization's own records, and records a period's value as a recording, a
// correction or nothing.
func TestHandler(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHandler(t)
	one, two := metaOf(1), metaOf(2)
	must := func(res commands.Result, err error) commands.Result {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	objective := must(h.CreateObjective(ctx, one, ev.ObjectiveFields{Name: "Resilience", OwnerID: ptr(int64(3))})).ID
	theirs := must(h.CreateObjective(ctx, two, ev.ObjectiveFields{Name: "Theirs"})).ID

	_, err := h.CreateObjective(ctx, one, ev.ObjectiveFields{Name: "R", OwnerID: ptr(int64(20))})
	fields(t, err, "owner_id")
	in := KpiInput{Name: "Availability", Target: ptr(99.9), Direction: HigherIsBetter, OwnerID: ptr(int64(20)), ObjectiveID: &theirs}
	_, err = h.DefineKpi(ctx, one, in)
	fields(t, err, "owner_id")
	in.OwnerID = ptr(int64(4))
	_, err = h.DefineKpi(ctx, one, in)
	fields(t, err, "objective_id")
	in.ObjectiveID = &objective
	kpi := must(h.DefineKpi(ctx, one, in))
	if kpi.ID <= 0 || kpi.Version != 1 {
		t.Fatalf("defined %+v", kpi)
	}
	_, err = h.UpdateKpi(ctx, one, kpi.ID, nil, json.RawMessage(`{"objective_id":`+jsonID(theirs)+`}`))
	fields(t, err, "objective_id")
	_, err = h.UpdateObjective(ctx, one, objective, nil, json.RawMessage(`{"owner_id":20}`))
	fields(t, err, "owner_id")

	// Another organization's records are not found, whatever is sent.
	for _, err := range []error{
		second(h.UpdateKpi(ctx, two, kpi.ID, nil, json.RawMessage(`{}`))),
		second(h.RecordValue(ctx, two, kpi.ID, nil, "", nil, "")),
		second(h.UpdateObjective(ctx, two, objective, ptr(int64(1)), json.RawMessage(`{"name":"x"}`))),
		second(h.UpdateKpi(ctx, one, 999999, nil, json.RawMessage(`{}`))),
		second(h.RecordValue(ctx, one, 0, nil, "2026-01", ptr(1.0), "")),
		h.CheckObjective(ctx, 2, objective),
	} {
		if strata.ErrorCode(err) != strata.NotFound {
			t.Fatalf("want NOT_FOUND, got %v", err)
		}
	}

	// Today (20 May, UTC) May is open and June is not.
	_, err = h.RecordValue(ctx, one, kpi.ID, nil, "2026-06", ptr(99.0), "")
	fields(t, err, "period")
	res := must(h.RecordValue(ctx, one, kpi.ID, nil, "2026-05", ptr(99.5), ""))
	if _, ok := res.Appended[0].(ev.KpiValueRecorded); !ok || res.Version != 2 {
		t.Fatalf("recorded %+v", res)
	}
	res = must(h.RecordValue(ctx, one, kpi.ID, nil, "2026-05", ptr(99.5), ""))
	if res.Changed || res.Version != 2 {
		t.Fatalf("the same value %+v", res)
	}
	_, err = h.RecordValue(ctx, one, kpi.ID, ptr(int64(1)), "2026-05", ptr(99.95), "Recount")
	if strata.ErrorCode(err) != strata.Conflict {
		t.Fatalf("a stale If-Match: %v", err)
	}
	res = must(h.RecordValue(ctx, one, kpi.ID, ptr(int64(2)), "2026-05", ptr(99.95), "Recount"))
	if _, ok := res.Appended[0].(ev.KpiValueCorrected); !ok || res.Version != 3 {
		t.Fatalf("corrected %+v", res)
	}
	_, err = h.UpdateKpi(ctx, one, kpi.ID, nil, json.RawMessage(`{"frequency":"annual"}`))
	fields(t, err, "frequency")
}

func second(_ commands.Result, err error) error { return err }

func jsonID(id int64) string {
	b, _ := json.Marshal(id)
	return string(b)
}
