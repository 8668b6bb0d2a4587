package projections

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/schema"
)

// EventError is a projector's failure to apply one event.
type EventError struct {
	Event events.Event
	Err   error
}

func (e *EventError) Error() string {
	return fmt.Sprintf("event %d (%s, %s version %d): %v", e.Event.GlobalPosition, e.Event.Type, e.Event.StreamID,
		e.Event.StreamVersion, e.Err)
}

func (e *EventError) Unwrap() error { return e.Err }

// Failure is an event a projection cannot apply. The projection halts on it: every
// event before it is applied, none after it, so its read model stays a true picture
// of the log up to that point rather than skipping a fact. Reads that would wait for
// it are answered at once, marked stale. The subscriber keeps trying the event at a
// slow pace, so a fix (a deployed upcaster, a repaired table) resumes the projection
// by itself.
type Failure struct {
	Projection    string          `json:"projection"`
	Position      events.Position `json:"position"`
	EventID       string          `json:"event_id"`
	StreamID      string          `json:"stream_id"`
	StreamVersion int64           `json:"stream_version"`
	Type          string          `json:"type"`
	Message       string          `json:"error"`
	FailedAt      time.Time       `json:"failed_at"`
	LastAttemptAt time.Time       `json:"last_attempt_at"`
	Attempts      int             `json:"attempts"`
}

func (f *Failure) Error() string {
	return fmt.Sprintf("event %d (%s, %s version %d, id %s) cannot be applied: %s", f.Position.GlobalPosition, f.Type,
		f.StreamID, f.StreamVersion, f.EventID, f.Message)
}

// maxFailureText bounds the error kept for an operator: enough to act on, never a
// copy of a huge payload.
const maxFailureText = 1000

func newFailure(name string, e events.Event, err error, now time.Time) Failure {
	msg := err.Error()
	var ee *EventError
	if errors.As(err, &ee) {
		msg = ee.Err.Error()
	}
	if len(msg) > maxFailureText {
		cut := maxFailureText
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return Failure{Projection: name, Position: e.Position(), EventID: e.ID.String(), StreamID: e.StreamID,
		StreamVersion: e.StreamVersion, Type: e.Type, Message: msg, FailedAt: now, LastAttemptAt: now, Attempts: 1}
}

// poisonous reports whether a failed batch may be failing because of one of its
// events, rather than because the database was out of reach or busy; only such
// failures are narrowed down to an event.
func poisonous(err error) bool {
	return !schema.Unavailable(err) && !schema.Busy(err) && !errors.Is(err, events.ErrUnavailable)
}

// saveFailure records f, keeping the first failure time of an earlier record of the
// same event.
func saveFailure(ctx context.Context, pool *pgxpool.Pool, f Failure) error {
	_, err := pool.Exec(ctx, `insert into projection_failures (name, transaction_id, position, event_id, stream_id,
			stream_version, event_type, error, failed_at, last_attempt_at, attempts)
		values ($1, $2::text::xid8, $3, $4, $5, $6, $7, $8, $9, $9, $10)
		on conflict (name) do update set error = excluded.error, last_attempt_at = excluded.last_attempt_at,
			attempts = case when projection_failures.event_id = excluded.event_id
				then projection_failures.attempts + 1 else excluded.attempts end,
			failed_at = case when projection_failures.event_id = excluded.event_id
				then projection_failures.failed_at else excluded.failed_at end,
			transaction_id = excluded.transaction_id, position = excluded.position, event_id = excluded.event_id,
			stream_id = excluded.stream_id, stream_version = excluded.stream_version, event_type = excluded.event_type`,
		f.Projection, strconv.FormatUint(f.Position.TransactionID, 10), f.Position.GlobalPosition, f.EventID, f.StreamID,
		f.StreamVersion, f.Type, f.Message, f.LastAttemptAt, f.Attempts)
	return err
}

func clearFailure(ctx context.Context, pool *pgxpool.Pool, name string) error {
	_, err := pool.Exec(ctx, `delete from projection_failures where name = $1`, name)
	return err
}

// Failures returns the recorded failures of the named projections, by name.
func Failures(ctx context.Context, pool *pgxpool.Pool, names []string) (map[string]Failure, error) {
	rows, err := pool.Query(ctx, `select name, transaction_id::text, position, event_id::text, stream_id, stream_version,
			event_type, error, failed_at, last_attempt_at, attempts
		from projection_failures where name = any($1)`, names)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Failure, error) {
		var f Failure
		var xid string
		err := row.Scan(&f.Projection, &xid, &f.Position.GlobalPosition, &f.EventID, &f.StreamID, &f.StreamVersion,
			&f.Type, &f.Message, &f.FailedAt, &f.LastAttemptAt, &f.Attempts)
		if err == nil {
			f.Position.TransactionID, err = strconv.ParseUint(xid, 10, 64)
		}
		return f, err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]Failure, len(list))
	for _, f := range list {
		out[f.Projection] = f
	}
	return out, nil
}

