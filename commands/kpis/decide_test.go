package kpis

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/kpis"
)

const kpiID = 9

func ptr[T any](v T) *T { return &v }

// today is the date the decide tests record values on.
var today = time.Date(2026, 5, 20, 15, 0, 0, 0, time.UTC)

// fold replays payloads as a stream would hold them.
func fold(ps ...events.Payload) Kpi {
	var k Kpi
	at := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	for i, p := range ps {
		k = EvolveKpi(k, p, events.Event{RecordedAt: at.Add(time.Duration(i) * time.Hour), Metadata: events.Metadata{ActorID: 3}})
	}
	return k
}

func defined(frequency string) ev.KpiDefined {
	return ev.KpiDefined{KpiID: kpiID, KpiFields: ev.KpiFields{Name: "Training completion", Unit: "%", Target: 95,
		Direction: HigherIsBetter, Frequency: frequency}}
}

// fields asserts a refusal naming exactly the given fields.
func fields(t *testing.T, err error, want ...string) {
	t.Helper()
	var e *strata.Error
	if !errors.As(err, &e) || e.Code != strata.Invalid {
		t.Fatalf("want a validation error on %v, got %v", want, err)
	}
	if len(e.Fields) != len(want) {
		t.Fatalf("want fields %v, got %v", want, e.Fields)
	}
	for _, f := range want {
		if e.Fields[f] == "" {
			t.Fatalf("want fields %v, got %v", want, e.Fields)
		}
	}
}

// one takes a decision that must be one event of type T.
func one[T events.Payload](t *testing.T) func([]events.Payload, error) T {
	t.Helper()
	return func(ps []events.Payload, err error) T {
		t.Helper()
		return only[T](t, ps, err)
	}
}

func only[T events.Payload](t *testing.T, ps []events.Payload, err error) T {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Fatalf("want one event, got %#v", ps)
	}
	x, ok := ps[0].(T)
	if !ok {
		t.Fatalf("want a %T, got %#v", x, ps[0])
	}
	return x
}

func TestCreateObjective(t *testing.T) {
	t.Parallel()
	ps, err := DecideObjective(Objective{}, false, CreateObjective{ObjectiveID: 1, ObjectiveFields: ev.ObjectiveFields{
		Name: "  Resilience ", Description: " Stay up. ", OwnerID: ptr(int64(4)), PeriodStart: ptr("2026-01-01"), PeriodEnd: ptr("2026-12-31")}})
	created := only[ev.ObjectiveCreated](t, ps, err)
	if created.Name != "Resilience" || created.Description != "Stay up." || *created.OwnerID != 4 {
		t.Fatalf("created %+v", created)
	}
	for _, c := range []struct {
		f    ev.ObjectiveFields
		want []string
	}{
		{ev.ObjectiveFields{Name: " "}, []string{"name"}},
		{ev.ObjectiveFields{Name: "a\nb", OwnerID: ptr(int64(0))}, []string{"name", "owner_id"}},
		{ev.ObjectiveFields{Name: "R", PeriodStart: ptr("2026-12-31"), PeriodEnd: ptr("2026-01-01")}, []string{"period_end"}},
		{ev.ObjectiveFields{Name: "R", PeriodStart: ptr("2026-02-30"), PeriodEnd: ptr("31/12/2026")}, []string{"period_start", "period_end"}},
		{ev.ObjectiveFields{Name: strings.Repeat("n", 201), Description: "a\x00"}, []string{"name", "description"}},
	} {
		_, err := DecideObjective(Objective{}, false, CreateObjective{ObjectiveFields: c.f})
		fields(t, err, c.want...)
	}
	if _, err := DecideObjective(Objective{ID: 1}, true, CreateObjective{ObjectiveID: 1}); strata.ErrorCode(err) != strata.Conflict {
		t.Fatalf("creating an existing objective: %v", err)
	}
}

func TestUpdateObjective(t *testing.T) {
	t.Parallel()
	o := Objective{ID: 1, ObjectiveFields: ev.ObjectiveFields{Name: "Resilience", PeriodStart: ptr("2026-01-01")}}
	ps, err := DecideObjective(o, true, UpdateObjective{Patch: json.RawMessage(`{"name":"Resilience","version":3,"kpi_count":2,"kpis":[]}`)})
	if err != nil || ps != nil {
		t.Fatalf("an echo of the objective: %v %v", ps, err)
	}
	ps, err = DecideObjective(o, true, UpdateObjective{Patch: json.RawMessage(`{"period_start":null,"owner_id":5}`)})
	u := only[ev.ObjectiveUpdated](t, ps, err)
	if string(u.Set) != `{"owner_id":5,"period_start":null}` || string(u.Previous) != `{"owner_id":null,"period_start":"2026-01-01"}` {
		t.Fatalf("update %s %s", u.Set, u.Previous)
	}
	_, err = DecideObjective(o, true, UpdateObjective{Patch: json.RawMessage(`{"colour":"red","owner_id":"me"}`)})
	fields(t, err, "colour", "owner_id")
	_, err = DecideObjective(o, true, UpdateObjective{Patch: json.RawMessage(`{"period_end":"2025-12-31"}`)})
	fields(t, err, "period_end")
	if _, err := DecideObjective(Objective{}, false, UpdateObjective{Patch: json.RawMessage(`{}`)}); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("updating a missing objective: %v", err)
	}
}

