// Package evidence serves the files attached to records of any module (a case's
// evidence, a procedure's workpapers, a finding's attachments): the streaming upload,
// the download checked against its hash, the re-check, the chain of custody and its
// export. A module says how its record takes files through a Keeper; the bytes go to
// the blob store and never through the event log.
package evidence

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/blobs"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	evevidence "github.com/strata-grc/strata/events/evidence"
	qevidence "github.com/strata-grc/strata/queries/evidence"
)

// Held is one of a record's files as the record's stream tells it.
type Held struct {
	File      evevidence.File
	Integrity string
}

// Keeper is how one record, as one caller sees it, takes and hands out files. A
// module makes one per request for the record its path names; every method answers
// NOT_FOUND when the caller may not see the record, and Held answers NOT_FOUND for a
// file the record does not have.
type Keeper interface {
	// Owner is the record as file events name it.
	Owner() evevidence.Owner
	// CanAttach refuses, before a byte is stored, an upload the record would refuse.
	CanAttach(ctx context.Context) error
	// Attach appends the upload of a stored file; the result's ID is the file's.
	Attach(ctx context.Context, meta events.Metadata, f evevidence.File) (commands.Result, error)
	Held(ctx context.Context, evidenceID int64) (Held, error)
	RecordDownload(ctx context.Context, meta events.Metadata, evidenceID int64, reason string) (commands.Result, error)
	RecordVerification(ctx context.Context, meta events.Metadata, evidenceID int64, actual, result, during string) (commands.Result, error)
}

// Files serves files over one blob store and the custody read model.
type Files struct {
	Store  blobs.Store
	Reader *qevidence.Reader
	// MaxUpload caps one file, in bytes.
	MaxUpload int64
}

// maxContentType bounds the media type an upload declares.
const maxContentType = 255

// Upload receives a multipart form with a `file` part and an optional
// `description`, streams the file into the blob store (hashing it on the way, never
// holding it whole) and then appends its upload to the record. A file over the limit
// is a 413 and leaves nothing stored; a blob stored for an append that then fails is
// left for `strata blobs gc`.
func (f *Files) Upload(c *gin.Context, k Keeper) {
	ctx := c.Request.Context()
	if err := k.CanAttach(ctx); err != nil {
		rest.Fail(c, err)
		return
	}
	file, err := f.receive(c)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	meta := rest.Metadata(c)
	res, err := k.Attach(ctx, meta, file)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.WrotePosition(c, res)
	owner := k.Owner()
	// Locations name the /api form of a route, whichever prefix the request used.
	c.Header("Location", "/api"+strings.TrimPrefix(strings.TrimPrefix(c.Request.URL.Path, "/api"), "/v1")+"/"+strconv.FormatInt(res.ID, 10))
	rest.OK(c, http.StatusCreated, qevidence.Evidence{
		ID: res.ID, CaseID: caseOf(owner), OwnerKind: owner.Kind, OwnerID: owner.ID,
		FileName: file.FileName, ContentType: file.ContentType, Size: file.Size, SHA256: file.SHA256,
		Description: file.Description, UploadedBy: meta.ActorID, UploadedByName: meta.ActorName,
		UploadedAt: res.RecordedAt.UTC(), Integrity: "unverified",
	})
}

func caseOf(o evevidence.Owner) *int64 {
	if o.Kind != "case" {
		return nil
	}
	id := o.ID
	return &id
}

// receive reads the form part by part: the file goes straight to the store, the
// description may come before or after it.
func (f *Files) receive(c *gin.Context) (evevidence.File, error) {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return evevidence.File{}, rest.FieldErr("file", "send the file as multipart/form-data with a part named file")
	}
	var file evevidence.File
	stored := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return evevidence.File{}, bodyError(err, "the multipart form is malformed")
		}
		switch part.FormName() {
		case "file":
			if stored {
				return evevidence.File{}, rest.FieldErr("file", "send one file per upload")
			}
			if file.FileName, err = fileName(part.FileName()); err != nil {
				return evevidence.File{}, err
			}
			file.ContentType = contentType(part.Header.Get("Content-Type"))
			blob, err := f.Store.Put(c.Request.Context(), part, f.MaxUpload)
			if err != nil {
				return evevidence.File{}, storeError(err, f.MaxUpload)
			}
			file.SHA256, file.Size, stored = blob.SHA256, blob.Size, true
		case "description":
			raw, err := io.ReadAll(io.LimitReader(part, int64(text.Description.Max())*4+1))
			if err != nil {
				return evevidence.File{}, bodyError(err, "the description could not be read")
			}
			errs := strata.FieldErrors{}
			text.Check(errs, "description", string(raw), text.Description)
			if err := errs.Err(); err != nil {
				return evevidence.File{}, err
			}
			file.Description = string(raw)
		default:
			// Other fields a browser form may add are read past, unused.
			if _, err := io.Copy(io.Discard, io.LimitReader(part, 1<<20)); err != nil {
				return evevidence.File{}, bodyError(err, "the multipart form is malformed")
			}
		}
	}
	if !stored {
		return evevidence.File{}, rest.FieldErr("file", "is required")
	}
	return file, nil
}

