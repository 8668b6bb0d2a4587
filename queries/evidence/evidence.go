// Package evidence answers questions about the files attached to records (cases,
// audit procedures and findings) and their chain of custody, from the evidence read
// models. Whether the caller may see the record a file is attached to is the
// record's module's question, asked before these.
package evidence

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	pevidence "github.com/strata-grc/strata/projections/evidence"
	"github.com/strata-grc/strata/queries"
)

// Projection is the read model these queries read: the projector's own name, for
// read-your-writes waits.
const Projection = pevidence.Name

// CaseOwner is the owner kind of a case's evidence.
const CaseOwner = "case"

// Evidence is a file attached to a record.
type Evidence struct {
	ID int64 `json:"id"`
	// CaseID is the owner's id when the owner is a case, and absent otherwise.
	CaseID         *int64     `json:"case_id,omitempty"`
	OwnerKind      string     `json:"owner_kind"`
	OwnerID        int64      `json:"owner_id"`
	FileName       string     `json:"file_name"`
	ContentType    string     `json:"content_type"`
	Size           int64      `json:"size"`
	SHA256         string     `json:"sha256"`
	Description    string     `json:"description"`
	UploadedBy     int64      `json:"uploaded_by"`
	UploadedByName string     `json:"uploaded_by_name"`
	UploadedAt     time.Time  `json:"uploaded_at"`
	Integrity      string     `json:"integrity"` // unverified | match | mismatch
	LastVerifiedAt *time.Time `json:"last_verified_at"`
	DownloadCount  int64      `json:"download_count"`
}

// Custody is one entry of a file's chain of custody.
type Custody struct {
	// Position orders the entries and is the custody list's cursor; clients see the
	// time instead.
	Position  int64     `json:"-"`
	Action    string    `json:"action"` // uploaded | downloaded | verified
	ActorID   int64     `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	At        time.Time `json:"at"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	SHA256    string    `json:"sha256"`
	Result    *string   `json:"result"`
	Reason    *string   `json:"reason"`
}

// CustodyRow is a custody entry of any file of a record, named with its file, as the
// custody export lists them.
type CustodyRow struct {
	Custody
	EvidenceID int64
	FileName   string
}

// Reader answers evidence queries.
type Reader struct{ pool *pgxpool.Pool }

// NewReader reads the read models in pool.
func NewReader(pool *pgxpool.Pool) *Reader { return &Reader{pool: pool} }

var errNotFound = strata.Errorf(strata.NotFound, "evidence not found")

const columns = `id, owner_kind, owner_id, file_name, content_type, size, sha256, description, uploaded_by,
	uploaded_by_name, uploaded_at, integrity, last_verified_at, download_count`

func scanEvidence(row pgx.CollectableRow) (Evidence, error) {
	var x Evidence
	err := row.Scan(&x.ID, &x.OwnerKind, &x.OwnerID, &x.FileName, &x.ContentType, &x.Size, &x.SHA256, &x.Description,
		&x.UploadedBy, &x.UploadedByName, &x.UploadedAt, &x.Integrity, &x.LastVerifiedAt, &x.DownloadCount)
	if x.OwnerKind == CaseOwner {
		id := x.OwnerID
		x.CaseID = &id
	}
	x.UploadedAt = x.UploadedAt.UTC()
	if x.LastVerifiedAt != nil {
		at := x.LastVerifiedAt.UTC()
		x.LastVerifiedAt = &at
	}
	return x, err
}

// Of lists a record's files, oldest first, through q: a detail that embeds them reads
// them in its own snapshot. A record has tens of files, so the list is whole.
func Of(ctx context.Context, q queries.Querier, orgID int64, ownerKind string, ownerID int64) ([]Evidence, error) {
	rows, err := q.Query(ctx, `select `+columns+` from evidence
		where org_id = $1 and owner_kind = $2 and owner_id = $3 order by id`, orgID, ownerKind, ownerID)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, scanEvidence)
	if out == nil && err == nil {
		out = []Evidence{}
	}
	return out, err
}

// List lists a record's files, oldest first.
func (r *Reader) List(ctx context.Context, orgID int64, ownerKind string, ownerID int64) ([]Evidence, error) {
	return Of(ctx, r.pool, orgID, ownerKind, ownerID)
}

// Get returns one file of a record; a file of another record or organization is
// NOT_FOUND.
func (r *Reader) Get(ctx context.Context, orgID int64, ownerKind string, ownerID, evidenceID int64) (Evidence, error) {
	return get(ctx, r.pool, orgID, ownerKind, ownerID, evidenceID)
}

func get(ctx context.Context, q queries.Querier, orgID int64, ownerKind string, ownerID, evidenceID int64) (Evidence, error) {
	rows, err := q.Query(ctx, `select `+columns+` from evidence
		where id = $1 and org_id = $2 and owner_kind = $3 and owner_id = $4`, evidenceID, orgID, ownerKind, ownerID)
	if err != nil {
		return Evidence{}, err
	}
	x, err := pgx.CollectExactlyOneRow(rows, scanEvidence)
	if errors.Is(err, pgx.ErrNoRows) {
		return Evidence{}, errNotFound
	}
	return x, err
}

