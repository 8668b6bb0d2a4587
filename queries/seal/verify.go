// Package seal verifies the sealed event log: it recomputes every leaf of an
// organization's Merkle tree from the log as it is now and compares it with the tree
// the seal projection stored, with the stored checkpoints and with checkpoints kept
// elsewhere. docs/trail.md, "Tamper evidence", describes what each finding means.
package seal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/strata-grc/strata/events"
	pseal "github.com/strata-grc/strata/projections/seal"
)

// Projection is the projection whose tables the verifier reads.
const Projection = pseal.Name

// Kinds of problem.
const (
	// Rewritten: the event at a leaf is not the event that was sealed there.
	Rewritten = "rewritten"
	// Deleted: sealed events that the log no longer holds, with events after them.
	Deleted = "deleted"
	// Truncated: the log lost its sealed tail.
	Truncated = "truncated"
	// Unsealed: an event the seal has passed over although it read past it: it was
	// slipped into the log behind the sealer's back.
	Unsealed = "unsealed"
	// Checkpoint: a stored checkpoint that does not match, or whose signature fails.
	Checkpoint = "checkpoint"
	// Exported: a checkpoint kept elsewhere that the current tree does not extend.
	Exported = "exported"
	// Tree: the stored tree is inconsistent in itself (hashes missing or altered).
	Tree = "tree"
)

// maxProblems bounds the problems a report lists; it counts them all.
const maxProblems = 50

// chunk is how many leaves one query reads: memory stays flat whatever the log's size.
const chunk = 5000

// Problem is one thing found wrong.
type Problem struct {
	Kind string `json:"kind"`
	// Sequence is the 1-based place, in the organization's own sequence of events,
	// of the first event concerned; 0 when no single event can be named.
	Sequence int64 `json:"sequence,omitempty"`
	// Position is the event's global position in the log: for operators only, since it
	// tells how much other organizations wrote.
	Position int64  `json:"-"`
	EventID  string `json:"event_id,omitempty"`
	Detail   string `json:"detail"`
}

// Report is what a verification found for one organization.
type Report struct {
	Org int64
	// Events is how many sealed events were recomputed and compared.
	Events int64
	// TreeSize is how many events the organization's tree holds.
	TreeSize int64
	// Pending is how many of the organization's events the sealer has not reached yet.
	Pending int64
	// VerifiedThrough is the sequence number of the last event checked before the
	// first problem (or of the last one checked); 0 for none.
	VerifiedThrough int64
	// FirstBroken is the sequence number of the first event that fails, 0 for none;
	// FirstBrokenPosition is its global position when known.
	FirstBroken         int64
	FirstBrokenPosition int64
	// Complete is false when the deadline stopped the check before the end.
	Complete bool
	// Checkpoints and ExportedChecked count the checkpoints compared.
	Checkpoints     int
	ExportedChecked int
	Problems        []Problem
	ProblemCount    int
}

// OK reports whether the whole tree was checked and nothing is wrong.
func (r *Report) OK() bool { return r.Complete && r.ProblemCount == 0 }

func (r *Report) add(p Problem) {
	r.ProblemCount++
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, p)
	}
	if p.Sequence > 0 && (r.FirstBroken == 0 || p.Sequence < r.FirstBroken) {
		r.FirstBroken, r.FirstBrokenPosition = p.Sequence, p.Position
	}
}

// ExportedCheckpoint is a checkpoint kept outside the database, as read from a file.
type ExportedCheckpoint struct {
	Name string
	Note []byte
}

// Options tune one verification.
type Options struct {
	// Exported are checkpoints kept elsewhere; those of other organizations are
	// ignored.
	Exported []ExportedCheckpoint
	// Deadline, when set, stops the check there; the report then says how far it got.
	Deadline time.Time
}

// Verifier checks organizations' sealed logs. It needs the log in PostgreSQL: it
// reads the events table beside the seal tables.
type Verifier struct {
	pool       *pgxpool.Pool
	checkpoint string
	keys       note.Verifiers
	public     []string
	// one lets a single verification run at a time in the process: it is CPU-bound,
	// and the machine serves everyone else meanwhile.
	one chan struct{}
}

