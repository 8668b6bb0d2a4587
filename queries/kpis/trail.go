package kpis

import (
	ev "github.com/strata-grc/strata/events/kpis"
	"github.com/strata-grc/strata/projections/trail"
)

// Trail describes the KPI and objective events for the organization-wide audit trail
// with the functions their histories use, so both show the same changes.
var Trail = trail.Part{Streams: map[string]trail.Stream{
	ev.KpiPrefix:       trail.Each(kpiChanges),
	ev.ObjectivePrefix: trail.Each(objectiveChanges),
}}
