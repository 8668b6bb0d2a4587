package vendors

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/vendors"
)

const (
	vendorID = 4
	today    = "2026-03-10"
)

func ptr[T any](v T) *T { return &v }

// fold replays events as the stream would, each recorded a minute after the last by
// actor 1, 2, 3... in turn.
func fold(ps ...events.Payload) Vendor {
	var v Vendor
	at := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i, p := range ps {
		actor := int64(i%3 + 1)
		v = Evolve(v, p, events.Event{RecordedAt: at.Add(time.Duration(i) * time.Minute),
			Metadata: events.Metadata{ActorID: actor, ActorName: "Person " + string(rune('A'+actor-1))}})
	}
	return v
}

func added() ev.VendorAdded {
	return ev.VendorAdded{VendorID: vendorID, Fields: ev.Fields{Name: "Northwind", Service: "Hosting", Criticality: "high",
		RiskTier: "Medium", Status: Active, ContactEmail: "ops@northwind.example", NextReview: ptr("2026-06-01"), RiskIDs: []int64{3, 9}}}
}

// wantFields fails unless err is a validation error naming exactly fields.
func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	se, ok := err.(*strata.Error)
	if !ok || se.Code != strata.Invalid {
		t.Fatalf("want a validation error on %v, got %v", fields, err)
	}
	if len(se.Fields) != len(fields) {
		t.Fatalf("want errors on %v, got %v", fields, se.Fields)
	}
	for _, f := range fields {
		if se.Fields[f] == "" {
			t.Fatalf("want an error on %s, got %v", f, se.Fields)
		}
	}
}

func decide(t *testing.T, v Vendor, cmd any) []events.Payload {
	t.Helper()
	ps, err := Decide(v, true, cmd, today)
	if err != nil {
		t.Fatalf("%T refused: %v", cmd, err)
	}
	return ps
}

func TestAddDefaultsAndRules(t *testing.T) {
	ps, err := Decide(Vendor{}, false, AddVendor{VendorID: vendorID, Fields: ev.Fields{Name: "  Acme  ", RiskIDs: []int64{9, 3, 9}}}, today)
	if err != nil {
		t.Fatal(err)
	}
	a := ps[0].(ev.VendorAdded)
	if a.Name != "Acme" || a.Criticality != "medium" || a.RiskTier != "Medium" || a.Status != Onboarding ||
		len(a.RiskIDs) != 2 || a.RiskIDs[0] != 3 || a.RiskIDs[1] != 9 {
		t.Fatalf("added %+v", a)
	}
	if ps, _ := Decide(Vendor{}, false, AddVendor{Fields: ev.Fields{Name: "A"}}, today); ps[0].(ev.VendorAdded).RiskIDs == nil {
		t.Fatal("no risks must read as [], not null")
	}
	for _, c := range []struct {
		f      ev.Fields
		fields []string
	}{
		{ev.Fields{}, []string{"name"}},
		{ev.Fields{Name: "   "}, []string{"name"}},
		{ev.Fields{Name: "a\nb"}, []string{"name"}},
		{ev.Fields{Name: strings.Repeat("n", 201)}, []string{"name"}},
		{ev.Fields{Name: "A", Criticality: "Critical"}, []string{"criticality"}},
		{ev.Fields{Name: "A", RiskTier: "high"}, []string{"risk_tier"}},
		{ev.Fields{Name: "A", Status: "retired"}, []string{"status"}},
		{ev.Fields{Name: "A", ContactEmail: "Ops <ops@example.com>"}, []string{"contact_email"}},
		{ev.Fields{Name: "A", ContactEmail: "not an address"}, []string{"contact_email"}},
		{ev.Fields{Name: "A", NextReview: ptr("2026-02-30")}, []string{"next_review"}},
		{ev.Fields{Name: "A", NextReview: ptr("10/03/2026")}, []string{"next_review"}},
		{ev.Fields{Name: "A", RiskIDs: []int64{0, 4}}, []string{"risk_ids"}},
		{ev.Fields{Name: "A", RiskIDs: manyRisks(MaxRisks + 1)}, []string{"risk_ids"}},
		{ev.Fields{Criticality: "x", RiskTier: "y"}, []string{"name", "criticality", "risk_tier"}},
	} {
		_, err := Decide(Vendor{}, false, AddVendor{Fields: c.f}, today)
		wantFields(t, err, c.fields...)
	}
	if _, err := Decide(Vendor{}, false, AddVendor{Fields: ev.Fields{Name: "A", ContactEmail: "ops@example.com"}}, today); err != nil {
		t.Fatalf("a plain address: %v", err)
	}
}

