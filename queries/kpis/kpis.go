// Package kpis answers objective and KPI queries: lists and details from the read
// models, the same details replayed from the streams (what a write just made, or a
// KPI or an objective as it stood at an instant), a KPI's performance (every value
// recorded and corrected) and the histories.
//
// Whether a KPI is on target is stored with it, derived from its latest value; whether
// it is stale depends on today, so it is worked out at read time: by the schema's
// kpi_stale and kpi_last_due functions where the read model is read, and by the same
// rule in Go (commands/kpis) where a stream is replayed.
package kpis

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/kpis"
	"github.com/strata-grc/strata/events"
	pkpis "github.com/strata-grc/strata/projections/kpis"
	"github.com/strata-grc/strata/queries"
)

// Projection is the read model these queries read: the projector's own name, for
// read-your-writes waits.
const Projection = pkpis.Name

// Objective is an objective as lists show it, with how many KPIs it groups and how
// many of those are on target. The counts are nil only in an objective read as of an
// instant (AsOfObjective), which does not know them.
type Objective struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Description   string    `json:"description"`
	OwnerID       *int64    `json:"owner_id"`
	PeriodStart   *string   `json:"period_start"`
	PeriodEnd     *string   `json:"period_end"`
	KpiCount      *int64    `json:"kpi_count"`
	OnTargetCount *int64    `json:"on_target_count"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int64     `json:"version"`
}

// MaxEmbedded is how many KPIs an objective's detail embeds, in name order;
// GET /kpis?objective_id= lists them all.
const MaxEmbedded = 500

// ObjectiveDetail is an objective with its KPIs; Kpis is nil (null) where the counts are.
type ObjectiveDetail struct {
	Objective
	Kpis []Kpi `json:"kpis"`
}

// Kpi is a KPI with its latest value and what follows from it.
type Kpi struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	Unit          string   `json:"unit"`
	Target        float64  `json:"target"`
	Direction     string   `json:"direction"`
	Frequency     string   `json:"frequency"`
	OwnerID       *int64   `json:"owner_id"`
	ObjectiveID   *int64   `json:"objective_id"`
	ObjectiveName *string  `json:"objective_name"`
	LatestValue   *float64 `json:"latest_value"`
	LatestPeriod  *string  `json:"latest_period"`
	// OnTarget compares LatestValue with Target by Direction; nil without a value.
	OnTarget *bool `json:"on_target"`
	// Stale: no value for LastDuePeriod nor for any later period.
	Stale         bool      `json:"stale"`
	LastDuePeriod *string   `json:"last_due_period"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int64     `json:"version"`
}

// Reader answers objective and KPI queries.
type Reader struct {
	pool       *pgxpool.Pool
	objectives *commands.Streams[cmd.Objective]
	kpis       *commands.Streams[cmd.Kpi]
	now        func() time.Time
}

// NewReader reads the read models in pool and replays the streams (the command
// handler's) for answers to writes, performances and histories. now tells today (its
// UTC date) for staleness; nil is time.Now.
func NewReader(pool *pgxpool.Pool, objectives *commands.Streams[cmd.Objective], kpis *commands.Streams[cmd.Kpi], now func() time.Time) *Reader {
	if now == nil {
		now = time.Now
	}
	return &Reader{pool: pool, objectives: objectives, kpis: kpis, now: now}
}

var (
	errObjectiveNotFound = strata.Errorf(strata.NotFound, "objective not found")
	errKpiNotFound       = strata.Errorf(strata.NotFound, "KPI not found")
)

// today is the UTC date staleness is judged against.
func (r *Reader) today() time.Time { return cmd.Date(r.now()) }

// dateLiteral writes a day into a statement rather than binding it, so a list's
// columns can use it whatever number its conditions' arguments reach. It is only ever
// digits and dashes.
func dateLiteral(day time.Time) string { return "date '" + day.Format(time.DateOnly) + "'" }

// kpiColumns read a KPI row as of today.
func kpiColumns(today time.Time) string {
	t := dateLiteral(today)
	return `id, name, description, unit, target, direction, frequency, owner_id, objective_id,
	(select o.name from objectives o where o.id = kpis.objective_id and o.org_id = kpis.org_id),
	latest_value, latest_period, on_target,
	kpi_stale(frequency, defined_on, latest_period, ` + t + `), kpi_last_due(frequency, defined_on, latest_period, ` + t + `),
	created_at, updated_at, version`
}

func scanKpi(row pgx.CollectableRow) (Kpi, error) {
	var k Kpi
	err := row.Scan(&k.ID, &k.Name, &k.Description, &k.Unit, &k.Target, &k.Direction, &k.Frequency, &k.OwnerID,
		&k.ObjectiveID, &k.ObjectiveName, &k.LatestValue, &k.LatestPeriod, &k.OnTarget, &k.Stale, &k.LastDuePeriod,
		&k.CreatedAt, &k.UpdatedAt, &k.Version)
	k.CreatedAt, k.UpdatedAt = k.CreatedAt.UTC(), k.UpdatedAt.UTC()
	return k, err
}

