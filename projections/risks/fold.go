package risks

import (
	"encoding/json"
	"time"

	ev "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/projections"
)

// A batch's run of creations and field updates is held back (projections.Writer.Hold)
// and written as two statements, a multi-row insert and a multi-row update, instead
// of one statement per event: the cost of a statement, not of a row, is most of what
// a rebuild or a catch-up pays. Every other event releases the run before its own
// statements, so the read model sees the events in their order.

// foldKey names the held run in a batch's writer.
type foldKey struct{}

// fold is a run of RiskCreated and RiskUpdated events not yet written.
type fold struct {
	creates []created
	updates map[int64]*update
	order   []int64 // risks in the order of their first update in the run
}

type created struct {
	id, org, actor, version int64
	at                      time.Time
	f                       ev.Fields
}

// update is a risk's updates in the run, merged: a later value of a field replaces an
// earlier one, as applying them one by one would. Most runs update a risk once, so its
// set is kept as it came and decoded only when a second update arrives.
type update struct {
	raw            json.RawMessage
	set            map[string]json.RawMessage
	version, actor int64
	at             time.Time
}

func held(w *projections.Writer) *fold {
	return w.Hold(foldKey{}, func() projections.Held { return &fold{updates: map[int64]*update{}} }).(*fold)
}

func (f *fold) create(c created) { f.creates = append(f.creates, c) }

func (f *fold) update(id int64, set json.RawMessage, version int64, at time.Time, actor int64) error {
	u, ok := f.updates[id]
	switch {
	case !ok:
		u = &update{raw: set}
		f.updates[id] = u
		f.order = append(f.order, id)
	case u.set == nil:
		if err := json.Unmarshal(u.raw, &u.set); err != nil {
			return err
		}
		u.raw = nil
		fallthrough
	default:
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(set, &fields); err != nil {
			return err
		}
		for k, v := range fields {
			u.set[k] = v
		}
	}
	u.version, u.at, u.actor = version, at, actor
	return nil
}

const insertRisks = `insert into {risks} (id, org_id, title, description, category, status, likelihood, impact,
	residual_likelihood, residual_impact, owner_id, review_date, created_at, created_by, updated_at, updated_by, version)
select r.id, r.org, r.title, r.description, r.category, r.status, r.likelihood, r.impact,
	r.rl, r.ri, r.owner, r.review::date, r.at, r.actor, r.at, r.actor, r.version
from unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[],
	$9::int[], $10::int[], $11::bigint[], $12::text[], $13::timestamptz[], $14::bigint[], $15::bigint[])
	as r(id, org, title, description, category, status, likelihood, impact, rl, ri, owner, review, at, actor, version)`

// updateRisks applies RiskUpdated's changed keys to many risks at once, one row of
// input per risk: each column keeps its value unless its key is present.
const updateRisks = `update {risks} r set
    title = case when u.set ? 'title' then u.set->>'title' else r.title end,
    description = case when u.set ? 'description' then u.set->>'description' else r.description end,
    category = case when u.set ? 'category' then u.set->>'category' else r.category end,
    status = case when u.set ? 'status' then u.set->>'status' else r.status end,
    likelihood = case when u.set ? 'likelihood' then (u.set->>'likelihood')::int else r.likelihood end,
    impact = case when u.set ? 'impact' then (u.set->>'impact')::int else r.impact end,
    residual_likelihood = case when u.set ? 'residual_likelihood' then (u.set->>'residual_likelihood')::int else r.residual_likelihood end,
    residual_impact = case when u.set ? 'residual_impact' then (u.set->>'residual_impact')::int else r.residual_impact end,
    owner_id = case when u.set ? 'owner_id' then (u.set->>'owner_id')::bigint else r.owner_id end,
    review_date = case when u.set ? 'review_date' then (u.set->>'review_date')::date else r.review_date end,
    version = u.version, updated_at = u.at, updated_by = u.actor
  from unnest($1::bigint[], $2::jsonb[], $3::bigint[], $4::timestamptz[], $5::bigint[]) as u(id, set, version, at, actor)
  where r.id = u.id`

// Queue implements projections.Held: the insert first, since a run may update a risk
// it created.
func (f *fold) Queue(w *projections.Writer) {
	if n := len(f.creates); n > 0 {
		ids, orgs, actors, versions := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		titles, descs, cats, statuses := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		likes, imps := make([]int32, n), make([]int32, n)
		rls, ris := make([]*int32, n), make([]*int32, n)
		owners, reviews, ats := make([]*int64, n), make([]*string, n), make([]time.Time, n)
		for i, c := range f.creates {
			ids[i], orgs[i], actors[i], versions[i], ats[i] = c.id, c.org, c.actor, c.version, c.at
			titles[i], descs[i], cats[i], statuses[i] = c.f.Title, c.f.Description, c.f.Category, c.f.Status
			likes[i], imps[i] = int32(c.f.Likelihood), int32(c.f.Impact)
			rls[i], ris[i] = int32p(c.f.ResidualLikelihood), int32p(c.f.ResidualImpact)
			owners[i], reviews[i] = c.f.OwnerID, c.f.ReviewDate
		}
		w.Exec(insertRisks, ids, orgs, titles, descs, cats, statuses, likes, imps, rls, ris, owners, reviews, ats, actors, versions)
	}
	if n := len(f.order); n > 0 {
		ids, sets, versions, ats, actors := make([]int64, n), make([]string, n), make([]int64, n), make([]time.Time, n), make([]int64, n)
		for i, id := range f.order {
			u := f.updates[id]
			set := []byte(u.raw)
			if u.set != nil {
				set, _ = json.Marshal(u.set) // raw values taken from valid JSON: never fails
			}
			ids[i], sets[i], versions[i], ats[i], actors[i] = id, string(set), u.version, u.at, u.actor
		}
		w.Exec(updateRisks, ids, sets, versions, ats, actors)
	}
}

func int32p(v *int) *int32 {
	if v == nil {
		return nil
	}
	x := int32(*v)
	return &x
}