func manyRisks(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

func TestUpdate(t *testing.T) {
	v := fold(added())
	patch := func(s string) UpdateVendor { return UpdateVendor{Patch: json.RawMessage(s)} }

	// Unchanged values and echoed read-only fields change nothing.
	if ps := decide(t, v, patch(`{"name":"Northwind","risk_ids":[9,3],"version":3,"overdue_review":true,"tier_history":[]}`)); len(ps) != 0 {
		t.Fatalf("no-op patch appended %+v", ps)
	}
	u := decide(t, v, patch(`{"service":"Cloud hosting","next_review":null}`))[0].(ev.VendorUpdated)
	if string(u.Set) != `{"next_review":null,"service":"Cloud hosting"}` || u.Reason != "" {
		t.Fatalf("update %s %q", u.Set, u.Reason)
	}

	// A tier change needs a reason, which the event keeps; without one it is ignored.
	_, err := Decide(v, true, patch(`{"risk_tier":"High"}`), today)
	wantFields(t, err, "reason")
	_, err = Decide(v, true, patch(`{"risk_tier":"High","reason":"   "}`), today)
	wantFields(t, err, "reason")
	u = decide(t, v, patch(`{"risk_tier":"High","reason":" Outage history "}`))[0].(ev.VendorUpdated)
	if u.Reason != "Outage history" || !strings.Contains(string(u.Set), `"risk_tier":"High"`) {
		t.Fatalf("tier change %s %q", u.Set, u.Reason)
	}
	u = decide(t, v, patch(`{"status":"offboarded","reason":"not a tier change"}`))[0].(ev.VendorUpdated)
	if u.Reason != "" {
		t.Fatalf("a reason without a tier change was kept: %q", u.Reason)
	}

	for _, c := range []struct {
		body   string
		fields []string
	}{
		{`{"name":""}`, []string{"name"}},
		{`{"name":null}`, []string{"name"}},
		{`{"criticality":"urgent"}`, []string{"criticality"}},
		{`{"status":"Active"}`, []string{"status"}},
		{`{"contact_email":"x@"}`, []string{"contact_email"}},
		{`{"next_review":"tomorrow"}`, []string{"next_review"}},
		{`{"risk_ids":["a"]}`, []string{"risk_ids"}},
		{`{"risk_ids":[-2]}`, []string{"risk_ids"}},
		{`{"owner_id":3}`, []string{"owner_id"}},
		{`{"reason":5,"risk_tier":"Low"}`, []string{"reason"}},
		{`{"risk_tier":"Extreme","reason":"x"}`, []string{"risk_tier"}},
		{`{"reason":"` + strings.Repeat("r", 1001) + `","risk_tier":"Low"}`, []string{"reason"}},
	} {
		_, err := Decide(v, true, patch(c.body), today)
		wantFields(t, err, c.fields...)
	}
	if _, err := Decide(v, true, patch(`[]`), today); strata.ErrorCode(err) != strata.Invalid {
		t.Fatalf("an array body: %v", err)
	}
}

func TestReview(t *testing.T) {
	v := fold(added())
	review := func(r ReviewVendor) ReviewVendor {
		r.ReviewID, r.ReviewerID = 11, 5
		return r
	}
	// Defaults: today, the current tier; nothing changes but the dates.
	x := decide(t, v, review(ReviewVendor{Decision: "approved", NextReview: ptr("2027-03-10")}))[0].(ev.VendorReviewed)
	if x.ReviewedAt != today || x.RiskTierFrom != "Medium" || x.RiskTier != "Medium" || x.ReviewerID != 5 || x.ReviewID != 11 {
		t.Fatalf("review %+v", x)
	}
	// A rejection records the decision and moves nothing else by itself.
	x = decide(t, v, review(ReviewVendor{Decision: "rejected", ReviewedAt: ptr("2026-03-01"), NextReview: ptr("2026-04-01")}))[0].(ev.VendorReviewed)
	after := fold(added(), x)
	if after.Status != Active || after.RiskTier != "Medium" || *after.NextReview != "2026-04-01" || after.LastReview().Decision != "rejected" {
		t.Fatalf("after a rejection %+v", after)
	}

	for _, c := range []struct {
		r      ReviewVendor
		fields []string
	}{
		{ReviewVendor{NextReview: ptr("2027-01-01")}, []string{"decision"}},
		{ReviewVendor{Decision: "Approved", NextReview: ptr("2027-01-01")}, []string{"decision"}},
		{ReviewVendor{Decision: "approved"}, []string{"next_review"}},
		{ReviewVendor{Decision: "approved", NextReview: ptr(today)}, []string{"next_review"}},
		{ReviewVendor{Decision: "approved", ReviewedAt: ptr("2026-01-05"), NextReview: ptr("2026-01-04")}, []string{"next_review"}},
		{ReviewVendor{Decision: "approved", ReviewedAt: ptr("2026-03-11"), NextReview: ptr("2027-01-01")}, []string{"reviewed_at"}},
		{ReviewVendor{Decision: "approved", ReviewedAt: ptr("yesterday"), NextReview: ptr("2027-01-01")}, []string{"reviewed_at"}},
		{ReviewVendor{Decision: "approved", RiskTier: "Severe", NextReview: ptr("2027-01-01")}, []string{"risk_tier"}},
		// A review that moves the tier says why.
		{ReviewVendor{Decision: "conditional", RiskTier: "High", NextReview: ptr("2027-01-01")}, []string{"notes"}},
		{ReviewVendor{Decision: "conditional", RiskTier: "High", Notes: " ", NextReview: ptr("2027-01-01")}, []string{"notes"}},
		{ReviewVendor{Decision: "approved", Notes: "a\x00b", NextReview: ptr("2027-01-01")}, []string{"notes"}},
	} {
		_, err := Decide(v, true, review(c.r), today)
		wantFields(t, err, c.fields...)
	}
	if _, err := Decide(v, true, ReviewVendor{Decision: "approved", NextReview: ptr("2027-01-01")}, today); err == nil {
		t.Fatal("a review without a reviewer passed")
	}

	// A review is never dated before the last one.
	later := fold(added(), ev.VendorReviewed{VendorID: vendorID, ReviewID: 1, ReviewedAt: "2026-02-01", ReviewerID: 2,
		Decision: "approved", RiskTierFrom: "Medium", RiskTier: "Medium", NextReview: "2026-08-01"})
	_, err := Decide(later, true, review(ReviewVendor{Decision: "approved", ReviewedAt: ptr("2026-01-31"), NextReview: ptr("2027-01-01")}), today)
	wantFields(t, err, "reviewed_at")
	decide(t, later, review(ReviewVendor{Decision: "approved", ReviewedAt: ptr("2026-02-01"), NextReview: ptr("2027-01-01")}))
}

func TestRemoveAndAfter(t *testing.T) {
	v := fold(added())
	r := decide(t, v, RemoveVendor{Reason: " Contract ended "})[0].(ev.VendorRemoved)
	if r.Reason != "Contract ended" {
		t.Fatalf("removed %+v", r)
	}
	_, err := Decide(v, true, RemoveVendor{Reason: strings.Repeat("x", 1001)}, today)
	wantFields(t, err, "reason")
	gone := fold(added(), r)
	for _, cmd := range []any{UpdateVendor{Patch: json.RawMessage(`{"name":"x"}`)}, RemoveVendor{},
		ReviewVendor{ReviewerID: 1, Decision: "approved", NextReview: ptr("2027-01-01")}} {
		if _, err := Decide(gone, true, cmd, today); strata.ErrorCode(err) != strata.NotFound {
			t.Fatalf("%T on a removed vendor: %v", cmd, err)
		}
		if _, err := Decide(Vendor{}, false, cmd, today); strata.ErrorCode(err) != strata.NotFound {
			t.Fatalf("%T on no vendor: %v", cmd, err)
		}
	}
}

// The tier history keeps every tier: the first, an edit's with its reason, a
// review's with its notes; a review that confirms the tier adds none.
func TestTierHistory(t *testing.T) {
	set, _ := json.Marshal(map[string]string{"risk_tier": "High"})
	prev, _ := json.Marshal(map[string]string{"risk_tier": "Medium"})
	v := fold(added(),
		ev.VendorUpdated{VendorID: vendorID, Set: set, Previous: prev, Reason: "Outages"},
		ev.VendorReviewed{VendorID: vendorID, ReviewID: 7, ReviewedAt: "2026-02-01", ReviewerID: 2, Decision: "approved",
			RiskTierFrom: "High", RiskTier: "High", NextReview: "2026-08-01"},
		ev.VendorReviewed{VendorID: vendorID, ReviewID: 8, ReviewedAt: "2026-03-01", ReviewerID: 3, Decision: "conditional",
			Notes: "Financial distress", RiskTierFrom: "High", RiskTier: "Critical", NextReview: "2026-06-01"},
	)
	want := []TierChange{
		{From: "", To: "Medium", By: 1},
		{From: "Medium", To: "High", Reason: "Outages", By: 2},
		{From: "High", To: "Critical", Reason: "Financial distress", ReviewID: 8, By: 1},
	}
	if len(v.Tiers) != len(want) {
		t.Fatalf("tiers %+v", v.Tiers)
	}
	for i, w := range want {
		g := v.Tiers[i]
		if g.From != w.From || g.To != w.To || g.Reason != w.Reason || g.ReviewID != w.ReviewID || g.By != w.By || g.At.IsZero() || g.ByName == "" {
			t.Errorf("tier %d: %+v, want %+v", i, g, w)
		}
	}
	if v.RiskTier != "Critical" || *v.NextReview != "2026-06-01" || len(v.Reviews) != 2 || v.LastReview().ID != 8 {
		t.Fatalf("vendor %+v", v)
	}
}