func TestDefineKpi(t *testing.T) {
	t.Parallel()
	ps, err := DecideKpi(Kpi{}, false, DefineKpi{KpiID: kpiID, KpiInput: KpiInput{Name: " Incidents ", Target: ptr(0.0),
		Direction: LowerIsBetter}})
	d := only[ev.KpiDefined](t, ps, err)
	if d.Name != "Incidents" || d.Target != 0 || d.Frequency != Monthly || d.Direction != LowerIsBetter {
		t.Fatalf("defined %+v", d)
	}
	for _, c := range []struct {
		in   KpiInput
		want []string
	}{
		{KpiInput{}, []string{"name", "target", "direction"}},
		{KpiInput{Name: "K", Target: ptr(1.0), Direction: "up"}, []string{"direction"}},
		{KpiInput{Name: "K", Target: ptr(1.0), Direction: HigherIsBetter, Frequency: "weekly"}, []string{"frequency"}},
		{KpiInput{Name: "K", Target: ptr(1.0), Direction: HigherIsBetter, OwnerID: ptr(int64(-1)), ObjectiveID: ptr(int64(0))},
			[]string{"owner_id", "objective_id"}},
		{KpiInput{Name: "K", Target: ptr(1.0), Direction: HigherIsBetter, Unit: "a\tb"}, []string{"unit"}},
	} {
		_, err := DecideKpi(Kpi{}, false, DefineKpi{KpiInput: c.in})
		fields(t, err, c.want...)
	}
}

func TestUpdateKpi(t *testing.T) {
	t.Parallel()
	k := fold(defined(Monthly))
	update := func(k Kpi, patch string) ([]events.Payload, error) {
		return DecideKpi(k, true, UpdateKpi{Patch: json.RawMessage(patch)})
	}
	ps, err := update(k, `{"name":"Training completion","target":95,"on_target":true,"stale":false,"latest_value":3,"version":1}`)
	if err != nil || ps != nil {
		t.Fatalf("an echo of the KPI: %v %v", ps, err)
	}
	u := one[ev.KpiUpdated](t)(update(k, `{"target":97.5,"direction":"lower_is_better"}`))
	if string(u.Set) != `{"direction":"lower_is_better","target":97.5}` || string(u.Previous) != `{"direction":"higher_is_better","target":95}` {
		t.Fatalf("update %s %s", u.Set, u.Previous)
	}
	// Without values the frequency may change.
	one[ev.KpiUpdated](t)(update(k, `{"frequency":"quarterly"}`))
	for patch, want := range map[string][]string{
		`{"target":"high"}`:               {"target"},
		`{"target":null}`:                 {"target"},
		`{"name":null,"direction":"x"}`:   {"name", "direction"},
		`{"owner_id":1.5,"colour":"red"}`: {"owner_id", "colour"},
		`{"frequency":"weekly"}`:          {"frequency"},
		`{"objective_id":-3}`:             {"objective_id"},
	} {
		_, err := update(k, patch)
		fields(t, err, want...)
	}
	if _, err := update(k, `[1]`); strata.ErrorCode(err) != strata.Invalid {
		t.Fatalf("an array patch: %v", err)
	}

	// Once a period has a value the frequency stays: the periods would not match it.
	withValue := fold(defined(Monthly), ev.KpiValueRecorded{KpiID: kpiID, Period: "2026-03", Value: 90})
	_, err = update(withValue, `{"frequency":"quarterly"}`)
	fields(t, err, "frequency")
	ps, err = update(withValue, `{"frequency":"monthly","target":90}`)
	if u := only[ev.KpiUpdated](t, ps, err); string(u.Set) != `{"target":90}` {
		t.Fatalf("update %s", u.Set)
	}
}

