package api

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/api/rest/resttest"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/commands/text"
)

// The fuzz targets here feed the member, login, password and organization-switch
// bodies through the decoding and the checks the server runs, without a database.
// Whatever the input, the outcome must be a client error (never a server error or a
// panic), or text PostgreSQL can store. `make fuzz` runs each for a minute; `go test`
// replays the seeds and testdata/fuzz. Each module fuzzes its own bodies next to its
// handlers.

func FuzzMemberAdd(f *testing.F) {
	resttest.Seed(f, `{"email":"ann@example.com","name":"Ann","password":"correct horse battery","role":"viewer"}`,
		`{"email":"Ann <ann@example.com>","name":"Ann","password":"x","role":"owner"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := resttest.One[memberInput](t, body)
		if !ok || !resttest.ClientError(t, in.validate().Err()) {
			return
		}
		// What passed is stored as the account and its membership.
		resttest.WantStorable(t, in)
		if strings.ContainsAny(strings.TrimSpace(in.Name)+in.Email, "\n\r\t") {
			t.Fatalf("a line break passed in %q %q", in.Name, in.Email)
		}
		payloads, err := identity.DecideMember(identity.Organization{ID: 1}, 2, in.Role)
		resttest.Decided(t, payloads, err)
	})
}

func FuzzMemberRole(f *testing.F) {
	resttest.Seed(f, `{"role":"auditor"}`, `{"role":"admin"}`, `{"role":""}`)
	org := identity.Organization{ID: 1, Members: map[int64]string{1: identity.Admin, 2: identity.Viewer}}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in struct {
			Role string `json:"role"`
		}
		if resttest.ClientError(t, rest.DecodeBody(body, &in)) && in.Role != "" {
			payloads, err := identity.DecideMember(org, 2, in.Role)
			resttest.Decided(t, payloads, err)
		}
	})
}

func FuzzLogin(f *testing.F) {
	resttest.Seed(f, `{"email":"ann@example.com","password":"correct horse battery"}`, `{"email":"","password":""}`,
		`{"email":"ann@example.com","password":"`+strings.Repeat("p", 1025)+`","organization_id":2}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok := resttest.One[loginInput](t, body)
		if ok && resttest.ClientError(t, in.validate()) {
			// The email goes to the throttle's table and the account lookup.
			resttest.WantStorable(t, in.Email)
			if len(in.Password) > text.MaxPasswordBytes {
				t.Fatalf("a password of %d bytes passed", len(in.Password))
			}
		}
	})
}

func FuzzPasswordChange(f *testing.F) {
	resttest.Seed(f, `{"current_password":"correct horse battery","new_password":"another long passphrase"}`, `{"new_password":"short"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := resttest.One[passwordInput](t, body); ok && resttest.ClientError(t, in.validate()) {
			if n := utf8.RuneCountInString(in.NewPassword); n < text.MinPassword || len(in.NewPassword) > text.MaxPasswordBytes {
				t.Fatalf("a new password of %d characters passed", n)
			}
		}
	})
}

func FuzzOrganizationSwitch(f *testing.F) {
	resttest.Seed(f, `{"organization_id":2}`, `{"organization_id":0}`, `{"organization_id":"2"}`, `{"organization_id":9223372036854775808}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, ok := resttest.One[switchInput](t, body); ok && resttest.ClientError(t, in.validate()) && *in.OrganizationID <= 0 {
			t.Fatalf("organization %d passed", *in.OrganizationID)
		}
	})
}
