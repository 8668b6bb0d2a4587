package projections

import (
	"context"
	"sync"
	"time"

	"github.com/strata-grc/strata/events"
)

// tail is where the readable end of the log stands, watched by one goroutine for all
// the projections of a subscriber. Each append wakes every projection, and under
// load its events are not readable yet (an older transaction, often another
// projection's batch, holds them back), so each projection used to look for them
// itself, a checkpoint read and a log read at every settle step: with 32 writers
// those looks were more than half of all the statements the server sent. Now one
// goroutine looks, and a projection goes to the database only once the readable end
// is past its checkpoint.
type tail struct {
	reader events.HeadReader

	mu    sync.Mutex
	head  events.Position
	moved chan struct{} // closed when head moves on

	// ended hears that a projection's batch transaction ended here. An open batch
	// holds back every event appended after it began, so its end is the likeliest
	// moment for the readable end to move; without it the watcher found out at its
	// next settle step, up to 50 ms later.
	ended chan struct{}

	// waiting counts the projections in awaitTail. With none waiting the watcher does
	// not read: projections that are all applying full batches (a catch-up, a
	// rebuild) do not need the end, and its reads after every batch were two
	// thousand statements competing with a million-event rebuild for the database.
	waiting int
	wanted  chan struct{} // told when the first projection starts waiting
}

func newTail(r events.HeadReader) *tail {
	return &tail{reader: r, moved: make(chan struct{}), ended: make(chan struct{}, 1), wanted: make(chan struct{}, 1)}
}

// wait registers a projection waiting for the end to move; the function it returns
// ends the wait.
func (t *tail) wait() (done func()) {
	t.mu.Lock()
	t.waiting++
	if t.waiting == 1 {
		select {
		case t.wanted <- struct{}{}:
		default:
		}
	}
	t.mu.Unlock()
	return func() {
		t.mu.Lock()
		t.waiting--
		t.mu.Unlock()
	}
}

// idle says no projection waits for the end.
func (t *tail) idle() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.waiting == 0
}

// batchEnded tells the watcher that a batch transaction committed or rolled back.
func (t *tail) batchEnded() {
	select {
	case t.ended <- struct{}{}:
	default: // one is already due
	}
}

// now returns the readable end as last read, and a channel closed when it moves.
func (t *tail) now() (events.Position, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.head, t.moved
}

// advance records a read of the readable end; true when it moved on.
func (t *tail) advance(p events.Position) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p.Compare(t.head) <= 0 {
		return false
	}
	t.head = p
	close(t.moved)
	t.moved = make(chan struct{})
	return true
}

// probeGap is the least time between two reads of the readable end. Under a steady
// stream of appends every read is woken at once; the gap turns what would be a read
// per append into at most one per gap, for a few milliseconds of delay.
const probeGap = 2 * time.Millisecond

// watch reads the readable end after every wake-up, with the same settle steps and
// polls a projection used, until the subscriber closes; while no projection waits it
// sleeps until one does. A failed read is not reported: the projections then fall
// back on their own polls, which report errors.
func (s *Subscriber) watch(t *tail) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.closing
		cancel()
	}()
	// Starting counts as activity: the projections' first reads may find nothing
	// because a transaction open elsewhere holds committed events back, and no append
	// or batch of this process will say when it ends.
	quiet, active := 0, time.Now()
	var last time.Time
	for {
		var wake <-chan struct{}
		if s.cfg.Wakeup != nil {
			wake = s.cfg.Wakeup()
		}
		if t.idle() {
			select {
			case <-t.wanted:
			case <-ctx.Done():
				return
			}
		}
		if gap := probeGap - time.Since(last); gap > 0 && !s.sleep(ctx, gap, nil) {
			return
		}
		last = time.Now()
		if head, err := t.reader.VisibleHead(ctx); err == nil && t.advance(head) {
			quiet, active = 0, time.Now()
		}
		timer := time.NewTimer(s.nextLook(&quiet, active))
		select {
		case <-timer.C:
		case <-wake:
			quiet, active = 0, time.Now()
		case <-t.ended:
			quiet, active = 0, time.Now()
		case <-ctx.Done():
			timer.Stop()
			return
		}
		timer.Stop()
	}
}

// awaitTail waits until the readable end is past floor, or IdlePoll passes. ahead
// says the end is past floor, so there is something to read; after IdlePoll the
// projection looks for itself, which finds a checkpoint that a rebuild or a reset
// moved back. ok is false when stopping.
func (s *Subscriber) awaitTail(ctx context.Context, t *tail, floor events.Position) (ahead, ok bool) {
	timer := time.NewTimer(s.cfg.IdlePoll)
	defer timer.Stop()
	defer t.wait()()
	for {
		head, moved := t.now()
		if head.Compare(floor) > 0 {
			return true, true
		}
		select {
		case <-moved:
		case <-timer.C:
			return false, true
		case <-ctx.Done():
			return false, false
		case <-s.closing:
			return false, false
		}
	}
}
