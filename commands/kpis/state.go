// Package kpis is the command side of objectives and key performance indicators:
// the objective and KPI aggregates, which decide what events a command produces, the
// period arithmetic their values are recorded and judged by, and the handler that
// runs commands against the log.
package kpis

import (
	"maps"
	"time"

	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/kpis"
)

// Objective is an objective's state.
type Objective struct {
	ID int64
	ev.ObjectiveFields
	commands.Stamp
}

// EvolveObjective applies an event to an objective.
func EvolveObjective(o Objective, p events.Payload, e events.Event) Objective {
	switch x := p.(type) {
	case ev.ObjectiveCreated:
		o.ID, o.ObjectiveFields = x.ObjectiveID, x.ObjectiveFields
	case ev.ObjectiveUpdated:
		o.ObjectiveFields, _ = commands.Overlay(o.ObjectiveFields, x.Set) // only the changed keys are present
	default:
		return o
	}
	o.Stamp = o.Touched(e)
	return o
}

// Kpi is a KPI's state: its fields and the current value of every period recorded.
type Kpi struct {
	ID int64
	ev.KpiFields
	// Values holds each recorded period's current value, corrections applied.
	Values map[string]float64
	// LatestPeriod is the latest period with a value (the greatest, not the last
	// written), "" before the first; LatestValue is its value.
	LatestPeriod string
	LatestValue  float64
	// Recordings counts the value events, recordings and corrections.
	Recordings int
	commands.Stamp
}

// DefinedOn is the UTC date the KPI was defined, from which its first value is due.
func (k Kpi) DefinedOn() time.Time { return Date(k.CreatedAt) }

// Latest is the latest period's value, nil before the first.
func (k Kpi) Latest() *float64 {
	if k.LatestPeriod == "" {
		return nil
	}
	v := k.LatestValue
	return &v
}

// EvolveKpi applies an event to a KPI. The values map is copied on write so a state
// handed to EvolveKpi is never changed under whoever still holds it.
func EvolveKpi(k Kpi, p events.Payload, e events.Event) Kpi {
	switch x := p.(type) {
	case ev.KpiDefined:
		k.ID, k.KpiFields = x.KpiID, x.KpiFields
	case ev.KpiUpdated:
		k.KpiFields, _ = commands.Overlay(k.KpiFields, x.Set)
	case ev.KpiValueRecorded:
		k = k.withValue(x.Period, x.Value)
	case ev.KpiValueCorrected:
		k = k.withValue(x.Period, x.Value)
	default:
		return k
	}
	k.Stamp = k.Touched(e)
	return k
}

func (k Kpi) withValue(period string, value float64) Kpi {
	k.Values = maps.Clone(k.Values)
	if k.Values == nil {
		k.Values = map[string]float64{}
	}
	k.Values[period] = value
	k.Recordings++
	if period >= k.LatestPeriod {
		k.LatestPeriod, k.LatestValue = period, value
	}
	return k
}
