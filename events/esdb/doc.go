// Package esdb is an events.Store on EventStoreDB or KurrentDB, through the official
// gRPC client (github.com/EventStore/EventStore-Client-Go/v4). It needs a server from
// 22.6 on (any KurrentDB): older ones leave out the log position of events read from a
// stream, and the store then reports zero positions.
//
// # Streams
//
// Strata stream S is the ESDB stream Namespace+S. Production uses no namespace, so a
// risk's stream is risk-42 in the server's UI and in its category projections ($ce-risk);
// tests use a fresh namespace each to get an empty log on a shared server. Names that
// would start with $ are refused: those are the server's system streams.
//
// # Versions
//
// ESDB numbers a stream's events from revision 0, Strata from version 1, so
// version = revision + 1. Expected versions map to Any, NoStream (for NoStream and
// Exact(0), which mean the same) and Revision(v-1). When the server refuses an append
// for its expected revision, Append returns *events.ConflictError with the version the
// server said the stream had.
//
// # Events and metadata
//
// The ESDB event id is Strata's event id, the event type Strata's type, the content
// type JSON and the data Strata's data ({} when empty). The user metadata is JSON
// (StoredMetadata), flat so it reads well in the server's UI:
//
//	{"org_id":1,"actor_id":7,"actor_name":"Ada","correlation_id":"req-1",
//	 "causation_id":"…","ip":"…","user_agent":"…",
//	 "schema_version":1,
//	 "recorded_at":"2024-05-01T09:30:00.123456Z"}
//
// The fields up to user_agent are events.Metadata's own JSON. recorded_at is absent on
// events this store appends, whose recording time is the server's created timestamp
// (100 ns precision, read back to the microsecond as PostgreSQL keeps times, so read
// models and replays agree); a tool copying events from another log writes it so they keep
// their original time, and every read prefers it to the created timestamp. An event
// without this metadata is not Strata's, and reading it is an error.
//
// # Positions
//
// Event.TransactionID is the event's commit position and GlobalPosition its prepare
// position, so Position.Compare orders events as $all does. Every event appended over
// gRPC is written as a prepare record that commits itself, so the two are equal; they
// differ only for explicit transactions, which only the legacy TCP protocol can open.
// That is why PositionOf can turn a plain global position back into a Position.
//
// # Reading
//
// ReadStream reads forwards from FromVersion and stops at ToVersion. AsOf keeps the
// events whose RecordedAt (the preserved recorded_at, else the created timestamp) is
// not after it; it filters rather than stops at the first later event, as the
// postgres store's WHERE clause does, because recording times need not rise with the
// version when nodes' clocks disagree or events were copied in. A missing stream reads
// as no events.
//
// ReadAll reads $all forwards and keeps the events of Strata's streams: not system
// streams or system event types (both start with $: statistics, projections, links,
// stream metadata, tombstones), and only the namespace's streams, whose StreamID it
// returns without the namespace. The v4 client can filter $all on the server only in
// subscriptions, not in reads, so the store filters and reads on page by page; with a
// namespace on a busy shared server a read may pass many other records. $all holds
// only committed events in commit order, so nothing can later appear before an event
// ReadAll returned.
//
// # Idempotent appends
//
// The server recognises a retried append only in some cases, and reports the ones it
// recognises as ordinary successes; when the expected version equals the stream's
// current one it writes the events again. So Append first reads the stream's latest
// events (Options.IdempotencyWindow plus the batch size) and looks for the batch's ids:
// all of them, consecutive and in order, is a retry and returns the original result
// with Idempotent set, writing nothing; some of them is a ConflictError; none lets the
// append go ahead. After a wrong-expected-version refusal it looks again, since an
// identical append may have landed in between. A success whose last version is not
// beyond the version seen before writing means the server found the ids itself (further
// back than the window) and is reported as Idempotent too. Two identical appends racing
// each other may both report Idempotent false; one of them wrote nothing.
//
// A successful append then reads its last event back, because the write result has no
// timestamp and its position is not guaranteed to be the one a stream read reports. An
// append thus costs three round trips.
//
// # What the store does not do
//
// It does not refuse an event id that another stream already holds: the server keeps
// no index of event ids across streams, and searching for one would mean reading the
// whole log. Beyond the search window it relies on the server: a retry with NoStream or
// an older Exact version is recognised (and reported Idempotent), one with Any only
// while the server still caches the ids, and one with the stream's current version, or
// a batch mixing such old ids with new ones, is written again. The server stamps each event
// of an append with its own time, so an as-of read can, in principle, fall between two
// events appended together (the PostgreSQL store gives an append one time). It offers no wakeup
// channel or append hook as the postgres store does, and does not delete, truncate or
// set metadata on streams.
package esdb
