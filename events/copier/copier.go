package copier

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/strata-grc/strata/events"
)

// DefaultBatchSize is how many source events Copy reads at a time unless told.
const DefaultBatchSize = 1000

// Options tune a copy. The zero value copies the whole log into an empty target and
// verifies it, without a state file.
type Options struct {
	// BatchSize is how many events are read from the source at a time, and how often
	// the state file is written; zero means DefaultBatchSize.
	BatchSize int
	// State is the path of the state file that makes the copy resumable; empty means
	// none, and an interrupted copy starts over (correctly, only slower).
	State string
	// AllowNonEmpty lets the copy go into a target that already holds events other
	// than an earlier copy of this source, and makes the final verification accept
	// streams only the target holds.
	AllowNonEmpty bool
	// SkipVerify leaves out the verification that otherwise ends the copy.
	SkipVerify bool
	// Progress, when set, hears how the copy (and then the verification) goes, every
	// second and once at the end of each phase. It runs on a goroutine of its own and
	// may cancel the copy's context.
	Progress func(Progress)
}

// Report says what a copy did.
type Report struct {
	// Read counts the source events this run read (after ResumedFrom).
	Read int64
	// Copied counts events this run appended; AlreadyPresent those the target held.
	Copied         int64
	AlreadyPresent int64
	// ResumedFrom is the position the state file resumed after; zero for a copy from
	// the start.
	ResumedFrom events.Position
	// Restarted is true when the copy began at the start of a target that already
	// held the start of the source: an earlier copy without (or with a lost) state file.
	Restarted bool
	// Position is the source position up to which everything is in the target.
	Position events.Position
	// Elapsed is the time spent copying, not verifying.
	Elapsed time.Duration
	// Verify is the final verification; nil when skipped or not reached.
	Verify *VerifyReport
}

// ErrTargetNotEmpty is returned when the target holds events that are not an earlier
// copy of this source and Options.AllowNonEmpty is not set.
var ErrTargetNotEmpty = errors.New("copier: the target log is not empty")

// ErrStateMismatch is returned when the state file does not describe a copy between
// these two logs.
var ErrStateMismatch = errors.New("copier: the state file belongs to another copy")

// ErrDiverged matches every *ConflictError with errors.Is.
var ErrDiverged = errors.New("copier: the target holds different events")

// ConflictError stops a copy: the target stream holds, at Version, something other
// than the source's event, or lacks the versions before it. Copy never overwrites or
// skips, so a person has to look.
type ConflictError struct {
	StreamID string
	Version  int64
	Reason   string
	Err      error // the store's refusal, when there was one
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("copier: stream %s version %d: %s", e.StreamID, e.Version, e.Reason)
}

// Is makes errors.Is(err, ErrDiverged) true.
func (e *ConflictError) Is(target error) bool { return target == ErrDiverged }

// Unwrap returns the store's refusal.
func (e *ConflictError) Unwrap() error { return e.Err }

// Copy copies the log of from into to, in order, and then verifies the copy unless
// opts.SkipVerify; see the package documentation. A failed verification is a
// *MismatchError (errors.Is ErrMismatch) and the report's Verify lists the
// differences. The report is filled in as far as the copy got, also on error.
func Copy(ctx context.Context, from, to events.Store, opts Options) (Report, error) {
	var rep Report
	size := opts.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	var st State
	resumed := false
	if opts.State != "" {
		s, ok, err := loadState(opts.State)
		if err != nil {
			return rep, err
		}
		if ok {
			if err := checkResume(ctx, from, to, s); err != nil {
				return rep, fmt.Errorf("%s: %w", opts.State, err)
			}
			st, resumed, rep.ResumedFrom = s, true, s.Position
		}
	}
	if !resumed {
		restart, err := checkTarget(ctx, from, to, opts.AllowNonEmpty)
		if err != nil {
			return rep, err
		}
		rep.Restarted = restart
	}

	c := &copier{to: to, m: startMeter(PhaseCopy, opts.Progress)}
	c.m.update(func(p *Progress) { p.Position = st.Position })
	err := c.run(ctx, from, size, &st, opts.State)
	p := c.m.finish()
	rep.Read, rep.Copied, rep.AlreadyPresent, rep.Position, rep.Elapsed = p.Read, p.Copied, p.AlreadyPresent, p.Position, p.Elapsed
	if err != nil || opts.SkipVerify {
		return rep, err
	}

	m := startMeter(PhaseVerify, opts.Progress)
	vr, err := verify(ctx, from, to, m)
	m.finish()
	if err != nil {
		return rep, err
	}
	rep.Verify = &vr
	return rep, vr.Mismatch(opts.AllowNonEmpty)
}

