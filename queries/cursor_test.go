package queries

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/text"
)

// FuzzDecodeCursor: a cursor comes back from a client, so any string must decode to a
// cursor of the list's sort or be refused as a client error, and its key must be a
// value PostgreSQL takes.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(Cursor{Sort: "-score", Key: []byte("12"), ID: 7, Total: 40}.Encode(), "-score")
	f.Add(Cursor{Sort: "code", Key: []byte(`"IAM-10"`), ID: 3}.Encode(), "code")
	f.Add(Cursor{Sort: "updated_at", Key: []byte(`"2026-01-31T12:00:00Z"`), ID: 3}.Encode(), "updated_at")
	for _, raw := range []string{`{"s":"code","k":"\u0000","i":1}`, `{"s":"code","k":"\ud800","i":1}`, `{"s":"","i":0}`,
		`{"s":"","i":-5}`, `{"s":"x","k":[1,2],"i":1}`, `{"s":"code","k":1e999,"i":1}`, `null`, `[]`} {
		f.Add(base64.RawURLEncoding.EncodeToString([]byte(raw)), "code")
	}
	f.Add("!!!", "")
	f.Add("e30=", "")
	f.Fuzz(func(t *testing.T, s, sort string) {
		c, err := DecodeCursor(s, sort)
		if err != nil {
			wantInvalid(t, err)
			return
		}
		if c == nil {
			if s != "" {
				t.Fatalf("%q decoded to no cursor", s)
			}
			return
		}
		if c.Sort != sort || c.ID <= 0 {
			t.Fatalf("cursor %+v passed for sort %q", c, sort)
		}
		if k, err := CursorKey[string](c.Key); err != nil {
			wantInvalid(t, err)
		} else if !text.Storable(k.(string)) {
			t.Fatalf("key %q passed", k)
		}
		if _, err := CursorKey[int](c.Key); err != nil {
			wantInvalid(t, err)
		}
		if _, err := CursorKey[time.Time](c.Key); err != nil {
			wantInvalid(t, err)
		}
	})
}

func wantInvalid(t *testing.T, err error) {
	t.Helper()
	var e *strata.Error
	if !errors.As(err, &e) || e.Code != strata.Invalid {
		t.Fatalf("want a VALIDATION_ERROR, got %v", err)
	}
}
