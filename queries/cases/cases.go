// Package cases answers investigation queries: case lists and details from the read
// model, the same detail replayed from a case's stream (what a write just made), and
// a case's history. A confidential case exists only for admins, its assignee and its
// creator: to anyone else every answer here is as if it did not exist.
package cases

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/cases"
	"github.com/strata-grc/strata/events"
	pcases "github.com/strata-grc/strata/projections/cases"
	"github.com/strata-grc/strata/queries"
	qevidence "github.com/strata-grc/strata/queries/evidence"
)

// Projection is the read model these queries read: the projector's own name, for
// read-your-writes waits. A case's detail also embeds its evidence, which
// qevidence.Projection keeps.
const Projection = pcases.Name

// Case is a case as lists show it.
type Case struct {
	ID              int64     `json:"id"`
	Title           string    `json:"title"`
	Description     string    `json:"description"`
	Type            string    `json:"type"`
	Status          string    `json:"status"`
	Priority        string    `json:"priority"`
	Reporter        string    `json:"reporter"`
	AssigneeID      *int64    `json:"assignee_id"`
	AssigneeName    *string   `json:"assignee_name"`
	Confidential    bool      `json:"confidential"`
	Resolution      *string   `json:"resolution"`
	EvidenceCount   int64     `json:"evidence_count"`
	CreatedBy       int64     `json:"created_by"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	StatusChangedAt time.Time `json:"status_changed_at"`
	Version         int64     `json:"version"`
}

// CaseDetail is a case with its evidence, oldest first. A case has tens of files, so
// the list is embedded whole.
type CaseDetail struct {
	Case
	Evidence []qevidence.Evidence `json:"evidence"`
}

// Reader answers case queries.
type Reader struct {
	pool    *pgxpool.Pool
	streams *commands.Streams[cmd.Case]
}

// NewReader reads the read models in pool and replays streams (the command
// handler's) for answers to writes and for histories.
func NewReader(pool *pgxpool.Pool, streams *commands.Streams[cmd.Case]) *Reader {
	return &Reader{pool: pool, streams: streams}
}

// errNotFound answers for a case that is missing, another organization's, or
// confidential and not the caller's to know of: the three read the same.
var errNotFound = strata.Errorf(strata.NotFound, "case not found")

// visible is, in SQL, who may know a case exists: admins, and for a confidential case
// its assignee and its creator. user and admin are the caller's parameters (a
// bigint and a boolean). Every list, detail, count and chart reads through it (a
// list filtered on confidentiality through what remains of it, see List);
// cmd.Case.VisibleTo says the same of a case replayed from its stream.
func visible(user, admin string) string {
	return "(" + admin + " or not confidential or " + theirs(user) + ")"
}

// theirs is, in SQL, whether a case is the caller's own: assigned to them or opened
// by them.
func theirs(user string) string {
	return "(assignee_id = " + user + " or created_by = " + user + ")"
}

// columns read a case row; the assignee's name comes from the identity read model.
const columns = `id, title, description, type, status, priority, reporter, assignee_id,
	(select u.name from users u where u.id = cases.assignee_id),
	confidential, resolution, evidence_count, created_by, created_at, updated_at, status_changed_at, version`

func scanCase(row pgx.CollectableRow) (Case, error) {
	var c Case
	err := row.Scan(&c.ID, &c.Title, &c.Description, &c.Type, &c.Status, &c.Priority, &c.Reporter, &c.AssigneeID,
		&c.AssigneeName, &c.Confidential, &c.Resolution, &c.EvidenceCount, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt,
		&c.StatusChangedAt, &c.Version)
	c.CreatedAt, c.UpdatedAt, c.StatusChangedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC(), c.StatusChangedAt.UTC()
	return c, err
}

// Get returns a case of the organization that v may see, with its evidence, read in
// one snapshot so the evidence count, the version (the ETag) and the evidence list
// describe the same moment.
func (r *Reader) Get(ctx context.Context, orgID int64, v cmd.Viewer, id int64) (CaseDetail, error) {
	var d CaseDetail
	err := queries.Snapshot(ctx, r.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select `+columns+` from cases where id = $1 and org_id = $2 and `+visible("$3", "$4"),
			id, orgID, v.UserID, v.Admin)
		if err != nil {
			return err
		}
		d.Case, err = pgx.CollectExactlyOneRow(rows, scanCase)
		if errors.Is(err, pgx.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		d.Evidence, err = qevidence.Of(ctx, tx, orgID, cmd.OwnerKind, id)
		return err
	})
	if err != nil {
		return CaseDetail{}, err
	}
	return d, nil
}

