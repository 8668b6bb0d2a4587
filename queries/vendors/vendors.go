// Package vendors answers third-party risk queries: vendor lists and details from the
// read models, the same detail replayed from a vendor's stream (what a write just
// made, or as it stood at an instant), and a vendor's history.
package vendors

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/vendors"
	"github.com/strata-grc/strata/events"
	pvendors "github.com/strata-grc/strata/projections/vendors"
	"github.com/strata-grc/strata/queries"
	qrisks "github.com/strata-grc/strata/queries/risks"
)

// Projection is the read model these queries read: the projector's own name, for
// read-your-writes waits. A vendor's detail also describes its risks from the risk
// register's read model.
const Projection = pvendors.Name

// Vendor is a vendor as lists show it.
type Vendor struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Service      string  `json:"service"`
	Criticality  string  `json:"criticality"`
	RiskTier     string  `json:"risk_tier"`
	Status       string  `json:"status"`
	ContactName  string  `json:"contact_name"`
	ContactEmail string  `json:"contact_email"`
	NextReview   *string `json:"next_review"`
	// OverdueReview is computed when read: the next review is before today (UTC) and
	// the vendor is not offboarded.
	OverdueReview bool      `json:"overdue_review"`
	RiskIDs       []int64   `json:"risk_ids"`
	LastReviewAt  *string   `json:"last_review_at"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int64     `json:"version"`
	// sortName is the name as the list sorts it, lower-cased by the database.
	sortName string
}

// Review is one review of a vendor.
type Review struct {
	ID           int64     `json:"id"`
	ReviewedAt   string    `json:"reviewed_at"`
	ReviewerID   int64     `json:"reviewer_id"`
	ReviewerName string    `json:"reviewer_name"`
	Decision     string    `json:"decision"`
	Notes        string    `json:"notes"`
	RiskTierFrom string    `json:"risk_tier_from"`
	RiskTier     string    `json:"risk_tier"`
	NextReview   string    `json:"next_review"`
	RecordedAt   time.Time `json:"recorded_at"`
}

// TierChange is one tier a vendor took: From is null for its first tier, ReviewID
// names the review that set it, if one did.
type TierChange struct {
	From     *string   `json:"from"`
	To       string    `json:"to"`
	At       time.Time `json:"at"`
	By       int64     `json:"by"`
	ByName   string    `json:"by_name"`
	Reason   string    `json:"reason"`
	ReviewID *int64    `json:"review_id"`
}

// RiskRef describes a live risk a vendor links.
type RiskRef struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Rating string `json:"rating"`
	Status string `json:"status"`
}

// VendorDetail is a vendor with its reviews (newest first), its tier history (oldest
// first) and its live linked risks. A vendor is reviewed a few times a year, so the
// lists are embedded whole.
type VendorDetail struct {
	Vendor
	Reviews     []Review     `json:"reviews"`
	TierHistory []TierChange `json:"tier_history"`
	Risks       []RiskRef    `json:"risks"`
}

// Risks describes a risk as its own stream tells it: the risk register's read side.
type Risks interface {
	// Current returns a live risk of the organization replayed from its stream, or a
	// NOT_FOUND error.
	Current(ctx context.Context, orgID, id int64) (qrisks.Risk, error)
	// AsOf returns a risk of the organization replayed from its stream up to an
	// instant, or a NOT_FOUND error when it did not exist then or was deleted.
	AsOf(ctx context.Context, orgID, id int64, at time.Time) (qrisks.Risk, error)
}

// Reader answers vendor queries.
type Reader struct {
	pool    *pgxpool.Pool
	streams *commands.Streams[cmd.Vendor]
	risks   Risks
	now     func() time.Time
}

// NewReader reads the read models in pool and replays streams (the command
// handler's) for answers to writes and for histories; risks describes, in those
// answers, the linked risks the risk register's read model does not hold yet. now
// tells today (its UTC date) for overdue_review; nil is time.Now.
func NewReader(pool *pgxpool.Pool, streams *commands.Streams[cmd.Vendor], risks Risks, now func() time.Time) (*Reader, error) {
	if pool == nil || streams == nil || risks == nil {
		return nil, errors.New("vendors: reader needs a pool, the vendor streams and the risk register's read side")
	}
	if now == nil {
		now = time.Now
	}
	return &Reader{pool: pool, streams: streams, risks: risks, now: now}, nil
}

// errNotFound answers for a vendor that is missing, another organization's or removed.
var errNotFound = strata.Errorf(strata.NotFound, "vendor not found")

// today is the UTC date reviews fall overdue against, as YYYY-MM-DD. The dashboard
// takes it from the database's clock instead; the two agree but for clock skew at
// midnight.
func (r *Reader) today() string { return r.now().UTC().Format(time.DateOnly) }

// Overdue is the one definition of an overdue review, for vendors read from the read
// model and replayed alike; SQL spells it in List and in the dashboard.
func Overdue(nextReview *string, status, today string) bool {
	return nextReview != nil && *nextReview < today && status != cmd.Offboarded
}

const columns = `id, name, service, criticality, risk_tier, status, contact_name, contact_email, next_review::text,
	risk_ids, last_review_at::text, created_at, updated_at, version, ` + nameSortKey

// scanner reads vendor rows, telling overdue_review against today.
func scanner(today string) pgx.RowToFunc[Vendor] {
	return func(row pgx.CollectableRow) (Vendor, error) {
		var v Vendor
		err := row.Scan(&v.ID, &v.Name, &v.Service, &v.Criticality, &v.RiskTier, &v.Status, &v.ContactName,
			&v.ContactEmail, &v.NextReview, &v.RiskIDs, &v.LastReviewAt, &v.CreatedAt, &v.UpdatedAt, &v.Version, &v.sortName)
		v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
		if v.RiskIDs == nil {
			v.RiskIDs = []int64{}
		}
		v.OverdueReview = Overdue(v.NextReview, v.Status, today)
		return v, err
	}
}

// Get returns a live vendor of the organization with its reviews, tier history and
// risks, read in one snapshot so the version (the ETag) and the lists describe the
// same moment.
func (r *Reader) Get(ctx context.Context, orgID, id int64) (VendorDetail, error) {
	var d VendorDetail
	err := queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select `+columns+` from vendors where id = $1 and org_id = $2 and deleted_at is null`, id, orgID)
		if err != nil {
			return err
		}
		d.Vendor, err = pgx.CollectExactlyOneRow(rows, scanner(r.today()))
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `select id, reviewed_at::text, reviewer_id, reviewer_name, decision, notes, risk_tier_from,
			risk_tier, next_review::text, recorded_at from vendor_reviews where vendor_id = $1 and org_id = $2
			order by version desc`, id, orgID)
		if err != nil {
			return err
		}
		d.Reviews, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Review, error) {
			var x Review
			err := row.Scan(&x.ID, &x.ReviewedAt, &x.ReviewerID, &x.ReviewerName, &x.Decision, &x.Notes, &x.RiskTierFrom,
				&x.RiskTier, &x.NextReview, &x.RecordedAt)
			x.RecordedAt = x.RecordedAt.UTC()
			return x, err
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `select from_tier, to_tier, at, by_id, by_name, reason, review_id from vendor_tier_changes
			where vendor_id = $1 and org_id = $2 order by version`, id, orgID)
		if err != nil {
			return err
		}
		d.TierHistory, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (TierChange, error) {
			var x TierChange
			err := row.Scan(&x.From, &x.To, &x.At, &x.By, &x.ByName, &x.Reason, &x.ReviewID)
			x.At = x.At.UTC()
			return x, err
		})
		if err != nil {
			return err
		}
		d.Risks, err = risksOf(ctx, tx, orgID, d.RiskIDs)
		return err
	})
	if err != nil {
		return VendorDetail{}, err
	}
	return d.nonNil(), nil
}

