package audits

import (
	"maps"

	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
	"github.com/strata-grc/strata/projections/trail"
	"github.com/strata-grc/strata/queries"
)

// Trail describes an engagement's stream for the organization-wide audit trail with
// the functions the engagement's and its findings' histories use: a finding's events
// are about the finding, a procedure's about its engagement. Files are left to the
// core's description, as the histories leave them out.
var Trail = trail.Part{Streams: map[string]trail.Stream{ev.StreamPrefix: {
	Entity: func(p events.Payload) (string, int64) {
		if kind, id := ev.Subject(p); kind == "finding" {
			return kind, id
		}
		return "", 0
	},
	Entities: []string{"finding"},
	New:      trail.Fold(evolveResponses, streamChanges).New,
}}}

// responses are the management responses last submitted for each finding of an
// engagement: what a finding's history needs to show the one a new response replaces.
type responses map[int64]ev.ManagementResponseSubmitted

func evolveResponses(r responses, p events.Payload, _ events.Event) responses {
	if x, ok := p.(ev.ManagementResponseSubmitted); ok {
		r = maps.Clone(r)
		if r == nil {
			r = responses{}
		}
		r[x.FindingID] = x
	}
	return r
}

func streamChanges(r responses, p events.Payload) []queries.Change {
	switch kind, id := ev.Subject(p); kind {
	case "engagement", "procedure":
		return engagementChanges(p)
	case "finding":
		var previous *ev.ManagementResponseSubmitted
		if x, ok := r[id]; ok {
			previous = &x
		}
		return findingChanges(p, previous)
	}
	return nil
}
