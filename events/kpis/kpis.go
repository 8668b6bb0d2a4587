// Package kpis holds the events of objectives and the key performance indicators
// measured against them. Their names are stored in the log and never change.
//
// An objective and a KPI each have a stream of their own. A KPI's stream also holds
// every value recorded for it and every correction of one, so a period's value is
// decided on the KPI's whole state: a correction is told apart from a first
// recording under any concurrency, and the frequency cannot change once periods
// have been recorded in it.
package kpis

import (
	"encoding/json"
	"strconv"

	"github.com/strata-grc/strata/events"
)

// Stream prefixes: objective-7, kpi-42.
const (
	ObjectivePrefix = "objective-"
	KpiPrefix       = "kpi-"
)

// ObjectiveStream names the stream of one objective.
func ObjectiveStream(id int64) string { return ObjectivePrefix + strconv.FormatInt(id, 10) }

// KpiStream names the stream of one KPI.
func KpiStream(id int64) string { return KpiPrefix + strconv.FormatInt(id, 10) }

// ObjectiveFields are an objective's editable fields, as events carry them.
type ObjectiveFields struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	OwnerID     *int64  `json:"owner_id"`
	PeriodStart *string `json:"period_start"` // YYYY-MM-DD
	PeriodEnd   *string `json:"period_end"`   // YYYY-MM-DD
}

// ObjectiveCreated: an objective was set.
type ObjectiveCreated struct {
	ObjectiveID int64 `json:"objective_id"`
	ObjectiveFields
}

// ObjectiveUpdated: some fields of an objective changed. Set holds only the changed
// fields with their new values, Previous the same fields as they were.
type ObjectiveUpdated struct {
	ObjectiveID int64           `json:"objective_id"`
	Set         json.RawMessage `json:"set"`
	Previous    json.RawMessage `json:"previous"`
}

// KpiFields are a KPI's editable fields, as events carry them.
type KpiFields struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Unit        string  `json:"unit"`
	Target      float64 `json:"target"`
	Direction   string  `json:"direction"` // higher_is_better | lower_is_better
	Frequency   string  `json:"frequency"` // monthly | quarterly | annual
	OwnerID     *int64  `json:"owner_id"`
	ObjectiveID *int64  `json:"objective_id"`
}

// KpiDefined: a KPI was defined.
type KpiDefined struct {
	KpiID int64 `json:"kpi_id"`
	KpiFields
}

// KpiUpdated: some fields of a KPI changed, as ObjectiveUpdated tells an objective's.
type KpiUpdated struct {
	KpiID    int64           `json:"kpi_id"`
	Set      json.RawMessage `json:"set"`
	Previous json.RawMessage `json:"previous"`
}

// KpiValueRecorded: the first value of a period (2026-03, 2026-Q1 or 2026, as the
// KPI's frequency has it).
type KpiValueRecorded struct {
	KpiID   int64   `json:"kpi_id"`
	Period  string  `json:"period"`
	Value   float64 `json:"value"`
	Comment string  `json:"comment,omitempty"`
}

// KpiValueCorrected: a period that had a value was given another; the comment says
// why. The value it replaced stays in the log and in the KPI's performance history.
type KpiValueCorrected struct {
	KpiID         int64   `json:"kpi_id"`
	Period        string  `json:"period"`
	Value         float64 `json:"value"`
	PreviousValue float64 `json:"previous_value"`
	Comment       string  `json:"comment"`
}

func (ObjectiveCreated) EventType() string  { return "ObjectiveCreated" }
func (ObjectiveUpdated) EventType() string  { return "ObjectiveUpdated" }
func (KpiDefined) EventType() string        { return "KpiDefined" }
func (KpiUpdated) EventType() string        { return "KpiUpdated" }
func (KpiValueRecorded) EventType() string  { return "KpiValueRecorded" }
func (KpiValueCorrected) EventType() string { return "KpiValueCorrected" }

// Register adds the module's events to r.
func Register(r *events.Registry) {
	events.Register[ObjectiveCreated](r, 1)
	events.Register[ObjectiveUpdated](r, 1)
	events.Register[KpiDefined](r, 1)
	events.Register[KpiUpdated](r, 1)
	events.Register[KpiValueRecorded](r, 1)
	events.Register[KpiValueCorrected](r, 1)
}
