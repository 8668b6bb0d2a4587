package identity

// HoldHashing takes every turn to compute a password hash, so a test can see callers
// wait for one; release gives them back.
func HoldHashing(h *Handler) (release func()) {
	for range cap(h.hashing) {
		h.hashing <- struct{}{}
	}
	return func() {
		for range cap(h.hashing) {
			<-h.hashing
		}
	}
}
