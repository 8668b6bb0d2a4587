package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema"
)

// client is a session of its own for goroutines, which may not use t.Fatal.
type client struct {
	base string
	http *http.Client
}

func (e *env) newClient() *client {
	jar, _ := cookiejar.New(nil)
	return &client{base: e.URL, http: &http.Client{Jar: jar, Timeout: 2 * time.Minute}}
}

func (c *client) send(method, path, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

func (c *client) json(method, path string, v any) (int, []byte, error) {
	b, _ := json.Marshal(v)
	return c.send(method, path, "application/json", b)
}

// With the production pool (not a test-sized one), 64 writers of every kind at once
// (20 of them renaming the same control's code, the rest importing frameworks,
// writing risks and controls, raising and approving findings in one engagement, logging
// in, adding members) and a rebuild of the
// control library all finish without a server error, and /readyz answers 200
// throughout: no path holds a pooled connection while it waits for another.
func TestNoStallUnderConcurrentWriters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if got, want := e.DB.Pool.Config().MaxConns, int32(schema.DefaultMaxConns); got != want {
		t.Fatalf("the test pool has %d connections, want the production %d", got, want)
	}
	ctl := e.newControl("STALL-1", nil)
	// Every finding writer works in this one engagement: one stream, many writers.
	engagement := e.newEngagement("Stall")
	// Each login writer is its own user: one account logging in 32 times at once is
	// an attack the login throttle is there to slow down.
	var loginEmails []string
	for n := range 8 {
		loginEmails = append(loginEmails, e.createUser(1, fmt.Sprintf("Login %d", n), "viewer"))
	}
	admin := e.newClient()
	if st, raw, err := admin.json("POST", "/api/auth/login", map[string]string{"email": e.Email, "password": testPassword}); err != nil || st != 200 {
		t.Fatalf("login: %d %s %v", st, raw, err)
	}

	ctx, stop := context.WithCancel(context.Background())
	var ready sync.WaitGroup
	var readyChecks, readyFailures atomic.Int64
	var readyFirstFailure atomic.Value
	ready.Add(1)
	go func() {
		defer ready.Done()
		probe := &http.Client{Timeout: 10 * time.Second}
		for ctx.Err() == nil {
			resp, err := probe.Get(e.URL + "/readyz")
			readyChecks.Add(1)
			if err != nil || resp.StatusCode != http.StatusOK {
				if readyFailures.Add(1) == 1 {
					readyFirstFailure.Store(fmt.Sprintf("%v %v", resp, err))
				}
			}
			if resp != nil {
				_ = resp.Body.Close()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()

	type outcome struct {
		kind   string
		status int
		body   string
		err    error
	}
	results := make(chan outcome, 64*10)
	record := func(kind string, st int, raw []byte, err error) {
		results <- outcome{kind, st, string(raw), err}
	}
	const rounds = 4
	writers := map[string]func(n, round int){
		"rename": func(n, round int) {
			st, raw, err := admin.json("PUT", fmt.Sprintf("/api/controls/%d", ctl.ID), map[string]any{"code": fmt.Sprintf("X-%d-%d", n, round)})
			record("rename", st, raw, err)
		},
		"import": func(n, round int) {
			var b strings.Builder
			b.WriteString("framework,version,code,title\n")
			for i := range 50 {
				fmt.Fprintf(&b, "Stall %d-%d,1,R-%d,Requirement %d\n", n, round, i, i)
			}
			st, raw, err := admin.send("POST", "/api/frameworks/import", "text/csv", []byte(b.String()))
			record("import", st, raw, err)
		},
		"risk": func(n, round int) {
			st, raw, err := admin.json("POST", "/api/risks", map[string]any{"title": fmt.Sprintf("Risk %d-%d", n, round),
				"category": "Stall", "likelihood": 1 + n%5, "impact": 1 + round%5})
			record("risk", st, raw, err)
			var created struct {
				Data struct{ ID int64 } `json:"data"`
			}
			if json.Unmarshal(raw, &created) == nil && created.Data.ID > 0 {
				st, raw, err = admin.json("PUT", fmt.Sprintf("/api/risks/%d", created.Data.ID), map[string]any{"status": "Assessed"})
				record("risk", st, raw, err)
			}
		},
		"control": func(n, round int) {
			st, raw, err := admin.json("POST", "/api/controls", map[string]any{"code": fmt.Sprintf("C-%d-%d", n, round),
				"title": "Concurrent", "type": "detective", "frequency": "monthly"})
			record("control", st, raw, err)
			st, raw, err = admin.json("POST", fmt.Sprintf("/api/controls/%d/tests", ctl.ID), map[string]any{
				"tested_at": time.Now().UTC().Format(time.RFC3339), "result": "Pass", "notes": "ok"})
			record("control", st, raw, err)
		},
		"finding": func(n, round int) {
			st, raw, err := admin.json("POST", "/api/findings", map[string]any{"engagement_id": engagement.ID,
				"title": fmt.Sprintf("Finding %d-%d", n, round), "control_id": ctl.ID})
			record("finding", st, raw, err)
			var created struct {
				Data struct{ ID int64 } `json:"data"`
			}
			if json.Unmarshal(raw, &created) == nil && created.Data.ID > 0 {
				st, raw, err = admin.json("PUT", fmt.Sprintf("/api/findings/%d/status", created.Data.ID), map[string]any{"status": "Approved"})
				record("finding", st, raw, err)
			}
		},
		"login": func(n, round int) {
			c := e.newClient()
			st, raw, err := c.json("POST", "/api/auth/login", map[string]string{"email": loginEmails[n], "password": testPassword})
			record("login", st, raw, err)
			st, raw, err = c.send("GET", "/api/risks?limit=5", "", nil)
			record("login", st, raw, err)
		},
		"member": func(n, round int) {
			email := fmt.Sprintf("stall-%d-%d-%d@example.com", n, round, time.Now().UnixNano())
			st, raw, err := admin.json("POST", "/api/members", map[string]any{"email": email, "name": fmt.Sprintf("Member %d", n),
				"password": "a long enough password", "role": "viewer"})
			record("member", st, raw, err)
			var added struct {
				Data struct {
					UserID int64 `json:"user_id"`
				} `json:"data"`
			}
			if json.Unmarshal(raw, &added) == nil && added.Data.UserID > 0 {
				st, raw, err = admin.json("PUT", fmt.Sprintf("/api/members/%d", added.Data.UserID), map[string]any{"role": "auditor"})
				record("member", st, raw, err)
			}
		},
	}
	plan := []struct {
		kind string
		n    int
	}{{"rename", 20}, {"import", 8}, {"risk", 4}, {"finding", 8}, {"control", 8}, {"login", 8}, {"member", 8}}
	var wg sync.WaitGroup
	total := 0
	for _, p := range plan {
		for n := range p.n {
			total++
			wg.Add(1)
			go func() {
				defer wg.Done()
				for round := range rounds {
					writers[p.kind](n, round)
				}
			}()
		}
	}
	if total != 64 {
		t.Fatalf("%d writers, want 64", total)
	}
	rebuilt := make(chan error, 1)
	go func() {
		p, _ := e.App.Projector("controls")
		_, err := projections.Rebuild(context.Background(), e.App.Store, e.App.Pool, p, projections.RebuildConfig{})
		rebuilt <- err
	}()

	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(3 * time.Minute):
		t.Fatal("the writers did not finish in 3 minutes: something stalls")
	}
	if err := <-rebuilt; err != nil {
		t.Errorf("rebuild during the load: %v", err)
	}
	stop()
	ready.Wait()
	close(results)

	counts := map[string]map[int]int{}
	for r := range results {
		if counts[r.kind] == nil {
			counts[r.kind] = map[int]int{}
		}
		counts[r.kind][r.status]++
		switch {
		case r.err != nil:
			t.Errorf("%s: %v", r.kind, r.err)
		case r.status >= 500:
			t.Errorf("%s: %d %s", r.kind, r.status, r.body)
		case r.status >= 400 && !(r.kind == "rename" && (r.status == http.StatusConflict || r.status == http.StatusBadRequest)):
			t.Errorf("%s: %d %s", r.kind, r.status, r.body)
		}
	}
	t.Logf("answers by kind and status: %v; /readyz checked %d times", counts, readyChecks.Load())
	if n := readyFailures.Load(); n > 0 {
		t.Errorf("/readyz failed %d of %d times during the load; first: %v", n, readyChecks.Load(), readyFirstFailure.Load())
	}
	if counts["rename"][http.StatusOK] == 0 {
		t.Error("no rename succeeded")
	}
}
