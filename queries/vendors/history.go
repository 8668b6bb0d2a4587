package vendors

import (
	"context"
	"strconv"

	cmd "github.com/strata-grc/strata/commands/vendors"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/vendors"
	"github.com/strata-grc/strata/queries"
)

// History is one page of a vendor's audit trail, newest first, removed vendors
// included: every event of its stream, numbered by its version. A review's own
// fields are named "review <id>: <field>"; what it changed of the vendor (its risk
// tier, its next review) is named as the vendor's fields.
func (r *Reader) History(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[queries.Entry], error) {
	if id <= 0 {
		return queries.Page[queries.Entry]{}, errNotFound
	}
	return queries.Trail[cmd.Vendor]{
		Store: r.streams.Store, Registry: r.streams.Registry, Evolve: cmd.Evolve, Changes: changes, NotFound: errNotFound,
	}.Page(ctx, ev.Stream(id), orgID, limit, cursor)
}

func reviewPrefix(id int64) string { return "review " + strconv.FormatInt(id, 10) + ": " }

// changes lists what an event changed, given the vendor as it stood before it.
func changes(before cmd.Vendor, p events.Payload) []queries.Change {
	switch e := p.(type) {
	case ev.VendorAdded:
		return queries.Created("", e.Fields)
	case ev.VendorUpdated:
		out := queries.Patched("", e.Set, e.Previous)
		if e.Reason != "" {
			out = append(out, queries.Field("reason", nil, e.Reason))
		}
		return out
	case ev.VendorReviewed:
		prefix := reviewPrefix(e.ReviewID)
		out := []queries.Change{
			queries.Field(prefix+"reviewed_at", nil, e.ReviewedAt),
			queries.Field(prefix+"reviewer_id", nil, e.ReviewerID),
			queries.Field(prefix+"decision", nil, e.Decision),
		}
		if e.Notes != "" {
			out = append(out, queries.Field(prefix+"notes", nil, e.Notes))
		}
		if e.RiskTier != e.RiskTierFrom {
			out = append(out, queries.Field("risk_tier", e.RiskTierFrom, e.RiskTier))
		}
		var was any
		if before.NextReview != nil {
			was = *before.NextReview
		}
		if was != e.NextReview {
			out = append(out, queries.Field("next_review", was, e.NextReview))
		}
		var last any
		if l := before.LastReview(); l != nil {
			last = l.ReviewedAt
		}
		if last != e.ReviewedAt {
			out = append(out, queries.Field("last_review_at", last, e.ReviewedAt))
		}
		return out
	case ev.VendorRemoved:
		out := []queries.Change{queries.Field("deleted", false, true)}
		if e.Reason != "" {
			out = append(out, queries.Field("deleted_reason", nil, e.Reason))
		}
		return out
	}
	return nil
}
