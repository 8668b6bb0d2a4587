package copier

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/events"
)

// StateFormat names the layout of a state file, so a future layout is refused rather
// than misread.
const StateFormat = "strata-events-copy/1"

// State is the content of Options.State, as JSON:
//
//	{
//	  "format": "strata-events-copy/1",
//	  "position": {"transaction_id": 812, "global_position": 3000},
//	  "last_event": {"stream_id": "risk-17", "stream_version": 9,
//	                 "event_id": "0190f6c2-…"},
//	  "events": 3000,
//	  "updated_at": "2025-03-01T10:00:00Z"
//	}
//
// Position is the source position of the last event of the last batch whose appends
// all succeeded: a resumed copy reads after it. LastEvent names that event, so a
// resume can check that both logs hold it. Events counts the source events up to
// Position over all runs of the copy.
type State struct {
	Format    string          `json:"format"`
	Position  events.Position `json:"position"`
	LastEvent EventRef        `json:"last_event"`
	Events    int64           `json:"events"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// EventRef names one event of a log.
type EventRef struct {
	StreamID      string    `json:"stream_id"`
	StreamVersion int64     `json:"stream_version"`
	EventID       uuid.UUID `json:"event_id"`
}

// loadState reads a state file; ok is false when there is none yet.
func loadState(path string) (st State, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, false, nil
	}
	if err != nil {
		return State{}, false, fmt.Errorf("state file: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, false, fmt.Errorf("state file %s: %w", path, err)
	}
	if st.Format != StateFormat {
		return State{}, false, fmt.Errorf("state file %s has format %q, want %q", path, st.Format, StateFormat)
	}
	return st, !st.Position.IsZero(), nil
}

// saveState replaces the state file atomically: the new content goes to a temporary
// file in the same directory, reaches the disk, and is renamed over the old one, so
// an interruption at any point leaves one complete state or the other. Without the
// sync, a crash soon after the rename could leave an empty file on some filesystems.
func saveState(path string, st State) error {
	st.Format = StateFormat
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("state file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("state file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	// The rename is durable once the directory is; not every platform can sync one.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
