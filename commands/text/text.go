// Package text holds the rules for the text clients send: how long each kind of value
// may be and which characters it may hold. Every command and query checks its text
// here, so the limits the API documents are the limits it applies.
//
// Beyond length, the rules keep out what would hurt later rather than now: PostgreSQL
// refuses NUL and invalid UTF-8 (an event holding either could be stored in one event
// log and then stop a projection forever), and control characters in a name end up
// in CSV exports, terminals and log lines where they do harm or hide text. Line
// breaks and tabs are kept where a person writes paragraphs.
package text

import (
	"fmt"
	"net/mail"
	"strconv"
	"unicode/utf8"

	"github.com/strata-grc/strata"
)

// The most characters (Unicode code points, not bytes) each kind of value may have.
const (
	MaxName        = 200   // a person's, organization's or framework's name; a risk's title
	MaxTitle       = 300   // a control's or requirement's title
	MaxCode        = 50    // a control's or requirement's code
	MaxVersion     = 50    // a framework's version
	MaxCategory    = 100   // a risk's category
	MaxFileName    = 255   // an imported file's name
	MaxSearch      = 200   // a list's q filter
	MaxDescription = 10000 // a risk's or control's description
	MaxSummary     = 5000  // a framework's or requirement's description, a risk response, test notes
	MaxNote        = 2000  // the notes of a person's effectiveness rating
	MaxReason      = 1000  // why something was deleted or disabled
	MaxEmail       = 254   // an email address (RFC 5321's limit on a path)
)

// Passwords are measured in bytes at the top, because hashing costs per byte, and in
// characters at the bottom, because that is what a person types.
const (
	MinPassword      = 12
	MaxPasswordBytes = 1024
)

// Kind is a kind of text value: its maximum length and whether it may span lines.
type Kind struct {
	max       int
	multiline bool
}

// Max is the most characters a value of the kind may have.
func (k Kind) Max() int { return k.max }

// Multiline reports whether line breaks and tabs are allowed.
func (k Kind) Multiline() bool { return k.multiline }

// The kinds of text the API takes.
var (
	Name        = Kind{max: MaxName}
	Title       = Kind{max: MaxTitle}
	Code        = Kind{max: MaxCode}
	Version     = Kind{max: MaxVersion}
	Category    = Kind{max: MaxCategory}
	FileName    = Kind{max: MaxFileName}
	Search      = Kind{max: MaxSearch}
	Email       = Kind{max: MaxEmail}
	Description = Kind{max: MaxDescription, multiline: true}
	Summary     = Kind{max: MaxSummary, multiline: true}
	Note        = Kind{max: MaxNote, multiline: true}
	Reason      = Kind{max: MaxReason, multiline: true}
)

// Problem says what is wrong with v as a value of kind k, or "" when nothing is. An
// empty value is fine here; Require refuses it.
func Problem(v string, k Kind) string {
	n := 0
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return "must be UTF-8 text"
		case r == 0:
			return "must not contain NUL characters"
		case !allowed(r, k.multiline):
			if !k.multiline && breaksLine(r) {
				return "must be a single line"
			}
			return fmt.Sprintf("must not contain control characters (U+%04X at character %d)", r, n+1)
		}
		i += size
		n++
	}
	if n > k.max {
		return fmt.Sprintf("must be at most %d characters", k.max)
	}
	return ""
}

// breaksLine reports the characters that start a new line or column.
func breaksLine(r rune) bool {
	return r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029' || r == '\v' || r == '\f' || r == '\u0085'
}

// allowed reports whether r may appear in a value: no C0 or C1 control character
// except, in multi-line text, line feed, carriage return and tab; one-line text also
// keeps out the Unicode line and paragraph separators.
func allowed(r rune, multiline bool) bool {
	switch {
	case r == '\n' || r == '\r' || r == '\t':
		return multiline
	case r < 0x20 || (r >= 0x7f && r <= 0x9f):
		return false
	case r == '\u2028' || r == '\u2029':
		return multiline
	}
	return true
}

// Check records v's problem as field's, if it has one; an empty value is fine.
func Check(errs strata.FieldErrors, field, v string, k Kind) {
	if p := Problem(v, k); p != "" {
		errs.Add(field, p)
	}
}

// Require is Check for a value that must not be empty.
func Require(errs strata.FieldErrors, field, v string, k Kind) {
	if v == "" {
		errs.Add(field, "is required")
		return
	}
	Check(errs, field, v, k)
}

// Address checks an email address that is to be stored: one line, at most MaxEmail
// characters, and an address alone (no display name or angle brackets).
func Address(errs strata.FieldErrors, field, v string) {
	if v == "" {
		errs.Add(field, "is required")
		return
	}
	if p := Problem(v, Email); p != "" {
		errs.Add(field, p)
		return
	}
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
		errs.Add(field, "must be an email address such as name@example.com")
	}
}

// NewPassword checks a password that is to be set: long enough to resist guessing and
// short enough to hash cheaply. Composition is not judged (NIST SP 800-63B).
func NewPassword(errs strata.FieldErrors, field, v string) {
	switch {
	case v == "":
		errs.Add(field, "is required")
	case !utf8.ValidString(v):
		errs.Add(field, "must be UTF-8 text")
	case utf8.RuneCountInString(v) < MinPassword:
		errs.Add(field, fmt.Sprintf("must be at least %d characters", MinPassword))
	case len(v) > MaxPasswordBytes:
		errs.Add(field, fmt.Sprintf("must be at most %d bytes", MaxPasswordBytes))
	}
}

// Password checks a password offered to prove who someone is (at login, or before a
// change): only its size, since a password no account could have is simply wrong, but
// an unbounded one would cost a hash of any length.
func Password(errs strata.FieldErrors, field, v string) {
	switch {
	case v == "":
		errs.Add(field, "is required")
	case len(v) > MaxPasswordBytes:
		errs.Add(field, fmt.Sprintf("must be at most %d bytes", MaxPasswordBytes))
	}
}

// Storable reports whether PostgreSQL can hold v as text at all: UTF-8 without NUL.
// It is for values that are only looked up, never stored (a cursor's key, say), where
// the finer rules of a kind would refuse rows already stored.
func Storable(v string) bool {
	if !utf8.ValidString(v) {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] == 0 {
			return false
		}
	}
	return true
}

// QuoteLimit is how many characters of a client's value an error message quotes.
const QuoteLimit = 40

// Quote quotes v for an error message, only its first QuoteLimit characters when it
// is longer, with its length: an error that repeats a client's value in full can
// be made to weigh as much as the request, many times over.
func Quote(v string) string {
	return strconv.Quote(Clip(v)) + lengthNote(v)
}

// Clip returns v, or its first QuoteLimit characters followed by "…" when it is longer.
func Clip(v string) string {
	i, n := 0, 0
	for i < len(v) && n < QuoteLimit {
		_, size := utf8.DecodeRuneInString(v[i:])
		i += size
		n++
	}
	if i == len(v) {
		return v
	}
	return v[:i] + "…"
}

func lengthNote(v string) string {
	if n := utf8.RuneCountInString(v); n > QuoteLimit {
		return fmt.Sprintf(" (%d characters)", n)
	}
	return ""
}
