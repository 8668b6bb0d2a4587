package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/events"
	evaudits "github.com/strata-grc/strata/events/audits"
	evcases "github.com/strata-grc/strata/events/cases"
	evcontrols "github.com/strata-grc/strata/events/controls"
	evidentity "github.com/strata-grc/strata/events/identity"
	evrisks "github.com/strata-grc/strata/events/risks"
)

// The memory benchmark's organization: the demo seeded through the commands users
// run (its members, frameworks, controls, KPIs, vendors and files), then a year of
// work COPYed into the log behind it. The copied events are the modules' own event
// types, written as their commands write them (status moves in order, updates that
// carry the fields they change and what those were, findings inside their
// engagement's stream), so every projection, the trail and the histories have real
// work to do with them.

// fillActor is a member who does part of the organization's work.
type fillActor struct {
	id   int64
	name string
	role string
}

// fillBase is what the seeded organization already holds and the copied work builds on.
type fillBase struct {
	org          int64
	actors       map[string][]fillActor // by role
	users        []fillActor
	userVersions map[int64]int64
	requirements [][2]int64 // requirement id, framework id
	controls     []int64
	nextID       map[string]int64 // the next free id of each sequence
}

// loadFillBase reads the seeded organization from its events: the projections have
// not run yet.
func loadFillBase(ctx context.Context, b *testing.B, pool *pgxpool.Pool) *fillBase {
	b.Helper()
	fb := &fillBase{actors: map[string][]fillActor{}, userVersions: map[int64]int64{}, nextID: map[string]int64{}}
	if err := pool.QueryRow(ctx, `select (data->>'org_id')::bigint from events where type = 'OrganizationCreated'`).Scan(&fb.org); err != nil {
		b.Fatalf("the seeded organization: %v", err)
	}
	rows, err := pool.Query(ctx, `select (m.data->>'user_id')::bigint, u.data->>'name', m.data->>'role'
		from events m join events u on u.type = 'UserRegistered' and u.data->'user_id' = m.data->'user_id'
		where m.type = 'MemberAdded' order by 1`)
	if err != nil {
		b.Fatal(err)
	}
	var a fillActor
	if _, err := pgx.ForEachRow(rows, []any{&a.id, &a.name, &a.role}, func() error {
		fb.actors[a.role] = append(fb.actors[a.role], a)
		fb.users = append(fb.users, a)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for _, u := range fb.users {
		var v int64
		if err := pool.QueryRow(ctx, `select coalesce(max(stream_version), 0) from events where stream_id = $1`,
			evidentity.UserStream(u.id)).Scan(&v); err != nil {
			b.Fatal(err)
		}
		fb.userVersions[u.id] = v
	}
	rows, err = pool.Query(ctx, `select (data->>'requirement_id')::bigint, (data->>'framework_id')::bigint
		from events where type = 'RequirementAdded' order by 1`)
	if err != nil {
		b.Fatal(err)
	}
	var req [2]int64
	if _, err := pgx.ForEachRow(rows, []any{&req[0], &req[1]}, func() error {
		fb.requirements = append(fb.requirements, req)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	rows, err = pool.Query(ctx, `select (data->>'control_id')::bigint from events where type = 'ControlCreated' order by 1`)
	if err != nil {
		b.Fatal(err)
	}
	if fb.controls, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		b.Fatal(err)
	}
	for _, kind := range fillSequences {
		var last int64
		if err := pool.QueryRow(ctx, `select last_value from `+pgx.Identifier{kind + "_id_seq"}.Sanitize()).Scan(&last); err != nil {
			b.Fatal(err)
		}
		fb.nextID[kind] = last + 1
	}
	for _, role := range []string{"admin", "risk_manager", "compliance_manager", "auditor", "investigator"} {
		if len(fb.actors[role]) == 0 {
			b.Fatalf("the seeded organization has no %s", role)
		}
	}
	return fb
}

// fillSequences are the id sequences the copied work draws on.
var fillSequences = []string{"risk", "risk_response", "framework", "requirement", "control", "control_test",
	"engagement", "procedure", "finding", "case"}

type fillRisk struct {
	id, version int64
	fields      evrisks.Fields
	responses   []fillResponse
	controls    []int64
}

type fillResponse struct {
	id     int64
	status string
}

type fillControl struct {
	id, version   int64
	status        string
	effectiveness string
	requirements  []int64
	frequency     string
	description   string
}

type fillEngagement struct {
	id, version int64
	phase       int
	status      string
	procedures  []fillProcedure
	findings    []fillFinding
}

type fillProcedure struct {
	id       int64
	assigned int64
	status   string
	signed   bool
}

type fillFinding struct {
	id        int64
	status    string
	responded bool
}

type fillCase struct {
	id, version int64
	status      string
	priority    string
}

// fillLog generates the copied events for pgx.CopyFrom, one request's events at a
// time, in the order the requests happened.
type fillLog struct {
	base  *fillBase
	rng   *rand.Rand
	n     int // events to generate
	i     int // events generated so far
	stop  int // Next returns false here, to end one COPY
	start time.Time
	span  time.Duration

	queue []fillRow
	row   []any
	req   int

	risks       []*fillRisk
	controls    []*fillControl
	engagements []*fillEngagement
	cases       []*fillCase
	riskIDs     []int64 // every risk created, for findings to name
	sessions    map[int64]string
	// keys are the command side's reservations the copied records hold
	// (unique_keys): control codes, framework names, each finding's engagement.
	keys [][]any

	Counts map[string]int // events by type
}

type fillRow struct {
	stream  string
	version int64
	payload events.Payload
	actor   fillActor
}

func newFillLog(base *fillBase, n int, end time.Time) *fillLog {
	return &fillLog{base: base, rng: rand.New(rand.NewPCG(2026, 5)), n: n, start: end.Add(-365 * 24 * time.Hour),
		span: 365 * 24 * time.Hour, sessions: map[int64]string{}, Counts: map[string]int{}}
}

// copyInto writes the whole log, 100,000 events to a COPY: one COPY of a million
// rows would outlast the pool's statement timeout.
func (l *fillLog) copyInto(ctx context.Context, b *testing.B, pool *pgxpool.Pool) {
	b.Helper()
	for l.i < l.n {
		l.stop = min(l.i+100_000, l.n)
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{"events"}, []string{"event_id", "stream_id", "stream_version",
			"type", "data", "metadata", "recorded_at"}, l); err != nil {
			b.Fatalf("copy events: %v", err)
		}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"unique_keys"}, []string{"kind", "org_id", "key", "owner_id"},
		pgx.CopyFromRows(l.keys)); err != nil {
		b.Fatalf("copy unique keys: %v", err)
	}
	// Ids handed out from now on must not meet the copied ones.
	for _, kind := range fillSequences {
		if next := l.base.nextID[kind]; next > 1 {
			if _, err := pool.Exec(ctx, `select setval($1::regclass, $2)`, pgx.Identifier{kind + "_id_seq"}.Sanitize(), next-1); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func (l *fillLog) Next() bool {
	if l.i >= l.stop {
		return false
	}
	for len(l.queue) == 0 {
		l.req++
		l.step()
	}
	r := l.queue[0]
	l.queue = l.queue[1:]
	data, err := json.Marshal(r.payload)
	if err != nil {
		panic(err)
	}
	at := l.start.Add(time.Duration(float64(l.span) * float64(l.i) / float64(l.n)))
	meta, _ := json.Marshal(events.Metadata{OrgID: l.base.org, ActorID: r.actor.id, ActorName: r.actor.name,
		CorrelationID: "req-" + strconv.Itoa(l.req), IP: fmt.Sprintf("10.20.%d.%d", r.actor.id%250, 10+r.actor.id%200),
		UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"})
	l.row = []any{uuid.New(), r.stream, r.version, r.payload.EventType(), string(data), string(meta), at}
	l.Counts[r.payload.EventType()]++
	l.i++
	return true
}

func (l *fillLog) Values() ([]any, error) { return l.row, nil }
func (l *fillLog) Err() error             { return nil }

func (l *fillLog) id(kind string) int64 {
	id := l.base.nextID[kind]
	l.base.nextID[kind]++
	return id
}

func (l *fillLog) reserve(kind, key string, owner int64) {
	l.keys = append(l.keys, []any{kind, l.base.org, key, owner})
}

func (l *fillLog) actor(roles ...string) fillActor {
	var all []fillActor
	for _, r := range roles {
		all = append(all, l.base.actors[r]...)
	}
	return all[l.rng.IntN(len(all))]
}

func (l *fillLog) emit(stream string, version *int64, actor fillActor, ps ...events.Payload) {
	for _, p := range ps {
		*version++
		l.queue = append(l.queue, fillRow{stream: stream, version: *version, payload: p, actor: actor})
	}
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func ptr[T any](v T) *T { return &v }

func (l *fillLog) date(days int) *string {
	at := l.start.Add(time.Duration(float64(l.span)*float64(l.i)/float64(l.n))).AddDate(0, 0, days)
	return ptr(at.Format(time.DateOnly))
}

// setPrev is the Set and Previous of an update event, field by field.
func setPrev(fields ...any) (json.RawMessage, json.RawMessage) {
	set, prev := map[string]any{}, map[string]any{}
	for i := 0; i+3 <= len(fields); i += 3 {
		k := fields[i].(string)
		set[k], prev[k] = fields[i+2], fields[i+1]
	}
	s, _ := json.Marshal(set)
	p, _ := json.Marshal(prev)
	return s, p
}

// step generates one request's events. The mix is that of an organization whose
// risk register and control testing see the most work, with audits, investigations
// and the logins of its members around them; each kind of record is worked on a
// sliding set at a time, as people do.
func (l *fillLog) step() {
	if l.req == 1 {
		l.frameworks()
		return
	}
	switch x := l.rng.IntN(100); {
	case x < 34:
		l.riskWork()
	case x < 58:
		l.controlWork()
	case x < 76:
		l.auditWork()
	case x < 88:
		l.caseWork()
	default:
		l.login()
	}
}

var fillFrameworks = []struct{ name, prefix string }{
	{"ISO/IEC 27001:2022 Annex A", "A"}, {"SOC 2 Trust Services Criteria", "CC"}, {"NIST Cybersecurity Framework 2.0", "PR"},
}

var fillRequirementTopics = []string{"Access is reviewed", "Changes are approved", "Backups are tested", "Incidents are logged",
	"Suppliers are assessed", "Logs are retained", "Keys are rotated", "Staff are trained", "Assets are inventoried",
	"Vulnerabilities are remediated", "Data is classified", "Policies are approved"}

// frameworks defines the larger organization's own frameworks, 80 requirements each.
func (l *fillLog) frameworks() {
	a := l.actor("compliance_manager")
	for _, f := range fillFrameworks {
		id := l.id("framework")
		l.reserve("framework", strings.ToLower(f.name)+"\n1.0", id)
		var v int64
		l.emit(evcontrols.FrameworkStream(id), &v, a, evcontrols.FrameworkCreated{FrameworkID: id, Name: f.name, Version: "1.0",
			Description: "Requirements the organization has committed to meet.", Source: "api"})
		for j := 1; j <= 80; j++ {
			rid := l.id("requirement")
			topic := fillRequirementTopics[j%len(fillRequirementTopics)]
			l.emit(evcontrols.FrameworkStream(id), &v, a, evcontrols.RequirementAdded{FrameworkID: id, RequirementID: rid,
				Requirement: evcontrols.Requirement{Code: fmt.Sprintf("%s.%d.%d", f.prefix, j/10+1, j%10+1), Title: topic,
					Description: topic + " at the frequency the policy sets, and the evidence is kept."}})
			l.base.requirements = append(l.base.requirements, [2]int64{rid, id})
		}
	}
}

var fillRiskTitles = []string{"Ransomware outbreak on file servers", "Phishing compromise of finance mailboxes",
	"Unpatched internet-facing VPN appliance", "Privileged account misuse", "Key supplier cannot deliver for two weeks",
	"Manual reconciliation errors in month-end close", "GDPR subject requests answered late", "Sanctions screening list out of date",
	"Foreign exchange exposure on EUR contracts", "Loss of key engineering staff", "Cloud provider region outage",
	"Open-source licence breach in shipped software", "Data centre cooling failure", "Credential stuffing against the customer portal"}
var fillCategories = []string{"Cybersecurity", "Operational", "Compliance", "Financial", "Strategic", "Third Party", "Legal"}
var fillSites = []string{"London", "Lisbon", "Singapore", "Toronto", "Frankfurt", "Austin", "the head office", "the EU region"}

func (l *fillLog) riskWork() {
	a := l.actor("admin", "risk_manager", "compliance_manager")
	if len(l.risks) < 2500 || l.rng.IntN(100) < 12 {
		r := &fillRisk{id: l.id("risk")}
		owner := pick(l.rng, l.base.users).id
		r.fields = evrisks.Fields{Title: fmt.Sprintf("%s (%s) #%d", pick(l.rng, fillRiskTitles), pick(l.rng, fillSites), r.id),
			Description: "Identified during the quarterly review. Owner to confirm scoring and treatment.",
			Category:    pick(l.rng, fillCategories), Status: "Identified", Likelihood: 1 + l.rng.IntN(5), Impact: 1 + l.rng.IntN(5),
			OwnerID: &owner, ReviewDate: l.date(90)}
		l.emit(evrisks.Stream(r.id), &r.version, a, evrisks.RiskCreated{RiskID: r.id, Fields: r.fields})
		l.risks = append(l.risks, r)
		l.riskIDs = append(l.riskIDs, r.id)
		return
	}
	k := l.rng.IntN(len(l.risks))
	r := l.risks[k]
	stream := evrisks.Stream(r.id)
	retire := r.version > 14
	switch x := l.rng.IntN(100); {
	case x < 22: // reassessed
		like, imp := 1+l.rng.IntN(5), 1+l.rng.IntN(5)
		set, prev := setPrev("likelihood", r.fields.Likelihood, like, "impact", r.fields.Impact, imp)
		r.fields.Likelihood, r.fields.Impact = like, imp
		l.emit(stream, &r.version, a, evrisks.RiskUpdated{RiskID: r.id, Set: set, Previous: prev})
	case x < 40: // moves on
		i := slices.Index(fillRiskStatuses, r.fields.Status)
		if i == len(fillRiskStatuses)-1 {
			retire = true
			break
		}
		to := fillRiskStatuses[i+1]
		fields := []any{"status", r.fields.Status, to}
		if to == "Assessed" {
			rl, ri := 1+l.rng.IntN(r.fields.Likelihood), 1+l.rng.IntN(r.fields.Impact)
			fields = append(fields, "residual_likelihood", r.fields.ResidualLikelihood, rl, "residual_impact", r.fields.ResidualImpact, ri)
			r.fields.ResidualLikelihood, r.fields.ResidualImpact = &rl, &ri
		}
		set, prev := setPrev(fields...)
		r.fields.Status = to
		l.emit(stream, &r.version, a, evrisks.RiskUpdated{RiskID: r.id, Set: set, Previous: prev})
	case x < 50: // notes
		desc := fmt.Sprintf("Reviewed with the owner on %s; the scoring stands and the treatment is on plan.", *l.date(0))
		set, prev := setPrev("description", r.fields.Description, desc)
		r.fields.Description = desc
		l.emit(stream, &r.version, a, evrisks.RiskUpdated{RiskID: r.id, Set: set, Previous: prev})
	case x < 66:
		resp := fillResponse{id: l.id("risk_response"), status: "planned"}
		owner := pick(l.rng, l.base.users).id
		l.emit(stream, &r.version, a, evrisks.RiskResponseAdded{RiskID: r.id, ResponseID: resp.id, Response: evrisks.Response{
			Type: pick(l.rng, []string{"mitigate", "mitigate", "accept", "transfer", "avoid"}), Description: "Agree a treatment plan and track it to closure.",
			OwnerID: &owner, DueDate: l.date(60), Status: resp.status}})
		r.responses = append(r.responses, resp)
	case x < 80:
		if len(r.responses) == 0 {
			break
		}
		resp := &r.responses[l.rng.IntN(len(r.responses))]
		if resp.status == "done" {
			break
		}
		to := map[string]string{"planned": "in_progress", "in_progress": "done"}[resp.status]
		set, prev := setPrev("status", resp.status, to)
		e := evrisks.RiskResponseUpdated{RiskID: r.id, ResponseID: resp.id, Set: set, Previous: prev}
		if to == "done" {
			at := l.start.Add(time.Duration(float64(l.span) * float64(l.i) / float64(l.n))).UTC().Format(time.RFC3339)
			e.CompletedAt = &at
		}
		resp.status = to
		l.emit(stream, &r.version, a, e)
	case x < 97:
		c := pick(l.rng, l.base.controls)
		if slices.Contains(r.controls, c) {
			break
		}
		r.controls = append(r.controls, c)
		l.emit(stream, &r.version, a, evrisks.RiskControlMapped{RiskID: r.id, ControlID: c})
	default:
		l.emit(stream, &r.version, a, evrisks.RiskDeleted{RiskID: r.id, Reason: "Duplicate of another risk in the register."})
		retire = true
	}
	if retire {
		l.risks = slices.Delete(l.risks, k, k+1)
	}
}

// fillRiskStatuses is the order a risk moves through its statuses here.
var fillRiskStatuses = []string{"Identified", "Assessed", "Treating", "Accepted", "Closed"}

var fillControlTitles = []string{"Quarterly user access review", "Change advisory board approval", "Daily backup verification",
	"Security awareness training completion", "Vendor due diligence before onboarding", "Firewall rule review",
	"Segregation of duties check in payments", "Monthly vulnerability scan", "Encryption of laptops at rest",
	"Privileged session recording", "Reconciliation sign-off at month end", "Incident response tabletop exercise"}
var fillFrequencies = []string{"daily", "weekly", "monthly", "quarterly", "annual", "continuous"}

func (l *fillLog) controlWork() {
	a := l.actor("compliance_manager", "auditor")
	if len(l.controls) < 1200 || l.rng.IntN(100) < 6 {
		c := &fillControl{id: l.id("control"), status: "Active", effectiveness: "Not Tested", frequency: pick(l.rng, fillFrequencies),
			description: "Evidence of each run is kept for audit."}
		if l.rng.IntN(5) == 0 {
			c.status = "Draft"
		}
		var fw *int64
		if l.rng.IntN(3) > 0 {
			fw = ptr(pick(l.rng, l.base.requirements)[1])
		}
		owner := pick(l.rng, l.base.users).id
		l.emit(evcontrols.ControlStream(c.id), &c.version, a, evcontrols.ControlCreated{ControlID: c.id, Status: c.status,
			Fields: evcontrols.Fields{Code: fmt.Sprintf("CTL-%05d", c.id), Title: pick(l.rng, fillControlTitles), Description: c.description,
				FrameworkID: fw, Type: pick(l.rng, []string{"preventive", "detective", "corrective"}), Frequency: c.frequency, OwnerID: &owner}})
		l.reserve("control_code", strings.ToLower(fmt.Sprintf("CTL-%05d", c.id)), c.id)
		l.controls = append(l.controls, c)
		l.base.controls = append(l.base.controls, c.id)
		return
	}
	k := l.rng.IntN(len(l.controls))
	c := l.controls[k]
	stream := evcontrols.ControlStream(c.id)
	retire := c.version > 40
	switch x := l.rng.IntN(100); {
	case x < 50:
		if c.status != "Active" {
			l.emit(stream, &c.version, a, evcontrols.ControlStatusChanged{ControlID: c.id, From: c.status, To: "Active"})
			c.status = "Active"
			break
		}
		test := l.id("control_test")
		result := pick(l.rng, []string{"Pass", "Pass", "Pass", "Pass", "Pass", "Pass", "Fail", "Fail", "Inconclusive"})
		at := l.start.Add(time.Duration(float64(l.span) * float64(l.i) / float64(l.n))).Add(-26 * time.Hour).UTC()
		evs := []events.Payload{evcontrols.ControlTestRecorded{ControlID: c.id, TestID: test, TestedAt: at, Result: result,
			Notes: fmt.Sprintf("Sampled %d items from the period.", 5+l.rng.IntN(40))}}
		to := map[string]string{"Pass": "Effective", "Fail": "Ineffective", "Inconclusive": c.effectiveness}[result]
		if to != c.effectiveness {
			evs = append(evs, evcontrols.ControlEffectivenessUpdated{ControlID: c.id, Effectiveness: to, Previous: c.effectiveness,
				Notes: "Rated from the test's result.", TestID: &test})
			c.effectiveness = to
		}
		l.emit(stream, &c.version, a, evs...)
	case x < 62:
		to := pick(l.rng, []string{"Effective", "Partially Effective", "Ineffective"})
		if to == c.effectiveness {
			break
		}
		l.emit(stream, &c.version, a, evcontrols.ControlEffectivenessUpdated{ControlID: c.id, Effectiveness: to, Previous: c.effectiveness,
			Notes: "Works as designed, but evidence is incomplete for one site."})
		c.effectiveness = to
	case x < 80:
		req := pick(l.rng, l.base.requirements)
		if slices.Contains(c.requirements, req[0]) {
			break
		}
		c.requirements = append(c.requirements, req[0])
		l.emit(stream, &c.version, a, evcontrols.ControlMappedToRequirement{ControlID: c.id, RequirementID: req[0], FrameworkID: req[1]})
	case x < 95:
		freq := pick(l.rng, fillFrequencies)
		desc := fmt.Sprintf("Runs %s; evidence kept in the GRC folder (revised %s).", freq, *l.date(0))
		set, prev := setPrev("frequency", c.frequency, freq, "description", c.description, desc)
		c.frequency, c.description = freq, desc
		l.emit(stream, &c.version, a, evcontrols.ControlUpdated{ControlID: c.id, Set: set, Previous: prev})
	default:
		if c.status == "Active" {
			l.emit(stream, &c.version, a, evcontrols.ControlStatusChanged{ControlID: c.id, From: c.status, To: "Archived"})
			retire = true
		}
	}
	if retire {
		l.controls = slices.Delete(l.controls, k, k+1)
	}
}

var fillPhases = []string{"Planning", "Fieldwork", "Review", "Reporting", "Completed"}
var fillAuditTitles = []string{"Access management review", "Payroll process audit", "Vendor onboarding audit",
	"IT general controls", "Treasury operations review", "GDPR compliance audit", "Physical security assessment"}

func (l *fillLog) auditWork() {
	a := l.actor("auditor")
	if len(l.engagements) < 120 || l.rng.IntN(100) < 3 {
		g := &fillEngagement{id: l.id("engagement"), status: "On Track"}
		l.emit(evaudits.Stream(g.id), &g.version, a, evaudits.EngagementCreated{EngagementID: g.id, Phase: "Planning", Status: g.status,
			Fields: evaudits.Fields{Title: fmt.Sprintf("%s %d", pick(l.rng, fillAuditTitles), g.id), Scope: "Design and operating effectiveness over the period.",
				Auditee: pick(l.rng, []string{"Finance", "IT", "HR", "Procurement", "Operations"}), LeadAuditorID: &a.id,
				PlannedStart: l.date(14), PlannedEnd: l.date(100)}})
		l.engagements = append(l.engagements, g)
		return
	}
	k := l.rng.IntN(len(l.engagements))
	g := l.engagements[k]
	stream := evaudits.Stream(g.id)
	next := func() {
		l.emit(stream, &g.version, a, evaudits.EngagementPhaseChanged{EngagementID: g.id, From: fillPhases[g.phase], To: fillPhases[g.phase+1]})
		g.phase++
	}
	switch fillPhases[g.phase] {
	case "Planning":
		if len(g.procedures) < 8 {
			p := fillProcedure{id: l.id("procedure"), assigned: a.id, status: "not_started"}
			l.emit(stream, &g.version, a, evaudits.ProcedureAdded{EngagementID: g.id, ProcedureID: p.id, Procedure: evaudits.Procedure{
				Title: "Re-perform the control for a sample", Description: "Per the approved audit programme.", AssignedTo: &p.assigned, Status: p.status}})
			g.procedures = append(g.procedures, p)
			return
		}
		next()
	case "Fieldwork":
		x := l.rng.IntN(100)
		if x < 25 && len(g.findings) < 12 {
			f := fillFinding{id: l.id("finding"), status: "Open"}
			assignee := pick(l.rng, l.base.users).id
			var risk, control *int64
			if len(l.riskIDs) > 0 && l.rng.IntN(2) == 0 {
				risk = ptr(pick(l.rng, l.riskIDs))
			}
			if l.rng.IntN(2) == 0 {
				control = ptr(pick(l.rng, l.base.controls))
			}
			l.emit(stream, &g.version, a, evaudits.FindingCreated{EngagementID: g.id, FindingID: f.id, Status: f.status,
				FindingFields: evaudits.FindingFields{Title: "Exceptions found in the sample", Description: "Observed during testing; see the working papers for the sample and exceptions.",
					Severity: pick(l.rng, []string{"Low", "Medium", "Medium", "High", "Critical"}), RiskID: risk, ControlID: control,
					AssignedTo: &assignee, DueDate: l.date(45)}})
			l.reserve("finding", strconv.FormatInt(f.id, 10), g.id)
			g.findings = append(g.findings, f)
			return
		}
		if x < 35 {
			to := map[string]string{"On Track": "At Risk", "At Risk": "On Track", "Delayed": "On Track"}[g.status]
			l.emit(stream, &g.version, a, evaudits.EngagementStatusChanged{EngagementID: g.id, From: g.status, To: to})
			g.status = to
			return
		}
		for i := range g.procedures {
			p := &g.procedures[i]
			switch {
			case p.status == "not_started":
				set, prev := setPrev("status", p.status, "in_progress")
				l.emit(stream, &g.version, a, evaudits.ProcedureUpdated{EngagementID: g.id, ProcedureID: p.id, Set: set, Previous: prev})
				p.status = "in_progress"
			case p.status == "in_progress":
				set, prev := setPrev("status", p.status, "done", "conclusion", "", "Operating effectively for the sample tested.")
				l.emit(stream, &g.version, a, evaudits.ProcedureUpdated{EngagementID: g.id, ProcedureID: p.id, Set: set, Previous: prev})
				p.status = "done"
			case !p.signed:
				reviewer := l.actor("admin", "compliance_manager")
				l.emit(stream, &g.version, reviewer, evaudits.ProcedureSignedOff{EngagementID: g.id, ProcedureID: p.id,
					SignedOffBy: reviewer.id, Comment: "Evidence reviewed; conclusion supported."})
				p.signed = true
			default:
				continue
			}
			return
		}
		next()
	case "Review":
		for i := range g.findings {
			f := &g.findings[i]
			if f.status != "Open" {
				continue
			}
			if !f.responded {
				m := l.actor("risk_manager", "compliance_manager")
				l.emit(stream, &g.version, m, evaudits.ManagementResponseSubmitted{EngagementID: g.id, FindingID: f.id, SubmittedBy: m.id,
					ManagementResponse: evaudits.ManagementResponse{Response: "Agreed. The process owner will fix the root cause.",
						ActionPlan: "Update the procedure, train the team and evidence the first run.", TargetDate: l.date(60)}})
				f.responded = true
				return
			}
			if l.rng.IntN(4) == 0 {
				set, prev := setPrev("due_date", *l.date(45), *l.date(75))
				l.emit(stream, &g.version, a, evaudits.FindingUpdated{EngagementID: g.id, FindingID: f.id, Set: set, Previous: prev})
				return
			}
			l.emit(stream, &g.version, a, evaudits.FindingStatusChanged{EngagementID: g.id, FindingID: f.id, From: "Open", To: "Approved"})
			f.status = "Approved"
			return
		}
		next()
	case "Reporting":
		for i := range g.findings {
			f := &g.findings[i]
			if f.status == "Approved" {
				l.emit(stream, &g.version, a, evaudits.FindingStatusChanged{EngagementID: g.id, FindingID: f.id, From: "Approved", To: "Closed",
					Comment: "Re-tested a sample of 10 items after the fix; no exceptions."})
				f.status = "Closed"
				return
			}
		}
		next()
		l.engagements = slices.Delete(l.engagements, k, k+1)
	}
}

var fillCaseTitles = []string{"Duplicate supplier invoices paid twice", "Hotline report: expense claims for cancelled trips",
	"Laptop lost with unencrypted customer export", "Warehouse stock count shortfall", "Conflict of interest in vendor selection",
	"Phishing email reported by finance", "Overtime approved by the claimant"}

func (l *fillLog) caseWork() {
	a := l.actor("investigator", "admin")
	if len(l.cases) < 400 || l.rng.IntN(100) < 18 {
		c := &fillCase{id: l.id("case"), status: "new", priority: pick(l.rng, []string{"low", "medium", "medium", "high", "urgent"})}
		l.emit(evcases.Stream(c.id), &c.version, a, evcases.CaseOpened{CaseID: c.id, Status: c.status, Fields: evcases.Fields{
			Title: fmt.Sprintf("%s #%d", pick(l.rng, fillCaseTitles), c.id), Description: "Raised through the ethics hotline; details in the intake notes.",
			Type: pick(l.rng, []string{"fraud", "misconduct", "data breach", "theft", "conflict of interest"}), Priority: c.priority,
			Reporter: "Ethics hotline", Confidential: l.rng.IntN(20) == 0}})
		l.cases = append(l.cases, c)
		return
	}
	k := l.rng.IntN(len(l.cases))
	c := l.cases[k]
	stream := evcases.Stream(c.id)
	switch c.status {
	case "new":
		who := pick(l.rng, l.base.actors["investigator"]).id
		l.emit(stream, &c.version, a, evcases.CaseAssigned{CaseID: c.id, AssigneeID: &who},
			evcases.CaseStatusChanged{CaseID: c.id, From: "new", To: "assigned"})
		c.status = "assigned"
	case "assigned":
		l.emit(stream, &c.version, a, evcases.CaseStatusChanged{CaseID: c.id, From: c.status, To: "in_progress"})
		c.status = "in_progress"
	case "in_progress":
		if l.rng.IntN(3) == 0 {
			to := pick(l.rng, []string{"low", "medium", "high", "urgent"})
			if to != c.priority {
				set, prev := setPrev("priority", c.priority, to)
				l.emit(stream, &c.version, a, evcases.CaseUpdated{CaseID: c.id, Set: set, Previous: prev})
				c.priority = to
				return
			}
		}
		l.emit(stream, &c.version, a, evcases.CaseStatusChanged{CaseID: c.id, From: c.status, To: "review"})
		c.status = "review"
	case "review":
		if l.rng.IntN(8) == 0 {
			l.emit(stream, &c.version, a, evcases.CaseStatusChanged{CaseID: c.id, From: c.status, To: "in_progress",
				Comment: "The interview notes are missing; back to the investigator."})
			c.status = "in_progress"
			return
		}
		l.emit(stream, &c.version, a, evcases.CaseStatusChanged{CaseID: c.id, From: c.status, To: "completed",
			Comment: "Closing note: findings reported to the audit committee.", Resolution: pick(l.rng, []string{"substantiated", "unsubstantiated", "inconclusive"})})
		l.cases = slices.Delete(l.cases, k, k+1)
	}
}

// login is a member's login, or the logout of their last session.
func (l *fillLog) login() {
	u := pick(l.rng, l.base.users)
	v := l.base.userVersions[u.id]
	stream := evidentity.UserStream(u.id)
	if s, ok := l.sessions[u.id]; ok && l.rng.IntN(2) == 0 {
		l.emit(stream, &v, u, evidentity.LoggedOut{UserID: u.id, Session: s, Reason: "logout"})
		delete(l.sessions, u.id)
	} else {
		var b [8]byte
		for i := range b {
			b[i] = byte(l.rng.IntN(256))
		}
		s := hex.EncodeToString(b[:])
		l.emit(stream, &v, u, evidentity.LoginSucceeded{UserID: u.id, OrgID: l.base.org, Session: s})
		l.sessions[u.id] = s
	}
	l.base.userVersions[u.id] = v
}
