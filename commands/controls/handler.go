package controls

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/controls/frameworkfile"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
)

// IDs hands out new entity ids.
type IDs interface {
	Next(ctx context.Context, kind string) (int64, error)
}

// Handler runs framework and control commands against the event log.
type Handler struct {
	frameworks *commands.Streams[Framework]
	controls   *commands.Streams[Control]
	pool       *pgxpool.Pool
	keys       *commands.Keys
	ids        IDs
	members    commands.Members
	now        func() time.Time
}

// Kinds of unique keys this module reserves.
const (
	controlCodeKey = "control_code"
	frameworkKey   = "framework"
)

// NewHandler refuses missing dependencies; now defaults to time.Now. members vouches
// for the owners controls name; nil accepts any id, for replays and tests of this
// module alone.
func NewHandler(pool *pgxpool.Pool, store events.Store, reg *events.Registry, ids IDs, members commands.Members, now func() time.Time) (*Handler, error) {
	if pool == nil || store == nil || reg == nil || ids == nil {
		return nil, errors.New("controls: handler needs a pool, a store, a registry and an id source")
	}
	if now == nil {
		now = time.Now
	}
	return &Handler{
		frameworks: &commands.Streams[Framework]{Store: store, Registry: reg, Name: ev.FrameworkStream, Evolve: EvolveFramework},
		controls:   &commands.Streams[Control]{Store: store, Registry: reg, Name: ev.ControlStream, Evolve: EvolveControl},
		pool:       pool, keys: commands.NewKeys(pool), ids: ids, members: members, now: now,
	}, nil
}

// Frameworks exposes the framework streams for replay.
func (h *Handler) Frameworks() *commands.Streams[Framework] { return h.frameworks }

// Controls exposes the control streams for replay.
func (h *Handler) Controls() *commands.Streams[Control] { return h.controls }

func frameworkKeyOf(name, version string) string {
	return strings.ToLower(strings.TrimSpace(name)) + "\n" + strings.ToLower(strings.TrimSpace(version))
}

// CreateFramework defines a framework with its requirements in one append, so an
// import lands whole or not at all. Ids in cmd are assigned here.
func (h *Handler) CreateFramework(ctx context.Context, meta events.Metadata, cmd CreateFramework) (commands.Result, error) {
	// Validate before spending ids, so a bad file costs nothing.
	if _, err := DecideFramework(Framework{}, false, cmd); err != nil {
		return commands.Result{}, err
	}
	id, err := h.ids.Next(ctx, "framework")
	if err != nil {
		return commands.Result{}, err
	}
	cmd.FrameworkID = id
	cmd.Requirements = append([]NewRequirement(nil), cmd.Requirements...)
	for i := range cmd.Requirements {
		if cmd.Requirements[i].ID, err = h.ids.Next(ctx, "requirement"); err != nil {
			return commands.Result{}, err
		}
	}
	payloads, err := DecideFramework(Framework{}, false, cmd)
	if err != nil {
		return commands.Result{}, err
	}
	key := frameworkKeyOf(cmd.Name, cmd.Version)
	if err := h.keys.Reserve(ctx, frameworkKey, meta.OrgID, key, id); errors.Is(err, commands.ErrTaken) {
		holder, _ := h.keys.Holder(ctx, frameworkKey, meta.OrgID, key)
		return commands.Result{}, commands.FieldError("name", fmt.Sprintf("is already used with this version by framework %d", holder))
	} else if err != nil {
		return commands.Result{}, err
	}
	res, err := h.frameworks.Create(ctx, id, meta, payloads...)
	if err != nil {
		// Only when the framework is surely not there: an append can commit even
		// when its caller hears an error.
		rctx := context.WithoutCancel(ctx)
		if exists, rerr := h.frameworkExists(rctx, meta.OrgID, id); rerr == nil && !exists {
			_ = h.keys.Release(rctx, frameworkKey, meta.OrgID, key, id)
		}
	}
	return res, err
}

// Import creates a framework from a CSV or JSON file; a file with any bad row
// imports nothing and the error names every bad row by line.
func (h *Handler) Import(ctx context.Context, meta events.Metadata, data []byte, format frameworkfile.Format, fileName string) (commands.Result, error) {
	fw, err := frameworkfile.Parse(data, format)
	if err != nil {
		return commands.Result{}, err
	}
	cmd := CreateFramework{Name: fw.Name, Version: fw.Version, Description: fw.Description, Source: "import", FileName: fileName}
	for _, r := range fw.Requirements {
		cmd.Requirements = append(cmd.Requirements, NewRequirement{
			Requirement: ev.Requirement{Code: r.Code, Title: r.Title, Description: r.Description}, Line: r.Line,
		})
	}
	return h.CreateFramework(ctx, meta, cmd)
}

