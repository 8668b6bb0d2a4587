package frameworkfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/text"
)

var csvColumns = []string{"framework", "version", "code", "title", "description", "framework_description"}

var requiredColumns = []string{"framework", "version", "code", "title"}

// parseCSV reads the file a record at a time and stops at the first row past the
// most a framework may have.
func parseCSV(data []byte) (*parsed, error) {
	r := newCSVReader(bytes.NewReader(data), maxColumns, maxValueBytes)
	p := newParsed()
	var (
		columns  map[string]int // column name → index in a record
		width    int
		first    *entry // the first readable row, which sets the name and version
		descLine int    // the row whose framework_description was taken
	)
	for {
		record, err := r.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvSyntaxError(err)
		}
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
			width = record.count
			continue
		}
		if len(p.entries) == maxRequirements {
			p.more = true
			break
		}

		line := record.line
		e := &entry{index: len(p.entries), req: Requirement{Line: line}}
		p.entries = append(p.entries, e)
		if record.count != width {
			e.unreadable = true
			e.add(fmt.Sprintf("has %d fields but the header has %d", record.count, width))
			continue
		}
		value := func(column string) (string, bool) {
			if i, ok := columns[column]; ok {
				return strings.TrimSpace(record.fields[i].value), record.fields[i].long
			}
			return "", false
		}
		var long [3]bool
		e.req.Code, long[0] = value("code")
		e.req.Title, long[1] = value("title")
		e.req.Description, long[2] = value("description")
		for i, field := range []string{"code", "title", "description"} {
			if long[i] {
				if e.long == nil {
					e.long = map[string]bool{}
				}
				e.long[field] = true
			}
		}

		name, nameLong := value("framework")
		version, versionLong := value("version")
		if first == nil {
			first = e
			p.name, p.version = name, version
			p.long["name"], p.long["version"] = nameLong, versionLong
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
		switch d, dLong := value("framework_description"); {
		case d == "":
		case descLine == 0:
			p.description, descLine = d, line
			p.long["description"] = dLong
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
func readHeader(record csvRecord) (map[string]int, []string) {
	if record.count > len(record.fields) {
		return nil, []string{fmt.Sprintf("has %d columns; a framework file has at most %d (%s)",
			record.count, len(csvColumns), englishList(csvColumns))}
	}
	columns := map[string]int{}
	var problems []string
	for i, f := range record.fields {
		raw := strings.TrimSpace(f.value)
		name := strings.ToLower(raw)
		switch {
		case name == "":
			problems = append(problems, fmt.Sprintf("has a column with no name (column %d)", i+1))
		case !slices.Contains(csvColumns, name):
			problems = append(problems, fmt.Sprintf("has an unknown column %s (the columns are %s)",
				text.Quote(raw), englishList(csvColumns)))
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
func isBlank(record csvRecord) bool {
	if record.count > len(record.fields) {
		return false // too wide to be read, so reported rather than skipped
	}
	for _, f := range record.fields {
		if strings.TrimSpace(f.value) != "" {
			return false
		}
	}
	return true
}

func csvSyntaxError(err error) error {
	var se *csvSyntax
	if !errors.As(err, &se) {
		return syntaxError("CSV", 1, "the file could not be read")
	}
	const hint = `; a quote inside a value must be written twice ("") and the whole value quoted`
	var detail string
	switch {
	case se.unclosed:
		detail = "the quoted value starting on this line is never closed" + hint
	case errors.Is(se.err, errCSVQuote) && se.startLine != se.line:
		detail = fmt.Sprintf("the quoted value starting on this line is not closed properly (the problem is on line %d)%s", se.line, hint)
	case errors.Is(se.err, errCSVQuote):
		detail = "a quoted value is not closed properly" + hint
	default:
		detail = `a value that does not start with a quote contains one` + hint
	}
	// The row's first line, like every other row problem, so the reader looks where
	// the row starts.
	return syntaxError("CSV", se.startLine, detail)
}
