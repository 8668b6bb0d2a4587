// Package frameworkfile reads the framework files that `strata import framework` and
// POST /api/frameworks/import accept, in CSV or JSON, and holds them to the rules of
// docs/controls.md ("Framework files").
//
// Files usually come from spreadsheets and hand-edited exports, so Parse reports every
// problem it can find in one error, keyed by the line each bad row starts on: whoever
// fixes the file should be able to fix it in one pass rather than one row per upload.
package frameworkfile

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/strata-grc/strata"
)

// Requirement is one requirement of a framework file.
type Requirement struct {
	Code, Title, Description string
	// Line is the 1-based line of the file where the requirement's row or object
	// starts, so whatever later complains about it can point at the file.
	Line int
}

// Framework is the content of a framework file that passed every rule.
type Framework struct {
	Name, Version, Description string
	Requirements               []Requirement
}

// Format is the syntax of a framework file.
type Format string

const (
	CSV  Format = "csv"
	JSON Format = "json"
)

// The limits of docs/controls.md, in characters (runes), not bytes, because that is
// what a person counting a spreadsheet cell sees.
const (
	maxName         = 200
	maxVersion      = 50
	maxDescription  = 5000
	maxCode         = 50
	maxTitle        = 300
	maxRequirements = 2000
)

// nothingImported ends every message, because the import is all or nothing and the
// person reading the error should not wonder whether the good rows went in.
const nothingImported = "; nothing was imported"

const acceptedFormats = "a .csv or .json file (text/csv or application/json)"

// FormatOf tells the format from a file name (by its extension) or from a content type
// (parameters such as a charset are ignored). Both are accepted so the command line can
// pass a path and the HTTP handler a Content-Type or an upload's file name.
func FormatOf(nameOrContentType string) (Format, error) {
	s := strings.TrimSpace(nameOrContentType)
	if mediaType, _, err := mime.ParseMediaType(s); err == nil {
		switch mediaType {
		case "text/csv", "application/csv":
			return CSV, nil
		case "application/json":
			return JSON, nil
		}
	}
	switch strings.ToLower(filepath.Ext(s)) {
	case ".csv":
		return CSV, nil
	case ".json":
		return JSON, nil
	}
	return "", strata.Errorf(strata.Invalid, "%q is not a framework file: use %s", nameOrContentType, acceptedFormats)
}

// Parse reads a framework file. On failure the error is a *strata.Error with code
// strata.Invalid: Fields maps "line N" to everything wrong with the row (or JSON
// requirement) starting on line N, and "name", "version", "description",
// "requirements" or "header" to problems with the framework as a whole.
func Parse(data []byte, f Format) (Framework, error) {
	// Spreadsheet programs on Windows write a byte order mark; it is not part of the
	// first column's name.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if len(bytes.TrimSpace(data)) == 0 {
		return Framework{}, strata.Errorf(strata.Invalid, "the file is empty"+nothingImported)
	}
	var (
		p   *parsed
		err error
	)
	switch f {
	case CSV:
		p, err = parseCSV(data)
	case JSON:
		p, err = parseJSON(data)
	default:
		return Framework{}, strata.Errorf(strata.Invalid, "%q is not a framework file format: use csv or json", string(f))
	}
	if err != nil {
		return Framework{}, err
	}
	p.check()
	if err := p.err(); err != nil {
		return Framework{}, err
	}
	return p.framework(), nil
}

// parsed is a file read as far as its syntax allows, with the problems found so far.
type parsed struct {
	name, version, description string
	// where is added to a framework-level problem, because in a CSV file the name,
	// version and description live in columns of the rows, under other names.
	where map[string]string
	// skip holds framework-level values whose problem is already reported, or which
	// cannot be known, so check does not pile a misleading second one on top.
	skip     map[string]bool
	problems map[string][]string
	entries  []*entry
}

// entry is one row of a CSV file or one element of a JSON file's requirements.
type entry struct {
	req Requirement
	// index is the entry's position in the file, from 0.
	index    int
	problems []string
	// unreadable marks an entry that could not be read as a requirement at all (a
	// row with the wrong number of fields), so only that is reported about it.
	unreadable bool
	// bad marks values already reported as unreadable (a JSON number where text
	// belongs), so they are not also reported as missing.
	bad map[string]bool
}