// objectiveColumns read an objective row with its KPI counts.
const objectiveColumns = `id, name, description, owner_id, period_start::text, period_end::text,
	(select count(*) from kpis k where k.org_id = objectives.org_id and k.objective_id = objectives.id),
	(select count(*) from kpis k where k.org_id = objectives.org_id and k.objective_id = objectives.id and k.on_target),
	created_at, updated_at, version`

func scanObjective(row pgx.CollectableRow) (Objective, error) {
	var o Objective
	err := row.Scan(&o.ID, &o.Name, &o.Description, &o.OwnerID, &o.PeriodStart, &o.PeriodEnd, &o.KpiCount,
		&o.OnTargetCount, &o.CreatedAt, &o.UpdatedAt, &o.Version)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, err
}

// Kpi returns a KPI of the organization from the read model.
func (r *Reader) Kpi(ctx context.Context, orgID, id int64) (Kpi, error) {
	rows, err := r.pool.Query(ctx, `select `+kpiColumns(r.today())+` from kpis where id = $1 and org_id = $2`, id, orgID)
	if err != nil {
		return Kpi{}, err
	}
	k, err := pgx.CollectExactlyOneRow(rows, scanKpi)
	if errors.Is(err, pgx.ErrNoRows) {
		return Kpi{}, errKpiNotFound
	}
	return k, err
}

