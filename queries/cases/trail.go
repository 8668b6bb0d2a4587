package cases

import (
	cmd "github.com/strata-grc/strata/commands/cases"
	ev "github.com/strata-grc/strata/events/cases"
	"github.com/strata-grc/strata/projections/trail"
)

// Trail describes the cases' events (their files' included) for the
// organization-wide audit trail with the functions a case's history uses, and keeps
// a confidential case's rows for those who may know of the case, by the same rule as
// every list and count.
var Trail = trail.Part{
	Streams: map[string]trail.Stream{ev.StreamPrefix: trail.Fold(cmd.Evolve, changes)},
	Restricted: []trail.Restriction{{EntityType: "case",
		Visible: "exists (select 1 from cases where cases.id = {id} and " + visible("{user}", "{admin}") + ")"}},
}
