package vendors

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	ev "github.com/strata-grc/strata/events/vendors"
	"github.com/strata-grc/strata/schema/testdb"
)

// liveRisks stands in for the risk register: organization 1 has risks 1 to 5, 4
// deleted; organization 2 has risk 20.
type liveRisks struct{}

func (liveRisks) RiskStatus(_ context.Context, orgID, riskID int64) (string, error) {
	if (orgID == 1 && riskID >= 1 && riskID <= 5 && riskID != 4) || (orgID == 2 && riskID == 20) {
		return "Identified", nil
	}
	return "", strata.Errorf(strata.NotFound, "risk not found")
}

var ctx = context.Background()

func newHandler(t *testing.T) (*Handler, *testdb.DB) {
	t.Helper()
	db := testdb.New(t)
	reg := events.NewRegistry()
	ev.Register(reg)
	now := func() time.Time { return time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC) }
	h, err := NewHandler(db.Pool, postgres.New(db.Pool), reg, commands.NewSequences(db.Pool), liveRisks{}, now)
	if err != nil {
		t.Fatal(err)
	}
	return h, db
}

func meta(org int64) events.Metadata {
	return events.Metadata{OrgID: org, ActorID: 7, ActorName: "Rita Manager", CorrelationID: "t"}
}

func mustAdd(t *testing.T, h *Handler, org int64, name string) int64 {
	t.Helper()
	res, err := h.Add(ctx, meta(org), ev.Fields{Name: name})
	if err != nil {
		t.Fatalf("add %q: %v", name, err)
	}
	return res.ID
}

func wantNameTaken(t *testing.T, err error, holder string) {
	t.Helper()
	se, ok := err.(*strata.Error)
	if !ok || se.Code != strata.Invalid || !strings.Contains(se.Fields["name"], "vendor "+holder) {
		t.Fatalf("want the name refused as vendor %s's, got %v", holder, err)
	}
}

// Names are unique per organization without regard to case; a rename gives the old
// name back, a removal gives the name back, and a name still held by a removed vendor
// (its giving back never ran) is taken back.
func TestNames(t *testing.T) {
	t.Parallel()
	h, db := newHandler(t)
	acme := mustAdd(t, h, 1, "Acme Hosting")
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	_, err := h.Add(ctx, meta(1), ev.Fields{Name: "  ACME hosting "})
	wantNameTaken(t, err, id(acme))
	mustAdd(t, h, 2, "acme hosting") // another organization's names are its own

	other := mustAdd(t, h, 1, "Globex")
	_, err = h.Update(ctx, meta(1), other, nil, json.RawMessage(`{"name":"acme HOSTING"}`))
	wantNameTaken(t, err, id(acme))
	// A change of case only is the same name, still the vendor's own.
	if _, err := h.Update(ctx, meta(1), acme, nil, json.RawMessage(`{"name":"ACME Hosting"}`)); err != nil {
		t.Fatal(err)
	}
	// A rename frees the old name.
	if _, err := h.Update(ctx, meta(1), acme, nil, json.RawMessage(`{"name":"Acme Cloud"}`)); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, h, 1, "acme hosting")

	// A removal frees the name; the removed vendor keeps it in its history.
	if _, err := h.Remove(ctx, meta(1), acme, nil, "Merged"); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, h, 1, "Acme Cloud")
	if _, err := h.Remove(ctx, meta(1), acme, nil, ""); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("a second removal: %v", err)
	}

	// A removed vendor whose name was never given back does not keep it.
	stuck := mustAdd(t, h, 1, "Initech")
	if _, err := h.streams.Execute(ctx, stuck, nil, meta(1), func(commands.Aggregate[Vendor]) ([]events.Payload, error) {
		return []events.Payload{ev.VendorRemoved{VendorID: stuck}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, h, 1, "INITECH")
	var n int
	if err := db.Pool.QueryRow(ctx, `select count(*) from unique_keys where kind = 'vendor_name' and org_id = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 4 { // globex, acme hosting, acme cloud, initech
		t.Fatalf("%d names reserved, want 4", n)
	}
}

// Two vendors created with one name at the same time: one is refused.
func TestNameRace(t *testing.T) {
	t.Parallel()
	h, _ := newHandler(t)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = h.Add(ctx, meta(1), ev.Fields{Name: []string{"Umbrella", "UMBRELLA"}[i%2]})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case strata.ErrorCode(err) != strata.Invalid:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of the same name created", ok)
	}
}

// Linked risks must be live risks of the organization; a risk linked already is not
// checked again.
func TestLinkedRisks(t *testing.T) {
	t.Parallel()
	h, _ := newHandler(t)
	for _, ids := range [][]int64{{4}, {20}, {1, 99}} {
		_, err := h.Add(ctx, meta(1), ev.Fields{Name: "Refused", RiskIDs: ids})
		wantRisk(t, err)
	}
	res, err := h.Add(ctx, meta(1), ev.Fields{Name: "Linked", RiskIDs: []int64{2, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Add(ctx, meta(2), ev.Fields{Name: "Linked", RiskIDs: []int64{20}}); err != nil {
		t.Fatal(err)
	}
	_, err = h.Update(ctx, meta(1), res.ID, nil, json.RawMessage(`{"risk_ids":[1,2,4]}`))
	wantRisk(t, err)
	// Risk 4 linked when it was live (appended here directly) stays editable.
	if _, err := h.streams.Execute(ctx, res.ID, nil, meta(1), func(a commands.Aggregate[Vendor]) ([]events.Payload, error) {
		return []events.Payload{ev.VendorUpdated{VendorID: res.ID, Set: json.RawMessage(`{"risk_ids":[1,2,4]}`), Previous: json.RawMessage(`{"risk_ids":[1,2]}`)}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Update(ctx, meta(1), res.ID, nil, json.RawMessage(`{"risk_ids":[4,3,2,1],"service":"x"}`)); err != nil {
		t.Fatalf("adding a live risk beside a deleted one: %v", err)
	}
	// Another organization's vendor is not found, whatever the command.
	if _, err := h.Update(ctx, meta(2), res.ID, nil, json.RawMessage(`{"service":"y"}`)); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("another organization's update: %v", err)
	}
	if _, _, err := h.Review(ctx, meta(2), res.ID, nil, ReviewVendor{Decision: "approved", NextReview: ptr("2027-01-01")}); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("another organization's review: %v", err)
	}
	// The review is the actor's, dated today by the handler's clock (UTC).
	_, r, err := h.Review(ctx, meta(1), res.ID, nil, ReviewVendor{Decision: "approved", NextReview: ptr("2027-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	x := r.Appended[0].(ev.VendorReviewed)
	if x.ReviewerID != 7 || x.ReviewedAt != "2026-03-10" {
		t.Fatalf("review %+v", x)
	}
	stale := int64(1)
	if _, err := h.Update(ctx, meta(1), res.ID, &stale, json.RawMessage(`{"service":"z"}`)); strata.ErrorCode(err) != strata.Conflict {
		t.Fatalf("a stale If-Match: %v", err)
	}
}

func wantRisk(t *testing.T, err error) {
	t.Helper()
	se, ok := err.(*strata.Error)
	if !ok || se.Code != strata.Invalid || !strings.Contains(se.Fields["risk_ids"], "not a live risk") {
		t.Fatalf("want the risk refused, got %v", err)
	}
}
