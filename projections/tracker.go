package projections

import (
	"context"
	"sync"

	"github.com/strata-grc/strata/events"
)

// Tracker knows the checkpoint each projection in this process has committed, so a
// read can wait until the projections it reads have caught up with a write.
type Tracker struct {
	mu      sync.Mutex
	pos     map[string]events.Position
	halted  map[string]bool
	changed chan struct{}
}

// NewTracker returns an empty tracker.
func NewTracker() *Tracker {
	return &Tracker{pos: map[string]events.Position{}, halted: map[string]bool{}, changed: make(chan struct{})}
}

// SetHalted records whether a projection is halted on an event it cannot apply: a
// wait for it ends at once instead of running out its time.
func (t *Tracker) SetHalted(name string, halted bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.halted[name] == halted {
		return
	}
	t.halted[name] = halted
	close(t.changed)
	t.changed = make(chan struct{})
}

// Halted reports whether a projection is halted.
func (t *Tracker) Halted(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.halted[name]
}

// Set records that a projection reached pos. Positions only move forward here: a
// late report of an older batch does not undo a newer one.
func (t *Tracker) Set(name string, pos events.Position) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur, ok := t.pos[name]; ok && pos.Compare(cur) <= 0 {
		return
	}
	t.pos[name] = pos
	close(t.changed)
	t.changed = make(chan struct{})
}

// Changed returns a channel closed the next time any projection moves or halts:
// what a live view waits on before it reads again.
func (t *Tracker) Changed() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.changed
}

// Position is what a projection has reached.
func (t *Tracker) Position(name string) events.Position {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pos[name]
}

// Reached reports whether every named projection is at or past target.
func (t *Tracker) Reached(names []string, target events.Position) bool {
	ok, _, _ := t.check(names, target)
	return ok
}

// check reports whether every named projection reached target, and whether one that
// did not is halted (so waiting is pointless).
func (t *Tracker) check(names []string, target events.Position) (ok, stuck bool, changed <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ok = true
	for _, n := range names {
		if t.pos[n].Compare(target) < 0 {
			ok = false
			stuck = stuck || t.halted[n]
		}
	}
	return ok, stuck, t.changed
}

// Wait blocks until every named projection reached target or ctx ends; it reports
// whether they caught up. It returns false at once when one of them is halted short
// of target.
func (t *Tracker) Wait(ctx context.Context, names []string, target events.Position) bool {
	for {
		ok, stuck, changed := t.check(names, target)
		if ok {
			return true
		}
		if stuck {
			return false
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
}
