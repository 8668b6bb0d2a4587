package audits

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/audits"
	"github.com/strata-grc/strata/queries"
)

// An engagement's stream holds its procedures' and findings' events too, so a
// history is a selection of the stream: queries.Trail, which numbers entries by
// stream version, cannot serve it. Entries here are numbered by their place in the
// selection instead, which for a finding is the finding's own version.

// historySort names history cursors as queries.Trail names them: newest first, a
// cursor being the number of the last entry a page showed.
const historySort = "-version"

// historyChunk is how many events a history read holds at once.
const historyChunk = 500

// EngagementHistory is one page of an engagement's audit trail, newest first: its
// own events and its procedures', numbered 1, 2, ... in the order they happened.
// A procedure's fields are named "procedure <id>: <field>".
func (r *Reader) EngagementHistory(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[queries.Entry], error) {
	return r.trail(ctx, id, orgID, limit, cursor, errEngagementNotFound, func(p events.Payload) bool {
		kind, _ := ev.Subject(p)
		return kind == "engagement" || kind == "procedure"
	}, engagementChanges)
}

// FindingHistory is one page of a finding's audit trail, newest first; each entry's
// version is the finding's version that its event made.
func (r *Reader) FindingHistory(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[queries.Entry], error) {
	engagementID, err := r.engagementOf(ctx, orgID, id)
	if err != nil {
		return queries.Page[queries.Entry]{}, err
	}
	// The previous management response, which a new one replaces.
	var previous *ev.ManagementResponseSubmitted
	changes := func(p events.Payload) []queries.Change {
		out := findingChanges(p, previous)
		if x, ok := p.(ev.ManagementResponseSubmitted); ok {
			previous = &x
		}
		return out
	}
	return r.trail(ctx, engagementID, orgID, limit, cursor, errFindingNotFound, func(p events.Payload) bool {
		kind, subject := ev.Subject(p)
		return kind == "finding" && subject == id
	}, changes)
}

// entry is a selected event of the page being read.
type entry struct {
	event   events.Event
	changes []queries.Change
}

// trail reads the engagement's stream from its start in chunks, keeps the events
// keep selects, numbers them, and returns the newest limit of those before the
// cursor's. changes is called on every selected event in stream order, so it may
// carry what it needs from one event to the next. A selection that is empty, or a
// stream of another organization, is notFound.
func (r *Reader) trail(ctx context.Context, engagementID, orgID int64, limit int, cursor string, notFound error,
	keep func(events.Payload) bool, changes func(events.Payload) []queries.Change) (queries.Page[queries.Entry], error) {
	errs := strata.FieldErrors{}
	queries.Limit(errs, &limit)
	if err := errs.Err(); err != nil {
		return queries.Page[queries.Entry]{}, err
	}
	cur, err := queries.DecodeCursor(cursor, historySort)
	if err != nil {
		return queries.Page[queries.Entry]{}, err
	}
	// upto is the newest entry wanted; 0 reads to the end.
	var upto int64
	if cur != nil {
		upto = cur.ID - 1
	}
	stream := r.streams.Name(engagementID)
	ring := make([]entry, limit)
	var n int64 // entries selected so far
	for from := int64(1); ; from += historyChunk {
		evs, err := r.streams.Store.ReadStream(ctx, stream, events.ReadOptions{FromVersion: from, ToVersion: from + historyChunk - 1})
		if err != nil {
			return queries.Page[queries.Entry]{}, err
		}
		if from == 1 && (len(evs) == 0 || evs[0].Metadata.OrgID != orgID) {
			return queries.Page[queries.Entry]{}, notFound
		}
		if cur != nil && upto < 1 { // past the first entry: nothing older
			return queries.Page[queries.Entry]{Items: []queries.Entry{}, Total: cur.Total, Limit: limit}, nil
		}
		for _, e := range evs {
			p, err := r.streams.Registry.Decode(e)
			if err != nil {
				return queries.Page[queries.Entry]{}, err
			}
			if !keep(p) {
				continue
			}
			n++
			ring[(n-1)%int64(limit)] = entry{event: e, changes: changes(p)}
			if n == upto {
				break
			}
		}
		if len(evs) < historyChunk || n == upto {
			break
		}
	}
	if n == 0 {
		return queries.Page[queries.Entry]{}, notFound
	}
	total := n
	if cur != nil {
		total = cur.Total
		n = min(n, upto)
	}
	count := min(n, int64(limit))
	page := queries.Page[queries.Entry]{Items: make([]queries.Entry, 0, count), Total: total, Limit: limit}
	for i := n; i > n-count; i-- {
		x := ring[(i-1)%int64(limit)]
		page.Items = append(page.Items, entryOf(i, x.event, x.changes))
	}
	if count > 0 && page.Items[count-1].Version > 1 {
		next := queries.Cursor{Sort: historySort, ID: page.Items[count-1].Version, Total: total}.Encode()
		page.NextCursor = &next
	}
	return page, nil
}

