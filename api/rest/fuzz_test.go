// The fuzz targets here are an external test package: resttest imports rest, so
// rest's own tests cannot import it, and every function they check is exported.
package rest_test

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/api/rest/resttest"
)

func FuzzAsOf(f *testing.F) {
	for _, s := range []string{"2026-01-31T12:00:00Z", "2026-01-31T12:00:00.123456789+02:00", "0000-01-01T00:00:00Z",
		"2026-02-30T00:00:00Z", "2026-01-31", "now", "\x00", "9999-12-31T23:59:59-23:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		_, err := rest.ParseAsOf(raw)
		if !resttest.ClientError(t, err) {
			var e *strata.Error
			if errors.As(err, &e); e.Fields["as_of"] == "" {
				t.Fatalf("the refusal does not name as_of: %v", err)
			}
		}
	})
}

// FuzzCheckUTF8 checks that a body the server accepts as UTF-8 decodes to the same
// text the client sent: nothing is silently replaced.
func FuzzCheckUTF8(f *testing.F) {
	resttest.Seed(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		if rest.CheckUTF8(body) != nil {
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("%q passed", body)
		}
		var v any
		_ = json.Unmarshal(body, &v)
	})
}
