package risks

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/decidetest"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/risks"
)

// frozenNow is the clock every decision is made at. It is deliberately not in UTC so
// the tests also check that CompletedAt is written in UTC.
var frozenNow = time.Date(2025, 3, 14, 9, 26, 53, 0, time.FixedZone("CET", 60*60))

// frozenNowRFC3339 is frozenNow as Decide must record it.
const frozenNowRFC3339 = "2025-03-14T08:26:53Z"

const riskID = 7

func ptr[T any](v T) *T { return &v }

// created returns a fresh RiskCreated on every call, so no case shares pointers with
// another (Evolve keeps the event's pointer fields in the state).
func created() ev.RiskCreated {
	return ev.RiskCreated{RiskID: riskID, Fields: ev.Fields{
		Title: "Data breach", Category: "Security", Status: "Identified", Likelihood: 3, Impact: 4,
	}}
}

// createdWith is created with its fields changed by edit.
func createdWith(edit func(f *ev.Fields)) ev.RiskCreated {
	c := created()
	edit(&c.Fields)
	return c
}

// validFields are the fields of a Create that passes validation.
func validFields() ev.Fields {
	return ev.Fields{Title: "Data breach", Category: "Security", Likelihood: 3, Impact: 4}
}

func fieldsWith(edit func(f *ev.Fields)) ev.Fields {
	f := validFields()
	edit(&f)
	return f
}

func responseAdded(id int64, status string) ev.RiskResponseAdded {
	return ev.RiskResponseAdded{RiskID: riskID, ResponseID: id, Response: ev.Response{
		Type: "mitigate", Description: "Encrypt laptops", Status: status,
	}}
}

func validResponse() ev.Response {
	return ev.Response{Type: "mitigate", Description: "Encrypt laptops"}
}

func responseWith(edit func(r *ev.Response)) ev.Response {
	r := validResponse()
	edit(&r)
	return r
}

func patch(s string) json.RawMessage { return json.RawMessage(s) }

type testCase struct {
	name       string
	given      []events.Payload
	when       any
	want       []events.Payload
	wantErr    strata.Code
	wantFields []string
}

