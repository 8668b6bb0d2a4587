// Package module is the contract every Strata module plugs in through. A module
// describes what it adds to each layer (event types and stream kinds, projectors,
// permissions and the roles granted them, routes, its part of the OpenAPI document,
// dashboard counts and charts, demo data) and the app keeps one list of modules,
// from which the stream kinds, projections, role table, OpenAPI document and
// dashboard are all derived.
package module

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/blobs"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/projections/trail"
	"github.com/strata-grc/strata/queries/dashboard"
)

// Module is one plug-in. Everything but Build is static, so the app can list stream
// kinds, permissions and the OpenAPI document without a database.
type Module struct {
	// Name is the module's name, in errors and in the route table.
	Name string
	// Events registers the module's event types.
	Events func(*events.Registry)
	// StreamKinds are the prefixes of the streams the module writes ("risk"); a log
	// that is followed by subscription is read for these only.
	StreamKinds []string
	// Permissions are the module's permissions and the roles granted each (the
	// admin holds every permission without being named).
	Permissions []identity.Grant
	// OpenAPI is the module's fragment of the API description: its tags, paths and
	// components, in YAML.
	OpenAPI []byte
	// Dashboard is the module's contribution to the dashboard: its counts, its charts
	// and the projections they read.
	Dashboard dashboard.Part
	// Trail tells the organization-wide audit trail how to describe the module's
	// events (what each is about, what it changed, with the functions its histories
	// use) and which of its records only some callers may see.
	Trail trail.Part
	// Build makes the module's running parts over the shared environment.
	Build func(*Env) (Parts, error)
}

// Parts are what a built module runs.
type Parts struct {
	// Projectors build the module's read models.
	Projectors []projections.Projector
	// Mount adds the module's routes; it runs once per API prefix (/api, /api/v1).
	Mount func(*Router)
	// Seed adds the module's demo data to the demo organization through the module's
	// own commands, so the demo has a real history. It runs in list order and decides
	// itself, when s.Existing, whether the organization already has its data (then it
	// adds nothing, or only links to what earlier modules just seeded). It writes one
	// line to s.Out. Nil when the module has no demo data.
	Seed func(context.Context, *Seeding) error
	// Provides lists what later modules may Need from this one (narrow interfaces
	// such as a check that a control exists).
	Provides []any
}

// IDs hands out new entity ids.
type IDs interface {
	Next(ctx context.Context, kind string) (int64, error)
}

// Env is what every module is built from.
type Env struct {
	Pool     *pgxpool.Pool
	Store    events.Store
	Registry *events.Registry
	IDs      IDs
	// Members vouches that a user belongs to an organization (owners, assignees).
	Members commands.Members
	// Holds tells whether a member of an organization holds a permission, for
	// records that may only be given to someone who can read them.
	Holds func(ctx context.Context, orgID, userID int64, p identity.Permission) (bool, error)
	// Blobs keeps attached files (evidence, workpapers) by content.
	Blobs blobs.Store
	// MaxUpload caps one attached file, in bytes.
	MaxUpload int64
	Now       func() time.Time

	building string
	provided []provision
}

type provision struct {
	module string
	value  any
}

// Need returns what an earlier module in the list provides as a T. A module that
// cannot work without T fails to build, naming what is missing, rather than running
// with a check skipped.
func Need[T any](env *Env) (T, error) {
	for _, p := range env.provided {
		if v, ok := p.value.(T); ok {
			return v, nil
		}
	}
	var zero T
	return zero, fmt.Errorf("module %s needs a %T that no module before it in the list provides", env.building, &zero)
}

// Built is a module with its parts.
type Built struct {
	Module
	Parts
}

// BuildAll builds the modules in list order, so each may Need what those before it
// provide.
func BuildAll(env *Env, list []Module) ([]Built, error) {
	seen := map[string]bool{}
	out := make([]Built, 0, len(list))
	for _, m := range list {
		if m.Name == "" || m.Build == nil || m.Events == nil {
			return nil, errors.New("module: every module needs a name, an event registration and a build")
		}
		if seen[m.Name] {
			return nil, fmt.Errorf("module %s is listed twice", m.Name)
		}
		seen[m.Name] = true
		env.building = m.Name
		parts, err := m.Build(env)
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", m.Name, err)
		}
		for _, v := range parts.Provides {
			env.provided = append(env.provided, provision{module: m.Name, value: v})
		}
		out = append(out, Built{Module: m, Parts: parts})
	}
	env.building = ""
	return out, nil
}
