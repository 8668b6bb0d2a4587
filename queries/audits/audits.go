// Package audits answers audit management queries: engagement and finding lists and
// details from the read models, the same details replayed from an engagement's stream
// (what a write just made), and the histories of engagements and findings.
package audits

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/audits"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
	paudits "github.com/strata-grc/strata/projections/audits"
	"github.com/strata-grc/strata/queries"
)

// Projection is the read model these queries read: the projector's own name, for
// read-your-writes waits.
const Projection = paudits.Name

// FindingCounts counts an engagement's findings by status.
type FindingCounts struct {
	Open     int64 `json:"Open"`
	Approved int64 `json:"Approved"`
	Closed   int64 `json:"Closed"`
}

// Engagement is an engagement as lists show it.
type Engagement struct {
	ID                  int64         `json:"id"`
	Title               string        `json:"title"`
	Scope               string        `json:"scope"`
	Auditee             string        `json:"auditee"`
	LeadAuditorID       *int64        `json:"lead_auditor_id"`
	Phase               string        `json:"phase"`
	Status              string        `json:"status"`
	PlannedStart        *string       `json:"planned_start"`
	PlannedEnd          *string       `json:"planned_end"`
	FindingsByStatus    FindingCounts `json:"findings_by_status"`
	ProceduresTotal     int64         `json:"procedures_total"`
	ProceduresSignedOff int64         `json:"procedures_signed_off"`
	CreatedAt           time.Time     `json:"created_at"`
	UpdatedAt           time.Time     `json:"updated_at"`
	Version             int64         `json:"version"`
}

// EngagementDetail is an engagement with its procedures, by id. An engagement's work
// programme is a few dozen steps, so the list is embedded whole.
type EngagementDetail struct {
	Engagement
	Procedures []Procedure `json:"procedures"`
}

