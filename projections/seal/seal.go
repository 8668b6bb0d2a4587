// Package seal makes the event log tamper-evident. The seal projection appends every
// event, per organization and in the order subscribers read the log, as the next leaf
// of that organization's Merkle tree (RFC 6962 hashing, golang.org/x/mod/sumdb/tlog);
// a checkpointer signs the trees' sizes and roots and may export them. A log rewritten
// behind the application's back then disagrees with its tree or its checkpoints
// (queries/seal verifies). docs/trail.md, "Tamper evidence", has the whole design.
package seal

import (
	"context"
	"fmt"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/projections"
)

// Name is the projection's durable name.
const Name = "seal"

// Projector seals the log. It belongs to the core and reads every event, of every
// module. It runs as an asynchronous projection, so an append never waits for it.
type Projector struct {
	cfg Config

	mu sync.Mutex
	// batches remembers, for the last few batch writers, each organization's tree as
	// the batch left it, so a batch reads an organization's tree once rather than
	// once per event. Losing an entry only costs a read: it is rebuilt through the
	// batch's own transaction, which sees the batch's writes.
	batches map[*projections.Writer]*batch
	order   []*projections.Writer
}

// batch is what one batch of events knows of the trees it appends to.
type batch struct{ trees map[int64]*tree }

// tree is an organization's tree within a batch: its size and the stored hashes read
// or written so far.
type tree struct {
	size   int64
	hashes map[int64]tlog.Hash
}

// keptBatches bounds the writers remembered: a live batch and a rebuild's may run
// side by side, and a batch that failed leaves its writer behind.
const keptBatches = 4

// New returns the projector; cfg says how checkpoints are made (its zero value makes
// unsigned ones at the default intervals and exports none).
func New(cfg Config) *Projector {
	cfg.setDefaults()
	return &Projector{cfg: cfg, batches: map[*projections.Writer]*batch{}}
}

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.Projector. The checkpoints are not among them: a
// rebuild must not replace them (see docs/trail.md).
func (*Projector) Tables() []string { return []string{"seal_leaves", "seal_hashes"} }

// Handle implements projections.Projector.
func (p *Projector) Handle(ctx context.Context, w *projections.Writer, e events.Event) error {
	org := e.Metadata.OrgID // 0 for an event filed under no organization: it gets a tree of its own
	t, err := p.tree(ctx, w, org)
	if err != nil {
		return err
	}
	data, err := Canonical(e)
	if err != nil {
		return err
	}
	hashes, err := tlog.StoredHashes(t.size, data, hashReader{ctx: ctx, w: w, org: org, t: t})
	if err != nil {
		return fmt.Errorf("seal event %d: %w", e.GlobalPosition, err)
	}
	first := tlog.StoredHashIndex(0, t.size)
	r := w.Hold(rowsKey{}, func() projections.Held { return &rows{} }).(*rows)
	for i, h := range hashes {
		t.hashes[first+int64(i)] = h
		r.hashOrgs, r.indexes, r.hashes = append(r.hashOrgs, org), append(r.indexes, first+int64(i)), append(r.hashes, h[:])
	}
	r.leafOrgs, r.leaves = append(r.leafOrgs, org), append(r.leaves, t.size)
	r.positions, r.ids = append(r.positions, e.GlobalPosition), append(r.ids, e.ID)
	t.size++
	return nil
}

// rows are a batch's new hashes and leaves, held until the batch is sent
// (projections.Writer.Hold) and written as one insert into each table: two
// statements per batch instead of two per event.
type rows struct {
	hashOrgs, indexes           []int64
	hashes                      [][]byte
	leafOrgs, leaves, positions []int64
	ids                         []uuid.UUID
}

type rowsKey struct{}

// Queue implements projections.Held.
func (r *rows) Queue(w *projections.Writer) {
	w.Exec(`insert into {seal_hashes} (org_id, index, hash)
		select * from unnest($1::bigint[], $2::bigint[], $3::bytea[])`, r.hashOrgs, r.indexes, r.hashes)
	w.Exec(`insert into {seal_leaves} (org_id, leaf, position, event_id)
		select * from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::uuid[])`, r.leafOrgs, r.leaves, r.positions, r.ids)
}

// tree returns the organization's tree as this batch stands.
func (p *Projector) tree(ctx context.Context, w *projections.Writer, org int64) (*tree, error) {
	p.mu.Lock()
	b, ok := p.batches[w]
	if !ok {
		b = &batch{trees: map[int64]*tree{}}
		p.batches[w] = b
		p.order = append(p.order, w)
		if len(p.order) > keptBatches {
			delete(p.batches, p.order[0])
			p.order = p.order[1:]
		}
	}
	t, ok := b.trees[org]
	p.mu.Unlock()
	if ok {
		return t, nil
	}
	rows, err := w.Query(ctx, `select coalesce(max(leaf) + 1, 0) from {seal_leaves} where org_id = $1`, org)
	if err != nil {
		return nil, err
	}
	size, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	t = &tree{size: size, hashes: map[int64]tlog.Hash{}}
	p.mu.Lock()
	b.trees[org] = t
	p.mu.Unlock()
	return t, nil
}

// hashReader reads stored hashes from the batch's memory, and those it does not hold
// through the batch's transaction.
type hashReader struct {
	ctx context.Context
	w   *projections.Writer
	org int64
	t   *tree
}

func (r hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	var missing []int64
	for _, i := range indexes {
		if _, ok := r.t.hashes[i]; !ok {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		rows, err := r.w.Query(r.ctx, `select index, hash from {seal_hashes} where org_id = $1 and index = any($2)`, r.org, missing)
		if err != nil {
			return nil, err
		}
		var index int64
		var hash []byte
		if _, err := pgx.ForEachRow(rows, []any{&index, &hash}, func() error {
			if len(hash) != tlog.HashSize {
				return fmt.Errorf("seal: stored hash %d of organization %d has %d bytes", index, r.org, len(hash))
			}
			r.t.hashes[index] = tlog.Hash(hash)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for k, i := range indexes {
		h, ok := r.t.hashes[i]
		if !ok {
			return nil, fmt.Errorf("seal: organization %d's tree lacks stored hash %d", r.org, i)
		}
		out[k] = h
	}
	return out, nil
}