// AddRequirement adds a requirement to a framework and returns its id.
func (h *Handler) AddRequirement(ctx context.Context, meta events.Metadata, frameworkID int64, r ev.Requirement) (int64, commands.Result, error) {
	id, err := h.ids.Next(ctx, "requirement")
	if err != nil {
		return 0, commands.Result{}, err
	}
	res, err := h.frameworks.Execute(ctx, frameworkID, nil, meta, func(agg commands.Aggregate[Framework]) ([]events.Payload, error) {
		return DecideFramework(agg.State, true, AddRequirement{NewRequirement{ID: id, Requirement: r}})
	})
	return id, res, err
}

// frameworkExists reports whether the framework is the organization's.
func (h *Handler) frameworkExists(ctx context.Context, orgID, id int64) (bool, error) {
	first, err := h.frameworks.Store.ReadStream(ctx, ev.FrameworkStream(id), events.ReadOptions{ToVersion: 1})
	if err != nil {
		return false, err
	}
	return len(first) > 0 && first[0].Metadata.OrgID == orgID, nil
}

func (h *Handler) checkFramework(ctx context.Context, orgID int64, id *int64) error {
	if id == nil || *id <= 0 {
		return nil // absent, or reported by validation
	}
	ok, err := h.frameworkExists(ctx, orgID, *id)
	if err == nil && !ok {
		err = commands.FieldError("framework_id", "is not a framework of this organization")
	}
	return err
}

func (h *Handler) reserveCode(ctx context.Context, orgID int64, code string, owner int64) error {
	key := strings.ToLower(strings.TrimSpace(code))
	err := h.keys.Reserve(ctx, controlCodeKey, orgID, key, owner)
	if errors.Is(err, commands.ErrTaken) {
		holder, _ := h.keys.Holder(ctx, controlCodeKey, orgID, key)
		return commands.FieldError("code", fmt.Sprintf("is already used by control %d", holder))
	}
	return err
}

// CreateControl defines a control and returns its id in the result.
func (h *Handler) CreateControl(ctx context.Context, meta events.Metadata, f ev.Fields, status string) (commands.Result, error) {
	payloads, err := DecideControl(Control{}, false, CreateControl{Fields: f, Status: status}, h.now())
	if err != nil {
		return commands.Result{}, err
	}
	if err := h.checkFramework(ctx, meta.OrgID, f.FrameworkID); err != nil {
		return commands.Result{}, err
	}
	if err := h.checkOwner(ctx, meta.OrgID, payloads); err != nil {
		return commands.Result{}, err
	}
	id, err := h.ids.Next(ctx, "control")
	if err != nil {
		return commands.Result{}, err
	}
	created := payloads[0].(ev.ControlCreated)
	created.ControlID = id
	if err := h.reserveCode(ctx, meta.OrgID, created.Code, id); err != nil {
		return commands.Result{}, err
	}
	res, err := h.controls.Create(ctx, id, meta, created)
	if err != nil {
		h.releaseUnheld(ctx, meta.OrgID, id, strings.ToLower(created.Code))
	}
	return res, err
}

// UpdateControl applies a partial update; a new code is reserved before the change
// is appended and the old one released after.
func (h *Handler) UpdateControl(ctx context.Context, meta events.Metadata, id int64, ifMatch *int64, patch json.RawMessage) (commands.Result, error) {
	var probe struct {
		Code        *string         `json:"code"`
		FrameworkID json.RawMessage `json:"framework_id"`
	}
	_ = json.Unmarshal(patch, &probe) // a malformed patch is reported by the decision
	var fw *int64
	if len(probe.FrameworkID) > 0 && json.Unmarshal(probe.FrameworkID, &fw) == nil {
		if err := h.checkFramework(ctx, meta.OrgID, fw); err != nil {
			return commands.Result{}, err
		}
	}
	newCode := ""
	if probe.Code != nil {
		newCode = strings.ToLower(strings.TrimSpace(*probe.Code))
	}
	if newCode == "" {
		return h.controls.Execute(ctx, id, ifMatch, meta, func(agg commands.Aggregate[Control]) ([]events.Payload, error) {
			payloads, err := DecideControl(agg.State, true, UpdateControl{Patch: patch}, h.now())
			if err != nil {
				return nil, err
			}
			return payloads, h.checkOwner(ctx, meta.OrgID, payloads)
		})
	}
	// Code changes of one control run one at a time, so that what one gives back is
	// never a code another has just claimed (a double-submitted rename).
	var res commands.Result
	err := h.keys.Locked(ctx, controlCodeKey, id, func(ctx context.Context) error {
		var oldCode string
		var err error
		res, err = h.controls.Execute(ctx, id, ifMatch, meta, func(agg commands.Aggregate[Control]) ([]events.Payload, error) {
			payloads, err := DecideControl(agg.State, true, UpdateControl{Patch: patch}, h.now())
			if err != nil {
				return nil, err
			}
			if err := h.checkOwner(ctx, meta.OrgID, payloads); err != nil {
				return nil, err
			}
			oldCode = strings.ToLower(agg.State.Code)
			if newCode != oldCode && len(payloads) > 0 {
				if err := h.reserveCode(ctx, meta.OrgID, newCode, id); err != nil {
					return nil, err
				}
			}
			return payloads, nil
		})
		h.releaseUnheld(ctx, meta.OrgID, id, newCode, oldCode)
		return err
	})
	return res, err
}