// risksOf describes the live risks among ids, by id.
func risksOf(ctx context.Context, q queries.Querier, orgID int64, ids []int64) ([]RiskRef, error) {
	if len(ids) == 0 {
		return []RiskRef{}, nil
	}
	rows, err := q.Query(ctx, `select id, title, rating, status from risks
		where org_id = $1 and id = any($2) and deleted_at is null order by id`, orgID, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (RiskRef, error) {
		var x RiskRef
		err := row.Scan(&x.ID, &x.Title, &x.Rating, &x.Status)
		return x, err
	})
}

// nonNil makes empty lists read as [] rather than null.
func (d VendorDetail) nonNil() VendorDetail {
	if d.Reviews == nil {
		d.Reviews = []Review{}
	}
	if d.TierHistory == nil {
		d.TierHistory = []TierChange{}
	}
	if d.Risks == nil {
		d.Risks = []RiskRef{}
	}
	return d
}

// Current replays a vendor's stream: what a write just made, without waiting for the
// projection. Its risks are described from the risk register's read model.
func (r *Reader) Current(ctx context.Context, orgID, id int64) (VendorDetail, error) {
	d, err := r.replay(ctx, orgID, id, events.ReadOptions{}, r.today())
	if err != nil {
		return VendorDetail{}, err
	}
	if d.Risks, err = r.currentRisks(ctx, orgID, d.RiskIDs); err != nil {
		return VendorDetail{}, err
	}
	return d.nonNil(), nil
}

