// Package openapi assembles the API description the server publishes: a shared core
// (core.yaml) and one fragment per module, kept next to that module's handlers so that
// a module's routes and their description change together.
package openapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Core is the shared part of the document: info, servers, security, the core routes
// and the components every module may refer to.
//
//go:embed core.yaml
var Core []byte

// Fragment is one module's part of the document: a small OpenAPI-shaped YAML file with
// optional top-level tags, paths and components. It may $ref the core's components
// ("#/components/schemas/Error") as well as its own.
type Fragment struct {
	Module string
	YAML   []byte
}

// Dashboard names the headline counts and chart types the modules contribute, so that
// the document describes exactly those and no others.
type Dashboard struct {
	Counts []string
	Charts []string
	// Descriptions say what each count counts, by name, as the modules word it.
	Descriptions map[string]string
	// Restricted names the counts given only to callers holding a permission, with
	// it: they are described but not required.
	Restricted map[string]string
}

// The core's dashboard schema and chart parameter, which Build fills in.
const (
	countsSchema = "DashboardCounts"
	chartsPath   = "/api/dashboard/charts"
	chartParam   = "chart_type"
)

// fragmentKeys are the top-level keys a fragment may hold. Anything else (servers,
// security, info) belongs to the core alone, and a misspelt key is better refused than
// silently dropped.
var fragmentKeys = []string{"tags", "paths", "components"}

// componentKinds are the component sections a fragment may add to. Security schemes
// stay in the core: how callers authenticate is not a module's choice.
var componentKinds = []string{"schemas", "parameters", "responses", "headers", "requestBodies", "examples"}

// Build merges core and fragments, in order, into one document and returns it as JSON.
// Every path, component and tag has one owner: a name defined twice, even identically,
// is an error naming both owners, so two modules can never quietly overwrite each
// other. Every local $ref must resolve in the merged document.
func Build(core []byte, fragments []Fragment, dash Dashboard) ([]byte, error) {
	doc, err := parse(core)
	if err != nil {
		return nil, fmt.Errorf("openapi: core: %w", err)
	}
	paths, err := section(doc, "paths")
	if err != nil {
		return nil, fmt.Errorf("openapi: core: %w", err)
	}
	components, err := section(doc, "components")
	if err != nil {
		return nil, fmt.Errorf("openapi: core: %w", err)
	}
	tags, _ := doc["tags"].([]any)

	const coreOwner = "core"
	pathOwner := map[string]string{}
	for p := range paths {
		pathOwner[p] = coreOwner
	}
	compOwner := map[string]string{}
	for kind, v := range components {
		m, _ := v.(map[string]any)
		for name := range m {
			compOwner[kind+"/"+name] = coreOwner
		}
	}
	tagOwner := map[string]string{}
	for _, t := range tags {
		tm, _ := t.(map[string]any)
		name, _ := tm["name"].(string)
		tagOwner[name] = coreOwner
	}
	// refSources remembers whose text each $ref came from, so that a dangling one is
	// reported against the module that wrote it. The core is checked last because its
	// tree is the merged document, which by then holds the fragments too.
	var refSources []refSource

	for _, f := range fragments {
		if f.Module == "" || f.Module == coreOwner {
			return nil, fmt.Errorf("openapi: a fragment needs a module name, neither empty nor %q", coreOwner)
		}
		frag, err := parse(f.YAML)
		if err != nil {
			return nil, fmt.Errorf("openapi: module %s: %w", f.Module, err)
		}
		for k := range frag {
			if !slices.Contains(fragmentKeys, k) {
				return nil, fmt.Errorf("openapi: module %s: top-level key %q: a fragment holds only %s",
					f.Module, k, strings.Join(fragmentKeys, ", "))
			}
		}
		refSources = append(refSources, refSource{"module " + f.Module, frag})

		if v, ok := frag["tags"]; ok {
			list, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("openapi: module %s: tags is not a list", f.Module)
			}
			for _, t := range list {
				tm, _ := t.(map[string]any)
				name, _ := tm["name"].(string)
				if name == "" {
					return nil, fmt.Errorf("openapi: module %s: a tag has no name", f.Module)
				}
				if owner, dup := tagOwner[name]; dup {
					return nil, duplicate(f.Module, owner, "tag", name)
				}
				tagOwner[name] = f.Module
				tags = append(tags, t)
			}
		}

		fragPaths, err := section(frag, "paths")
		if err != nil {
			return nil, fmt.Errorf("openapi: module %s: %w", f.Module, err)
		}
		for _, p := range sortedKeys(fragPaths) {
			if !strings.HasPrefix(p, "/") {
				return nil, fmt.Errorf("openapi: module %s: path %q does not start with /", f.Module, p)
			}
			if owner, dup := pathOwner[p]; dup {
				return nil, duplicate(f.Module, owner, "path", p)
			}
			pathOwner[p] = f.Module
			paths[p] = fragPaths[p]
		}

		fragComps, err := section(frag, "components")
		if err != nil {
			return nil, fmt.Errorf("openapi: module %s: %w", f.Module, err)
		}
		for _, kind := range sortedKeys(fragComps) {
			if !slices.Contains(componentKinds, kind) {
				return nil, fmt.Errorf("openapi: module %s: components.%s: a fragment may add only %s",
					f.Module, kind, strings.Join(componentKinds, ", "))
			}
			items, ok := fragComps[kind].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("openapi: module %s: components.%s is not a mapping", f.Module, kind)
			}
			into, _ := components[kind].(map[string]any)
			if into == nil {
				into = map[string]any{}
				components[kind] = into
			}
			for _, name := range sortedKeys(items) {
				if owner, dup := compOwner[kind+"/"+name]; dup {
					return nil, duplicate(f.Module, owner, "components."+kind, name)
				}
				compOwner[kind+"/"+name] = f.Module
				into[name] = items[name]
			}
		}
	}
	if len(tags) > 0 {
		doc["tags"] = tags
	}

	if err := setDashboard(doc, dash); err != nil {
		return nil, err
	}
	refSources = append(refSources, refSource{"the core", doc})
	for _, src := range refSources {
		if err := checkRefs(doc, src.tree, src.owner); err != nil {
			return nil, err
		}
	}
	return json.Marshal(doc)
}

