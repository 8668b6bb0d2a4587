package app

import "github.com/strata-grc/strata/api/openapi"

// OpenAPI returns the API description the server publishes, as JSON: the shared core
// merged with each module's fragment, describing exactly the dashboard counts and
// charts the modules contribute.
func OpenAPI() ([]byte, error) {
	var fragments []openapi.Fragment
	dash := openapi.Dashboard{Descriptions: map[string]string{}, Restricted: map[string]string{}}
	for _, m := range Modules {
		fragments = append(fragments, openapi.Fragment{Module: m.Name, YAML: m.OpenAPI})
		for _, c := range m.Dashboard.Counts {
			dash.Counts = append(dash.Counts, c.Name)
			dash.Descriptions[c.Name] = c.Description
			if c.Permission != "" {
				dash.Restricted[c.Name] = c.Permission
			}
		}
		for _, c := range m.Dashboard.Charts {
			dash.Charts = append(dash.Charts, c.Name)
		}
	}
	return openapi.Build(openapi.Core, fragments, dash)
}
