package text

import (
	"strings"
	"testing"

	"github.com/strata-grc/strata"
)

func TestProblem(t *testing.T) {
	for _, c := range []struct {
		name, v string
		kind    Kind
		want    string
	}{
		{"empty is fine", "", Name, ""},
		{"plain", "Access review", Name, ""},
		{"at the limit in characters, not bytes", strings.Repeat("é", MaxName), Name, ""},
		{"over the limit", strings.Repeat("é", MaxName+1), Name, "must be at most 200 characters"},
		{"NUL", "a\x00b", Description, "must not contain NUL characters"},
		{"invalid UTF-8", "a\xffb", Description, "must be UTF-8 text"},
		{"a truncated rune", "é"[:1], Name, "must be UTF-8 text"},
		{"a bell", "a\ab", Name, "must not contain control characters (U+0007 at character 2)"},
		{"DEL", "a\x7f", Description, "must not contain control characters (U+007F at character 2)"},
		{"a C1 control", "a\u0085", Description, "must not contain control characters (U+0085 at character 2)"},
		{"escape in multi-line text", "\x1b[31m", Description, "must not contain control characters (U+001B at character 1)"},
		{"a line feed in a name", "a\nb", Name, "must be a single line"},
		{"a carriage return in a code", "a\rb", Code, "must be a single line"},
		{"a tab in a title", "a\tb", Title, "must be a single line"},
		{"a line separator in a name", "a\u2028b", Name, "must be a single line"},
		{"a vertical tab in a name", "a\vb", Name, "must be a single line"},
		{"line breaks in a description", "one\r\ntwo\n\tthree\u2029", Description, ""},
		{"emoji and other scripts", "🔒 Zugriff 访问", Name, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Problem(c.v, c.kind); got != c.want {
				t.Errorf("Problem(%q) = %q, want %q", c.v, got, c.want)
			}
		})
	}
}

func TestRequireAndCheck(t *testing.T) {
	errs := strata.FieldErrors{}
	Require(errs, "title", "", Title)
	Check(errs, "description", "", Description)
	Require(errs, "code", "A\x00", Code)
	if len(errs) != 2 || errs["title"] != "is required" || errs["code"] != "must not contain NUL characters" {
		t.Fatalf("errors = %v", errs)
	}
}

func TestAddress(t *testing.T) {
	for v, want := range map[string]string{
		"ann@example.com":       "",
		"":                      "is required",
		"Ann <ann@example.com>": "must be an email address such as name@example.com",
		"ann":                   "must be an email address such as name@example.com",
		"ann\x00@example.com":   "must not contain NUL characters",
		strings.Repeat("a", 250) + "@example.com": "must be at most 254 characters",
	} {
		errs := strata.FieldErrors{}
		Address(errs, "email", v)
		if errs["email"] != want {
			t.Errorf("Address(%.20q) = %q, want %q", v, errs["email"], want)
		}
	}
}

func TestPasswords(t *testing.T) {
	for _, c := range []struct {
		v              string
		wantNew, wantG string
	}{
		{"", "is required", "is required"},
		{"short", "must be at least 12 characters", ""},
		{"ééééééééééé", "must be at least 12 characters", ""}, // 22 bytes, 11 characters
		{"correct horse battery staple", "", ""},
		{strings.Repeat("p", MaxPasswordBytes), "", ""},
		{strings.Repeat("p", MaxPasswordBytes+1), "must be at most 1024 bytes", "must be at most 1024 bytes"},
	} {
		errs := strata.FieldErrors{}
		NewPassword(errs, "new", c.v)
		Password(errs, "given", c.v)
		if errs["new"] != c.wantNew || errs["given"] != c.wantG {
			t.Errorf("%.20q: new %q given %q, want %q and %q", c.v, errs["new"], errs["given"], c.wantNew, c.wantG)
		}
	}
}

func TestStorable(t *testing.T) {
	for v, want := range map[string]bool{"": true, "IAM-1\t": true, "a\x00": false, "\xff": false} {
		if Storable(v) != want {
			t.Errorf("Storable(%q) = %v", v, !want)
		}
	}
}

func FuzzProblem(f *testing.F) {
	for _, s := range []string{"", "abc", "a\x00", "\xff", "é", "a\nb", "\u2028", strings.Repeat("x", 201)} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, v string, multiline bool) {
		k := Kind{max: MaxName, multiline: multiline}
		if Problem(v, k) != "" {
			return
		}
		// Whatever passes is something PostgreSQL stores and a one-line field shows
		// on one line.
		if !Storable(v) {
			t.Fatalf("%q passed but PostgreSQL would refuse it", v)
		}
		if !multiline && strings.ContainsAny(v, "\n\r\t\u2028\u2029") {
			t.Fatalf("%q passed as one line", v)
		}
		if n := len([]rune(v)); n > MaxName {
			t.Fatalf("%d characters passed", n)
		}
	})
}

func TestQuote(t *testing.T) {
	long := strings.Repeat("é", 500000)
	for v, want := range map[string]string{
		"":                      `""`,
		"IAM-1":                 `"IAM-1"`,
		strings.Repeat("a", 40): `"` + strings.Repeat("a", 40) + `"`,
		long:                    `"` + strings.Repeat("é", 40) + `…" (500000 characters)`,
		"a\x00" + long:          `"a\x00` + strings.Repeat("é", 38) + `…" (500002 characters)`,
	} {
		if got := Quote(v); got != want {
			t.Errorf("Quote(%.10q) = %s, want %s", v, got, want)
		}
	}
}
