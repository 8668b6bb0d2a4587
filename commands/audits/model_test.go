package audits

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/decidetest"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
)

// model is the rules written as plainly as possible, to check Decide against over
// random command sequences.
type model struct {
	phase    int
	status   string
	procs    map[int64]*modelProc
	findings map[int64]*modelFinding
}

type modelProc struct {
	status     string
	conclusion string
	assignee   int64 // 0: nobody
	signed     bool
}

type modelFinding struct {
	status   string
	title    string
	assignee int64
}

// outcome is what the model expects of a command: an error code with the fields it
// names, no change, or a change (which the model has then applied).
type outcome struct {
	code   strata.Code
	fields []string
	noop   bool
}

func refused(code strata.Code, fields ...string) outcome { return outcome{code: code, fields: fields} }

func (m *model) closed() bool { return m.status == Cancelled || Phases[m.phase] == Completed }

func (m *model) open() int {
	n := 0
	for _, f := range m.findings {
		if f.status == Open {
			n++
		}
	}
	return n
}

func (m *model) apply(cmd any) outcome {
	switch c := cmd.(type) {
	case ChangePhase:
		to := slices.Index(Phases, c.Phase)
		switch {
		case to < 0:
			return refused(strata.Invalid, "phase")
		case to == m.phase:
			return outcome{noop: true}
		case m.status == Cancelled:
			return refused(strata.Invalid, "phase")
		}
		fields := map[string]bool{}
		if to > m.phase+1 {
			fields["phase"] = true
		}
		if to < m.phase && c.Comment == "" {
			fields["comment"] = true
		}
		if Phases[to] == Reporting && m.open() > 0 {
			fields["phase"] = true
		}
		if len(fields) > 0 {
			return refused(strata.Invalid, slices.Collect(maps.Keys(fields))...)
		}
		m.phase = to
	case UpdateEngagement:
		var p struct{ Status, Comment string }
		_ = json.Unmarshal(c.Patch, &p)
		switch {
		case p.Status == m.status:
			return outcome{noop: true}
		case (p.Status == Cancelled || m.status == Cancelled) && p.Comment == "":
			return refused(strata.Invalid, "comment")
		}
		m.status = p.Status
	case AddProcedure:
		if m.closed() {
			return refused(strata.Invalid, "engagement_id")
		}
		m.procs[c.ProcedureID] = &modelProc{status: c.Status, conclusion: c.Conclusion, assignee: deref(c.AssignedTo)}
	case UpdateProcedure:
		p, ok := m.procs[c.ProcedureID]
		switch {
		case !ok:
			return refused(strata.NotFound)
		case m.closed():
			return refused(strata.Invalid, "engagement_id")
		case p.signed:
			return refused(strata.Invalid, "procedure")
		}
		var set map[string]*json.RawMessage
		_ = json.Unmarshal(c.Patch, &set)
		next := *p
		for k, v := range set {
			switch k {
			case "status":
				_ = json.Unmarshal(*v, &next.status)
			case "conclusion":
				_ = json.Unmarshal(*v, &next.conclusion)
			case "assigned_to":
				var id *int64
				_ = json.Unmarshal(*v, &id)
				next.assignee = deref(id)
			}
		}
		if next == *p {
			return outcome{noop: true}
		}
		*p = next
	case SignOffProcedure:
		p, ok := m.procs[c.ProcedureID]
		switch {
		case !ok:
			return refused(strata.NotFound)
		case m.closed():
			return refused(strata.Invalid, "engagement_id")
		case p.signed:
			return refused(strata.Invalid, "procedure")
		}
		var fields []string
		if p.status != Done {
			fields = append(fields, "status")
		}
		if p.conclusion == "" {
			fields = append(fields, "conclusion")
		}
		if p.assignee == c.By {
			fields = append(fields, "assigned_to")
		}
		if len(fields) > 0 {
			return refused(strata.Invalid, fields...)
		}
		p.signed = true
	case CreateFinding:
		if m.closed() {
			return refused(strata.Invalid, "engagement_id")
		}
		m.findings[c.FindingID] = &modelFinding{status: Open, title: c.Title, assignee: deref(c.AssignedTo)}
	case UpdateFinding:
		f, ok := m.findings[c.FindingID]
		if !ok {
			return refused(strata.NotFound)
		}
		var p struct {
			Title      *string
			AssignedTo *int64 `json:"assigned_to"`
		}
		_ = json.Unmarshal(c.Patch, &p)
		switch {
		case p.Title != nil && *p.Title != f.title:
			if f.status != Open {
				return refused(strata.Invalid, "title")
			}
			f.title = *p.Title
		case p.AssignedTo != nil && *p.AssignedTo != f.assignee:
			f.assignee = *p.AssignedTo
		default:
			return outcome{noop: true}
		}
	case ChangeFindingStatus:
		f, ok := m.findings[c.FindingID]
		if !ok {
			return refused(strata.NotFound)
		}
		if c.Status == f.status {
			return outcome{noop: true}
		}
		forward := (f.status == Open && c.Status == Approved) || (f.status == Approved && c.Status == Closed)
		back := c.Status == Open
		switch {
		case !forward && !back:
			return refused(strata.Invalid, "status")
		case c.Comment == "" && (back || c.Status == Closed):
			return refused(strata.Invalid, "comment")
		}
		f.status = c.Status
	case SubmitResponse:
		f, ok := m.findings[c.FindingID]
		switch {
		case !ok:
			return refused(strata.NotFound)
		case !c.MayWrite && f.assignee != c.By:
			return refused(strata.PermissionDenied)
		}
	default:
		panic(fmt.Sprintf("model: %T", cmd))
	}
	return outcome{}
}

