package controls

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/decidetest"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
)

// frozenNow is the clock every decision is made at. It is deliberately not in UTC so
// the tests also check that tested_at is recorded in UTC.
var frozenNow = time.Date(2025, 3, 14, 9, 26, 53, 0, time.FixedZone("CET", 60*60))

const controlID = 7

func ptr[T any](v T) *T { return &v }

// day is 10:00 UTC on a day of March 2025.
func day(n int) time.Time { return time.Date(2025, 3, n, 10, 0, 0, 0, time.UTC) }

// created returns a fresh ControlCreated on every call, so no case shares pointers
// with another.
func created() ev.ControlCreated {
	return ev.ControlCreated{ControlID: controlID, Status: Draft, Fields: ev.Fields{
		Code: "AC-1", Title: "Access reviews", Type: "detective", Frequency: "quarterly",
	}}
}

func createdWith(edit func(c *ev.ControlCreated)) ev.ControlCreated {
	c := created()
	edit(&c)
	return c
}

func validFields() ev.Fields {
	return ev.Fields{Code: "AC-1", Title: "Access reviews", Type: "detective", Frequency: "quarterly"}
}

func fieldsWith(edit func(f *ev.Fields)) ev.Fields {
	f := validFields()
	edit(&f)
	return f
}

func statusChanged(from, to string) ev.ControlStatusChanged {
	return ev.ControlStatusChanged{ControlID: controlID, From: from, To: to}
}

func tested(id int64, at time.Time, result string) ev.ControlTestRecorded {
	return ev.ControlTestRecorded{ControlID: controlID, TestID: id, TestedAt: at, Result: result}
}

// byTest is the rating change a test causes.
func byTest(id int64, to, from, verb string) ev.ControlEffectivenessUpdated {
	return ev.ControlEffectivenessUpdated{ControlID: controlID, Effectiveness: to, Previous: from,
		Notes: fmt.Sprintf("test %d %s", id, verb), TestID: ptr(id)}
}

// byPerson is a rating change a person made.
func byPerson(to, from string) ev.ControlEffectivenessUpdated {
	return ev.ControlEffectivenessUpdated{ControlID: controlID, Effectiveness: to, Previous: from, Notes: "reviewed"}
}

func mapped(req, fw int64) ev.ControlMappedToRequirement {
	return ev.ControlMappedToRequirement{ControlID: controlID, RequirementID: req, FrameworkID: fw}
}

func unmapped(req, fw int64) ev.ControlUnmappedFromRequirement {
	return ev.ControlUnmappedFromRequirement{ControlID: controlID, RequirementID: req, FrameworkID: fw}
}

func patch(s string) json.RawMessage { return json.RawMessage(s) }

func updated(set, prev string) ev.ControlUpdated {
	return ev.ControlUpdated{ControlID: controlID, Set: patch(set), Previous: patch(prev)}
}

func given(ps ...events.Payload) []events.Payload { return ps }

// archived is a control that was archived.
func archived() []events.Payload { return given(created(), statusChanged(Draft, Archived)) }

func record(id int64, at *time.Time, result string) RecordTest {
	return RecordTest{TestID: id, TestedAt: at, Result: result}
}

type testCase struct {
	name       string
	given      []events.Payload
	when       any
	want       []events.Payload
	wantErr    strata.Code
	wantFields []string
}

