package api_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestErrorReplies sends every kind of bad request and checks each gets the
// contract's status, code and fields, never a 500.
func TestErrorReplies(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	risk := e.create(map[string]any{"title": "Target"})
	wantOK(t, e.do("PUT", riskPath(risk.ID), map[string]any{"title": "Target 2"}), http.StatusOK) // now version 2
	r := e.do("POST", riskPath(risk.ID)+"/responses", map[string]any{"type": "accept", "description": "fine"})
	wantOK(t, r, http.StatusCreated) // version 3
	var withResp riskView
	r.into(t, &withResp)
	other := e.create(map[string]any{"title": "Other"})
	// A real control, so that a mapping refused below is refused for the reason the
	// case names and not because the control does not exist.
	control := e.newControl("ERR-C1", map[string]any{"status": "Active"})
	controlID := strconv.FormatInt(control.ID, 10)
	id := strconv.FormatInt(risk.ID, 10)
	path := "/api/risks/" + id
	respPath := path + "/responses/" + strconv.FormatInt(withResp.Responses[0].ID, 10)
	otherRespPath := riskPath(other.ID) + "/responses/" + strconv.FormatInt(withResp.Responses[0].ID, 10)
	valid := map[string]any{"title": "T", "category": "C", "likelihood": 1, "impact": 1}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range valid {
			m[k] = v
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cursorFor := func(c string) string { return base64.RawURLEncoding.EncodeToString([]byte(c)) }
	const missing = "/api/risks/999999"

	type tc struct {
		name         string
		method, path string
		body         any
		headers      []string
		status       int
		code         string
		fields       []string
	}
	bad := func(name, method, path string, body any, fields ...string) tc {
		return tc{name: name, method: method, path: path, body: body, status: 400, code: "VALIDATION_ERROR", fields: fields}
	}
	cases := []tc{
		// Bodies of a create.
		bad("malformed JSON", "POST", "/api/risks", `{"title": "x",`),
		bad("not JSON", "POST", "/api/risks", `title=x`),
		bad("trailing data", "POST", "/api/risks", `{"title":"T","category":"C","likelihood":1,"impact":1} {}`),
		bad("empty body", "POST", "/api/risks", ``),
		bad("null body", "POST", "/api/risks", `null`, "likelihood", "impact"),
		bad("array body", "POST", "/api/risks", `[]`),
		bad("unknown field", "POST", "/api/risks", with("colour", "red"), "colour"),
		bad("wrong type likelihood", "POST", "/api/risks", with("likelihood", "high"), "likelihood"),
		bad("fractional impact", "POST", "/api/risks", with("impact", 2.5), "impact"),
		bad("wrong type title", "POST", "/api/risks", with("title", 5), "title"),
		bad("wrong type owner", "POST", "/api/risks", with("owner_id", "me"), "owner_id"),
		bad("missing likelihood and impact", "POST", "/api/risks", map[string]any{"title": "T", "category": "C"}, "likelihood", "impact"),
		bad("missing title and category", "POST", "/api/risks", map[string]any{"likelihood": 1, "impact": 1}, "title", "category"),
		bad("blank title", "POST", "/api/risks", with("title", "   "), "title"),
		bad("long title", "POST", "/api/risks", with("title", strings.Repeat("x", 201)), "title"),
		bad("likelihood 0 impact 6", "POST", "/api/risks", with("likelihood", 0), "likelihood"),
		bad("impact 6", "POST", "/api/risks", with("impact", 6), "impact"),
		bad("unknown status", "POST", "/api/risks", with("status", "Open"), "status"),
		bad("half a residual", "POST", "/api/risks", with("residual_likelihood", 2), "residual_impact"),
		bad("residual out of range", "POST", "/api/risks", func() map[string]any {
			m := with("residual_likelihood", 9)
			m["residual_impact"] = 1
			return m
		}(), "residual_likelihood"),
		bad("owner 0", "POST", "/api/risks", with("owner_id", 0), "owner_id"),
		bad("bad review date", "POST", "/api/risks", with("review_date", "31/12/2026"), "review_date"),
		bad("impossible review date", "POST", "/api/risks", with("review_date", "2026-02-30"), "review_date"),

		// Bodies of an update.
		bad("update malformed JSON", "PUT", path, `{"title":`),
		bad("update empty body", "PUT", path, ``),
		bad("update array body", "PUT", path, `[1]`),
		bad("update unknown field", "PUT", path, map[string]any{"colour": "red"}, "colour"),
		bad("update wrong type", "PUT", path, map[string]any{"likelihood": "5"}, "likelihood"),
		bad("update wrong type title", "PUT", path, map[string]any{"title": []int{1}}, "title"),
		bad("update out of range", "PUT", path, map[string]any{"impact": 6}, "impact"),
		bad("update blank title", "PUT", path, map[string]any{"title": ""}, "title"),
		bad("update null title", "PUT", path, `{"title":null}`, "title"),
		bad("update bad status", "PUT", path, map[string]any{"status": "Done"}, "status"),
		bad("update without id", "PUT", "/api/risks", map[string]any{"title": "x"}, "id"),
		bad("update body id abc", "PUT", "/api/risks", map[string]any{"id": "abc", "title": "x"}, "id"),
		bad("update body id 0", "PUT", "/api/risks", map[string]any{"id": 0, "title": "x"}, "id"),
		bad("update body id null", "PUT", "/api/risks", `{"id":null,"title":"x"}`, "id"),
		bad("update body malformed", "PUT", "/api/risks", `{"id":`),
		bad("delete without body", "DELETE", "/api/risks", nil),
		bad("delete without id", "DELETE", "/api/risks", map[string]any{"reason": "x"}, "id"),
		bad("delete body id -1", "DELETE", "/api/risks", map[string]any{"id": -1}, "id"),
		bad("delete unknown field", "DELETE", "/api/risks", map[string]any{"id": risk.ID, "force": true}, "force"),
		bad("delete path unknown field", "DELETE", path, map[string]any{"force": true}, "force"),
		bad("delete malformed", "DELETE", path, `{`),

		// Bodies of a mapping.
		bad("mapping without control", "POST", path+"/controls", map[string]any{}, "control_id"),
		bad("mapping null control", "POST", path+"/controls", `{"control_id":null}`, "control_id"),
		bad("mapping control 0", "POST", path+"/controls", map[string]any{"control_id": 0}, "control_id"),
		bad("mapping control -1", "POST", path+"/controls", map[string]any{"control_id": -1}, "control_id"),
		bad("mapping control text", "POST", path+"/controls", map[string]any{"control_id": "1"}, "control_id"),
		bad("mapping control fraction", "POST", path+"/controls", map[string]any{"control_id": 1.5}, "control_id"),
		bad("mapping unknown control", "POST", path+"/controls", map[string]any{"control_id": 999999}, "control_id"),
		bad("mapping largest control id", "POST", path+"/controls", map[string]any{"control_id": int64(9223372036854775807)}, "control_id"),
		bad("mapping unknown field", "POST", path+"/controls", map[string]any{"control_id": control.ID, "note": "x"}, "note"),
		bad("mapping malformed", "POST", path+"/controls", `{"control_id":`),

		// Lists.
		bad("status filter", "GET", "/api/risks?status=Bogus", nil, "status"),
		bad("rating filter", "GET", "/api/risks?rating=Huge", nil, "rating"),
		bad("lowercase rating", "GET", "/api/risks?rating=high", nil, "rating"),
		bad("one bad rating of several", "GET", "/api/risks?rating=High,Huge", nil, "rating"),
		bad("an empty rating between commas", "GET", "/api/risks?rating=High,,Critical", nil, "rating"),
		bad("open filter", "GET", "/api/risks?open=yes", nil, "open"),
		bad("vendor tiers", "GET", "/api/vendors?risk_tier=High,Extreme", nil, "risk_tier"),
		bad("case open filter", "GET", "/api/cases?open=1x", nil, "open"),
		bad("kpi has_value filter", "GET", "/api/kpis?has_value=maybe", nil, "has_value"),
		bad("sort title", "GET", "/api/risks?sort=title", nil, "sort"),
		bad("sort -title", "GET", "/api/risks?sort=-id", nil, "sort"),
		bad("action delete", "GET", "/api/risks?action=delete", nil, "action"),
		bad("action get without id", "GET", "/api/risks?action=get", nil, "id"),
		bad("action get id abc", "GET", "/api/risks?action=get&id=abc", nil, "id"),
		bad("action get id 0", "GET", "/api/risks?action=get&id=0", nil, "id"),
		bad("limit 0", "GET", "/api/risks?limit=0", nil, "limit"),
		bad("limit 501", "GET", "/api/risks?limit=501", nil, "limit"),
		bad("limit -1", "GET", "/api/risks?limit=-1", nil, "limit"),
		bad("limit abc", "GET", "/api/risks?limit=abc", nil, "limit"),
		bad("limit huge", "GET", "/api/risks?limit=99999999999999999999", nil, "limit"),
		bad("owner abc", "GET", "/api/risks?owner_id=abc", nil, "owner_id"),
		bad("owner -1", "GET", "/api/risks?owner_id=-1", nil, "owner_id"),
		bad("q too long", "GET", "/api/risks?q="+strings.Repeat("q", 201), nil, "q"),
		bad("cursor garbage", "GET", "/api/risks?cursor=%21%21%21", nil),
		bad("cursor not JSON", "GET", "/api/risks?cursor="+cursorFor("hello"), nil),
		bad("cursor of another sort", "GET", "/api/risks?sort=score&cursor="+cursorFor(`{"s":"","i":1}`), nil),
		bad("cursor id 0", "GET", "/api/risks?cursor="+cursorFor(`{"s":"","i":0}`), nil),
		bad("cursor bad score key", "GET", "/api/risks?sort=score&cursor="+cursorFor(`{"s":"score","k":"x","i":1}`), nil),
		bad("cursor bad time key", "GET", "/api/risks?sort=-updated_at&cursor="+cursorFor(`{"s":"-updated_at","k":5,"i":1}`), nil),
		bad("as_of word", "GET", path+"?as_of=yesterday", nil, "as_of"),
		bad("as_of date only", "GET", path+"?as_of=2026-01-01", nil, "as_of"),
		bad("as_of no zone", "GET", path+"?as_of=2026-01-01T00:00:00", nil, "as_of"),

		// If-Match.
		{name: "If-Match abc", method: "PUT", path: path, body: map[string]any{"title": "x"}, headers: []string{"If-Match", "abc"}, status: 400, code: "VALIDATION_ERROR"},
		{name: "If-Match 0", method: "PUT", path: path, body: map[string]any{"title": "x"}, headers: []string{"If-Match", `"0"`}, status: 400, code: "VALIDATION_ERROR"},
		{name: "If-Match weak garbage", method: "PUT", path: path, body: map[string]any{"title": "x"}, headers: []string{"If-Match", `W/"x"`}, status: 400, code: "VALIDATION_ERROR"},
		{name: "If-Match on delete", method: "DELETE", path: path, headers: []string{"If-Match", "-3"}, status: 400, code: "VALIDATION_ERROR"},
		{name: "If-Match on response", method: "POST", path: path + "/responses", body: map[string]any{"type": "accept", "description": "x"}, headers: []string{"If-Match", "v3"}, status: 400, code: "VALIDATION_ERROR"},
		{name: "If-Match on control", method: "POST", path: path + "/controls", body: map[string]any{"control_id": control.ID}, headers: []string{"If-Match", "three"}, status: 400, code: "VALIDATION_ERROR"},

		// Stale If-Match.
		{name: "stale update", method: "PUT", path: path, body: map[string]any{"title": "x"}, headers: []string{"If-Match", etag(1)}, status: 409, code: "CONFLICT"},
		{name: "stale future update", method: "PUT", path: path, body: map[string]any{"title": "x"}, headers: []string{"If-Match", etag(99)}, status: 409, code: "CONFLICT"},
		{name: "stale body update", method: "PUT", path: "/api/risks", body: map[string]any{"id": risk.ID, "title": "x"}, headers: []string{"If-Match", etag(2)}, status: 409, code: "CONFLICT"},
		{name: "stale delete", method: "DELETE", path: path, headers: []string{"If-Match", etag(2)}, status: 409, code: "CONFLICT"},
		{name: "stale response", method: "PUT", path: respPath, body: map[string]any{"status": "done"}, headers: []string{"If-Match", etag(1)}, status: 409, code: "CONFLICT"},
		{name: "stale mapping", method: "POST", path: path + "/controls", body: map[string]any{"control_id": control.ID}, headers: []string{"If-Match", etag(2)}, status: 409, code: "CONFLICT"},

		// Not found.
		{name: "missing risk", method: "GET", path: missing, status: 404, code: "NOT_FOUND"},
		{name: "missing risk action get", method: "GET", path: "/api/risks?action=get&id=999999", status: 404, code: "NOT_FOUND"},
		{name: "missing risk as_of", method: "GET", path: missing + "?as_of=2030-01-01T00:00:00Z", status: 404, code: "NOT_FOUND"},
		{name: "missing risk history", method: "GET", path: missing + "/history", status: 404, code: "NOT_FOUND"},
		{name: "missing risk update", method: "PUT", path: missing, body: map[string]any{"title": "x"}, status: 404, code: "NOT_FOUND"},
		{name: "missing risk body update", method: "PUT", path: "/api/risks", body: map[string]any{"id": 999999, "title": "x"}, status: 404, code: "NOT_FOUND"},
		{name: "missing risk delete", method: "DELETE", path: missing, status: 404, code: "NOT_FOUND"},
		{name: "missing risk body delete", method: "DELETE", path: "/api/risks", body: map[string]any{"id": 999999}, status: 404, code: "NOT_FOUND"},
		{name: "missing risk response", method: "POST", path: missing + "/responses", body: map[string]any{"type": "accept", "description": "x"}, status: 404, code: "NOT_FOUND"},
		{name: "missing risk response update", method: "PUT", path: missing + "/responses/1", body: map[string]any{"status": "done"}, status: 404, code: "NOT_FOUND"},
		{name: "missing risk mapping", method: "POST", path: missing + "/controls", body: map[string]any{"control_id": control.ID}, status: 404, code: "NOT_FOUND"},
		{name: "missing risk unmapping", method: "DELETE", path: missing + "/controls/" + controlID, status: 404, code: "NOT_FOUND"},
		{name: "largest id", method: "GET", path: "/api/risks/9223372036854775807", status: 404, code: "NOT_FOUND"},
		{name: "missing response", method: "PUT", path: path + "/responses/999999", body: map[string]any{"status": "done"}, status: 404, code: "NOT_FOUND"},
		{name: "response of another risk", method: "PUT", path: otherRespPath, body: map[string]any{"status": "done"}, status: 404, code: "NOT_FOUND"},
		{name: "unmapped control", method: "DELETE", path: path + "/controls/" + controlID, status: 404, code: "NOT_FOUND"},
		{name: "unknown api route", method: "GET", path: "/api/nothing", status: 404, code: "NOT_FOUND"},
		{name: "unknown sub-route", method: "GET", path: path + "/nothing", status: 404, code: "NOT_FOUND"},
		{name: "write outside api", method: "POST", path: "/nothing", status: 404, code: "NOT_FOUND"},
		{name: "unknown v1 route", method: "POST", path: "/api/v1/nothing", body: map[string]any{}, status: 404, code: "NOT_FOUND"},
		{name: "unsupported method", method: "PATCH", path: path, body: map[string]any{"title": "x"}, status: 404, code: "NOT_FOUND"},
		{name: "unsupported method on list", method: "PATCH", path: "/api/risks", body: map[string]any{}, status: 404, code: "NOT_FOUND"},
	}
	// A bad id in the path, on every route that takes one.
	for _, badID := range []string{"abc", "0", "-1", "1.5", "99999999999999999999"} {
		p := "/api/risks/" + badID
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", p, nil},
			{"GET", p + "?as_of=2030-01-01T00:00:00Z", nil},
			{"PUT", p, map[string]any{"title": "x"}},
			{"DELETE", p, nil},
			{"GET", p + "/history", nil},
			{"POST", p + "/responses", map[string]any{"type": "accept", "description": "x"}},
			{"PUT", p + "/responses/1", map[string]any{"status": "done"}},
			{"POST", p + "/controls", map[string]any{"control_id": control.ID}},
			{"DELETE", p + "/controls/" + controlID, nil},
		} {
			cases = append(cases, bad("id "+badID+" "+c.method+" "+c.path, c.method, c.path, c.body, "id"))
		}
		cases = append(cases,
			bad("response id "+badID, "PUT", path+"/responses/"+badID, map[string]any{"status": "done"}, "response_id"),
			bad("control id "+badID, "DELETE", path+"/controls/"+badID, nil, "control_id"))
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.at(t).do(c.method, c.path, c.body, c.headers...)
			wantErr(t, r, c.status, c.code, c.fields...)
		})
	}

	// None of that changed anything.
	if got := e.get(risk.ID); got.Version != 3 || got.Title != "Target 2" || len(got.Responses) != 1 || got.Responses[0].Status != "planned" {
		t.Fatalf("target changed by refused requests: %+v", got)
	}
	if got := e.get(other.ID); got.Version != 1 {
		t.Fatalf("other risk changed by refused requests: %+v", got)
	}
	if items, r := e.list(""); len(items) != 2 || r.Meta.Total != 2 {
		t.Fatalf("refused requests created risks: %s", r.Raw)
	}
}

