package kpis

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/kpis"
)

// CreateObjective sets a new objective.
type CreateObjective struct {
	ObjectiveID int64
	ev.ObjectiveFields
}

// UpdateObjective changes an objective's fields; Patch is a JSON object of field ->
// new value.
type UpdateObjective struct{ Patch json.RawMessage }

// KpiInput is a new KPI as a client describes it. Target is a pointer because it is
// required and 0 is a target like any other; Frequency is monthly when empty.
type KpiInput struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Unit        string   `json:"unit"`
	Target      *float64 `json:"target"`
	Direction   string   `json:"direction"`
	Frequency   string   `json:"frequency"`
	OwnerID     *int64   `json:"owner_id"`
	ObjectiveID *int64   `json:"objective_id"`
}

// DefineKpi defines a new KPI.
type DefineKpi struct {
	KpiID int64
	KpiInput
}

// UpdateKpi changes a KPI's fields; Patch is a JSON object of field -> new value.
type UpdateKpi struct{ Patch json.RawMessage }

// RecordValue gives a period its value: the first one, or a correction with a
// Comment saying why. Today is the UTC date periods are judged against: a period
// that has not begun by then is refused.
type RecordValue struct {
	Period  string
	Value   *float64
	Comment string
	Today   time.Time
}

// MaxRecordings is the most values and corrections one KPI holds. Every command on a
// KPI replays its whole stream, and its performance is answered whole: a century of
// monthly values with their corrections fits.
const MaxRecordings = 2000

// The fields a patch may set. Read-only fields a client echoes back are ignored;
// anything else is refused by name.
var (
	objectiveFields   = []string{"name", "description", "owner_id", "period_start", "period_end"}
	objectiveReadOnly = []string{"id", "version", "kpi_count", "on_target_count", "kpis", "created_at", "updated_at",
		"created_by", "updated_by"}
	kpiFields   = []string{"name", "description", "unit", "direction", "frequency", "owner_id", "objective_id"}
	kpiReadOnly = []string{"id", "version", "objective_name", "latest_value", "latest_period", "on_target", "stale",
		"last_due_period", "created_at", "updated_at", "created_by", "updated_by"}
)

var (
	errObjectiveNotFound = strata.Errorf(strata.NotFound, "objective not found")
	errKpiNotFound       = strata.Errorf(strata.NotFound, "KPI not found")
)

// DecideObjective returns the events a command produces on an objective, or why it
// is refused. exists is false only for CreateObjective.
func DecideObjective(o Objective, exists bool, cmd any) ([]events.Payload, error) {
	if c, ok := cmd.(CreateObjective); ok {
		if exists {
			return nil, strata.Errorf(strata.Conflict, "objective %d already exists", c.ObjectiveID)
		}
		f := c.ObjectiveFields
		normalizeObjective(&f)
		if err := validateObjective(f).Err(); err != nil {
			return nil, err
		}
		return []events.Payload{ev.ObjectiveCreated{ObjectiveID: c.ObjectiveID, ObjectiveFields: f}}, nil
	}
	if !exists {
		return nil, errObjectiveNotFound
	}
	u, ok := cmd.(UpdateObjective)
	if !ok {
		return nil, fmt.Errorf("kpis: unknown objective command %T", cmd)
	}
	next, err := commands.ApplyPatch(o.ObjectiveFields, u.Patch, objectiveFields, objectiveReadOnly)
	if err != nil {
		return nil, err
	}
	normalizeObjective(&next)
	if err := validateObjective(next).Err(); err != nil {
		return nil, err
	}
	set, prev, err := commands.Diff(o.ObjectiveFields, next)
	if err != nil || set == nil {
		return nil, err
	}
	return []events.Payload{ev.ObjectiveUpdated{ObjectiveID: o.ID, Set: set, Previous: prev}}, nil
}

func normalizeObjective(f *ev.ObjectiveFields) {
	f.Name = strings.TrimSpace(f.Name)
	f.Description = strings.TrimSpace(f.Description)
}

func validateObjective(f ev.ObjectiveFields) strata.FieldErrors {
	errs := strata.FieldErrors{}
	text.Require(errs, "name", f.Name, text.Name)
	text.Check(errs, "description", f.Description, text.Description)
	positive(errs, "owner_id", f.OwnerID)
	commands.Date(errs, "period_start", f.PeriodStart)
	commands.Date(errs, "period_end", f.PeriodEnd)
	// Dates as YYYY-MM-DD compare as strings; a malformed one is already reported.
	if f.PeriodStart != nil && f.PeriodEnd != nil && len(errs) == 0 && *f.PeriodEnd < *f.PeriodStart {
		errs.Add("period_end", "must not be before period_start")
	}
	return errs
}

func positive(errs strata.FieldErrors, name string, v *int64) {
	if v != nil && *v <= 0 {
		errs.Add(name, "must be a positive integer")
	}
}

// DecideKpi returns the events a command produces on a KPI, or why it is refused.
// exists is false only for DefineKpi. Whether the owner is a member and the objective
// is the organization's is the handler's to check.
func DecideKpi(k Kpi, exists bool, cmd any) ([]events.Payload, error) {
	if c, ok := cmd.(DefineKpi); ok {
		if exists {
			return nil, strata.Errorf(strata.Conflict, "KPI %d already exists", c.KpiID)
		}
		return decideDefine(c)
	}
	if !exists {
		return nil, errKpiNotFound
	}
	switch c := cmd.(type) {
	case UpdateKpi:
		return decideUpdateKpi(k, c)
	case RecordValue:
		return decideValue(k, c)
	}
	return nil, fmt.Errorf("kpis: unknown KPI command %T", cmd)
}