func TestDecideControlCreate(t *testing.T) {
	t.Parallel()
	runCases(t, []testCase{
		{
			name: "create with defaults and trimmed text",
			when: CreateControl{ControlID: controlID, Fields: ev.Fields{
				Code: "  AC-1 ", Title: "\tAccess reviews\n", Description: "  Quarterly review of access. ",
				Type: "detective", Frequency: "quarterly",
			}},
			want: given(ev.ControlCreated{ControlID: controlID, Status: Draft, Fields: ev.Fields{
				Code: "AC-1", Title: "Access reviews", Description: "Quarterly review of access.",
				Type: "detective", Frequency: "quarterly",
			}}),
		},
		{
			name: "create with every field set",
			when: CreateControl{ControlID: controlID, Status: Active, Fields: fieldsWith(func(f *ev.Fields) {
				f.Description, f.FrameworkID, f.OwnerID = "Who has access", ptr(int64(3)), ptr(int64(12))
			})},
			want: given(ev.ControlCreated{ControlID: controlID, Status: Active, Fields: fieldsWith(func(f *ev.Fields) {
				f.Description, f.FrameworkID, f.OwnerID = "Who has access", ptr(int64(3)), ptr(int64(12))
			})}),
		},
		{
			name: "create archived",
			when: CreateControl{ControlID: controlID, Status: Archived, Fields: validFields()},
			want: given(createdWith(func(c *ev.ControlCreated) { c.Status = Archived })),
		},
		{
			name: "create with every type and frequency at their longest",
			when: CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) {
				f.Code, f.Title, f.Description = strings.Repeat("é", 50), strings.Repeat("t", 300), strings.Repeat("d", 10000)
				f.Type, f.Frequency = "corrective", "ad_hoc"
			})},
			want: given(createdWith(func(c *ev.ControlCreated) {
				c.Code, c.Title, c.Description = strings.Repeat("é", 50), strings.Repeat("t", 300), strings.Repeat("d", 10000)
				c.Type, c.Frequency = "corrective", "ad_hoc"
			})),
		},
		{
			name:       "create without code and title",
			when:       CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) { f.Code, f.Title = "", "" })},
			wantErr:    strata.Invalid,
			wantFields: []string{"code", "title"},
		},
		{
			name:       "create with a blank code",
			when:       CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) { f.Code = " \t " })},
			wantErr:    strata.Invalid,
			wantFields: []string{"code"},
		},
		{
			name:       "create with a code too long",
			when:       CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) { f.Code = strings.Repeat("é", 51) })},
			wantErr:    strata.Invalid,
			wantFields: []string{"code"},
		},
		{
			name:       "create with a title too long",
			when:       CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) { f.Title = strings.Repeat("t", 301) })},
			wantErr:    strata.Invalid,
			wantFields: []string{"title"},
		},
		{
			name:       "create with a description too long",
			when:       CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) { f.Description = strings.Repeat("d", 10001) })},
			wantErr:    strata.Invalid,
			wantFields: []string{"description"},
		},
		{
			name: "create with NUL characters",
			when: CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) {
				f.Code, f.Title, f.Description = "AC\x00-1", "Access\x00", "\x00"
			})},
			wantErr:    strata.Invalid,
			wantFields: []string{"code", "description", "title"},
		},
		{
			name:       "create without type and frequency",
			when:       CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) { f.Type, f.Frequency = "", "" })},
			wantErr:    strata.Invalid,
			wantFields: []string{"frequency", "type"},
		},
		{
			name:       "create with an unknown type",
			when:       CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) { f.Type = "manual" })},
			wantErr:    strata.Invalid,
			wantFields: []string{"type"},
		},
		{
			name:       "create with a type in the wrong case",
			when:       CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) { f.Type = "Preventive" })},
			wantErr:    strata.Invalid,
			wantFields: []string{"type"},
		},
		{
			name:       "create with an unknown frequency",
			when:       CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) { f.Frequency = "hourly" })},
			wantErr:    strata.Invalid,
			wantFields: []string{"frequency"},
		},
		{
			name:       "create with an unknown status",
			when:       CreateControl{ControlID: controlID, Status: "Retired", Fields: validFields()},
			wantErr:    strata.Invalid,
			wantFields: []string{"status"},
		},
		{
			name:       "create with a status in the wrong case",
			when:       CreateControl{ControlID: controlID, Status: "active", Fields: validFields()},
			wantErr:    strata.Invalid,
			wantFields: []string{"status"},
		},
		{
			name:       "create with framework 0",
			when:       CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) { f.FrameworkID = ptr(int64(0)) })},
			wantErr:    strata.Invalid,
			wantFields: []string{"framework_id"},
		},
		{
			name:       "create with a negative framework",
			when:       CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) { f.FrameworkID = ptr(int64(-3)) })},
			wantErr:    strata.Invalid,
			wantFields: []string{"framework_id"},
		},
		{
			name:       "create with owner 0",
			when:       CreateControl{ControlID: controlID, Fields: fieldsWith(func(f *ev.Fields) { f.OwnerID = ptr(int64(0)) })},
			wantErr:    strata.Invalid,
			wantFields: []string{"owner_id"},
		},
		{
			name: "create with several problems names them all",
			when: CreateControl{ControlID: controlID, Status: "Open", Fields: ev.Fields{
				Type: "x", Frequency: "y", FrameworkID: ptr(int64(-1)), OwnerID: ptr(int64(-1)),
			}},
			wantErr:    strata.Invalid,
			wantFields: []string{"code", "framework_id", "frequency", "owner_id", "status", "title", "type"},
		},
		{
			name:    "create a control that exists",
			given:   given(created()),
			when:    CreateControl{ControlID: controlID, Fields: validFields()},
			wantErr: strata.Conflict,
		},
	})
}