// load replays a case's whole stream, refusing one that is missing, another
// organization's, or not v's to see.
func (r *Reader) load(ctx context.Context, orgID int64, v cmd.Viewer, id int64) (cmd.Case, error) {
	s, err := r.replay(ctx, orgID, id, events.ReadOptions{})
	if err != nil {
		return cmd.Case{}, err
	}
	if !s.VisibleTo(v) {
		return cmd.Case{}, errNotFound
	}
	return s, nil
}

// replay folds a case's stream within opts' bounds, refusing one that is missing
// (or not yet opened within them) or another organization's. It does not ask who may
// see the case.
func (r *Reader) replay(ctx context.Context, orgID, id int64, opts events.ReadOptions) (cmd.Case, error) {
	agg, _, err := r.streams.Load(ctx, id, opts)
	if err != nil {
		return cmd.Case{}, err
	}
	if agg.Version == 0 || agg.OrgID != orgID || agg.State.ID != id {
		return cmd.Case{}, errNotFound
	}
	return agg.State, nil
}

// Current replays a case's stream: what a write just made, without waiting for the
// projections. The assignee's name comes from the identity read model.
func (r *Reader) Current(ctx context.Context, orgID int64, v cmd.Viewer, id int64) (CaseDetail, error) {
	s, err := r.load(ctx, orgID, v, id)
	if err != nil {
		return CaseDetail{}, err
	}
	return r.detail(ctx, s)
}

// AsOf replays a case's stream up to an instant (inclusive) and returns the case, its
// evidence included, as it stood then.
//
// Whether v may know of the case is decided first, by the case as it is now, as the
// live detail and the history decide it: a case confidential now stays hidden from
// an outsider at every instant, even one before it was made confidential, and one
// that v may see now shows v its whole past, as its history does. A case that is
// missing, another organization's, hidden from v or not yet opened at the instant
// is one and the same 404.
func (r *Reader) AsOf(ctx context.Context, orgID int64, v cmd.Viewer, id int64, at time.Time) (CaseDetail, error) {
	notFound := func(err error) error {
		if strata.ErrorCode(err) == strata.NotFound {
			return strata.Errorf(strata.NotFound, "case not found as of %s", at.UTC().Format(time.RFC3339))
		}
		return err
	}
	if _, err := r.load(ctx, orgID, v, id); err != nil {
		return CaseDetail{}, notFound(err)
	}
	s, err := r.replay(ctx, orgID, id, events.ReadOptions{AsOf: at})
	if err != nil {
		return CaseDetail{}, notFound(err)
	}
	return r.detail(ctx, s)
}

// detail describes a case replayed from its stream as the read model describes it.
func (r *Reader) detail(ctx context.Context, s cmd.Case) (CaseDetail, error) {
	d := CaseDetail{Case: Case{
		ID: s.ID, Title: s.Title, Description: s.Description, Type: s.Type, Status: s.Status, Priority: s.Priority,
		Reporter: s.Reporter, AssigneeID: s.AssigneeID, Confidential: s.Confidential,
		EvidenceCount: int64(len(s.Evidence)), CreatedBy: s.CreatedBy, CreatedAt: s.CreatedAt.UTC(),
		UpdatedAt: s.UpdatedAt.UTC(), StatusChangedAt: s.StatusChangedAt.UTC(), Version: s.Version,
	}, Evidence: make([]qevidence.Evidence, 0, len(s.Evidence))}
	if s.Resolution != "" {
		res := s.Resolution
		d.Resolution = &res
	}
	if s.AssigneeID != nil {
		var name string
		err := r.pool.QueryRow(ctx, `select name from users where id = $1`, *s.AssigneeID).Scan(&name)
		switch {
		case err == nil:
			d.AssigneeName = &name
		case !errors.Is(err, pgx.ErrNoRows):
			return CaseDetail{}, err
		}
	}
	for _, eid := range slices.Sorted(maps.Keys(s.Evidence)) {
		d.Evidence = append(d.Evidence, EvidenceOf(s.ID, s.Evidence[eid]))
	}
	return d, nil
}

// EvidenceOf describes a file of a case replayed from its stream as the evidence
// read model describes it: the answer to an upload, say.
func EvidenceOf(caseID int64, f cmd.Evidence) qevidence.Evidence {
	id := caseID
	out := qevidence.Evidence{
		ID: f.ID, CaseID: &id, OwnerKind: cmd.OwnerKind, OwnerID: caseID, FileName: f.FileName,
		ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256, Description: f.Description,
		UploadedBy: f.UploadedBy, UploadedByName: f.UploadedByName, UploadedAt: f.UploadedAt.UTC(),
		Integrity: f.Integrity, DownloadCount: int64(f.Downloads),
	}
	if f.LastVerifiedAt != nil {
		at := f.LastVerifiedAt.UTC()
		out.LastVerifiedAt = &at
	}
	return out
}
