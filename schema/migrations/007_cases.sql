create sequence case_id_seq;
create sequence evidence_id_seq;

-- Read model of the cases projection. A case's version counts its own events, never
-- the evidence events its stream also carries: a download must not make an editor's
-- form stale. Priority's rank is derived so that a priority sort is by urgency, not
-- by name.
create table cases (
    id                bigint primary key,
    org_id            bigint      not null,
    title             text        not null,
    description       text        not null default '',
    type              text        not null default '',
    status            text        not null,
    priority          text        not null,
    priority_rank     smallint generated always as (
        case priority when 'low' then 1 when 'medium' then 2 when 'high' then 3 when 'urgent' then 4 else 0 end) stored,
    reporter          text        not null default '',
    assignee_id       bigint,
    confidential      boolean     not null default false,
    resolution        text,
    evidence_count    bigint      not null default 0,
    created_at        timestamptz not null,
    created_by        bigint      not null,
    updated_at        timestamptz not null,
    updated_by        bigint      not null,
    status_changed_at timestamptz not null,
    version           bigint      not null
);
create index cases_org_updated on cases (org_id, updated_at, id);
create index cases_org_created on cases (org_id, created_at, id);
-- A caller who is not an admin sees a confidential case only when it is theirs, so
-- every count of a list, and every dashboard figure, reads who may see each case. The
-- filter indexes carry those columns, and such a count reads the index alone.
create index cases_org_status on cases (org_id, status, priority_rank) include (confidential, assignee_id, created_by);
create index cases_org_priority on cases (org_id, priority_rank, id) include (status, confidential, assignee_id, created_by);
create index cases_org_assignee on cases (org_id, assignee_id, id) include (status, confidential, created_by);
create index cases_org_type on cases (org_id, type, id) include (confidential, assignee_id, created_by);
-- Open cases (not completed) are what the dashboard counts and most triage reads.
create index cases_org_open on cases (org_id, priority_rank) include (confidential, assignee_id, created_by)
    where status <> 'completed';
-- Confidential cases are the few; the confidential filter reads them newest first, and
-- for a caller who is not an admin keeps their own from the index alone.
create index cases_org_confidential on cases (org_id, updated_at, id) include (assignee_id, created_by) where confidential;
create index cases_search on cases using gin ((title || ' ' || description || ' ' || reporter) gin_trgm_ops);

-- Read models of the evidence projection, fed by the file events of every stream
-- (cases, and engagements for workpapers and finding attachments). The files
-- themselves are in the blob store under their SHA-256.
create table evidence (
    id               bigint primary key,
    org_id           bigint      not null,
    owner_kind       text        not null,
    owner_id         bigint      not null,
    stream_id        text        not null,
    file_name        text        not null,
    content_type     text        not null default '',
    size             bigint      not null,
    sha256           text        not null,
    description      text        not null default '',
    uploaded_by      bigint      not null,
    uploaded_by_name text        not null,
    uploaded_at      timestamptz not null,
    integrity        text        not null default 'unverified',
    last_verified_at timestamptz,
    download_count   bigint      not null default 0
);
create index evidence_owner on evidence (org_id, owner_kind, owner_id, id);
-- Blob collection asks whether any file of any organization still names a hash.
create index evidence_sha256 on evidence (sha256);

-- The chain of custody: one row per upload, download and verification, keyed by the
-- event's global position, which orders a file's custody as it happened.
create table evidence_custody (
    position    bigint primary key,
    org_id      bigint      not null,
    evidence_id bigint      not null,
    owner_kind  text        not null,
    owner_id    bigint      not null,
    action      text        not null,
    actor_id    bigint      not null,
    actor_name  text        not null,
    at          timestamptz not null,
    ip          text        not null default '',
    user_agent  text        not null default '',
    sha256      text        not null,
    result      text,
    reason      text
);
create index evidence_custody_evidence on evidence_custody (org_id, evidence_id, position);
create index evidence_custody_owner on evidence_custody (org_id, owner_kind, owner_id, position);
