package vendors

import (
	"net/url"
	"testing"
	"time"

	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/api/rest/resttest"
	cmdvendors "github.com/strata-grc/strata/commands/vendors"
	"github.com/strata-grc/strata/events"
	evvendors "github.com/strata-grc/strata/events/vendors"
	"github.com/strata-grc/strata/queries"
)

// The fuzz targets here feed every vendor command body and the list query through
// the decoding and the decision the server runs, without a database. `make fuzz` runs
// each for a minute; `go test` replays the seeds and testdata/fuzz.

var today = resttest.Now.Format(time.DateOnly)

// existing is a reviewed vendor, what changes are decided against.
func existing() cmdvendors.Vendor {
	v := cmdvendors.Evolve(cmdvendors.Vendor{}, evvendors.VendorAdded{VendorID: 1, Fields: evvendors.Fields{
		Name: "Northwind", Criticality: "high", RiskTier: "Medium", Status: cmdvendors.Active, RiskIDs: []int64{2}}}, events.Event{})
	return cmdvendors.Evolve(v, evvendors.VendorReviewed{VendorID: 1, ReviewID: 3, ReviewedAt: "2026-01-02", ReviewerID: 4,
		Decision: "approved", RiskTierFrom: "Medium", RiskTier: "Medium", NextReview: "2026-07-01"}, events.Event{})
}

func FuzzVendorCreate(f *testing.F) {
	resttest.Seed(f, `{"name":"Acme","service":"Hosting","criticality":"critical","risk_tier":"High","status":"active",`+
		`"contact_name":"Ann","contact_email":"ann@acme.example","next_review":"2026-05-01","risk_ids":[3,1,3]}`,
		`{"name":" ","contact_email":"Ann <ann@acme.example>","next_review":"0000-01-01","risk_ids":[0]}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := resttest.One[input](t, body)
		if !ok {
			return
		}
		payloads, err := cmdvendors.Decide(cmdvendors.Vendor{}, false, cmdvendors.AddVendor{VendorID: 1, Fields: in.fields()}, today)
		resttest.Decided(t, payloads, err)
	})
}

// FuzzVendorChange sends one body to the partial update, the review and the removal.
func FuzzVendorChange(f *testing.F) {
	resttest.Seed(f, `{"risk_tier":"Critical","reason":"Outages"}`, `{"name":"NORTHWIND","risk_ids":null,"next_review":null}`,
		`{"decision":"conditional","reviewed_at":"2026-01-31","risk_tier":"High","notes":"Why","next_review":"2026-02-01"}`,
		`{"decision":"approved","reviewed_at":"2026-01-01","next_review":"2025-12-31"}`, `{"reason":"Ended","id":1}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if !resttest.ClientError(t, rest.CheckUTF8(body)) {
			return
		}
		payloads, err := cmdvendors.Decide(existing(), true, cmdvendors.UpdateVendor{Patch: body}, today)
		resttest.Decided(t, payloads, err)
		if in, ok := resttest.One[reviewInput](t, body); ok {
			r := in.command()
			r.ReviewID, r.ReviewerID = 9, 4
			payloads, err := cmdvendors.Decide(existing(), true, r, today)
			resttest.Decided(t, payloads, err)
		}
		if in, ok := resttest.One[struct {
			Reason string `json:"reason"`
		}](t, body); ok {
			payloads, err := cmdvendors.Decide(existing(), true, cmdvendors.RemoveVendor{Reason: in.Reason}, today)
			resttest.Decided(t, payloads, err)
		}
	})
}

// FuzzVendorListQuery reads a raw query string as the list route does, then has the
// reader check it as far as it goes before the database.
func FuzzVendorListQuery(f *testing.F) {
	resttest.SeedQueries(f, "risk_tier=High&status=active&criticality=critical", "overdue_review=true&sort=-next_review",
		"risk_id=-1&q=%00", "sort=name&cursor=eyJzIjoibmFtZSIsImsiOiJcdTAwMDAiLCJpIjoxfQ")
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		if _, _, err := rest.ListAction(q); !resttest.ClientError(t, err) {
			return
		}
		if vf, err := filter(q); resttest.ClientError(t, err) && resttest.ClientError(t, vf.Validate()) {
			_, err := queries.DecodeCursor(vf.Cursor, vf.Sort)
			resttest.ClientError(t, err)
			vf.Cursor = ""
			resttest.WantStorable(t, vf)
		}
	})
}