// bodyError tells a body over the route's limit (413) from a malformed one (400).
func bodyError(err error, malformed string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return strata.Errorf(strata.PayloadTooLarge, "the upload is larger than %d bytes", tooBig.Limit)
	}
	// Reading a body involves no database: an early end is the client's, unless the
	// request itself ran out of time or was given up.
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return rest.FieldErr("file", malformed)
}

func storeError(err error, limit int64) error {
	if errors.Is(err, blobs.ErrTooLarge) {
		return strata.Errorf(strata.PayloadTooLarge, "the file is larger than the upload limit of %d bytes", limit)
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return strata.Errorf(strata.PayloadTooLarge, "the file is larger than the upload limit of %d bytes", limit)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, multipart.ErrMessageTooLarge) {
		return rest.FieldErr("file", "the upload ended before the file did")
	}
	return err
}

// fileName keeps the last element of the name a browser sends, which is all a
// download needs, and refuses names no file system would take.
func fileName(raw string) (string, error) {
	name := path.Base(strings.ReplaceAll(raw, `\`, "/"))
	if raw == "" || name == "." || name == "/" || name == ".." {
		return "", rest.FieldErr("file", "needs a file name")
	}
	if problem := text.Problem(name, text.FileName); problem != "" {
		return "", rest.FieldErr("file", "its name "+problem)
	}
	return name, nil
}

// contentType keeps what the client declared when it is a well-formed media type;
// anything else is stored as plain bytes.
func contentType(raw string) string {
	mt, params, err := mime.ParseMediaType(raw)
	if err != nil || len(raw) > maxContentType || mt == "" {
		return "application/octet-stream"
	}
	return mime.FormatMediaType(mt, params)
}

// Download sends a file as an attachment, after recording who took it, when, from
// where and why. The bytes are hashed while they stream; the last chunk is held back
// until the hash is known, so a file that no longer matches its recorded hash never
// reaches the client whole: the transfer breaks off and the mismatch is recorded. A
// file that failed its last check, or is missing, is refused before anything is
// sent.
func (f *Files) Download(c *gin.Context, k Keeper, evidenceID int64) {
	ctx := c.Request.Context()
	held, err := k.Held(ctx, evidenceID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	if held.Integrity == evevidence.Mismatch {
		rest.Fail(c, failedCheck())
		return
	}
	body, size, err := f.Store.Open(ctx, held.File.SHA256)
	if errors.Is(err, blobs.ErrNotFound) {
		f.recordMismatch(c, k, evidenceID, "", "download")
		rest.Fail(c, strata.Errorf(strata.Conflict, "the stored file is missing; the check is recorded in its chain of custody"))
		return
	}
	if err != nil {
		rest.Fail(c, err)
		return
	}
	defer body.Close()
	res, err := k.RecordDownload(ctx, rest.Metadata(c), evidenceID, c.Query("reason"))
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.WrotePosition(c, res)

	h := c.Writer.Header()
	h.Set("Content-Type", held.File.ContentType)
	if held.File.ContentType == "" {
		h.Set("Content-Type", "application/octet-stream")
	}
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": held.File.FileName}))
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("X-Content-SHA256", held.File.SHA256)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	c.Status(http.StatusOK)
	hr := blobs.NewHashingReader(body, held.File.SHA256)
	if err := sendHeldBack(c.Writer, hr); errors.Is(err, blobs.ErrMismatch) {
		f.recordMismatch(c, k, evidenceID, hr.Sum(), "download")
	}
	// Whatever else stopped the copy (the client left) leaves the response short,
	// and the server closes the connection rather than reuse it.
}

func failedCheck() error {
	return strata.Errorf(strata.Conflict, "the stored file failed its last integrity check and is not handed out; see its chain of custody")
}

// recordMismatch records a failed check even when the request has ended: the
// chain of custody must not lose it.
func (f *Files) recordMismatch(c *gin.Context, k Keeper, evidenceID int64, actual, during string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 10*time.Second)
	defer cancel()
	_, _ = k.RecordVerification(ctx, rest.Metadata(c), evidenceID, actual, evevidence.Mismatch, during)
}

// holdBack is what a download keeps back until the file's hash is known.
const holdBack = 32 << 10

// sendHeldBack copies r to w but for its last chunk, which goes out only once r
// ends cleanly; an error (a hash mismatch at the end) keeps it back.
func sendHeldBack(w http.ResponseWriter, r io.Reader) error {
	bufs := [2][]byte{make([]byte, holdBack), make([]byte, holdBack)}
	var pending []byte
	for i := 0; ; i ^= 1 {
		n, err := io.ReadFull(r, bufs[i])
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return err
		}
		if pending != nil {
			if _, werr := w.Write(pending); werr != nil {
				return werr
			}
		}
		pending = bufs[i][:n]
		if err != nil { // the end, clean
			_, werr := w.Write(pending)
			return werr
		}
	}
}

// Verify re-reads the stored file, hashes it and records the result in the chain of
// custody: match, or mismatch when the bytes changed or the file is gone.
func (f *Files) Verify(c *gin.Context, k Keeper, evidenceID int64) {
	ctx := c.Request.Context()
	held, err := k.Held(ctx, evidenceID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	actual, err := blobs.Hash(ctx, f.Store, held.File.SHA256)
	if err != nil && !errors.Is(err, blobs.ErrNotFound) {
		rest.Fail(c, err)
		return
	}
	result := evevidence.Match
	if actual != held.File.SHA256 {
		result = evevidence.Mismatch
	}
	res, err := k.RecordVerification(ctx, rest.Metadata(c), evidenceID, actual, result, "verify")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.WrotePosition(c, res)
	var got *string
	if actual != "" {
		got = &actual
	}
	rest.OK(c, http.StatusOK, Verification{EvidenceID: evidenceID, SHA256: held.File.SHA256, Actual: got, Result: result})
}

// Verification is the answer to a re-check.
type Verification struct {
	EvidenceID int64   `json:"evidence_id"`
	SHA256     string  `json:"sha256"`
	Actual     *string `json:"actual"`
	Result     string  `json:"result"`
}

// Custody answers a page of one file's chain of custody, oldest first.
func (f *Files) Custody(c *gin.Context, k Keeper, evidenceID int64) {
	ctx := c.Request.Context()
	if _, err := k.Held(ctx, evidenceID); err != nil {
		rest.Fail(c, err)
		return
	}
	limit, err := rest.QueryLimit(c.Request.URL.Query())
	if err != nil {
		rest.Fail(c, err)
		return
	}
	o := k.Owner()
	page, err := f.Reader.Custody(ctx, rest.Caller(c).OrgID, o.Kind, o.ID, evidenceID, limit, c.Query("cursor"))
	rest.RespondPage(c, page, err)
}

// ExportCustody streams the chain of custody of every file of a record as CSV, oldest
// first, in constant memory. The caller has checked the record is the caller's to see.
func (f *Files) ExportCustody(c *gin.Context, o evevidence.Owner) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", mime.FormatMediaType("attachment",
		map[string]string{"filename": o.Kind + "-" + strconv.FormatInt(o.ID, 10) + "-custody.csv"}))
	c.Header("Cache-Control", "private, no-store")
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	_ = w.Write([]string{"at", "evidence_id", "file_name", "action", "actor_id", "actor_name", "ip", "user_agent", "sha256", "result", "reason"})
	err := f.Reader.CustodyOfOwner(c.Request.Context(), rest.Caller(c).OrgID, o.Kind, o.ID, func(r qevidence.CustodyRow) error {
		return w.Write([]string{r.At.UTC().Format(time.RFC3339Nano), strconv.FormatInt(r.EvidenceID, 10), rest.CSVCell(r.FileName), r.Action,
			strconv.FormatInt(r.ActorID, 10), rest.CSVCell(r.ActorName), rest.CSVCell(r.IP), rest.CSVCell(r.UserAgent), r.SHA256, deref(r.Result), rest.CSVCell(deref(r.Reason))})
	})
	w.Flush()
	if err != nil {
		// The status is sent; a short export must not pass for a whole one, so the
		// last line says it broke off.
		_ = csv.NewWriter(c.Writer).Write([]string{"export interrupted: " + rest.RequestID(c)})
		c.Writer.Flush()
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
