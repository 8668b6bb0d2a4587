package openapi_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/strata-grc/strata/api/openapi"
)

// The modules' fragments, read from where they live next to their handlers.
func realFragments(t *testing.T) []openapi.Fragment {
	t.Helper()
	var out []openapi.Fragment
	for _, m := range []string{"risks", "controls"} {
		b, err := os.ReadFile("../" + m + "/openapi.yaml")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, openapi.Fragment{Module: m, YAML: b})
	}
	return out
}

var realDashboard = openapi.Dashboard{
	Counts: []string{"risks_open", "risks_high", "controls_active", "controls_ineffective"},
	Charts: []string{"risk_heatmap", "risks_by_status", "risks_by_rating", "risks_by_category",
		"controls_by_effectiveness", "controls_by_status"},
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	return doc
}

func build(t *testing.T) map[string]any {
	t.Helper()
	b, err := openapi.Build(openapi.Core, realFragments(t), realDashboard)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, b)
}

// operations lists "METHOD path" for every operation, and the component names as
// "kind/name".
func inventory(doc map[string]any) (ops, comps []string) {
	for p, item := range doc["paths"].(map[string]any) {
		for m := range item.(map[string]any) {
			if m != "parameters" && m != "summary" && m != "description" {
				ops = append(ops, strings.ToUpper(m)+" "+p)
			}
		}
	}
	for kind, items := range doc["components"].(map[string]any) {
		for name := range items.(map[string]any) {
			comps = append(comps, kind+"/"+name)
		}
	}
	sort.Strings(ops)
	sort.Strings(comps)
	return ops, comps
}

// The merged document describes everything the single file described before it was
// split: no operation and no component got lost on the way.
func TestBuildKeepsEveryOperationAndComponent(t *testing.T) {
	src, err := os.ReadFile("../openapi.yaml")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("api/openapi.yaml is gone; there is nothing left to compare with")
	}
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(src)
	if err != nil {
		t.Fatal(err)
	}
	wantOps, wantComps := inventory(decode(t, j))
	gotOps, gotComps := inventory(build(t))
	for _, op := range wantOps {
		if !slices.Contains(gotOps, op) {
			t.Errorf("operation %s is missing", op)
		}
	}
	for _, c := range wantComps {
		if !slices.Contains(gotComps, c) {
			t.Errorf("component %s is missing", c)
		}
	}
	if len(gotOps) != len(wantOps) {
		t.Errorf("%d operations, want %d", len(gotOps), len(wantOps))
	}
}

// refsResolve reports every $ref in doc that does not lead anywhere.
func refsResolve(doc map[string]any) []string {
	var bad []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				var cur any = doc
				if !strings.HasPrefix(ref, "#/") {
					bad = append(bad, ref)
				}
				for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
					m, _ := cur.(map[string]any)
					if cur = m[tok]; cur == nil {
						bad = append(bad, ref)
						break
					}
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	return bad
}

