-- The event log. Rows are facts: once written they are never changed or removed.
create table events (
    global_position bigint generated always as identity primary key,
    -- The writing transaction's id orders events for subscribers: identity values are
    -- handed out at insert but become visible at commit, so readers only trust
    -- transactions below the snapshot horizon (see docs/architecture.md).
    transaction_id  xid8        not null default pg_current_xact_id(),
    event_id        uuid        not null unique,
    stream_id       text        not null,
    stream_version  bigint      not null check (stream_version > 0),
    type            text        not null,
    schema_version  int         not null default 1,
    data            jsonb       not null,
    metadata        jsonb       not null,
    org_id          bigint      generated always as ((metadata->>'org_id')::bigint) stored,
    recorded_at     timestamptz not null default clock_timestamp(),
    unique (stream_id, stream_version)
);

create index events_subscriber_order on events (transaction_id, global_position);
create index events_org_recorded on events (org_id, recorded_at);

create function events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'the event log is append-only: % is not allowed on events', tg_op
        using errcode = 'restrict_violation';
end
$$;

create trigger events_no_update_delete before update or delete on events
    for each row execute function events_append_only();
create trigger events_no_truncate before truncate on events
    for each statement execute function events_append_only();

-- Subscribers (projections) remember how far they got, in the order they read.
create table checkpoints (
    name           text primary key,
    transaction_id xid8        not null default '0',
    position       bigint      not null default 0,
    updated_at     timestamptz not null default now()
);
