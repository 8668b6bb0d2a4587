package risks

import (
	"net/url"
	"strings"
	"testing"

	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/api/rest/resttest"
	cmdrisks "github.com/strata-grc/strata/commands/risks"
	evrisks "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/queries"
)

// The fuzz targets here feed every risk command body and the risk list query through
// the decoding and the decision the server runs, without a database. `make fuzz` runs
// each for a minute; `go test` replays the seeds and testdata/fuzz.

// existingRisk is what updates are decided against.
func existingRisk() cmdrisks.Risk {
	owner := int64(3)
	return cmdrisks.Risk{ID: 1, Fields: evrisks.Fields{Title: "Phishing", Category: "Security", Status: "Assessed",
		Likelihood: 3, Impact: 4, OwnerID: &owner},
		Responses: map[int64]evrisks.Response{2: {Type: "mitigate", Description: "Training", Status: "planned"}}}
}

func FuzzRiskCreate(f *testing.F) {
	resttest.Seed(f, `{"title":"Phishing","category":"Security","likelihood":3,"impact":4}`,
		`{"title":"T","category":"C","likelihood":1,"impact":1,"residual_likelihood":1,"residual_impact":1,"review_date":"2026-02-30","owner_id":1,"description":"a\r\nb"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := resttest.One[riskInput](t, body)
		if !ok {
			return
		}
		payloads, err := cmdrisks.Decide(cmdrisks.Risk{}, false, cmdrisks.Create{RiskID: 1, Fields: in.fields()}, resttest.Now)
		resttest.Decided(t, payloads, in.missingScores(err))
	})
}

func FuzzRiskUpdate(f *testing.F) {
	resttest.Seed(f, `{"title":"New"}`, `{"status":"Closed","version":3,"inherent_score":1}`, `{"review_date":"0000-01-01"}`,
		`{"residual_likelihood":2}`, `{"description":null}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if !resttest.ClientError(t, rest.CheckUTF8(body)) {
			return
		}
		payloads, err := cmdrisks.Decide(existingRisk(), true, cmdrisks.Update{Patch: body}, resttest.Now)
		resttest.Decided(t, payloads, err)
		payloads, err = cmdrisks.Decide(existingRisk(), true, cmdrisks.UpdateResponse{ResponseID: 2, Patch: body}, resttest.Now)
		resttest.Decided(t, payloads, err)
		_, err = rest.BodyID(body)
		resttest.ClientError(t, err)
	})
}

func FuzzRiskResponse(f *testing.F) {
	resttest.Seed(f, `{"type":"mitigate","description":"Train staff","due_date":"2026-03-01"}`, `{"type":"accept","description":" ","status":"done"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := resttest.One[responseInput](t, body); ok {
			payloads, err := cmdrisks.Decide(existingRisk(), true, cmdrisks.AddResponse{ResponseID: 3, Response: in.response()}, resttest.Now)
			resttest.Decided(t, payloads, err)
		}
	})
}

func FuzzRiskDelete(f *testing.F) {
	resttest.Seed(f, `{"id":1,"reason":"duplicate"}`, `{"reason":"`+strings.Repeat("r", 1001)+`"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := resttest.One[deleteInput](t, body); ok {
			payloads, err := cmdrisks.Decide(existingRisk(), true, cmdrisks.Delete{Reason: in.Reason}, resttest.Now)
			resttest.Decided(t, payloads, err)
		}
	})
}

// FuzzRiskListQuery reads a raw query string as the risk list route does, then has
// the reader check it as far as it goes before the database: the filter's values and
// the cursor.
func FuzzRiskListQuery(f *testing.F) {
	resttest.SeedQueries(f)
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw) // gin, too, keeps what parses
		if _, _, err := rest.ListAction(q); !resttest.ClientError(t, err) {
			return
		}
		// The cursor is decoded, never stored, so it is checked by decoding it.
		if rf, err := riskFilter(q); resttest.ClientError(t, err) && resttest.ClientError(t, rf.Validate()) {
			_, err := queries.DecodeCursor(rf.Cursor, rf.Sort)
			resttest.ClientError(t, err)
			rf.Cursor = ""
			resttest.WantStorable(t, rf)
		}
	})
}
