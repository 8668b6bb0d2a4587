package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestTextRules sends NUL, bytes that are not UTF-8, control characters, line breaks
// and over-long values to every endpoint that takes text: each is a 400 naming the
// field (never a 500), and line breaks pass where a field holds paragraphs.
func TestTextRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	risk := e.create(map[string]any{"title": "Target"})
	control := e.newControl("TXT-1", map[string]any{"status": "Active"})
	r := e.do("POST", "/api/frameworks", map[string]any{"name": "Text rules"})
	wantOK(t, r, http.StatusCreated)
	var fw struct {
		ID int64 `json:"id"`
	}
	r.into(t, &fw)
	riskP := riskPath(risk.ID)
	controlP := "/api/controls/" + strconv.FormatInt(control.ID, 10)
	fwP := "/api/frameworks/" + strconv.FormatInt(fw.ID, 10)

	// body builds a JSON body from pairs, a value given as raw JSON when it starts
	// with a raw marker; a string is encoded as JSON encodes it.
	body := func(pairs ...any) string {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i+1 < len(pairs); i += 2 {
			if i > 0 {
				b.WriteString(",")
			}
			k, _ := json.Marshal(pairs[i])
			b.Write(k)
			b.WriteString(":")
			if raw, ok := pairs[i+1].(rawJSON); ok {
				b.WriteString(string(raw))
				continue
			}
			v, _ := json.Marshal(pairs[i+1])
			b.Write(v)
		}
		b.WriteString("}")
		return b.String()
	}
	risky := func(k string, v any) string {
		return body("title", "T", "category", "C", "likelihood", 1, "impact", 1, k, v)
	}
	ctl := func(k string, v any) string {
		return body("code", "TXT-"+strconv.Itoa(len(k)), "title", "T", "type", "preventive", "frequency", "daily", k, v)
	}
	member := func(k string, v any) string {
		m := []any{"email", "new-" + strconv.Itoa(len(k)) + "@example.com", "name", "New", "password", testPassword, "role", "viewer"}
		for i := 0; i < len(m); i += 2 {
			if m[i] == k {
				m[i+1] = v
			}
		}
		return body(m...)
	}
	invalid := rawJSON("\"a\xffb\"")

	type tc struct {
		name, method, path, body, field string
	}
	refused := []tc{
		{"risk title NUL", "POST", "/api/risks", risky("title", "a\x00b"), "title"},
		{"risk title not UTF-8", "POST", "/api/risks", risky("title", invalid), "title"},
		{"risk title bell", "POST", "/api/risks", risky("title", "a\ab"), "title"},
		{"risk title line break", "POST", "/api/risks", risky("title", "a\nb"), "title"},
		{"risk title too long", "POST", "/api/risks", risky("title", strings.Repeat("é", 201)), "title"},
		{"risk description escape", "POST", "/api/risks", risky("description", "\x1b[31mred"), "description"},
		{"risk description too long", "POST", "/api/risks", risky("description", strings.Repeat("d", 10001)), "description"},
		{"risk update category tab", "PUT", riskP, body("category", "a\tb"), "category"},
		{"risk update description not UTF-8", "PUT", riskP, body("description", invalid), "description"},
		{"risk delete reason too long", "DELETE", riskP, body("reason", strings.Repeat("r", 1001)), "reason"},
		{"risk delete reason NUL", "DELETE", riskP, body("reason", "a\x00"), "reason"},
		{"risk response NUL", "POST", riskP + "/responses", body("type", "accept", "description", "a\x00"), "description"},
		{"control code line break", "POST", "/api/controls", ctl("code", "A\nB"), "code"},
		{"control description C1 control", "POST", "/api/controls", ctl("description", "a\u0085b"), "description"},
		{"control title NUL", "PUT", controlP, body("title", "a\x00"), "title"},
		{"control title not UTF-8", "PUT", controlP, body("title", invalid), "title"},
		{"effectiveness notes NUL", "PUT", controlP + "/effectiveness", body("effectiveness", "Effective", "notes", "a\x00"), "notes"},
		{"effectiveness notes too long", "PUT", controlP + "/effectiveness", body("effectiveness", "Effective", "notes", strings.Repeat("n", 2001)), "notes"},
		{"test notes bell", "POST", controlP + "/tests", body("result", "Pass", "notes", "\a"), "notes"},
		{"framework name NUL", "POST", "/api/frameworks", body("name", "F\x00"), "name"},
		{"framework version line break", "POST", "/api/frameworks", body("name", "F", "version", "1\n2"), "version"},
		{"requirement title line break", "POST", fwP + "/requirements", body("code", "R-1", "title", "a\nb"), "title"},
		{"requirement code not UTF-8", "POST", fwP + "/requirements", body("code", invalid, "title", "t"), "code"},
		{"member name NUL", "POST", "/api/members", member("name", "a\x00b"), "name"},
		{"member name not UTF-8", "POST", "/api/members", member("name", invalid), "name"},
		{"member name line break", "POST", "/api/members", member("name", "a\nb"), "name"},
		{"member email NUL", "POST", "/api/members", member("email", "a\x00@example.com"), "email"},
		{"member email too long", "POST", "/api/members", member("email", strings.Repeat("a", 250)+"@example.com"), "email"},
		{"member password too long", "POST", "/api/members", member("password", strings.Repeat("p", 1025)), "password"},
		{"login email NUL", "POST", "/api/auth/login", body("email", "a\x00@example.com", "password", testPassword), "email"},
		{"login email not UTF-8", "POST", "/api/auth/login", body("email", invalid, "password", testPassword), "email"},
		{"login password too long", "POST", "/api/auth/login", body("email", e.Email, "password", strings.Repeat("p", 1025)), "password"},
		{"current password too long", "PUT", "/api/auth/password", body("current_password", strings.Repeat("p", 1025), "new_password", testPassword+"!"), "current_password"},
		{"new password too long", "PUT", "/api/auth/password", body("current_password", testPassword, "new_password", strings.Repeat("p", 1025)), "new_password"},
		{"risk q NUL", "GET", "/api/risks?q=a%00", "", "q"},
		{"risk q not UTF-8", "GET", "/api/risks?q=%ff", "", "q"},
		{"risk category not UTF-8", "GET", "/api/risks?category=%ff", "", "category"},
		{"risk category too long", "GET", "/api/risks?category=" + strings.Repeat("c", 101), "", "category"},
		{"control q control character", "GET", "/api/controls?q=a%07", "", "q"},
		{"framework q NUL", "GET", "/api/frameworks?q=%00", "", "q"},
		{"import file name NUL", "POST", "/api/frameworks/import?file_name=a%00b.csv", "framework,version,code,title\nF,1,A,a\n", "file_name"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			var b any
			if c.body != "" {
				b = c.body
			}
			headers := []string{}
			if strings.Contains(c.path, "/import") {
				headers = append(headers, "Content-Type", "text/csv")
			}
			wantErr(t, e.do(c.method, c.path, b, headers...), http.StatusBadRequest, "VALIDATION_ERROR", c.field)
		})
	}

	// Paragraphs keep their line breaks and tabs.
	multi := "First line\r\nsecond line\n\tindented"
	wantOK(t, e.do("POST", "/api/risks", risky("description", multi)), http.StatusCreated)
	wantOK(t, e.do("PUT", riskP, body("description", multi)), http.StatusOK)
	wantOK(t, e.do("POST", riskP+"/responses", body("type", "accept", "description", multi)), http.StatusCreated)
	wantOK(t, e.do("POST", "/api/controls", ctl("description", multi)), http.StatusCreated)
	wantOK(t, e.do("PUT", controlP+"/effectiveness", body("effectiveness", "Partially Effective", "notes", multi)), http.StatusOK)
	wantOK(t, e.do("POST", controlP+"/tests", body("result", "Inconclusive", "notes", multi)), http.StatusCreated)
	wantOK(t, e.do("POST", "/api/frameworks", body("name", "Multi", "description", multi)), http.StatusCreated)
	wantOK(t, e.do("POST", fwP+"/requirements", body("code", "R-9", "title", "Nine", "description", multi)), http.StatusCreated)
	wantOK(t, e.do("DELETE", riskP, body("reason", multi)), http.StatusOK)
	r = e.do("GET", riskP+"/history", nil)
	wantOK(t, r, http.StatusOK)
	if !strings.Contains(string(r.Raw), `"First line\r\nsecond line\n\tindented"`) {
		t.Errorf("the description did not keep its lines: %.400s", r.Raw)
	}
}

type rawJSON string
