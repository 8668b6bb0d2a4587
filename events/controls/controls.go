// Package controls holds the Control Library events: frameworks with their
// requirements, and controls with their tests, effectiveness and mappings. Their
// names are stored in the log and never change.
package controls

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/strata-grc/strata/events"
)

// Stream prefixes keep the entity type readable in the log: framework-3, control-42.
const (
	FrameworkPrefix = "framework-"
	ControlPrefix   = "control-"
)

// FrameworkStream names the stream of one framework.
func FrameworkStream(id int64) string { return FrameworkPrefix + strconv.FormatInt(id, 10) }

// ControlStream names the stream of one control.
func ControlStream(id int64) string { return ControlPrefix + strconv.FormatInt(id, 10) }

// FrameworkCreated: a framework was defined by hand (source "api") or imported from a
// file (source "import", with the file's name when known).
type FrameworkCreated struct {
	FrameworkID int64  `json:"framework_id"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description"`
	Source      string `json:"source"`
	FileName    string `json:"file_name,omitempty"`
}

// Requirement is one obligation a framework sets.
type Requirement struct {
	Code        string `json:"code"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// RequirementAdded: a framework gained a requirement.
type RequirementAdded struct {
	FrameworkID   int64 `json:"framework_id"`
	RequirementID int64 `json:"requirement_id"`
	Requirement
}

// Fields are a control's editable fields except its status, which changes through its
// own event so status changes stand out in the trail.
type Fields struct {
	Code        string `json:"code"`
	Title       string `json:"title"`
	Description string `json:"description"`
	FrameworkID *int64 `json:"framework_id"`
	Type        string `json:"type"`
	Frequency   string `json:"frequency"`
	OwnerID     *int64 `json:"owner_id"`
}

// ControlCreated: a control was defined.
type ControlCreated struct {
	ControlID int64 `json:"control_id"`
	Fields
	Status string `json:"status"`
}

// ControlUpdated: some fields changed; Set holds the changed fields' new values,
// Previous the same fields as they were.
type ControlUpdated struct {
	ControlID int64           `json:"control_id"`
	Set       json.RawMessage `json:"set"`
	Previous  json.RawMessage `json:"previous"`
}

// ControlStatusChanged: the control moved between Draft, Active and Archived.
type ControlStatusChanged struct {
	ControlID int64  `json:"control_id"`
	From      string `json:"from"`
	To        string `json:"to"`
}

// ControlTestRecorded: someone tested the control. TestedAt is when the test was
// performed, which may be earlier than when it was recorded.
type ControlTestRecorded struct {
	ControlID int64     `json:"control_id"`
	TestID    int64     `json:"test_id"`
	TestedAt  time.Time `json:"tested_at"`
	Result    string    `json:"result"`
	Notes     string    `json:"notes"`
}

// ControlEffectivenessUpdated: the control's rating changed, by a person (TestID nil)
// or as the consequence of the test TestID.
type ControlEffectivenessUpdated struct {
	ControlID     int64  `json:"control_id"`
	Effectiveness string `json:"effectiveness"`
	Previous      string `json:"previous"`
	Notes         string `json:"notes"`
	TestID        *int64 `json:"test_id,omitempty"`
}

// ControlMappedToRequirement: the control now answers a framework's requirement.
type ControlMappedToRequirement struct {
	ControlID     int64 `json:"control_id"`
	RequirementID int64 `json:"requirement_id"`
	FrameworkID   int64 `json:"framework_id"`
}

// ControlUnmappedFromRequirement: the control no longer answers the requirement.
type ControlUnmappedFromRequirement struct {
	ControlID     int64 `json:"control_id"`
	RequirementID int64 `json:"requirement_id"`
	FrameworkID   int64 `json:"framework_id"`
}

func (FrameworkCreated) EventType() string               { return "FrameworkCreated" }
func (RequirementAdded) EventType() string               { return "RequirementAdded" }
func (ControlCreated) EventType() string                 { return "ControlCreated" }
func (ControlUpdated) EventType() string                 { return "ControlUpdated" }
func (ControlStatusChanged) EventType() string           { return "ControlStatusChanged" }
func (ControlTestRecorded) EventType() string            { return "ControlTestRecorded" }
func (ControlEffectivenessUpdated) EventType() string    { return "ControlEffectivenessUpdated" }
func (ControlMappedToRequirement) EventType() string     { return "ControlMappedToRequirement" }
func (ControlUnmappedFromRequirement) EventType() string { return "ControlUnmappedFromRequirement" }

// Register adds the module's events to r.
func Register(r *events.Registry) {
	events.Register[FrameworkCreated](r, 1)
	events.Register[RequirementAdded](r, 1)
	events.Register[ControlCreated](r, 1)
	events.Register[ControlUpdated](r, 1)
	events.Register[ControlStatusChanged](r, 1)
	events.Register[ControlTestRecorded](r, 1)
	events.Register[ControlEffectivenessUpdated](r, 1)
	events.Register[ControlMappedToRequirement](r, 1)
	events.Register[ControlUnmappedFromRequirement](r, 1)
}
