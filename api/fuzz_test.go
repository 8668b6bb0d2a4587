package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/strata-grc/strata"
	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/commands/identity"
	cmdrisks "github.com/strata-grc/strata/commands/risks"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	evcontrols "github.com/strata-grc/strata/events/controls"
	evrisks "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/queries"
)

// The fuzz targets here feed every JSON command body and list query through the
// decoding and the decision the server runs, without a database. Whatever the input,
// the outcome must be a client error (never a server error or a panic), or events
// PostgreSQL can store: no NUL, only UTF-8. `make fuzz` runs each for a minute; `go
// test` replays the seeds and testdata/fuzz.

var fuzzNow = time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)

// hostile are seeds every body target starts from besides its own.
var hostile = []string{
	``, `null`, `[]`, `{}`, `"x"`, `{"a":1}`, `{} {}`,
	"{\"title\":\"a\x00b\"}", `{"title":"a\u0000b"}`, "{\"title\":\"\xff\xfe\"}", `{"title":"a\u0007b"}`,
	`{"title":"\ud800"}`, `{"title":"line\nbreak"}`, `{"title":` + `"` + strings.Repeat("x", 400) + `"}`,
	`{"` + strings.Repeat("k", 100) + `":1}`, `{"likelihood":1e999}`, `{"id":"7"}`, `{"id":-1}`,
}

func seed(f *testing.F, bodies ...string) {
	for _, b := range append(bodies, hostile...) {
		f.Add([]byte(b))
	}
}

// clientError fails the test unless err is nil or an error a client is told about;
// it reports whether err is nil.
func clientError(t *testing.T, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	var e *strata.Error
	if !errors.As(err, &e) || e.Code == strata.Internal {
		t.Fatalf("a server error for client input: %v", err)
	}
	if e.Code == strata.Invalid && e.Message == "" {
		t.Fatalf("a refusal without a message: %#v", e)
	}
	for k, v := range e.Fields {
		if len(k) > 200 || len(v) > 2000 {
			t.Fatalf("an error field of %d+%d bytes", len(k), len(v))
		}
	}
	return false
}

// wantStorable fails the test when any text in v is something PostgreSQL refuses.
func wantStorable(t *testing.T, v any) {
	t.Helper()
	var walk func(reflect.Value, string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 { // JSON held raw
				b := v.Bytes()
				if !utf8.Valid(b) || bytes.Contains(b, []byte(`\u0000`)) {
					t.Fatalf("%s holds %q", path, b)
				}
				return
			}
			for i := range v.Len() {
				walk(v.Index(i), path)
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(k, path)
				walk(v.MapIndex(k), path)
			}
		case reflect.String:
			if !text.Storable(v.String()) {
				t.Fatalf("%s = %q would be refused by PostgreSQL", path, v.String())
			}
		}
	}
	walk(reflect.ValueOf(v), "event")
}

// decided checks a decision's outcome.
func decided(t *testing.T, payloads []events.Payload, err error) {
	t.Helper()
	if clientError(t, err) {
		for _, p := range payloads {
			wantStorable(t, p)
		}
	}
}

func one[T any](t *testing.T, body []byte) (T, bool) {
	t.Helper()
	var in T
	return in, clientError(t, decodeBody(body, &in))
}

// existingRisk and existingControl are what updates are decided against.
func existingRisk() cmdrisks.Risk {
	owner := int64(3)
	return cmdrisks.Risk{ID: 1, Fields: evrisks.Fields{Title: "Phishing", Category: "Security", Status: "Assessed",
		Likelihood: 3, Impact: 4, OwnerID: &owner},
		Responses: map[int64]evrisks.Response{2: {Type: "mitigate", Description: "Training", Status: "planned"}}}
}

func existingControl() cmdcontrols.Control {
	return cmdcontrols.Control{ID: 1, Fields: evcontrols.Fields{Code: "IAM-1", Title: "Access review",
		Type: "detective", Frequency: "quarterly"}, Status: cmdcontrols.Active, Effectiveness: cmdcontrols.NotTested}
}

func FuzzRiskCreate(f *testing.F) {
	seed(f, `{"title":"Phishing","category":"Security","likelihood":3,"impact":4}`,
		`{"title":"T","category":"C","likelihood":1,"impact":1,"residual_likelihood":1,"residual_impact":1,"review_date":"2026-02-30","owner_id":1,"description":"a\r\nb"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := one[riskInput](t, body)
		if !ok {
			return
		}
		payloads, err := cmdrisks.Decide(cmdrisks.Risk{}, false, cmdrisks.Create{RiskID: 1, Fields: in.fields()}, fuzzNow)
		decided(t, payloads, in.missingScores(err))
	})
}

func FuzzRiskUpdate(f *testing.F) {
	seed(f, `{"title":"New"}`, `{"status":"Closed","version":3,"inherent_score":1}`, `{"review_date":"0000-01-01"}`,
		`{"residual_likelihood":2}`, `{"description":null}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if !clientError(t, checkUTF8(body)) {
			return
		}
		payloads, err := cmdrisks.Decide(existingRisk(), true, cmdrisks.Update{Patch: body}, fuzzNow)
		decided(t, payloads, err)
		payloads, err = cmdrisks.Decide(existingRisk(), true, cmdrisks.UpdateResponse{ResponseID: 2, Patch: body}, fuzzNow)
		decided(t, payloads, err)
		_, err = bodyID(body)
		clientError(t, err)
	})
}

