package vendors

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/vendors"
)

// AddVendor records a new vendor. Criticality, risk tier and status take their
// defaults when empty.
type AddVendor struct {
	VendorID int64
	ev.Fields
}

// UpdateVendor changes some fields; Patch is a JSON object of field -> new value, and
// may carry "reason", which a change of risk_tier needs.
type UpdateVendor struct{ Patch json.RawMessage }

// ReviewVendor records a periodic review by ReviewerID. ReviewedAt defaults to today
// and RiskTier to the vendor's current tier; NextReview is required.
type ReviewVendor struct {
	ReviewID   int64
	ReviewerID int64
	ReviewedAt *string
	Decision   string
	RiskTier   string
	Notes      string
	NextReview *string
}

// RemoveVendor withdraws the vendor.
type RemoveVendor struct{ Reason string }

// MaxRisks is how many risks one vendor may link.
const MaxRisks = 100

// The fields a patch may set. Read-only fields a client echoes back (id, version,
// the detail's lists) are ignored; anything else is refused by name.
var (
	vendorFields = []string{"name", "service", "criticality", "risk_tier", "status", "contact_name", "contact_email",
		"next_review", "risk_ids"}
	readOnly = []string{"id", "version", "overdue_review", "last_review_at", "created_at", "updated_at", "reviews",
		"tier_history", "risks"}
)

var errNotFound = strata.Errorf(strata.NotFound, "vendor not found")

// Decide returns the events a command produces on a vendor, or why it is refused.
// exists is false only for AddVendor; today is the UTC date (YYYY-MM-DD) a review is
// judged against.
func Decide(v Vendor, exists bool, cmd any, today string) ([]events.Payload, error) {
	if a, ok := cmd.(AddVendor); ok {
		if exists {
			return nil, strata.Errorf(strata.Conflict, "vendor %d already exists", a.VendorID)
		}
		return decideAdd(a)
	}
	if !exists || v.Deleted {
		return nil, errNotFound
	}
	switch c := cmd.(type) {
	case UpdateVendor:
		return decideUpdate(v, c)
	case ReviewVendor:
		return decideReview(v, c, today)
	case RemoveVendor:
		reason := strings.TrimSpace(c.Reason)
		errs := strata.FieldErrors{}
		text.Check(errs, "reason", reason, text.Reason)
		if err := errs.Err(); err != nil {
			return nil, err
		}
		return []events.Payload{ev.VendorRemoved{VendorID: v.ID, Reason: reason}}, nil
	}
	return nil, fmt.Errorf("vendors: unknown command %T", cmd)
}

func decideAdd(a AddVendor) ([]events.Payload, error) {
	f := a.Fields
	if f.Criticality == "" {
		f.Criticality = DefaultCriticality
	}
	if f.RiskTier == "" {
		f.RiskTier = DefaultRiskTier
	}
	if f.Status == "" {
		f.Status = DefaultStatus
	}
	normalize(&f)
	if err := validate(f).Err(); err != nil {
		return nil, err
	}
	return []events.Payload{ev.VendorAdded{VendorID: a.VendorID, Fields: f}}, nil
}

// normalize trims the text and keeps the linked risks once each, ascending, never
// null: a reordered list is not a change.
func normalize(f *ev.Fields) {
	f.Name = strings.TrimSpace(f.Name)
	f.Service = strings.TrimSpace(f.Service)
	f.ContactName = strings.TrimSpace(f.ContactName)
	f.ContactEmail = strings.TrimSpace(f.ContactEmail)
	ids := slices.Clone(f.RiskIDs)
	slices.Sort(ids)
	f.RiskIDs = slices.Compact(ids)
	if f.RiskIDs == nil {
		f.RiskIDs = []int64{}
	}
}

func validate(f ev.Fields) strata.FieldErrors {
	errs := strata.FieldErrors{}
	text.Require(errs, "name", f.Name, text.Name)
	text.Check(errs, "service", f.Service, text.Title)
	text.Check(errs, "contact_name", f.ContactName, text.Name)
	if f.ContactEmail != "" {
		text.Address(errs, "contact_email", f.ContactEmail)
	}
	if !slices.Contains(Criticalities, f.Criticality) {
		errs.Add("criticality", "must be one of "+strings.Join(Criticalities, ", "))
	}
	if !slices.Contains(RiskTiers, f.RiskTier) {
		errs.Add("risk_tier", "must be one of "+strings.Join(RiskTiers, ", "))
	}
	if !slices.Contains(Statuses, f.Status) {
		errs.Add("status", "must be one of "+strings.Join(Statuses, ", "))
	}
	commands.Date(errs, "next_review", f.NextReview)
	switch {
	case len(f.RiskIDs) > MaxRisks:
		errs.Add("risk_ids", fmt.Sprintf("may link at most %d risks", MaxRisks))
	case len(f.RiskIDs) > 0 && f.RiskIDs[0] <= 0: // sorted: the first is the smallest
		errs.Add("risk_ids", "must be positive integers")
	}
	return errs
}