// checkOwner refuses decided events that make someone outside the organization the
// control's owner. It reads membership from the organization's stream rather than
// the identity read model, which may lag behind a membership change just committed;
// only a removal committing during this one command can slip past it.
func (h *Handler) checkOwner(ctx context.Context, orgID int64, payloads []events.Payload) error {
	for _, p := range payloads {
		var owner *int64
		switch e := p.(type) {
		case ev.ControlCreated:
			owner = e.OwnerID
		case ev.ControlUpdated:
			owner = commands.SetID(e.Set, "owner_id")
		}
		if err := commands.CheckMember(ctx, h.members, orgID, "owner_id", owner); err != nil {
			return err
		}
	}
	return nil
}

// releaseUnheld gives back those of codes that the control does not hold now, judged
// from its stream rather than from how the change ended: an append can commit even
// when its caller hears an error. A control that does not exist holds none. When the
// stream cannot be read the reservations stay; a name kept reserved is better than a
// duplicate.
func (h *Handler) releaseUnheld(ctx context.Context, orgID, id int64, codes ...string) {
	ctx = context.WithoutCancel(ctx)
	agg, _, err := h.controls.Load(ctx, id, events.ReadOptions{})
	if err != nil {
		return
	}
	held := strings.ToLower(agg.State.Code)
	for _, c := range codes {
		if c != "" && c != held {
			_ = h.keys.Release(ctx, controlCodeKey, orgID, c, id)
		}
	}
}

// Execute runs a command on an existing control of meta's organization.
func (h *Handler) Execute(ctx context.Context, meta events.Metadata, id int64, ifMatch *int64, cmd any) (commands.Result, error) {
	if _, ok := cmd.(UpdateControl); ok {
		return commands.Result{}, errors.New("controls: updates go through UpdateControl")
	}
	return h.controls.Execute(ctx, id, ifMatch, meta, func(agg commands.Aggregate[Control]) ([]events.Payload, error) {
		return DecideControl(agg.State, true, cmd, h.now())
	})
}

// RecordTest records a test and returns its id with the result.
func (h *Handler) RecordTest(ctx context.Context, meta events.Metadata, controlID int64, ifMatch *int64, t RecordTest) (int64, commands.Result, error) {
	id, err := h.ids.Next(ctx, "control_test")
	if err != nil {
		return 0, commands.Result{}, err
	}
	t.TestID = id
	res, err := h.Execute(ctx, meta, controlID, ifMatch, t)
	return id, res, err
}

// MapRequirement maps a requirement of any of the organization's frameworks.
func (h *Handler) MapRequirement(ctx context.Context, meta events.Metadata, controlID, requirementID int64, ifMatch *int64) (commands.Result, error) {
	// Requirements are never removed, so the read model is a safe index from a
	// requirement to its framework; the caller waits for its own writes to reach it.
	var fw int64
	err := h.pool.QueryRow(ctx, `select framework_id from requirements where id = $1 and org_id = $2`, requirementID, meta.OrgID).Scan(&fw)
	if errors.Is(err, pgx.ErrNoRows) {
		return commands.Result{}, commands.FieldError("requirement_id", "is not a requirement of this organization's frameworks")
	}
	if err != nil {
		return commands.Result{}, err
	}
	return h.Execute(ctx, meta, controlID, ifMatch, MapRequirement{RequirementID: requirementID, FrameworkID: fw})
}

// Status returns a control's status for another module that refers to it; a control
// of another organization is not found.
func (h *Handler) Status(ctx context.Context, orgID, controlID int64) (string, error) {
	agg, _, err := h.controls.Load(ctx, controlID, events.ReadOptions{})
	if err != nil {
		return "", err
	}
	if agg.Version == 0 || agg.OrgID != orgID {
		return "", strata.Errorf(strata.NotFound, "control not found")
	}
	return agg.State.Status, nil
}