// AsOf replays a vendor's stream up to an instant and returns it as it stood then:
// its review overdue against that instant's UTC date, and its risks as their own
// streams tell them at that instant, so no part of the answer comes from a read model.
// A vendor links at most cmd.MaxRisks risks, so replaying each one is bounded.
func (r *Reader) AsOf(ctx context.Context, orgID, id int64, at time.Time) (VendorDetail, error) {
	d, err := r.replay(ctx, orgID, id, events.ReadOptions{AsOf: at}, at.UTC().Format(time.DateOnly))
	if strata.ErrorCode(err) == strata.NotFound {
		return VendorDetail{}, strata.Errorf(strata.NotFound, "vendor not found as of %s", at.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return VendorDetail{}, err
	}
	d.Risks = []RiskRef{}
	for _, riskID := range d.RiskIDs {
		risk, err := r.risks.AsOf(ctx, orgID, riskID, at)
		switch {
		case strata.ErrorCode(err) == strata.NotFound:
			continue
		case err != nil:
			return VendorDetail{}, err
		}
		d.Risks = append(d.Risks, RiskRef{ID: risk.ID, Title: risk.Title, Rating: risk.Rating, Status: risk.Status})
	}
	slices.SortFunc(d.Risks, func(a, b RiskRef) int { return cmp.Compare(a.ID, b.ID) })
	return d.nonNil(), nil
}

// replay folds a vendor's stream, read with opts, into its detail with
// overdue_review told against today; the risks are left for the caller.
func (r *Reader) replay(ctx context.Context, orgID, id int64, opts events.ReadOptions, today string) (VendorDetail, error) {
	agg, _, err := r.streams.Load(ctx, id, opts)
	if err != nil {
		return VendorDetail{}, err
	}
	s := agg.State
	if agg.Version == 0 || agg.OrgID != orgID || s.ID != id || s.Deleted {
		return VendorDetail{}, errNotFound
	}
	d := VendorDetail{Vendor: Vendor{
		ID: s.ID, Name: s.Name, Service: s.Service, Criticality: s.Criticality, RiskTier: s.RiskTier, Status: s.Status,
		ContactName: s.ContactName, ContactEmail: s.ContactEmail, NextReview: s.NextReview,
		OverdueReview: Overdue(s.NextReview, s.Status, today), RiskIDs: slices.Clone(s.RiskIDs),
		CreatedAt: agg.CreatedAt.UTC(), UpdatedAt: agg.UpdatedAt.UTC(), Version: agg.Version,
	}}
	if d.RiskIDs == nil {
		d.RiskIDs = []int64{}
	}
	if last := s.LastReview(); last != nil {
		at := last.ReviewedAt
		d.LastReviewAt = &at
	}
	for i := len(s.Reviews) - 1; i >= 0; i-- {
		x := s.Reviews[i]
		d.Reviews = append(d.Reviews, Review{ID: x.ID, ReviewedAt: x.ReviewedAt, ReviewerID: x.ReviewerID,
			ReviewerName: x.ReviewerName, Decision: x.Decision, Notes: x.Notes, RiskTierFrom: x.RiskTierFrom,
			RiskTier: x.RiskTier, NextReview: x.NextReview, RecordedAt: x.RecordedAt.UTC()})
	}
	for _, x := range s.Tiers {
		c := TierChange{To: x.To, At: x.At.UTC(), By: x.By, ByName: x.ByName, Reason: x.Reason}
		if x.From != "" {
			from := x.From
			c.From = &from
		}
		if x.ReviewID != 0 {
			review := x.ReviewID
			c.ReviewID = &review
		}
		d.TierHistory = append(d.TierHistory, c)
	}
	return d, nil
}

// currentRisks describes the live risks among ids for the answer to a write, which
// does not wait for the risk register's projection: those its read model does not
// hold as live are replayed from their streams, so a risk linked a moment after it
// was created is described, and one deleted is left out.
func (r *Reader) currentRisks(ctx context.Context, orgID int64, ids []int64) ([]RiskRef, error) {
	out, err := risksOf(ctx, r.pool, orgID, ids)
	if err != nil {
		return nil, err
	}
	held := map[int64]bool{}
	for _, x := range out {
		held[x.ID] = true
	}
	for _, id := range ids {
		if held[id] {
			continue
		}
		risk, err := r.risks.Current(ctx, orgID, id)
		switch {
		case strata.ErrorCode(err) == strata.NotFound:
			continue
		case err != nil:
			return nil, err
		}
		out = append(out, RiskRef{ID: risk.ID, Title: risk.Title, Rating: risk.Rating, Status: risk.Status})
	}
	slices.SortFunc(out, func(a, b RiskRef) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