func TestDecide(t *testing.T) {
	t.Parallel()
	cases := []testCase{
		// Create.
		{
			name: "create with defaults",
			when: Create{RiskID: riskID, Fields: ev.Fields{
				Title: "  Data breach \t", Category: " Security ", Description: "\n Laptops get stolen. ",
				Likelihood: 3, Impact: 4,
			}},
			want: []events.Payload{ev.RiskCreated{RiskID: riskID, Fields: ev.Fields{
				Title: "Data breach", Category: "Security", Description: "Laptops get stolen.",
				Status: "Identified", Likelihood: 3, Impact: 4,
			}}},
		},
		{
			name: "create with every field set",
			when: Create{RiskID: riskID, Fields: ev.Fields{
				Title: "Data breach", Category: "Security", Status: "Assessed", Likelihood: 5, Impact: 1,
				ResidualLikelihood: ptr(2), ResidualImpact: ptr(1), OwnerID: ptr(int64(12)), ReviewDate: ptr("2025-06-30"),
			}},
			want: []events.Payload{ev.RiskCreated{RiskID: riskID, Fields: ev.Fields{
				Title: "Data breach", Category: "Security", Status: "Assessed", Likelihood: 5, Impact: 1,
				ResidualLikelihood: ptr(2), ResidualImpact: ptr(1), OwnerID: ptr(int64(12)), ReviewDate: ptr("2025-06-30"),
			}}},
		},
		{
			name:       "create without title and category",
			when:       Create{RiskID: riskID, Fields: ev.Fields{Likelihood: 3, Impact: 4}},
			wantErr:    strata.Invalid,
			wantFields: []string{"category", "title"},
		},
		{
			name:       "create with a blank title",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.Title = "   " })},
			wantErr:    strata.Invalid,
			wantFields: []string{"title"},
		},
		{
			name:       "create with a title too long",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.Title = strings.Repeat("é", 201) })},
			wantErr:    strata.Invalid,
			wantFields: []string{"title"},
		},
		{
			name:       "create with likelihood 0",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.Likelihood = 0 })},
			wantErr:    strata.Invalid,
			wantFields: []string{"likelihood"},
		},
		{
			name:       "create with likelihood 6",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.Likelihood = 6 })},
			wantErr:    strata.Invalid,
			wantFields: []string{"likelihood"},
		},
		{
			name:       "create with impact 0",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.Impact = 0 })},
			wantErr:    strata.Invalid,
			wantFields: []string{"impact"},
		},
		{
			name:       "create with an unknown status",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.Status = "Open" })},
			wantErr:    strata.Invalid,
			wantFields: []string{"status"},
		},
		{
			name:       "create with a status in the wrong case",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.Status = "identified" })},
			wantErr:    strata.Invalid,
			wantFields: []string{"status"},
		},
		{
			name:       "create with residual likelihood but no residual impact",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.ResidualLikelihood = ptr(2) })},
			wantErr:    strata.Invalid,
			wantFields: []string{"residual_impact"},
		},
		{
			name:       "create with residual impact but no residual likelihood",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.ResidualImpact = ptr(2) })},
			wantErr:    strata.Invalid,
			wantFields: []string{"residual_likelihood"},
		},
		{
			name: "create with residual scores out of range",
			when: Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) {
				f.ResidualLikelihood, f.ResidualImpact = ptr(0), ptr(6)
			})},
			wantErr:    strata.Invalid,
			wantFields: []string{"residual_impact", "residual_likelihood"},
		},
		{
			name:       "create with a review date that is not YYYY-MM-DD",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.ReviewDate = ptr("14/03/2025") })},
			wantErr:    strata.Invalid,
			wantFields: []string{"review_date"},
		},
		{
			name:       "create with a review date that does not exist",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.ReviewDate = ptr("2025-02-30") })},
			wantErr:    strata.Invalid,
			wantFields: []string{"review_date"},
		},
		{
			name:       "create with a negative owner",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.OwnerID = ptr(int64(-1)) })},
			wantErr:    strata.Invalid,
			wantFields: []string{"owner_id"},
		},
		{
			name:       "create with owner 0",
			when:       Create{RiskID: riskID, Fields: fieldsWith(func(f *ev.Fields) { f.OwnerID = ptr(int64(0)) })},
			wantErr:    strata.Invalid,
			wantFields: []string{"owner_id"},
		},
		{
			name: "create with several problems names them all",
			when: Create{RiskID: riskID, Fields: ev.Fields{
				Status: "Open", Likelihood: 9, Impact: -1, OwnerID: ptr(int64(-5)), ReviewDate: ptr("soon"),
			}},
			wantErr:    strata.Invalid,
			wantFields: []string{"category", "impact", "likelihood", "owner_id", "review_date", "status", "title"},
		},
		{
			name:    "create on an existing risk",
			given:   []events.Payload{created()},
			when:    Create{RiskID: riskID, Fields: validFields()},
			wantErr: strata.Conflict,
		},
		{
			name:    "create on a deleted risk",
			given:   []events.Payload{created(), ev.RiskDeleted{RiskID: riskID}},
			when:    Create{RiskID: riskID, Fields: validFields()},
			wantErr: strata.Conflict,
		},

		// Update.
		{
			name:  "update title and likelihood",
			given: []events.Payload{created()},
			when:  Update{Patch: patch(`{"title": "Customer data breach", "likelihood": 5}`)},
			want: []events.Payload{ev.RiskUpdated{RiskID: riskID,
				Set:      patch(`{"title": "Customer data breach", "likelihood": 5}`),
				Previous: patch(`{"title": "Data breach", "likelihood": 3}`),
			}},
		},
		{
			name:  "update trims text before comparing",
			given: []events.Payload{created()},
			when:  Update{Patch: patch(`{"title": "  Data breach  ", "category": " Privacy "}`)},
			want: []events.Payload{ev.RiskUpdated{RiskID: riskID,
				Set:      patch(`{"category": "Privacy"}`),
				Previous: patch(`{"category": "Security"}`),
			}},
		},
		{
			name:  "update to the same values",
			given: []events.Payload{created()},
			when:  Update{Patch: patch(`{"title": "Data breach", "likelihood": 3, "status": "Identified", "owner_id": null}`)},
		},
		{
			name:  "update with an empty patch",
			given: []events.Payload{created()},
			when:  Update{Patch: patch(`{}`)},
		},
		{
			name:  "update sees earlier updates",
			given: []events.Payload{created(), ev.RiskUpdated{RiskID: riskID, Set: patch(`{"title":"Renamed"}`), Previous: patch(`{"title":"Data breach"}`)}},
			when:  Update{Patch: patch(`{"title": "Renamed"}`)},
		},
		{
			name:       "update with an unknown field",
			given:      []events.Payload{created()},
			when:       Update{Patch: patch(`{"title": "Renamed", "severity": 3}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"severity"},
		},
		{
			name:       "update with a field in the wrong case",
			given:      []events.Payload{created()},
			when:       Update{Patch: patch(`{"Title": "Renamed"}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"Title"},
		},
		{
			name:  "update ignores echoed read-only fields",
			given: []events.Payload{created()},
			when: Update{Patch: patch(`{"id": 7, "version": 3, "rating": "High", "inherent_score": 12,
				"control_ids": [1, 2], "created_at": "2025-01-01T00:00:00Z", "title": "Renamed"}`)},
			want: []events.Payload{ev.RiskUpdated{RiskID: riskID,
				Set:      patch(`{"title": "Renamed"}`),
				Previous: patch(`{"title": "Data breach"}`),
			}},
		},
		{
			name:  "update with only read-only fields",
			given: []events.Payload{created()},
			when:  Update{Patch: patch(`{"id": 99, "version": 3, "rating": "Low"}`)},
		},
		{
			name:       "update with likelihood of the wrong JSON type",
			given:      []events.Payload{created()},
			when:       Update{Patch: patch(`{"likelihood": "high"}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"likelihood"},
		},
		{
			name:       "update with owner_id of the wrong JSON type",
			given:      []events.Payload{created()},
			when:       Update{Patch: patch(`{"owner_id": "alice"}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"owner_id"},
		},
		{
			name:       "update with a title of the wrong JSON type",
			given:      []events.Payload{created()},
			when:       Update{Patch: patch(`{"title": 42}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"title"},
		},
		{
			name:       "update with a value out of range",
			given:      []events.Payload{created()},
			when:       Update{Patch: patch(`{"impact": 9}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"impact"},
		},
		{
			name:       "update that blanks the title",
			given:      []events.Payload{created()},
			when:       Update{Patch: patch(`{"title": "  "}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"title"},
		},
		{
			name:       "update that sets only one residual score",
			given:      []events.Payload{created()},
			when:       Update{Patch: patch(`{"residual_likelihood": 2}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"residual_impact"},
		},
		{
			name:    "update with a body that is not an object",
			given:   []events.Payload{created()},
			when:    Update{Patch: patch(`["title"]`)},
			wantErr: strata.Invalid,
		},
		{
			name:    "update with a null body",
			given:   []events.Payload{created()},
			when:    Update{Patch: patch(`null`)},
			wantErr: strata.Invalid,
		},
		{
			name:  "update that sets the owner",
			given: []events.Payload{created()},
			when:  Update{Patch: patch(`{"owner_id": 12}`)},
			want: []events.Payload{ev.RiskUpdated{RiskID: riskID,
				Set:      patch(`{"owner_id": 12}`),
				Previous: patch(`{"owner_id": null}`),
			}},
		},
		{
			name:  "update that sets both residual scores",
			given: []events.Payload{created()},
			when:  Update{Patch: patch(`{"residual_likelihood": 2, "residual_impact": 3}`)},
			want: []events.Payload{ev.RiskUpdated{RiskID: riskID,
				Set:      patch(`{"residual_likelihood": 2, "residual_impact": 3}`),
				Previous: patch(`{"residual_likelihood": null, "residual_impact": null}`),
			}},
		},
		{
			name:  "update that clears the owner",
			given: []events.Payload{createdWith(func(f *ev.Fields) { f.OwnerID = ptr(int64(12)) })},
			when:  Update{Patch: patch(`{"owner_id": null}`)},
			want: []events.Payload{ev.RiskUpdated{RiskID: riskID,
				Set:      patch(`{"owner_id": null}`),
				Previous: patch(`{"owner_id": 12}`),
			}},
		},
		{
			name: "update that clears the owner set by an earlier update",
			given: []events.Payload{created(),
				ev.RiskUpdated{RiskID: riskID, Set: patch(`{"owner_id":12}`), Previous: patch(`{"owner_id":null}`)}},
			when: Update{Patch: patch(`{"owner_id": null}`)},
			want: []events.Payload{ev.RiskUpdated{RiskID: riskID,
				Set:      patch(`{"owner_id": null}`),
				Previous: patch(`{"owner_id": 12}`),
			}},
		},
		{
			name:    "update on a risk that does not exist",
			when:    Update{Patch: patch(`{"title": "Renamed"}`)},
			wantErr: strata.NotFound,
		},

		// Any command on a deleted risk.
		{
			name:    "update on a deleted risk",
			given:   []events.Payload{created(), ev.RiskDeleted{RiskID: riskID}},
			when:    Update{Patch: patch(`{"title": "Renamed"}`)},
			wantErr: strata.NotFound,
		},
		{
			name:    "delete on a deleted risk",
			given:   []events.Payload{created(), ev.RiskDeleted{RiskID: riskID}},
			when:    Delete{},
			wantErr: strata.NotFound,
		},
		{
			name:    "add response on a deleted risk",
			given:   []events.Payload{created(), ev.RiskDeleted{RiskID: riskID}},
			when:    AddResponse{ResponseID: 11, Response: validResponse()},
			wantErr: strata.NotFound,
		},
		{
			name:    "update response on a deleted risk",
			given:   []events.Payload{created(), responseAdded(11, "planned"), ev.RiskDeleted{RiskID: riskID}},
			when:    UpdateResponse{ResponseID: 11, Patch: patch(`{"status": "done"}`)},
			wantErr: strata.NotFound,
		},
		{
			name:    "map control on a deleted risk",
			given:   []events.Payload{created(), ev.RiskDeleted{RiskID: riskID}},
			when:    MapControl{ControlID: 42},
			wantErr: strata.NotFound,
		},
		{
			name:    "unmap control on a deleted risk",
			given:   []events.Payload{created(), ev.RiskControlMapped{RiskID: riskID, ControlID: 42}, ev.RiskDeleted{RiskID: riskID}},
			when:    UnmapControl{ControlID: 42},
			wantErr: strata.NotFound,
		},

		// Delete.
		{
			name:  "delete",
			given: []events.Payload{created()},
			when:  Delete{Reason: "  duplicate of risk 3 "},
			want:  []events.Payload{ev.RiskDeleted{RiskID: riskID, Reason: "duplicate of risk 3"}},
		},
		{
			name:  "delete without a reason",
			given: []events.Payload{created()},
			when:  Delete{},
			want:  []events.Payload{ev.RiskDeleted{RiskID: riskID}},
		},

		// Responses.
		{
			name:  "add response defaults to planned",
			given: []events.Payload{created()},
			when:  AddResponse{ResponseID: 11, Response: ev.Response{Type: "mitigate", Description: "  Encrypt laptops \n"}},
			want: []events.Payload{ev.RiskResponseAdded{RiskID: riskID, ResponseID: 11, Response: ev.Response{
				Type: "mitigate", Description: "Encrypt laptops", Status: "planned",
			}}},
		},
		{
			name:  "add response with every field set",
			given: []events.Payload{created()},
			when: AddResponse{ResponseID: 11, Response: ev.Response{
				Type: "transfer", Description: "Cyber insurance", OwnerID: ptr(int64(4)), DueDate: ptr("2025-12-31"), Status: "in_progress",
			}},
			want: []events.Payload{ev.RiskResponseAdded{RiskID: riskID, ResponseID: 11, Response: ev.Response{
				Type: "transfer", Description: "Cyber insurance", OwnerID: ptr(int64(4)), DueDate: ptr("2025-12-31"), Status: "in_progress",
			}}},
		},
		{
			name:       "add response with an unknown type",
			given:      []events.Payload{created()},
			when:       AddResponse{ResponseID: 11, Response: responseWith(func(r *ev.Response) { r.Type = "ignore" })},
			wantErr:    strata.Invalid,
			wantFields: []string{"type"},
		},
		{
			name:       "add response without a type",
			given:      []events.Payload{created()},
			when:       AddResponse{ResponseID: 11, Response: responseWith(func(r *ev.Response) { r.Type = "" })},
			wantErr:    strata.Invalid,
			wantFields: []string{"type"},
		},
		{
			name:       "add response with a blank description",
			given:      []events.Payload{created()},
			when:       AddResponse{ResponseID: 11, Response: responseWith(func(r *ev.Response) { r.Description = " " })},
			wantErr:    strata.Invalid,
			wantFields: []string{"description"},
		},
		{
			name:  "add response with a bad status, due date and owner",
			given: []events.Payload{created()},
			when: AddResponse{ResponseID: 11, Response: responseWith(func(r *ev.Response) {
				r.Status, r.DueDate, r.OwnerID = "finished", ptr("tomorrow"), ptr(int64(0))
			})},
			wantErr:    strata.Invalid,
			wantFields: []string{"due_date", "owner_id", "status"},
		},
		{
			name:    "add response beyond the limit",
			given:   append([]events.Payload{created()}, manyResponses(maxResponses)...),
			when:    AddResponse{ResponseID: 1000, Response: validResponse()},
			wantErr: strata.Invalid,
		},
		{
			name:  "update response to done records when",
			given: []events.Payload{created(), responseAdded(11, "planned")},
			when:  UpdateResponse{ResponseID: 11, Patch: patch(`{"status": "done"}`)},
			want: []events.Payload{ev.RiskResponseUpdated{RiskID: riskID, ResponseID: 11,
				Set:         patch(`{"status": "done"}`),
				Previous:    patch(`{"status": "planned"}`),
				CompletedAt: ptr(frozenNowRFC3339),
			}},
		},
		{
			name:  "update response that is already done records no completion",
			given: []events.Payload{created(), responseAdded(11, "done")},
			when:  UpdateResponse{ResponseID: 11, Patch: patch(`{"status": "done", "description": " Encrypt all laptops "}`)},
			want: []events.Payload{ev.RiskResponseUpdated{RiskID: riskID, ResponseID: 11,
				Set:      patch(`{"description": "Encrypt all laptops"}`),
				Previous: patch(`{"description": "Encrypt laptops"}`),
			}},
		},
		{
			name:  "update response back from done records no completion",
			given: []events.Payload{created(), responseAdded(11, "done")},
			when:  UpdateResponse{ResponseID: 11, Patch: patch(`{"status": "in_progress"}`)},
			want: []events.Payload{ev.RiskResponseUpdated{RiskID: riskID, ResponseID: 11,
				Set:      patch(`{"status": "in_progress"}`),
				Previous: patch(`{"status": "done"}`),
			}},
		},
		{
			name:  "update response ignores echoed read-only fields",
			given: []events.Payload{created(), responseAdded(11, "planned")},
			when:  UpdateResponse{ResponseID: 11, Patch: patch(`{"id": 11, "risk_id": 7, "completed_at": null, "owner_id": 4}`)},
			want: []events.Payload{ev.RiskResponseUpdated{RiskID: riskID, ResponseID: 11,
				Set:      patch(`{"owner_id": 4}`),
				Previous: patch(`{"owner_id": null}`),
			}},
		},
		{
			name:  "update response to the same values",
			given: []events.Payload{created(), responseAdded(11, "planned")},
			when:  UpdateResponse{ResponseID: 11, Patch: patch(`{"status": "planned", "type": "mitigate"}`)},
		},
		{
			name:    "update of an unknown response",
			given:   []events.Payload{created(), responseAdded(11, "planned")},
			when:    UpdateResponse{ResponseID: 12, Patch: patch(`{"status": "done"}`)},
			wantErr: strata.NotFound,
		},
		{
			name:       "update response with an unknown field",
			given:      []events.Payload{created(), responseAdded(11, "planned")},
			when:       UpdateResponse{ResponseID: 11, Patch: patch(`{"title": "x"}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"title"},
		},
		{
			name:       "update response with a risk field",
			given:      []events.Payload{created(), responseAdded(11, "planned")},
			when:       UpdateResponse{ResponseID: 11, Patch: patch(`{"likelihood": 2}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"likelihood"},
		},
		{
			name:       "update response with an unknown type",
			given:      []events.Payload{created(), responseAdded(11, "planned")},
			when:       UpdateResponse{ResponseID: 11, Patch: patch(`{"type": "ignore"}`)},
			wantErr:    strata.Invalid,
			wantFields: []string{"type"},
		},

		// Controls.
		{
			name:  "map control",
			given: []events.Payload{created()},
			when:  MapControl{ControlID: 42},
			want:  []events.Payload{ev.RiskControlMapped{RiskID: riskID, ControlID: 42}},
		},
		{
			name:  "map an already-mapped control",
			given: []events.Payload{created(), ev.RiskControlMapped{RiskID: riskID, ControlID: 42}},
			when:  MapControl{ControlID: 42},
		},
		{
			name: "map a control again after unmapping it",
			given: []events.Payload{created(), ev.RiskControlMapped{RiskID: riskID, ControlID: 42},
				ev.RiskControlUnmapped{RiskID: riskID, ControlID: 42}},
			when: MapControl{ControlID: 42},
			want: []events.Payload{ev.RiskControlMapped{RiskID: riskID, ControlID: 42}},
		},
		{
			name:       "map control 0",
			given:      []events.Payload{created()},
			when:       MapControl{ControlID: 0},
			wantErr:    strata.Invalid,
			wantFields: []string{"control_id"},
		},
		{
			name:       "map a negative control",
			given:      []events.Payload{created()},
			when:       MapControl{ControlID: -3},
			wantErr:    strata.Invalid,
			wantFields: []string{"control_id"},
		},
		{
			name:    "map a control beyond the limit",
			given:   append([]events.Payload{created()}, manyControls(maxControls)...),
			when:    MapControl{ControlID: 100000},
			wantErr: strata.Invalid,
		},
		{
			name:  "unmap a mapped control",
			given: []events.Payload{created(), ev.RiskControlMapped{RiskID: riskID, ControlID: 42}, ev.RiskControlMapped{RiskID: riskID, ControlID: 43}},
			when:  UnmapControl{ControlID: 42},
			want:  []events.Payload{ev.RiskControlUnmapped{RiskID: riskID, ControlID: 42}},
		},
		{
			name:    "unmap a control that is not mapped",
			given:   []events.Payload{created(), ev.RiskControlMapped{RiskID: riskID, ControlID: 43}},
			when:    UnmapControl{ControlID: 42},
			wantErr: strata.NotFound,
		},
		{
			name: "unmap a control that was already unmapped",
			given: []events.Payload{created(), ev.RiskControlMapped{RiskID: riskID, ControlID: 42},
				ev.RiskControlUnmapped{RiskID: riskID, ControlID: 42}},
			when:    UnmapControl{ControlID: 42},
			wantErr: strata.NotFound,
		},

		// Anything else is a programming error, not a client's.
		{
			name:    "unknown command",
			given:   []events.Payload{created()},
			when:    struct{ Nonsense bool }{},
			wantErr: strata.Internal,
		},
	}
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
	got, err := Decide(state, len(tc.given) > 0, tc.when, frozenNow)
	if tc.wantErr != "" {
		decidetest.CheckErr(t, got, err, tc.wantErr, tc.wantFields, "")
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	comparePayloads(t, got, tc.want)
}

func fold(given []events.Payload) Risk {
	var r Risk
	for _, p := range given {
		r = Evolve(r, p, events.Event{})
	}
	return r
}

func manyResponses(n int) []events.Payload {
	out := make([]events.Payload, n)
	for i := range out {
		out[i] = responseAdded(int64(100+i), "planned")
	}
	return out
}

func manyControls(n int) []events.Payload {
	out := make([]events.Payload, n)
	for i := range out {
		out[i] = ev.RiskControlMapped{RiskID: riskID, ControlID: int64(1 + i)}
	}
	return out
}

func comparePayloads(t *testing.T, got, want []events.Payload) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events %s, want %d %s", len(got), decidetest.Show(got), len(want), decidetest.Show(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		switch w := w.(type) {
		case ev.RiskUpdated:
			g, ok := g.(ev.RiskUpdated)
			if !ok {
				t.Errorf("event %d is %T, want %T", i, got[i], w)
				continue
			}
			if g.RiskID != w.RiskID {
				t.Errorf("event %d: risk %d, want %d", i, g.RiskID, w.RiskID)
			}
			decidetest.SameJSON(t, "Set", g.Set, w.Set)
			decidetest.SameJSON(t, "Previous", g.Previous, w.Previous)
		case ev.RiskResponseUpdated:
			g, ok := g.(ev.RiskResponseUpdated)
			if !ok {
				t.Errorf("event %d is %T, want %T", i, got[i], w)
				continue
			}
			if g.RiskID != w.RiskID || g.ResponseID != w.ResponseID {
				t.Errorf("event %d: risk %d response %d, want risk %d response %d", i, g.RiskID, g.ResponseID, w.RiskID, w.ResponseID)
			}
			if !reflect.DeepEqual(g.CompletedAt, w.CompletedAt) {
				t.Errorf("event %d: CompletedAt %s, want %s", i, deref(g.CompletedAt), deref(w.CompletedAt))
			}
			decidetest.SameJSON(t, "Set", g.Set, w.Set)
			decidetest.SameJSON(t, "Previous", g.Previous, w.Previous)
		default:
			if !reflect.DeepEqual(g, w) {
				t.Errorf("event %d:\n got %#v\nwant %#v", i, g, w)
			}
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestDecideIsIdempotentOnItsOwnEvents checks Decide and Evolve agree: once the events
// a change produced are applied, the same change produces nothing.
func TestDecideIsIdempotentOnItsOwnEvents(t *testing.T) {
	t.Parallel()
	for _, tc := range []testCase{
		{name: "update", given: []events.Payload{created()},
			when: Update{Patch: patch(`{"title": "Renamed", "impact": 1, "residual_likelihood": 1, "residual_impact": 1, "review_date": "2025-09-01"}`)}},
		{name: "clear owner", given: []events.Payload{createdWith(func(f *ev.Fields) { f.OwnerID = ptr(int64(3)) })},
			when: Update{Patch: patch(`{"owner_id": null}`)}},
		{name: "update response", given: []events.Payload{created(), responseAdded(11, "planned")},
			when: UpdateResponse{ResponseID: 11, Patch: patch(`{"status": "done", "due_date": "2025-09-01"}`)}},
		{name: "map control", given: []events.Payload{created()}, when: MapControl{ControlID: 42}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			state := fold(tc.given)
			first, err := Decide(state, true, tc.when, frozenNow)
			if err != nil || len(first) == 0 {
				t.Fatalf("first decision: %s, %v; want events", decidetest.Show(first), err)
			}
			state = fold(append(tc.given, first...))
			again, err := Decide(state, true, tc.when, frozenNow)
			if err != nil || len(again) != 0 {
				t.Fatalf("second decision: %s, %v; want nothing", decidetest.Show(again), err)
			}
		})
	}
}

// TestEvolveRiskUpdatedChangesOnlySetKeys: a RiskUpdated carries only the changed keys,
// so applying it must leave every other field as it was.
func TestEvolveRiskUpdatedChangesOnlySetKeys(t *testing.T) {
	t.Parallel()
	full := func() ev.Fields {
		return ev.Fields{
			Title: "Data breach", Description: "Laptops get stolen.", Category: "Security", Status: "Assessed",
			Likelihood: 3, Impact: 4, ResidualLikelihood: ptr(2), ResidualImpact: ptr(2),
			OwnerID: ptr(int64(12)), ReviewDate: ptr("2025-06-30"),
		}
	}
	for _, tc := range []struct {
		name string
		set  string
		want func(f *ev.Fields)
	}{
		{"title and likelihood", `{"title": "Renamed", "likelihood": 5}`, func(f *ev.Fields) { f.Title, f.Likelihood = "Renamed", 5 }},
		{"owner cleared", `{"owner_id": null}`, func(f *ev.Fields) { f.OwnerID = nil }},
		{"residual scores cleared", `{"residual_likelihood": null, "residual_impact": null}`, func(f *ev.Fields) {
			f.ResidualLikelihood, f.ResidualImpact = nil, nil
		}},
		{"nothing", `{}`, func(*ev.Fields) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			state := Evolve(Risk{}, ev.RiskCreated{RiskID: riskID, Fields: full()}, events.Event{})
			state = Evolve(state, ev.RiskControlMapped{RiskID: riskID, ControlID: 42}, events.Event{})
			state = Evolve(state, responseAdded(11, "planned"), events.Event{})

			got := Evolve(state, ev.RiskUpdated{RiskID: riskID, Set: patch(tc.set), Previous: patch(`{}`)}, events.Event{})

			want := full()
			tc.want(&want)
			if !reflect.DeepEqual(got.Fields, want) {
				t.Errorf("fields after %s:\n got %+v\nwant %+v", tc.set, got.Fields, want)
			}
			if got.ID != riskID || got.Deleted || !slices.Equal(got.Controls, []int64{42}) || len(got.Responses) != 1 {
				t.Errorf("RiskUpdated changed more than fields: %+v", got)
			}
		})
	}
}

// TestEvolveOfRiskUpdatedLeavesEarlierStateAlone: Evolve returns a new state; the
// state it was given (and the event the state came from) must not change.
func TestEvolveOfRiskUpdatedLeavesEarlierStateAlone(t *testing.T) {
	t.Parallel()
	before := Evolve(Risk{}, createdWith(func(f *ev.Fields) { f.OwnerID = ptr(int64(12)) }), events.Event{})
	_ = Evolve(before, ev.RiskUpdated{RiskID: riskID, Set: patch(`{"owner_id": 9}`), Previous: patch(`{"owner_id": 12}`)}, events.Event{})
	if *before.OwnerID != 12 {
		t.Errorf("the earlier state's owner became %d", *before.OwnerID)
	}
}

// TestDecideChangesPointerFields: changing a nullable field from one value to another
// must produce an event, like changing any other field.
func TestDecideChangesPointerFields(t *testing.T) {
	t.Parallel()
	withAll := func() ev.RiskCreated {
		return createdWith(func(f *ev.Fields) {
			f.OwnerID, f.ResidualLikelihood, f.ResidualImpact, f.ReviewDate = ptr(int64(12)), ptr(2), ptr(2), ptr("2025-06-30")
		})
	}
	withDue := func() ev.RiskResponseAdded {
		r := responseAdded(11, "planned")
		r.OwnerID, r.DueDate = ptr(int64(4)), ptr("2025-06-30")
		return r
	}
	for _, tc := range []testCase{
		{
			name:  "owner changed",
			given: []events.Payload{withAll()},
			when:  Update{Patch: patch(`{"owner_id": 9}`)},
			want:  []events.Payload{ev.RiskUpdated{RiskID: riskID, Set: patch(`{"owner_id": 9}`), Previous: patch(`{"owner_id": 12}`)}},
		},
		{
			name:  "residual likelihood changed",
			given: []events.Payload{withAll()},
			when:  Update{Patch: patch(`{"residual_likelihood": 1}`)},
			want: []events.Payload{ev.RiskUpdated{RiskID: riskID,
				Set: patch(`{"residual_likelihood": 1}`), Previous: patch(`{"residual_likelihood": 2}`)}},
		},
		{
			name:  "review date changed",
			given: []events.Payload{withAll()},
			when:  Update{Patch: patch(`{"review_date": "2025-12-31"}`)},
			want: []events.Payload{ev.RiskUpdated{RiskID: riskID,
				Set: patch(`{"review_date": "2025-12-31"}`), Previous: patch(`{"review_date": "2025-06-30"}`)}},
		},
		{
			name:  "response due date changed",
			given: []events.Payload{created(), withDue()},
			when:  UpdateResponse{ResponseID: 11, Patch: patch(`{"due_date": "2025-12-31"}`)},
			want: []events.Payload{ev.RiskResponseUpdated{RiskID: riskID, ResponseID: 11,
				Set: patch(`{"due_date": "2025-12-31"}`), Previous: patch(`{"due_date": "2025-06-30"}`)}},
		},
		{
			name:  "response owner changed",
			given: []events.Payload{created(), withDue()},
			when:  UpdateResponse{ResponseID: 11, Patch: patch(`{"owner_id": 5}`)},
			want: []events.Payload{ev.RiskResponseUpdated{RiskID: riskID, ResponseID: 11,
				Set: patch(`{"owner_id": 5}`), Previous: patch(`{"owner_id": 4}`)}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run(t, tc)
		})
	}
}

// A response planned as already done is completed at the decision's time.
func TestAddResponseAlreadyDone(t *testing.T) {
	t.Parallel()
	state := Evolve(Risk{}, created(), events.Event{})
	got, err := Decide(state, true, AddResponse{ResponseID: 3, Response: ev.Response{Type: "accept", Description: "Risk accepted by the board", Status: "done"}}, frozenNow)
	if err != nil || len(got) != 1 {
		t.Fatalf("got %v, %v", got, err)
	}
	added := got[0].(ev.RiskResponseAdded)
	if added.CompletedAt == nil || *added.CompletedAt != frozenNowRFC3339 {
		t.Fatalf("completed_at %v, want %s", added.CompletedAt, frozenNowRFC3339)
	}
}
