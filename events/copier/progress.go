package copier

import (
	"sync"
	"time"

	"github.com/strata-grc/strata/events"
)

// The phases a Progress reports on.
const (
	PhaseCopy   = "copy"
	PhaseVerify = "verify"
)

// Progress is a snapshot of a running copy or verification.
type Progress struct {
	Phase string // PhaseCopy or PhaseVerify
	// Read counts events read: from the source while copying, from both logs while
	// verifying.
	Read int64
	// Copied counts events appended to the target, AlreadyPresent those it already held.
	Copied         int64
	AlreadyPresent int64
	// Position is the source position up to which everything is copied (copy only).
	Position events.Position
	// Rate is events per second since the phase began: copied plus already present
	// while copying, read while verifying.
	Rate    float64
	Elapsed time.Duration
	// Done marks the last call of the phase, made also when the phase failed.
	Done bool
}

// meter counts for a phase and reports through fn every second from a goroutine of
// its own, so a caller hears from a copy stuck in a slow append too, and once more at
// finish. Calls never overlap: only the ticking goroutine calls fn until finish has
// stopped it.
type meter struct {
	fn    func(Progress)
	start time.Time

	mu sync.Mutex
	p  Progress

	stop chan struct{}
	done chan struct{}
}

func startMeter(phase string, fn func(Progress)) *meter {
	m := &meter{fn: fn, start: time.Now(), p: Progress{Phase: phase}, stop: make(chan struct{}), done: make(chan struct{})}
	go m.tick()
	return m
}

func (m *meter) tick() {
	defer close(m.done)
	if m.fn == nil {
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.fn(m.snapshot())
		}
	}
}

// update changes the counters under the lock.
func (m *meter) update(f func(p *Progress)) {
	m.mu.Lock()
	f(&m.p)
	m.mu.Unlock()
}

func (m *meter) snapshot() Progress {
	m.mu.Lock()
	p := m.p
	m.mu.Unlock()
	p.Elapsed = time.Since(m.start)
	n := p.Read
	if p.Phase == PhaseCopy {
		n = p.Copied + p.AlreadyPresent
	}
	p.Rate = float64(n) / max(p.Elapsed.Seconds(), 1e-9)
	return p
}

// finish stops the ticking, makes the last call and returns what it reported.
func (m *meter) finish() Progress {
	close(m.stop)
	<-m.done
	p := m.snapshot()
	p.Done = true
	if m.fn != nil {
		m.fn(p)
	}
	return p
}