func newParsed() *parsed {
	return &parsed{where: map[string]string{}, skip: map[string]bool{}, problems: map[string][]string{}}
}

func (p *parsed) addProblem(key, problem string) {
	p.problems[key] = append(p.problems[key], problem)
}

func (e *entry) add(problem string) { e.problems = append(e.problems, problem) }

func (e *entry) markBad(field string) {
	if e.bad == nil {
		e.bad = map[string]bool{}
	}
	e.bad[field] = true
}

// check applies the rules both formats share.
func (p *parsed) check() {
	for _, v := range []struct {
		key, value string
		required   bool
		limit      int
	}{
		{"name", p.name, true, maxName},
		{"version", p.version, false, maxVersion},
		{"description", p.description, false, maxDescription},
	} {
		if p.skip[v.key] {
			continue
		}
		if problem := textProblem(v.value, v.required, v.limit); problem != "" {
			p.addProblem(v.key, problem+p.where[v.key])
		}
	}
	switch n := len(p.entries); {
	case p.skip["requirements"]:
	case n == 0:
		p.addProblem("requirements", "are missing: a framework needs at least one")
	case n > maxRequirements:
		p.addProblem("requirements", fmt.Sprintf("are limited to %d per framework; the file has %d", maxRequirements, n))
	}

	seen := map[string]*entry{}
	for _, e := range p.entries {
		if e.unreadable {
			continue
		}
		for _, v := range []struct {
			field, value string
			required     bool
			limit        int
		}{
			{"code", e.req.Code, true, maxCode},
			{"title", e.req.Title, true, maxTitle},
			{"description", e.req.Description, false, maxDescription},
		} {
			if e.bad[v.field] {
				continue
			}
			if problem := textProblem(v.value, v.required, v.limit); problem != "" {
				e.add(v.field + " " + problem)
			}
		}
		if e.bad["code"] || e.req.Code == "" {
			continue
		}
		// Codes compare the way the database compares control codes, so two
		// requirements that would collide later collide here, at the import.
		key := strings.ToLower(e.req.Code)
		first, dup := seen[key]
		if !dup {
			seen[key] = e
			continue
		}
		where := fmt.Sprintf("on line %d", first.req.Line)
		if first.req.Line == e.req.Line {
			where = fmt.Sprintf("by requirement %d", first.index+1)
		}
		problem := fmt.Sprintf("code %q is already used %s", e.req.Code, where)
		if first.req.Code != e.req.Code {
			problem += fmt.Sprintf(" (as %q; codes ignore case)", first.req.Code)
		}
		e.add(problem)
	}
}

// textProblem says what is wrong with a value, or "" when nothing is. NUL and invalid
// UTF-8 are refused here because the database would refuse them later, at the cost of
// a server error instead of a line number.
func textProblem(v string, required bool, limit int) string {
	switch {
	case v == "":
		if required {
			return "is required"
		}
	case strings.ContainsRune(v, 0):
		return "must not contain NUL characters"
	case !utf8.ValidString(v):
		return "is not valid UTF-8 text"
	case utf8.RuneCountInString(v) > limit:
		return fmt.Sprintf("must be at most %d characters", limit)
	}
	return ""
}

// frameworkKeys is the order framework-level problems are named in a message.
var frameworkKeys = []string{"header", "name", "version", "description", "requirements"}

