package api_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/cmd/strata/app"
)

// openAPIDoc fetches and decodes the document the server publishes.
func openAPIDoc(t *testing.T, e *env, path string) map[string]any {
	t.Helper()
	r := e.do("GET", path, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Raw)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q, want application/json", path, ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(r.Raw, &doc); err != nil {
		t.Fatalf("GET %s is not JSON: %v", path, err)
	}
	return doc
}

func TestOpenAPIServedDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := openAPIDoc(t, e, "/api/openapi.json")
	version, _ := doc["openapi"].(string)
	if !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(version) {
		t.Errorf("openapi = %q, want 3.1.x", version)
	}
	if v1 := openAPIDoc(t, e, "/api/v1/openapi.json"); !reflect.DeepEqual(doc, v1) {
		t.Error("/api/v1/openapi.json differs from /api/openapi.json")
	}

	// The served JSON is the document merged from the core and the modules' parts.
	want, err := app.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var merged map[string]any
	if err := json.Unmarshal(want, &merged); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(doc, merged) {
		t.Error("the served document differs from the merged one")
	}
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// documented lists "METHOD /path" for every operation in the document.
func documented(t *testing.T, doc map[string]any) []string {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("document has no paths")
	}
	var out []string
	for p, item := range paths {
		ops, ok := item.(map[string]any)
		if !ok {
			t.Errorf("path %s is not an object", p)
			continue
		}
		for key := range ops {
			if slices.Contains(httpMethods, key) {
				out = append(out, strings.ToUpper(key)+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// servedRoutes lists "METHOD /path" for every route the router serves, in OpenAPI
// form, with /api/v1 folded onto /api. It also reports any route served under only one
// of the two prefixes, since the document promises /api/v1 mirrors /api.
func servedRoutes(t *testing.T, srv *api.Server) []string {
	t.Helper()
	set := map[string]bool{}
	v1, plain := map[string]bool{}, map[string]bool{}
	for _, r := range srv.Routes() {
		p := ginParam.ReplaceAllString(r.Path, "{$1}")
		key := r.Method + " " + p
		switch {
		case strings.HasPrefix(p, "/api/v1/"):
			key = r.Method + " /api/" + strings.TrimPrefix(p, "/api/v1/")
			v1[key] = true
		case strings.HasPrefix(p, "/api/"):
			plain[key] = true
		}
		set[key] = true
	}
	for k := range plain {
		if !v1[k] {
			t.Errorf("%s is served under /api but not under /api/v1", k)
		}
	}
	for k := range v1 {
		if !plain[k] {
			t.Errorf("%s is served under /api/v1 but not under /api", k)
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := openAPIDoc(t, e, "/api/openapi.json")
	served := servedRoutes(t, e.Server)
	docd := documented(t, doc)
	if len(served) == 0 {
		t.Fatal("the server reports no routes")
	}
	for _, r := range served {
		if !slices.Contains(docd, r) {
			t.Errorf("served but not in openapi.yaml: %s", r)
		}
	}
	for _, r := range docd {
		if !slices.Contains(served, r) {
			t.Errorf("in openapi.yaml but not served: %s", r)
		}
	}
}

func TestOpenAPIOperations(t *testing.T) {
	t.Parallel()
	doc := embeddedOpenAPI(t)
	paths := doc["paths"].(map[string]any)
	ids := map[string]string{}
	templ := regexp.MustCompile(`\{([^}]+)\}`)
	for p, rawItem := range paths {
		item := rawItem.(map[string]any)
		for _, m := range httpMethods {
			rawOp, ok := item[m]
			if !ok {
				continue
			}
			op := rawOp.(map[string]any)
			name := strings.ToUpper(m) + " " + p
			id, _ := op["operationId"].(string)
			switch {
			case id == "":
				t.Errorf("%s has no operationId", name)
			case ids[id] != "":
				t.Errorf("operationId %s is used by %s and %s", id, ids[id], name)
			default:
				ids[id] = name
			}
			if s, _ := op["summary"].(string); s == "" {
				t.Errorf("%s has no summary", name)
			}
			if rs, _ := op["responses"].(map[string]any); len(rs) == 0 {
				t.Errorf("%s has no responses", name)
			}
			// Every {param} in the path is declared as a path parameter.
			declared := map[string]bool{}
			params, _ := item["parameters"].([]any)
			more, _ := op["parameters"].([]any)
			for _, rawParam := range append(slices.Clone(params), more...) {
				param := resolve(t, doc, rawParam)
				if param["in"] == "path" {
					name, _ := param["name"].(string)
					declared[name] = true
					if param["required"] != true {
						t.Errorf("%s: path parameter %s is not required", p, name)
					}
				}
			}
			for _, mt := range templ.FindAllStringSubmatch(p, -1) {
				if !declared[mt[1]] {
					t.Errorf("%s: path parameter {%s} is not declared", name, mt[1])
				}
			}
		}
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	t.Parallel()
	doc := embeddedOpenAPI(t)
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if s, ok := val.(string); ok && k == "$ref" {
					refs = append(refs, s)
				}
				walk(val)
			}
		case []any:
			for _, val := range x {
				walk(val)
			}
		}
	}
	walk(doc)
	if len(refs) == 0 {
		t.Fatal("the document has no $ref at all")
	}
	for _, ref := range refs {
		if !strings.HasPrefix(ref, "#/components/") {
			t.Errorf("$ref %q does not point into components", ref)
			continue
		}
		if _, ok := pointer(doc, ref); !ok {
			t.Errorf("$ref %q does not resolve", ref)
		}
	}
}

// embeddedOpenAPI is the document the server publishes, decoded.
func embeddedOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	raw, err := app.OpenAPI()
	if err != nil {
		t.Fatalf("the API description does not merge: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// pointer follows a local JSON pointer reference such as "#/components/schemas/Risk".
func pointer(doc map[string]any, ref string) (any, bool) {
	var cur any = doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// resolve returns the object v refers to when it is a {"$ref": ...}, else v itself.
func resolve(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	m, _ := v.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		target, found := pointer(doc, ref)
		if !found {
			t.Errorf("$ref %q does not resolve", ref)
			return map[string]any{}
		}
		m, _ = target.(map[string]any)
	}
	if m == nil {
		return map[string]any{}
	}
	return m
}
