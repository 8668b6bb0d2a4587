package esdb

import (
	"testing"
	"time"

	es "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
)

// Read models keep PostgreSQL's microseconds; the server's created timestamp has 100 ns
// ticks. An event read from this store must carry the instant the read models show
// for it, or a client that asks ?as_of=<updated_at it was shown> gets the version
// before (ReadStream's AsOf filter drops the event), and a write's reply (replayed)
// shows another updated_at than the next GET (read model).
func TestRecordedAtMatchesReadModelPrecision(t *testing.T) {
	created := time.Date(2025, 3, 4, 5, 6, 7, 123456700, time.UTC) // a 100 ns tick
	md, _ := encodeMetadata(testMeta, 1, time.Time{})
	rec := &es.RecordedEvent{EventID: uuid.New(), EventType: "ControlUpdated", ContentType: "application/json",
		StreamID: "control-1", EventNumber: 1, Position: es.Position{Commit: 10, Prepare: 10}, CreatedDate: created,
		Data: []byte(`{}`), UserMetadata: md}
	e, err := toEvent("", rec)
	if err != nil {
		t.Fatal(err)
	}
	shown := e.RecordedAt.Truncate(time.Microsecond) // what timestamptz keeps and the API lists
	if !e.RecordedAt.Equal(shown) {
		t.Errorf("event recorded at %s, read models show %s", e.RecordedAt.Format(time.RFC3339Nano), shown.Format(time.RFC3339Nano))
	}
	if !visibleAsOf(e.RecordedAt, shown) {
		t.Errorf("as_of=%s (the updated_at a list shows) leaves out the event that set it", shown.Format(time.RFC3339Nano))
	}
}
