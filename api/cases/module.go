// Package cases is the investigations module (cases with their evidence and its chain
// of custody): its HTTP handlers, its part of the API description, its demo data and
// the plug that wires its commands, projection and queries.
package cases

import (
	"context"
	_ "embed"
	"errors"

	"github.com/strata-grc/strata/api/evidence"
	"github.com/strata-grc/strata/api/module"
	cmdcases "github.com/strata-grc/strata/commands/cases"
	"github.com/strata-grc/strata/commands/identity"
	evcases "github.com/strata-grc/strata/events/cases"
	"github.com/strata-grc/strata/projections"
	pcases "github.com/strata-grc/strata/projections/cases"
	qcases "github.com/strata-grc/strata/queries/cases"
	qevidence "github.com/strata-grc/strata/queries/evidence"
)

// Investigations' permissions. Cases are on a need-to-know basis: only the roles
// that investigate read them at all, and a confidential case narrows that further
// to admins, its assignee and its creator.
const (
	Read  identity.Permission = "cases:read"
	Write identity.Permission = "cases:write"
)

//go:embed openapi.yaml
var openAPI []byte

// Module is investigations.
var Module = module.Module{
	Name:        "cases",
	Events:      evcases.Register,
	StreamKinds: []string{evcases.StreamPrefix},
	Permissions: []identity.Grant{
		{Permission: Read, Roles: []string{identity.Investigator}},
		{Permission: Write, Roles: []string{identity.Investigator}},
	},
	OpenAPI:   openAPI,
	Dashboard: qcases.Dashboard,
	Trail:     qcases.Trail,
	Build:     build,
}

func build(env *module.Env) (module.Parts, error) {
	if env.Blobs == nil || env.Holds == nil {
		return module.Parts{}, errors.New("cases need a blob store and a permission check")
	}
	commands, err := cmdcases.NewHandler(env.Store, env.Registry, env.IDs, investigators{env.Holds}, env.Now)
	if err != nil {
		return module.Parts{}, err
	}
	reader := qcases.NewReader(env.Pool, commands.Streams())
	h := &handlers{commands: commands, reader: reader,
		files: &evidence.Files{Store: env.Blobs, Reader: qevidence.NewReader(env.Pool), MaxUpload: env.MaxUpload}}
	return module.Parts{
		Projectors: []projections.Projector{pcases.New(env.Registry)},
		Mount:      h.mount,
		Seed:       seed(env.Pool, commands, env.Blobs),
		Provides:   []any{commands, reader},
	}, nil
}

// investigators vouches for an assignee: a member who may read cases.
type investigators struct {
	holds func(ctx context.Context, orgID, userID int64, p identity.Permission) (bool, error)
}

func (i investigators) MayInvestigate(ctx context.Context, orgID, userID int64) (bool, error) {
	return i.holds(ctx, orgID, userID, Read)
}

// handlers serve the case routes.
type handlers struct {
	commands *cmdcases.Handler
	reader   *qcases.Reader
	files    *evidence.Files
}