// Objective returns an objective of the organization with its KPIs (the first
// MaxEmbedded in name order), read in one snapshot so the counts, the version and
// the KPIs describe the same moment.
func (r *Reader) Objective(ctx context.Context, orgID, id int64) (ObjectiveDetail, error) {
	var d ObjectiveDetail
	err := queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select `+objectiveColumns+` from objectives where id = $1 and org_id = $2`, id, orgID)
		if err != nil {
			return err
		}
		d.Objective, err = pgx.CollectExactlyOneRow(rows, scanObjective)
		if errors.Is(err, pgx.ErrNoRows) {
			return errObjectiveNotFound
		}
		if err != nil {
			return err
		}
		d.Kpis, err = r.kpisOf(ctx, tx, orgID, id)
		return err
	})
	if err != nil {
		return ObjectiveDetail{}, err
	}
	return d, nil
}

func (r *Reader) kpisOf(ctx context.Context, q queries.Querier, orgID, objectiveID int64) ([]Kpi, error) {
	rows, err := q.Query(ctx, `select `+kpiColumns(r.today())+` from kpis where org_id = $1 and objective_id = $2
		order by name collate natural_order, id limit $3`, orgID, objectiveID, MaxEmbedded)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanKpi)
}

// loadKpi replays a KPI's stream, refusing one that is missing or another
// organization's.
func (r *Reader) loadKpi(ctx context.Context, orgID, id int64) (commands.Aggregate[cmd.Kpi], []events.Event, error) {
	return r.loadKpiWith(ctx, orgID, id, events.ReadOptions{})
}

// loadKpiWith is loadKpi reading the stream with opts.
func (r *Reader) loadKpiWith(ctx context.Context, orgID, id int64, opts events.ReadOptions) (commands.Aggregate[cmd.Kpi], []events.Event, error) {
	if id <= 0 {
		return commands.Aggregate[cmd.Kpi]{}, nil, errKpiNotFound
	}
	agg, evs, err := r.kpis.Load(ctx, id, opts)
	if err != nil {
		return agg, nil, err
	}
	if agg.Version == 0 || agg.OrgID != orgID || agg.State.ID != id {
		return agg, nil, errKpiNotFound
	}
	return agg, evs, nil
}

func (r *Reader) loadObjective(ctx context.Context, orgID, id int64) (cmd.Objective, error) {
	return r.loadObjectiveWith(ctx, orgID, id, events.ReadOptions{})
}

// loadObjectiveWith is loadObjective reading the stream with opts.
func (r *Reader) loadObjectiveWith(ctx context.Context, orgID, id int64, opts events.ReadOptions) (cmd.Objective, error) {
	if id <= 0 {
		return cmd.Objective{}, errObjectiveNotFound
	}
	agg, _, err := r.objectives.Load(ctx, id, opts)
	if err != nil {
		return cmd.Objective{}, err
	}
	if agg.Version == 0 || agg.OrgID != orgID || agg.State.ID != id {
		return cmd.Objective{}, errObjectiveNotFound
	}
	return agg.State, nil
}

// CurrentKpi replays a KPI's stream (and its objective's, for the name): what a
// write just made, without waiting for the projection.
func (r *Reader) CurrentKpi(ctx context.Context, orgID, id int64) (Kpi, error) {
	return r.replayKpi(ctx, orgID, id, events.ReadOptions{}, r.today())
}

// AsOfKpi replays a KPI's stream up to an instant and returns it as it stood then:
// its latest value and target as recorded by then, staleness judged against that
// instant's UTC date, and its objective's name as that objective's stream told it.
func (r *Reader) AsOfKpi(ctx context.Context, orgID, id int64, at time.Time) (Kpi, error) {
	k, err := r.replayKpi(ctx, orgID, id, events.ReadOptions{AsOf: at}, cmd.Date(at))
	if strata.ErrorCode(err) == strata.NotFound {
		return Kpi{}, strata.Errorf(strata.NotFound, "KPI not found as of %s", at.UTC().Format(time.RFC3339))
	}
	return k, err
}

// replayKpi folds a KPI's stream, and its objective's for the name, both read with
// opts, into the KPI as of today.
func (r *Reader) replayKpi(ctx context.Context, orgID, id int64, opts events.ReadOptions, today time.Time) (Kpi, error) {
	agg, _, err := r.loadKpiWith(ctx, orgID, id, opts)
	if err != nil {
		return Kpi{}, err
	}
	k := agg.State
	out := KpiOf(k, today)
	if k.ObjectiveID != nil {
		o, err := r.loadObjectiveWith(ctx, orgID, *k.ObjectiveID, opts)
		switch {
		case err == nil:
			out.ObjectiveName = &o.Name
		case strata.ErrorCode(err) != strata.NotFound:
			return Kpi{}, err
		}
	}
	return out, nil
}

// KpiOf describes a KPI replayed from its stream as the read model describes it, as
// of today; the objective's name is left for the caller.
func KpiOf(k cmd.Kpi, today time.Time) Kpi {
	out := Kpi{ID: k.ID, Name: k.Name, Description: k.Description, Unit: k.Unit, Target: k.Target,
		Direction: k.Direction, Frequency: k.Frequency, OwnerID: k.OwnerID, ObjectiveID: k.ObjectiveID,
		LatestValue: k.Latest(), OnTarget: cmd.OnTarget(k.Direction, k.Target, k.Latest()),
		Stale:     cmd.Stale(k.Frequency, k.DefinedOn(), k.LatestPeriod, today),
		CreatedAt: k.CreatedAt.UTC(), UpdatedAt: k.UpdatedAt.UTC(), Version: k.Version}
	if k.LatestPeriod != "" {
		p := k.LatestPeriod
		out.LatestPeriod = &p
	}
	if due := cmd.LastDuePeriod(k.Frequency, k.DefinedOn(), k.LatestPeriod, today); due != "" {
		out.LastDuePeriod = &due
	}
	return out
}

// objectiveOf describes an objective replayed from its stream by its own fields; its
// KPIs and their counts are left for the caller.
func objectiveOf(o cmd.Objective) Objective {
	return Objective{ID: o.ID, Name: o.Name, Description: o.Description, OwnerID: o.OwnerID,
		PeriodStart: o.PeriodStart, PeriodEnd: o.PeriodEnd, CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(),
		Version: o.Version}
}

// AsOfObjective replays an objective's stream up to an instant and returns its own
// fields as they stood then. Its KPIs and their counts are left null: a KPI names its
// objective in its own stream, not the objective's, so which KPIs served the
// objective then could only be found by replaying every KPI of the organization, and
// the KPIs that serve it now would pass for the past ones under a past date.
func (r *Reader) AsOfObjective(ctx context.Context, orgID, id int64, at time.Time) (ObjectiveDetail, error) {
	o, err := r.loadObjectiveWith(ctx, orgID, id, events.ReadOptions{AsOf: at})
	if strata.ErrorCode(err) == strata.NotFound {
		return ObjectiveDetail{}, strata.Errorf(strata.NotFound, "objective not found as of %s", at.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return ObjectiveDetail{}, err
	}
	return ObjectiveDetail{Objective: objectiveOf(o)}, nil
}

// CurrentObjective replays an objective's stream: what a write just made. Its KPIs
// and their counts, which the write did not change, come from the read model.
func (r *Reader) CurrentObjective(ctx context.Context, orgID, id int64) (ObjectiveDetail, error) {
	o, err := r.loadObjective(ctx, orgID, id)
	if err != nil {
		return ObjectiveDetail{}, err
	}
	d := ObjectiveDetail{Objective: objectiveOf(o)}
	err = queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		var err error
		if d.Kpis, err = r.kpisOf(ctx, tx, orgID, id); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `select count(*), count(*) filter (where on_target) from kpis where org_id = $1 and objective_id = $2`,
			orgID, id).Scan(&d.KpiCount, &d.OnTargetCount)
	})
	if err != nil {
		return ObjectiveDetail{}, err
	}
	return d, nil
}