func TestRecordValuePeriods(t *testing.T) {
	t.Parallel()
	record := func(frequency, period string) error {
		_, err := DecideKpi(fold(defined(frequency)), true, RecordValue{Period: period, Value: ptr(1.0), Today: today})
		return err
	}
	good := map[string][]string{
		Monthly:   {"2026-05", "2026-04", "2025-12", "0001-01"},
		Quarterly: {"2026-Q2", "2026-Q1", "1999-Q4"},
		Annual:    {"2026", "2025"},
	}
	for f, periods := range good {
		for _, p := range periods {
			if err := record(f, p); err != nil {
				t.Errorf("%s %s: %v", f, p, err)
			}
		}
	}
	bad := map[string][]string{
		// Malformed, another frequency's, and periods that begin after today (20 May 2026).
		Monthly:   {"", "2026-13", "2026-00", "2026-1", "2026-Q1", "2026", "2026-06", "2027-01", "May 2026"},
		Quarterly: {"2026-Q5", "2026-Q0", "2026-1", "2026-05", "2026", "2026-Q3"},
		Annual:    {"2026-1", "202", "2026-Q1", "2026-05", "2027"},
	}
	for f, periods := range bad {
		for _, p := range periods {
			fields(t, record(f, p), "period")
		}
	}
	// The current period is open for values from its first day.
	_, err := DecideKpi(fold(defined(Monthly)), true, RecordValue{Period: "2026-06", Value: ptr(1.0),
		Today: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("the first day of a month: %v", err)
	}
	_, err = DecideKpi(fold(defined(Monthly)), true, RecordValue{Period: "2026-13"})
	fields(t, err, "period", "value")
	_, err = DecideKpi(fold(defined(Monthly)), true, RecordValue{Period: "2026-05", Value: ptr(1.0), Today: today,
		Comment: strings.Repeat("c", 1001)})
	fields(t, err, "comment")
}

func TestRecordAndCorrect(t *testing.T) {
	t.Parallel()
	k := fold(defined(Monthly))
	value := func(k Kpi, period string, v float64, comment string) ([]events.Payload, error) {
		return DecideKpi(k, true, RecordValue{Period: period, Value: &v, Comment: comment, Today: today})
	}
	first := one[ev.KpiValueRecorded](t)(value(k, "2026-03", 91, " first count "))
	if !reflect.DeepEqual(first, ev.KpiValueRecorded{KpiID: kpiID, Period: "2026-03", Value: 91, Comment: "first count"}) {
		t.Fatalf("recorded %+v", first)
	}
	k = fold(defined(Monthly), first)

	// The same value again changes nothing, with or without a comment.
	for _, comment := range []string{"", "again"} {
		if ps, err := value(k, "2026-03", 91, comment); err != nil || ps != nil {
			t.Fatalf("the same value: %v %v", ps, err)
		}
	}
	// Another value is a correction, which must say why.
	_, err := value(k, "2026-03", 93, "  ")
	fields(t, err, "comment")
	fixed := one[ev.KpiValueCorrected](t)(value(k, "2026-03", 93, "Late returns counted"))
	if !reflect.DeepEqual(fixed, ev.KpiValueCorrected{KpiID: kpiID, Period: "2026-03", Value: 93, PreviousValue: 91, Comment: "Late returns counted"}) {
		t.Fatalf("corrected %+v", fixed)
	}
	if _, err := DecideKpi(Kpi{}, false, RecordValue{Period: "2026-03", Value: ptr(1.0)}); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("a value for a missing KPI: %v", err)
	}
}

// The latest value is the greatest period's, not the last written; a correction of
// it moves it, one of an earlier period does not.
func TestLatestIsTheGreatestPeriod(t *testing.T) {
	t.Parallel()
	k := fold(defined(Monthly),
		ev.KpiValueRecorded{KpiID: kpiID, Period: "2026-03", Value: 90},
		ev.KpiValueRecorded{KpiID: kpiID, Period: "2026-01", Value: 70},
	)
	if k.LatestPeriod != "2026-03" || *k.Latest() != 90 || k.Version != 3 || k.Recordings != 2 {
		t.Fatalf("after a late January: %+v", k)
	}
	k = EvolveKpi(k, ev.KpiValueCorrected{KpiID: kpiID, Period: "2026-01", Value: 72, PreviousValue: 70}, events.Event{})
	if k.LatestPeriod != "2026-03" || *k.Latest() != 90 || k.Values["2026-01"] != 72 {
		t.Fatalf("after correcting January: %+v", k)
	}
	k = EvolveKpi(k, ev.KpiValueCorrected{KpiID: kpiID, Period: "2026-03", Value: 96, PreviousValue: 90}, events.Event{})
	if *k.Latest() != 96 || *OnTarget(k.Direction, k.Target, k.Latest()) != true {
		t.Fatalf("after correcting March: %+v", k)
	}
	if fold(defined(Monthly)).Latest() != nil {
		t.Fatal("a KPI without values has a latest value")
	}
}

func TestRecordingsAreCapped(t *testing.T) {
	t.Parallel()
	k := fold(defined(Annual), ev.KpiValueRecorded{KpiID: kpiID, Period: "2020", Value: 1})
	k.Recordings = MaxRecordings
	_, err := DecideKpi(k, true, RecordValue{Period: "2021", Value: ptr(2.0), Today: today})
	fields(t, err, "period")
	// Giving a period the value it has stays a harmless no-op.
	if ps, err := DecideKpi(k, true, RecordValue{Period: "2020", Value: ptr(1.0), Today: today}); err != nil || ps != nil {
		t.Fatalf("the same value at the cap: %v %v", ps, err)
	}
}

// Evolving never writes into a state someone else still holds.
func TestEvolveCopiesValues(t *testing.T) {
	t.Parallel()
	before := fold(defined(Monthly), ev.KpiValueRecorded{KpiID: kpiID, Period: "2026-01", Value: 1})
	after := EvolveKpi(before, ev.KpiValueCorrected{KpiID: kpiID, Period: "2026-01", Value: 2, PreviousValue: 1}, events.Event{})
	if before.Values["2026-01"] != 1 || after.Values["2026-01"] != 2 {
		t.Fatalf("before %v after %v", before.Values, after.Values)
	}
}