func entryOf(version int64, e events.Event, changes []queries.Change) queries.Entry {
	slices.SortFunc(changes, func(a, b queries.Change) int { return strings.Compare(a.Field, b.Field) })
	if changes == nil {
		changes = []queries.Change{}
	}
	return queries.Entry{
		Version: version, EventID: e.ID.String(), Type: e.Type, RecordedAt: e.RecordedAt.UTC(),
		Actor:         queries.Actor{ID: e.Metadata.ActorID, Name: e.Metadata.ActorName},
		CorrelationID: e.Metadata.CorrelationID, IP: e.Metadata.IP, UserAgent: e.Metadata.UserAgent,
		Changes: changes,
	}
}

// withComment adds the comment an event carries, when it has one.
func withComment(out []queries.Change, field, comment string) []queries.Change {
	if comment != "" {
		out = append(out, queries.Field(field, nil, comment))
	}
	return out
}

func procedurePrefix(id int64) string { return "procedure " + strconv.FormatInt(id, 10) + ": " }

// engagementChanges lists what an engagement's or a procedure's event changed. Every
// event here tells all it changed by itself: no state is needed.
func engagementChanges(p events.Payload) []queries.Change {
	switch e := p.(type) {
	case ev.EngagementCreated:
		return append(queries.Created("", e.Fields), queries.Field("phase", nil, e.Phase), queries.Field("status", nil, e.Status))
	case ev.EngagementUpdated:
		return queries.Patched("", e.Set, e.Previous)
	case ev.EngagementPhaseChanged:
		return withComment([]queries.Change{queries.Field("phase", e.From, e.To)}, "comment", e.Comment)
	case ev.EngagementStatusChanged:
		return withComment([]queries.Change{queries.Field("status", e.From, e.To)}, "comment", e.Comment)
	case ev.ProcedureAdded:
		return queries.Created(procedurePrefix(e.ProcedureID), e.Procedure)
	case ev.ProcedureUpdated:
		return queries.Patched(procedurePrefix(e.ProcedureID), e.Set, e.Previous)
	case ev.ProcedureSignedOff:
		prefix := procedurePrefix(e.ProcedureID)
		return withComment([]queries.Change{queries.Field(prefix+"signed_off_by", nil, e.SignedOffBy)}, prefix+"comment", e.Comment)
	}
	return nil
}

// findingChanges lists what a finding's event changed; previous is the management
// response a new one replaces.
func findingChanges(p events.Payload, previous *ev.ManagementResponseSubmitted) []queries.Change {
	switch e := p.(type) {
	case ev.FindingCreated:
		out := append(queries.Created("", e.FindingFields),
			queries.Field("engagement_id", nil, e.EngagementID), queries.Field("status", nil, e.Status))
		if e.SourceTestID != nil {
			out = append(out, queries.Field("source_test_id", nil, *e.SourceTestID))
		}
		return out
	case ev.FindingUpdated:
		return queries.Patched("", e.Set, e.Previous)
	case ev.FindingStatusChanged:
		return withComment([]queries.Change{queries.Field("status", e.From, e.To)}, "comment", e.Comment)
	case ev.ManagementResponseSubmitted:
		const prefix = "management_response."
		var was ev.ManagementResponseSubmitted
		if previous != nil {
			was = *previous
		}
		field := func(name string, before, after any, had bool) queries.Change {
			if !had {
				before = nil
			}
			return queries.Field(prefix+name, before, after)
		}
		had := previous != nil
		var wasTarget, isTarget any
		if was.TargetDate != nil {
			wasTarget = *was.TargetDate
		}
		if e.TargetDate != nil {
			isTarget = *e.TargetDate
		}
		return []queries.Change{
			field("response", was.Response, e.Response, had),
			field("action_plan", was.ActionPlan, e.ActionPlan, had),
			field("target_date", wasTarget, isTarget, had),
			field("submitted_by", was.SubmittedBy, e.SubmittedBy, had),
		}
	}
	return nil
}
