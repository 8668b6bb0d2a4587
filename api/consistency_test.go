package api_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/schema/testdb"
)

// TestReadYourWrites: a session's reads see its writes at once, and a client without
// the session sees them by sending the position a write returned.
func TestReadYourWrites(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	fresh := e.otherSession() // logged in as the same user, but without the writes' session

	for i := range 20 {
		title := fmt.Sprintf("Written %02d", i)
		r := e.do("POST", "/api/risks", map[string]any{"title": title, "category": "RYW", "likelihood": 1 + i%5, "impact": 2})
		wantOK(t, r, http.StatusCreated)
		pos := wantWrite(t, r, 1)
		var created riskView
		r.into(t, &created)
		id := strconv.FormatInt(created.ID, 10)

		items, lr := e.list("?q=" + url.QueryEscape(title))
		if len(items) != 1 || items[0].ID != created.ID || lr.Meta.Total != 1 {
			t.Fatalf("write %d: list in the same session: %s", i, lr.Raw)
		}
		for _, p := range []string{"/api/risks?action=get&id=" + id, "/api/risks/" + id} {
			wantOK(t, e.read(p), http.StatusOK)
		}
		// An update is seen as promptly as a create.
		u := e.do("PUT", "/api/risks/"+id, map[string]any{"title": title + " updated"})
		wantOK(t, u, http.StatusOK)
		upos := wantWrite(t, u, 2)
		if got := e.get(created.ID); got.Title != title+" updated" || got.Version != 2 {
			t.Fatalf("write %d: GET after update: %+v", i, got)
		}

		// Without the session, the position carries the guarantee.
		c := fresh.at(t)
		g := c.read("/api/risks/"+id, "X-Min-Position", upos)
		wantOK(t, g, http.StatusOK)
		var got riskView
		g.into(t, &got)
		if got.Title != title+" updated" || g.Header.Get("Set-Cookie") != "" {
			t.Fatalf("write %d: fresh client with X-Min-Position: %s", i, g.Raw)
		}
		l := c.read("/api/risks?category=RYW&limit=500", "X-Min-Position", pos)
		wantOK(t, l, http.StatusOK)
		var all []riskView
		l.into(t, &all)
		if !slices.Contains(idsOf(all), created.ID) {
			t.Fatalf("write %d: fresh client list with X-Min-Position misses %d", i, created.ID)
		}
	}

	t.Run("bad X-Min-Position", func(t *testing.T) {
		c := fresh.at(t)
		for _, v := range []string{"abc", "0", "-5", "1.5", "999999999", "99999999999999999999"} {
			for _, p := range []string{"/api/risks", "/api/risks/1", "/api/risks?action=get&id=1"} {
				wantErr(t, c.do("GET", p, nil, "X-Min-Position", v), http.StatusBadRequest, "VALIDATION_ERROR")
			}
		}
	})
}

// newPausedEnv is newEnv whose projections stop after login: start runs them again.
// Holding a projection back this way stalls no other test, where a lock in the
// database would (every subscriber reads below the same snapshot horizon).
func newPausedEnv(t *testing.T) (e *env, start func()) {
	t.Helper()
	db := testdb.New(t)
	login, startLogin, stopLogin := newStoppedEnv(t, db)
	startLogin()
	login.loginAs(api.Principal{OrgID: 1, Name: "Test User"})
	stopLogin()

	// A second server on the same schema accepts the session (sessions live in the
	// database, and cookies ignore the port) but runs its projections only when told.
	e, start, _ = newStoppedEnv(t, db)
	e.Client, e.Email = login.Client, login.Email
	return e, start
}

