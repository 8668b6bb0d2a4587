// Package evidence is the command side every module with attachments shares: the
// files a record holds as its stream tells them, and the decisions on attaching,
// handing out and re-checking one. The module decides who may see the record and
// whether it takes files at all; this package judges the file.
package evidence

import (
	"encoding/hex"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	evevidence "github.com/strata-grc/strata/events/evidence"
)

// Unverified is a file's integrity before anyone checked it.
const Unverified = "unverified"

// What found a verification's result.
const (
	DuringVerify   = "verify"
	DuringDownload = "download"
)

// MaxPerRecord is the most files one record holds. Every command on a record replays
// its stream, so the stream is kept to a size that replays in milliseconds.
const MaxPerRecord = 1000

// File is an attached file as its record's stream tells it.
type File struct {
	ID    int64
	Owner evevidence.Owner
	evevidence.File
	UploadedBy     int64
	UploadedByName string
	UploadedAt     time.Time
	Downloads      int
	// Integrity is Unverified, evevidence.Match or evevidence.Mismatch: the result of
	// the last check, made on request or by a download.
	Integrity      string
	LastVerifiedAt *time.Time
}

// Files are a stream's files by id. Evolve copies on write, so a state holding
// Files is never changed under whoever still holds it.
type Files map[int64]File

// Evolve applies a file event; ok is false for any other event.
func Evolve(fs Files, p events.Payload, e events.Event) (_ Files, ok bool) {
	switch x := p.(type) {
	case evevidence.EvidenceUploaded:
		return fs.with(File{ID: x.EvidenceID, Owner: x.Owner, File: x.File, UploadedBy: e.Metadata.ActorID,
			UploadedByName: e.Metadata.ActorName, UploadedAt: e.RecordedAt, Integrity: Unverified}), true
	case evevidence.EvidenceDownloaded:
		if f, ok := fs[x.EvidenceID]; ok {
			f.Downloads++
			return fs.with(f), true
		}
		return fs, true
	case evevidence.EvidenceVerified:
		if f, ok := fs[x.EvidenceID]; ok {
			at := e.RecordedAt
			f.Integrity, f.LastVerifiedAt = x.Result, &at
			return fs.with(f), true
		}
		return fs, true
	}
	return fs, false
}

func (fs Files) with(f File) Files {
	out := maps.Clone(fs)
	if out == nil {
		out = Files{}
	}
	out[f.ID] = f
	return out
}

// Count is how many files owner holds.
func (fs Files) Count(owner evevidence.Owner) int {
	n := 0
	for _, f := range fs {
		if f.Owner == owner {
			n++
		}
	}
	return n
}

var errNotFound = strata.Errorf(strata.NotFound, "evidence not found")

// Get returns a file of owner; NOT_FOUND for a file of another record.
func (fs Files) Get(owner evevidence.Owner, id int64) (File, error) {
	f, ok := fs[id]
	if !ok || f.Owner != owner {
		return File{}, errNotFound
	}
	return f, nil
}

// Attach decides attaching a stored file to owner under a new id.
func Attach(fs Files, owner evevidence.Owner, id int64, f evevidence.File) ([]events.Payload, error) {
	if fs.Count(owner) >= MaxPerRecord {
		return nil, strata.Errorf(strata.Invalid, "a %s may have at most %d files", owner.Kind, MaxPerRecord)
	}
	if _, ok := fs[id]; ok {
		return nil, strata.Errorf(strata.Conflict, "file %d already exists", id)
	}
	f.Description = strings.TrimSpace(f.Description)
	if err := described(f).Err(); err != nil {
		return nil, err
	}
	// The size and hash are the server's own measurements, never a client's: a
	// wrong one is a fault here, not a bad request.
	if f.Size < 0 || !IsSHA256(f.SHA256) {
		return nil, fmt.Errorf("evidence: file %d has size %d and hash %q", id, f.Size, f.SHA256)
	}
	return []events.Payload{evevidence.EvidenceUploaded{EvidenceID: id, Owner: owner, File: f}}, nil
}

func described(f evevidence.File) strata.FieldErrors {
	errs := strata.FieldErrors{}
	if p := text.Problem(f.FileName, text.FileName); f.FileName == "" {
		errs.Add("file", "name is required")
	} else if p != "" {
		errs.Add("file", "name "+p)
	}
	if p := text.Problem(f.ContentType, text.Name); p != "" {
		errs.Add("file", "content type "+p)
	}
	text.Check(errs, "description", strings.TrimSpace(f.Description), text.Description)
	return errs
}

// IsSHA256 reports whether s is a SHA-256 as the log keeps it: 64 lowercase hex digits.
func IsSHA256(s string) bool {
	_, err := hex.DecodeString(s)
	return len(s) == 64 && err == nil && strings.ToLower(s) == s
}

// Download decides handing a file of owner out, with the reason the downloader gave.
// A file whose last check found it altered is refused.
func Download(fs Files, owner evevidence.Owner, id int64, reason string) ([]events.Payload, error) {
	f, err := fs.Get(owner, id)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	errs := strata.FieldErrors{}
	text.Check(errs, "reason", reason, text.Title)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if f.Integrity == evevidence.Mismatch {
		return nil, strata.Errorf(strata.Conflict,
			"the stored file failed its last integrity check and is not handed out; verify it again once it is restored")
	}
	return []events.Payload{evevidence.EvidenceDownloaded{EvidenceID: id, Owner: owner, SHA256: f.SHA256, Reason: reason}}, nil
}

// Verification decides recording a file of owner read back and hashed: actual is
// the hash read ("" when the file was missing), result evevidence.Match or
// evevidence.Mismatch, during DuringVerify or DuringDownload.
func Verification(fs Files, owner evevidence.Owner, id int64, actual, result, during string) ([]events.Payload, error) {
	f, err := fs.Get(owner, id)
	if err != nil {
		return nil, err
	}
	// Like an upload's hash, a verification is the server's own finding.
	switch {
	case result != evevidence.Match && result != evevidence.Mismatch,
		during != DuringVerify && during != DuringDownload,
		actual != "" && !IsSHA256(actual),
		(result == evevidence.Match) != (actual == f.SHA256):
		return nil, fmt.Errorf("evidence: verification of file %d (hash %s) read %q, result %q during %q",
			id, f.SHA256, actual, result, during)
	}
	return []events.Payload{evevidence.EvidenceVerified{EvidenceID: id, Owner: owner, SHA256: f.SHA256,
		Actual: actual, Result: result, During: during}}, nil
}