// err turns the problems into a *strata.Error, or nil when there are none.
func (p *parsed) err() error {
	fields := map[string]string{}
	var keys []string
	for key, problems := range p.problems {
		fields[key] = strings.Join(problems, "; ")
		keys = append(keys, key)
	}
	// Known keys first in a fixed order, then anything else (unknown JSON keys) by name.
	slices.SortFunc(keys, func(a, b string) int {
		ia, ib := slices.Index(frameworkKeys, a), slices.Index(frameworkKeys, b)
		switch {
		case ia >= 0 && ib >= 0:
			return ia - ib
		case ia >= 0:
			return -1
		case ib >= 0:
			return 1
		}
		return strings.Compare(a, b)
	})

	badRows := 0
	byLine := map[int][]*entry{}
	for _, e := range p.entries {
		if len(e.problems) > 0 {
			badRows++
			byLine[e.req.Line] = append(byLine[e.req.Line], e)
		}
	}
	for line, es := range byLine {
		key := fmt.Sprintf("line %d", line)
		if len(es) == 1 {
			fields[key] = strings.Join(es[0].problems, "; ")
			continue
		}
		// Minified JSON puts many requirements on one line; the line alone would not
		// say which of them is wrong.
		parts := make([]string, len(es))
		for i, e := range es {
			parts[i] = fmt.Sprintf("requirement %d: %s", e.index+1, strings.Join(e.problems, "; "))
		}
		fields[key] = strings.Join(parts, "; ")
	}
	if len(fields) == 0 {
		return nil
	}

	rows := fmt.Sprintf("%d rows", badRows)
	if badRows == 1 {
		rows = "1 row"
	}
	var msg string
	switch {
	case len(keys) == 0 && badRows == 1:
		msg = rows + " is invalid"
	case len(keys) == 0:
		msg = rows + " are invalid"
	case len(keys) == 1 && badRows == 0:
		msg = keys[0] + " " + fields[keys[0]]
	case badRows == 0:
		msg = englishList(keys) + " are invalid"
	default:
		msg = englishList(append(keys, rows)) + " are invalid"
	}
	return &strata.Error{Code: strata.Invalid, Message: msg + nothingImported, Fields: fields}
}

// englishList joins items as "a", "a and b" or "a, b and c".
func englishList(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func (p *parsed) framework() Framework {
	f := Framework{Name: p.name, Version: p.version, Description: p.description,
		Requirements: make([]Requirement, len(p.entries))}
	for i, e := range p.entries {
		f.Requirements[i] = e.req
	}
	return f
}

// syntaxError reports a file its parser gave up on: there are no rows to report past
// that point, so this is the one problem the file gets.
func syntaxError(format string, line int, detail string) error {
	return &strata.Error{
		Code:    strata.Invalid,
		Message: fmt.Sprintf("the file is not valid %s: line %d: %s%s", format, line, detail, nothingImported),
		Fields:  map[string]string{fmt.Sprintf("line %d", line): "is not valid " + format + ": " + detail},
	}
}

// describe quotes a value for a message, and names an empty one, which quoted would be
// easy to misread.
func describe(v string) string {
	if v == "" {
		return "empty"
	}
	return strconv.Quote(v)
}

// CSV

var csvColumns = []string{"framework", "version", "code", "title", "description", "framework_description"}

var requiredColumns = []string{"framework", "version", "code", "title"}

func parseCSV(data []byte) (*parsed, error) {
	r := csv.NewReader(bytes.NewReader(data))
	// Checked here instead, so a short row becomes a problem of that row rather than
	// the end of the whole parse.
	r.FieldsPerRecord = -1
	// Lets `a, "b, c"` (a space before an opening quote) read as a quoted value, as
	// most spreadsheet users expect, instead of failing with a bare quote.
	r.TrimLeadingSpace = true

	p := newParsed()
	var (
		columns  map[string]int // column name → index in a record
		width    int
		first    *entry // the first readable row, which sets the name and version
		descLine int    // the row whose framework_description was taken
	)
	for {
		record, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvSyntaxError(err, data)
		}
		line, _ := r.FieldPos(0)
		if isBlank(record) {
			continue
		}
		if columns == nil {
			var problems []string
			columns, problems = readHeader(record)
			if len(problems) > 0 {
				return nil, &strata.Error{
					Code:    strata.Invalid,
					Message: "header " + strings.Join(problems, "; ") + nothingImported,
					Fields:  map[string]string{"header": strings.Join(problems, "; ")},
				}
			}
			width = len(record)
			continue
		}

		e := &entry{index: len(p.entries), req: Requirement{Line: line}}
		p.entries = append(p.entries, e)
		if len(record) != width {
			e.unreadable = true
			e.add(fmt.Sprintf("has %d fields but the header has %d", len(record), width))
			continue
		}
		value := func(column string) string {
			if i, ok := columns[column]; ok {
				return strings.TrimSpace(record[i])
			}
			return ""
		}
		e.req.Code, e.req.Title, e.req.Description = value("code"), value("title"), value("description")

		name, version := value("framework"), value("version")
		if first == nil {
			first = e
			p.name, p.version = name, version
			p.where["name"] = fmt.Sprintf(" (framework column, line %d)", line)
			p.where["version"] = fmt.Sprintf(" (version column, line %d)", line)
		} else {
			if name != p.name {
				e.add(fmt.Sprintf("framework is %s, unlike line %d (%s)", describe(name), first.req.Line, describe(p.name)))
			}
			if version != p.version {
				e.add(fmt.Sprintf("version is %s, unlike line %d (%s)", describe(version), first.req.Line, describe(p.version)))
			}
		}
		switch d := value("framework_description"); {
		case d == "":
		case descLine == 0:
			p.description, descLine = d, line
			p.where["description"] = fmt.Sprintf(" (framework_description column, line %d)", line)
		case d != p.description:
			e.add(fmt.Sprintf("framework_description differs from the one on line %d", descLine))
		}
	}
	if columns == nil {
		return nil, &strata.Error{
			Code:    strata.Invalid,
			Message: "header is missing: the file has only blank lines" + nothingImported,
			Fields:  map[string]string{"header": "is missing: the file has only blank lines"},
		}
	}
	if first == nil {
		// With no readable row there is no name or version to judge; saying they are
		// missing would send the reader looking in the wrong place.
		p.skip["name"], p.skip["version"] = true, true
	}
	return p, nil
}

