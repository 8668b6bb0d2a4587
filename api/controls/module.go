// Package controls is the control library's module (frameworks, their requirements
// and controls): its HTTP handlers, its part of the API description and the plug that
// wires its commands, projection and queries.
package controls

import (
	_ "embed"

	"github.com/strata-grc/strata/api/module"
	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/commands/identity"
	evcontrols "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/projections"
	pcontrols "github.com/strata-grc/strata/projections/controls"
	qcontrols "github.com/strata-grc/strata/queries/controls"
)

// The control library's permissions. Testing is its own permission: auditors test
// controls they do not own, independence being the point of a test.
const (
	Read  identity.Permission = "controls:read"
	Write identity.Permission = "controls:write"
	Test  identity.Permission = "controls:test"
)

//go:embed openapi.yaml
var openAPI []byte

// Module is the control library.
var Module = module.Module{
	Name:        "controls",
	Events:      evcontrols.Register,
	StreamKinds: []string{evcontrols.FrameworkPrefix, evcontrols.ControlPrefix},
	Permissions: []identity.Grant{
		{Permission: Read, Roles: identity.Everyone},
		{Permission: Write, Roles: []string{identity.ComplianceManager}},
		{Permission: Test, Roles: []string{identity.ComplianceManager, identity.Auditor}},
	},
	OpenAPI:   openAPI,
	Dashboard: qcontrols.Dashboard,
	Trail:     qcontrols.Trail,
	Build:     build,
}

func build(env *module.Env) (module.Parts, error) {
	commands, err := cmdcontrols.NewHandler(env.Pool, env.Store, env.Registry, env.IDs, env.Members, env.Now)
	if err != nil {
		return module.Parts{}, err
	}
	reader := qcontrols.NewReader(env.Pool, commands.Controls(), commands.Frameworks())
	h := &handlers{commands: commands, reader: reader}
	return module.Parts{
		Projectors: []projections.Projector{pcontrols.New(env.Registry)},
		Mount: func(r *module.Router) {
			h.mountControls(r)
			h.mountFrameworks(r)
		},
		Seed: seed(env.Pool, commands, reader),
		// The handler checks the controls a risk maps; the reader describes them.
		Provides: []any{commands, reader},
	}, nil
}

// handlers serve the control and framework routes.
type handlers struct {
	commands *cmdcontrols.Handler
	reader   *qcontrols.Reader
}
