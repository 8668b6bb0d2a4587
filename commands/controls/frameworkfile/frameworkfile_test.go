package frameworkfile

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/controls/examples"
)

const header = "framework,version,code,title,description"

// lines joins its arguments as the lines of a file ending in a newline.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// csvRows is a CSV file of n valid requirements, one per line from line 2.
func csvRows(n int) string {
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := range n {
		fmt.Fprintf(&b, "F,1,C-%d,Title %d,\n", i+1, i+1)
	}
	return b.String()
}

// jsonRequirements is a JSON file of n valid requirements.
func jsonRequirements(n int) string {
	reqs := make([]string, n)
	for i := range reqs {
		reqs[i] = fmt.Sprintf(`{"code": "C-%d", "title": "Title %d"}`, i+1, i+1)
	}
	return `{"name": "F", "requirements": [` + strings.Join(reqs, ",\n") + "]}"
}

func TestFormatOf(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Format
	}{
		{"controls.csv", CSV},
		{"CONTROLS.CSV", CSV},
		{"exports/2026/iso.Csv", CSV},
		{`C:\Users\dana\Downloads\list.csv`, CSV},
		{"framework.json", JSON},
		{"dir/Framework.JSON", JSON},
		{"text/csv", CSV},
		{"text/csv; charset=utf-8", CSV},
		{"application/csv", CSV},
		{"Text/CSV;charset=UTF-8", CSV},
		{"application/json", JSON},
		{"application/json; charset=utf-8", JSON},
		{" application/json ", JSON},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := FormatOf(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("FormatOf(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	for _, in := range []string{"", "framework.txt", "framework.xlsx", "csv", "json", "framework.csv.gz",
		"text/plain", "application/xml", "application/json-patch+json", "text/csv; charset"} {
		t.Run("refuses "+in, func(t *testing.T) {
			got, err := FormatOf(in)
			var e *strata.Error
			if !errors.As(err, &e) || e.Code != strata.Invalid {
				t.Fatalf("FormatOf(%q) = %q, %v; want a %s error", in, got, err, strata.Invalid)
			}
			if !strings.Contains(e.Message, ".csv or .json") || !strings.Contains(e.Message, "text/csv or application/json") {
				t.Errorf("message %q does not say which formats are accepted", e.Message)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format Format
		in     string
		want   Framework
	}{
		{
			name:   "csv minimal",
			format: CSV,
			in:     lines("framework,version,code,title", "ISO-ish,2022,A.1,Policies"),
			want: Framework{Name: "ISO-ish", Version: "2022", Requirements: []Requirement{
				{Code: "A.1", Title: "Policies", Line: 2},
			}},
		},
		{
			name:   "csv columns in any order, any case, padded; values trimmed",
			format: CSV,
			in: lines(" Title ,CODE,Framework_Description, version,Framework ,Description",
				"  Policies , A.1 ,  About it  , 1.0 , Mine ,  Write them down  ",
				"Review,A.2,,1.0,Mine,"),
			want: Framework{Name: "Mine", Version: "1.0", Description: "About it", Requirements: []Requirement{
				{Code: "A.1", Title: "Policies", Description: "Write them down", Line: 2},
				{Code: "A.2", Title: "Review", Line: 3},
			}},
		},
		{
			name:   "csv version may be empty",
			format: CSV,
			in:     lines(header, "F,,A,a,", "F,,B,b,"),
			want: Framework{Name: "F", Requirements: []Requirement{
				{Code: "A", Title: "a", Line: 2}, {Code: "B", Title: "b", Line: 3},
			}},
		},
		{
			name:   "csv with byte order mark and CRLF",
			format: CSV,
			in:     "\ufeffframework,version,code,title,description\r\nF,1,A,a,\r\n\r\nF,1,B,b,\"two\r\nlines\"\r\nF,1,C,c,\r\n",
			want: Framework{Name: "F", Version: "1", Requirements: []Requirement{
				{Code: "A", Title: "a", Line: 2},
				{Code: "B", Title: "b", Description: "two\nlines", Line: 4},
				{Code: "C", Title: "c", Line: 6},
			}},
		},
		{
			name:   "csv blank lines and lines of empty fields are skipped",
			format: CSV,
			in:     lines("", "   ", header, "", "F,1,A,a,", ",,,,", " , , ,,", "", "F,1,B,b,", ""),
			want: Framework{Name: "F", Version: "1", Requirements: []Requirement{
				{Code: "A", Title: "a", Line: 5}, {Code: "B", Title: "b", Line: 9},
			}},
		},
		{
			name:   "csv multi-line quoted fields keep the line the row starts on",
			format: CSV,
			in: lines(header,
				`F,1,A,a,"first`,
				`second, with a comma`,
				`third"`,
				`F,1,B,"b",`,
				`F,1,"C","c","multi`,
				`line and ""quotes"""`),
			want: Framework{Name: "F", Version: "1", Requirements: []Requirement{
				{Code: "A", Title: "a", Description: "first\nsecond, with a comma\nthird", Line: 2},
				{Code: "B", Title: "b", Line: 5},
				{Code: "C", Title: "c", Description: "multi\nline and \"quotes\"", Line: 6},
			}},
		},
		{
			name:   "csv a space before an opening quote is allowed",
			format: CSV,
			in:     lines(header, `F, 1, A, "a, b", "c"`),
			want: Framework{Name: "F", Version: "1", Requirements: []Requirement{
				{Code: "A", Title: "a, b", Description: "c", Line: 2},
			}},
		},
		{
			name:   "csv the first non-empty framework_description wins; repeating it is fine",
			format: CSV,
			in:     lines(header+",framework_description", "F,1,A,a,,", "F,1,B,b,,About", "F,1,C,c,, About ", "F,1,D,d,,"),
			want: Framework{Name: "F", Version: "1", Description: "About", Requirements: []Requirement{
				{Code: "A", Title: "a", Line: 2}, {Code: "B", Title: "b", Line: 3},
				{Code: "C", Title: "c", Line: 4}, {Code: "D", Title: "d", Line: 5},
			}},
		},
		{
			name:   "csv limits count characters, not bytes",
			format: CSV,
			in: lines(header+",framework_description", strings.Join([]string{
				strings.Repeat("é", 200), strings.Repeat("é", 50), strings.Repeat("é", 50),
				strings.Repeat("é", 300), strings.Repeat("é", 5000), strings.Repeat("é", 5000)}, ",")),
			want: Framework{Name: strings.Repeat("é", 200), Version: strings.Repeat("é", 50),
				Description: strings.Repeat("é", 5000), Requirements: []Requirement{{
					Code: strings.Repeat("é", 50), Title: strings.Repeat("é", 300),
					Description: strings.Repeat("é", 5000), Line: 2,
				}}},
		},
		{
			name:   "json",
			format: JSON,
			in: lines(`{`,
				`  "name": " Baseline ",`,
				`  "version": "2026.1",`,
				`  "description": "About",`,
				`  "requirements": [`,
				`    {"code": "B-1", "title": "One", "description": "First"},`,
				``,
				`    {`,
				`      "code": "B-2",`,
				`      "title": "Two"`,
				`    }, {"title": "Three", "code": "B-3", "description": null}`,
				`  ]`,
				`}`),
			want: Framework{Name: "Baseline", Version: "2026.1", Description: "About", Requirements: []Requirement{
				{Code: "B-1", Title: "One", Description: "First", Line: 6},
				{Code: "B-2", Title: "Two", Line: 8},
				{Code: "B-3", Title: "Three", Line: 11},
			}},
		},
		{
			name:   "json with byte order mark, CRLF and keys in any order",
			format: JSON,
			in:     "\ufeff\r\n{\"requirements\":\r\n[\r\n{\"code\":\"A\",\"title\":\"a\"},\r\n  {\"code\":\"B\",\"title\":\"b\"}],\r\n\"name\":\"F\"}\r\n",
			want: Framework{Name: "F", Requirements: []Requirement{
				{Code: "A", Title: "a", Line: 4}, {Code: "B", Title: "b", Line: 5},
			}},
		},
		{
			name:   "json minified puts everything on line 1",
			format: JSON,
			in:     `{"name":"F","version":null,"requirements":[{"code":"A","title":"a"},{"code":"B","title":"b"}]}`,
			want: Framework{Name: "F", Requirements: []Requirement{
				{Code: "A", Title: "a", Line: 1}, {Code: "B", Title: "b", Line: 1},
			}},
		},
		{
			name:   "json escapes and strings that look like separators",
			format: JSON,
			in:     lines(`{"name": "F \u00e9", "requirements": [`, `  {"code": "[{,:", "title": "\"q\" 2", "description": "\"q\"\n2"}]}`),
			want: Framework{Name: "F é", Requirements: []Requirement{
				{Code: "[{,:", Title: "\"q\" 2", Description: "\"q\"\n2", Line: 2},
			}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.in), tc.format)
			if err != nil {
				t.Fatalf("Parse: %v (fields %v)", err, fieldsOf(err))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestParseAcceptsTheMostRequirements(t *testing.T) {
	for _, tc := range []struct {
		format   Format
		in       string
		lastLine int
	}{
		{CSV, csvRows(maxRequirements), maxRequirements + 1},
		// The first requirement shares line 1 with the name.
		{JSON, jsonRequirements(maxRequirements), maxRequirements},
	} {
		got, err := Parse([]byte(tc.in), tc.format)
		if err != nil {
			t.Fatalf("%s: Parse: %v", tc.format, err)
		}
		if n := len(got.Requirements); n != maxRequirements {
			t.Fatalf("%s: %d requirements, want %d", tc.format, n, maxRequirements)
		}
		if last := got.Requirements[maxRequirements-1]; last.Line != tc.lastLine {
			t.Errorf("%s: last requirement on line %d, want %d", tc.format, last.Line, tc.lastLine)
		}
	}
}

func fieldsOf(err error) map[string]string {
	var e *strata.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

func TestParseRefuses(t *testing.T) {
	const syntaxHint = `a quote inside a value must be written twice ("") and the whole value quoted`
	const columns = `the columns are framework, version, code, title, description and framework_description`
	long := func(n int) string { return strings.Repeat("x", n) }

	for _, tc := range []struct {
		name    string
		format  Format
		in      string
		message string
		fields  map[string]string
	}{
		// Empty files.
		{name: "csv empty", format: CSV, in: "",
			message: "the file is empty; nothing was imported"},
		{name: "csv only whitespace and a byte order mark", format: CSV, in: "\ufeff \r\n\n",
			message: "the file is empty; nothing was imported"},
		{name: "json empty", format: JSON, in: "",
			message: "the file is empty; nothing was imported"},
		{name: "json only whitespace", format: JSON, in: "\n\t\n",
			message: "the file is empty; nothing was imported"},
		{name: "unknown format", format: "xlsx", in: "x",
			message: `"xlsx" is not a framework file format: use csv or json`},

		// CSV header.
		{name: "csv only blank records", format: CSV, in: lines(",,", " , "),
			message: "header is missing: the file has only blank lines; nothing was imported",
			fields:  map[string]string{"header": "is missing: the file has only blank lines"}},
		{name: "csv unknown column", format: CSV, in: lines(header+",Owner", "F,1,A,a,,me"),
			message: `header has an unknown column "Owner" (` + columns + `); nothing was imported`,
			fields:  map[string]string{"header": `has an unknown column "Owner" (` + columns + `)`}},
		{name: "csv repeated column, in another case", format: CSV, in: lines(header+",Title", "F,1,A,a,,b"),
			message: `header has the column "title" more than once; nothing was imported`,
			fields:  map[string]string{"header": `has the column "title" more than once`}},
		{name: "csv missing columns and a nameless one", format: CSV, in: lines("framework,code,,description", "F,A,,"),
			message: `header has a column with no name (column 3); is missing the column "version"; is missing the column "title"; nothing was imported`,
			fields: map[string]string{"header": `has a column with no name (column 3); is missing the column "version"; ` +
				`is missing the column "title"`}},
		{name: "csv header only", format: CSV, in: lines(header),
			message: "requirements are missing: a framework needs at least one; nothing was imported",
			fields:  map[string]string{"requirements": "are missing: a framework needs at least one"}},

		// CSV rows.
		{name: "csv rows with the wrong number of fields, every one reported", format: CSV,
			in:      lines(header, "F,1,A,a", "F,1,B,b,", "F,1,C,c,,", `F,1,D,"d`, `d",,,extra`),
			message: "3 rows are invalid; nothing was imported",
			fields: map[string]string{
				"line 2": "has 4 fields but the header has 5",
				"line 4": "has 6 fields but the header has 5",
				"line 5": "has 7 fields but the header has 5",
			}},
		{name: "csv required values and limits, all problems of a row together", format: CSV,
			in: lines(header, "F,1,,,", "F,1,A,"+long(301)+",", "F,1,"+long(51)+",t,"+long(5001), "F,1,"+strings.Repeat("é", 51)+",t,",
				"F,1,B,ok,"),
			message: "4 rows are invalid; nothing was imported",
			fields: map[string]string{
				"line 2": "code is required; title is required",
				"line 3": "title must be at most 300 characters",
				"line 4": "code must be at most 50 characters; description must be at most 5000 characters",
				"line 5": "code must be at most 50 characters",
			}},
		{name: "csv NUL and invalid UTF-8", format: CSV,
			in:      lines(header, "F,1,A\x00,t,", "F,1,B,t\xff,", "F,1,C,t,d\x00"),
			message: "3 rows are invalid; nothing was imported",
			fields: map[string]string{
				"line 2": "code must not contain NUL characters",
				"line 3": "title must be UTF-8 text",
				"line 4": "description must not contain NUL characters",
			}},
		{name: "csv duplicate codes name the first line, ignoring case", format: CSV,
			in:      lines(header, "F,1,AC-1,a,", "F,1,AC-2,b,", "F,1, ac-1 ,c,", "F,1,AC-2,d,", "F,1,AC-1,e,"),
			message: "3 rows are invalid; nothing was imported",
			fields: map[string]string{
				"line 4": `code "ac-1" is already used on line 2 (as "AC-1"; codes ignore case)`,
				"line 5": `code "AC-2" is already used on line 3`,
				"line 6": `code "AC-1" is already used on line 2`,
			}},
		{name: "csv mixed framework names and versions", format: CSV,
			in:      lines(header, "F,1,A,a,", "G,1,B,b,", "F,2,C,c,", "F , 1 ,D,d,", ",,E,e,"),
			message: "3 rows are invalid; nothing was imported",
			fields: map[string]string{
				"line 3": `framework is "G", unlike line 2 ("F")`,
				"line 4": `version is "2", unlike line 2 ("1")`,
				"line 6": `framework is empty, unlike line 2 ("F"); version is empty, unlike line 2 ("1")`,
			}},
		{name: "csv name and version are judged from the first readable row", format: CSV,
			in:      lines(header, "F,1", "F,1,A,a,", "F,1,B,b,"),
			message: "1 row is invalid; nothing was imported",
			fields:  map[string]string{"line 2": "has 2 fields but the header has 5"}},
		{name: "csv a different framework_description on a later row", format: CSV,
			in:      lines(header+",framework_description", "F,1,A,a,,", "F,1,B,b,,About", "F,1,C,c,,Other", "F,1,D,d,,About"),
			message: "1 row is invalid; nothing was imported",
			fields:  map[string]string{"line 4": "framework_description differs from the one on line 3"}},
		{name: "csv missing name", format: CSV, in: lines(header, ",1,A,a,", ",1,B,b,"),
			message: "name is required (framework column, line 2); nothing was imported",
			fields:  map[string]string{"name": "is required (framework column, line 2)"}},
		{name: "csv framework values too long", format: CSV,
			in:      lines("framework_description,"+header, ",,"+long(51)+",A,a,", long(5001)+","+long(201)+","+long(51)+",B,b,"),
			message: "name, version, description and 1 row are invalid; nothing was imported",
			fields: map[string]string{
				"name":        "is required (framework column, line 2)",
				"version":     "must be at most 50 characters (version column, line 2)",
				"description": "must be at most 5000 characters (framework_description column, line 3)",
				"line 3":      `framework is "` + long(40) + `…" (201 characters), unlike line 2 (empty)`,
			}},
		{name: "csv a name problem and bad rows", format: CSV, in: lines(header, long(201)+",1,,a,", long(201)+",1,B,,"),
			message: "name and 2 rows are invalid; nothing was imported",
			fields: map[string]string{
				"name":   "must be at most 200 characters (framework column, line 2)",
				"line 2": "code is required",
				"line 3": "title is required",
			}},
		{name: "csv too many requirements", format: CSV, in: csvRows(maxRequirements + 1),
			message: "requirements are limited to 2000 per framework; the file has more; nothing was imported",
			fields:  map[string]string{"requirements": "are limited to 2000 per framework; the file has more"}},
		{name: "csv lines count from where rows start, across multi-line fields, CRLF and a BOM", format: CSV,
			in: "\ufeff" + strings.ReplaceAll(lines(header,
				`F,1,A,a,"multi`, `line"`,
				``,
				`F,1,,b,"also`, ``, `multi"`,
				`F,1,A,a,`), "\n", "\r\n"),
			message: "2 rows are invalid; nothing was imported",
			fields: map[string]string{
				"line 5": "code is required",
				"line 8": `code "A" is already used on line 2`,
			}},

		// Malformed CSV.
		{name: "csv a bare quote", format: CSV, in: lines(header, "F,1,A,a,", `F,1,B,say "hi",`),
			message: `the file is not valid CSV: line 3: a value that does not start with a quote contains one; ` + syntaxHint + `; nothing was imported`,
			fields:  map[string]string{"line 3": `is not valid CSV: a value that does not start with a quote contains one; ` + syntaxHint}},
		{name: "csv a quote that is never closed names the row's first line", format: CSV,
			in:      lines(header, `F,1,A,"a`, `more`, `F,1,B,b,`),
			message: `the file is not valid CSV: line 2: the quoted value starting on this line is never closed; ` + syntaxHint + `; nothing was imported`,
			fields:  map[string]string{"line 2": `is not valid CSV: the quoted value starting on this line is never closed; ` + syntaxHint}},
		{name: "csv a quote that is never closed on the last line", format: CSV,
			in:      header + "\nF,1,A,a,\nF,1,B,\"b,",
			message: `the file is not valid CSV: line 3: the quoted value starting on this line is never closed; ` + syntaxHint + `; nothing was imported`,
			fields:  map[string]string{"line 3": `is not valid CSV: the quoted value starting on this line is never closed; ` + syntaxHint}},
		{name: "csv a multi-line quoted value closed badly on the last line", format: CSV,
			in:      lines(header, `F,1,A,"a`, `b"c,`),
			message: `the file is not valid CSV: line 2: the quoted value starting on this line is not closed properly (the problem is on line 3); ` + syntaxHint + `; nothing was imported`,
			fields:  map[string]string{"line 2": `is not valid CSV: the quoted value starting on this line is not closed properly (the problem is on line 3); ` + syntaxHint}},
		{name: "csv a multi-line quoted value closed badly", format: CSV,
			in:      lines(header, `F,1,A,"a`, `b"c,`, `F,1,B,b,`),
			message: `the file is not valid CSV: line 2: the quoted value starting on this line is not closed properly (the problem is on line 3); ` + syntaxHint + `; nothing was imported`,
			fields:  map[string]string{"line 2": `is not valid CSV: the quoted value starting on this line is not closed properly (the problem is on line 3); ` + syntaxHint}},
		{name: "csv text after a closing quote", format: CSV, in: lines(header, `F,1,A,"a"b,`),
			message: `the file is not valid CSV: line 2: a quoted value is not closed properly; ` + syntaxHint + `; nothing was imported`,
			fields:  map[string]string{"line 2": `is not valid CSV: a quoted value is not closed properly; ` + syntaxHint}},

		// Malformed JSON.
		{name: "json syntax error", format: JSON, in: lines(`{`, `  "name": "F",`, `  "requirements": [}`, `}`),
			message: `the file is not valid JSON: line 3: invalid character '}' looking for beginning of value; nothing was imported`,
			fields:  map[string]string{"line 3": `is not valid JSON: invalid character '}' looking for beginning of value`}},
		{name: "json cut short", format: JSON, in: lines(`{`, `  "name": "F",`, `  "requirements": [`),
			message: `the file is not valid JSON: line 3: the file ends before the JSON does (a missing } or ] or quote?); nothing was imported`,
			fields:  map[string]string{"line 3": `is not valid JSON: the file ends before the JSON does (a missing } or ] or quote?)`}},
		{name: "json text after the object", format: JSON, in: lines(`{"name": "F", "requirements": [{"code": "A", "title": "a"}]}`, `{}`),
			message: `the file is not valid JSON: line 2: invalid character '{' after top-level value; nothing was imported`,
			fields:  map[string]string{"line 2": `is not valid JSON: invalid character '{' after top-level value`}},
		{name: "json not an object", format: JSON, in: `[{"code": "A", "title": "a"}]`,
			message: "the file must hold one JSON object with name, version, description and requirements, not a list; nothing was imported"},
		{name: "json a bare string", format: JSON, in: `"framework"`,
			message: "the file must hold one JSON object with name, version, description and requirements, not a string; nothing was imported"},

		// JSON framework.
		{name: "json unknown keys, named", format: JSON,
			in:      `{"name": "F", "Version": "1", "owner": "me", "requirements": [{"code": "A", "title": "a"}]}`,
			message: "Version and owner are invalid; nothing was imported",
			fields: map[string]string{
				"Version": `is not a known field (did you mean "version"? field names are lower case)`,
				"owner":   "is not a known field (the fields are name, version, description and requirements)",
			}},
		{name: "json wrong types", format: JSON,
			in:      `{"name": 7, "version": 2026.1, "description": ["x"], "requirements": {"code": "A"}}`,
			message: "name, version, description and requirements are invalid; nothing was imported",
			fields: map[string]string{
				"name":         "must be a string, not a number",
				"version":      "must be a string, not a number",
				"description":  "must be a string, not a list",
				"requirements": "must be a list of requirements, not an object",
			}},
		{name: "json repeated key", format: JSON,
			in:      `{"name": "F", "name": "G", "requirements": [{"code": "A", "title": "a"}]}`,
			message: "name appears more than once; nothing was imported",
			fields:  map[string]string{"name": "appears more than once"}},
		{name: "json missing name and requirements", format: JSON, in: `{"version": "1"}`,
			message: "name and requirements are invalid; nothing was imported",
			fields: map[string]string{
				"name":         "is required",
				"requirements": "are missing: a framework needs at least one",
			}},
		{name: "json blank name, empty requirements", format: JSON, in: `{"name": "  ", "requirements": []}`,
			message: "name and requirements are invalid; nothing was imported",
			fields: map[string]string{
				"name":         "is required",
				"requirements": "are missing: a framework needs at least one",
			}},
		{name: "json null requirements", format: JSON, in: `{"name": "F", "requirements": null}`,
			message: "requirements are missing: a framework needs at least one; nothing was imported",
			fields:  map[string]string{"requirements": "are missing: a framework needs at least one"}},
		{name: "json framework values too long", format: JSON,
			in:      `{"name": "` + long(201) + `", "version": "` + long(51) + `", "description": "` + long(5001) + `", "requirements": [{"code": "A", "title": "a"}]}`,
			message: "name, version and description are invalid; nothing was imported",
			fields: map[string]string{
				"name":        "must be at most 200 characters",
				"version":     "must be at most 50 characters",
				"description": "must be at most 5000 characters",
			}},
		{name: "json NUL through an escape", format: JSON, in: `{"name": "F\u0000", "requirements": [{"code": "A", "title": "a\u0000"}]}`,
			message: "name and 1 row are invalid; nothing was imported",
			fields: map[string]string{
				"name":   "must not contain NUL characters",
				"line 1": "title must not contain NUL characters",
			}},
		{name: "json too many requirements", format: JSON, in: jsonRequirements(maxRequirements + 1),
			message: "requirements are limited to 2000 per framework; the file has more; nothing was imported",
			fields:  map[string]string{"requirements": "are limited to 2000 per framework; the file has more"}},

		// JSON requirements.
		{name: "json requirements reported by the line their object starts on", format: JSON,
			in: lines(`{`,
				`  "name": "F",`,
				`  "requirements": [`,
				`    {"code": "A", "title": "a"},`,
				`    {`,
				`      "code": "",`,
				`      "title": "`+long(301)+`"`,
				`    },`,
				``,
				`    {"code": " a ", "title": "b", "description": "`+long(5001)+`"},`,
				`    {"code": "B", "title": "b"}`,
				`  ]`,
				`}`),
			message: "2 rows are invalid; nothing was imported",
			fields: map[string]string{
				"line 5":  "code is required; title must be at most 300 characters",
				"line 10": `description must be at most 5000 characters; code "a" is already used on line 4 (as "A"; codes ignore case)`,
			}},
		{name: "json requirements of the wrong type", format: JSON,
			in: lines(`{"name": "F", "requirements": [`,
				`  "A: Policies",`,
				`  null,`,
				`  {"code": 1, "title": true, "description": {"text": "x"}},`,
				`  {"code": "B", "title": ["b"]},`,
				`  [{"code": "C", "title": "c"}]`,
				`]}`),
			message: "5 rows are invalid; nothing was imported",
			fields: map[string]string{
				"line 2": "must be an object with code, title and description, not a string",
				"line 3": "must be an object with code, title and description, not null",
				"line 4": "code must be a string, not a number; title must be a string, not a boolean; description must be a string, not an object",
				"line 5": "title must be a string, not a list",
				"line 6": "must be an object with code, title and description, not a list",
			}},
		{name: "json unknown and repeated requirement keys", format: JSON,
			in: lines(`{"name": "F", "requirements": [`,
				`  {"code": "A", "title": "a", "guidance": "x", "Description": "y"},`,
				`  {"code": "B", "code": "C", "title": "c"}`,
				`]}`),
			message: "2 rows are invalid; nothing was imported",
			fields: map[string]string{
				"line 2": `"guidance" is not a known field (the fields are code, title and description); ` +
					`"Description" is not a known field (did you mean "description"? field names are lower case)`,
				"line 3": "code appears more than once",
			}},
		{name: "json requirements sharing a line are told apart", format: JSON,
			in:      `{"name": "F", "requirements": [{"code": "A", "title": "a"}, {"code": "a"}, {"code": "B", "title": "b"}, 5]}`,
			message: "2 rows are invalid; nothing was imported",
			fields: map[string]string{
				"line 1": `requirement 2: title is required; code "a" is already used by requirement 1 (as "A"; codes ignore case); ` +
					`requirement 4: must be an object with code, title and description, not a number`,
			}},
		{name: "json CRLF and BOM keep line numbers", format: JSON,
			in:      "\ufeff{\r\n\"name\": \"F\",\r\n\"requirements\": [\r\n{\"code\": \"A\", \"title\": \"a\"},\r\n\r\n  {\"code\": \"A\", \"title\": \"b\"}]}\r\n",
			message: "1 row is invalid; nothing was imported",
			fields:  map[string]string{"line 6": `code "A" is already used on line 4`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.in), tc.format)
			var e *strata.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %+v, %v; want a *strata.Error", got, err)
			}
			if e.Code != strata.Invalid {
				t.Errorf("code %s, want %s", e.Code, strata.Invalid)
			}
			if e.Message != tc.message {
				t.Errorf("message\n%q\nwant\n%q", e.Message, tc.message)
			}
			if !reflect.DeepEqual(e.Fields, tc.fields) {
				t.Errorf("fields\n%q\nwant\n%q", e.Fields, tc.fields)
			}
			if !reflect.DeepEqual(got, Framework{}) {
				t.Errorf("Parse returned %+v with its error; want the zero Framework", got)
			}
		})
	}
}

func TestExamplesParse(t *testing.T) {
	for _, tc := range []struct {
		file                string
		name, version       string
		requirements        int
		firstCode, lastCode string
	}{
		{"baseline-security.json", "Strata Baseline Security", "2026.1", 14, "BS-01", "BS-14"},
		{"vendor-data-protection.csv", "Vendor Data Protection Checklist", "1.0", 10, "VDP-1", "VDP-10"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := fs.ReadFile(examples.Files, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			format, err := FormatOf(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(data, format)
			if err != nil {
				t.Fatalf("Parse: %v (fields %v)", err, fieldsOf(err))
			}
			if f.Name != tc.name || f.Version != tc.version || f.Description == "" {
				t.Errorf("framework %q %q (description %q), want %q %q with a description", f.Name, f.Version, f.Description, tc.name, tc.version)
			}
			if len(f.Requirements) != tc.requirements {
				t.Fatalf("%d requirements, want %d", len(f.Requirements), tc.requirements)
			}
			if first, last := f.Requirements[0].Code, f.Requirements[len(f.Requirements)-1].Code; first != tc.firstCode || last != tc.lastCode {
				t.Errorf("codes run %s..%s, want %s..%s", first, last, tc.firstCode, tc.lastCode)
			}
			for _, r := range f.Requirements {
				if r.Title == "" || r.Description == "" {
					t.Errorf("%s (line %d) has no title or description", r.Code, r.Line)
				}
			}
			if format != CSV {
				return
			}
			// The CSV example is also the format's showcase: a value with a comma and
			// one spanning lines, which must not shift the lines of the rows after it.
			var comma, multiLine bool
			for i, r := range f.Requirements {
				comma = comma || strings.Contains(r.Description, ",")
				multiLine = multiLine || strings.Contains(r.Description, "\n")
				if i > 0 && r.Line <= f.Requirements[i-1].Line {
					t.Errorf("%s on line %d, not after the row before it", r.Code, r.Line)
				}
			}
			if !comma || !multiLine {
				t.Errorf("no description with a comma (%v) or spanning lines (%v)", comma, multiLine)
			}
			if last := f.Requirements[len(f.Requirements)-1]; last.Line != len(f.Requirements)+2 {
				t.Errorf("last row on line %d, want %d (one description spans two lines)", last.Line, len(f.Requirements)+2)
			}
		})
	}
}

func TestExamplesAreEmbedded(t *testing.T) {
	names, err := fs.Glob(examples.Files, "*")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"baseline-security.json", "vendor-data-protection.csv"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("embedded %v, want %v", names, want)
	}
}