// New returns a verifier of the seal kept under the projection checkpoint name
// checkpoint (Projection, except in tests), trusting the given public keys; with
// none, signatures are not checked.
func New(pool *pgxpool.Pool, checkpoint string, publicKeys ...string) (*Verifier, error) {
	v := &Verifier{pool: pool, checkpoint: checkpoint, one: make(chan struct{}, 1)}
	for _, k := range publicKeys {
		// The same key given twice would make note refuse it as ambiguous.
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(v.public, k) {
			v.public = append(v.public, k)
		}
	}
	if len(v.public) > 0 {
		var err error
		if v.keys, err = pseal.Verifiers(v.public...); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// PublicKeys are the keys the verifier trusts, the server's own first.
func (v *Verifier) PublicKeys() []string { return slices.Clone(v.public) }

// Organizations lists every organization that has events, seal rows or stored
// checkpoints, walking the indexes one organization at a time.
func (v *Verifier) Organizations(ctx context.Context) ([]int64, error) {
	rows, err := v.pool.Query(ctx, `with recursive
		e(id) as (select min(org_id) from events
			union all select (select min(org_id) from events where org_id > e.id) from e where e.id is not null),
		l(id) as (select min(org_id) from seal_leaves
			union all select (select min(org_id) from seal_leaves where org_id > l.id) from l where l.id is not null)
		select id from e where id is not null
		union select id from l where id is not null
		union select distinct org_id from seal_checkpoints
		union select 0 where exists (select from events where org_id is null)
		order by 1`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// Verify checks one organization. Another verification running in this process
// is waited for, as long as ctx allows.
func (v *Verifier) Verify(ctx context.Context, org int64, opts Options) (*Report, error) {
	select {
	case v.one <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-v.one }()
	r := &Report{Org: org}
	head, err := v.head(ctx, org, r)
	if err != nil {
		return nil, err
	}
	marks := v.marks(org, head, opts.Exported, r)
	roots, done, err := v.leaves(ctx, org, r, marks, opts.Deadline)
	if err != nil {
		return nil, err
	}
	r.Complete = done
	if done {
		v.finish(ctx, org, r, head, marks, roots)
	}
	switch {
	case r.FirstBroken > 0:
		r.VerifiedThrough = min(r.FirstBroken-1, r.Events)
	default:
		r.VerifiedThrough = r.Events
	}
	return r, nil
}

// head is what one snapshot says about the organization before its leaves are read.
type head struct {
	storedRoot    tlog.Hash
	storedRootErr error
	checkpoints   []storedCheckpoint
}

type storedCheckpoint struct {
	size int64
	root []byte
	note string
}

// orgFilter selects an organization's events; organization 0 is the events filed
// under none, whose org_id is null.
func orgFilter(org int64) string {
	if org == 0 {
		return `(e.org_id is null or e.org_id = $1)`
	}
	return `e.org_id = $1`
}

func (v *Verifier) head(ctx context.Context, org int64, r *Report) (head, error) {
	var h head
	err := pgx.BeginTxFunc(ctx, v.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `select coalesce(max(leaf) + 1, 0) from seal_leaves where org_id = $1`, org).Scan(&r.TreeSize); err != nil {
			return err
		}
		xid, pos := "0", int64(0)
		if err := tx.QueryRow(ctx, `select transaction_id::text, position from checkpoints where name = $1`, v.checkpoint).
			Scan(&xid, &pos); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if err := tx.QueryRow(ctx, `select count(*) from events e where `+orgFilter(org)+`
			and (e.transaction_id, e.global_position) > ($2::text::xid8, $3)`, org, xid, pos).Scan(&r.Pending); err != nil {
			return err
		}
		// An event at or before the sealer's checkpoint without a leaf was never shown
		// to the sealer: it was written into the log's past.
		rows, err := tx.Query(ctx, `select e.global_position, e.event_id, e.stream_id, e.stream_version,
				(select count(*) from seal_leaves l join events p on p.global_position = l.position
				  where l.org_id = $1 and (p.transaction_id, p.global_position) < (e.transaction_id, e.global_position))
			from events e where `+orgFilter(org)+`
			and (e.transaction_id, e.global_position) <= ($2::text::xid8, $3)
			and not exists (select from seal_leaves l where l.position = e.global_position and l.org_id = $1)
			order by e.transaction_id, e.global_position limit $4`, org, xid, pos, maxProblems)
		if err != nil {
			return err
		}
		var p Problem
		var id uuid.UUID
		var stream string
		var version, before int64
		if _, err := pgx.ForEachRow(rows, []any{&p.Position, &id, &stream, &version, &before}, func() error {
			r.add(Problem{Kind: Unsealed, Sequence: before + 1, Position: p.Position, EventID: id.String(),
				Detail: fmt.Sprintf("%s version %d is in the log's sealed past but was never sealed: it was inserted behind the sealer", stream, version)})
			return nil
		}); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `select tree_size, root, note from seal_checkpoints where org_id = $1 order by tree_size`, org)
		if err != nil {
			return err
		}
		var c storedCheckpoint
		if _, err := pgx.ForEachRow(rows, []any{&c.size, &c.root, &c.note}, func() error {
			h.checkpoints = append(h.checkpoints, storedCheckpoint{size: c.size, root: append([]byte(nil), c.root...), note: c.note})
			return nil
		}); err != nil {
			return err
		}
		if r.TreeSize > 0 {
			h.storedRoot, h.storedRootErr = tlog.TreeHash(r.TreeSize, pseal.HashReader(ctx, tx, org))
		}
		return nil
	})
	return h, err
}

// mark is a tree size at which the recomputed root must equal a known one.
type mark struct {
	size     int64
	root     tlog.Hash
	exported string // the file's name for an exported checkpoint, "" for a stored one
}

// marks checks the checkpoints' own consistency and signatures, and lists the roots
// the recomputed tree must reach.
func (v *Verifier) marks(org int64, h head, exported []ExportedCheckpoint, r *Report) []mark {
	var out []mark
	for _, c := range h.checkpoints {
		parsed, err := pseal.ParseCheckpoint([]byte(c.note), v.keys)
		switch {
		case err != nil:
			r.add(Problem{Kind: Checkpoint, Detail: fmt.Sprintf("stored checkpoint at size %d: %v", c.size, err)})
			continue
		case parsed.Org != org || parsed.Size != c.size || string(parsed.Root[:]) != string(c.root):
			r.add(Problem{Kind: Checkpoint, Detail: fmt.Sprintf("stored checkpoint at size %d: its signed text says organization %d, size %d",
				c.size, parsed.Org, parsed.Size)})
			continue
		}
		r.Checkpoints++
		out = append(out, mark{size: parsed.Size, root: parsed.Root})
	}
	for _, x := range exported {
		parsed, err := pseal.ParseCheckpoint(x.Note, v.keys)
		signature := errors.Is(err, pseal.ErrBadSignature) || errors.Is(err, pseal.ErrUntrustedSignature)
		if (err == nil || signature) && parsed.Org != org {
			continue
		}
		if err != nil {
			// A file that is no checkpoint at all is reported with every organization:
			// it may well have been this one's.
			r.add(Problem{Kind: Exported, Detail: fmt.Sprintf("%s: %v", x.Name, err)})
			continue
		}
		r.ExportedChecked++
		out = append(out, mark{size: parsed.Size, root: parsed.Root, exported: x.Name})
	}
	slices.SortStableFunc(out, func(a, b mark) int { return compare(a.size, b.size) })
	return out
}

func compare(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// leaves recomputes every leaf in order and returns the recomputed roots at the
// marks' sizes; done is false when the deadline came first.
func (v *Verifier) leaves(ctx context.Context, org int64, r *Report, marks []mark, deadline time.Time) (map[int64]tlog.Hash, bool, error) {
	roots := map[int64]tlog.Hash{}
	var stack compactRange
	next := 0 // the next mark to reach
	var run missingRun
	for from := int64(0); from < r.TreeSize; from += chunk {
		if !deadline.IsZero() && time.Now().After(deadline) {
			run.flush(r, false)
			return roots, false, nil
		}
		rows, err := v.pool.Query(ctx, `select l.leaf, l.position, l.event_id, h.hash,
				e.event_id, e.stream_id, e.stream_version, e.type, e.schema_version, e.data, e.metadata, e.recorded_at
			from seal_leaves l
			left join seal_hashes h on h.org_id = l.org_id and h.index = 2 * l.leaf - bit_count(l.leaf::bit(64))
			left join events e on e.global_position = l.position
			where l.org_id = $1 and l.leaf >= $2 and l.leaf < $3
			order by l.leaf`, org, from, min(from+chunk, r.TreeSize))
		if err != nil {
			return nil, false, err
		}
		var leaf, position int64
		var sealedID uuid.UUID
		var stored []byte
		var id *uuid.UUID
		var stream *string
		var version *int64
		var typ *string
		var sv *int
		var data, meta []byte
		var at *time.Time
		expect := from
		_, err = pgx.ForEachRow(rows, []any{&leaf, &position, &sealedID, &stored, &id, &stream, &version, &typ, &sv, &data, &meta, &at}, func() error {
			if leaf != expect {
				// A leaf row removed from the seal tables: the tree no longer says which
				// event was sealed there.
				r.add(Problem{Kind: Tree, Sequence: expect + 1, Detail: fmt.Sprintf("the seal has no leaf %d", expect+1)})
				return errStop
			}
			expect++
			r.Events++
			var storedHash *tlog.Hash
			if len(stored) == tlog.HashSize {
				h := tlog.Hash(stored)
				storedHash = &h
			}
			var h tlog.Hash
			switch {
			case id == nil:
				run.add(leaf, position, sealedID)
				if storedHash != nil {
					h = *storedHash
				}
			default:
				run.flush(r, true)
				e := events.Event{ID: *id, StreamID: *stream, StreamVersion: *version, GlobalPosition: position, Type: *typ,
					SchemaVersion: *sv, Data: json.RawMessage(data), RecordedAt: *at}
				var computed []byte
				var err error
				if err = json.Unmarshal(meta, &e.Metadata); err == nil {
					computed, err = pseal.Canonical(e)
				}
				switch {
				case err != nil:
					r.add(Problem{Kind: Rewritten, Sequence: leaf + 1, Position: position, EventID: sealedID.String(),
						Detail: fmt.Sprintf("the event can no longer be read: %v", err)})
				default:
					h = tlog.RecordHash(computed)
					switch {
					case storedHash == nil:
						r.add(Problem{Kind: Tree, Sequence: leaf + 1, Position: position, EventID: sealedID.String(),
							Detail: "the seal lost this event's leaf hash"})
					case h != *storedHash:
						r.add(Problem{Kind: Rewritten, Sequence: leaf + 1, Position: position, EventID: sealedID.String(),
							Detail: fmt.Sprintf("%s version %d (%s) differs from what was sealed", e.StreamID, e.StreamVersion, e.Type)})
					}
				}
			}
			// The tree is rebuilt from the hashes the seal stored where it has them,
			// so a changed event is reported once, at its leaf, and a checkpoint
			// disagrees only when the stored tree itself was re-derived.
			if storedHash != nil {
				h = *storedHash
			}
			stack.push(h)
			for next < len(marks) && marks[next].size <= leaf+1 {
				if marks[next].size == leaf+1 {
					roots[leaf+1] = stack.root()
				}
				next++
			}
			return nil
		})
		if errors.Is(err, errStop) {
			run.flush(r, false)
			return roots, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if expect < min(from+chunk, r.TreeSize) {
			r.add(Problem{Kind: Tree, Sequence: expect + 1, Detail: fmt.Sprintf("the seal has no leaf %d", expect+1)})
			run.flush(r, false)
			return roots, false, nil
		}
	}
	run.flush(r, false)
	if r.TreeSize > 0 {
		roots[r.TreeSize] = stack.root()
	}
	return roots, true, nil
}

var errStop = errors.New("stop")

// finish compares the recomputed roots with the stored tree and the checkpoints.
func (v *Verifier) finish(ctx context.Context, org int64, r *Report, h head, marks []mark, roots map[int64]tlog.Hash) {
	firstLeaf := r.FirstBroken
	if r.TreeSize > 0 {
		switch {
		case h.storedRootErr != nil:
			r.add(Problem{Kind: Tree, Detail: fmt.Sprintf("the stored tree cannot be read: %v", h.storedRootErr)})
		case roots[r.TreeSize] != h.storedRoot:
			r.add(Problem{Kind: Tree, Detail: "the stored tree's inner hashes do not match its leaves"})
		}
	}
	good := int64(0) // the largest size whose checkpoints all agree so far
	for _, m := range marks {
		what := fmt.Sprintf("checkpoint at size %d", m.size)
		kind := Checkpoint
		if m.exported != "" {
			what, kind = fmt.Sprintf("exported checkpoint %s (size %d)", m.exported, m.size), Exported
		}
		if m.size > r.TreeSize {
			r.add(Problem{Kind: kind, Sequence: r.TreeSize + 1,
				Detail: fmt.Sprintf("%s is beyond the sealed tree of %d events: sealed events were removed", what, r.TreeSize)})
			continue
		}
		if roots[m.size] != m.root {
			// The change lies after the last checkpoint that agrees; an event found
			// changed in that stretch names it more precisely.
			seq := good + 1
			if firstLeaf > good && firstLeaf <= m.size {
				seq = firstLeaf
			}
			r.add(Problem{Kind: kind, Sequence: seq,
				Detail: fmt.Sprintf("%s does not match the log: an event after sequence %d and up to %d was changed", what, good, m.size)})
			continue
		}
		if m.exported != "" && h.storedRootErr == nil {
			// The standard check a holder of the checkpoint makes without the log:
			// the stored tree must prove that it extends the exported one.
			proof, err := tlog.ProveTree(r.TreeSize, m.size, pseal.HashReader(ctx, v.pool, org))
			if err == nil {
				err = tlog.CheckTree(proof, r.TreeSize, h.storedRoot, m.size, m.root)
			}
			if err != nil {
				r.add(Problem{Kind: kind, Sequence: good + 1, Detail: fmt.Sprintf("the stored tree does not extend %s: %v", what, err)})
				continue
			}
		}
		good = m.size
	}
}

// missingRun gathers consecutive sealed events that the log no longer holds, so a
// deleted stretch or a lost tail is one problem rather than thousands.
type missingRun struct {
	first, count, position int64
	id                     uuid.UUID
}

func (m *missingRun) add(leaf, position int64, id uuid.UUID) {
	if m.count == 0 {
		m.first, m.position, m.id = leaf, position, id
	}
	m.count++
}

// flush reports the run; followed says whether sealed events the log still holds
// come after it (a deletion) or not (a truncated tail).
func (m *missingRun) flush(r *Report, followed bool) {
	if m.count == 0 {
		return
	}
	kind, detail := Deleted, "sealed event is missing from the log"
	if m.count > 1 {
		detail = strconv.FormatInt(m.count, 10) + " sealed events in a row are missing from the log"
	}
	if !followed {
		kind = Truncated
		detail = fmt.Sprintf("the log ends early: the last %d sealed events are missing", m.count)
	}
	r.add(Problem{Kind: kind, Sequence: m.first + 1, Position: m.position, EventID: m.id.String(), Detail: detail})
	*m = missingRun{}
}

// compactRange holds the roots of the perfect subtrees covering the leaves pushed so
// far (RFC 6962), enough to give the tree's root at any moment in log-n memory.
type compactRange struct {
	hashes []tlog.Hash
	sizes  []int64
}

func (c *compactRange) push(h tlog.Hash) {
	c.hashes, c.sizes = append(c.hashes, h), append(c.sizes, 1)
	for n := len(c.sizes); n >= 2 && c.sizes[n-1] == c.sizes[n-2]; n = len(c.sizes) {
		c.hashes[n-2] = tlog.NodeHash(c.hashes[n-2], c.hashes[n-1])
		c.sizes[n-2] *= 2
		c.hashes, c.sizes = c.hashes[:n-1], c.sizes[:n-1]
	}
}

func (c *compactRange) root() tlog.Hash {
	if len(c.hashes) == 0 {
		return tlog.Hash{}
	}
	h := c.hashes[len(c.hashes)-1]
	for i := len(c.hashes) - 2; i >= 0; i-- {
		h = tlog.NodeHash(c.hashes[i], h)
	}
	return h
}
