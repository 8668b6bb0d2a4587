package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// importShape is a framework file built to stress the import: each is as close to
// the default 1 MiB body limit as it can be without passing it.
type importShape struct {
	name        string
	contentType string
	body        func(run int) []byte
	// status is what the import answers: 400 for every broken shape, 201 for the
	// valid ones.
	status int
}

const importBodyLimit = 1 << 20

// fill repeats unit (with %d standing for a counter) after head and before tail until
// the whole is as close to importBodyLimit as the units allow.
func fill(head, unit, tail string) []byte {
	var b strings.Builder
	b.WriteString(head)
	for i := 0; ; i++ {
		u := unit
		if strings.Contains(unit, "%d") {
			u = fmt.Sprintf(unit, i)
		}
		if b.Len()+len(u)+len(tail) > importBodyLimit {
			break
		}
		b.WriteString(u)
	}
	b.WriteString(tail)
	return []byte(b.String())
}

func pad(s string, n int) string { return s + strings.Repeat("x", max(0, n-len(s))) }

var importShapes = []importShape{
	{name: "csv as reported: a 500,000-character name, then 999 rows naming another", contentType: "text/csv", status: 400,
		body: func(int) []byte {
			var b strings.Builder
			b.WriteString("framework,version,code,title\n")
			b.WriteString(strings.Repeat("N", 500000) + ",1,C-0,T\n")
			for i := 1; i < 1000; i++ {
				fmt.Fprintf(&b, "Other,1,C-%d,T\n", i)
			}
			return []byte(b.String())
		}},
	{name: "csv one huge field", contentType: "text/csv", status: 400,
		body: func(int) []byte { return fill("framework,version,code,title\nF,1,A,", "x", "\n") }},
	{name: "csv many tiny rows", contentType: "text/csv", status: 400,
		body: func(int) []byte { return fill("framework,version,code,title\n", "F,1,C-%d,T\n", "") }},
	{name: "csv a row of a million columns", contentType: "text/csv", status: 400,
		body: func(int) []byte { return fill("framework,version,code,title\nF,1,A,a", ",", "\n") }},
	{name: "csv a header of half a million columns", contentType: "text/csv", status: 400,
		body: func(int) []byte { return fill("", "c,", "\n") }},
	{name: "csv a quoted value of a million line breaks", contentType: "text/csv", status: 400,
		body: func(int) []byte { return fill(`framework,version,code,title,description`+"\nF,1,A,a,\"", "\n", "\"\n") }},
	{name: "csv a quote never closed", contentType: "text/csv", status: 400,
		body: func(int) []byte { return fill("framework,version,code,title\nF,1,A,\"", "x\n", "") }},
	{name: "csv every row wrong in every way", contentType: "text/csv", status: 400,
		body: func(int) []byte {
			return fill("framework,version,code,title,description\n", pad("Name %d", 300)+",v%d,"+pad("code", 60)+",a\x07b,"+pad("", 100)+"\n", "")
		}},
	{name: "json nested a million deep", contentType: "application/json", status: 400,
		body: func(int) []byte { return fill(`{"requirements":`, "[", "") }},
	{name: "json requirements nested 4,000 deep", contentType: "application/json", status: 400,
		body: func(int) []byte {
			deep := `{"code":` + strings.Repeat("[", 4000) + strings.Repeat("]", 4000) + `}`
			return fill(`{"name":"F","requirements":[`+deep, ","+deep, "]}")
		}},
	{name: "json one huge string", contentType: "application/json", status: 400,
		body: func(int) []byte { return fill(`{"name":"`, "x", `","requirements":[{"code":"A","title":"a"}]}`) }},
	{name: "json many tiny requirements", contentType: "application/json", status: 400,
		body: func(int) []byte { return fill(`{"name":"F","requirements":[{}`, ",{}", "]}") }},
	{name: "json many unknown keys", contentType: "application/json", status: 400,
		body: func(int) []byte { return fill(`{"name":"F"`, `,"k%d":0`, "}") }},
	{name: "json a requirement of many unknown keys", contentType: "application/json", status: 400,
		body: func(int) []byte { return fill(`{"name":"F","requirements":[{"code":"A"`, `,"k%d":0`, "}]}") }},
	{name: "json a repeated key", contentType: "application/json", status: 400,
		body: func(int) []byte { return fill(`{"name":"F"`, `,"name":"F"`, "}") }},
	{name: "json the most requirements, valid", contentType: "application/json", status: 201,
		body: func(run int) []byte {
			var b strings.Builder
			fmt.Fprintf(&b, `{"name":"Largest %d","requirements":[`, run)
			for i := range 2000 {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `{"code":"C-%d","title":"%s","description":"%s"}`, i, pad("Title", 100), pad("Described", 360))
			}
			b.WriteString("]}")
			return []byte(b.String())
		}},
	{name: "csv the most requirements, valid", contentType: "text/csv", status: 201,
		body: func(run int) []byte {
			var b strings.Builder
			b.WriteString("framework,version,code,title,description\n")
			for i := range 2000 {
				fmt.Fprintf(&b, "Largest CSV %d,1,C-%d,%s,%s\n", run, i, pad("Title", 100), pad("Described", 360))
			}
			return []byte(b.String())
		}},
}

// TestImportShapes sends each shape: a broken file is a 400 with a short answer that
// lists at most 100 problems, a valid one is imported.
func TestImportShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, s := range importShapes {
		t.Run(s.name, func(t *testing.T) {
			body := s.body(0)
			if len(body) > importBodyLimit {
				t.Fatalf("the shape is %d bytes, over the limit", len(body))
			}
			r := e.do("POST", "/api/frameworks/import", body, "Content-Type", s.contentType)
			if r.Status != s.status {
				t.Fatalf("status %d, want %d: %.500s", r.Status, s.status, r.Raw)
			}
			if s.status != http.StatusBadRequest {
				return
			}
			wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR")
			if len(r.Raw) > 32<<10 {
				t.Errorf("the answer is %d bytes: %.300s", len(r.Raw), r.Raw)
			}
			if n := len(r.Error.Fields); n > 100 {
				t.Errorf("%d fields listed", n)
			}
			if !strings.HasSuffix(r.Error.Message, "nothing was imported") {
				t.Errorf("message %q", r.Error.Message)
			}
		})
	}
}
