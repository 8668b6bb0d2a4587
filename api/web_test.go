package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/schema/testdb"
)

func TestWebApplication(t *testing.T) {
	t.Parallel()
	get := func(base, path string) (int, string, http.Header) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	db := testdb.New(t)

	// Without a build, / explains how to make one; the API is unaffected.
	bare := newConfiguredEnv(t, db, api.Config{Web: fstest.MapFS{}})
	if code, body, _ := get(bare.URL, "/"); code != 200 || !strings.Contains(body, "npm run build") {
		t.Fatalf("no build: %d %s", code, body)
	}
	if code, body, _ := get(bare.URL, "/api/nope"); code != 404 || !strings.Contains(body, "NOT_FOUND") {
		t.Fatalf("unknown API path: %d %s", code, body)
	}

	built := newConfiguredEnv(t, db, api.Config{Web: fstest.MapFS{
		"index.html":         {Data: []byte("<!doctype html><title>app</title>")},
		"assets/app-1a2b.js": {Data: []byte("console.log(1)")},
	}})
	if code, body, _ := get(built.URL, "/"); code != 200 || !strings.Contains(body, "<title>app</title>") {
		t.Fatalf("index: %d %s", code, body)
	}
	// The application's own routes load index.html on a refresh.
	if code, body, h := get(built.URL, "/risks/7?tab=history"); code != 200 || !strings.Contains(body, "<title>app</title>") ||
		h.Get("Cache-Control") != "no-cache" {
		t.Fatalf("deep link: %d %s %v", code, body, h)
	}
	if code, body, _ := get(built.URL, "/api/docs"); code != 200 || !strings.Contains(body, "<title>app</title>") {
		t.Fatalf("the API reference page: %d %s", code, body)
	}
	if code, body, h := get(built.URL, "/assets/app-1a2b.js"); code != 200 || body != "console.log(1)" ||
		!strings.Contains(h.Get("Cache-Control"), "immutable") {
		t.Fatalf("asset: %d %s %v", code, body, h)
	}
	if code, body, _ := get(built.URL, "/api/v1/nope"); code != 404 || !strings.Contains(body, "NOT_FOUND") {
		t.Fatalf("unknown API path with a build: %d %s", code, body)
	}
	resp, err := http.Post(built.URL+"/risks", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("POST outside the API: %d", resp.StatusCode)
	}
}
