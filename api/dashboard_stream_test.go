package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/schema/testdb"
)

// TestDashboardStream opens the live dashboard and makes a write in another session:
// the open stream pushes the changed count without being asked.
func TestDashboardStream(t *testing.T) {
	t.Parallel()
	e := newConfiguredEnv(t, testdb.New(t), api.Config{StreamLifetime: time.Minute})
	e.loginAs(api.Principal{OrgID: 1, Name: "Dashboard Watcher"})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// counts reads one stream to its end, handing each counts event to seen; it stops
	// early when seen says so.
	counts := func(seen func(map[string]int64) bool) bool {
		req, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/api/dashboard/stream", nil)
		resp, err := e.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "counts":
				var m map[string]int64
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &m); err != nil {
					t.Fatalf("counts %q: %v", line, err)
				}
				if seen(m) {
					return true
				}
			}
		}
		return false
	}
	var first map[string]int64
	wrote := false
	pushed := counts(func(m map[string]int64) bool {
		if first == nil {
			first = m
			if _, has := first["risks_open"]; !has {
				t.Fatalf("first counts %v", first)
			}
			// Written through another session, while this stream stays open: the push
			// must not depend on the stream's own client writing or asking again.
			other := e.otherSession()
			other.create(map[string]any{"title": "Pushed", "category": "Ops", "likelihood": 2, "impact": 2})
			wrote = true
			return false
		}
		return wrote && m["risks_open"] == first["risks_open"]+1
	})
	if !pushed {
		t.Fatal("the stream ended without pushing the new count")
	}
}
