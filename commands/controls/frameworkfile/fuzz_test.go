package frameworkfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/text"
)

var csvSeeds = []string{
	"framework,version,code,title\nF,1,A,a\n",
	"\ufeffframework,version,code,title,description\r\nF,1,A,a,\"two\r\nlines\"\r\n\r\nF,1,B,b,\r\n",
	"framework,version,code,title\nF,1,A,\"never closed\n",
	"framework,version,code,title\nF,1,A,say \"hi\"\n",
	"framework,version,code,title\nF,1,A,\"a\"b\n",
	"framework,version,code,title\nF,1,A\x00,a\xff\n",
	"framework,version,code,title\n" + strings.Repeat("x", 300) + ",1,A,a\nG,1,B,b\n",
	"a,b,c,a,,\n,,,\n",
	" , \"x\"\r",
	"\"\"\"\",\n\"",
}

var jsonSeeds = []string{
	`{"name":"F","requirements":[{"code":"A","title":"a"}]}`,
	`{"name":"F","name":"G","requirements":[{"code":"A","code":"B","Title":"a","x":1}]}`,
	`{"name":7,"requirements":{"code":"A"}}`,
	`{"name":"F","requirements":[null,"x",[],{"code":[[[]]]}]}`,
	`{"name":"\u0000","requirements":[{"code":"A\u0007","title":"a\nb"}]}`,
	"{\"name\":\"\xff\",\"requirements\":[]}",
	`[1,2]`, `{"name":"F",`, `{}{}`, `{"requirements":[{}` + strings.Repeat(`,{}`, 2001) + `]}`,
}

// checkParsed holds Parse to its promises on any input: an error is a bounded
// VALIDATION_ERROR (or PAYLOAD_TOO_LARGE), and a framework that passes obeys every
// rule of a framework and its requirements.
func checkParsed(t *testing.T, data []byte, format Format) {
	fw, err := Parse(data, format)
	if err != nil {
		var e *strata.Error
		if !errors.As(err, &e) || (e.Code != strata.Invalid && e.Code != strata.PayloadTooLarge) {
			t.Fatalf("want a client error, got %v", err)
		}
		if len(e.Fields) > MaxProblems {
			t.Fatalf("%d problems listed", len(e.Fields))
		}
		size := len(e.Message)
		for k, v := range e.Fields {
			size += len(k) + len(v)
		}
		// Each listed problem quotes at most QuoteLimit characters of a value.
		if limit := 2000 * (len(e.Fields) + 1); size > limit {
			t.Fatalf("the error weighs %d bytes for %d fields", size, len(e.Fields))
		}
		return
	}
	if n := len(fw.Requirements); n == 0 || n > maxRequirements {
		t.Fatalf("%d requirements passed", n)
	}
	for _, v := range []struct {
		v    string
		kind text.Kind
	}{{fw.Name, text.Name}, {fw.Version, text.Version}, {fw.Description, text.Summary}} {
		if p := text.Problem(v.v, v.kind); p != "" {
			t.Fatalf("%q passed: %s", v.v, p)
		}
	}
	for _, r := range fw.Requirements {
		if text.Problem(r.Code, text.Code) != "" || text.Problem(r.Title, text.Title) != "" ||
			text.Problem(r.Description, text.Summary) != "" || r.Code == "" || r.Title == "" || r.Line < 1 {
			t.Fatalf("requirement %+v passed", r)
		}
	}
}

func FuzzParseCSV(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkParsed(t, data, CSV) })
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkParsed(t, data, JSON) })
}

// FuzzCSVReader reads the same input with encoding/csv and with the bounded reader
// (its bounds out of reach): both must find the same records on the same lines, or
// both give up on the same row.
func FuzzCSVReader(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		std := csv.NewReader(bytes.NewReader(data))
		std.FieldsPerRecord, std.TrimLeadingSpace = -1, true
		ours := newCSVReader(bytes.NewReader(data), len(data)+1, len(data)+1)
		for i := 0; ; i++ {
			want, werr := std.Read()
			got, gerr := ours.read()
			if werr == io.EOF || gerr == io.EOF {
				if werr != gerr {
					t.Fatalf("record %d: encoding/csv %v, ours %v", i, werr, gerr)
				}
				return
			}
			if werr != nil || gerr != nil {
				var pe *csv.ParseError
				var se *csvSyntax
				if !errors.As(werr, &pe) || !errors.As(gerr, &se) || pe.StartLine != se.startLine {
					t.Fatalf("record %d: encoding/csv %v, ours %v", i, werr, gerr)
				}
				return
			}
			values := make([]string, len(got.fields))
			for j, f := range got.fields {
				values[j] = f.value
			}
			line, _ := std.FieldPos(0)
			if !reflect.DeepEqual(values, want) || got.count != len(want) || got.line != line {
				t.Fatalf("record %d: encoding/csv %q on line %d, ours %q (%d) on line %d", i, want, line, values, got.count, got.line)
			}
		}
	})
}

// TestCSVReaderBounds: a record's values past the limits are counted, not kept.
func TestCSVReaderBounds(t *testing.T) {
	r := newCSVReader(strings.NewReader("abcdef,\"gh\"\"ij\",k,l\n"), 2, 4)
	rec, err := r.read()
	if err != nil {
		t.Fatal(err)
	}
	want := []csvField{{value: "abcd", long: true}, {value: `gh"i`, long: true}}
	if rec.count != 4 || !reflect.DeepEqual(rec.fields, want) {
		t.Fatalf("record %+v", rec)
	}
}
