-- The organization-wide audit trail (docs/trail.md, "Search and export"): one row per
-- event of every organization, described for search. Derived from the log; a rebuild
-- makes it again.
--
-- position is the organization's own sequence number: 1 for its first event, in the
-- order subscribers read the log. It never reveals how many events other
-- organizations wrote, which the global position would.
create table trail (
    org_id          bigint      not null,
    position        bigint      not null,
    global_position bigint      not null,
    event_id        uuid        not null,
    at              timestamptz not null,
    type            text        not null,
    entity_type     text        not null,
    entity_id       bigint      not null,
    actor_id        bigint      not null,
    -- The actor's name when acting; answers show the member's name now.
    actor_name      text        not null default '',
    ip              text        not null default '',
    user_agent      text        not null default '',
    request_id      text        not null default '',
    changes         jsonb       not null default '{}',
    comment         text        not null default '',
    -- What q searches, lower-cased: the actor's name, the event type, the comment and
    -- the changed values.
    search          text        not null default '',
    primary key (org_id, position)
);
-- Every filter reads newest first within the organization. The others carry the
-- record a row is about, which the confidentiality rule reads for callers who are not
-- admins, so a capped count of a broad filter reads the index alone.
create index trail_entity on trail (org_id, entity_type, entity_id, position);
create index trail_actor on trail (org_id, actor_id, position) include (entity_type, entity_id);
create index trail_type on trail (org_id, type, position) include (entity_type, entity_id);
create index trail_at on trail (org_id, at, position) include (entity_type, entity_id);
create index trail_search on trail using gin (search gin_trgm_ops);
