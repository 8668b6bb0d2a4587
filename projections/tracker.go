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
	changed chan struct{}
}

// NewTracker returns an empty tracker.
func NewTracker() *Tracker {
	return &Tracker{pos: map[string]events.Position{}, changed: make(chan struct{})}
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

// Position is what a projection has reached.
func (t *Tracker) Position(name string) events.Position {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pos[name]
}

// Reached reports whether every named projection is at or past target.
func (t *Tracker) Reached(names []string, target events.Position) bool {
	ok, _ := t.check(names, target)
	return ok
}

func (t *Tracker) check(names []string, target events.Position) (bool, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range names {
		if t.pos[n].Compare(target) < 0 {
			return false, t.changed
		}
	}
	return true, nil
}

// Wait blocks until every named projection reached target or ctx ends; it reports
// whether they caught up.
func (t *Tracker) Wait(ctx context.Context, names []string, target events.Position) bool {
	for {
		ok, changed := t.check(names, target)
		if ok {
			return true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
}
