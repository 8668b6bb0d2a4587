package postgres

import "context"

// HoldGroups makes the store behave as if an append were being written, so that the
// appends made meanwhile queue; the returned function ends the hold, which writes them
// as groups.
func (s *Store) HoldGroups() (release func()) {
	if _, waited, _ := s.join(context.Background(), &pending{}); waited {
		panic("HoldGroups: an append is already in flight")
	}
	return s.release
}

// Waiting reports how many appends are queued for a group.
func (s *Store) Waiting() int {
	s.groups.mu.Lock()
	defer s.groups.mu.Unlock()
	return len(s.groups.queue)
}