type refSource struct {
	owner string
	tree  map[string]any
}

func duplicate(module, owner, what, name string) error {
	if owner == module {
		return fmt.Errorf("openapi: module %s defines %s %q twice", module, what, name)
	}
	first := "module " + owner
	if owner == "core" {
		first = "the core"
	}
	return fmt.Errorf("openapi: %s %q is defined by both %s and module %s; each name has one owner", what, name, first, module)
}

// parse reads YAML into generic JSON values. Numbers stay json.Number so that what
// the YAML says is written back unchanged.
func parse(src []byte) (map[string]any, error) {
	j, err := yaml.YAMLToJSON(src)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if doc == nil {
		doc = map[string]any{}
	}
	return doc, nil
}

// section returns doc[key] as a mapping, adding an empty one when it is absent.
func section(doc map[string]any, key string) (map[string]any, error) {
	v, ok := doc[key]
	if !ok || v == nil {
		m := map[string]any{}
		doc[key] = m
		return m, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s is not a mapping", key)
	}
	return m, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// setDashboard makes the counts schema list exactly dash.Counts, all required, and the
// chart parameter accept exactly dash.Charts. A count the core already describes keeps
// its description; the others are plain integers.
func setDashboard(doc map[string]any, dash Dashboard) error {
	for _, list := range [][]string{dash.Counts, dash.Charts} {
		seen := map[string]bool{}
		for _, name := range list {
			if name == "" || seen[name] {
				return fmt.Errorf("openapi: dashboard name %q is empty or given twice", name)
			}
			seen[name] = true
		}
	}

	schemas, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)
	counts, ok := schemas[countsSchema].(map[string]any)
	if !ok {
		return fmt.Errorf("openapi: core: components.schemas.%s is missing", countsSchema)
	}
	props := map[string]any{}
	var required []string
	for _, name := range dash.Counts {
		p := map[string]any{"type": "integer", "format": "int64"}
		d := dash.Descriptions[name]
		if perm := dash.Restricted[name]; perm != "" {
			d = strings.TrimSpace(d + " Given only to callers holding " + perm + ".")
		} else {
			required = append(required, name)
		}
		if d != "" {
			p["description"] = d
		}
		props[name] = p
	}
	counts["properties"] = props
	if len(required) > 0 {
		counts["required"] = required
	} else {
		delete(counts, "required")
	}

	paths, _ := doc["paths"].(map[string]any)
	item, _ := paths[chartsPath].(map[string]any)
	get, _ := item["get"].(map[string]any)
	params, _ := get["parameters"].([]any)
	for _, p := range params {
		pm, _ := p.(map[string]any)
		if pm["name"] != chartParam || pm["in"] != "query" {
			continue
		}
		schema, ok := pm["schema"].(map[string]any)
		if !ok {
			return fmt.Errorf("openapi: core: parameter %s of GET %s has no schema", chartParam, chartsPath)
		}
		enum := make([]any, len(dash.Charts))
		for i, c := range dash.Charts {
			enum[i] = c
		}
		schema["enum"] = enum
		return nil
	}
	return fmt.Errorf("openapi: core: GET %s has no query parameter %s", chartsPath, chartParam)
}

// checkRefs resolves every $ref found in tree against doc. Only local references are
// allowed: the document is served as one file.
func checkRefs(doc any, tree any, owner string) error {
	var walk func(v any, at string) error
	walk = func(v any, at string) error {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, err := resolve(doc, ref); err != nil {
					return fmt.Errorf("openapi: %s, at %s: %w", owner, at, err)
				}
			}
			for _, k := range sortedKeys(v) {
				tok := strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
				if err := walk(v[k], at+"/"+tok); err != nil {
					return err
				}
			}
		case []any:
			for i, e := range v {
				if err := walk(e, fmt.Sprintf("%s/%d", at, i)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(tree, "#")
}

// resolve follows a local reference ("#/components/schemas/Error") in doc.
func resolve(doc any, ref string) (any, error) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("$ref %q is not local to the document", ref)
	}
	cur := doc
	if ptr == "" {
		return cur, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("$ref %q is not a JSON pointer", ref)
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return nil, fmt.Errorf("$ref %q does not resolve: no %q", ref, tok)
			}
			cur = next
		default:
			return nil, fmt.Errorf("$ref %q does not resolve: %q is not inside an object", ref, tok)
		}
	}
	return cur, nil
}