// readHeader maps each column name to its index, or says everything wrong with the
// header. Names are matched case-insensitively because spreadsheet users capitalise
// headers freely.
func readHeader(record []string) (map[string]int, []string) {
	columns := map[string]int{}
	var problems []string
	for i, raw := range record {
		name := strings.ToLower(strings.TrimSpace(raw))
		switch {
		case name == "":
			problems = append(problems, fmt.Sprintf("has a column with no name (column %d)", i+1))
		case !slices.Contains(csvColumns, name):
			problems = append(problems, fmt.Sprintf("has an unknown column %q (the columns are %s)",
				strings.TrimSpace(raw), englishList(csvColumns)))
		default:
			if _, dup := columns[name]; dup {
				problems = append(problems, fmt.Sprintf("has the column %q more than once", name))
				continue
			}
			columns[name] = i
		}
	}
	for _, name := range requiredColumns {
		if _, ok := columns[name]; !ok {
			problems = append(problems, fmt.Sprintf("is missing the column %q", name))
		}
	}
	return columns, problems
}

// isBlank reports a record with nothing in it; spreadsheets export empty rows as
// lines of commas.
func isBlank(record []string) bool {
	for _, v := range record {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func csvSyntaxError(err error, data []byte) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return syntaxError("CSV", 1, err.Error())
	}
	const hint = `; a quote inside a value must be written twice ("") and the whole value quoted`
	var detail string
	switch {
	case errors.Is(pe.Err, csv.ErrQuote) && unclosedQuote(data, pe.StartLine):
		// The reader reports the end of the file here, a line that may have nothing
		// wrong with it.
		detail = "the quoted value starting on this line is never closed" + hint
	case errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine != pe.Line:
		detail = fmt.Sprintf("the quoted value starting on this line is not closed properly (the problem is on line %d)%s", pe.Line, hint)
	case errors.Is(pe.Err, csv.ErrQuote):
		detail = "a quoted value is not closed properly" + hint
	case errors.Is(pe.Err, csv.ErrBareQuote):
		detail = `a value that does not start with a quote contains one` + hint
	default:
		detail = pe.Err.Error()
	}
	// The row's first line, like every other row problem, so the reader looks where
	// the row starts.
	return syntaxError("CSV", pe.StartLine, detail)
}

// unclosedQuote reports whether the file from the start of the given line to its end
// holds an odd number of quotes, which is what a quote left open looks like.
func unclosedQuote(data []byte, line int) bool {
	start := 0
	for n := 1; n < line; n++ {
		i := bytes.IndexByte(data[start:], '\n')
		if i < 0 {
			return false
		}
		start += i + 1
	}
	return bytes.Count(data[start:], []byte{'"'})%2 == 1
}

// JSON

var jsonKeys = []string{"name", "version", "description", "requirements"}

var requirementKeys = []string{"code", "title", "description"}

