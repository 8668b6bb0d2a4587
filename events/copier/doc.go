// Package copier moves a whole event log from one events.Store to another — PostgreSQL
// to EventStoreDB/KurrentDB, back, or between two PostgreSQL databases — and proves
// afterwards that nothing was lost or changed. The audit trail is the log, so a move
// between backends must keep every line of it.
//
// # What a copy preserves
//
// Every event keeps its stream id, stream version, event id, type, schema version,
// data, metadata and RecordedAt. Copy reads the source with ReadAll, in the order
// subscribers see it, and appends in that same order, one append at a time, so the
// target's subscriber order is the source's: projections rebuilt on the target replay
// the same history in the same sequence. A run of consecutive events of one stream with
// identical metadata goes in as one append (Store.Append takes one Metadata per batch)
// with events.Exact(first version - 1), which both puts each event at its original
// version and refuses to put it anywhere else.
//
// A target that is an Importer (the PostgreSQL store) takes a whole read batch in one
// statement instead, all or nothing, when the batch simply extends what it holds; a
// batch that does not (a resumed copy's first, say) falls back to the appends above.
// This is what makes a copy into PostgreSQL run at batch speed (`make bench`).
//
// Not preserved, because they are the target's own: global positions and transaction
// ids (PostgreSQL) or commit and prepare positions (ESDB). Read tokens and projection
// checkpoints taken on the source mean nothing on the target; projections are rebuilt
// there. Batching is not preserved either: events appended together on the source may
// land in separate appends (a run is cut at a read batch boundary) and consecutive
// appends with identical metadata may land together. Precision is each backend's:
// PostgreSQL keeps RecordedAt to the microsecond, ESDB to 100 ns, so an ESDB log copied
// to PostgreSQL loses the sub-microsecond digits (verification compares microseconds).
// PostgreSQL stores data and metadata as jsonb, which reorders keys, drops whitespace
// and rewrites numbers such as 1e2 as 100; the JSON values are the same, the bytes are
// not, so verification compares canonical JSON rather than bytes.
//
// # Never overwrite, never skip
//
// An append whose events the target already holds (same ids, same order) is reported
// Idempotent by the store and counted as already present. An append refused because
// the target stream is elsewhere is looked into: the target's events at those versions
// are read back and compared with the source's (id, type, schema version, canonical
// data and metadata, RecordedAt to the microsecond). Those that match are already
// present and the rest are appended after them; any that differ, or a target stream
// that lacks earlier versions, stop the copy with an error naming the stream and
// version. Nothing in the target is ever changed or worked around.
//
// # Resuming
//
// Options.State names a small JSON file (see State) that holds the source position of
// the last event of the last batch whose appends all succeeded, written after every
// batch through a temporary file and a rename, so a crash leaves either the old or the
// new position, never a torn file. A later Copy with the same file reads on after that
// position. Appends of a batch that was half done when the copy stopped are repeated
// and come back Idempotent (or, when batch sizes changed, are sorted out as above).
// The file also names that last event; before resuming, Copy checks that the source
// holds it at the recorded position and the target holds it too, so a state file is
// not applied to logs it does not describe (a copy of the source, say, holds the event
// at another position). The file is kept after a complete copy:
// running the copy again copies only events appended to the source since, which is
// how a team moves with a short write freeze (copy while live, stop writers, copy the
// rest, verify, switch).
//
// Without a state file a copy starts from the beginning and is still correct, only
// slower: every append already done comes back Idempotent.
//
// The PostgreSQL store recognises a repeated append however old. The ESDB store looks
// for the ids among the stream's latest 64 events (its IdempotencyWindow) and relies
// beyond that on the server, which recognises a retry with NoStream or an older exact
// version; Copy always appends with an exact version, so repeats are recognised there
// too. Two copies into one target at the same time are not supported.
//
// # Reading everything
//
// The PostgreSQL store's ReadAll shows only transactions older than the oldest one
// still running anywhere on the server, so a long transaction elsewhere can hide the
// log's latest events for a while. A copy that took an empty read for the end would
// stop short, and a verification reading the same way would not notice. So before Copy
// concludes that the source is exhausted, and before Verify reads, each PostgreSQL log
// is settled: the store's Settle waits until every transaction begun before the call has
// ended (any Settler). ESDB's $all holds only committed events and needs no settling.
//
// # Non-empty targets
//
// Copy refuses a target that already holds events unless it is resuming with a state
// file, or the target's first event is the source's first event (an earlier copy of
// this source, restarted without its state file), or Options.AllowNonEmpty is set.
// Copying into a log that already holds other streams is legitimate (a fresh install
// that created its first admin, say) but easy to do by mistake, so it must be asked
// for. Under AllowNonEmpty the final verification accepts streams only the target
// holds; every stream of the source must still match exactly.
//
// # What verification proves
//
// Verify reads both logs in full with ReadAll and compares, stream by stream, the
// number of events and a SHA-256 over each event in version order: event id, stream
// version, type, schema version, canonical JSON of data and of metadata (decoded with
// UseNumber and re-encoded with sorted keys and normalised numbers) and RecordedAt
// truncated to the microsecond in UTC. It also compares the order in which the source's
// events appear in each log. Passing means the target holds exactly the source's
// streams with the same events in the same order and the same recording times as the
// target's backend can hold them: a subscriber replaying either log sees the same
// facts in the same order. It does not cover anything outside the log (read models,
// sessions, checkpoints), which the target rebuilds. Verify compares two snapshots: a
// source that is still written to will differ by the events appended since the copy.
package copier
