// Package resttest holds what the fuzz targets of every module share: the hostile
// seeds each starts from and the checks on an outcome. Whatever the input, the outcome
// must be a client error (never a server error or a panic), or events PostgreSQL can
// store: no NUL, only UTF-8.
package resttest

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
)

// Now is the instant fuzzed commands are decided at, fixed so a failing input
// replays the same way.
var Now = time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)

// Hostile are seeds every body target starts from besides its own.
var Hostile = []string{
	``, `null`, `[]`, `{}`, `"x"`, `{"a":1}`, `{} {}`,
	"{\"title\":\"a\x00b\"}", `{"title":"a\u0000b"}`, "{\"title\":\"\xff\xfe\"}", `{"title":"a\u0007b"}`,
	`{"title":"\ud800"}`, `{"title":"line\nbreak"}`, `{"title":` + `"` + strings.Repeat("x", 400) + `"}`,
	`{"` + strings.Repeat("k", 100) + `":1}`, `{"likelihood":1e999}`, `{"id":"7"}`, `{"id":-1}`,
}

// HostileQueries are seeds every list-query target starts from besides its own.
var HostileQueries = []string{
	"", "limit=500&sort=-score", "q=%00", "q=%ff", "category=a%07", "likelihood=6", "limit=0",
	"action=get&id=x", "action=delete", "owner_id=-1", "cursor=e30", "status=Closed&rating=High", "framework_id=9223372036854775808",
	"sort=-code&cursor=eyJzIjoiLWNvZGUiLCJrIjoiXHUwMDAwIiwiaSI6MX0", "q=" + strings.Repeat("%C3%A9", 201),
}

// Seed adds a body target's own seeds and the hostile ones.
func Seed(f *testing.F, bodies ...string) {
	for _, b := range append(bodies, Hostile...) {
		f.Add([]byte(b))
	}
}

// SeedQueries adds a list-query target's own seeds and the hostile ones.
func SeedQueries(f *testing.F, queries ...string) {
	for _, q := range append(queries, HostileQueries...) {
		f.Add(q)
	}
}

// ClientError fails the test unless err is nil or an error a client is told about;
// it reports whether err is nil.
func ClientError(t *testing.T, err error) bool {
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

// WantStorable fails the test when any text in v is something PostgreSQL refuses.
func WantStorable(t *testing.T, v any) {
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

// Decided checks a decision's outcome: a client error, or events that can be stored.
func Decided(t *testing.T, payloads []events.Payload, err error) {
	t.Helper()
	if ClientError(t, err) {
		for _, p := range payloads {
			WantStorable(t, p)
		}
	}
}

// One decodes body as a handler decodes its JSON input into a T, and reports whether
// it was accepted; a refusal must be a client error.
func One[T any](t *testing.T, body []byte) (T, bool) {
	t.Helper()
	var in T
	return in, ClientError(t, rest.DecodeBody(body, &in))
}