// Procedure is a fieldwork step of an engagement.
type Procedure struct {
	ID           int64      `json:"id"`
	EngagementID int64      `json:"engagement_id"`
	Title        string     `json:"title"`
	Description  string     `json:"description"`
	AssignedTo   *int64     `json:"assigned_to"`
	Status       string     `json:"status"`
	Conclusion   string     `json:"conclusion"`
	SignedOffBy  *int64     `json:"signed_off_by"`
	SignedOffAt  *time.Time `json:"signed_off_at"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Version      int64      `json:"version"`
}

// Response is a management response to a finding.
type Response struct {
	Response    string    `json:"response"`
	ActionPlan  string    `json:"action_plan"`
	TargetDate  *string   `json:"target_date"`
	SubmittedBy int64     `json:"submitted_by"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// Finding is a finding as lists show it, with its current management response.
type Finding struct {
	ID                 int64     `json:"id"`
	EngagementID       int64     `json:"engagement_id"`
	EngagementTitle    string    `json:"engagement_title"`
	Title              string    `json:"title"`
	Description        string    `json:"description"`
	Severity           string    `json:"severity"`
	RiskID             *int64    `json:"risk_id"`
	ControlID          *int64    `json:"control_id"`
	SourceTestID       *int64    `json:"source_test_id"`
	Status             string    `json:"status"`
	AssignedTo         *int64    `json:"assigned_to"`
	DueDate            *string   `json:"due_date"`
	Overdue            bool      `json:"overdue"`
	ManagementResponse *Response `json:"management_response"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Version            int64     `json:"version"`
}

// FindingDetail is a finding with the risk and control it is linked to and every
// management response submitted, newest first.
type FindingDetail struct {
	Finding
	Risk                *RiskRef    `json:"risk"`
	Control             *ControlRef `json:"control"`
	ManagementResponses []Response  `json:"management_responses"`
}

// RiskRef is the live risk a finding is linked to, rated as the risk register rates
// it now.
type RiskRef struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Rating string `json:"rating"`
}

// ControlRef is the control a finding is linked to.
type ControlRef struct {
	ID    int64  `json:"id"`
	Code  string `json:"code"`
	Title string `json:"title"`
}

// Reader answers audit management queries.
type Reader struct {
	pool    *pgxpool.Pool
	streams *commands.Streams[cmd.Engagement]
	keys    *commands.Keys
	now     func() time.Time
}

// NewReader reads the read models in pool and replays streams for answers to writes
// and for histories. now tells today (its UTC date) for overdue; nil is time.Now.
func NewReader(pool *pgxpool.Pool, streams *commands.Streams[cmd.Engagement], now func() time.Time) *Reader {
	if now == nil {
		now = time.Now
	}
	return &Reader{pool: pool, streams: streams, keys: commands.NewKeys(pool), now: now}
}

// today is the UTC date findings fall overdue against, as YYYY-MM-DD: the same date
// for every caller whatever the database session's time zone, and the clock the
// server was given rather than the database's.
func (r *Reader) today() string { return r.now().UTC().Format(time.DateOnly) }

// overdue is the one definition of an overdue finding, for findings read from the
// stream; the lists' filter says the same in SQL.
func overdue(dueDate *string, status, today string) bool {
	return dueDate != nil && *dueDate < today && status != cmd.Closed
}

var (
	errEngagementNotFound = strata.Errorf(strata.NotFound, "engagement not found")
	errProcedureNotFound  = strata.Errorf(strata.NotFound, "procedure not found")
	errFindingNotFound    = strata.Errorf(strata.NotFound, "finding not found")
)

const engagementColumns = `id, title, scope, auditee, lead_auditor_id, phase, status, planned_start::text, planned_end::text,
	(select array[count(*) filter (where f.status = 'Open'), count(*) filter (where f.status = 'Approved'),
		count(*) filter (where f.status = 'Closed')]
	   from audit_findings f where f.engagement_id = audit_engagements.id),
	(select array[count(*), count(p.signed_off_by)] from audit_procedures p where p.engagement_id = audit_engagements.id),
	created_at, updated_at, version`

func scanEngagement(row pgx.CollectableRow) (Engagement, error) {
	var g Engagement
	var findings, procedures []int64
	err := row.Scan(&g.ID, &g.Title, &g.Scope, &g.Auditee, &g.LeadAuditorID, &g.Phase, &g.Status, &g.PlannedStart,
		&g.PlannedEnd, &findings, &procedures, &g.CreatedAt, &g.UpdatedAt, &g.Version)
	if err != nil {
		return g, err
	}
	g.FindingsByStatus = FindingCounts{Open: findings[0], Approved: findings[1], Closed: findings[2]}
	g.ProceduresTotal, g.ProceduresSignedOff = procedures[0], procedures[1]
	g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	return g, nil
}

const procedureColumns = `id, engagement_id, title, description, assigned_to, status, conclusion, signed_off_by,
	signed_off_at, created_at, updated_at, version`

func scanProcedure(row pgx.CollectableRow) (Procedure, error) {
	var p Procedure
	err := row.Scan(&p.ID, &p.EngagementID, &p.Title, &p.Description, &p.AssignedTo, &p.Status, &p.Conclusion,
		&p.SignedOffBy, &p.SignedOffAt, &p.CreatedAt, &p.UpdatedAt, &p.Version)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if p.SignedOffAt != nil {
		at := p.SignedOffAt.UTC()
		p.SignedOffAt = &at
	}
	return p, err
}

const findingColumns = `id, engagement_id,
	(select e.title from audit_engagements e where e.id = audit_findings.engagement_id),
	title, description, severity, risk_id, control_id, source_test_id, status, assigned_to, due_date::text,
	response, response_action_plan, response_target_date::text, response_submitted_by, response_submitted_at,
	created_at, updated_at, version`

// findingScanner reads finding rows, telling overdue against today.
func findingScanner(today string) pgx.RowToFunc[Finding] {
	return func(row pgx.CollectableRow) (Finding, error) {
		var f Finding
		var engagementTitle, response, actionPlan, targetDate *string
		var submittedBy *int64
		var submittedAt *time.Time
		err := row.Scan(&f.ID, &f.EngagementID, &engagementTitle, &f.Title, &f.Description, &f.Severity, &f.RiskID,
			&f.ControlID, &f.SourceTestID, &f.Status, &f.AssignedTo, &f.DueDate, &response, &actionPlan, &targetDate,
			&submittedBy, &submittedAt, &f.CreatedAt, &f.UpdatedAt, &f.Version)
		if err != nil {
			return f, err
		}
		if engagementTitle != nil {
			f.EngagementTitle = *engagementTitle
		}
		if response != nil && submittedBy != nil && submittedAt != nil {
			f.ManagementResponse = &Response{Response: *response, TargetDate: targetDate, SubmittedBy: *submittedBy,
				SubmittedAt: submittedAt.UTC()}
			if actionPlan != nil {
				f.ManagementResponse.ActionPlan = *actionPlan
			}
		}
		f.Overdue = overdue(f.DueDate, f.Status, today)
		f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
		return f, nil
	}
}

// Engagement returns an engagement of the organization with its procedures, read in
// one snapshot so the counts, the version (the ETag) and the procedures describe the
// same moment.
func (r *Reader) Engagement(ctx context.Context, orgID, id int64) (EngagementDetail, error) {
	var d EngagementDetail
	err := queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select `+engagementColumns+` from audit_engagements where id = $1 and org_id = $2`, id, orgID)
		if err != nil {
			return err
		}
		d.Engagement, err = pgx.CollectExactlyOneRow(rows, scanEngagement)
		if errors.Is(err, pgx.ErrNoRows) {
			return errEngagementNotFound
		}
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `select `+procedureColumns+` from audit_procedures
			where engagement_id = $1 and org_id = $2 order by id`, id, orgID)
		if err != nil {
			return err
		}
		d.Procedures, err = pgx.CollectRows(rows, scanProcedure)
		return err
	})
	if err != nil {
		return EngagementDetail{}, err
	}
	if d.Procedures == nil {
		d.Procedures = []Procedure{}
	}
	return d, nil
}

