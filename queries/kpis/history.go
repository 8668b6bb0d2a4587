package kpis

import (
	"cmp"
	"context"
	"slices"
	"time"

	cmd "github.com/strata-grc/strata/commands/kpis"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/kpis"
	"github.com/strata-grc/strata/queries"
)

// Entry is one value recorded for a KPI's period, or one correction of it.
type Entry struct {
	Period         string    `json:"period"`
	Value          float64   `json:"value"`
	Comment        string    `json:"comment"`
	RecordedBy     int64     `json:"recorded_by"`
	RecordedByName string    `json:"recorded_by_name"`
	RecordedAt     time.Time `json:"recorded_at"`
	// Corrected marks a correction; PreviousValue is the value it replaced.
	Corrected     bool     `json:"corrected"`
	PreviousValue *float64 `json:"previous_value"`
}

// Performance is every value recorded for a KPI and every correction, oldest period
// first and, within a period, in the order they were made: a period's current value
// is its last entry. It is replayed from the KPI's stream, so a value just recorded
// is there at once, with the name its recorder had then. A KPI holds at most
// cmd.MaxRecordings of them, so the answer is whole.
func (r *Reader) Performance(ctx context.Context, orgID, id int64) ([]Entry, error) {
	_, evs, err := r.loadKpi(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	out := []Entry{}
	for _, e := range evs {
		p, err := r.kpis.Registry.Decode(e)
		if err != nil {
			return nil, err
		}
		entry := Entry{RecordedBy: e.Metadata.ActorID, RecordedByName: e.Metadata.ActorName, RecordedAt: e.RecordedAt.UTC()}
		switch x := p.(type) {
		case ev.KpiValueRecorded:
			entry.Period, entry.Value, entry.Comment = x.Period, x.Value, x.Comment
		case ev.KpiValueCorrected:
			previous := x.PreviousValue
			entry.Period, entry.Value, entry.Comment, entry.Corrected, entry.PreviousValue = x.Period, x.Value, x.Comment, true, &previous
		default:
			continue
		}
		out = append(out, entry)
	}
	// A stable sort keeps the log's order within a period.
	slices.SortStableFunc(out, func(a, b Entry) int { return cmp.Compare(a.Period, b.Period) })
	return out, nil
}

// KpiHistory is one page of a KPI's audit trail, newest first: its definition, its
// updates and every value recorded and corrected.
func (r *Reader) KpiHistory(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[queries.Entry], error) {
	if id <= 0 {
		return queries.Page[queries.Entry]{}, errKpiNotFound
	}
	return queries.Trail[cmd.Kpi]{Store: r.kpis.Store, Registry: r.kpis.Registry, Changes: kpiChanges,
		NotFound: errKpiNotFound}.Page(ctx, ev.KpiStream(id), orgID, limit, cursor)
}

// ObjectiveHistory is one page of an objective's audit trail, newest first.
func (r *Reader) ObjectiveHistory(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[queries.Entry], error) {
	if id <= 0 {
		return queries.Page[queries.Entry]{}, errObjectiveNotFound
	}
	return queries.Trail[cmd.Objective]{Store: r.objectives.Store, Registry: r.objectives.Registry, Changes: objectiveChanges,
		NotFound: errObjectiveNotFound}.Page(ctx, ev.ObjectiveStream(id), orgID, limit, cursor)
}

// Every event tells all it changed, so no state is folded for the trails.

func objectiveChanges(_ cmd.Objective, p events.Payload) []queries.Change {
	switch e := p.(type) {
	case ev.ObjectiveCreated:
		return queries.Created("", e.ObjectiveFields)
	case ev.ObjectiveUpdated:
		return queries.Patched("", e.Set, e.Previous)
	}
	return nil
}

// kpiChanges names a period's value "value <period>" (value 2026-03), with the
// comment recorded with it.
func kpiChanges(_ cmd.Kpi, p events.Payload) []queries.Change {
	var out []queries.Change
	comment := ""
	switch e := p.(type) {
	case ev.KpiDefined:
		return queries.Created("", e.KpiFields)
	case ev.KpiUpdated:
		return queries.Patched("", e.Set, e.Previous)
	case ev.KpiValueRecorded:
		out, comment = []queries.Change{queries.Field("value "+e.Period, nil, e.Value)}, e.Comment
	case ev.KpiValueCorrected:
		out, comment = []queries.Change{queries.Field("value "+e.Period, e.PreviousValue, e.Value)}, e.Comment
	}
	if comment != "" {
		out = append(out, queries.Field("comment", nil, comment))
	}
	return out
}
