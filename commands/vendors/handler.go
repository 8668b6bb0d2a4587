package vendors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/vendors"
)

// IDs hands out new entity ids; kinds "vendor" and "vendor_review".
type IDs interface {
	Next(ctx context.Context, kind string) (int64, error)
}

// Risks tells a vendor about the risks it links: the risk register's command side.
type Risks interface {
	// RiskStatus returns the risk's status, or a NOT_FOUND error when the
	// organization has no such risk or it was deleted.
	RiskStatus(ctx context.Context, orgID, riskID int64) (string, error)
}

// nameKey is the kind of unique key that holds a vendor's name, lower-cased, per
// organization.
const nameKey = "vendor_name"

// NameKey is how a name is held: trimmed and lower-cased, so names differing only in
// case are one name.
func NameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// Handler runs vendor commands against the event log.
type Handler struct {
	streams *commands.Streams[Vendor]
	keys    *commands.Keys
	ids     IDs
	risks   Risks
	now     func() time.Time
}

// NewHandler refuses missing dependencies; now defaults to time.Now. risks checks
// every risk a vendor links and cannot be left out.
func NewHandler(pool *pgxpool.Pool, store events.Store, reg *events.Registry, ids IDs, risks Risks, now func() time.Time) (*Handler, error) {
	if pool == nil || store == nil || reg == nil || ids == nil || risks == nil {
		return nil, errors.New("vendors: handler needs a pool, a store, a registry, an id source and a risk check")
	}
	if now == nil {
		now = time.Now
	}
	return &Handler{
		streams: &commands.Streams[Vendor]{Store: store, Registry: reg, Name: ev.Stream, Evolve: Evolve},
		keys:    commands.NewKeys(pool), ids: ids, risks: risks, now: now,
	}, nil
}

// Streams exposes the vendor streams for replay (current views, history).
func (h *Handler) Streams() *commands.Streams[Vendor] { return h.streams }

// today is the UTC date reviews are judged against.
func (h *Handler) today() string { return h.now().UTC().Format(time.DateOnly) }

// Add records a vendor and returns its id in the result.
func (h *Handler) Add(ctx context.Context, meta events.Metadata, f ev.Fields) (commands.Result, error) {
	// Checked before an id or a name is spent on it.
	payloads, err := Decide(Vendor{}, false, AddVendor{Fields: f}, h.today())
	if err != nil {
		return commands.Result{}, err
	}
	added := payloads[0].(ev.VendorAdded)
	if err := h.checkRisks(ctx, meta.OrgID, added.RiskIDs, nil); err != nil {
		return commands.Result{}, err
	}
	id, err := h.ids.Next(ctx, "vendor")
	if err != nil {
		return commands.Result{}, err
	}
	added.VendorID = id
	key := NameKey(added.Name)
	if err := h.reserveName(ctx, meta.OrgID, key, id); err != nil {
		return commands.Result{}, err
	}
	res, err := h.streams.Create(ctx, id, meta, added)
	if err != nil {
		h.releaseUnheld(ctx, meta.OrgID, id, key)
	}
	return res, err
}

// Update applies a partial update (see UpdateVendor). A new name is reserved before
// the change is appended and the old one given back after.
func (h *Handler) Update(ctx context.Context, meta events.Metadata, id int64, ifMatch *int64, patch json.RawMessage) (commands.Result, error) {
	var probe struct {
		Name *string `json:"name"`
	}
	_ = json.Unmarshal(patch, &probe) // a malformed patch is reported by the decision
	decide := func(ctx context.Context, v Vendor) ([]events.Payload, error) {
		payloads, err := Decide(v, true, UpdateVendor{Patch: patch}, h.today())
		if err != nil || len(payloads) == 0 {
			return payloads, err
		}
		set := payloads[0].(ev.VendorUpdated).Set
		var changed struct {
			RiskIDs []int64 `json:"risk_ids"`
		}
		_ = json.Unmarshal(set, &changed)
		return payloads, h.checkRisks(ctx, meta.OrgID, changed.RiskIDs, v.RiskIDs)
	}
	if probe.Name == nil || NameKey(*probe.Name) == "" {
		return h.execute(ctx, meta, id, ifMatch, func(v Vendor) ([]events.Payload, error) { return decide(ctx, v) })
	}
	newKey := NameKey(*probe.Name)
	// Name changes of one vendor run one at a time, so that what one gives back is
	// never a name another has just claimed (a double-submitted rename).
	var res commands.Result
	err := h.keys.Locked(ctx, nameKey, id, func(ctx context.Context) error {
		var oldKey string
		var err error
		res, err = h.execute(ctx, meta, id, ifMatch, func(v Vendor) ([]events.Payload, error) {
			payloads, err := decide(ctx, v)
			if err != nil {
				return nil, err
			}
			oldKey = NameKey(v.Name)
			if newKey != oldKey && len(payloads) > 0 {
				if err := h.reserveName(ctx, meta.OrgID, newKey, id); err != nil {
					return nil, err
				}
			}
			return payloads, nil
		})
		h.releaseUnheld(ctx, meta.OrgID, id, newKey, oldKey)
		return err
	})
	return res, err
}

