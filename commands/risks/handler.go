package risks

import (
	"context"
	"errors"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/risks"
)

// IDs hands out new entity ids.
type IDs interface {
	Next(ctx context.Context, kind string) (int64, error)
}

// Controls tells a risk about the controls it may map: the control library's
// command side, consulted before a mapping is appended.
type Controls interface {
	// Status returns the control's status, or a NOT_FOUND error when the
	// organization has no such control.
	Status(ctx context.Context, orgID, controlID int64) (string, error)
}

// Handler runs risk commands against the event log.
type Handler struct {
	streams  *commands.Streams[Risk]
	ids      IDs
	members  commands.Members
	now      func() time.Time
	controls Controls
}

// NewHandler refuses missing dependencies; now defaults to time.Now. members vouches
// for the owners a risk and its responses name; nil accepts any id, for replays and
// tests of this module alone. controls checks every control a risk maps (it exists in
// the organization and is not archived) and cannot be left out.
func NewHandler(store events.Store, reg *events.Registry, ids IDs, members commands.Members, controls Controls, now func() time.Time) (*Handler, error) {
	if store == nil || reg == nil || ids == nil || controls == nil {
		return nil, errors.New("risks: handler needs a store, a registry, an id source and a control check")
	}
	if now == nil {
		now = time.Now
	}
	return &Handler{
		streams: &commands.Streams[Risk]{Store: store, Registry: reg, Name: ev.Stream, Evolve: Evolve},
		ids:     ids, members: members, now: now, controls: controls,
	}, nil
}

// Streams exposes the risk streams for replay (as-of reads, history).
func (h *Handler) Streams() *commands.Streams[Risk] { return h.streams }

// Create identifies a new risk and returns its id.
func (h *Handler) Create(ctx context.Context, meta events.Metadata, f ev.Fields) (commands.Result, error) {
	id, err := h.ids.Next(ctx, "risk")
	if err != nil {
		return commands.Result{}, err
	}
	payloads, err := Decide(Risk{}, false, Create{RiskID: id, Fields: f}, h.now())
	if err != nil {
		return commands.Result{}, err
	}
	if err := h.checkOwners(ctx, meta.OrgID, payloads); err != nil {
		return commands.Result{}, err
	}
	return h.streams.Create(ctx, id, meta, payloads...)
}

// Execute runs a command on an existing risk of meta's organization.
func (h *Handler) Execute(ctx context.Context, meta events.Metadata, riskID int64, ifMatch *int64, cmd any) (commands.Result, error) {
	return h.streams.Execute(ctx, riskID, ifMatch, meta, func(agg commands.Aggregate[Risk]) ([]events.Payload, error) {
		if m, ok := cmd.(MapControl); ok && !agg.State.Deleted {
			if err := h.checkControl(ctx, meta.OrgID, m.ControlID); err != nil {
				return nil, err
			}
		}
		payloads, err := Decide(agg.State, true, cmd, h.now())
		if err != nil {
			return nil, err
		}
		return payloads, h.checkOwners(ctx, meta.OrgID, payloads)
	})
}

// checkOwners refuses decided events that make someone outside the organization the
// owner of the risk or of a response. Only events that assign an owner are checked,
// and the check reads the organization's own stream, not the identity read model: the
// log holds every membership change the moment it commits, while the read model may
// lag (a member added a moment ago would be refused, one removed a moment ago
// accepted). A removal that commits between this check and the append still slips
// through; that window is one command long, the read model's is unbounded.
func (h *Handler) checkOwners(ctx context.Context, orgID int64, payloads []events.Payload) error {
	for _, p := range payloads {
		var owner *int64
		switch e := p.(type) {
		case ev.RiskCreated:
			owner = e.OwnerID
		case ev.RiskUpdated:
			owner = commands.SetID(e.Set, "owner_id")
		case ev.RiskResponseAdded:
			owner = e.OwnerID
		case ev.RiskResponseUpdated:
			owner = commands.SetID(e.Set, "owner_id")
		}
		if err := commands.CheckMember(ctx, h.members, orgID, "owner_id", owner); err != nil {
			return err
		}
	}
	return nil
}

// checkControl refuses a mapping to a control the organization does not have, or
// has archived.
func (h *Handler) checkControl(ctx context.Context, orgID, controlID int64) error {
	if controlID <= 0 {
		return nil // refused by Decide
	}
	status, err := h.controls.Status(ctx, orgID, controlID)
	switch {
	case strata.ErrorCode(err) == strata.NotFound:
		return commands.FieldError("control_id", "is not a control of this organization")
	case err != nil:
		return err
	case status == "Archived":
		return commands.FieldError("control_id", "is archived; only Draft or Active controls can be mapped")
	}
	return nil
}

// AddResponse plans a treatment and returns the response's id with the result.
func (h *Handler) AddResponse(ctx context.Context, meta events.Metadata, riskID int64, ifMatch *int64, r ev.Response) (int64, commands.Result, error) {
	id, err := h.ids.Next(ctx, "risk_response")
	if err != nil {
		return 0, commands.Result{}, err
	}
	res, err := h.Execute(ctx, meta, riskID, ifMatch, AddResponse{ResponseID: id, Response: r})
	return id, res, err
}

// RiskStatus returns a risk's status for another module that links to it; a risk of
// another organization, or a deleted one, is not found.
func (h *Handler) RiskStatus(ctx context.Context, orgID, riskID int64) (string, error) {
	agg, _, err := h.streams.Load(ctx, riskID, events.ReadOptions{})
	if err != nil {
		return "", err
	}
	if agg.Version == 0 || agg.OrgID != orgID || agg.State.Deleted {
		return "", strata.Errorf(strata.NotFound, "risk not found")
	}
	return agg.State.Status, nil
}