func TestBuildRefsResolve(t *testing.T) {
	doc := build(t)
	if bad := refsResolve(doc); len(bad) > 0 {
		t.Errorf("unresolved $refs: %v", bad)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	servers, _ := doc["servers"].([]any)
	if len(servers) == 0 {
		t.Error("the document names no server")
	}
	var tags []string
	for _, tag := range doc["tags"].([]any) {
		tags = append(tags, tag.(map[string]any)["name"].(string))
	}
	if want := []string{"auth", "members", "dashboard", "Audit trail", "operations", "risks", "controls", "frameworks"}; !reflect.DeepEqual(tags, want) {
		t.Errorf("tags %v, want the core's then each module's in order %v", tags, want)
	}
}

func TestBuildSetsDashboard(t *testing.T) {
	dash := openapi.Dashboard{Counts: []string{"risks_open", "widgets_lost"}, Charts: []string{"risk_heatmap", "widgets_by_colour"},
		Descriptions: map[string]string{"risks_open": "Risks not Accepted or Closed."}}
	b, err := openapi.Build(openapi.Core, realFragments(t), dash)
	if err != nil {
		t.Fatal(err)
	}
	doc := decode(t, b)
	counts := doc["components"].(map[string]any)["schemas"].(map[string]any)["DashboardCounts"].(map[string]any)
	props := counts["properties"].(map[string]any)
	if len(props) != 2 || props["risks_open"] == nil || props["widgets_lost"] == nil {
		t.Errorf("counts properties %v, want risks_open and widgets_lost only", props)
	}
	if !reflect.DeepEqual(counts["required"], []any{"risks_open", "widgets_lost"}) {
		t.Errorf("counts required %v", counts["required"])
	}
	for name, p := range props {
		if p.(map[string]any)["type"] != "integer" {
			t.Errorf("count %s is %v, want an integer", name, p)
		}
	}
	if d, _ := props["risks_open"].(map[string]any)["description"].(string); d == "" {
		t.Error("risks_open lost its module's description")
	}

	var enum any
	get := doc["paths"].(map[string]any)["/api/dashboard/charts"].(map[string]any)["get"].(map[string]any)
	for _, p := range get["parameters"].([]any) {
		if pm, _ := p.(map[string]any); pm["name"] == "chart_type" {
			enum = pm["schema"].(map[string]any)["enum"]
		}
	}
	if !reflect.DeepEqual(enum, []any{"risk_heatmap", "widgets_by_colour"}) {
		t.Errorf("chart_type enum %v", enum)
	}

	if _, err := openapi.Build(openapi.Core, nil, openapi.Dashboard{Counts: []string{"a", "a"}}); err == nil {
		t.Error("a count named twice was accepted")
	}
}

// The core alone is a whole document: what a server without modules would publish.
func TestBuildCoreAlone(t *testing.T) {
	b, err := openapi.Build(openapi.Core, nil, openapi.Dashboard{})
	if err != nil {
		t.Fatal(err)
	}
	if bad := refsResolve(decode(t, b)); len(bad) > 0 {
		t.Errorf("the core refers to what only a module defines: %v", bad)
	}
}

func TestBuildRefuses(t *testing.T) {
	risks := realFragments(t)[0]
	for _, tc := range []struct {
		name      string
		fragments []openapi.Fragment
		want      []string // all in the error
	}{
		{"the same module twice", []openapi.Fragment{risks, {Module: "again", YAML: risks.YAML}},
			[]string{"risks", "again"}},
		{"a path the core owns", []openapi.Fragment{{Module: "extra", YAML: []byte("paths:\n  /healthz:\n    get: {}\n")}},
			[]string{"core", "extra", `"/healthz"`}},
		{"an identical copy of a core schema", []openapi.Fragment{{Module: "extra", YAML: []byte(
			"components:\n  schemas:\n    ID: { type: integer, format: int64, minimum: 1, description: A positive integer id. }\n")}},
			[]string{"core", "extra", `"ID"`, "schemas"}},
		{"a component of another module", []openapi.Fragment{risks, {Module: "extra", YAML: []byte("components:\n  parameters:\n    RiskID: {}\n")}},
			[]string{"risks", "extra", `"RiskID"`}},
		{"a tag of another module", []openapi.Fragment{risks, {Module: "extra", YAML: []byte("tags:\n  - name: risks\n")}},
			[]string{"risks", "extra", `"risks"`}},
		{"a dangling reference", []openapi.Fragment{{Module: "extra", YAML: []byte(
			"paths:\n  /api/extra:\n    get:\n      responses:\n        \"200\": { $ref: \"#/components/responses/Nope\" }\n")}},
			[]string{"extra", "Nope"}},
		{"an external reference", []openapi.Fragment{{Module: "extra", YAML: []byte(
			"components:\n  schemas:\n    X: { $ref: \"other.yaml#/X\" }\n")}},
			[]string{"extra", "other.yaml"}},
		{"a key only the core may set", []openapi.Fragment{{Module: "extra", YAML: []byte("servers: []\n")}},
			[]string{"extra", "servers"}},
		{"a security scheme", []openapi.Fragment{{Module: "extra", YAML: []byte("components:\n  securitySchemes:\n    x: {}\n")}},
			[]string{"extra", "securitySchemes"}},
		{"YAML that does not parse", []openapi.Fragment{{Module: "extra", YAML: []byte("paths: [\n")}},
			[]string{"extra"}},
		{"a fragment without a module", []openapi.Fragment{{YAML: []byte("{}")}}, []string{"module name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openapi.Build(openapi.Core, tc.fragments, realDashboard)
			if err == nil {
				t.Fatal("accepted")
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
		})
	}
}
