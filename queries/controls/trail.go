package controls

import (
	cmd "github.com/strata-grc/strata/commands/controls"
	ev "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/projections/trail"
)

// Trail describes the control library's events (controls and frameworks) for the
// organization-wide audit trail with the functions their histories use, so both show
// the same changes.
var Trail = trail.Part{Streams: map[string]trail.Stream{
	ev.ControlPrefix:   trail.Fold(cmd.EvolveControl, controlChanges),
	ev.FrameworkPrefix: trail.Each(frameworkChanges),
}}
