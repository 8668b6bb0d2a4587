-- Tamper evidence for the event log (docs/trail.md, "Tamper evidence").
--
-- The seal projection appends each organization's events, in the order subscribers
-- read them, as the leaves of a Merkle tree (RFC 6962 hashing). seal_leaves says
-- which event each leaf is; seal_hashes keeps the tree's stored hashes in the layout
-- of golang.org/x/mod/sumdb/tlog. Both are derived from the log and may be rebuilt.
create table seal_leaves (
    org_id   bigint not null,
    leaf     bigint not null,
    position bigint not null,
    event_id uuid   not null,
    primary key (org_id, leaf)
);
-- Verification looks for events the sealer should have sealed and did not.
create index seal_leaves_position on seal_leaves (position);

create table seal_hashes (
    org_id bigint not null,
    index  bigint not null,
    hash   bytea  not null check (length(hash) = 32),
    primary key (org_id, index)
);

-- Checkpoints state an organization's tree size and root at a moment, signed when
-- the server has a signing key. They are not part of the projection: a rebuild
-- re-derives the tree from the log as it then is, and the checkpoints made before it
-- are what shows whether that log is still the one that was sealed.
create table seal_checkpoints (
    org_id     bigint      not null,
    tree_size  bigint      not null check (tree_size > 0),
    root       bytea       not null check (length(root) = 32),
    created_at timestamptz not null,
    signed     boolean     not null,
    -- The checkpoint as exported: its text, followed by its signature lines when
    -- signed (a signed note, golang.org/x/mod/sumdb/note).
    note       text        not null,
    primary key (org_id, tree_size)
);

-- Like the log, checkpoints are only ever added. The application role owns nothing,
-- so it cannot switch this trigger off.
create function seal_checkpoints_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'seal checkpoints are append-only: % is not allowed on seal_checkpoints', tg_op
        using errcode = 'restrict_violation';
end
$$;

create trigger seal_checkpoints_no_update_delete before update or delete on seal_checkpoints
    for each row execute function seal_checkpoints_append_only();
create trigger seal_checkpoints_no_truncate before truncate on seal_checkpoints
    for each statement execute function seal_checkpoints_append_only();
