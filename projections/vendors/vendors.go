// Package vendors projects vendor events into the vendors, vendor_reviews and
// vendor_tier_changes read models.
package vendors

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/vendors"
	"github.com/strata-grc/strata/projections"
)

// Name is the projection's durable name.
const Name = "vendors"

// Projector builds the vendor read models.
type Projector struct{ reg *events.Registry }

// New returns the projector; reg decodes events.
func New(reg *events.Registry) *Projector { return &Projector{reg: reg} }

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.Projector.
func (*Projector) Tables() []string {
	return []string{"vendors", "vendor_reviews", "vendor_tier_changes"}
}

// Every event on a vendor moves its version, which is its stream's.
const touched = `version = $3, updated_at = $4, updated_by = $5`

// VendorUpdated carries only the changed keys; each column keeps its value unless its
// key is present. A text field set to null reads as empty, as the aggregate's overlay
// reads it; the linked risks keep the order the event gives them.
const applyUpdate = `update {vendors} set
    name = case when $2::jsonb ? 'name' then coalesce($2->>'name', '') else name end,
    service = case when $2 ? 'service' then coalesce($2->>'service', '') else service end,
    criticality = case when $2 ? 'criticality' then coalesce($2->>'criticality', '') else criticality end,
    risk_tier = case when $2 ? 'risk_tier' then coalesce($2->>'risk_tier', '') else risk_tier end,
    status = case when $2 ? 'status' then coalesce($2->>'status', '') else status end,
    contact_name = case when $2 ? 'contact_name' then coalesce($2->>'contact_name', '') else contact_name end,
    contact_email = case when $2 ? 'contact_email' then coalesce($2->>'contact_email', '') else contact_email end,
    next_review = case when $2 ? 'next_review' then ($2->>'next_review')::date else next_review end,
    risk_ids = case when $2 ? 'risk_ids' then coalesce((select array_agg(x::bigint order by n)
        from jsonb_array_elements_text(case jsonb_typeof($2->'risk_ids') when 'array' then $2->'risk_ids' else '[]' end)
        with ordinality as r(x, n)), '{}') else risk_ids end,
    ` + touched + `
  where id = $1`

// tierChange records a tier the vendor took, keyed by the event's version.
const tierChange = `insert into {vendor_tier_changes} (vendor_id, version, org_id, from_tier, to_tier, at, by_id, by_name, reason, review_id)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

// Handle implements projections.Projector.
func (p *Projector) Handle(_ context.Context, w *projections.Writer, e events.Event) error {
	if !strings.HasPrefix(e.StreamID, ev.StreamPrefix) || !p.reg.Known(e.Type) {
		return nil // another module's event
	}
	payload, err := p.reg.Decode(e)
	if err != nil {
		return err
	}
	at, actor, name, org, version := e.RecordedAt, e.Metadata.ActorID, e.Metadata.ActorName, e.Metadata.OrgID, e.StreamVersion
	switch x := payload.(type) {
	case ev.VendorAdded:
		f := x.Fields
		ids := f.RiskIDs
		if ids == nil {
			ids = []int64{}
		}
		w.Exec(`insert into {vendors} (id, org_id, name, service, criticality, risk_tier, status, contact_name,
			contact_email, next_review, risk_ids, created_at, created_by, updated_at, updated_by, version)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::date, $11, $12, $13, $12, $13, $14)`,
			x.VendorID, org, f.Name, f.Service, f.Criticality, f.RiskTier, f.Status, f.ContactName, f.ContactEmail,
			f.NextReview, ids, at, actor, version)
		w.Exec(tierChange, x.VendorID, version, org, nil, f.RiskTier, at, actor, name, "", nil)
	case ev.VendorUpdated:
		var set, prev struct {
			RiskTier *string `json:"risk_tier"`
		}
		_ = json.Unmarshal(x.Set, &set)
		_ = json.Unmarshal(x.Previous, &prev)
		w.Exec(applyUpdate, x.VendorID, string(x.Set), version, at, actor)
		if set.RiskTier != nil {
			w.Exec(tierChange, x.VendorID, version, org, prev.RiskTier, *set.RiskTier, at, actor, name, x.Reason, nil)
		}
	case ev.VendorReviewed:
		w.Exec(`insert into {vendor_reviews} (id, org_id, vendor_id, version, reviewed_at, reviewer_id, reviewer_name,
			decision, notes, risk_tier_from, risk_tier, next_review, recorded_at)
			values ($1, $2, $3, $4, $5::date, $6, $7, $8, $9, $10, $11, $12::date, $13)`,
			x.ReviewID, org, x.VendorID, version, x.ReviewedAt, x.ReviewerID, name, x.Decision, x.Notes, x.RiskTierFrom,
			x.RiskTier, x.NextReview, at)
		w.Exec(`update {vendors} set risk_tier = $2, next_review = $6::date, last_review_at = $7::date, `+touched+` where id = $1`,
			x.VendorID, x.RiskTier, version, at, actor, x.NextReview, x.ReviewedAt)
		if x.RiskTier != x.RiskTierFrom {
			w.Exec(tierChange, x.VendorID, version, org, x.RiskTierFrom, x.RiskTier, at, actor, name, x.Notes, x.ReviewID)
		}
	case ev.VendorRemoved:
		w.Exec(`update {vendors} set deleted_at = $3, version = $2, updated_at = $3, updated_by = $4 where id = $1`,
			x.VendorID, version, at, actor)
	default:
		return fmt.Errorf("vendors projection: no handler for %s", e.Type)
	}
	return nil
}
