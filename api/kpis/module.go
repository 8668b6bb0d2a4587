// Package kpis is the module of objectives and the key performance indicators
// measured against them: its HTTP handlers, its part of the API description, its demo
// data and the plug that wires its commands, projection and queries.
package kpis

import (
	_ "embed"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/commands/identity"
	cmdkpis "github.com/strata-grc/strata/commands/kpis"
	evkpis "github.com/strata-grc/strata/events/kpis"
	"github.com/strata-grc/strata/projections"
	pkpis "github.com/strata-grc/strata/projections/kpis"
	qkpis "github.com/strata-grc/strata/queries/kpis"
)

// The module's permissions: every member reads objectives and KPIs; the risk and
// compliance managers set them and record their values.
const (
	Read  identity.Permission = qkpis.ReadPermission
	Write identity.Permission = "kpis:write"
)

//go:embed openapi.yaml
var openAPI []byte

// Module is objectives and KPIs. It needs nothing from the modules before it.
var Module = module.Module{
	Name:        "kpis",
	Events:      evkpis.Register,
	StreamKinds: []string{evkpis.ObjectivePrefix, evkpis.KpiPrefix},
	Permissions: []identity.Grant{
		{Permission: Read, Roles: identity.Everyone},
		{Permission: Write, Roles: []string{identity.RiskManager, identity.ComplianceManager}},
	},
	OpenAPI:   openAPI,
	Dashboard: qkpis.Dashboard,
	Trail:     qkpis.Trail,
	Build:     build,
}

func build(env *module.Env) (module.Parts, error) {
	commands, err := cmdkpis.NewHandler(env.Store, env.Registry, env.IDs, env.Members, env.Now)
	if err != nil {
		return module.Parts{}, err
	}
	reader := qkpis.NewReader(env.Pool, commands.Objectives(), commands.Kpis(), env.Now)
	h := &handlers{commands: commands, reader: reader}
	return module.Parts{
		Projectors: []projections.Projector{pkpis.New(env.Registry)},
		Mount:      h.mount,
		Seed:       seed(env.Pool, commands),
		Provides:   []any{commands, reader},
	}, nil
}

// handlers serve the objective and KPI routes.
type handlers struct {
	commands *cmdkpis.Handler
	reader   *qkpis.Reader
}
