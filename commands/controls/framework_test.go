package controls

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/decidetest"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
)

const frameworkID = 3

func frameworkCreated() ev.FrameworkCreated {
	return ev.FrameworkCreated{FrameworkID: frameworkID, Name: "ISO 27001", Version: "2022", Source: "api"}
}

func reqAdded(id int64, code, title string) ev.RequirementAdded {
	return ev.RequirementAdded{FrameworkID: frameworkID, RequirementID: id, Requirement: ev.Requirement{Code: code, Title: title}}
}

func newReq(id int64, line int, code, title string) NewRequirement {
	return NewRequirement{ID: id, Line: line, Requirement: ev.Requirement{Code: code, Title: title}}
}

type frameworkCase struct {
	name       string
	given      []events.Payload
	when       any
	want       []events.Payload
	wantErr    strata.Code
	wantFields map[string]string // nil: only check the field names in wantNames
	wantNames  []string
}

func TestDecideFramework(t *testing.T) {
	t.Parallel()
	cases := []frameworkCase{
		{
			name: "create without requirements",
			when: CreateFramework{FrameworkID: frameworkID, Name: "  ISO 27001 ", Version: " 2022 ", Description: " Information security \n"},
			want: given(ev.FrameworkCreated{FrameworkID: frameworkID, Name: "ISO 27001", Version: "2022",
				Description: "Information security", Source: "api"}),
		},
		{
			name: "create without a version",
			when: CreateFramework{FrameworkID: frameworkID, Name: "Internal policy"},
			want: given(ev.FrameworkCreated{FrameworkID: frameworkID, Name: "Internal policy", Source: "api"}),
		},
		{
			name: "import with requirements, trimmed, in file order",
			when: CreateFramework{FrameworkID: frameworkID, Name: "ISO 27001", Version: "2022", Source: "import", FileName: "iso.csv",
				Requirements: []NewRequirement{
					{ID: 101, Line: 2, Requirement: ev.Requirement{Code: " A.5.1 ", Title: " Policies ", Description: " Set them \n"}},
					newReq(102, 3, "A.5.2", "Roles"),
					newReq(103, 5, "a.5.10", "Acceptable use"),
				}},
			want: given(
				ev.FrameworkCreated{FrameworkID: frameworkID, Name: "ISO 27001", Version: "2022", Source: "import", FileName: "iso.csv"},
				ev.RequirementAdded{FrameworkID: frameworkID, RequirementID: 101, Requirement: ev.Requirement{Code: "A.5.1", Title: "Policies", Description: "Set them"}},
				reqAdded(102, "A.5.2", "Roles"),
				reqAdded(103, "a.5.10", "Acceptable use"),
			),
		},
		{
			name: "create with longest values",
			when: CreateFramework{FrameworkID: frameworkID, Name: strings.Repeat("é", 200), Version: strings.Repeat("v", 50),
				Description: strings.Repeat("d", 5000), Requirements: []NewRequirement{{ID: 101, Requirement: ev.Requirement{
					Code: strings.Repeat("c", 50), Title: strings.Repeat("t", 300), Description: strings.Repeat("d", 5000)}}}},
			want: given(
				ev.FrameworkCreated{FrameworkID: frameworkID, Name: strings.Repeat("é", 200), Version: strings.Repeat("v", 50),
					Description: strings.Repeat("d", 5000), Source: "api"},
				ev.RequirementAdded{FrameworkID: frameworkID, RequirementID: 101, Requirement: ev.Requirement{
					Code: strings.Repeat("c", 50), Title: strings.Repeat("t", 300), Description: strings.Repeat("d", 5000)}},
			),
		},
		{
			name:       "a name is required",
			when:       CreateFramework{FrameworkID: frameworkID, Version: "2022"},
			wantErr:    strata.Invalid,
			wantFields: map[string]string{"name": "is required"},
		},
		{
			name:       "a blank name",
			when:       CreateFramework{FrameworkID: frameworkID, Name: "  \t"},
			wantErr:    strata.Invalid,
			wantFields: map[string]string{"name": "is required"},
		},
		{
			name:       "a name too long",
			when:       CreateFramework{FrameworkID: frameworkID, Name: strings.Repeat("é", 201)},
			wantErr:    strata.Invalid,
			wantFields: map[string]string{"name": "must be at most 200 characters"},
		},
		{
			name:      "a version and description too long",
			when:      CreateFramework{FrameworkID: frameworkID, Name: "x", Version: strings.Repeat("v", 51), Description: strings.Repeat("d", 5001)},
			wantErr:   strata.Invalid,
			wantNames: []string{"description", "version"},
		},
		{
			name:      "a name with a NUL character",
			when:      CreateFramework{FrameworkID: frameworkID, Name: "ISO\x00"},
			wantErr:   strata.Invalid,
			wantNames: []string{"name"},
		},
		{
			name:      "too many requirements",
			when:      CreateFramework{FrameworkID: frameworkID, Name: "Big", Requirements: manyNew(MaxRequirements + 1)},
			wantErr:   strata.Invalid,
			wantNames: []string{"requirements"},
		},
		{
			name: "the most requirements allowed",
			when: CreateFramework{FrameworkID: frameworkID, Name: "Big", Requirements: manyNew(MaxRequirements)},
			want: nil, // checked by count below
		},
		{
			name: "every bad row of a file is reported by its line",
			when: CreateFramework{FrameworkID: frameworkID, Name: "ISO 27001", Source: "import", Requirements: []NewRequirement{
				newReq(101, 2, "A.5.1", "Policies"),
				newReq(102, 3, "", "Roles"),
				newReq(103, 4, "A.5\x003", strings.Repeat("t", 301)),
				newReq(104, 6, " a.5.1 ", "Policies again"),
				newReq(105, 7, "A.5.4", "Management"),
				{ID: 106, Line: 8, Requirement: ev.Requirement{Code: "A.5.5", Title: " ", Description: strings.Repeat("d", 5001)}},
			}},
			wantErr: strata.Invalid,
			wantFields: map[string]string{
				"line 3": "code is required",
				"line 4": "code must not contain NUL characters; title must be at most 300 characters",
				"line 6": "code a.5.1 is already used at line 2",
				"line 8": "title is required; description must be at most 5000 characters",
			},
		},
		{
			name: "rows without lines are reported by index",
			when: CreateFramework{FrameworkID: frameworkID, Name: "ISO 27001", Requirements: []NewRequirement{
				newReq(101, 0, "A.5.1", "Policies"),
				newReq(102, 0, "A.5.2", ""),
				newReq(103, 0, "A.5.1", "Policies again"),
			}},
			wantErr: strata.Invalid,
			wantFields: map[string]string{
				"requirements[1]": "title is required",
				"requirements[2]": "code A.5.1 is already used at requirements[0]",
			},
		},
		{
			name: "duplicate codes differ only in case",
			when: CreateFramework{FrameworkID: frameworkID, Name: "ISO 27001", Requirements: []NewRequirement{
				newReq(101, 2, "ac-1", "One"),
				newReq(102, 3, "AC-1", "Two"),
				newReq(103, 4, "Ac-1", "Three"),
			}},
			wantErr: strata.Invalid,
			wantFields: map[string]string{
				"line 3": "code AC-1 is already used at line 2",
				"line 4": "code Ac-1 is already used at line 2",
			},
		},
		{
			name: "a bad row does not claim its code",
			when: CreateFramework{FrameworkID: frameworkID, Name: "ISO 27001", Requirements: []NewRequirement{
				newReq(101, 2, "A.1", ""),
				newReq(102, 3, "A.1", "Fine"),
			}},
			wantErr:    strata.Invalid,
			wantFields: map[string]string{"line 2": "title is required"},
		},
		{
			name:    "create a framework that exists",
			given:   given(frameworkCreated()),
			when:    CreateFramework{FrameworkID: frameworkID, Name: "ISO 27001"},
			wantErr: strata.Conflict,
		},

		// AddRequirement.
		{
			name:  "add a requirement",
			given: given(frameworkCreated()),
			when:  AddRequirement{NewRequirement{ID: 101, Requirement: ev.Requirement{Code: " A.5.1 ", Title: " Policies ", Description: " x "}}},
			want: given(ev.RequirementAdded{FrameworkID: frameworkID, RequirementID: 101,
				Requirement: ev.Requirement{Code: "A.5.1", Title: "Policies", Description: "x"}}),
		},
		{
			name:  "add a second requirement",
			given: given(frameworkCreated(), reqAdded(101, "A.5.1", "Policies")),
			when:  AddRequirement{newReq(102, 0, "A.5.10", "Acceptable use")},
			want:  given(reqAdded(102, "A.5.10", "Acceptable use")),
		},
		{
			name:       "a duplicate code names the requirement that has it",
			given:      given(frameworkCreated(), reqAdded(101, "A.5.1", "Policies"), reqAdded(102, "A.5.2", "Roles")),
			when:       AddRequirement{newReq(103, 0, " a.5.2 ", "Roles again")},
			wantErr:    strata.Invalid,
			wantFields: map[string]string{"code": "is already used by requirement 102 of this framework"},
		},
		{
			name:      "a requirement needs a code and a title",
			given:     given(frameworkCreated()),
			when:      AddRequirement{newReq(101, 0, " ", "")},
			wantErr:   strata.Invalid,
			wantNames: []string{"code", "title"},
		},
		{
			name:      "a requirement's text too long",
			given:     given(frameworkCreated()),
			when:      AddRequirement{NewRequirement{ID: 101, Requirement: ev.Requirement{Code: strings.Repeat("c", 51), Title: strings.Repeat("t", 301), Description: strings.Repeat("d", 5001)}}},
			wantErr:   strata.Invalid,
			wantNames: []string{"code", "description", "title"},
		},
		{
			name:    "add to a framework that does not exist",
			when:    AddRequirement{newReq(101, 0, "A.5.1", "Policies")},
			wantErr: strata.NotFound,
		},
		{
			name:    "unknown command",
			given:   given(frameworkCreated()),
			when:    struct{}{},
			wantErr: strata.Internal,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var f Framework
			for _, p := range tc.given {
				f = EvolveFramework(f, p, events.Event{})
			}
			got, err := DecideFramework(f, len(tc.given) > 0, tc.when)
			if tc.wantErr != "" {
				names := tc.wantNames
				for k := range tc.wantFields {
					names = append(names, k)
				}
				decidetest.CheckErr(t, got, err, tc.wantErr, names, "")
				if tc.wantFields != nil {
					var se *strata.Error
					if e, ok := err.(*strata.Error); ok {
						se = e
					}
					if se == nil || !reflect.DeepEqual(se.Fields, tc.wantFields) {
						t.Errorf("fields:\n got %v\nwant %v", err, tc.wantFields)
						if se != nil {
							t.Errorf("got fields %q", se.Fields)
						}
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tc.want == nil {
				if cr, ok := tc.when.(CreateFramework); ok && len(got) != 1+len(cr.Requirements) {
					t.Errorf("got %d events, want %d", len(got), 1+len(cr.Requirements))
				}
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("events:\n got %s\nwant %s", decidetest.Show(got), decidetest.Show(tc.want))
			}
		})
	}
}

func manyNew(n int) []NewRequirement {
	out := make([]NewRequirement, n)
	for i := range out {
		out[i] = newReq(int64(1000+i), i+2, fmt.Sprintf("R-%d", i), "Requirement")
	}
	return out
}

// A framework at its limit takes no further requirement.
func TestAddRequirementLimit(t *testing.T) {
	t.Parallel()
	f := Framework{ID: frameworkID, Name: "Big", Codes: map[string]int64{}, Requirements: map[int64]ev.Requirement{}}
	for i := range MaxRequirements - 1 {
		code := fmt.Sprintf("R-%d", i)
		f.Codes[strings.ToLower(code)] = int64(1000 + i)
		f.Requirements[int64(1000+i)] = ev.Requirement{Code: code, Title: "x"}
	}
	got, err := DecideFramework(f, true, AddRequirement{newReq(9000, 0, "LAST", "Last")})
	if err != nil || len(got) != 1 {
		t.Fatalf("the last requirement under the limit: %s, %v", decidetest.Show(got), err)
	}
	f = EvolveFramework(f, got[0], events.Event{})
	if len(f.Requirements) != MaxRequirements {
		t.Fatalf("%d requirements, want %d", len(f.Requirements), MaxRequirements)
	}
	got, err = DecideFramework(f, true, AddRequirement{newReq(9001, 0, "OVER", "Over")})
	if strata.ErrorCode(err) != strata.Invalid || len(got) != 0 {
		t.Fatalf("a requirement over the limit: %s, %v; want a VALIDATION_ERROR", decidetest.Show(got), err)
	}
	// A duplicate is still reported as such at the limit.
	_, err = DecideFramework(f, true, AddRequirement{newReq(9001, 0, "r-1", "Dup")})
	var se *strata.Error
	if e, ok := err.(*strata.Error); ok {
		se = e
	}
	if se == nil || se.Fields["code"] == "" {
		t.Errorf("a duplicate at the limit: %v, want the code named", err)
	}
}

func TestEvolveFramework(t *testing.T) {
	t.Parallel()
	f := EvolveFramework(Framework{}, ev.FrameworkCreated{FrameworkID: frameworkID, Name: "ISO 27001", Version: "2022",
		Description: "Info sec", Source: "import"}, events.Event{})
	one := EvolveFramework(f, reqAdded(101, "A.5.1", "Policies"), events.Event{})
	two := EvolveFramework(one, reqAdded(102, "a.5.2", "Roles"), events.Event{})

	want := Framework{ID: frameworkID, Name: "ISO 27001", Version: "2022", Description: "Info sec", Source: "import",
		Codes:        map[string]int64{"a.5.1": 101, "a.5.2": 102},
		Requirements: map[int64]ev.Requirement{101: {Code: "A.5.1", Title: "Policies"}, 102: {Code: "a.5.2", Title: "Roles"}}}
	if !reflect.DeepEqual(two, want) {
		t.Errorf("state:\n got %+v\nwant %+v", two, want)
	}
	// Copy on write: the earlier states keep what they had.
	if len(one.Codes) != 1 || len(one.Requirements) != 1 || len(f.Codes) != 0 || len(f.Requirements) != 0 {
		t.Errorf("adding a requirement changed earlier states: %+v, %+v", f, one)
	}
	// And what was decided over a state stays true of it.
	if _, err := DecideFramework(one, true, AddRequirement{newReq(103, 0, "A.5.2", "x")}); err != nil {
		t.Errorf("A.5.2 on the state before it was added: %v", err)
	}
}