// TestReadWaitsForProjection holds the projection back to show that reads really
// wait for it, and say so when they give up.
func TestReadWaitsForProjection(t *testing.T) {
	t.Parallel()
	e, startProjections := newPausedEnv(t)
	fresh := e.otherSession()

	r := e.do("POST", "/api/risks", map[string]any{"title": "Held back", "category": "C", "likelihood": 2, "impact": 2})
	wantOK(t, r, http.StatusCreated)
	pos := r.Header.Get("X-Event-Position")
	var created riskView
	r.into(t, &created)

	// A client that asks for nothing is answered at once, without the write.
	l := fresh.do("GET", "/api/risks", nil)
	wantOK(t, l, http.StatusOK)
	if l.Meta.Total != 0 || l.Header.Get("X-Read-Stale") != "" {
		t.Fatalf("unconstrained read: %s", l.Raw)
	}

	// Reads that wait give up after their bound, are served, and say they are stale.
	// Both wait at once, to keep the test short.
	start := time.Now()
	var g *reply
	posRead := make(chan struct{})
	go func() {
		defer close(posRead)
		req, _ := http.NewRequest("GET", fresh.URL+riskPath(created.ID), nil)
		req.Header.Set("X-Min-Position", pos)
		g, _ = sendErr(fresh.Client, req)
	}()
	l = e.do("GET", "/api/risks", nil)
	wantOK(t, l, http.StatusOK)
	if l.Meta.Total != 0 || l.Header.Get("X-Read-Stale") != "true" || time.Since(start) < time.Second {
		t.Fatalf("read past the wait (%s): %s %v", time.Since(start), l.Raw, l.Header)
	}
	<-posRead
	if g == nil {
		t.Fatal("the read with X-Min-Position failed")
	}
	wantErr(t, g, http.StatusNotFound, "NOT_FOUND")
	if g.Header.Get("X-Read-Stale") != "true" {
		t.Fatalf("stale 404 not marked stale: %v", g.Header)
	}

	// Reads that wait are released when the projection catches up.
	type result struct {
		name string
		r    *reply
		err  error
	}
	results := make(chan result, 3)
	waiting := []struct {
		name string
		env  *env
		path string
		hdr  []string
	}{
		{"session list", e, "/api/risks", nil},
		{"session get", e, "/api/risks?action=get&id=" + strconv.FormatInt(created.ID, 10), nil},
		{"position get", fresh, riskPath(created.ID), []string{"X-Min-Position", pos}},
	}
	for _, w := range waiting {
		req, err := http.NewRequest("GET", w.env.URL+w.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if w.hdr != nil {
			req.Header.Set(w.hdr[0], w.hdr[1])
		}
		go func() {
			r, err := sendErr(w.env.Client, req)
			results <- result{w.name, r, err}
		}()
	}
	select {
	case res := <-results:
		t.Fatalf("%s answered while the projection was held back: %+v", res.name, res.r)
	case <-time.After(300 * time.Millisecond):
	}
	startProjections()
	for range waiting {
		res := <-results
		if res.err != nil {
			t.Fatalf("%s: %v", res.name, res.err)
		}
		wantOK(t, res.r, http.StatusOK)
		if res.r.Header.Get("X-Read-Stale") != "" || !strings.Contains(string(res.r.Raw), `"Held back"`) {
			t.Fatalf("%s after release: %s", res.name, res.r.Raw)
		}
	}
}

// TestConcurrentIfMatch: of writers racing with the same version, exactly one wins.
func TestConcurrentIfMatch(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	risk := e.create(map[string]any{"title": "Contested"})

	const n = 10
	var wg sync.WaitGroup
	start := make(chan struct{})
	replies := make([]*reply, n)
	errs := make([]error, n)
	for i := range n {
		body := fmt.Sprintf(`{"title":"Writer %d"}`, i)
		req, err := http.NewRequest("PUT", e.URL+riskPath(risk.ID), strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("If-Match", etag(1))
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			replies[i], errs[i] = sendErr(e.Client, req)
		}()
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, r := range replies {
		if errs[i] != nil {
			t.Fatalf("writer %d: %v", i, errs[i])
		}
		switch r.Status {
		case http.StatusOK:
			if winner >= 0 {
				t.Fatalf("writers %d and %d both won", winner, i)
			}
			winner = i
			wantOK(t, r, http.StatusOK)
			wantWrite(t, r, 2)
		default:
			wantErr(t, r, http.StatusConflict, "CONFLICT")
		}
	}
	if winner < 0 {
		t.Fatal("no writer won")
	}
	got := e.get(risk.ID)
	if got.Version != 2 || got.Title != fmt.Sprintf("Writer %d", winner) {
		t.Fatalf("after the race: %+v (winner %d)", got, winner)
	}
	if h := e.history(risk.ID); len(h) != 2 {
		t.Fatalf("history after the race: %d entries", len(h))
	}
}

// TestConcurrentCreates: parallel creates get distinct ids and all show up.
func TestConcurrentCreates(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	const n = 10
	var wg sync.WaitGroup
	replies := make([]*reply, n)
	errs := make([]error, n)
	for i := range n {
		req, err := http.NewRequest("POST", e.URL+"/api/risks",
			strings.NewReader(fmt.Sprintf(`{"title":"Parallel %d","category":"P","likelihood":3,"impact":3}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i], errs[i] = sendErr(e.Client, req)
		}()
	}
	wg.Wait()
	ids := map[int64]bool{}
	var tokens []string
	for i, r := range replies {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		wantOK(t, r, http.StatusCreated)
		tokens = append(tokens, wantWrite(t, r, 1))
		var got riskView
		r.into(t, &got)
		ids[got.ID] = true
	}
	if len(ids) != n {
		t.Fatalf("%d distinct ids for %d creates", len(ids), n)
	}
	// A token names one write; a client that holds several waits for each. Once one
	// read has waited for the latest, the others are answered at once.
	var l *reply
	for _, tok := range tokens {
		l = e.read("/api/risks", "X-Min-Position", tok)
		wantOK(t, l, http.StatusOK)
	}
	if l.Meta.Total != n {
		t.Fatalf("list after parallel creates: %s", l.Raw)
	}
}

// TestListStableWhileWriting walks lists page by page while other writes land
// between the pages: every risk that existed when the walk began is returned exactly
// once.
func TestListStableWhileWriting(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	// Created a few at a time; scores repeat, so ties exercise the id tie-break.
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		tokens []string
	)
	errs := make(chan error, 60)
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < 60; i += 6 {
				body := fmt.Sprintf(`{"title":"Stable %02d","category":"S","likelihood":%d,"impact":%d}`, i, 1+i%5, 1+(i*7/5)%5)
				req, err := http.NewRequest("POST", e.URL+"/api/risks", strings.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				req.Header.Set("Content-Type", "application/json")
				r, err := sendErr(e.Client, req)
				if err == nil && r.Status != http.StatusCreated {
					err = fmt.Errorf("create %d: %d %s", i, r.Status, r.Raw)
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				tokens = append(tokens, r.Header.Get("X-Event-Position"))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The racing creates may leave any one of their positions with the session: wait
	// for each.
	for _, tok := range tokens {
		wantOK(t, e.read("/api/risks", "X-Min-Position", tok), http.StatusOK)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	added := 0

	for _, sort := range []string{"", "-score"} {
		t.Run("sort="+sort, func(t *testing.T) {
			e := e.at(t)
			all, _ := e.list("?limit=500&sort=" + sort)
			before := idsOf(all)
			if len(before) < 60 {
				t.Fatalf("%d risks before the walk", len(before))
			}
			seen := map[int64]int{}
			var last *riskView
			cursor, pages, stale := "", 0, false
			for {
				q := "?limit=7&sort=" + sort
				if cursor != "" {
					q += "&cursor=" + url.QueryEscape(cursor)
				}
				// Freshness is not what this test is about: the writes between
				// pages need not be visible, only the risks from before the walk.
				items, r := e.listMaybeStale(q)
				stale = stale || r.Header.Get("X-Read-Stale") != ""
				pages++
				if len(items) == 0 || len(items) > 7 {
					t.Fatalf("page %d has %d items", pages, len(items))
				}
				for _, it := range items {
					seen[it.ID]++
					if seen[it.ID] > 1 {
						t.Fatalf("risk %d returned twice (page %d)", it.ID, pages)
					}
					if last != nil && !keysetBefore(sort, *last, it) {
						t.Fatalf("page %d: %d (score %d) after %d (score %d)", pages, it.ID, it.InherentScore, last.ID, last.InherentScore)
					}
					last = &it
				}
				if r.Meta.NextCursor == nil {
					break
				}
				cursor = *r.Meta.NextCursor
				if pages > 40 {
					t.Fatal("the walk does not end")
				}
				// Between pages: new risks anywhere in the order, and edits of
				// fields the order does not use, on risks seen and not yet seen.
				for range 2 {
					added++
					e.create(map[string]any{"title": fmt.Sprintf("Added %d", added), "category": "S",
						"likelihood": 1 + rng.IntN(5), "impact": 1 + rng.IntN(5)})
				}
				for range 2 {
					id := before[rng.IntN(len(before))]
					wantOK(t, e.do("PUT", riskPath(id), map[string]any{
						"title": fmt.Sprintf("Edited %d", rng.IntN(1000)), "description": "edited mid-walk", "status": "Assessed"}), http.StatusOK)
				}
			}
			var skipped []int64
			for _, id := range before {
				if seen[id] != 1 {
					skipped = append(skipped, id)
				}
			}
			if len(skipped) > 0 {
				t.Fatalf("walk skipped %v (of %d that existed before it)", skipped, len(before))
			}
			if sort == "" && len(seen) <= len(before) && !stale {
				// In id order everything added during the walk lands after the cursor.
				t.Fatalf("id-ordered walk saw %d risks, %d existed before it, %d were added", len(seen), len(before), added)
			}
		})
	}
}

// keysetBefore reports whether a comes strictly before b in the sort.
func keysetBefore(sort string, a, b riskView) bool {
	switch sort {
	case "score":
		return a.InherentScore < b.InherentScore || a.InherentScore == b.InherentScore && a.ID < b.ID
	case "-score":
		return a.InherentScore > b.InherentScore || a.InherentScore == b.InherentScore && a.ID > b.ID
	}
	return a.ID < b.ID
}
