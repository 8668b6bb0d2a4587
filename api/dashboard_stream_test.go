package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDashboardStream opens the live dashboard and makes a write in another session:
// the stream pushes the changed count without being asked.
func TestDashboardStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/api/dashboard/stream", nil)
	resp, err := e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	counts := make(chan map[string]int64)
	go func() {
		defer close(counts)
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "counts":
				var m map[string]int64
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &m) == nil {
					counts <- m
				}
			}
		}
	}()
	first, ok := <-counts
	if !ok {
		t.Fatal("the stream ended before its first counts")
	}
	if _, has := first["risks_open"]; !has {
		t.Fatalf("first counts %v", first)
	}
	// Written through another session: the stream must not depend on its own client's writes.
	other := e.otherSession()
	other.create(map[string]any{"title": "Pushed", "category": "Ops", "likelihood": 2, "impact": 2})
	for m := range counts {
		if m["risks_open"] == first["risks_open"]+1 {
			return
		}
	}
	t.Fatal("the stream ended without pushing the new count")
}