func FuzzRiskResponse(f *testing.F) {
	seed(f, `{"type":"mitigate","description":"Train staff","due_date":"2026-03-01"}`, `{"type":"accept","description":" ","status":"done"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := one[responseInput](t, body); ok {
			payloads, err := cmdrisks.Decide(existingRisk(), true, cmdrisks.AddResponse{ResponseID: 3, Response: in.response()}, fuzzNow)
			decided(t, payloads, err)
		}
	})
}

func FuzzRiskDelete(f *testing.F) {
	seed(f, `{"id":1,"reason":"duplicate"}`, `{"reason":"`+strings.Repeat("r", 1001)+`"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := one[deleteInput](t, body); ok {
			payloads, err := cmdrisks.Decide(existingRisk(), true, cmdrisks.Delete{Reason: in.Reason}, fuzzNow)
			decided(t, payloads, err)
		}
	})
}

func FuzzControlCreate(f *testing.F) {
	seed(f, `{"code":"IAM-2","title":"MFA","type":"preventive","frequency":"continuous","status":"Active"}`,
		`{"code":"A\tB","title":"t","type":"detective","frequency":"daily","framework_id":0}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := one[controlInput](t, body); ok {
			payloads, err := cmdcontrols.DecideControl(cmdcontrols.Control{}, false,
				cmdcontrols.CreateControl{ControlID: 1, Fields: in.fields(), Status: in.Status}, fuzzNow)
			decided(t, payloads, err)
		}
	})
}

func FuzzControlUpdate(f *testing.F) {
	seed(f, `{"title":"Quarterly access review"}`, `{"status":"Archived","code":"IAM-9"}`, `{"status":null}`, `{"effectiveness":"Effective"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if !clientError(t, checkUTF8(body)) {
			return
		}
		payloads, err := cmdcontrols.DecideControl(existingControl(), true, cmdcontrols.UpdateControl{Patch: body}, fuzzNow)
		decided(t, payloads, err)
	})
}

func FuzzControlEffectiveness(f *testing.F) {
	seed(f, `{"effectiveness":"Partially Effective","notes":"Two gaps"}`, `{"effectiveness":"Effective","notes":""}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := one[effectivenessInput](t, body); ok {
			payloads, err := cmdcontrols.DecideControl(existingControl(), true, in.command(), fuzzNow)
			decided(t, payloads, err)
		}
	})
}

func FuzzControlTest(f *testing.F) {
	seed(f, `{"result":"Pass","notes":"ok"}`, `{"tested_at":"2026-01-30T10:00:00Z","result":"Fail"}`,
		`{"tested_at":"0001-01-01T00:00:00Z","result":"Pass"}`, `{"tested_at":"9999-12-31T23:59:59+23:59","result":"Inconclusive"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := one[testInput](t, body)
		if !ok {
			return
		}
		cmd, err := in.command()
		if !clientError(t, err) {
			return
		}
		cmd.TestID = 5
		payloads, err := cmdcontrols.DecideControl(existingControl(), true, cmd, fuzzNow)
		decided(t, payloads, err)
	})
}

func FuzzFrameworkCreate(f *testing.F) {
	seed(f, `{"name":"ISO 27001","version":"2022","description":"Annex A"}`, `{"name":"  "}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := one[frameworkInput](t, body); ok {
			cmd := in.command()
			cmd.FrameworkID = 1
			payloads, err := cmdcontrols.DecideFramework(cmdcontrols.Framework{}, false, cmd)
			decided(t, payloads, err)
		}
	})
}

func FuzzRequirementAdd(f *testing.F) {
	seed(f, `{"code":"A.5.1","title":"Policies","description":"Write them"}`, `{"code":"a-1","title":"dup"}`)
	fw := cmdcontrols.Framework{ID: 1, Name: "F", Codes: map[string]int64{"a-1": 1},
		Requirements: map[int64]evcontrols.Requirement{1: {Code: "A-1", Title: "One"}}}
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := one[evcontrols.Requirement](t, body); ok {
			payloads, err := cmdcontrols.DecideFramework(fw, true, cmdcontrols.AddRequirement{NewRequirement: cmdcontrols.NewRequirement{ID: 2, Requirement: in}})
			decided(t, payloads, err)
		}
	})
}

func FuzzMemberAdd(f *testing.F) {
	seed(f, `{"email":"ann@example.com","name":"Ann","password":"correct horse battery","role":"viewer"}`,
		`{"email":"Ann <ann@example.com>","name":"Ann","password":"x","role":"owner"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := one[memberInput](t, body)
		if !ok || !clientError(t, in.validate().Err()) {
			return
		}
		// What passed is stored as the account and its membership.
		wantStorable(t, in)
		if strings.ContainsAny(strings.TrimSpace(in.Name)+in.Email, "\n\r\t") {
			t.Fatalf("a line break passed in %q %q", in.Name, in.Email)
		}
		payloads, err := identity.DecideMember(identity.Organization{ID: 1}, 2, in.Role)
		decided(t, payloads, err)
	})
}

