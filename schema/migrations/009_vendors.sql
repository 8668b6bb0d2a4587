create sequence vendor_id_seq;
create sequence vendor_review_id_seq;

-- Read models of the vendors projection. A removed vendor keeps its row with
-- deleted_at set, as a deleted risk does: lists, details and the dashboard leave it
-- out, and its reviews and tier history stay with it.
--
-- A nullable date that a list sorts by is ordered as coalesce(date, 'infinity'): a
-- keyset needs a key that is never null, and undated rows then come last.
create table vendors (
    id             bigint primary key,
    org_id         bigint      not null,
    name           text        not null,
    service        text        not null default '',
    criticality    text        not null,
    risk_tier      text        not null,
    status         text        not null,
    contact_name   text        not null default '',
    contact_email  text        not null default '',
    next_review    date,
    risk_ids       bigint[]    not null default '{}',
    last_review_at date,
    created_at     timestamptz not null,
    created_by     bigint      not null,
    updated_at     timestamptz not null,
    updated_by     bigint      not null,
    version        bigint      not null,
    deleted_at     timestamptz
);
create index vendors_org_name on vendors (org_id, lower(name), id) where deleted_at is null;
create index vendors_org_updated on vendors (org_id, updated_at, id) where deleted_at is null;
create index vendors_org_next_review on vendors (org_id, (coalesce(next_review, 'infinity'::date)), id)
    where deleted_at is null;
create index vendors_org_tier on vendors (org_id, risk_tier, id) where deleted_at is null;
create index vendors_org_status on vendors (org_id, status, id) where deleted_at is null;
-- What the dashboard counts: vendors in a relationship (not offboarded), by tier and
-- by when their review falls due.
create index vendors_org_current on vendors (org_id, risk_tier, next_review)
    where deleted_at is null and status <> 'offboarded';
create index vendors_risks on vendors using gin (risk_ids) where deleted_at is null;
create index vendors_search on vendors using gin ((name || ' ' || service || ' ' || contact_name) gin_trgm_ops);

-- Every review, with who recorded it as the log names them. version is the version of
-- the vendor's event that recorded it, which orders the reviews as they were recorded
-- (ids come from blocks each process reserves, so they need not).
create table vendor_reviews (
    id             bigint primary key,
    org_id         bigint      not null,
    vendor_id      bigint      not null,
    version        bigint      not null,
    reviewed_at    date        not null,
    reviewer_id    bigint      not null,
    reviewer_name  text        not null,
    decision       text        not null,
    notes          text        not null default '',
    risk_tier_from text        not null,
    risk_tier      text        not null,
    next_review    date        not null,
    recorded_at    timestamptz not null
);
create index vendor_reviews_vendor on vendor_reviews (vendor_id, version);

-- Every tier a vendor has had, keyed by the version of the event that set it: its
-- first tier (from_tier null), an edit's change with its reason, a review's with the
-- review's notes.
create table vendor_tier_changes (
    vendor_id bigint      not null,
    version   bigint      not null,
    org_id    bigint      not null,
    from_tier text,
    to_tier   text        not null,
    at        timestamptz not null,
    by_id     bigint      not null,
    by_name   text        not null,
    reason    text        not null default '',
    review_id bigint,
    primary key (vendor_id, version)
);