// TestPayloadTooLarge sends bodies over the 1 MiB limit, declared and chunked.
func TestPayloadTooLarge(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	risk := e.create(map[string]any{"title": "Big"})
	huge := func() []byte {
		return []byte(`{"title":"` + strings.Repeat("a", 1<<20) + `","category":"C","likelihood":1,"impact":1}`)
	}
	targets := []struct{ method, path string }{
		{"POST", "/api/risks"},
		{"POST", "/api/v1/risks"},
		{"PUT", riskPath(risk.ID)},
		{"PUT", "/api/risks"},
		{"DELETE", "/api/risks"},
		{"DELETE", riskPath(risk.ID)},
		{"POST", riskPath(risk.ID) + "/responses"},
		{"PUT", riskPath(risk.ID) + "/responses/1"},
		{"POST", riskPath(risk.ID) + "/controls"},
	}
	for _, tg := range targets {
		t.Run("declared "+tg.method+" "+tg.path, func(t *testing.T) {
			// Only the headers are sent: the length alone must be refused, without
			// the server waiting for the body.
			r := rawRequest(t, e, tg.method+" "+tg.path+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
				"X-Request-ID: too-large-1\r\nContent-Length: "+strconv.Itoa(1<<20+1)+"\r\n\r\n")
			wantErr(t, r, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE")
			if r.Error.RequestID != "too-large-1" {
				t.Fatalf("request id %q", r.Error.RequestID)
			}
		})
		t.Run("chunked "+tg.method+" "+tg.path, func(t *testing.T) {
			// A reader of unknown length makes the client send it chunked.
			req, err := http.NewRequest(tg.method, e.URL+tg.path, io.MultiReader(bytes.NewReader(huge())))
			if err != nil {
				t.Fatal(err)
			}
			if req.ContentLength != 0 && req.ContentLength != -1 {
				t.Fatalf("content length %d", req.ContentLength)
			}
			req.Header.Set("Content-Type", "application/json")
			r := send(t, e.Client, req)
			wantErr(t, r, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE")
		})
	}
	t.Run("declared through the client", func(t *testing.T) {
		r := e.at(t).do("POST", "/api/risks", huge())
		wantErr(t, r, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE")
	})
	t.Run("just under the limit", func(t *testing.T) {
		// 1 MiB exactly is allowed through to validation, which refuses the title's length.
		body := []byte(`{"title":"` + strings.Repeat("a", 1<<20-80) + `","category":"C","likelihood":1,"impact":1}`)
		body = append(body, bytes.Repeat([]byte(" "), 1<<20-len(body))...)
		r := e.at(t).do("POST", "/api/risks", body)
		wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "title")
	})
	if items, _ := e.list(""); len(items) != 1 {
		t.Fatalf("oversized bodies created risks: %v", idsOf(items))
	}
	if got := e.get(risk.ID); got.Version != 1 {
		t.Fatalf("oversized bodies changed the risk: %+v", got)
	}
}

// rawRequest writes a request by hand and reads the reply.
func rawRequest(t *testing.T, e *env, head string) *reply {
	t.Helper()
	u, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := &reply{Status: resp.StatusCode, Header: resp.Header}
	out.Raw, _ = io.ReadAll(resp.Body)
	_ = json.Unmarshal(out.Raw, out)
	return out
}

// send is do for a prepared request and any client.
func send(t *testing.T, c *http.Client, req *http.Request) *reply {
	t.Helper()
	r, err := sendErr(c, req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sendErr is send for goroutines that must not fail the test themselves.
func sendErr(c *http.Client, req *http.Request) (*reply, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := &reply{Status: resp.StatusCode, Header: resp.Header}
	out.Raw, err = io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	_ = json.Unmarshal(out.Raw, out)
	return out, nil
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)

	t.Run("safe id echoed", func(t *testing.T) {
		e := e.at(t)
		for _, id := range []string{"abc-123", "A.b_c:d-9", strings.Repeat("x", 64)} {
			r := e.do("GET", "/api/risks/999", nil, "X-Request-ID", id)
			wantErr(t, r, http.StatusNotFound, "NOT_FOUND")
			if r.Header.Get("X-Request-ID") != id || r.Error.RequestID != id {
				t.Fatalf("sent %q, got header %q body %q", id, r.Header.Get("X-Request-ID"), r.Error.RequestID)
			}
			r = e.do("GET", "/api/risks", nil, "X-Request-ID", id)
			wantOK(t, r, http.StatusOK)
			if r.Header.Get("X-Request-ID") != id {
				t.Fatalf("success reply header %q", r.Header.Get("X-Request-ID"))
			}
		}
	})

	t.Run("unsafe id replaced", func(t *testing.T) {
		e := e.at(t)
		seen := map[string]bool{}
		for _, id := range []string{"", "has space", "<script>", "a/b", "ü", strings.Repeat("x", 65), "a\tb"} {
			r := e.do("GET", "/api/risks?status=Bogus", nil, "X-Request-ID", id)
			wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "status")
			got := r.Header.Get("X-Request-ID")
			if got == id || len(got) != 36 || seen[got] {
				t.Fatalf("sent %q, got %q", id, got)
			}
			seen[got] = true
		}
	})

	t.Run("every error kind", func(t *testing.T) {
		e := e.at(t)
		for _, c := range []struct {
			method, path string
			body         any
			status       int
		}{
			{"POST", "/nothing", nil, 404},
			{"GET", "/api/risks/abc", nil, 400},
			{"POST", "/api/risks", `{`, 400},
			{"PATCH", "/api/risks", nil, 404},
		} {
			r := e.do(c.method, c.path, c.body, "X-Request-ID", "kind-"+strconv.Itoa(c.status))
			if r.Status != c.status || r.Error == nil || r.Error.RequestID != "kind-"+strconv.Itoa(c.status) ||
				r.Header.Get("X-Request-ID") != r.Error.RequestID {
				t.Fatalf("%s %s: %d %s", c.method, c.path, r.Status, r.Raw)
			}
		}
	})
}

// TestFormerlyBrokenInputs holds inputs that once made the server fail (a 500, a
// stuck projection, a leaked Go type name); each must now be a clear 400.
func TestFormerlyBrokenInputs(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	t.Run("NUL in filters is a 500", func(t *testing.T) {
		e := e.at(t)
		wantErr(t, e.do("GET", "/api/risks?q=a%00b", nil), http.StatusBadRequest, "VALIDATION_ERROR", "q")
		wantErr(t, e.do("GET", "/api/risks?category=a%00b", nil), http.StatusBadRequest, "VALIDATION_ERROR", "category")
	})
	t.Run("NUL in text fields is a 500", func(t *testing.T) {
		e := e.at(t)
		wantErr(t, e.do("POST", "/api/risks", `{"title":"a\u0000b","category":"C","likelihood":1,"impact":1}`),
			http.StatusBadRequest, "VALIDATION_ERROR", "title")
		x := e.create(nil)
		wantErr(t, e.do("PUT", riskPath(x.ID), `{"description":"a\u0000b"}`), http.StatusBadRequest, "VALIDATION_ERROR", "description")
		wantErr(t, e.do("POST", riskPath(x.ID)+"/responses", `{"type":"accept","description":"a\u0000b"}`),
			http.StatusBadRequest, "VALIDATION_ERROR", "description")
	})
	t.Run("missing fields are all named", func(t *testing.T) {
		wantErr(t, e.at(t).do("POST", "/api/risks", `{}`), http.StatusBadRequest, "VALIDATION_ERROR",
			"title", "category", "likelihood", "impact")
	})
	t.Run("a body of the wrong shape names a Go type", func(t *testing.T) {
		r := e.at(t).do("POST", "/api/risks", `[]`)
		wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR")
		if strings.Contains(r.Error.Message, "api.") || strings.Contains(r.Error.Message, "Go value") {
			t.Fatalf("message shows internals: %q", r.Error.Message)
		}
	})
	// Last: when it fails it stops the projection of this env for good.
	t.Run("year 0 poisons the projection", func(t *testing.T) {
		e := e.at(t)
		wantErr(t, e.do("POST", "/api/risks", map[string]any{"title": "T", "category": "C", "likelihood": 1, "impact": 1,
			"review_date": "0000-01-01"}), http.StatusBadRequest, "VALIDATION_ERROR", "review_date")
		x := e.create(nil)
		r := e.do("POST", riskPath(x.ID)+"/responses", map[string]any{"type": "accept", "description": "x", "due_date": "0000-12-31"})
		wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR", "due_date")
		e.list("") // fails when the projection is stuck
	})
}
