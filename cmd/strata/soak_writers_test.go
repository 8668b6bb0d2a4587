package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"sync"
	"time"
)

// The crash soak's writers: each has its own session and writes one kind of thing,
// one request at a time, and remembers every attempt with its X-Request-ID, which
// the server stores as the correlation id of the events the request appends.

// soakAttempt is one write request.
type soakAttempt struct {
	reqID  string
	op     string      // "create risk", "update risk", "create control", ...
	entity *soakEntity // nil for a create whose answer was lost
	value  string      // the title, test notes or role the write sets
	status int         // HTTP status; 0 when no answer came
	// sent and answered bound when the request was in flight; failure is the
	// transport error or the error body, for a failure message.
	sent, answered time.Time
	failure        string
	acked          bool // the client saw a 2xx

	// Set by the checker once the log says whether the write happened: how many
	// events it appended, on which streams (transaction ids are checked there).
	resolved bool
	events   int
	streams  []string
}

// soakEntity is a risk, control or member the soak created, with the attempts that
// set its checked value (title or role) in order; a control's tests are kept apart.
type soakEntity struct {
	kind     string // "risk", "control", "member"
	id       int64
	attempts []*soakAttempt
	tests    []*soakAttempt
}

// soakWriter writes one kind of thing through its own session.
type soakWriter struct {
	name, kind, base string
	client           *http.Client
	rng              *rand.Rand
	seq              int
	entities         []*soakEntity // created with an acknowledgement, so their ids are known
	attempts         []*soakAttempt
	// statuses counts answers by status; violations are answers that must not happen.
	statuses   map[int]int
	violations []string
}

