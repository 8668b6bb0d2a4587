package cases

import (
	"context"
	"strconv"

	cmd "github.com/strata-grc/strata/commands/cases"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/cases"
	evevidence "github.com/strata-grc/strata/events/evidence"
	"github.com/strata-grc/strata/queries"
)

// History is one page of a case's audit trail, newest first: every event of its
// stream, the evidence events included, each numbered by its stream version. A
// file's fields are named "evidence <id>: <field>".
//
// Like every history, it is replayed from the stream rather than read from the read
// model, so a case just opened has its history at once. Whether v may see the case
// is decided the same way, by the case as its whole stream leaves it (its assignee
// now, its confidentiality now), not as it stood at the page's entries.
func (r *Reader) History(ctx context.Context, orgID int64, v cmd.Viewer, id int64, limit int, cursor string) (queries.Page[queries.Entry], error) {
	if _, err := r.load(ctx, orgID, v, id); err != nil {
		return queries.Page[queries.Entry]{}, err
	}
	return queries.Trail[cmd.Case]{
		Store: r.streams.Store, Registry: r.streams.Registry, Evolve: cmd.Evolve, Changes: changes, NotFound: errNotFound,
	}.Page(ctx, ev.Stream(id), orgID, limit, cursor)
}

// withNote adds a text an event carries, when it has one.
func withNote(out []queries.Change, field, note string) []queries.Change {
	if note != "" {
		out = append(out, queries.Field(field, nil, note))
	}
	return out
}

func evidencePrefix(id int64) string { return "evidence " + strconv.FormatInt(id, 10) + ": " }

// changes lists what an event changed, given the case as it stood before it. A file's
// download and verification are told as what they change of the file: its download
// count, its integrity.
func changes(before cmd.Case, p events.Payload) []queries.Change {
	switch e := p.(type) {
	case ev.CaseOpened:
		return append(queries.Created("", e.Fields), queries.Field("status", nil, e.Status))
	case ev.CaseUpdated:
		return queries.Patched("", e.Set, e.Previous)
	case ev.CaseAssigned:
		return []queries.Change{queries.Field("assignee_id", e.From, e.AssigneeID)}
	case ev.CaseStatusChanged:
		out := []queries.Change{queries.Field("status", e.From, e.To)}
		var was, is any
		if before.Resolution != "" {
			was = before.Resolution
		}
		if e.To == cmd.Completed && e.Resolution != "" {
			is = e.Resolution
		}
		if was != is {
			out = append(out, queries.Field("resolution", was, is))
		}
		return withNote(out, "comment", e.Comment)
	case evevidence.EvidenceUploaded:
		return queries.Created(evidencePrefix(e.EvidenceID), e.File)
	case evevidence.EvidenceDownloaded:
		prefix := evidencePrefix(e.EvidenceID)
		n := before.Evidence[e.EvidenceID].Downloads
		return withNote([]queries.Change{queries.Field(prefix+"download_count", n, n+1)}, prefix+"reason", e.Reason)
	case evevidence.EvidenceVerified:
		prefix := evidencePrefix(e.EvidenceID)
		was := before.Evidence[e.EvidenceID].Integrity
		if was == "" {
			was = cmd.Unverified
		}
		out := []queries.Change{queries.Field(prefix+"integrity", was, e.Result)}
		if e.Result != evevidence.Match {
			out = withNote(out, prefix+"actual", e.Actual)
		}
		return withNote(out, prefix+"during", e.During)
	}
	return nil
}
