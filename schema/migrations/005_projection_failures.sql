-- An event a projection could not apply, kept while the projection is halted on it so
-- that `strata projections status`, /metrics and any process can name it. The row goes
-- when the projection applies the event.
create table projection_failures (
    name            text primary key,
    transaction_id  xid8 not null,
    position        bigint not null,
    event_id        uuid not null,
    stream_id       text not null,
    stream_version  bigint not null,
    event_type      text not null,
    error           text not null,
    failed_at       timestamptz not null,
    last_attempt_at timestamptz not null,
    attempts        int not null
);
