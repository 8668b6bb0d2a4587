// Package projections turns the event log into PostgreSQL read models. Each projector
// is a watermill handler fed by Subscriber; it writes through the transaction that
// also moves its checkpoint, so a batch lands completely or not at all.
package projections

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/strata-grc/strata/events"
)

// Projector builds one read model.
type Projector interface {
	// Name is the projector's durable identity: its checkpoint is stored under it, so
	// renaming a projector replays the whole log.
	Name() string
	// Tables lists the read-model tables the projector owns; a rebuild recreates them.
	Tables() []string
	// Handle applies one event. Writes go through w and land with the checkpoint.
	Handle(ctx context.Context, w *Writer, e events.Event) error
}

// Preparer is a projector that can do part of a batch's work, decoding say, before
// the batch is handled. A rebuild prepares each batch on the goroutine that read it,
// while the batch before it is being written, so that work leaves the path every
// batch waits on. Prepare runs while Handle is busy with an earlier batch: it may
// change only the events it is given.
type Preparer interface {
	Prepare(evs []events.Event)
}

// Writer queues a projector's statements on the batch's transaction and sends them in
// one round trip when the batch ends. SQL names tables in braces, {risks}, so the same
// projector can write into a rebuild's fresh tables.
type Writer struct {
	tx     pgx.Tx
	suffix string
	batch  *pgx.Batch
	sqls   map[string]string
	// held is work projectors keep back within the batch (Hold), in the order it was
	// begun; it is queued before anything is sent.
	held []heldWork
	// events are the batch's events, when a subscriber made the writer.
	events []events.Event
}

// Held is work a projector keeps back while a batch's events arrive, so that many
// events become one statement: a run of creations one multi-row insert, say. Queue
// adds its statements to the writer.
type Held interface {
	Queue(w *Writer)
}

type heldWork struct {
	key  any
	work Held
}

// NewWriter writes through tx into tables named with suffix appended.
func NewWriter(tx pgx.Tx, suffix string) *Writer {
	return &Writer{tx: tx, suffix: suffix, batch: &pgx.Batch{}, sqls: map[string]string{}}
}

// Events returns every event of the batch the writer belongs to, in the order they
// are handled, for a projector that gets ready for many of them at once (reading what
// it needs for all with one query). A writer made outside a subscriber has none.
func (w *Writer) Events() []events.Event { return w.events }

// Exec queues a statement.
func (w *Writer) Exec(sql string, args ...any) {
	w.batch.Queue(w.expand(sql), args...)
}

// Hold returns the work held under key in this batch, made by mk when there is none.
// A projector that holds work must Release it before queuing a statement that has to
// follow it; whatever is still held is queued, in the order it was begun, before the
// writer sends anything.
func (w *Writer) Hold(key any, mk func() Held) Held {
	for _, h := range w.held {
		if h.key == key {
			return h.work
		}
	}
	work := mk()
	w.held = append(w.held, heldWork{key: key, work: work})
	return work
}

// Release queues the work held under key now, if any, and forgets it.
func (w *Writer) Release(key any) {
	for i, h := range w.held {
		if h.key == key {
			w.held = append(w.held[:i], w.held[i+1:]...)
			h.work.Queue(w)
			return
		}
	}
}

// releaseAll queues every piece of held work, in the order it was begun.
func (w *Writer) releaseAll() {
	held := w.held
	w.held = nil
	for _, h := range held {
		h.work.Queue(w)
	}
}

// Query flushes what is queued and then runs a query, for the rare projector that
// must read its own read model.
func (w *Writer) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := w.Flush(ctx); err != nil {
		return nil, err
	}
	return w.tx.Query(ctx, w.expand(sql), args...)
}

// Take hands over the statements queued and not yet sent, leaving none queued, for a
// caller that sends them itself within the same transaction: the replay sends them
// behind its next read of the log, in one round trip.
func (w *Writer) Take() *pgx.Batch {
	w.releaseAll()
	b := w.batch
	w.batch = &pgx.Batch{}
	return b
}

// Flush sends the queued statements.
func (w *Writer) Flush(ctx context.Context) error {
	w.releaseAll()
	if w.batch.Len() == 0 {
		return nil
	}
	err := w.tx.SendBatch(ctx, w.batch).Close()
	w.batch = &pgx.Batch{}
	return err
}

func (w *Writer) expand(sql string) string {
	if s, ok := w.sqls[sql]; ok {
		return s
	}
	var b strings.Builder
	rest := sql
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			b.WriteString(rest)
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			b.WriteString(rest)
			break
		}
		name := rest[open+1 : open+end]
		b.WriteString(rest[:open])
		if isTableName(name) {
			b.WriteString(pgx.Identifier{name + w.suffix}.Sanitize())
		} else { // an array or JSON literal such as '{}' stays as written
			b.WriteString(rest[open : open+end+1])
		}
		rest = rest[open+end+1:]
	}
	w.sqls[sql] = b.String()
	return w.sqls[sql]
}

type writerKey struct{}
type eventsKey struct{}

// failureKey holds where a handler leaves its error for the subscriber, which hears
// of a failed message only through its nack.
type failureKey struct{}

// WriterFrom returns the writer of the batch a message belongs to.
func WriterFrom(ctx context.Context) (*Writer, error) {
	w, ok := ctx.Value(writerKey{}).(*Writer)
	if !ok {
		return nil, errors.New("projections: message carries no writer; it did not come from a projections.Subscriber")
	}
	return w, nil
}

// EventsFrom returns the recorded events a message carries: one batch, in order.
func EventsFrom(ctx context.Context) ([]events.Event, error) {
	evs, ok := ctx.Value(eventsKey{}).([]events.Event)
	if !ok {
		return nil, errors.New("projections: message carries no events")
	}
	return evs, nil
}

func isTableName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