func TestDecideControlUpdate(t *testing.T) {
	t.Parallel()
	withLinks := func() ev.ControlCreated {
		return createdWith(func(c *ev.ControlCreated) { c.FrameworkID, c.OwnerID = ptr(int64(3)), ptr(int64(12)) })
	}
	runCases(t, []testCase{
		{
			name:  "change the title",
			given: given(created()),
			when:  UpdateControl{Patch: patch(`{"title": "  Access recertification "}`)},
			want:  given(updated(`{"title": "Access recertification"}`, `{"title": "Access reviews"}`)),
		},
		{
			name:  "change several fields: only the changed keys are carried",
			given: given(created()),
			when: UpdateControl{Patch: patch(`{"code": "AC-2", "title": "Access reviews", "type": "preventive",
				"frequency": "monthly", "framework_id": 3, "owner_id": 12, "description": ""}`)},
			want: given(updated(`{"code": "AC-2", "type": "preventive", "frequency": "monthly", "framework_id": 3, "owner_id": 12}`,
				`{"code": "AC-1", "type": "detective", "frequency": "quarterly", "framework_id": null, "owner_id": null}`)),
		},
		{
			name:  "change the owner and the framework",
			given: given(withLinks()),
			when:  UpdateControl{Patch: patch(`{"owner_id": 9, "framework_id": 4}`)},
			want:  given(updated(`{"owner_id": 9, "framework_id": 4}`, `{"owner_id": 12, "framework_id": 3}`)),
		},
		{
			name:  "clear the owner and the framework",
			given: given(withLinks()),
			when:  UpdateControl{Patch: patch(`{"owner_id": null, "framework_id": null}`)},
			want:  given(updated(`{"owner_id": null, "framework_id": null}`, `{"owner_id": 12, "framework_id": 3}`)),
		},
		{
			name:  "change the status only",
			given: given(created()),
			when:  UpdateControl{Patch: patch(`{"status": "Active"}`)},
			want:  given(statusChanged(Draft, Active)),
		},
		{
			name:  "fields and status in one patch make two events, fields first",
			given: given(created()),
			when:  UpdateControl{Patch: patch(`{"status": "Active", "title": "Renamed"}`)},
			want:  given(updated(`{"title": "Renamed"}`, `{"title": "Access reviews"}`), statusChanged(Draft, Active)),
		},
		{
			name:  "archive",
			given: given(created(), statusChanged(Draft, Active)),
			when:  UpdateControl{Patch: patch(`{"status": "Archived"}`)},
			want:  given(statusChanged(Active, Archived)),
		},
		{
			name:  "any status may follow any other: Archived back to Draft",
			given: archived(),
			when:  UpdateControl{Patch: patch(`{"status": "Draft"}`)},
			want:  given(statusChanged(Archived, Draft)),
		},
		{
			name:  "the same status changes nothing",
			given: given(created()),
			when:  UpdateControl{Patch: patch(`{"status": "Draft"}`)},
		},
		{
			name:  "the same values change nothing",
			given: given(withLinks()),
			when:  UpdateControl{Patch: patch(`{"code": " AC-1 ", "title": "Access reviews", "owner_id": 12, "framework_id": 3, "type": "detective"}`)},
		},
		{
			name:  "an empty patch changes nothing",
			given: given(created()),
			when:  UpdateControl{Patch: patch(`{}`)},
		},
		{
			name:  "read-only fields a client echoes back are ignored",
			given: given(created()),
			when: UpdateControl{Patch: patch(`{"id": 99, "version": 3, "effectiveness": "Effective", "last_tested_at": "2025-01-01T00:00:00Z",
				"risk_ids": [1], "requirement_ids": [2], "created_at": "x", "updated_at": "y", "tests": [], "effectiveness_history": [],
				"risks": [], "requirements": [], "title": "Renamed"}`)},
			want: given(updated(`{"title": "Renamed"}`, `{"title": "Access reviews"}`)),
		},
		{
			name:  "only read-only fields change nothing",
			given: given(created()),
			when:  UpdateControl{Patch: patch(`{"effectiveness": "Effective", "version": 1}`)},
		},
		{
			name:       "an unknown field is refused by name",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"colour": "red", "title": "Renamed"}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"colour"},
		},
		{
			name:       "an unknown field and an unknown status are both named",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"colour": "red", "status": "Retired"}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"colour", "status"},
		},
		{
			name:       "a code that is not a string",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"code": 5}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"code"},
		},
		{
			name:       "an owner that is not a number",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"owner_id": "nine"}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"owner_id"},
		},
		{
			name:       "a framework that is not a whole number",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"framework_id": 1.5}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"framework_id"},
		},
		{
			name:       "a status that is not a string",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"status": 1}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"status"},
		},
		{
			name:       "a status that is null",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"status": null}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"status"},
		},
		{
			name:       "an unknown status",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"status": "Retired"}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"status"},
		},
		{
			name:       "an unknown status and a bad title are both named",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"status": "active", "title": " "}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"status", "title"},
		},
		{
			name:       "clearing the code",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"code": ""}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"code"},
		},
		{
			name:       "a code that is null",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"code": null}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"code"},
		},
		{
			name:       "a code too long",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"code": "` + strings.Repeat("x", 51) + `"}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"code"},
		},
		{
			name:       "a title with a NUL character",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"title": "a\u0000b"}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"title"},
		},
		{
			name:       "an unknown type and frequency",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"type": "manual", "frequency": "hourly"}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"frequency", "type"},
		},
		{
			name:       "framework 0 and owner -1",
			given:      given(created()),
			when:       UpdateControl{Patch: patch(`{"framework_id": 0, "owner_id": -1}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"framework_id", "owner_id"},
		},
		{
			name:    "a body that is an array",
			given:   given(created()),
			when:    UpdateControl{Patch: patch(`[{"title": "x"}]`)},
			wantErr: strata.Invalid,
		},
		{
			name:    "a body that is null",
			given:   given(created()),
			when:    UpdateControl{Patch: patch(`null`)},
			wantErr: strata.Invalid,
		},
		{
			name:    "a body that is not JSON",
			given:   given(created()),
			when:    UpdateControl{Patch: patch(`title=x`)},
			wantErr: strata.Invalid,
		},
		{
			name:    "update a control that does not exist",
			when:    UpdateControl{Patch: patch(`{"title": "x"}`)},
			wantErr: strata.NotFound,
		},
	})
}

func TestDecideControlEffectiveness(t *testing.T) {
	t.Parallel()
	runCases(t, []testCase{
		{
			name:  "a person rates an untested control",
			given: given(created()),
			when:  SetEffectiveness{Effectiveness: PartiallyEffective, Notes: "  reviewed  "},
			want:  given(byPerson(PartiallyEffective, NotTested)),
		},
		{
			name:  "a person overrules a test",
			given: given(created(), tested(11, day(1), Fail), byTest(11, Ineffective, NotTested, "failed")),
			when:  SetEffectiveness{Effectiveness: Effective, Notes: "reviewed"},
			want:  given(byPerson(Effective, Ineffective)),
		},
		{
			name:  "a person may set Not Tested again",
			given: given(created(), byPerson(Effective, NotTested)),
			when:  SetEffectiveness{Effectiveness: NotTested, Notes: "reviewed"},
			want:  given(byPerson(NotTested, Effective)),
		},
		{
			name:  "notes at their longest",
			given: given(created()),
			when:  SetEffectiveness{Effectiveness: Ineffective, Notes: strings.Repeat("n", 2000)},
			want: given(ev.ControlEffectivenessUpdated{ControlID: controlID, Effectiveness: Ineffective, Previous: NotTested,
				Notes: strings.Repeat("n", 2000)}),
		},
		{
			name:       "notes are required",
			given:      given(created()),
			when:       SetEffectiveness{Effectiveness: Effective},
			wantErr:    strata.Invalid,
			wantFields: []string{"notes"},
		},
		{
			name:       "blank notes",
			given:      given(created()),
			when:       SetEffectiveness{Effectiveness: Effective, Notes: " \n "},
			wantErr:    strata.Invalid,
			wantFields: []string{"notes"},
		},
		{
			name:       "notes too long",
			given:      given(created()),
			when:       SetEffectiveness{Effectiveness: Effective, Notes: strings.Repeat("n", 2001)},
			wantErr:    strata.Invalid,
			wantFields: []string{"notes"},
		},
		{
			name:       "notes with a NUL character",
			given:      given(created()),
			when:       SetEffectiveness{Effectiveness: Effective, Notes: "a\x00"},
			wantErr:    strata.Invalid,
			wantFields: []string{"notes"},
		},
		{
			name:       "an unknown rating",
			given:      given(created()),
			when:       SetEffectiveness{Effectiveness: "Good", Notes: "reviewed"},
			wantErr:    strata.Invalid,
			wantFields: []string{"effectiveness"},
		},
		{
			name:       "a rating in the wrong case",
			given:      given(created()),
			when:       SetEffectiveness{Effectiveness: "effective", Notes: "reviewed"},
			wantErr:    strata.Invalid,
			wantFields: []string{"effectiveness"},
		},
		{
			name:       "an unknown rating without notes names both",
			given:      given(created()),
			when:       SetEffectiveness{Effectiveness: ""},
			wantErr:    strata.Invalid,
			wantFields: []string{"effectiveness", "notes"},
		},
		{
			name:    "an archived control cannot be rated",
			given:   archived(),
			when:    SetEffectiveness{Effectiveness: Effective, Notes: "reviewed"},
			wantErr: strata.Invalid,
		},
		{
			name:  "the same rating changes nothing",
			given: given(created(), byPerson(Effective, NotTested)),
			when:  SetEffectiveness{Effectiveness: Effective, Notes: "still fine"},
		},
		{
			name:  "Not Tested on an untested control changes nothing",
			given: given(created()),
			when:  SetEffectiveness{Effectiveness: NotTested, Notes: "reviewed"},
		},
		{
			name:    "rate a control that does not exist",
			when:    SetEffectiveness{Effectiveness: Effective, Notes: "reviewed"},
			wantErr: strata.NotFound,
		},
	})
}

// The effectiveness rule exactly as docs/controls.md states it.
func TestDecideControlTests(t *testing.T) {
	t.Parallel()
	failed := func(id int64, at time.Time, from string) []events.Payload {
		return given(tested(id, at, Fail), byTest(id, Ineffective, from, "failed"))
	}
	passed := func(id int64, at time.Time, from string) []events.Payload {
		return given(tested(id, at, Pass), byTest(id, Effective, from, "passed"))
	}
	history := func(parts ...[]events.Payload) []events.Payload {
		out := given(created())
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	runCases(t, []testCase{
		// A Fail that is the latest decisive test sets Ineffective.
		{
			name:  "a failing test of an untested control",
			given: history(),
			when:  RecordTest{TestID: 11, TestedAt: ptr(day(5)), Result: Fail, Notes: "  3 of 25 samples lacked approval \n"},
			want: given(ev.ControlTestRecorded{ControlID: controlID, TestID: 11, TestedAt: day(5), Result: Fail,
				Notes: "3 of 25 samples lacked approval"}, byTest(11, Ineffective, NotTested, "failed")),
		},
		{
			name:  "a failing test of an effective control",
			given: history(passed(11, day(5), NotTested)),
			when:  record(12, ptr(day(6)), Fail),
			want:  failed(12, day(6), Effective),
		},
		{
			name:  "a failing test overrides a person's Partially Effective",
			given: history(given(byPerson(PartiallyEffective, NotTested))),
			when:  record(12, ptr(day(6)), Fail),
			want:  failed(12, day(6), PartiallyEffective),
		},
		{
			name:  "a failing test of an ineffective control records only the test",
			given: history(failed(11, day(5), NotTested)),
			when:  record(12, ptr(day(6)), Fail),
			want:  given(tested(12, day(6), Fail)),
		},
		// A Pass that is the latest decisive test sets Effective from Not Tested or
		// Ineffective, and leaves Partially Effective alone.
		{
			name:  "a passing test of an untested control",
			given: history(),
			when:  record(12, ptr(day(6)), Pass),
			want:  passed(12, day(6), NotTested),
		},
		{
			name:  "a passing test dated after a failure overturns it",
			given: history(failed(11, day(5), NotTested)),
			when:  record(12, ptr(day(6)), Pass),
			want:  passed(12, day(6), Ineffective),
		},
		{
			name:  "a passing test of a control a person rated Ineffective",
			given: history(given(byPerson(Ineffective, NotTested))),
			when:  record(12, ptr(day(6)), Pass),
			want:  passed(12, day(6), Ineffective),
		},
		{
			name:  "a passing test leaves a person's Partially Effective alone",
			given: history(given(byPerson(PartiallyEffective, NotTested))),
			when:  record(12, ptr(day(6)), Pass),
			want:  given(tested(12, day(6), Pass)),
		},
		{
			name:  "a passing test leaves Partially Effective alone after an earlier failure was overruled",
			given: history(failed(11, day(5), NotTested), given(byPerson(PartiallyEffective, Ineffective))),
			when:  record(12, ptr(day(6)), Pass),
			want:  given(tested(12, day(6), Pass)),
		},
		{
			name:  "a passing test of an effective control records only the test",
			given: history(passed(11, day(5), NotTested)),
			when:  record(12, ptr(day(6)), Pass),
			want:  given(tested(12, day(6), Pass)),
		},
		// A test dated before the latest decisive test changes nothing but the list.
		{
			name:  "a backdated failure older than the latest pass records only the test",
			given: history(passed(11, day(10), NotTested)),
			when:  record(12, ptr(day(5)), Fail),
			want:  given(tested(12, day(5), Fail)),
		},
		{
			name:  "a backdated pass older than the latest failure records only the test",
			given: history(failed(11, day(10), NotTested)),
			when:  record(12, ptr(day(5)), Pass),
			want:  given(tested(12, day(5), Pass)),
		},
		{
			name:  "a backdated failure older than a failure that a person overruled records only the test",
			given: history(failed(11, day(10), NotTested), given(byPerson(Effective, Ineffective))),
			when:  record(12, ptr(day(5)), Fail),
			want:  given(tested(12, day(5), Fail)),
		},
		{
			name:  "a failure dated between earlier tests but before the latest decisive one records only the test",
			given: history(passed(11, day(3), NotTested), given(tested(12, day(1), Fail))),
			when:  record(13, ptr(day(2)), Fail),
			want:  given(tested(13, day(2), Fail)),
		},
		{
			name:  "a test between two earlier ones decides only if after the latest decisive one",
			given: history(failed(11, day(3), NotTested), given(tested(12, day(1), Pass))),
			when:  record(13, ptr(day(4)), Pass),
			want:  passed(13, day(4), Ineffective),
		},
		// Inconclusive never changes the rating and never becomes the decisive test.
		{
			name:  "an inconclusive test of an untested control",
			given: history(),
			when:  record(12, ptr(day(6)), Inconclusive),
			want:  given(tested(12, day(6), Inconclusive)),
		},
		{
			name:  "an inconclusive test after a failure",
			given: history(failed(11, day(5), NotTested)),
			when:  record(12, ptr(day(6)), Inconclusive),
			want:  given(tested(12, day(6), Inconclusive)),
		},
		{
			name:  "an inconclusive test after a pass",
			given: history(passed(11, day(5), NotTested)),
			when:  record(12, ptr(day(6)), Inconclusive),
			want:  given(tested(12, day(6), Inconclusive)),
		},
		{
			name:  "a failure older than an inconclusive test but newer than the latest pass decides",
			given: history(passed(11, day(5), NotTested), given(tested(12, day(10), Inconclusive))),
			when:  record(13, ptr(day(7)), Fail),
			want:  failed(13, day(7), Effective),
		},
		{
			name:  "a pass older than an inconclusive test but newer than the latest failure decides",
			given: history(failed(11, day(5), NotTested), given(tested(12, day(10), Inconclusive))),
			when:  record(13, ptr(day(7)), Pass),
			want:  passed(13, day(7), Ineffective),
		},
		{
			name:  "a failure after only inconclusive tests decides",
			given: history(given(tested(11, day(10), Inconclusive), tested(12, day(12), Inconclusive))),
			when:  record(13, ptr(day(1)), Fail),
			want:  failed(13, day(1), NotTested),
		},
		// Equal tested_at: the later recorded wins.
		{
			name:  "a pass dated the same instant as the latest failure wins",
			given: history(failed(11, day(5), NotTested)),
			when:  record(12, ptr(day(5)), Pass),
			want:  passed(12, day(5), Ineffective),
		},
		{
			name:  "a failure dated the same instant as the latest pass wins",
			given: history(passed(11, day(5), NotTested)),
			when:  record(12, ptr(day(5)), Fail),
			want:  failed(12, day(5), Effective),
		},
		{
			name:  "the same instant in another time zone is the same instant",
			given: history(passed(11, day(5), NotTested)),
			when:  record(12, ptr(day(5).In(time.FixedZone("EST", -5*60*60))), Fail),
			want:  failed(12, day(5), Effective),
		},
		// tested_at.
		{
			name:  "tested_at defaults to now, in UTC",
			given: history(),
			when:  RecordTest{TestID: 12, Result: Inconclusive},
			want:  given(tested(12, frozenNow.UTC(), Inconclusive)),
		},
		{
			name:  "tested_at in another time zone is recorded in UTC",
			given: history(),
			when:  record(12, ptr(day(6).In(time.FixedZone("CET", 60*60))), Inconclusive),
			want:  given(tested(12, day(6), Inconclusive)),
		},
		{
			name:  "tested_at 5 minutes ahead of the clock is tolerated",
			given: history(),
			when:  record(12, ptr(frozenNow.Add(5*time.Minute)), Inconclusive),
			want:  given(tested(12, frozenNow.Add(5*time.Minute).UTC(), Inconclusive)),
		},
		{
			name:  "tested_at a minute ahead of the clock is tolerated",
			given: history(),
			when:  record(12, ptr(frozenNow.Add(time.Minute)), Inconclusive),
			want:  given(tested(12, frozenNow.Add(time.Minute).UTC(), Inconclusive)),
		},
		{
			name:       "tested_at more than 5 minutes in the future",
			given:      history(),
			when:       record(12, ptr(frozenNow.Add(5*time.Minute+time.Second)), Pass),
			wantErr:    strata.Invalid,
			wantFields: []string{"tested_at"},
		},
		{
			name:       "tested_at next year",
			given:      history(),
			when:       record(12, ptr(frozenNow.AddDate(1, 0, 0)), Pass),
			wantErr:    strata.Invalid,
			wantFields: []string{"tested_at"},
		},
		{
			name:       "tested_at the zero time",
			given:      history(),
			when:       record(12, ptr(time.Time{}), Pass),
			wantErr:    strata.Invalid,
			wantFields: []string{"tested_at"},
		},
		// The rest of the command.
		{
			name:       "an unknown result",
			given:      history(),
			when:       record(12, ptr(day(6)), "Passed"),
			wantErr:    strata.Invalid,
			wantFields: []string{"result"},
		},
		{
			name:       "a result in the wrong case",
			given:      history(),
			when:       record(12, ptr(day(6)), "pass"),
			wantErr:    strata.Invalid,
			wantFields: []string{"result"},
		},
		{
			name:       "no result",
			given:      history(),
			when:       record(12, nil, ""),
			wantErr:    strata.Invalid,
			wantFields: []string{"result"},
		},
		{
			name:       "notes too long",
			given:      history(),
			when:       RecordTest{TestID: 12, Result: Pass, Notes: strings.Repeat("n", 5001)},
			wantErr:    strata.Invalid,
			wantFields: []string{"notes"},
		},
		{
			name:       "several problems name them all",
			given:      history(),
			when:       RecordTest{TestID: 12, TestedAt: ptr(frozenNow.Add(time.Hour)), Result: "?", Notes: "\x00"},
			wantErr:    strata.Invalid,
			wantFields: []string{"notes", "result", "tested_at"},
		},
		{
			name:    "an archived control cannot be tested",
			given:   append(history(), statusChanged(Draft, Archived)),
			when:    record(12, ptr(day(6)), Pass),
			wantErr: strata.Invalid,
		},
		{
			name:  "a draft control can be tested",
			given: history(),
			when:  record(12, ptr(day(6)), Fail),
			want:  failed(12, day(6), NotTested),
		},
		{
			name:    "test a control that does not exist",
			when:    record(12, ptr(day(6)), Pass),
			wantErr: strata.NotFound,
		},
	})
}

func TestDecideControlRequirements(t *testing.T) {
	t.Parallel()
	runCases(t, []testCase{
		{
			name:  "map a requirement",
			given: given(created()),
			when:  MapRequirement{RequirementID: 101, FrameworkID: 3},
			want:  given(mapped(101, 3)),
		},
		{
			name:  "map a second requirement",
			given: given(created(), mapped(101, 3)),
			when:  MapRequirement{RequirementID: 102, FrameworkID: 4},
			want:  given(mapped(102, 4)),
		},
		{
			name:  "map a requirement already mapped changes nothing",
			given: given(created(), mapped(101, 3)),
			when:  MapRequirement{RequirementID: 101, FrameworkID: 3},
		},
		{
			name:  "map a requirement again after it was unmapped",
			given: given(created(), mapped(101, 3), unmapped(101, 3)),
			when:  MapRequirement{RequirementID: 101, FrameworkID: 3},
			want:  given(mapped(101, 3)),
		},
		{
			name:    "an archived control cannot be mapped",
			given:   archived(),
			when:    MapRequirement{RequirementID: 101, FrameworkID: 3},
			wantErr: strata.Invalid,
		},
		{
			name:  "the last mapping under the limit",
			given: append(given(created()), manyMapped(maxRequirementsPerControl-1)...),
			when:  MapRequirement{RequirementID: 1, FrameworkID: 3},
			want:  given(mapped(1, 3)),
		},
		{
			name:    "a mapping over the limit",
			given:   append(given(created()), manyMapped(maxRequirementsPerControl)...),
			when:    MapRequirement{RequirementID: 1, FrameworkID: 3},
			wantErr: strata.Invalid,
		},
		{
			name:  "a mapping already made at the limit changes nothing",
			given: append(given(created()), manyMapped(maxRequirementsPerControl)...),
			when:  MapRequirement{RequirementID: 1000, FrameworkID: 3},
		},
		{
			name:  "unmap carries the framework the requirement was mapped with",
			given: given(created(), mapped(101, 3), mapped(102, 4)),
			when:  UnmapRequirement{RequirementID: 102},
			want:  given(unmapped(102, 4)),
		},
		{
			name:    "unmap a requirement that is not mapped",
			given:   given(created(), mapped(101, 3)),
			when:    UnmapRequirement{RequirementID: 102},
			wantErr: strata.NotFound,
		},
		{
			name:    "unmap a requirement that was already unmapped",
			given:   given(created(), mapped(101, 3), unmapped(101, 3)),
			when:    UnmapRequirement{RequirementID: 101},
			wantErr: strata.NotFound,
		},
		{
			name:    "map on a control that does not exist",
			when:    MapRequirement{RequirementID: 101, FrameworkID: 3},
			wantErr: strata.NotFound,
		},
		{
			name:    "unmap on a control that does not exist",
			when:    UnmapRequirement{RequirementID: 101},
			wantErr: strata.NotFound,
		},
		// Anything else is a programming error, not a client's.
		{
			name:    "unknown command",
			given:   given(created()),
			when:    struct{ Nonsense bool }{},
			wantErr: strata.Internal,
		},
	})
}

// manyMapped maps requirements 1000, 1001, ... to framework 3.
func manyMapped(n int) []events.Payload {
	out := make([]events.Payload, n)
	for i := range out {
		out[i] = mapped(int64(1000+i), 3)
	}
	return out
}

func runCases(t *testing.T, cases []testCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run(t, tc)
		})
	}
}

// run folds given, decides when at the frozen clock and checks the outcome.
func run(t *testing.T, tc testCase) {
	t.Helper()
	state := fold(tc.given)
	got, err := DecideControl(state, len(tc.given) > 0, tc.when, frozenNow)
	if tc.wantErr != "" {
		decidetest.CheckErr(t, got, err, tc.wantErr, tc.wantFields, "")
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	comparePayloads(t, got, tc.want)
	for _, p := range got {
		if x, ok := p.(ev.ControlTestRecorded); ok && x.TestedAt.Location() != time.UTC {
			t.Errorf("tested_at %v is not in UTC", x.TestedAt)
		}
	}
}

func fold(given []events.Payload) Control {
	var c Control
	for _, p := range given {
		c = EvolveControl(c, p, events.Event{})
	}
	return c
}

func comparePayloads(t *testing.T, got, want []events.Payload) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events %s, want %d %s", len(got), decidetest.Show(got), len(want), decidetest.Show(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if w, ok := w.(ev.ControlUpdated); ok {
			g, ok := g.(ev.ControlUpdated)
			if !ok {
				t.Errorf("event %d is %T, want %T", i, got[i], w)
				continue
			}
			if g.ControlID != w.ControlID {
				t.Errorf("event %d: control %d, want %d", i, g.ControlID, w.ControlID)
			}
			decidetest.SameJSON(t, "Set", g.Set, w.Set)
			decidetest.SameJSON(t, "Previous", g.Previous, w.Previous)
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("event %d:\n got %s\nwant %s", i, decidetest.Show(given(g)), decidetest.Show(given(w)))
		}
	}
}

// The error for an archived control says why and what to do.
func TestArchivedRefusalExplains(t *testing.T) {
	t.Parallel()
	state := fold(archived())
	for _, cmd := range []any{
		SetEffectiveness{Effectiveness: Effective, Notes: "x"},
		record(12, ptr(day(6)), Pass),
		MapRequirement{RequirementID: 101, FrameworkID: 3},
	} {
		_, err := DecideControl(state, true, cmd, frozenNow)
		if err == nil || !strings.Contains(err.Error(), "archived") {
			t.Errorf("%T on an archived control: %v, want an error about archiving", cmd, err)
		}
	}
}

// TestDecideControlIsIdempotentOnItsOwnEvents checks DecideControl and EvolveControl
// agree: once the events a change produced are applied, the same change produces nothing.
func TestDecideControlIsIdempotentOnItsOwnEvents(t *testing.T) {
	t.Parallel()
	for _, tc := range []testCase{
		{name: "update", given: given(created()),
			when: UpdateControl{Patch: patch(`{"code": " AC-9 ", "title": "Renamed", "owner_id": 4, "framework_id": 2, "frequency": "annual"}`)}},
		{name: "clear owner", given: given(createdWith(func(c *ev.ControlCreated) { c.OwnerID = ptr(int64(3)) })),
			when: UpdateControl{Patch: patch(`{"owner_id": null}`)}},
		{name: "update and status", given: given(created()), when: UpdateControl{Patch: patch(`{"title": "Renamed", "status": "Active"}`)}},
		{name: "rate", given: given(created()), when: SetEffectiveness{Effectiveness: PartiallyEffective, Notes: "x"}},
		{name: "map", given: given(created()), when: MapRequirement{RequirementID: 101, FrameworkID: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			state := fold(tc.given)
			first, err := DecideControl(state, true, tc.when, frozenNow)
			if err != nil || len(first) == 0 {
				t.Fatalf("first decision: %s, %v; want events", decidetest.Show(first), err)
			}
			state = fold(append(tc.given, first...))
			again, err := DecideControl(state, true, tc.when, frozenNow)
			if err != nil || len(again) != 0 {
				t.Fatalf("second decision: %s, %v; want nothing", decidetest.Show(again), err)
			}
		})
	}
}

func TestEvolveControl(t *testing.T) {
	t.Parallel()
	c := fold(given(
		createdWith(func(c *ev.ControlCreated) { c.Description, c.OwnerID = "Who has access", ptr(int64(12)) }),
		updated(`{"title": "Renamed", "framework_id": 3}`, `{"title": "Access reviews", "framework_id": null}`),
		statusChanged(Draft, Active),
		tested(11, day(5), Pass), byTest(11, Effective, NotTested, "passed"),
		tested(12, day(9), Inconclusive),
		tested(13, day(3), Fail),
		byPerson(PartiallyEffective, Effective),
		mapped(101, 3), mapped(102, 4), mapped(103, 4), unmapped(102, 4),
	))
	want := Control{
		ID: controlID,
		Fields: ev.Fields{Code: "AC-1", Title: "Renamed", Description: "Who has access", FrameworkID: ptr(int64(3)),
			Type: "detective", Frequency: "quarterly", OwnerID: ptr(int64(12))},
		Status: Active, Effectiveness: PartiallyEffective,
		LastTestedAt: ptr(day(9)), Decisive: ptr(day(5)),
		Requirements: map[int64]int64{101: 3, 103: 4},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("state:\n got %s\nwant %s", asJSON(c), asJSON(want))
	}
}

// last_tested_at is the latest tested_at of any test, whatever order they were recorded in.
func TestEvolveControlLastTestedAtIsTheMaximum(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		c := fold(given(created()))
		var latest, decisive time.Time
		for i := range 1 + rng.IntN(8) {
			at := day(1 + rng.IntN(28)).Add(time.Duration(rng.IntN(3)) * time.Hour)
			result := TestResults[rng.IntN(len(TestResults))]
			c = EvolveControl(c, tested(int64(i+1), at, result), events.Event{})
			if at.After(latest) {
				latest = at
			}
			if result != Inconclusive && at.After(decisive) {
				decisive = at
			}
			if c.LastTestedAt == nil || !c.LastTestedAt.Equal(latest) {
				t.Fatalf("after a test at %v: last_tested_at %v, want %v", at, c.LastTestedAt, latest)
			}
			if decisive.IsZero() != (c.Decisive == nil) || c.Decisive != nil && !c.Decisive.Equal(decisive) {
				t.Fatalf("after a %s test at %v: decisive %v, want %v", result, at, c.Decisive, decisive)
			}
		}
	}
}

// EvolveControl returns a new state; the state it was given must not change, the
// requirement map included.
func TestEvolveControlCopiesOnWrite(t *testing.T) {
	t.Parallel()
	before := fold(given(createdWith(func(c *ev.ControlCreated) { c.OwnerID = ptr(int64(12)) }), mapped(101, 3)))

	added := EvolveControl(before, mapped(102, 4), events.Event{})
	if !reflect.DeepEqual(before.Requirements, map[int64]int64{101: 3}) {
		t.Errorf("mapping changed the earlier state's requirements to %v", before.Requirements)
	}
	removed := EvolveControl(added, unmapped(101, 3), events.Event{})
	if !reflect.DeepEqual(added.Requirements, map[int64]int64{101: 3, 102: 4}) {
		t.Errorf("unmapping changed the earlier state's requirements to %v", added.Requirements)
	}
	if !reflect.DeepEqual(removed.Requirements, map[int64]int64{102: 4}) {
		t.Errorf("requirements after unmapping: %v", removed.Requirements)
	}
	if !reflect.DeepEqual(before.Requirements, map[int64]int64{101: 3}) {
		t.Errorf("unmapping changed the first state's requirements to %v", before.Requirements)
	}
	// Unmapping from a state with no map at all.
	if got := EvolveControl(fold(given(created())), unmapped(101, 3), events.Event{}); len(got.Requirements) != 0 {
		t.Errorf("requirements after unmapping nothing: %v", got.Requirements)
	}

	// Fields: an update never writes through pointers the earlier state shares.
	_ = EvolveControl(before, updated(`{"owner_id": 9}`, `{"owner_id": 12}`), events.Event{})
	if *before.OwnerID != 12 {
		t.Errorf("an update changed the earlier state's owner to %d", *before.OwnerID)
	}
	// Tests: the earlier state's dates stay.
	t1 := EvolveControl(before, tested(11, day(5), Pass), events.Event{})
	_ = EvolveControl(t1, tested(12, day(9), Fail), events.Event{})
	if !t1.LastTestedAt.Equal(day(5)) || !t1.Decisive.Equal(day(5)) {
		t.Errorf("a later test changed the earlier state: last %v, decisive %v", t1.LastTestedAt, t1.Decisive)
	}
}

// ControlUpdated carries only the changed keys, so applying it must leave every other
// field as it was.
func TestEvolveControlUpdatedChangesOnlySetKeys(t *testing.T) {
	t.Parallel()
	full := func() ev.Fields {
		return ev.Fields{Code: "AC-1", Title: "Access reviews", Description: "Who has access", FrameworkID: ptr(int64(3)),
			Type: "detective", Frequency: "quarterly", OwnerID: ptr(int64(12))}
	}
	for _, tc := range []struct {
		name string
		set  string
		want func(f *ev.Fields)
	}{
		{"code and type", `{"code": "AC-2", "type": "preventive"}`, func(f *ev.Fields) { f.Code, f.Type = "AC-2", "preventive" }},
		{"owner cleared", `{"owner_id": null}`, func(f *ev.Fields) { f.OwnerID = nil }},
		{"framework changed", `{"framework_id": 4}`, func(f *ev.Fields) { f.FrameworkID = ptr(int64(4)) }},
		{"nothing", `{}`, func(*ev.Fields) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			state := fold(given(ev.ControlCreated{ControlID: controlID, Fields: full(), Status: Active}, mapped(101, 3),
				tested(11, day(5), Fail), byTest(11, Ineffective, NotTested, "failed")))
			got := EvolveControl(state, updated(tc.set, `{}`), events.Event{})
			want := full()
			tc.want(&want)
			if !reflect.DeepEqual(got.Fields, want) {
				t.Errorf("fields after %s:\n got %+v\nwant %+v", tc.set, asJSON(got.Fields), asJSON(want))
			}
			if got.ID != controlID || got.Status != Active || got.Effectiveness != Ineffective ||
				!reflect.DeepEqual(got.Requirements, map[int64]int64{101: 3}) {
				t.Errorf("ControlUpdated changed more than fields: %s", asJSON(got))
			}
		})
	}
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// model is the effectiveness rule written straight from docs/controls.md: the test
// latest by tested_at among Pass and Fail (the later recorded on a tie) decides.
type model struct {
	rating string
	tests  []modelTest
}

type modelTest struct {
	at     time.Time
	result string
}

func (m *model) test(at time.Time, result string) (changed bool) {
	m.tests = append(m.tests, modelTest{at, result})
	if result == Inconclusive {
		return false
	}
	for _, x := range m.tests[:len(m.tests)-1] {
		if x.result != Inconclusive && x.at.After(at) {
			return false // a decisive test dated after this one stands
		}
	}
	next := m.rating
	switch {
	case result == Fail:
		next = Ineffective
	case m.rating == NotTested || m.rating == Ineffective:
		next = Effective
	}
	changed, m.rating = next != m.rating, next
	return changed
}

// Random runs of tests and ratings by people agree with the rule as the docs state it.
func TestEffectivenessRuleAgainstModel(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(20250314, 1))
	for run := range 1000 {
		c := fold(given(created()))
		m := &model{rating: NotTested}
		var trail []string
		for i := range 1 + rng.IntN(12) {
			if rng.IntN(5) == 0 {
				to := Effectiveness[rng.IntN(len(Effectiveness))]
				ps, err := DecideControl(c, true, SetEffectiveness{Effectiveness: to, Notes: "reviewed"}, frozenNow)
				if err != nil {
					t.Fatal(err)
				}
				trail = append(trail, "person "+to)
				if (len(ps) == 1) != (to != m.rating) {
					t.Fatalf("run %d %v: a person's %s over %s made %s", run, trail, to, m.rating, decidetest.Show(ps))
				}
				for _, p := range ps {
					c = EvolveControl(c, p, events.Event{})
				}
				m.rating = to
				continue
			}
			// Few distinct dates, so ties happen.
			at := day(1 + rng.IntN(6))
			result := TestResults[rng.IntN(len(TestResults))]
			id := int64(i + 1)
			trail = append(trail, fmt.Sprintf("%s@%d", result, at.Day()))
			ps, err := DecideControl(c, true, record(id, &at, result), frozenNow)
			if err != nil {
				t.Fatal(err)
			}
			before := m.rating
			changed := m.test(at, result)
			want := given(tested(id, at, result))
			if changed {
				verb := map[string]string{Pass: "passed", Fail: "failed"}[result]
				want = append(want, byTest(id, m.rating, before, verb))
			}
			if !reflect.DeepEqual(ps, want) {
				t.Fatalf("run %d after %v:\n got %s\nwant %s", run, trail, decidetest.Show(ps), decidetest.Show(want))
			}
			for _, p := range ps {
				c = EvolveControl(c, p, events.Event{})
			}
			if c.Effectiveness != m.rating {
				t.Fatalf("run %d after %v: state rated %s, model %s", run, trail, c.Effectiveness, m.rating)
			}
		}
	}
}

// tested_at is kept at the precision the read models store (PostgreSQL timestamps
// hold microseconds): otherwise a control replayed from its stream (Reader.Current,
// ?as_of=) shows another tested_at and last_tested_at than the read model, and two
// tests a few nanoseconds apart are ordered by the rule but shown as simultaneous.
func TestRecordTestKeepsTheStorePrecision(t *testing.T) {
	t.Parallel()
	state := fold(given(created()))
	withNanos := day(5).Add(123456789 * time.Nanosecond)
	nowWithNanos := frozenNow.Add(987654321 * time.Nanosecond)
	for _, tc := range []struct {
		name string
		at   *time.Time
		want time.Time // the instant, within a microsecond
	}{
		{"given tested_at", &withNanos, withNanos},
		{"default tested_at", nil, nowWithNanos},
	} {
		got, err := DecideControl(state, true, record(12, tc.at, Pass), nowWithNanos)
		if err != nil || len(got) == 0 {
			t.Fatalf("%s: %s, %v", tc.name, decidetest.Show(got), err)
		}
		at := got[0].(ev.ControlTestRecorded).TestedAt
		if at.Nanosecond()%1000 != 0 {
			t.Errorf("%s: tested_at %s has a sub-microsecond part the read model cannot hold", tc.name, at.Format(time.RFC3339Nano))
		}
		if d := tc.want.Sub(at); d < 0 || d >= time.Second {
			t.Errorf("%s: tested_at %s, want about %s", tc.name, at.Format(time.RFC3339Nano), tc.want.Format(time.RFC3339Nano))
		}
	}
}