func FuzzMemberRole(f *testing.F) {
	seed(f, `{"role":"auditor"}`, `{"role":"admin"}`, `{"role":""}`)
	org := identity.Organization{ID: 1, Members: map[int64]string{1: identity.Admin, 2: identity.Viewer}}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in struct {
			Role string `json:"role"`
		}
		if clientError(t, decodeBody(body, &in)) && in.Role != "" {
			payloads, err := identity.DecideMember(org, 2, in.Role)
			decided(t, payloads, err)
		}
	})
}

func FuzzLogin(f *testing.F) {
	seed(f, `{"email":"ann@example.com","password":"correct horse battery"}`, `{"email":"","password":""}`,
		`{"email":"ann@example.com","password":"`+strings.Repeat("p", 1025)+`","organization_id":2}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := one[loginInput](t, body)
		if ok && clientError(t, in.validate()) {
			// The email goes to the throttle's table and the account lookup.
			wantStorable(t, in.Email)
			if len(in.Password) > text.MaxPasswordBytes {
				t.Fatalf("a password of %d bytes passed", len(in.Password))
			}
		}
	})
}

func FuzzPasswordChange(f *testing.F) {
	seed(f, `{"current_password":"correct horse battery","new_password":"another long passphrase"}`, `{"new_password":"short"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := one[passwordInput](t, body); ok && clientError(t, in.validate()) {
			if n := utf8.RuneCountInString(in.NewPassword); n < text.MinPassword || len(in.NewPassword) > text.MaxPasswordBytes {
				t.Fatalf("a new password of %d characters passed", n)
			}
		}
	})
}

func FuzzOrganizationSwitch(f *testing.F) {
	seed(f, `{"organization_id":2}`, `{"organization_id":0}`, `{"organization_id":"2"}`, `{"organization_id":9223372036854775808}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := one[switchInput](t, body); ok && clientError(t, in.validate()) && *in.OrganizationID <= 0 {
			t.Fatalf("organization %d passed", *in.OrganizationID)
		}
	})
}

func FuzzAsOf(f *testing.F) {
	for _, s := range []string{"2026-01-31T12:00:00Z", "2026-01-31T12:00:00.123456789+02:00", "0000-01-01T00:00:00Z",
		"2026-02-30T00:00:00Z", "2026-01-31", "now", "\x00", "9999-12-31T23:59:59-23:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		_, err := parseAsOf(raw)
		if !clientError(t, err) {
			var e *strata.Error
			if errors.As(err, &e); e.Fields["as_of"] == "" {
				t.Fatalf("the refusal does not name as_of: %v", err)
			}
		}
	})
}

// FuzzListQuery reads a raw query string as each list route does, then has the
// readers check it as far as they go before the database: the filter's values and
// the cursor.
func FuzzListQuery(f *testing.F) {
	for _, s := range []string{"", "limit=500&sort=-score", "q=%00", "q=%ff", "category=a%07", "likelihood=6", "limit=0",
		"action=get&id=x", "action=delete", "owner_id=-1", "cursor=e30", "status=Closed&rating=High", "framework_id=9223372036854775808",
		"sort=-code&cursor=eyJzIjoiLWNvZGUiLCJrIjoiXHUwMDAwIiwiaSI6MX0", "q=" + strings.Repeat("%C3%A9", 201)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw) // gin, too, keeps what parses
		if _, _, err := listAction(q); !clientError(t, err) {
			return
		}
		// The cursor is decoded, never stored, so it is checked by decoding it.
		if rf, err := riskFilter(q); clientError(t, err) && clientError(t, rf.Validate()) {
			_, err := queries.DecodeCursor(rf.Cursor, rf.Sort)
			clientError(t, err)
			rf.Cursor = ""
			wantStorable(t, rf)
		}
		if cf, err := controlFilter(q); clientError(t, err) && clientError(t, cf.Validate()) {
			if c, err := queries.DecodeCursor(cf.Cursor, cf.Sort); clientError(t, err) && c != nil && len(c.Key) > 0 {
				key, err := queries.CursorKey[string](c.Key)
				if clientError(t, err) {
					wantStorable(t, key)
				}
			}
			cf.Cursor = ""
			wantStorable(t, cf)
		}
		if ff, err := frameworkFilter(q); clientError(t, err) && clientError(t, ff.Validate()) {
			ff.Cursor = ""
			wantStorable(t, ff)
		}
	})
}

// FuzzCheckUTF8 checks that a body the server accepts as UTF-8 decodes to the same
// text the client sent: nothing is silently replaced.
func FuzzCheckUTF8(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		if checkUTF8(body) != nil {
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("%q passed", body)
		}
		var v any
		_ = json.Unmarshal(body, &v)
	})
}