// Custody page sizes: a file is downloaded a handful of times in most cases, so the
// default page is its whole custody; the largest keeps an answer bounded however
// often a file is read.
const (
	DefaultCustodyLimit = 200
	MaxCustodyLimit     = 1000
)

// custodySort names custody cursors: oldest first, a cursor being the position of
// the last entry a page showed.
const custodySort = "position"

const custodyColumns = `position, action, actor_id, actor_name, at, ip, user_agent, sha256, result, reason`

func scanCustody(row pgx.CollectableRow) (Custody, error) {
	var c Custody
	err := row.Scan(&c.Position, &c.Action, &c.ActorID, &c.ActorName, &c.At, &c.IP, &c.UserAgent, &c.SHA256, &c.Result, &c.Reason)
	c.At = c.At.UTC()
	return c, err
}

// Custody returns a page of one file's chain of custody, oldest first; limit 0 is
// DefaultCustodyLimit. A file of another record or organization is NOT_FOUND.
func (r *Reader) Custody(ctx context.Context, orgID int64, ownerKind string, ownerID, evidenceID int64, limit int,
	cursor string) (queries.Page[Custody], error) {
	errs := strata.FieldErrors{}
	switch {
	case limit == 0:
		limit = DefaultCustodyLimit
	case limit < 1 || limit > MaxCustodyLimit:
		errs.Add("limit", "must be from 1 to "+strconv.Itoa(MaxCustodyLimit))
	}
	if err := errs.Err(); err != nil {
		return queries.Page[Custody]{}, err
	}
	var page queries.Page[Custody]
	err := queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		if _, err := get(ctx, tx, orgID, ownerKind, ownerID, evidenceID); err != nil {
			return err
		}
		var err error
		page, err = queries.Listing[Custody]{
			Table: "evidence_custody", Columns: custodyColumns,
			Where: queries.NewWhere("org_id = $1 and evidence_id = $2", orgID, evidenceID),
			Order: queries.Keyset{Unique: "position"}, Sort: custodySort, Limit: limit, Cursor: cursor, Scan: scanCustody,
			Key: func(c Custody) (int64, any) { return c.Position, nil },
		}.Page(ctx, tx)
		return err
	})
	return page, err
}

// exportChunk is how many custody rows an export reads at once.
const exportChunk = 1000

// CustodyOfOwner hands the custody of every file of a record to fn, oldest first,
// for the export. The rows are read a chunk at a time and the connection goes back
// to the pool between chunks, so a slow client holds no connection while it reads,
// and memory holds one chunk however long the custody. An error from fn stops the
// export and is returned.
func (r *Reader) CustodyOfOwner(ctx context.Context, orgID int64, ownerKind string, ownerID int64, fn func(CustodyRow) error) error {
	var after int64
	for {
		rows, err := r.pool.Query(ctx, `select c.position, c.action, c.actor_id, c.actor_name, c.at, c.ip, c.user_agent,
				c.sha256, c.result, c.reason, c.evidence_id, e.file_name
			from evidence_custody c join evidence e on e.id = c.evidence_id and e.org_id = c.org_id
			where c.org_id = $1 and c.owner_kind = $2 and c.owner_id = $3 and c.position > $4
			order by c.position limit $5`, orgID, ownerKind, ownerID, after, exportChunk)
		if err != nil {
			return err
		}
		chunk, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CustodyRow, error) {
			var x CustodyRow
			c := &x.Custody
			err := row.Scan(&c.Position, &c.Action, &c.ActorID, &c.ActorName, &c.At, &c.IP, &c.UserAgent, &c.SHA256,
				&c.Result, &c.Reason, &x.EvidenceID, &x.FileName)
			c.At = c.At.UTC()
			return x, err
		})
		if err != nil {
			return err
		}
		for _, x := range chunk {
			if err := fn(x); err != nil {
				return err
			}
		}
		if len(chunk) < exportChunk {
			return nil
		}
		after = chunk[len(chunk)-1].Position
	}
}

// hashChunk is how many hashes Hashes reads at once.
const hashChunk = 1000

// Hashes hands every hash that some file of some organization is stored under to fn,
// each once, in order, for a check that every referenced file is stored. Like the
// export it reads in chunks and holds no connection while fn runs. An error from fn
// stops the walk and is returned.
func (r *Reader) Hashes(ctx context.Context, fn func(sha string) error) error {
	after := ""
	for {
		rows, err := r.pool.Query(ctx, `select sha256 from evidence where sha256 > $1
			group by sha256 order by sha256 limit $2`, after, hashChunk)
		if err != nil {
			return err
		}
		chunk, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, sha := range chunk {
			if err := fn(sha); err != nil {
				return err
			}
		}
		if len(chunk) < hashChunk {
			return nil
		}
		after = chunk[len(chunk)-1]
	}
}

// Referenced reports whether any file of any organization is stored under sha, so
// blob collection leaves it alone. A blob whose upload event is in the log but not
// yet projected reads as unreferenced: collection guards such blobs by their age.
func (r *Reader) Referenced(ctx context.Context, sha string) (bool, error) {
	var ok bool
	err := r.pool.QueryRow(ctx, `select exists (select from evidence where sha256 = $1)`, sha).Scan(&ok)
	return ok, err
}
