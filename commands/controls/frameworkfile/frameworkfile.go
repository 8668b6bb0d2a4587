// Package frameworkfile reads the framework files that `strata import framework` and
// POST /api/frameworks/import accept, in CSV or JSON, and holds them to the rules of
// docs/controls.md ("Framework files").
//
// Files usually come from spreadsheets and hand-edited exports, so Parse reports the
// problems it finds in one error, keyed by the line each bad row starts on: whoever
// fixes the file should be able to fix it in one pass rather than one row per upload.
// A file is also input from anyone allowed to import, so reading it is bounded: rows,
// values and columns are capped as they are read, an error quotes only the start of
// a value, and it lists at most MaxProblems problems with the count of all of them.
package frameworkfile

import (
	"bytes"
	"fmt"
	"mime"
	"path/filepath"
	"slices"
	"strings"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/text"
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

// Limits of a framework file. Text values follow the kinds of commands/text, in
// characters, not bytes, because that is what a person counting a spreadsheet cell sees.
const (
	maxRequirements = 2000
	// MaxProblems is how many problems an error lists; it counts the rest.
	MaxProblems = 100
	// MaxFileBytes bounds a file read from disk; the API's body limit bounds uploads.
	MaxFileBytes = 8 << 20
	// maxColumns is the widest CSV record kept; a wider one is only counted.
	maxColumns = 64
	// maxValueBytes is the most of one CSV value kept: more bytes than this are more
	// characters than any column allows.
	maxValueBytes = 4 * text.MaxSummary
	// maxEntryProblems is how many problems one row lists before it counts the rest.
	maxEntryProblems = 10
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
	return "", strata.Errorf(strata.Invalid, "%s is not a framework file: use %s", text.Quote(nameOrContentType), acceptedFormats)
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
	if len(data) > MaxFileBytes {
		return Framework{}, strata.Errorf(strata.PayloadTooLarge, "the file is larger than %d bytes%s", MaxFileBytes, nothingImported)
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
		return Framework{}, strata.Errorf(strata.Invalid, "%s is not a framework file format: use csv or json", text.Quote(string(f)))
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
	skip map[string]bool
	// long holds framework-level values cut short while reading.
	long     map[string]bool
	problems map[string][]string
	// unlisted counts framework-level problems not kept (unknown JSON keys past
	// MaxProblems).
	unlisted int
	entries  []*entry
	// more is set when the file has more requirements than a framework may.
	more bool
}

// entry is one row of a CSV file or one element of a JSON file's requirements.
type entry struct {
	req Requirement
	// index is the entry's position in the file, from 0.
	index    int
	problems []string
	// unlisted counts problems past maxEntryProblems.
	unlisted int
	// unreadable marks an entry that could not be read as a requirement at all (a
	// row with the wrong number of fields), so only that is reported about it.
	unreadable bool
	// bad marks values already reported as unreadable (a JSON number where text
	// belongs), so they are not also reported as missing.
	bad map[string]bool
	// long marks CSV values cut short while reading.
	long map[string]bool
}

func newParsed() *parsed {
	return &parsed{where: map[string]string{}, skip: map[string]bool{}, long: map[string]bool{}, problems: map[string][]string{}}
}

// addProblem records a framework-level problem. The known keys are always kept;
// others (unknown JSON keys, which a file can hold by the thousand) only up to
// MaxProblems of them.
func (p *parsed) addProblem(key, problem string) {
	if _, ok := p.problems[key]; !ok && !slices.Contains(frameworkKeys, key) && len(p.problems) >= MaxProblems {
		p.unlisted++
		return
	}
	if len(p.problems[key]) >= maxEntryProblems {
		return
	}
	p.problems[key] = append(p.problems[key], problem)
}

func (e *entry) add(problem string) {
	if len(e.problems) >= maxEntryProblems {
		e.unlisted++
		return
	}
	e.problems = append(e.problems, problem)
}

func (e *entry) invalid() bool { return len(e.problems) > 0 }

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
		kind       text.Kind
	}{
		{"name", p.name, true, text.Name},
		{"version", p.version, false, text.Version},
		{"description", p.description, false, text.Summary},
	} {
		if p.skip[v.key] {
			continue
		}
		if problem := valueProblem(v.value, v.required, v.kind, p.long[v.key]); problem != "" {
			p.addProblem(v.key, problem+p.where[v.key])
		}
	}
	switch n := len(p.entries); {
	case p.skip["requirements"]:
	case n == 0:
		p.addProblem("requirements", "are missing: a framework needs at least one")
	case p.more:
		p.addProblem("requirements", fmt.Sprintf("are limited to %d per framework; the file has more", maxRequirements))
	}

	seen := map[string]*entry{}
	for _, e := range p.entries {
		if e.unreadable {
			continue
		}
		for _, v := range []struct {
			field, value string
			required     bool
			kind         text.Kind
		}{
			{"code", e.req.Code, true, text.Code},
			{"title", e.req.Title, true, text.Title},
			{"description", e.req.Description, false, text.Summary},
		} {
			if e.bad[v.field] {
				continue
			}
			if problem := valueProblem(v.value, v.required, v.kind, e.long[v.field]); problem != "" {
				e.add(v.field + " " + problem)
			}
		}
		if e.bad["code"] || e.req.Code == "" || text.Problem(e.req.Code, text.Code) != "" {
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
		problem := fmt.Sprintf("code %s is already used %s", text.Quote(e.req.Code), where)
		if first.req.Code != e.req.Code {
			problem += fmt.Sprintf(" (as %s; codes ignore case)", text.Quote(first.req.Code))
		}
		e.add(problem)
	}
}

// valueProblem says what is wrong with a value, or "" when nothing is. long is set
// for a value cut short while reading, which is too long whatever is left of it.
func valueProblem(v string, required bool, kind text.Kind, long bool) string {
	switch {
	case long:
		return fmt.Sprintf("must be at most %d characters", kind.Max())
	case v == "":
		if required {
			return "is required"
		}
		return ""
	}
	return text.Problem(v, kind)
}

// frameworkKeys is the order framework-level problems are named in a message.
var frameworkKeys = []string{"header", "name", "version", "description", "requirements"}

// err turns the problems into a *strata.Error, or nil when there are none. It lists
// framework-level problems first, then rows in file order, MaxProblems in all.
func (p *parsed) err() error {
	var keys []string
	for key := range p.problems {
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
	for _, e := range p.entries {
		if e.invalid() {
			badRows++
		}
	}
	total := len(keys) + p.unlisted + badRows
	if total == 0 {
		return nil
	}

	fields := map[string]string{}
	listed := 0
	for _, key := range keys {
		if listed == MaxProblems {
			break
		}
		fields[key] = strings.Join(p.problems[key], "; ")
		listed++
	}
	// Minified JSON puts many requirements on one line; the line alone would not say
	// which of them is wrong, so such a line lists each by its number.
	var lineEntries []*entry
	flush := func() {
		if len(lineEntries) == 0 {
			return
		}
		key := fmt.Sprintf("line %d", lineEntries[0].req.Line)
		if len(lineEntries) == 1 {
			fields[key] = lineEntries[0].describe()
		} else {
			parts := make([]string, len(lineEntries))
			for i, e := range lineEntries {
				parts[i] = fmt.Sprintf("requirement %d: %s", e.index+1, e.describe())
			}
			fields[key] = strings.Join(parts, "; ")
		}
		lineEntries = lineEntries[:0]
	}
	for _, e := range p.entries {
		if !e.invalid() {
			continue
		}
		if listed == MaxProblems {
			break
		}
		if len(lineEntries) > 0 && lineEntries[0].req.Line != e.req.Line {
			flush()
		}
		lineEntries = append(lineEntries, e)
		listed++
	}
	flush()

	rows := fmt.Sprintf("%d rows", badRows)
	if badRows == 1 {
		rows = "1 row"
	}
	named := keys
	if len(keys)+p.unlisted > len(frameworkKeys) {
		// Unknown JSON keys can number thousands: the message counts them and the
		// fields list the first.
		known := 0
		for known < len(keys) && slices.Contains(frameworkKeys, keys[known]) {
			known++
		}
		named = append(slices.Clip(keys[:known]), fmt.Sprintf("%d unknown fields", len(keys)-known+p.unlisted))
	}
	var msg string
	switch {
	case len(keys) == 0 && badRows == 1:
		msg = rows + " is invalid"
	case len(keys) == 0:
		msg = rows + " are invalid"
	case len(keys) == 1 && badRows == 0 && p.unlisted == 0:
		msg = keys[0] + " " + fields[keys[0]]
	case badRows == 0:
		msg = englishList(named) + " are invalid"
	default:
		msg = englishList(append(named, rows)) + " are invalid"
	}
	if listed < total {
		msg += fmt.Sprintf(" (%d problems; the first %d are listed)", total, listed)
	}
	return &strata.Error{Code: strata.Invalid, Message: msg + nothingImported, Fields: fields}
}

// describe joins an entry's problems, counting those not kept.
func (e *entry) describe() string {
	s := strings.Join(e.problems, "; ")
	if e.unlisted > 0 {
		s += fmt.Sprintf("; and %d more problems", e.unlisted)
	}
	return s
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

// describe quotes the start of a value for a message, and names an empty one, which
// quoted would be easy to misread.
func describe(v string) string {
	if v == "" {
		return "empty"
	}
	return text.Quote(v)
}