// Finding returns a finding of the organization with its links and every management
// response, read in one snapshot.
func (r *Reader) Finding(ctx context.Context, orgID, id int64) (FindingDetail, error) {
	var d FindingDetail
	err := queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select `+findingColumns+` from audit_findings where id = $1 and org_id = $2`, id, orgID)
		if err != nil {
			return err
		}
		d.Finding, err = pgx.CollectExactlyOneRow(rows, findingScanner(r.today()))
		if errors.Is(err, pgx.ErrNoRows) {
			return errFindingNotFound
		}
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `select response, action_plan, target_date::text, submitted_by, submitted_at
			from audit_finding_responses where finding_id = $1 and org_id = $2 order by position desc`, id, orgID)
		if err != nil {
			return err
		}
		d.ManagementResponses, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Response, error) {
			var x Response
			err := row.Scan(&x.Response, &x.ActionPlan, &x.TargetDate, &x.SubmittedBy, &x.SubmittedAt)
			x.SubmittedAt = x.SubmittedAt.UTC()
			return x, err
		})
		if err != nil {
			return err
		}
		return links(ctx, tx, orgID, &d)
	})
	if err != nil {
		return FindingDetail{}, err
	}
	return d, nil
}

// links describes the risk and control a finding names, from their modules' read
// models, naming the organization on both sides. A risk deleted since is no longer
// linked: the finding shows no risk, as the risk_rating filter and the dashboard's
// findings_by_risk count it.
func links(ctx context.Context, q queries.Querier, orgID int64, d *FindingDetail) error {
	if d.ManagementResponses == nil {
		d.ManagementResponses = []Response{}
	}
	d.Risk, d.Control = nil, nil
	if d.RiskID != nil {
		var x RiskRef
		err := q.QueryRow(ctx, `select id, title, rating from risks where id = $1 and org_id = $2 and deleted_at is null`,
			*d.RiskID, orgID).Scan(&x.ID, &x.Title, &x.Rating)
		switch {
		case err == nil:
			d.Risk = &x
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
	}
	if d.ControlID != nil {
		var x ControlRef
		err := q.QueryRow(ctx, `select id, code, title from controls where id = $1 and org_id = $2`,
			*d.ControlID, orgID).Scan(&x.ID, &x.Code, &x.Title)
		switch {
		case err == nil:
			d.Control = &x
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
	}
	return nil
}

// load replays an engagement's whole stream, refusing one that is missing or another
// organization's.
func (r *Reader) load(ctx context.Context, orgID, id int64) (cmd.Engagement, []events.Event, error) {
	return r.replay(ctx, orgID, id, events.ReadOptions{})
}

// replay folds an engagement's stream within opts' bounds, refusing one that is
// missing (or not yet planned within them) or another organization's.
func (r *Reader) replay(ctx context.Context, orgID, id int64, opts events.ReadOptions) (cmd.Engagement, []events.Event, error) {
	agg, evs, err := r.streams.Load(ctx, id, opts)
	if err != nil {
		return cmd.Engagement{}, nil, err
	}
	if agg.Version == 0 || agg.OrgID != orgID || agg.State.ID != id {
		return cmd.Engagement{}, nil, errEngagementNotFound
	}
	return agg.State, evs, nil
}

// CurrentEngagement replays an engagement's stream: what a write just made, without
// waiting for the projection.
func (r *Reader) CurrentEngagement(ctx context.Context, orgID, id int64) (EngagementDetail, error) {
	s, _, err := r.load(ctx, orgID, id)
	if err != nil {
		return EngagementDetail{}, err
	}
	return engagementDetail(s), nil
}

// EngagementAsOf replays an engagement's stream up to an instant (inclusive) and
// returns it, its procedures and its finding counts, as it stood then. One missing,
// another organization's or not yet planned at the instant is a 404.
func (r *Reader) EngagementAsOf(ctx context.Context, orgID, id int64, at time.Time) (EngagementDetail, error) {
	s, _, err := r.replay(ctx, orgID, id, events.ReadOptions{AsOf: at})
	if strata.ErrorCode(err) == strata.NotFound {
		return EngagementDetail{}, strata.Errorf(strata.NotFound, "engagement not found as of %s", at.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return EngagementDetail{}, err
	}
	return engagementDetail(s), nil
}

// engagementDetail describes an engagement replayed from its stream as the read
// model describes it.
func engagementDetail(s cmd.Engagement) EngagementDetail {
	d := EngagementDetail{Engagement: Engagement{
		ID: s.ID, Title: s.Title, Scope: s.Scope, Auditee: s.Auditee, LeadAuditorID: s.LeadAuditorID,
		Phase: s.Phase, Status: s.Status, PlannedStart: s.PlannedStart, PlannedEnd: s.PlannedEnd,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(), Version: s.Version,
	}, Procedures: []Procedure{}}
	for _, f := range s.Findings {
		switch f.Status {
		case cmd.Open:
			d.FindingsByStatus.Open++
		case cmd.Approved:
			d.FindingsByStatus.Approved++
		case cmd.Closed:
			d.FindingsByStatus.Closed++
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.Procedures)) {
		p := procedureOf(s.ID, s.Procedures[id])
		d.ProceduresTotal++
		if p.SignedOffBy != nil {
			d.ProceduresSignedOff++
		}
		d.Procedures = append(d.Procedures, p)
	}
	return d
}

// Procedure returns one procedure of an engagement as its stream tells it now, for
// the answer to a procedure's change.
func (r *Reader) Procedure(ctx context.Context, orgID, engagementID, procedureID int64) (Procedure, error) {
	s, _, err := r.load(ctx, orgID, engagementID)
	if err != nil {
		return Procedure{}, err
	}
	p, ok := s.Procedures[procedureID]
	if !ok {
		return Procedure{}, errProcedureNotFound
	}
	return procedureOf(s.ID, p), nil
}

func procedureOf(engagementID int64, p cmd.Procedure) Procedure {
	out := Procedure{ID: p.ID, EngagementID: engagementID, Title: p.Title, Description: p.Description,
		AssignedTo: p.AssignedTo, Status: p.Status, Conclusion: p.Conclusion, SignedOffBy: p.SignedOffBy,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), Version: p.Version}
	if p.SignedOffAt != nil {
		at := p.SignedOffAt.UTC()
		out.SignedOffAt = &at
	}
	return out
}

// engagementOf finds the engagement whose stream holds a finding: the command side
// files each finding under its engagement before appending it.
func (r *Reader) engagementOf(ctx context.Context, orgID, findingID int64) (int64, error) {
	return cmd.EngagementOf(ctx, r.keys, orgID, findingID)
}

// CurrentFinding replays the finding's engagement stream: what a write just made,
// without waiting for the projection. Its links are described from the risk and
// control read models.
func (r *Reader) CurrentFinding(ctx context.Context, orgID, id int64) (FindingDetail, error) {
	engagementID, err := r.engagementOf(ctx, orgID, id)
	if err != nil {
		return FindingDetail{}, err
	}
	return r.finding(ctx, orgID, engagementID, id, events.ReadOptions{}, r.today(), errFindingNotFound)
}

// FindingAsOf replays the finding's engagement stream up to an instant (inclusive)
// and picks the finding out of it as it stood then: its fields, its management
// responses submitted by then, and overdue as it was on that instant's UTC date.
// Its risk and control are described as their modules describe them now. One
// missing, another organization's or not yet raised at the instant is a 404.
func (r *Reader) FindingAsOf(ctx context.Context, orgID, id int64, at time.Time) (FindingDetail, error) {
	notFound := strata.Errorf(strata.NotFound, "finding not found as of %s", at.UTC().Format(time.RFC3339))
	engagementID, err := r.engagementOf(ctx, orgID, id)
	if strata.ErrorCode(err) == strata.NotFound {
		return FindingDetail{}, notFound
	}
	if err != nil {
		return FindingDetail{}, err
	}
	return r.finding(ctx, orgID, engagementID, id, events.ReadOptions{AsOf: at}, at.UTC().Format(time.DateOnly), notFound)
}

// finding folds the engagement's stream within opts' bounds and describes finding
// id as the read model does, telling overdue against today; notFound answers for an
// engagement or finding the fold does not hold.
func (r *Reader) finding(ctx context.Context, orgID, engagementID, id int64, opts events.ReadOptions, today string,
	notFound error) (FindingDetail, error) {
	s, evs, err := r.replay(ctx, orgID, engagementID, opts)
	if strata.ErrorCode(err) == strata.NotFound {
		return FindingDetail{}, notFound
	}
	if err != nil {
		return FindingDetail{}, err
	}
	f, ok := s.Findings[id]
	if !ok {
		return FindingDetail{}, notFound
	}
	d := FindingDetail{Finding: Finding{
		ID: f.ID, EngagementID: s.ID, EngagementTitle: s.Title, Title: f.Title, Description: f.Description,
		Severity: f.Severity, RiskID: f.RiskID, ControlID: f.ControlID, SourceTestID: f.SourceTestID,
		Status: f.Status, AssignedTo: f.AssignedTo, DueDate: f.DueDate, Overdue: overdue(f.DueDate, f.Status, today),
		CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC(), Version: f.Version,
	}}
	if f.Response != nil {
		d.ManagementResponse = responseOf(*f.Response)
	}
	// The aggregate keeps only the current response; the stream keeps every one.
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Type != (ev.ManagementResponseSubmitted{}).EventType() {
			continue
		}
		p, err := r.streams.Registry.Decode(evs[i])
		if err != nil {
			return FindingDetail{}, err
		}
		if x, ok := p.(ev.ManagementResponseSubmitted); ok && x.FindingID == id {
			d.ManagementResponses = append(d.ManagementResponses, *responseOf(cmd.Response{
				ManagementResponse: x.ManagementResponse, SubmittedBy: x.SubmittedBy, SubmittedAt: evs[i].RecordedAt}))
		}
	}
	if err := links(ctx, r.pool, orgID, &d); err != nil {
		return FindingDetail{}, err
	}
	return d, nil
}

func responseOf(x cmd.Response) *Response {
	return &Response{Response: x.Response, ActionPlan: x.ActionPlan, TargetDate: x.TargetDate,
		SubmittedBy: x.SubmittedBy, SubmittedAt: x.SubmittedAt.UTC()}
}
