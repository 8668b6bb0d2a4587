package api

import (
	_ "embed"

	"sigs.k8s.io/yaml"
)

//go:embed openapi.yaml
var legacyOpenAPI []byte

// LegacyOpenAPI is the single-file description.
func LegacyOpenAPI() ([]byte, error) { return yaml.YAMLToJSON(legacyOpenAPI) }
