// Package vendors is third-party risk's module (vendors, their periodic reviews and
// the history of their risk tier): its HTTP handlers, its part of the API description,
// its demo data and the plug that wires its commands, projection and queries.
package vendors

import (
	_ "embed"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/commands/identity"
	cmdvendors "github.com/strata-grc/strata/commands/vendors"
	evvendors "github.com/strata-grc/strata/events/vendors"
	"github.com/strata-grc/strata/projections"
	pvendors "github.com/strata-grc/strata/projections/vendors"
	qvendors "github.com/strata-grc/strata/queries/vendors"
)

// Third-party risk's permissions.
const (
	Read  identity.Permission = "vendors:read"
	Write identity.Permission = "vendors:write"
)

//go:embed openapi.yaml
var openAPI []byte

// Module is third-party risk. It needs the risk register before it in the list: every
// risk a vendor links is checked against it, and a vendor's detail describes them.
var Module = module.Module{
	Name:        "vendors",
	Events:      evvendors.Register,
	StreamKinds: []string{evvendors.StreamPrefix},
	Permissions: []identity.Grant{
		{Permission: Read, Roles: identity.Everyone},
		{Permission: Write, Roles: []string{identity.RiskManager, identity.ComplianceManager}},
	},
	OpenAPI:   openAPI,
	Dashboard: qvendors.Dashboard,
	Trail:     qvendors.Trail,
	Build:     build,
}

func build(env *module.Env) (module.Parts, error) {
	risks, err := module.Need[cmdvendors.Risks](env)
	if err != nil {
		return module.Parts{}, err
	}
	commands, err := cmdvendors.NewHandler(env.Pool, env.Store, env.Registry, env.IDs, risks, env.Now)
	if err != nil {
		return module.Parts{}, err
	}
	described, err := module.Need[qvendors.Risks](env)
	if err != nil {
		return module.Parts{}, err
	}
	reader, err := qvendors.NewReader(env.Pool, commands.Streams(), described, env.Now)
	if err != nil {
		return module.Parts{}, err
	}
	h := &handlers{commands: commands, reader: reader}
	return module.Parts{
		Projectors: []projections.Projector{pvendors.New(env.Registry)},
		Mount:      h.mount,
		Seed:       seed(env.Pool, commands),
		Provides:   []any{commands, reader},
	}, nil
}

// handlers serve the vendor routes.
type handlers struct {
	commands *cmdvendors.Handler
	reader   *qvendors.Reader
}