// recovery is one projection's way back from failing batches: a batch that fails for
// a reason other than the database is retried once as it was, then event by event up
// to where it ended, which either gets past a failure that has gone or stops at the
// event that fails. That event halts the projection until it applies.
type recovery struct {
	name      string
	batchSize int
	// failures counts consecutive failures of the batch at the checkpoint.
	failures int
	// narrowTo is where the failing batch ended: until the checkpoint passes it,
	// batches hold one event.
	narrowTo events.Position
	halted   *Failure
	backoff  time.Duration
}

// limit is the size of the next batch.
func (r *recovery) limit() int {
	if !r.narrowTo.IsZero() {
		return 1
	}
	return r.batchSize
}

// failed takes a batch's failure and says how long to wait before the next; halt is
// set when the projection just halted or stays halted.
func (r *recovery) failed(cfg *SubscriberConfig, err error, now time.Time) (wait time.Duration, halt *Failure) {
	var be *batchError
	if !errors.As(err, &be) || !poisonous(be.err) {
		r.failures = 0
		wait = r.backoff
		r.backoff = min(max(r.backoff*2, cfg.RetryBackoff), 5*time.Second)
		return wait, nil
	}
	r.failures++
	switch {
	case r.failures < 2:
		// Retry as it was once: most failures pass.
		return cfg.RetryBackoff, nil
	case be.size > 1:
		r.narrowTo, r.failures = be.last.Position(), 0
		return 0, nil
	}
	// A batch of one event failed twice: that is the event. Batches hold one event
	// until it applies.
	if r.narrowTo.IsZero() {
		r.narrowTo = be.first.Position()
	}
	f := newFailure(r.name, be.first, be.err, now)
	if r.halted != nil && r.halted.EventID == f.EventID {
		f.FailedAt, f.Attempts = r.halted.FailedAt, r.halted.Attempts+1
		r.backoff = min(r.backoff*2, cfg.HaltedRetry*8)
	} else {
		r.backoff = cfg.HaltedRetry
	}
	r.halted = &f
	return r.backoff, &f
}

// succeeded takes a committed batch that reached pos; resumed reports that the
// projection was halted and no longer is.
func (r *recovery) succeeded(cfg *SubscriberConfig, pos events.Position) (resumed bool) {
	r.failures, r.backoff = 0, cfg.RetryBackoff
	if !r.narrowTo.IsZero() && pos.Compare(r.narrowTo) >= 0 {
		r.narrowTo = events.Position{}
	}
	resumed = r.halted != nil
	r.halted = nil
	return resumed
}

// batchError is a failed batch with the events it held.
type batchError struct {
	first, last events.Event
	size        int
	err         error
}

func (e *batchError) Error() string { return e.err.Error() }
func (e *batchError) Unwrap() error { return e.err }
