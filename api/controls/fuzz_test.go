package controls

import (
	"net/url"
	"testing"

	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/api/rest/resttest"
	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	evcontrols "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/queries"
)

// The fuzz targets here feed every control and framework command body and the control
// and framework list queries through the decoding and the decision the server runs,
// without a database. `make fuzz` runs each for a minute; `go test` replays the seeds
// and testdata/fuzz.

// existingControl is what updates are decided against.
func existingControl() cmdcontrols.Control {
	return cmdcontrols.Control{ID: 1, Fields: evcontrols.Fields{Code: "IAM-1", Title: "Access review",
		Type: "detective", Frequency: "quarterly"}, Status: cmdcontrols.Active, Effectiveness: cmdcontrols.NotTested}
}

func FuzzControlCreate(f *testing.F) {
	resttest.Seed(f, `{"code":"IAM-2","title":"MFA","type":"preventive","frequency":"continuous","status":"Active"}`,
		`{"code":"A\tB","title":"t","type":"detective","frequency":"daily","framework_id":0}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := resttest.One[controlInput](t, body); ok {
			payloads, err := cmdcontrols.DecideControl(cmdcontrols.Control{}, false,
				cmdcontrols.CreateControl{ControlID: 1, Fields: in.fields(), Status: in.Status}, resttest.Now)
			resttest.Decided(t, payloads, err)
		}
	})
}

func FuzzControlUpdate(f *testing.F) {
	resttest.Seed(f, `{"title":"Quarterly access review"}`, `{"status":"Archived","code":"IAM-9"}`, `{"status":null}`, `{"effectiveness":"Effective"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if !resttest.ClientError(t, rest.CheckUTF8(body)) {
			return
		}
		payloads, err := cmdcontrols.DecideControl(existingControl(), true, cmdcontrols.UpdateControl{Patch: body}, resttest.Now)
		resttest.Decided(t, payloads, err)
	})
}

func FuzzControlEffectiveness(f *testing.F) {
	resttest.Seed(f, `{"effectiveness":"Partially Effective","notes":"Two gaps"}`, `{"effectiveness":"Effective","notes":""}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := resttest.One[effectivenessInput](t, body); ok {
			payloads, err := cmdcontrols.DecideControl(existingControl(), true, in.command(), resttest.Now)
			resttest.Decided(t, payloads, err)
		}
	})
}

func FuzzControlTest(f *testing.F) {
	resttest.Seed(f, `{"result":"Pass","notes":"ok"}`, `{"tested_at":"2026-01-30T10:00:00Z","result":"Fail"}`,
		`{"tested_at":"0001-01-01T00:00:00Z","result":"Pass"}`, `{"tested_at":"9999-12-31T23:59:59+23:59","result":"Inconclusive"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := resttest.One[testInput](t, body)
		if !ok {
			return
		}
		cmd, err := in.command()
		if !resttest.ClientError(t, err) {
			return
		}
		cmd.TestID = 5
		payloads, err := cmdcontrols.DecideControl(existingControl(), true, cmd, resttest.Now)
		resttest.Decided(t, payloads, err)
	})
}

func FuzzFrameworkCreate(f *testing.F) {
	resttest.Seed(f, `{"name":"ISO 27001","version":"2022","description":"Annex A"}`, `{"name":"  "}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := resttest.One[frameworkInput](t, body); ok {
			cmd := in.command()
			cmd.FrameworkID = 1
			payloads, err := cmdcontrols.DecideFramework(cmdcontrols.Framework{}, false, cmd)
			resttest.Decided(t, payloads, err)
		}
	})
}

func FuzzRequirementAdd(f *testing.F) {
	resttest.Seed(f, `{"code":"A.5.1","title":"Policies","description":"Write them"}`, `{"code":"a-1","title":"dup"}`)
	fw := cmdcontrols.Framework{ID: 1, Name: "F", Codes: map[string]int64{"a-1": 1},
		Requirements: map[int64]evcontrols.Requirement{1: {Code: "A-1", Title: "One"}}}
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := resttest.One[evcontrols.Requirement](t, body); ok {
			payloads, err := cmdcontrols.DecideFramework(fw, true, cmdcontrols.AddRequirement{NewRequirement: cmdcontrols.NewRequirement{ID: 2, Requirement: in}})
			resttest.Decided(t, payloads, err)
		}
	})
}

// FuzzControlListQuery reads a raw query string as the control and framework list
// routes do, then has the readers check it as far as they go before the database:
// the filter's values and the cursor.
func FuzzControlListQuery(f *testing.F) {
	resttest.SeedQueries(f)
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw) // gin, too, keeps what parses
		if _, _, err := rest.ListAction(q); !resttest.ClientError(t, err) {
			return
		}
		// The cursor is decoded, never stored, so it is checked by decoding it.
		if cf, err := controlFilter(q); resttest.ClientError(t, err) && resttest.ClientError(t, cf.Validate()) {
			if c, err := queries.DecodeCursor(cf.Cursor, cf.Sort); resttest.ClientError(t, err) && c != nil && len(c.Key) > 0 {
				key, err := queries.CursorKey[string](c.Key)
				if resttest.ClientError(t, err) {
					resttest.WantStorable(t, key)
				}
			}
			cf.Cursor = ""
			resttest.WantStorable(t, cf)
		}
		if ff, err := frameworkFilter(q); resttest.ClientError(t, err) && resttest.ClientError(t, ff.Validate()) {
			ff.Cursor = ""
			resttest.WantStorable(t, ff)
		}
	})
}