// checkResume makes sure a state file describes a copy between these logs: the source
// holds the event it names at the position it names, and the target holds the event.
func checkResume(ctx context.Context, from, to events.Store, st State) error {
	ref := st.LastEvent
	if ref.StreamID == "" || ref.StreamVersion < 1 {
		return fmt.Errorf("%w: it names no last copied event", ErrStateMismatch)
	}
	for _, side := range []struct {
		name  string
		store events.Store
	}{{"source", from}, {"target", to}} {
		evs, err := side.store.ReadStream(ctx, ref.StreamID, events.ReadOptions{FromVersion: ref.StreamVersion, ToVersion: ref.StreamVersion})
		if err != nil {
			return fmt.Errorf("copier: check the state file against the %s: %w", side.name, err)
		}
		if len(evs) != 1 || evs[0].ID != ref.EventID {
			return fmt.Errorf("%w: the %s does not hold its last copied event %s (stream %s version %d); "+
				"delete the file to copy from the start", ErrStateMismatch, side.name, ref.EventID, ref.StreamID, ref.StreamVersion)
		}
		// Stream reads on ESDB servers before 22.6 carry no positions.
		if p := evs[0].Position(); side.name == "source" && !p.IsZero() && p != st.Position {
			return fmt.Errorf("%w: the source holds its last copied event at position %+v, not %+v", ErrStateMismatch, p, st.Position)
		}
	}
	return nil
}

// checkTarget refuses a target that holds events, unless its first event is the
// source's first (an earlier copy of this source restarted from the start, which
// the idempotent appends handle) or allowNonEmpty. restart reports the former.
func checkTarget(ctx context.Context, from, to events.Store, allowNonEmpty bool) (restart bool, err error) {
	if err := settle(ctx, to); err != nil {
		return false, err
	}
	head, err := to.ReadAll(ctx, events.Position{}, 1)
	if err != nil {
		return false, fmt.Errorf("copier: read the target: %w", err)
	}
	if len(head) == 0 {
		return false, nil
	}
	src, err := from.ReadAll(ctx, events.Position{}, 1)
	if err != nil {
		return false, fmt.Errorf("copier: read the source: %w", err)
	}
	if len(src) == 1 && src[0].ID == head[0].ID {
		return true, nil
	}
	if allowNonEmpty {
		return false, nil
	}
	return false, fmt.Errorf("%w: its first event is %s in stream %s, which is not the source's first event; "+
		"allow a non-empty target to copy into it anyway", ErrTargetNotEmpty, head[0].ID, head[0].StreamID)
}

type copier struct {
	to events.Store
	m  *meter
}

// run copies batch after batch from st.Position on, saving the state after each.
func (c *copier) run(ctx context.Context, from events.Store, size int, st *State, statePath string) error {
	pos := st.Position
	settled := false
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch, err := from.ReadAll(ctx, pos, size)
		if err != nil {
			return fmt.Errorf("copier: read the source after position %+v: %w", pos, err)
		}
		if len(batch) == 0 {
			// The end of what the source shows; make sure it shows everything.
			if settled {
				return nil
			}
			if err := settle(ctx, from); err != nil {
				return err
			}
			settled = true
			continue
		}
		settled = false
		last := batch[len(batch)-1]
		if last.Position().Compare(pos) <= 0 {
			// Reading on from here would copy the same batch forever.
			return fmt.Errorf("copier: the source log did not advance past position %+v", pos)
		}
		c.m.update(func(p *Progress) { p.Read += int64(len(batch)) })
		imported, err := c.importBatch(ctx, batch)
		if err != nil {
			return err
		}
		for i := 0; i < len(batch) && !imported; {
			j := i + 1
			for j < len(batch) && continues(batch[j-1], batch[j]) {
				j++
			}
			if err := c.appendRun(ctx, batch[i:j]); err != nil {
				return err
			}
			i = j
		}
		pos = last.Position()
		st.Position = pos
		st.LastEvent = EventRef{StreamID: last.StreamID, StreamVersion: last.StreamVersion, EventID: last.ID}
		st.Events += int64(len(batch))
		st.UpdatedAt = time.Now().UTC()
		if statePath != "" {
			if err := saveState(statePath, *st); err != nil {
				return err
			}
		}
		c.m.update(func(p *Progress) { p.Position = pos })
	}
}

// Importer is a target that can write a whole batch of copied events in one go, all or
// nothing (the PostgreSQL store). It reports false, having written nothing, when the
// batch does not simply extend what it holds; the copy then appends run by run.
type Importer interface {
	Import(ctx context.Context, evs []events.Event) (bool, error)
}

// importBatch writes the batch at once when the target can; false means it did not.
func (c *copier) importBatch(ctx context.Context, batch []events.Event) (bool, error) {
	imp, ok := c.to.(Importer)
	if !ok {
		return false, nil
	}
	done, err := imp.Import(ctx, batch)
	if err != nil {
		return false, fmt.Errorf("copier: import %d events into the target: %w", len(batch), err)
	}
	if done {
		c.count(len(batch), false)
	}
	return done, nil
}

// continues reports whether b can go into the same append as a: the next version of
// the same stream with the same metadata, since an append takes one Metadata.
func continues(a, b events.Event) bool {
	return b.StreamID == a.StreamID && b.StreamVersion == a.StreamVersion+1 && b.Metadata == a.Metadata
}

