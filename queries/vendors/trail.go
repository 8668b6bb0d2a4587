package vendors

import (
	cmd "github.com/strata-grc/strata/commands/vendors"
	ev "github.com/strata-grc/strata/events/vendors"
	"github.com/strata-grc/strata/projections/trail"
)

// Trail describes the vendor register's events for the organization-wide audit trail
// with the functions a vendor's history uses, so both show the same changes.
var Trail = trail.Part{Streams: map[string]trail.Stream{ev.StreamPrefix: trail.Fold(cmd.Evolve, changes)}}
