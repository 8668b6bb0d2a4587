package risks

import (
	cmd "github.com/strata-grc/strata/commands/risks"
	ev "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/projections/trail"
)

// Trail describes the risk register's events for the organization-wide audit trail
// with the functions a risk's history uses, so both show the same changes.
var Trail = trail.Part{Streams: map[string]trail.Stream{ev.StreamPrefix: trail.Fold(cmd.Evolve, changes)}}
