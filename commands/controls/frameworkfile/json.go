package frameworkfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/text"
)

var jsonKeys = []string{"name", "version", "description", "requirements"}

var requirementKeys = []string{"code", "title", "description"}

// parseJSON checks the file's syntax without building anything, then walks it one
// token at a time, keeping only the values a framework has and stopping at the first
// requirement past the most a framework may have.
func parseJSON(data []byte) (*parsed, error) {
	lines := lineCounter{data: data, line: 1}
	if !json.Valid(data) {
		// Unmarshal into nothing finds where the syntax breaks without allocating.
		err := json.Unmarshal(data, &struct{}{})
		var se *json.SyntaxError
		if !errors.As(err, &se) {
			return nil, syntaxError("JSON", 1, "the file is not valid JSON")
		}
		// Offset counts the bytes read, the offending one included.
		at := max(int(se.Offset)-1, 0)
		detail := se.Error()
		if at >= len(data)-1 && strings.Contains(detail, "unexpected end") {
			detail = "the file ends before the JSON does (a missing } or ] or quote?)"
		}
		return nil, syntaxError("JSON", lines.at(at), detail)
	}
	// Everything below reads JSON already known to be well formed, so decoding
	// errors can only be values of the wrong type.
	start := skipSeparators(data, 0)
	if data[start] != '{' {
		return nil, strata.Errorf(strata.Invalid,
			"the file must hold one JSON object with name, version, description and requirements, not %s%s",
			jsonKind(data[start:]), nothingImported)
	}

	w := walker{dec: json.NewDecoder(bytes.NewReader(data)), data: data}
	w.dec.UseNumber()
	p := newParsed()
	seen, repeated := map[string]bool{}, map[string]bool{}
	w.members(func(key string, offset int) {
		if seen[key] {
			if !repeated[key] {
				p.addProblem(key, "appears more than once")
			}
			repeated[key], p.skip[key] = true, true
			w.skip()
			return
		}
		if slices.Contains(jsonKeys, key) {
			seen[key] = true // only known keys: a file may hold unknown ones by the thousand
		}
		switch key {
		case "name", "version", "description":
			s, problem := w.str()
			if problem != "" {
				p.addProblem(key, problem)
				p.skip[key] = true
				return
			}
			s = strings.TrimSpace(s)
			switch key {
			case "name":
				p.name = s
			case "version":
				p.version = s
			case "description":
				p.description = s
			}
		case "requirements":
			switch data[offset] {
			case 'n':
				w.skip()
			case '[':
				w.elements(func(el int) bool {
					if len(p.entries) == maxRequirements {
						p.more = true
						return false
					}
					p.entries = append(p.entries, w.requirement(el, len(p.entries), lines.at(el)))
					return true
				})
			default:
				p.addProblem("requirements", "must be a list of requirements, not "+jsonKind(data[offset:]))
				p.skip["requirements"] = true
				w.skip()
			}
		default:
			p.addProblem(text.Clip(key), unknownKey(key, jsonKeys))
			w.skip()
		}
	})
	return p, nil
}

// walker reads a well-formed JSON document token by token, knowing where in the
// document each value starts.
type walker struct {
	dec  *json.Decoder
	data []byte
}

// next is the offset of the value the decoder reads next.
func (w *walker) next() int { return skipSeparators(w.data, int(w.dec.InputOffset())) }

// members calls fn for each member of the object that comes next, with the offset of
// its value; fn must read or skip the value.
func (w *walker) members(fn func(key string, offset int)) {
	_, _ = w.dec.Token()
	for w.dec.More() {
		tok, _ := w.dec.Token()
		key, _ := tok.(string)
		fn(key, w.next())
	}
	_, _ = w.dec.Token()
}

// elements calls fn for each element of the array that comes next, with its offset;
// fn reads the element, or returns false to skip it and every element after it.
func (w *walker) elements(fn func(offset int) bool) {
	_, _ = w.dec.Token()
	reading := true
	for w.dec.More() {
		if reading {
			reading = fn(w.next())
		}
		if !reading {
			w.skip()
		}
	}
	_, _ = w.dec.Token()
}

// skip reads past the value that comes next, holding one token at a time however
// deep or long the value is.
func (w *walker) skip() {
	depth := 0
	for {
		tok, err := w.dec.Token()
		if err != nil {
			return
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return
		}
	}
}

// str reads the value that comes next as a string, or says why it is not one.
func (w *walker) str() (string, string) {
	offset := w.next()
	if w.data[offset] == 'n' {
		w.skip()
		return "", "" // null is no value, as an absent key is
	}
	if w.data[offset] != '"' {
		w.skip()
		return "", "must be a string, not " + jsonKind(w.data[offset:])
	}
	tok, _ := w.dec.Token()
	s, _ := tok.(string)
	// The decoder turns bytes that are not UTF-8 into U+FFFD, which would store text
	// the file never held; the raw bytes say whether there were any.
	if !utf8.Valid(w.data[offset:w.dec.InputOffset()]) {
		return "", "must be UTF-8 text"
	}
	return s, ""
}

// requirement reads the requirement that comes next, starting at offset.
func (w *walker) requirement(offset, index, line int) *entry {
	e := &entry{index: index, req: Requirement{Line: line}}
	if w.data[offset] != '{' {
		e.unreadable = true
		e.add("must be an object with code, title and description, not " + jsonKind(w.data[offset:]))
		w.skip()
		return e
	}
	seen := map[string]bool{}
	w.members(func(key string, _ int) {
		if !slices.Contains(requirementKeys, key) {
			e.add(fmt.Sprintf("%s %s", text.Quote(key), unknownKey(key, requirementKeys)))
			w.skip()
			return
		}
		if seen[key] {
			if !e.bad[key] {
				e.add(fmt.Sprintf("%s appears more than once", key))
			}
			e.markBad(key)
			w.skip()
			return
		}
		seen[key] = true
		s, problem := w.str()
		if problem != "" {
			e.add(fmt.Sprintf("%s %s", key, problem))
			e.markBad(key)
			return
		}
		s = strings.TrimSpace(s)
		switch key {
		case "code":
			e.req.Code = s
		case "title":
			e.req.Title = s
		case "description":
			e.req.Description = s
		}
	})
	return e
}

// unknownKey explains a key that is not allowed. Keys are matched exactly, unlike
// encoding/json's default, so a file that works here means the same to any other
// JSON reader; a key that differs only in case gets a pointed hint.
func unknownKey(key string, known []string) string {
	if lower := strings.ToLower(key); lower != key && slices.Contains(known, lower) {
		return fmt.Sprintf("is not a known field (did you mean %q? field names are lower case)", lower)
	}
	return "is not a known field (the fields are " + englishList(known) + ")"
}

// jsonKind names the type of a well-formed JSON value for a message.
func jsonKind(value []byte) string {
	switch value[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// skipSeparators returns the offset of the first byte at or after i that is neither
// JSON whitespace nor a ':' or ',' between tokens.
func skipSeparators(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n', ':', ',':
			i++
		default:
			return i
		}
	}
	return i
}

// lineCounter turns byte offsets into line numbers. Offsets are asked for in
// increasing order, so it counts newlines from where it last stopped instead of
// from the start, which would be quadratic on a file of 2,000 requirements.
type lineCounter struct {
	data []byte
	pos  int
	line int
}

func (c *lineCounter) at(offset int) int {
	if offset < c.pos {
		c.pos, c.line = 0, 1
	}
	offset = min(offset, len(c.data))
	c.line += bytes.Count(c.data[c.pos:offset], []byte{'\n'})
	c.pos = offset
	return c.line
}
