// Package evidence holds the file events every module with attachments shares: a file
// uploaded to a record, downloaded from it, or checked against its hash. Together
// they are the file's chain of custody. The file itself lives in the blob store; an
// event keeps its SHA-256, never its bytes. Their names are stored in the log and
// never change.
//
// The events are appended to the stream of the record the file is attached to (a
// case's, or an engagement's for workpapers and finding attachments), so an upload
// is ordered with the record's own changes and a record's rules (a closed case takes
// no evidence) hold under concurrency.
package evidence

import (
	"github.com/strata-grc/strata/events"
)

// Actions of the chain of custody, as the custody list names them.
const (
	ActionUploaded   = "uploaded"
	ActionDownloaded = "downloaded"
	ActionVerified   = "verified"
)

// Results of a verification.
const (
	// Match: the stored bytes hash to the recorded SHA-256.
	Match = "match"
	// Mismatch: they do not (the file was altered or damaged), or the file is gone.
	Mismatch = "mismatch"
)

// Owner is the record a file is attached to: kind "case", "procedure" or "finding",
// and its id.
type Owner struct {
	Kind string `json:"kind"`
	ID   int64  `json:"id"`
}

// File is what the log keeps of a file: its content address and what the uploader
// said it was.
type File struct {
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"` // lowercase hex
	Description string `json:"description"`
}

// EvidenceUploaded: a file was stored (durably, before this event) and attached to
// Owner. The actor, time, address and user agent are the event's metadata.
type EvidenceUploaded struct {
	EvidenceID int64 `json:"evidence_id"`
	Owner      Owner `json:"owner"`
	File
}

// EvidenceDownloaded: someone was handed the file, with the reason they gave.
// Recorded before the bytes go out, so a download the client abandons still counts.
type EvidenceDownloaded struct {
	EvidenceID int64  `json:"evidence_id"`
	Owner      Owner  `json:"owner"`
	SHA256     string `json:"sha256"`
	Reason     string `json:"reason,omitempty"`
}

// EvidenceVerified: the stored file was read back and hashed. Result is Match or
// Mismatch; Actual is the hash read (empty when the file was missing). A download
// whose bytes do not hash to the recorded value is also recorded as a verification,
// with Mismatch.
type EvidenceVerified struct {
	EvidenceID int64  `json:"evidence_id"`
	Owner      Owner  `json:"owner"`
	SHA256     string `json:"sha256"`
	Actual     string `json:"actual,omitempty"`
	Result     string `json:"result"`
	// During says what found it: "verify" (asked for) or "download".
	During string `json:"during"`
}

func (EvidenceUploaded) EventType() string   { return "EvidenceUploaded" }
func (EvidenceDownloaded) EventType() string { return "EvidenceDownloaded" }
func (EvidenceVerified) EventType() string   { return "EvidenceVerified" }

// Register adds the file events to r. The core registers them once for every module
// that attaches files.
func Register(r *events.Registry) {
	events.Register[EvidenceUploaded](r, 1)
	events.Register[EvidenceDownloaded](r, 1)
	events.Register[EvidenceVerified](r, 1)
}

// Known reports whether an event type is one of this package's.
func Known(eventType string) bool {
	switch eventType {
	case "EvidenceUploaded", "EvidenceDownloaded", "EvidenceVerified":
		return true
	}
	return false
}

// OwnerOf returns the record a file event is about; ok is false for other events.
func OwnerOf(p events.Payload) (o Owner, evidenceID int64, ok bool) {
	switch e := p.(type) {
	case EvidenceUploaded:
		return e.Owner, e.EvidenceID, true
	case EvidenceDownloaded:
		return e.Owner, e.EvidenceID, true
	case EvidenceVerified:
		return e.Owner, e.EvidenceID, true
	}
	return Owner{}, 0, false
}
