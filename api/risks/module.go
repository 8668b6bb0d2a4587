// Package risks is the risk register's module: its HTTP handlers, its part of the API
// description and the plug that wires its commands, projection and queries.
package risks

import (
	_ "embed"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/commands/identity"
	cmdrisks "github.com/strata-grc/strata/commands/risks"
	evrisks "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/projections"
	prisks "github.com/strata-grc/strata/projections/risks"
	qrisks "github.com/strata-grc/strata/queries/risks"
)

// The risk register's permissions.
const (
	Read  identity.Permission = "risks:read"
	Write identity.Permission = "risks:write"
)

//go:embed openapi.yaml
var openAPI []byte

// Module is the risk register. It needs the control library before it in the list:
// every mapping is checked against it and a risk's detail describes its controls.
var Module = module.Module{
	Name:        "risks",
	Events:      evrisks.Register,
	StreamKinds: []string{evrisks.StreamPrefix},
	Permissions: []identity.Grant{
		{Permission: Read, Roles: identity.Everyone},
		{Permission: Write, Roles: []string{identity.RiskManager}},
	},
	OpenAPI:   openAPI,
	Dashboard: qrisks.Dashboard,
	Trail:     qrisks.Trail,
	Build:     build,
}

func build(env *module.Env) (module.Parts, error) {
	check, err := module.Need[cmdrisks.Controls](env)
	if err != nil {
		return module.Parts{}, err
	}
	described, err := module.Need[qrisks.Controls](env)
	if err != nil {
		return module.Parts{}, err
	}
	commands, err := cmdrisks.NewHandler(env.Store, env.Registry, env.IDs, env.Members, check, env.Now)
	if err != nil {
		return module.Parts{}, err
	}
	reader, err := qrisks.NewReader(env.Pool, commands.Streams(), described)
	if err != nil {
		return module.Parts{}, err
	}
	h := &handlers{commands: commands, reader: reader}
	return module.Parts{
		Projectors: []projections.Projector{prisks.New(env.Registry)},
		Mount:      h.mount,
		Seed:       seed(env.Pool, commands),
		Provides:   []any{commands, reader},
	}, nil
}

// handlers serve the risk routes.
type handlers struct {
	commands *cmdrisks.Handler
	reader   *qrisks.Reader
}
