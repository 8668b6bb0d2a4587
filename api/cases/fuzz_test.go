package cases

import (
	"net/url"
	"testing"

	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/api/rest/resttest"
	cmdcases "github.com/strata-grc/strata/commands/cases"
	evcases "github.com/strata-grc/strata/events/cases"
	"github.com/strata-grc/strata/queries"
)

// The fuzz targets here feed every case command body and the list query through the
// decoding and the decision the server runs, without a database. `make fuzz` runs
// each for a minute; `go test` replays the seeds and testdata/fuzz.

// existing is a case under review, assigned, what changes are decided against.
func existing() cmdcases.Case {
	assignee := int64(3)
	return cmdcases.Case{ID: 1, Fields: evcases.Fields{Title: "Invoices", Priority: cmdcases.High, Confidential: true},
		Status: cmdcases.Review, AssigneeID: &assignee, Stamp: cmdcases.Stamp{Version: 4, CreatedBy: 2}}
}

func FuzzCaseCreate(f *testing.F) {
	resttest.Seed(f, `{"title":"Invoices","type":"fraud","priority":"urgent","reporter":"Hotline","confidential":true}`,
		`{"title":" ","priority":"critical","confidential":"yes"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := resttest.One[input](t, body)
		if !ok {
			return
		}
		fields := evcases.Fields{Title: in.Title, Description: in.Description, Type: in.Type, Priority: in.Priority,
			Reporter: in.Reporter, Confidential: in.Confidential}
		payloads, err := cmdcases.Decide(cmdcases.Case{}, false, cmdcases.Open{CaseID: 1, Fields: fields})
		resttest.Decided(t, payloads, err)
	})
}

// FuzzCasePatch sends one body to the partial update, the status change and the
// assignment.
func FuzzCasePatch(f *testing.F) {
	resttest.Seed(f, `{"title":"New"}`, `{"status":"completed","resolution":"substantiated","comment":"done"}`,
		`{"assignee_id":null}`, `{"confidential":false,"version":4}`, `{"status":"in_progress","comment":""}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if !resttest.ClientError(t, rest.CheckUTF8(body)) {
			return
		}
		payloads, err := cmdcases.Decide(existing(), true, cmdcases.Update{Patch: body})
		resttest.Decided(t, payloads, err)
		in, ok := resttest.One[struct {
			Status     string `json:"status"`
			Comment    string `json:"comment"`
			Resolution string `json:"resolution"`
			AssigneeID *int64 `json:"assignee_id"`
		}](t, body)
		if !ok {
			return
		}
		for _, cmd := range []any{
			cmdcases.ChangeStatus{Status: in.Status, Comment: in.Comment, Resolution: in.Resolution},
			cmdcases.Assign{AssigneeID: in.AssigneeID},
		} {
			payloads, err := cmdcases.Decide(existing(), true, cmd)
			resttest.Decided(t, payloads, err)
		}
	})
}

// FuzzCaseListQuery reads a raw query string as the list route does, then has the
// reader check it as far as it goes before the database.
func FuzzCaseListQuery(f *testing.F) {
	resttest.SeedQueries(f, "status=review&priority=urgent", "confidential=true&sort=-priority", "assignee_id=-1&q=%00")
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		if _, _, err := rest.ListAction(q); !resttest.ClientError(t, err) {
			return
		}
		if cf, err := filter(q); resttest.ClientError(t, err) && resttest.ClientError(t, cf.Validate()) {
			_, err := queries.DecodeCursor(cf.Cursor, cf.Sort)
			resttest.ClientError(t, err)
			cf.Cursor = ""
			resttest.WantStorable(t, cf)
		}
	})
}
