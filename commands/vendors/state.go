// Package vendors is the third-party risk command side: the vendor aggregate, which
// decides what events a command produces, and the handler that runs commands against
// the log.
package vendors

import (
	"slices"
	"time"

	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/vendors"
)

// Criticalities of a vendor: how much the business leans on it, lowest first.
var Criticalities = []string{"low", "medium", "high", "critical"}

// RiskTiers of a vendor: how risky the relationship is, lowest first; the same bands
// as a risk's rating.
var RiskTiers = []string{"Low", "Medium", "High", "Critical"}

// Statuses of a vendor, in the order a relationship moves through them; any move is
// allowed.
var Statuses = []string{Onboarding, Active, Offboarded}

// The statuses by name.
const (
	Onboarding = "onboarding"
	Active     = "active"
	Offboarded = "offboarded"
)

// Decisions a review may reach.
var Decisions = []string{"approved", "conditional", "rejected"}

// Defaults of a new vendor.
const (
	DefaultCriticality = "medium"
	DefaultRiskTier    = "Medium"
	DefaultStatus      = Onboarding
)

// Review is one review of the vendor as its stream tells it.
type Review struct {
	ID           int64
	ReviewedAt   string
	ReviewerID   int64
	ReviewerName string
	Decision     string
	Notes        string
	RiskTierFrom string
	RiskTier     string
	NextReview   string
	RecordedAt   time.Time
}

// TierChange is one change of the vendor's risk tier: its first tier (From empty), a
// change made by an edit (with its Reason) or by a review (ReviewID set, the review's
// notes as its reason).
type TierChange struct {
	From     string
	To       string
	At       time.Time
	By       int64
	ByName   string
	Reason   string
	ReviewID int64
}

// Vendor is the aggregate's state.
type Vendor struct {
	ID int64
	ev.Fields
	Deleted bool
	// Reviews are oldest first; a review is never dated before the one before it.
	Reviews []Review
	// Tiers is every tier the vendor has had, oldest first.
	Tiers []TierChange
}

// LastReview is the latest review, or nil.
func (v Vendor) LastReview() *Review {
	if len(v.Reviews) == 0 {
		return nil
	}
	r := v.Reviews[len(v.Reviews)-1]
	return &r
}

// Evolve applies an event to the state. Slices are extended on a copy so a state
// handed to Evolve is never changed under whoever still holds it.
func Evolve(v Vendor, p events.Payload, e events.Event) Vendor {
	switch x := p.(type) {
	case ev.VendorAdded:
		v.ID, v.Fields = x.VendorID, x.Fields
		v.Tiers = appendTier(v.Tiers, TierChange{To: x.RiskTier}, e)
	case ev.VendorUpdated:
		before := v.RiskTier
		v.Fields, _ = commands.Overlay(v.Fields, x.Set) // only the changed keys are present
		if v.RiskTier != before {
			v.Tiers = appendTier(v.Tiers, TierChange{From: before, To: v.RiskTier, Reason: x.Reason}, e)
		}
	case ev.VendorReviewed:
		v.Reviews = append(slices.Clip(v.Reviews), Review{
			ID: x.ReviewID, ReviewedAt: x.ReviewedAt, ReviewerID: x.ReviewerID, ReviewerName: e.Metadata.ActorName,
			Decision: x.Decision, Notes: x.Notes, RiskTierFrom: x.RiskTierFrom, RiskTier: x.RiskTier,
			NextReview: x.NextReview, RecordedAt: e.RecordedAt,
		})
		if x.RiskTier != v.RiskTier {
			v.Tiers = appendTier(v.Tiers, TierChange{From: v.RiskTier, To: x.RiskTier, Reason: x.Notes, ReviewID: x.ReviewID}, e)
		}
		next := x.NextReview
		v.RiskTier, v.NextReview = x.RiskTier, &next
	case ev.VendorRemoved:
		v.Deleted = true
	}
	return v
}

func appendTier(tiers []TierChange, c TierChange, e events.Event) []TierChange {
	c.At, c.By, c.ByName = e.RecordedAt, e.Metadata.ActorID, e.Metadata.ActorName
	return append(slices.Clip(tiers), c)
}
