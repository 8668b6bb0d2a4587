package app

import "github.com/strata-grc/strata/api/openapi"

// OpenAPI returns the API description the server publishes, as JSON: the shared core
// merged with each module's fragment, and the dashboard's counts and charts as the
// modules contribute them. No module contributes a fragment here yet, so this is the
// core alone.
func OpenAPI() ([]byte, error) {
	return openapi.Build(openapi.Core, nil, openapi.Dashboard{})
}
