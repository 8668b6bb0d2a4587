// Package vendors holds the third-party (vendor) events. Their names are stored in the
// log and never change.
package vendors

import (
	"encoding/json"
	"strconv"

	"github.com/strata-grc/strata/events"
)

// StreamPrefix starts the name of every vendor's stream: vendor-42.
const StreamPrefix = "vendor-"

// Stream names the stream of one vendor.
func Stream(id int64) string { return StreamPrefix + strconv.FormatInt(id, 10) }

// Fields are a vendor's editable fields, as events carry them.
type Fields struct {
	Name         string  `json:"name"`
	Service      string  `json:"service"`     // what the vendor provides, in free text
	Criticality  string  `json:"criticality"` // low | medium | high | critical: how much the business leans on it
	RiskTier     string  `json:"risk_tier"`   // Low | Medium | High | Critical: how risky the relationship is
	Status       string  `json:"status"`      // onboarding | active | offboarded
	ContactName  string  `json:"contact_name"`
	ContactEmail string  `json:"contact_email"`
	NextReview   *string `json:"next_review"` // YYYY-MM-DD
	// RiskIDs are the risks of the register the relationship bears on, ascending.
	RiskIDs []int64 `json:"risk_ids"`
}

// VendorAdded: a vendor was recorded.
type VendorAdded struct {
	VendorID int64 `json:"vendor_id"`
	Fields
}

// VendorUpdated: some fields changed. Set holds only the changed fields with their new
// values, Previous the same fields as they were. Reason says why the risk tier
// changed; it is set exactly when Set changes risk_tier.
type VendorUpdated struct {
	VendorID int64           `json:"vendor_id"`
	Set      json.RawMessage `json:"set"`
	Previous json.RawMessage `json:"previous"`
	Reason   string          `json:"reason,omitempty"`
}

// VendorReviewed: a periodic review of the vendor was recorded by ReviewerID (the
// actor). It sets the vendor's risk tier (RiskTierFrom is the tier before, equal to
// RiskTier when the review confirmed it) and its next review date; nothing else, a
// rejection included, changes by itself.
type VendorReviewed struct {
	VendorID     int64  `json:"vendor_id"`
	ReviewID     int64  `json:"review_id"`
	ReviewedAt   string `json:"reviewed_at"` // YYYY-MM-DD
	ReviewerID   int64  `json:"reviewer_id"`
	Decision     string `json:"decision"` // approved | conditional | rejected
	Notes        string `json:"notes"`
	RiskTierFrom string `json:"risk_tier_from"`
	RiskTier     string `json:"risk_tier"`
	NextReview   string `json:"next_review"` // YYYY-MM-DD, after ReviewedAt
}

// VendorRemoved: the vendor was withdrawn; its history stays.
type VendorRemoved struct {
	VendorID int64  `json:"vendor_id"`
	Reason   string `json:"reason,omitempty"`
}

func (VendorAdded) EventType() string    { return "VendorAdded" }
func (VendorUpdated) EventType() string  { return "VendorUpdated" }
func (VendorReviewed) EventType() string { return "VendorReviewed" }
func (VendorRemoved) EventType() string  { return "VendorRemoved" }

// Register adds the module's events to r.
func Register(r *events.Registry) {
	events.Register[VendorAdded](r, 1)
	events.Register[VendorUpdated](r, 1)
	events.Register[VendorReviewed](r, 1)
	events.Register[VendorRemoved](r, 1)
}