func decideDefine(c DefineKpi) ([]events.Payload, error) {
	in := c.KpiInput
	f := ev.KpiFields{Name: in.Name, Description: in.Description, Unit: in.Unit, Direction: in.Direction,
		Frequency: in.Frequency, OwnerID: in.OwnerID, ObjectiveID: in.ObjectiveID}
	if f.Frequency == "" {
		f.Frequency = Monthly
	}
	normalizeKpi(&f)
	errs := validateKpi(f)
	if in.Target == nil {
		errs.Add("target", "is required: the value the KPI aims at")
	} else {
		f.Target = *in.Target
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return []events.Payload{ev.KpiDefined{KpiID: c.KpiID, KpiFields: f}}, nil
}

func normalizeKpi(f *ev.KpiFields) {
	f.Name = strings.TrimSpace(f.Name)
	f.Description = strings.TrimSpace(f.Description)
	f.Unit = strings.TrimSpace(f.Unit)
}

func validateKpi(f ev.KpiFields) strata.FieldErrors {
	errs := strata.FieldErrors{}
	text.Require(errs, "name", f.Name, text.Name)
	text.Check(errs, "description", f.Description, text.Description)
	text.Check(errs, "unit", f.Unit, text.Category)
	switch {
	case f.Direction == "":
		errs.Add("direction", "is required: one of "+strings.Join(Directions, ", "))
	case !slices.Contains(Directions, f.Direction):
		errs.Add("direction", "must be one of "+strings.Join(Directions, ", "))
	}
	if !slices.Contains(Frequencies, f.Frequency) {
		errs.Add("frequency", "must be one of "+strings.Join(Frequencies, ", "))
	}
	positive(errs, "owner_id", f.OwnerID)
	positive(errs, "objective_id", f.ObjectiveID)
	return errs
}

func decideUpdateKpi(k Kpi, c UpdateKpi) ([]events.Payload, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(c.Patch, &keys); err != nil || keys == nil {
		return nil, strata.Errorf(strata.Invalid, "the body must be a JSON object")
	}
	errs := strata.FieldErrors{}
	// The target is a number with a fraction, which the shared patch reads as a
	// whole number would be told; it is read here.
	target := k.Target
	if raw, ok := keys["target"]; ok {
		delete(keys, "target")
		var t *float64
		if json.Unmarshal(raw, &t) != nil || t == nil {
			errs.Add("target", "must be a number")
		} else {
			target = *t
		}
	}
	rest, _ := json.Marshal(keys)
	next, err := commands.ApplyPatch(k.KpiFields, rest, kpiFields, kpiReadOnly)
	if err != nil {
		se, ok := err.(*strata.Error)
		if !ok || se.Fields == nil {
			return nil, err
		}
		maps.Copy(errs, se.Fields)
	}
	next.Target = target
	normalizeKpi(&next)
	for f, problem := range validateKpi(next) {
		errs.Add(f, problem)
	}
	if next.Frequency != k.Frequency && len(k.Values) > 0 && errs["frequency"] == "" {
		errs.Add("frequency", fmt.Sprintf("cannot change once values are recorded: %d %s periods hold values, which would no longer match",
			len(k.Values), k.Frequency))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	set, prev, err := commands.Diff(k.KpiFields, next)
	if err != nil || set == nil {
		return nil, err
	}
	return []events.Payload{ev.KpiUpdated{KpiID: k.ID, Set: set, Previous: prev}}, nil
}

func decideValue(k Kpi, c RecordValue) ([]events.Payload, error) {
	comment := strings.TrimSpace(c.Comment)
	errs := strata.FieldErrors{}
	text.Check(errs, "comment", comment, text.Reason)
	var p Period
	if c.Period == "" {
		errs.Add("period", "is required: the "+k.Frequency+" period the value is for, written "+formats[k.Frequency])
	} else if parsed, problem := ParsePeriod(k.Frequency, c.Period); problem != "" {
		errs.Add("period", problem)
	} else if today := Date(c.Today); parsed.Start().After(today) {
		errs.Add("period", fmt.Sprintf("is in the future: %s begins on %s, after today (%s, UTC)",
			parsed, parsed.Start().Format(time.DateOnly), today.Format(time.DateOnly)))
	} else {
		p = parsed
	}
	if c.Value == nil {
		errs.Add("value", "is required: a number")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	period := p.String()
	value := *c.Value
	was, recorded := k.Values[period]
	switch {
	case recorded && was == value:
		return nil, nil // the value the period has: nothing to correct
	case k.Recordings >= MaxRecordings:
		return nil, commands.FieldError("period", fmt.Sprintf("cannot take another value: the KPI holds the most values and corrections it can (%d)", MaxRecordings))
	case !recorded:
		return []events.Payload{ev.KpiValueRecorded{KpiID: k.ID, Period: period, Value: value, Comment: comment}}, nil
	case comment == "":
		return nil, commands.FieldError("comment", fmt.Sprintf("is required to correct a value: %s has %s already; say why it becomes %s",
			period, formatValue(was), formatValue(value)))
	}
	return []events.Payload{ev.KpiValueCorrected{KpiID: k.ID, Period: period, Value: value, PreviousValue: was, Comment: comment}}, nil
}

func formatValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
