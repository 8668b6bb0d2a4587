package module

import (
	"context"
	"io"
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/strata-grc/strata/events"
)

// Person is a demo user as events name them.
type Person struct {
	ID   int64
	Name string
}

// Seeding is what a module's demo seed works with: the demo organization, its people
// by role, and what the modules before it seeded. One Seeding is shared by every
// module's seed, in the order of the module list.
type Seeding struct {
	OrgID int64
	// People are the demo users by role.
	People map[string]Person
	// Size is roughly how many main records (risks) a seed makes.
	Size int
	Rand *rand.Rand
	// Existing is true when the organization was there before this seed (an earlier
	// release seeded it): a module then looks for its own data and adds its demo data
	// only when the organization has none of it.
	Existing bool
	// Seeded holds the ids earlier modules seeded, by kind ("control"), so a later
	// module can link to them.
	Seeded map[string][]int64
	// Out receives one line per module saying what it seeded.
	Out io.Writer

	later []func(context.Context) error
}

// As files a seeded event as the person holding role, with a correlation id naming
// the step, so the demo's history reads as people's work.
func (s *Seeding) As(role, step string) events.Metadata {
	p := s.People[role]
	return events.Metadata{OrgID: s.OrgID, ActorID: p.ID, ActorName: p.Name, CorrelationID: "seed-" + step, UserAgent: "strata seed"}
}

// Anyone picks one of the demo people at random, for an owner or an assignee.
func (s *Seeding) Anyone() Person {
	roles := slices.Sorted(maps.Keys(s.People)) // a map's order would make the pick differ run to run
	return s.People[roles[s.Rand.IntN(len(roles))]]
}

// Later keeps a step to run once every module has seeded: some demo history only
// makes sense after later modules linked to what a module seeded (a control retired
// after risks were mapped to it).
func (s *Seeding) Later(step func(context.Context) error) {
	s.later = append(s.later, step)
}

// Finish runs the steps kept by Later, in the order they were kept.
func (s *Seeding) Finish(ctx context.Context) error {
	for _, step := range s.later {
		if err := step(ctx); err != nil {
			return err
		}
	}
	s.later = nil
	return nil
}
