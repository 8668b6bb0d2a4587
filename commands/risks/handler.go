package risks

import (
	"context"
	"errors"
	"time"

	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/risks"
)

// IDs hands out new entity ids.
type IDs interface {
	Next(ctx context.Context, kind string) (int64, error)
}

// Handler runs risk commands against the event log.
type Handler struct {
	streams *commands.Streams[Risk]
	ids     IDs
	now     func() time.Time
}

// NewHandler refuses missing dependencies; now defaults to time.Now.
func NewHandler(store events.Store, reg *events.Registry, ids IDs, now func() time.Time) (*Handler, error) {
	if store == nil || reg == nil || ids == nil {
		return nil, errors.New("risks: handler needs a store, a registry and an id source")
	}
	if now == nil {
		now = time.Now
	}
	return &Handler{
		streams: &commands.Streams[Risk]{Store: store, Registry: reg, Name: ev.Stream, Evolve: Evolve},
		ids:     ids, now: now,
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
	return h.streams.Create(ctx, id, meta, payloads...)
}

// Execute runs a command on an existing risk of meta's organization.
func (h *Handler) Execute(ctx context.Context, meta events.Metadata, riskID int64, ifMatch *int64, cmd any) (commands.Result, error) {
	return h.streams.Execute(ctx, riskID, ifMatch, meta, func(agg commands.Aggregate[Risk]) ([]events.Payload, error) {
		return Decide(agg.State, true, cmd, h.now())
	})
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