func parseJSON(data []byte) (*parsed, error) {
	lines := lineCounter{data: data, line: 1}
	var whole json.RawMessage
	if err := json.Unmarshal(data, &whole); err != nil {
		var se *json.SyntaxError
		if !errors.As(err, &se) {
			return nil, syntaxError("JSON", 1, err.Error())
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
	if whole[0] != '{' {
		return nil, strata.Errorf(strata.Invalid,
			"the file must hold one JSON object with name, version, description and requirements, not %s%s",
			jsonKind(whole), nothingImported)
	}

	p := newParsed()
	seen := map[string]bool{}
	for _, m := range objectMembers(data, 0) {
		if seen[m.key] {
			p.addProblem(m.key, "appears more than once")
			p.skip[m.key] = true
			continue
		}
		seen[m.key] = true
		switch m.key {
		case "name", "version", "description":
			var s string
			if json.Unmarshal(m.value, &s) != nil {
				p.addProblem(m.key, "must be a string, not "+jsonKind(m.value))
				p.skip[m.key] = true
				continue
			}
			s = strings.TrimSpace(s)
			switch m.key {
			case "name":
				p.name = s
			case "version":
				p.version = s
			case "description":
				p.description = s
			}
		case "requirements":
			switch m.value[0] {
			case 'n':
			case '[':
				for i, el := range arrayElements(data, m.offset) {
					p.entries = append(p.entries, readRequirement(data, el, i, lines.at(el)))
				}
			default:
				p.addProblem("requirements", "must be a list of requirements, not "+jsonKind(m.value))
				p.skip["requirements"] = true
			}
		default:
			p.addProblem(m.key, unknownKey(m.key, jsonKeys))
		}
	}
	return p, nil
}

// readRequirement reads the requirement whose value starts at data[offset].
func readRequirement(data []byte, offset, index, line int) *entry {
	e := &entry{index: index, req: Requirement{Line: line}}
	if data[offset] != '{' {
		e.unreadable = true
		e.add("must be an object with code, title and description, not " + jsonKind(data[offset:]))
		return e
	}
	seen := map[string]bool{}
	for _, m := range objectMembers(data, offset) {
		if seen[m.key] {
			e.add(fmt.Sprintf("%s appears more than once", m.key))
			e.markBad(m.key)
			continue
		}
		seen[m.key] = true
		if !slices.Contains(requirementKeys, m.key) {
			e.add(fmt.Sprintf("%q %s", m.key, unknownKey(m.key, requirementKeys)))
			continue
		}
		var s string
		if json.Unmarshal(m.value, &s) != nil {
			e.add(fmt.Sprintf("%s must be a string, not %s", m.key, jsonKind(m.value)))
			e.markBad(m.key)
			continue
		}
		s = strings.TrimSpace(s)
		switch m.key {
		case "code":
			e.req.Code = s
		case "title":
			e.req.Title = s
		case "description":
			e.req.Description = s
		}
	}
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

type member struct {
	key   string
	value json.RawMessage
	// offset is where the value starts in the whole file.
	offset int
}

// objectMembers lists the members of the well-formed JSON object starting at
// data[start], in file order and with duplicates kept (encoding/json would silently
// keep the last), each with its value's offset in data.
func objectMembers(data []byte, start int) []member {
	dec := json.NewDecoder(bytes.NewReader(data[start:]))
	if _, err := dec.Token(); err != nil {
		return nil
	}
	var members []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return members
		}
		key, _ := tok.(string)
		offset := skipSeparators(data, start+int(dec.InputOffset()))
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return members
		}
		members = append(members, member{key: key, value: value, offset: offset})
	}
	return members
}

// arrayElements returns the offset in data of each element of the well-formed JSON
// array starting at data[start]. The decoder only says where the previous token ended,
// so the separators after it are skipped by hand to land on the element itself.
func arrayElements(data []byte, start int) []int {
	dec := json.NewDecoder(bytes.NewReader(data[start:]))
	if _, err := dec.Token(); err != nil {
		return nil
	}
	var offsets []int
	for dec.More() {
		offsets = append(offsets, skipSeparators(data, start+int(dec.InputOffset())))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return offsets
		}
	}
	return offsets
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