// Review records a review by meta's actor and returns the review's id with the result.
func (h *Handler) Review(ctx context.Context, meta events.Metadata, id int64, ifMatch *int64, r ReviewVendor) (int64, commands.Result, error) {
	reviewID, err := h.ids.Next(ctx, "vendor_review")
	if err != nil {
		return 0, commands.Result{}, err
	}
	r.ReviewID, r.ReviewerID = reviewID, meta.ActorID
	res, err := h.execute(ctx, meta, id, ifMatch, func(v Vendor) ([]events.Payload, error) {
		return Decide(v, true, r, h.today())
	})
	return reviewID, res, err
}

// Remove withdraws a vendor and gives its name back, so a new vendor may take it; the
// removed vendor's history keeps the name.
func (h *Handler) Remove(ctx context.Context, meta events.Metadata, id int64, ifMatch *int64, reason string) (commands.Result, error) {
	var res commands.Result
	err := h.keys.Locked(ctx, nameKey, id, func(ctx context.Context) error {
		var key string
		var err error
		res, err = h.execute(ctx, meta, id, ifMatch, func(v Vendor) ([]events.Payload, error) {
			key = NameKey(v.Name)
			return Decide(v, true, RemoveVendor{Reason: reason}, h.today())
		})
		h.releaseUnheld(ctx, meta.OrgID, id, key)
		return err
	})
	return res, err
}

// execute decides on a vendor of meta's organization and appends what it decides.
func (h *Handler) execute(ctx context.Context, meta events.Metadata, id int64, ifMatch *int64, decide func(Vendor) ([]events.Payload, error)) (commands.Result, error) {
	if id <= 0 {
		return commands.Result{}, errNotFound
	}
	decided := false
	res, err := h.streams.Execute(ctx, id, ifMatch, meta, func(agg commands.Aggregate[Vendor]) ([]events.Payload, error) {
		decided = true
		return decide(agg.State)
	})
	// The stream is missing or another organization's: the store says only "not
	// found", and the client is told what was not.
	if err != nil && !decided && strata.ErrorCode(err) == strata.NotFound {
		return commands.Result{}, errNotFound
	}
	return res, err
}

// checkRisks refuses linked risks that are not live risks of the organization. Only
// those not linked already are checked, so a vendor whose risk was deleted since can
// still be edited otherwise.
func (h *Handler) checkRisks(ctx context.Context, orgID int64, ids, already []int64) error {
	for _, id := range ids {
		if id <= 0 || slices.Contains(already, id) {
			continue
		}
		_, err := h.risks.RiskStatus(ctx, orgID, id)
		switch {
		case strata.ErrorCode(err) == strata.NotFound:
			return commands.FieldError("risk_ids", fmt.Sprintf("risk %d is not a live risk of this organization", id))
		case err != nil:
			return err
		}
	}
	return nil
}

// reserveName claims key for the vendor owner. A name held by a removed vendor is
// free: removal gives it back, and one whose giving back never ran (the process
// stopped in between) is taken back here.
func (h *Handler) reserveName(ctx context.Context, orgID int64, key string, owner int64) error {
	for range 3 {
		err := h.keys.Reserve(ctx, nameKey, orgID, key, owner)
		if !errors.Is(err, commands.ErrTaken) {
			return err
		}
		holder, err := h.keys.Holder(ctx, nameKey, orgID, key)
		if err != nil {
			return err
		}
		if holder == 0 {
			continue // given back meanwhile
		}
		agg, _, err := h.streams.Load(ctx, holder, events.ReadOptions{})
		if err != nil {
			return err
		}
		// A holder with no stream yet is a creation in progress: the name is its.
		if agg.Version == 0 || !agg.State.Deleted {
			return commands.FieldError("name", fmt.Sprintf("is already used by vendor %d (names are compared without regard to case)", holder))
		}
		if err := h.keys.Release(ctx, nameKey, orgID, key, holder); err != nil {
			return err
		}
	}
	return strata.Errorf(strata.Conflict, "the name kept changing hands while this change was made; try again")
}

// releaseUnheld gives back those of keys that the vendor does not hold now, judged
// from its stream rather than from how the change ended: an append can commit even
// when its caller hears an error. A vendor that does not exist, or was removed, holds
// none. When the stream cannot be read the reservations stay; a name kept reserved is
// better than a duplicate.
func (h *Handler) releaseUnheld(ctx context.Context, orgID, id int64, keys ...string) {
	ctx = context.WithoutCancel(ctx)
	agg, _, err := h.streams.Load(ctx, id, events.ReadOptions{})
	if err != nil {
		return
	}
	held := ""
	if agg.Version > 0 && !agg.State.Deleted {
		held = NameKey(agg.State.Name)
	}
	for _, k := range keys {
		if k != "" && k != held {
			_ = h.keys.Release(ctx, nameKey, orgID, k, id)
		}
	}
}
