package projections_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema/testdb"
)

// elsewhereLog is a log kept outside PostgreSQL (as on EventStoreDB): positions are
// its own, and the database's events table is empty.
type elsewhereLog struct{ evs []events.Event }

func (l *elsewhereLog) Append(context.Context, string, events.ExpectedVersion, events.Metadata, ...events.NewEvent) (events.AppendResult, error) {
	return events.AppendResult{}, errors.New("read only")
}
func (l *elsewhereLog) ReadStream(context.Context, string, events.ReadOptions) ([]events.Event, error) {
	return nil, nil
}
func (l *elsewhereLog) ReadAll(_ context.Context, from events.Position, limit int) ([]events.Event, error) {
	var out []events.Event
	for _, e := range l.evs {
		if e.Position().Compare(from) > 0 && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}
func (l *elsewhereLog) PositionOf(context.Context, int64) (events.Position, error) {
	return events.Position{}, events.ErrNotFound
}

type seenProjector struct{}

func (seenProjector) Name() string     { return "rebuild_seen" }
func (seenProjector) Tables() []string { return []string{"rebuild_seen"} }
func (seenProjector) Handle(_ context.Context, w *projections.Writer, e events.Event) error {
	w.Exec(`insert into {rebuild_seen} (pos) values ($1)`, e.GlobalPosition)
	return nil
}

// Rebuild's bulk phase must replay the log; the switch-over, which holds the live
// projection's lock in one transaction, should only apply what arrived meanwhile. The
// bulk phase's end is judged by max(global_position) of PostgreSQL's events table,
// which is empty (or a stale leftover) when the log is on EventStoreDB, so the bulk
// phase stops after its first batch and the whole rest of the log is replayed inside
// the switch-over transaction, with the live projection paused throughout.
func TestRebuildOfALogKeptElsewhereReplaysInTheBulkPhase(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `create table rebuild_seen (pos bigint primary key)`); err != nil {
		t.Fatal(err)
	}
	log := &elsewhereLog{}
	for i := range 2000 {
		gp := int64(i+1) * 137
		log.evs = append(log.evs, events.Event{ID: uuid.New(), StreamID: "risk-1", StreamVersion: int64(i + 1),
			GlobalPosition: gp, TransactionID: uint64(gp), Type: "Something", Data: []byte(`{}`),
			Metadata: events.Metadata{OrgID: 1, ActorName: "t", CorrelationID: "c"}, RecordedAt: time.Now()})
	}
	bulk := 0
	res, err := projections.Rebuild(ctx, log, db.Pool, seenProjector{}, projections.RebuildConfig{
		BatchSize: 100, Progress: func(applied int, _ events.Position) { bulk = applied },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != len(log.evs) {
		t.Fatalf("rebuilt %d events of %d", res.Events, len(log.evs))
	}
	if inSwitch := res.Events - bulk; inSwitch > 100 {
		t.Errorf("the bulk phase applied %d events and the switch-over, under the live lock, %d", bulk, inSwitch)
	}
}
