// Package audits is audit management's module (engagements, their fieldwork
// procedures, findings and management responses): its HTTP handlers, its part of the
// API description, its demo data and the plug that wires its commands, projection and
// queries.
package audits

import (
	_ "embed"

	"github.com/strata-grc/strata/api/evidence"
	qevidence "github.com/strata-grc/strata/queries/evidence"

	"github.com/strata-grc/strata/api/module"
	cmdaudits "github.com/strata-grc/strata/commands/audits"
	"github.com/strata-grc/strata/commands/identity"
	evaudits "github.com/strata-grc/strata/events/audits"
	"github.com/strata-grc/strata/projections"
	paudits "github.com/strata-grc/strata/projections/audits"
	qaudits "github.com/strata-grc/strata/queries/audits"
)

// Audit management's permissions. Respond is the right to answer a finding as
// management: the route needs it, and the handler also needs the caller to be the
// finding's assignee unless the caller holds Write.
const (
	Read    identity.Permission = "audits:read"
	Write   identity.Permission = "audits:write"
	Respond identity.Permission = "audits:respond"
)

//go:embed openapi.yaml
var openAPI []byte

// Module is audit management. It needs the risk register and the control library
// before it in the list: a finding's links are checked against both, and a finding
// raised from a control test is checked against the test's result.
var Module = module.Module{
	Name:        "audits",
	Events:      evaudits.Register,
	StreamKinds: []string{evaudits.StreamPrefix},
	Permissions: []identity.Grant{
		{Permission: Read, Roles: identity.Everyone},
		{Permission: Write, Roles: []string{identity.ComplianceManager, identity.Auditor}},
		{Permission: Respond, Roles: []string{identity.RiskManager, identity.ComplianceManager, identity.Auditor, identity.Investigator}},
	},
	OpenAPI:   openAPI,
	Dashboard: qaudits.Dashboard,
	Trail:     qaudits.Trail,
	Build:     build,
}

func build(env *module.Env) (module.Parts, error) {
	risks, err := module.Need[cmdaudits.Risks](env)
	if err != nil {
		return module.Parts{}, err
	}
	controls, err := module.Need[cmdaudits.Controls](env)
	if err != nil {
		return module.Parts{}, err
	}
	tests, err := module.Need[cmdaudits.Tests](env)
	if err != nil {
		return module.Parts{}, err
	}
	commands, err := cmdaudits.NewHandler(env.Pool, env.Store, env.Registry, env.IDs, env.Members, risks, controls, tests, env.Now)
	if err != nil {
		return module.Parts{}, err
	}
	reader := qaudits.NewReader(env.Pool, commands.Engagements(), env.Now)
	h := &handlers{commands: commands, reader: reader,
		files: &evidence.Files{Store: env.Blobs, Reader: qevidence.NewReader(env.Pool), MaxUpload: env.MaxUpload}}
	return module.Parts{
		Projectors: []projections.Projector{paudits.New(env.Registry)},
		Mount: func(r *module.Router) {
			h.mountEngagements(r)
			h.mountFindings(r)
			h.mountFiles(r)
		},
		Seed:     seed(env.Pool, commands),
		Provides: []any{commands, reader},
	}, nil
}

// handlers serve the engagement and finding routes.
type handlers struct {
	commands *cmdaudits.Handler
	reader   *qaudits.Reader
	files    *evidence.Files
}