func decideUpdate(v Vendor, u UpdateVendor) ([]events.Payload, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(u.Patch, &keys); err != nil || keys == nil {
		return nil, strata.Errorf(strata.Invalid, "the body must be a JSON object")
	}
	errs := strata.FieldErrors{}
	var reason string
	if raw, ok := keys["reason"]; ok {
		delete(keys, "reason")
		var s *string
		if json.Unmarshal(raw, &s) != nil {
			errs.Add("reason", "must be a string")
		} else if s != nil {
			reason = strings.TrimSpace(*s)
		}
	}
	if raw, ok := keys["risk_ids"]; ok {
		// Checked here so a wrong element is named as such, not as a wrong number.
		var ids []int64
		if json.Unmarshal(raw, &ids) != nil {
			errs.Add("risk_ids", "must be an array of risk ids")
			delete(keys, "risk_ids")
		}
	}
	rest, _ := json.Marshal(keys)
	next, err := commands.ApplyPatch(v.Fields, rest, vendorFields, readOnly)
	if err != nil {
		se, ok := err.(*strata.Error)
		if !ok || se.Fields == nil {
			return nil, err
		}
		maps.Copy(errs, se.Fields)
	}
	normalize(&next)
	for k, msg := range validate(next) {
		errs.Add(k, msg)
	}
	tierChanged := next.RiskTier != v.RiskTier
	if tierChanged {
		if reason == "" {
			errs.Add("reason", "is required when risk_tier changes: say why the tier moves")
		}
		text.Check(errs, "reason", reason, text.Reason)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	set, prev, err := commands.Diff(v.Fields, next)
	if err != nil || set == nil {
		return nil, err
	}
	e := ev.VendorUpdated{VendorID: v.ID, Set: set, Previous: prev}
	if tierChanged {
		e.Reason = reason
	}
	return []events.Payload{e}, nil
}

func decideReview(v Vendor, r ReviewVendor, today string) ([]events.Payload, error) {
	errs := strata.FieldErrors{}
	if !slices.Contains(Decisions, r.Decision) {
		errs.Add("decision", "is required: one of "+strings.Join(Decisions, ", "))
	}
	reviewedAt := today
	if r.ReviewedAt != nil && *r.ReviewedAt != "" {
		reviewedAt = *r.ReviewedAt
	}
	commands.Date(errs, "reviewed_at", &reviewedAt)
	dated := errs["reviewed_at"] == ""
	if last := v.LastReview(); dated {
		switch {
		case reviewedAt > today:
			errs.Add("reviewed_at", "must not be in the future (today is "+today+" UTC)")
		case last != nil && reviewedAt < last.ReviewedAt:
			errs.Add("reviewed_at", "must not be before the last review, of "+last.ReviewedAt)
		}
	}
	if r.NextReview == nil || *r.NextReview == "" {
		errs.Add("next_review", "is required: the date of the next review")
	} else {
		commands.Date(errs, "next_review", r.NextReview)
		if dated && errs["next_review"] == "" && *r.NextReview <= reviewedAt {
			errs.Add("next_review", "must be after reviewed_at ("+reviewedAt+")")
		}
	}
	tier := r.RiskTier
	if tier == "" {
		tier = v.RiskTier
	}
	if !slices.Contains(RiskTiers, tier) {
		errs.Add("risk_tier", "must be one of "+strings.Join(RiskTiers, ", "))
	}
	notes := strings.TrimSpace(r.Notes)
	text.Check(errs, "notes", notes, text.Summary)
	if tier != v.RiskTier && notes == "" && errs["risk_tier"] == "" {
		errs.Add("notes", "is required when the review changes the risk tier: say why the tier moves")
	}
	if r.ReviewerID <= 0 {
		errs.Add("reviewer_id", "must be the member recording the review")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return []events.Payload{ev.VendorReviewed{
		VendorID: v.ID, ReviewID: r.ReviewID, ReviewedAt: reviewedAt, ReviewerID: r.ReviewerID, Decision: r.Decision,
		Notes: notes, RiskTierFrom: v.RiskTier, RiskTier: tier, NextReview: *r.NextReview,
	}}, nil
}
