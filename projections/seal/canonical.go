package seal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/strata-grc/strata/events"
)

// FormatVersion is the version of the canonical form, written into every leaf, so a
// later change of the form cannot be mistaken for a changed event.
const FormatVersion = 1

// maxNumberDigits bounds how far a number's exponent may be spelt out: PostgreSQL's
// numeric holds at most 131,072 digits before the point and 16,383 after, so a
// stored event never needs more, and a hostile 1e999999999 cannot make us write a
// gigabyte.
const maxNumberDigits = 150_000

// Canonical is the byte form of an event that its leaf hash covers: a JSON object
// with sorted keys and no whitespace, holding everything Strata reads from the event.
// The same event gives the same bytes whichever way its JSON was spelt when it was
// stored (key order, spacing, escapes, 1.50 or 15e-1), so a jsonb round trip changes
// nothing. docs/trail.md describes the form for verifiers outside Strata.
func Canonical(e events.Event) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(256 + len(e.Data))
	b.WriteString(`{"data":`)
	if err := canonicalJSON(&b, e.Data); err != nil {
		return nil, fmt.Errorf("event %s data: %w", e.ID, err)
	}
	b.WriteString(`,"event_id":`)
	writeString(&b, e.ID.String())
	m := e.Metadata
	b.WriteString(`,"metadata":{"actor_id":`)
	b.WriteString(strconv.FormatInt(m.ActorID, 10))
	for _, f := range [...]struct{ key, value string }{
		{"actor_name", m.ActorName}, {"causation_id", m.CausationID}, {"correlation_id", m.CorrelationID}, {"ip", m.IP},
	} {
		b.WriteString(`,"` + f.key + `":`)
		writeString(&b, f.value)
	}
	b.WriteString(`,"org_id":`)
	b.WriteString(strconv.FormatInt(m.OrgID, 10))
	b.WriteString(`,"user_agent":`)
	writeString(&b, m.UserAgent)
	b.WriteString(`},"org_id":`)
	b.WriteString(strconv.FormatInt(m.OrgID, 10))
	b.WriteString(`,"recorded_at":`)
	writeString(&b, e.RecordedAt.UTC().Format(time.RFC3339Nano))
	b.WriteString(`,"schema_version":`)
	b.WriteString(strconv.Itoa(e.SchemaVersion))
	b.WriteString(`,"stream_id":`)
	writeString(&b, e.StreamID)
	b.WriteString(`,"stream_version":`)
	b.WriteString(strconv.FormatInt(e.StreamVersion, 10))
	b.WriteString(`,"type":`)
	writeString(&b, e.Type)
	b.WriteString(`,"v":`)
	b.WriteString(strconv.Itoa(FormatVersion))
	b.WriteByte('}')
	return b.Bytes(), nil
}

// CanonicalJSON rewrites one JSON value in the canonical form: object keys sorted by
// their UTF-8 bytes (the last of duplicate keys wins, as in jsonb), no whitespace,
// strings escaped as RFC 8785 does, numbers in plain decimal notation.
func CanonicalJSON(raw []byte) ([]byte, error) {
	var b bytes.Buffer
	if err := canonicalJSON(&b, raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func canonicalJSON(b *bytes.Buffer, raw []byte) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := writeValue(b, d); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("more than one JSON value")
	}
	return nil
}

type member struct {
	key   string
	value []byte
}

func writeValue(b *bytes.Buffer, d *json.Decoder) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '[':
			b.WriteByte('[')
			for i := 0; d.More(); i++ {
				if i > 0 {
					b.WriteByte(',')
				}
				if err := writeValue(b, d); err != nil {
					return err
				}
			}
			b.WriteByte(']')
		case '{':
			var members []member
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return err
				}
				var v bytes.Buffer
				if err := writeValue(&v, d); err != nil {
					return err
				}
				members = append(members, member{key: k.(string), value: v.Bytes()})
			}
			// Stable, so that of equal keys the last one read stays last and wins.
			slices.SortStableFunc(members, func(x, y member) int { return strings.Compare(x.key, y.key) })
			b.WriteByte('{')
			first := true
			for i, m := range members {
				if i+1 < len(members) && members[i+1].key == m.key {
					continue
				}
				if !first {
					b.WriteByte(',')
				}
				first = false
				writeString(b, m.key)
				b.WriteByte(':')
				b.Write(m.value)
			}
			b.WriteByte('}')
		}
		// The closing delimiter.
		_, err := d.Token()
		return err
	case string:
		writeString(b, t)
	case json.Number:
		s, err := canonicalNumber(string(t))
		if err != nil {
			return err
		}
		b.WriteString(s)
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case nil:
		b.WriteString("null")
	}
	return nil
}

// writeString writes s as a JSON string the way RFC 8785 does: only the quote, the
// backslash and control characters are escaped (\b \t \n \f \r by name, the others as
// \u00xx in lower case); everything else is written as its UTF-8 bytes.
func writeString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r) // invalid UTF-8 becomes U+FFFD, as the JSON decoder has it
			i += size
			continue
		}
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			} else {
				b.WriteByte(c)
			}
		}
		i++
	}
	b.WriteByte('"')
}

// canonicalNumber writes a JSON number literal in plain decimal notation: no
// exponent, no leading zeros, no trailing zeros after the point, no point when the
// number is whole, and 0 for every spelling of zero. Equal values give equal text
// whatever their precision, so 1.50, 1.5 and 15e-1 are one number.
func canonicalNumber(lit string) (string, error) {
	s := lit
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mantissa, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mantissa = s[:i]
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || e > maxNumberDigits || e < -maxNumberDigits {
			return "", fmt.Errorf("number %.40q: exponent out of range", lit)
		}
		exp = e
	}
	digits := mantissa
	if i := strings.IndexByte(mantissa, '.'); i >= 0 {
		digits = mantissa[:i] + mantissa[i+1:]
		exp -= len(mantissa) - i - 1
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return "0", nil
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	digits = trimmed
	if len(digits)+max(exp, -exp) > maxNumberDigits {
		return "", fmt.Errorf("number %.40q: too many digits", lit)
	}
	var out strings.Builder
	if neg {
		out.WriteByte('-')
	}
	switch point := len(digits) + exp; {
	case exp >= 0:
		out.WriteString(digits)
		out.WriteString(strings.Repeat("0", exp))
	case point > 0:
		out.WriteString(digits[:point])
		out.WriteByte('.')
		out.WriteString(digits[point:])
	default:
		out.WriteString("0.")
		out.WriteString(strings.Repeat("0", -point))
		out.WriteString(digits)
	}
	return out.String(), nil
}
