package commands

import (
	"context"
	"sync"
)

// lockTable queues, in this process, those who want the same key: commands on one
// stream, changes of one record's unique names. Waiting here costs no database
// connection, and a crowd of writers on one stream take their turns instead of
// colliding in the log and deciding again and again.
type lockTable struct {
	mu   sync.Mutex
	held map[string]*lockEntry
}

type lockEntry struct {
	slot chan struct{} // a token in the slot means held
	refs int
}

func newLockTable() *lockTable { return &lockTable{held: map[string]*lockEntry{}} }

// lock waits for key, or for ctx to end, and returns the function that lets go.
func (t *lockTable) lock(ctx context.Context, key string) (func(), error) {
	t.mu.Lock()
	e := t.held[key]
	if e == nil {
		e = &lockEntry{slot: make(chan struct{}, 1)}
		t.held[key] = e
	}
	e.refs++
	t.mu.Unlock()
	select {
	case e.slot <- struct{}{}:
		return func() { <-e.slot; t.drop(key, e) }, nil
	case <-ctx.Done():
		t.drop(key, e)
		return nil, ctx.Err()
	}
}

func (t *lockTable) drop(key string, e *lockEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e.refs--; e.refs == 0 {
		delete(t.held, key)
	}
}
