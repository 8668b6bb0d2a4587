package kpis

import (
	"net/url"
	"testing"

	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/api/rest/resttest"
	cmdkpis "github.com/strata-grc/strata/commands/kpis"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/kpis"
	"github.com/strata-grc/strata/queries"
)

// The fuzz targets here feed every objective and KPI body and both list queries
// through the decoding and the decision the server runs, without a database. `make
// fuzz` runs each for a minute; `go test` replays the seeds and testdata/fuzz.

// existing is a monthly KPI with two values, what changes are decided against.
func existing() cmdkpis.Kpi {
	k := cmdkpis.Kpi{}
	at := events.Event{RecordedAt: resttest.Now.AddDate(0, -3, 0)}
	for _, p := range []events.Payload{
		ev.KpiDefined{KpiID: 1, KpiFields: ev.KpiFields{Name: "Availability", Unit: "%", Target: 99.5,
			Direction: cmdkpis.HigherIsBetter, Frequency: cmdkpis.Monthly}},
		ev.KpiValueRecorded{KpiID: 1, Period: "2025-12", Value: 99.7},
		ev.KpiValueRecorded{KpiID: 1, Period: "2026-01", Value: 99.1},
	} {
		k = cmdkpis.EvolveKpi(k, p, at)
	}
	return k
}

func FuzzObjectiveCreate(f *testing.F) {
	resttest.Seed(f, `{"name":"Resilience","owner_id":3,"period_start":"2026-01-01","period_end":"2026-12-31"}`,
		`{"name":"R","period_start":"0000-01-01","period_end":"2026-02-30"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := resttest.One[ev.ObjectiveFields](t, body)
		if !ok {
			return
		}
		payloads, err := cmdkpis.DecideObjective(cmdkpis.Objective{}, false, cmdkpis.CreateObjective{ObjectiveID: 1, ObjectiveFields: in})
		resttest.Decided(t, payloads, err)
	})
}

func FuzzKpiCreate(f *testing.F) {
	resttest.Seed(f, `{"name":"Availability","unit":"%","target":99.5,"direction":"higher_is_better","frequency":"monthly","objective_id":2}`,
		`{"name":"K","target":-1e308,"direction":"lower_is_better","frequency":"annual"}`, `{"target":null,"direction":""}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := resttest.One[cmdkpis.KpiInput](t, body)
		if !ok {
			return
		}
		payloads, err := cmdkpis.DecideKpi(cmdkpis.Kpi{}, false, cmdkpis.DefineKpi{KpiID: 1, KpiInput: in})
		resttest.Decided(t, payloads, err)
	})
}

// FuzzKpiPatch sends one body to the KPI's and an objective's partial updates and to
// the recording of a value.
func FuzzKpiPatch(f *testing.F) {
	resttest.Seed(f, `{"target":98,"frequency":"quarterly"}`, `{"period":"2026-01","value":99.4,"comment":"Recount"}`,
		`{"period":"2026-13","value":1}`, `{"period":"2026-Q1","value":1e308}`, `{"name":"x","period_end":null,"owner_id":2}`,
		`{"on_target":true,"stale":false,"latest_value":1,"version":3}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if !resttest.ClientError(t, rest.CheckUTF8(body)) {
			return
		}
		payloads, err := cmdkpis.DecideKpi(existing(), true, cmdkpis.UpdateKpi{Patch: body})
		resttest.Decided(t, payloads, err)
		objective := cmdkpis.Objective{ID: 1, ObjectiveFields: ev.ObjectiveFields{Name: "Resilience"}}
		payloads, err = cmdkpis.DecideObjective(objective, true, cmdkpis.UpdateObjective{Patch: body})
		resttest.Decided(t, payloads, err)
		in, ok := resttest.One[valueInput](t, body)
		if !ok {
			return
		}
		payloads, err = cmdkpis.DecideKpi(existing(), true, cmdkpis.RecordValue{Period: in.Period, Value: in.Value,
			Comment: in.Comment, Today: resttest.Now})
		resttest.Decided(t, payloads, err)
		for _, p := range payloads {
			if r, ok := p.(ev.KpiValueRecorded); ok {
				period, problem := cmdkpis.ParsePeriod(cmdkpis.Monthly, r.Period)
				if problem != "" || period.Start().After(resttest.Now) || period.String() != r.Period {
					t.Fatalf("recorded period %q: %s", r.Period, problem)
				}
			}
		}
	})
}

// FuzzKpiListQuery reads a raw query string as the list routes do, then has the
// reader check it as far as it goes before the database.
func FuzzKpiListQuery(f *testing.F) {
	resttest.SeedQueries(f, "on_target=false&stale=true&frequency=quarterly", "sort=-name&objective_id=3",
		"stale=yes", "frequency=weekly&sort=target")
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		if _, _, err := rest.ListAction(q); !resttest.ClientError(t, err) {
			return
		}
		if kf, err := kpiFilter(q); resttest.ClientError(t, err) && resttest.ClientError(t, kf.Validate()) {
			_, err := queries.DecodeCursor(kf.Cursor, kf.Sort)
			resttest.ClientError(t, err)
			kf.Cursor = ""
			resttest.WantStorable(t, kf)
		}
		if of, err := objectiveFilter(q); resttest.ClientError(t, err) && resttest.ClientError(t, of.Validate()) {
			of.Cursor = ""
			resttest.WantStorable(t, of)
		}
	})
}