func (c *copier) count(n int, already bool) {
	c.m.update(func(p *Progress) {
		if already {
			p.AlreadyPresent += int64(n)
		} else {
			p.Copied += int64(n)
		}
	})
}

// appendRun appends consecutive events of one stream at their source versions.
func (c *copier) appendRun(ctx context.Context, run []events.Event) error {
	first, last := run[0], run[len(run)-1]
	evs := make([]events.NewEvent, len(run))
	for i, e := range run {
		evs[i] = events.NewEvent{ID: e.ID, Type: e.Type, SchemaVersion: e.SchemaVersion, Data: e.Data, RecordedAt: e.RecordedAt}
	}
	res, err := c.to.Append(ctx, first.StreamID, events.Exact(first.StreamVersion-1), first.Metadata, evs...)
	if err == nil {
		// A store that found the ids elsewhere in the stream reports them Idempotent
		// at their versions there.
		if res.FromVersion != first.StreamVersion || res.ToVersion != last.StreamVersion {
			return &ConflictError{StreamID: first.StreamID, Version: first.StreamVersion,
				Reason: fmt.Sprintf("the target holds the source's versions %d–%d as versions %d–%d",
					first.StreamVersion, last.StreamVersion, res.FromVersion, res.ToVersion)}
		}
		c.count(len(run), res.Idempotent)
		return nil
	}
	if !errors.Is(err, events.ErrConflict) {
		return fmt.Errorf("copier: append to stream %s versions %d–%d: %w", first.StreamID, first.StreamVersion, last.StreamVersion, err)
	}
	return c.reconcile(ctx, run, err)
}

// reconcile handles an append the target refused: it holds some of the run's versions
// already, typically because an interrupted copy cut its runs elsewhere. Events that
// match are already present and the rest are appended after them; anything else is a
// ConflictError.
func (c *copier) reconcile(ctx context.Context, run []events.Event, refusal error) error {
	first, last := run[0], run[len(run)-1]
	held, err := c.to.ReadStream(ctx, first.StreamID, events.ReadOptions{FromVersion: first.StreamVersion, ToVersion: last.StreamVersion})
	if err != nil {
		return fmt.Errorf("copier: read target stream %s: %w", first.StreamID, err)
	}
	n := 0
	for ; n < len(held) && n < len(run); n++ {
		src, dst := run[n], held[n]
		if dst.StreamVersion != src.StreamVersion {
			return &ConflictError{StreamID: src.StreamID, Version: src.StreamVersion, Err: refusal,
				Reason: "the target stream has no event at this version but holds later ones"}
		}
		same, err := sameEvent(src, dst)
		if err != nil {
			return fmt.Errorf("copier: stream %s version %d: %w", src.StreamID, src.StreamVersion, err)
		}
		if !same {
			return &ConflictError{StreamID: src.StreamID, Version: src.StreamVersion, Err: refusal, Reason: difference(src, dst)}
		}
	}
	if n == 0 {
		reason := fmt.Sprintf("the target refused the event (%v)", refusal)
		var ce *events.ConflictError
		switch {
		case !errors.As(refusal, &ce):
		case ce.Actual < first.StreamVersion-1:
			reason = fmt.Sprintf("the target stream ends at version %d, so it lacks the versions before this one", ce.Actual)
		case ce.Actual == first.StreamVersion-1:
			// PostgreSQL refuses an event id that another stream holds (its index
			// is on the id alone) and reports it as a conflict.
			reason = "the target stream is at the version before this one but refused the event: " +
				"another stream of the target may hold one of its event ids"
		}
		return &ConflictError{StreamID: first.StreamID, Version: first.StreamVersion, Err: refusal, Reason: reason}
	}
	c.count(n, true)
	if n == len(run) {
		return nil
	}
	return c.appendRun(ctx, run[n:])
}

// difference says how the target's event at a version differs from the source's.
func difference(src, dst events.Event) string {
	if src.ID != dst.ID {
		return fmt.Sprintf("the target holds event %s (%s) there, the source event %s (%s)", dst.ID, dst.Type, src.ID, src.Type)
	}
	var fields []string
	if src.Type != dst.Type {
		fields = append(fields, "type")
	}
	if src.SchemaVersion != dst.SchemaVersion {
		fields = append(fields, "schema version")
	}
	a, _ := CanonicalJSON(src.Data)
	b, _ := CanonicalJSON(dst.Data)
	if string(a) != string(b) {
		fields = append(fields, "data")
	}
	if src.Metadata != dst.Metadata {
		fields = append(fields, "metadata")
	}
	if recordedMicros(src.RecordedAt) != recordedMicros(dst.RecordedAt) {
		fields = append(fields, "recording time")
	}
	return fmt.Sprintf("the target's event %s differs from the source's in its %s", src.ID, strings.Join(fields, ", "))
}