func newSoakWriter(name, kind, base string, seed uint64) *soakWriter {
	jar, _ := cookiejar.New(nil)
	return &soakWriter{name: name, kind: kind, base: base, rng: rand.New(rand.NewPCG(seed, 7)), statuses: map[int]int{},
		// Longer than the server's request timeout: a request the client gave up on
		// could otherwise still commit after the checker looked.
		client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// login starts the writer's session and returns its organization's id.
func (w *soakWriter) login(email, password string) (int64, error) {
	status, _, raw, err := w.send("POST", "/api/auth/login", "", map[string]string{"email": email, "password": password})
	if err != nil || status != http.StatusOK {
		return 0, fmt.Errorf("login as %s: %d %v %s", email, status, err, raw)
	}
	var in struct {
		Data struct {
			Organization struct {
				ID int64 `json:"id"`
			} `json:"organization"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &in); err != nil || in.Data.Organization.ID == 0 {
		return 0, fmt.Errorf("login as %s: no organization in %s", email, raw)
	}
	return in.Data.Organization.ID, nil
}

func (w *soakWriter) send(method, path, reqID string, body any) (int, http.Header, []byte, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(method, w.base+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if reqID != "" {
		req.Header.Set("X-Request-ID", reqID)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		// The status came but the body did not: the client cannot count this as seen.
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, raw, nil
}

// run writes until stop is closed, each request inside gate's read lock so the
// soak can hold every writer between requests.
func (w *soakWriter) run(gate *sync.RWMutex, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		gate.RLock()
		wait := w.writeOnce()
		gate.RUnlock()
		time.Sleep(wait)
	}
}

// writeOnce makes one attempt and says how long to wait before the next.
func (w *soakWriter) writeOnce() time.Duration {
	w.seq++
	a := &soakAttempt{reqID: fmt.Sprintf("soak-%s-%06d", w.name, w.seq)}
	a.value = a.reqID
	var method, path string
	var body any
	var target *soakEntity
	switch w.kind {
	case "risk":
		if len(w.entities) == 0 || w.rng.IntN(3) == 0 {
			a.op, method, path = "create risk", "POST", "/api/risks"
			body = map[string]any{"title": a.value, "category": "Soak", "likelihood": 1 + w.rng.IntN(5), "impact": 1 + w.rng.IntN(5)}
		} else {
			target = w.entities[w.rng.IntN(len(w.entities))]
			a.op, method, path = "update risk", "PUT", "/api/risks/"+strconv.FormatInt(target.id, 10)
			body = map[string]any{"title": a.value, "likelihood": 1 + w.rng.IntN(5)}
		}
	case "control":
		switch n := w.rng.IntN(4); {
		case len(w.entities) == 0 || n == 0:
			a.op, method, path = "create control", "POST", "/api/controls"
			body = map[string]any{"code": a.value, "title": a.value, "type": "detective", "frequency": "monthly"}
		case n == 1:
			target = w.entities[w.rng.IntN(len(w.entities))]
			a.op, method, path = "update control", "PUT", "/api/controls/"+strconv.FormatInt(target.id, 10)
			body = map[string]any{"title": a.value, "status": []string{"Draft", "Active"}[w.rng.IntN(2)]}
		default:
			target = w.entities[w.rng.IntN(len(w.entities))]
			a.op, method, path = "record test", "POST", "/api/controls/"+strconv.FormatInt(target.id, 10)+"/tests"
			body = map[string]any{"result": []string{"Pass", "Fail", "Inconclusive"}[w.rng.IntN(3)], "notes": a.value}
		}
	case "member":
		var role string
		if len(w.entities) > 0 && w.rng.IntN(4) > 0 {
			target = w.entities[w.rng.IntN(len(w.entities))]
			role = newRole(target, w.rng)
		}
		if role == "" {
			target = nil
			a.op, method, path = "add member", "POST", "/api/members"
			a.value = "viewer"
			body = map[string]any{"email": a.reqID + "@soak.example", "name": a.reqID, "password": "soak member password", "role": a.value}
		} else {
			a.op, method, path, a.value = "change role", "PUT", "/api/members/"+strconv.FormatInt(target.id, 10), role
			body = map[string]any{"role": a.value}
		}
	}
	a.entity = target
	w.attempts = append(w.attempts, a)
	if target != nil {
		if a.op == "record test" {
			target.tests = append(target.tests, a)
		} else {
			target.attempts = append(target.attempts, a)
		}
	}

	a.sent = time.Now()
	status, header, raw, err := w.send(method, path, a.reqID, body)
	a.status, a.answered = status, time.Now()
	if err != nil {
		a.failure = err.Error()
		return 50 * time.Millisecond // the server is down or went away: not acknowledged
	}
	w.statuses[status]++
	if status >= 300 {
		a.failure = string(raw)
	}
	switch {
	case status >= 200 && status < 300:
		a.acked = true
		if target == nil {
			var created struct {
				Data struct {
					ID     int64 `json:"id"`
					UserID int64 `json:"user_id"`
				} `json:"data"`
			}
			if err := json.Unmarshal(raw, &created); err != nil || created.Data.ID+created.Data.UserID == 0 {
				w.violations = append(w.violations, fmt.Sprintf("%s %s: %d with no id: %s", a.op, a.reqID, status, raw))
				return 0
			}
			e := &soakEntity{kind: w.kind, id: created.Data.ID + created.Data.UserID, attempts: []*soakAttempt{a}}
			a.entity = e
			w.entities = append(w.entities, e)
		}
		return time.Duration(w.rng.IntN(10)) * time.Millisecond
	case status == http.StatusServiceUnavailable:
		// The database or the log cannot be reached: the answer must say when to retry.
		if header.Get("Retry-After") == "" {
			w.violations = append(w.violations, fmt.Sprintf("%s %s: 503 without Retry-After", a.op, a.reqID))
		}
		return 50 * time.Millisecond
	case status == http.StatusTooManyRequests:
		secs, _ := strconv.Atoi(header.Get("Retry-After"))
		return time.Duration(max(secs, 1)) * time.Second
	default:
		// A 401 would mean an outage was taken for a lost session; any other refusal
		// or a 500 means a valid write was mishandled.
		w.violations = append(w.violations, fmt.Sprintf("%s %s: %d %s", a.op, a.reqID, status, raw))
		return 50 * time.Millisecond
	}
}

// soakRoles are the roles members move between; admin is left out so no change can
// trip over the last-admin rule.
var soakRoles = []string{"viewer", "auditor", "investigator", "compliance_manager", "risk_manager"}

// newRole picks a role the member surely does not hold, so the change records an
// event: none asked since the last acknowledged change, whose fate is unknown yet.
// It is empty when every role was asked.
func newRole(m *soakEntity, rng *rand.Rand) string {
	asked := map[string]bool{}
	for i := len(m.attempts) - 1; i >= 0; i-- {
		asked[m.attempts[i].value] = true
		if m.attempts[i].acked {
			break
		}
	}
	var free []string
	for _, r := range soakRoles {
		if !asked[r] {
			free = append(free, r)
		}
	}
	if len(free) == 0 {
		return ""
	}
	return free[rng.IntN(len(free))]
}

// String describes an attempt for a failure message.
func (a *soakAttempt) String() string {
	return fmt.Sprintf("%s %s: %d %s (sent %s, answered %s, %d events on %v)", a.op, a.reqID, a.status, a.failure,
		a.sent.Format("15:04:05.000000"), a.answered.Format("15:04:05.000000"), a.events, a.streams)
}