func deref(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

// randomCommand draws a command, leaning toward moves that get somewhere (the next
// phase, existing procedures and findings) so that sequences reach Reporting,
// sign-offs and frozen findings often.
func randomCommand(rng *rand.Rand, m *model, nextID *int64) any {
	user := func() int64 { return 1 + rng.Int64N(3) }
	maybe := func(s string) string {
		if rng.IntN(3) == 0 {
			return ""
		}
		return s
	}
	pick := func(ids []int64) int64 {
		if len(ids) == 0 || rng.IntN(10) == 0 {
			return 999
		}
		slices.Sort(ids)
		return ids[rng.IntN(len(ids))]
	}
	procs, findings := slices.Collect(maps.Keys(m.procs)), slices.Collect(maps.Keys(m.findings))
	switch rng.IntN(10) {
	case 0, 1:
		phase := Phases[min(m.phase+1, len(Phases)-1)]
		if rng.IntN(3) == 0 {
			phase = append(slices.Clone(Phases), "Closing")[rng.IntN(len(Phases)+1)]
		}
		return ChangePhase{Phase: phase, Comment: maybe("why")}
	case 2:
		raw, _ := json.Marshal(map[string]string{"status": Statuses[rng.IntN(len(Statuses))], "comment": maybe("why")})
		return UpdateEngagement{Patch: raw}
	case 3:
		*nextID++
		var assignee *int64
		if rng.IntN(2) == 0 {
			assignee = ptr(user())
		}
		return AddProcedure{ProcedureID: *nextID, Procedure: ev.Procedure{Title: "Step", Status: ProcedureStatuses[rng.IntN(3)],
			Conclusion: maybe("fine"), AssignedTo: assignee}}
	case 4:
		var p string
		switch rng.IntN(3) {
		case 0:
			p = fmt.Sprintf(`{"status": %q}`, ProcedureStatuses[rng.IntN(3)])
		case 1:
			p = fmt.Sprintf(`{"conclusion": %q}`, maybe("fine"))
		default:
			p = fmt.Sprintf(`{"assigned_to": %d}`, user())
		}
		return UpdateProcedure{ProcedureID: pick(procs), Patch: patch(p)}
	case 5:
		return SignOffProcedure{ProcedureID: pick(procs), By: user()}
	case 6:
		*nextID++
		return CreateFinding{FindingID: *nextID, FindingFields: ev.FindingFields{Title: "Finding", Severity: "Low", AssignedTo: ptr(user())}}
	case 7:
		p := fmt.Sprintf(`{"title": "Finding %d"}`, rng.IntN(2))
		if rng.IntN(2) == 0 {
			p = fmt.Sprintf(`{"assigned_to": %d}`, user())
		}
		return UpdateFinding{FindingID: pick(findings), Patch: patch(p)}
	case 8:
		return ChangeFindingStatus{FindingID: pick(findings), Status: FindingStatuses[rng.IntN(3)], Comment: maybe("why")}
	default:
		return SubmitResponse{FindingID: pick(findings), By: user(), MayWrite: rng.IntN(2) == 0,
			ManagementResponse: ev.ManagementResponse{Response: "We will fix it."}}
	}
}

// Random command sequences decided one after another agree with the model at every
// step, and the log they build never breaks the rules that must hold whatever the
// order: no entry into Reporting with a finding Open, no edit of a frozen finding's
// text or of a signed-off procedure, no new work in a closed engagement.
func TestDecideAgainstModel(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	var reporting, signOffs, frozen int
	for seq := range 1000 {
		m := &model{status: OnTrack, procs: map[int64]*modelProc{}, findings: map[int64]*modelFinding{}}
		g := fold(given(engCreated()))
		nextID := int64(0)
		var log []string
		for step := range 40 {
			cmd := randomCommand(rng, m, &nextID)
			log = append(log, fmt.Sprintf("%T%+v", cmd, cmd))
			fail := func(format string, args ...any) {
				t.Fatalf("sequence %d step %d: %s\ncommands:\n%s", seq, step, fmt.Sprintf(format, args...), joinLines(log))
			}
			want := m.apply(cmd)
			got, err := Decide(g, true, cmd)
			switch {
			case want.code != "":
				var se *strata.Error
				if !errors.As(err, &se) || se.Code != want.code {
					fail("got %s, %v; want %s on %v", decidetest.Show(got), err, want.code, want.fields)
				}
				if names := slices.Sorted(maps.Keys(se.Fields)); !slices.Equal(names, slices.Sorted(slices.Values(want.fields))) {
					fail("refusal names %v, want %v (%v)", names, want.fields, err)
				}
				if c, ok := cmd.(ChangePhase); ok && c.Phase == Reporting && m.open() > 0 {
					reporting++
				}
				continue
			case err != nil:
				fail("refused: %v", err)
			case want.noop && len(got) > 0:
				fail("got %s, want no change", decidetest.Show(got))
			case !want.noop && len(got) == 0:
				fail("no events, want a change")
			}
			for _, p := range got {
				checkInvariants(t, g, p, fail)
				if _, ok := p.(ev.ProcedureSignedOff); ok {
					signOffs++
				}
				g = Evolve(g, p, events.Event{})
			}
			if err := sameAsModel(g, m); err != "" {
				fail("state differs from the model: %s", err)
			}
		}
		for _, f := range g.Findings {
			if f.Status != Open {
				frozen++
			}
		}
	}
	t.Logf("%d refusals into Reporting, %d sign-offs, %d findings left approved or closed", reporting, signOffs, frozen)
	// The sequences must reach the states the rules are about, or they prove little.
	if reporting == 0 || signOffs == 0 || frozen == 0 {
		t.Errorf("sequences too shallow: %d refusals into Reporting, %d sign-offs, %d findings left approved or closed", reporting, signOffs, frozen)
	}
}

// checkInvariants checks one decided event against the state it was decided on.
func checkInvariants(t *testing.T, g Engagement, p events.Payload, fail func(string, ...any)) {
	t.Helper()
	closed := g.Status == Cancelled || g.Phase == Completed
	switch e := p.(type) {
	case ev.EngagementPhaseChanged:
		if e.To == Reporting && openFindings(g) > 0 {
			fail("entered Reporting with %d findings Open", openFindings(g))
		}
		if g.Status == Cancelled {
			fail("a cancelled engagement changed phase")
		}
	case ev.ProcedureAdded, ev.FindingCreated:
		if closed {
			fail("new work in a %s/%s engagement", g.Phase, g.Status)
		}
	case ev.ProcedureUpdated:
		if closed || g.Procedures[e.ProcedureID].SignedOffBy != nil {
			fail("procedure %d changed after sign-off or close", e.ProcedureID)
		}
	case ev.ProcedureSignedOff:
		pr := g.Procedures[e.ProcedureID]
		if pr.Status != Done || pr.Conclusion == "" || (pr.AssignedTo != nil && *pr.AssignedTo == e.SignedOffBy) {
			fail("procedure %+v signed off by %d", pr, e.SignedOffBy)
		}
	case ev.FindingUpdated:
		var set map[string]json.RawMessage
		_ = json.Unmarshal(e.Set, &set)
		for _, k := range frozenFields {
			if _, ok := set[k]; ok && g.Findings[e.FindingID].Status != Open {
				fail("%s of a %s finding changed", k, g.Findings[e.FindingID].Status)
			}
		}
	}
}

func sameAsModel(g Engagement, m *model) string {
	if g.Phase != Phases[m.phase] || g.Status != m.status {
		return fmt.Sprintf("engagement %s/%s, model %s/%s", g.Phase, g.Status, Phases[m.phase], m.status)
	}
	if len(g.Procedures) != len(m.procs) || len(g.Findings) != len(m.findings) {
		return fmt.Sprintf("%d procedures and %d findings, model %d and %d", len(g.Procedures), len(g.Findings), len(m.procs), len(m.findings))
	}
	for id, mp := range m.procs {
		p := g.Procedures[id]
		if p.Status != mp.status || p.Conclusion != mp.conclusion || deref(p.AssignedTo) != mp.assignee || (p.SignedOffBy != nil) != mp.signed {
			return fmt.Sprintf("procedure %d is %+v, model %+v", id, p, *mp)
		}
	}
	for id, mf := range m.findings {
		f := g.Findings[id]
		if f.Status != mf.status || f.Title != mf.title || deref(f.AssignedTo) != mf.assignee {
			return fmt.Sprintf("finding %d is %+v, model %+v", id, f, *mf)
		}
	}
	return ""
}

func joinLines(lines []string) string {
	out := ""
	for i, l := range lines {
		out += fmt.Sprintf("  %d: %s\n", i, l)
	}
	return out
}
