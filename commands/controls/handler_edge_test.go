package controls

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/schema/testdb"
)

// barrierStore holds appends to one stream until n of them have been asked for, so n
// commands are all decided on the same version before any of them appends.
type barrierStore struct {
	events.Store
	stream string
	mu     sync.Mutex
	n      int
	ready  chan struct{}
}

func (s *barrierStore) Append(ctx context.Context, streamID string, expected events.ExpectedVersion, meta events.Metadata, evs ...events.NewEvent) (events.AppendResult, error) {
	if streamID == s.stream {
		s.mu.Lock()
		s.n--
		if s.n == 0 {
			close(s.ready)
		}
		s.mu.Unlock()
		select {
		case <-s.ready:
		case <-time.After(5 * time.Second):
		}
	}
	return s.Store.Append(ctx, streamID, expected, meta, evs...)
}

// The same rename sent twice with the same If-Match (a double-clicked Save): one wins,
// the other is a stale-version 409. The loser reserved the new code too (Reserve
// succeeds for the owner that already holds it) and on failure releases it, taking
// the winner's reservation away: the control now has code B, but B is free, and a
// second control can be created with the same code.
func TestDoubleSubmittedRenameKeepsTheCodeReserved(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	reg := events.NewRegistry()
	ev.Register(reg)
	pg := postgres.New(db.Pool)
	plain, err := NewHandler(db.Pool, pg, reg, commands.NewSequences(db.Pool), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id := mustCreate(t, plain, 1, control("A-1"))

	bs := &barrierStore{Store: pg, stream: ev.ControlStream(id), n: 2, ready: make(chan struct{})}
	h, err := NewHandler(db.Pool, bs, reg, commands.NewSequences(db.Pool), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	version := int64(1)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = h.UpdateControl(ctx, orgMeta(1), id, &version, patch(`{"code": "B-1"}`))
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case strata.ErrorCode(err) != strata.Conflict:
			t.Fatalf("a rename failed with %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d renames won: %v", wins, errs)
	}
	agg, _, err := plain.Controls().Load(ctx, id, events.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if agg.State.Code != "B-1" {
		t.Fatalf("control's code is %s", agg.State.Code)
	}
	holder, err := plain.keys.Holder(ctx, controlCodeKey, 1, strings.ToLower("B-1"))
	if err != nil {
		t.Fatal(err)
	}
	if holder != id {
		t.Errorf("code B-1 of control %d is held by %d", id, holder)
	}
	if res, err := plain.CreateControl(ctx, orgMeta(1), control("b-1"), ""); err == nil {
		t.Errorf("a second control %d was created with the code of control %d", res.ID, id)
	}
}
