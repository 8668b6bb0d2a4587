package module

import (
	"io"
	"math/rand/v2"

	"github.com/strata-grc/strata/events"
)

// Person is a demo user as events name them.
type Person struct {
	ID   int64
	Name string
}

// Seeding is what a module's demo seed works with: the demo organization, its people
// by role, and what the modules before it seeded.
type Seeding struct {
	OrgID int64
	// People are the demo users by role.
	People map[string]Person
	// Size is roughly how many main records (risks) a seed makes.
	Size int
	Rand *rand.Rand
	// Existing is true when the organization was seeded by an earlier release: a
	// module adds its demo data only when the organization has none of it.
	Existing bool
	// Seeded holds the ids earlier modules seeded, by kind ("control"), so a later
	// module can link to them.
	Seeded map[string][]int64
	// Out receives one line per module saying what it seeded.
	Out io.Writer
}

// As files a seeded event as the person holding role, with a correlation id naming
// the step, so the demo's history reads as people's work.
func (s *Seeding) As(role, step string) events.Metadata {
	p := s.People[role]
	return events.Metadata{OrgID: s.OrgID, ActorID: p.ID, ActorName: p.Name, CorrelationID: "seed-" + step, UserAgent: "strata seed"}
}
