create sequence engagement_id_seq;
create sequence procedure_id_seq;
create sequence finding_id_seq;

-- Read models of the audits projection. Every table is prefixed audit_ so that later
-- modules with procedures or findings of their own keep plain names free.
--
-- A nullable date that a list sorts by is ordered as coalesce(date, 'infinity'): a
-- keyset needs a key that is never null, and undated rows then come last.

create table audit_engagements (
    id              bigint primary key,
    org_id          bigint      not null,
    title           text        not null,
    scope           text        not null default '',
    auditee         text        not null default '',
    lead_auditor_id bigint,
    phase           text        not null,
    status          text        not null,
    planned_start   date,
    planned_end     date,
    created_at      timestamptz not null,
    created_by      bigint      not null,
    updated_at      timestamptz not null,
    updated_by      bigint      not null,
    -- The engagement's own version: events about the engagement itself, not about its
    -- procedures or findings.
    version         bigint      not null
);
create index audit_engagements_org_id on audit_engagements (org_id, id);
create index audit_engagements_org_updated on audit_engagements (org_id, updated_at, id);
create index audit_engagements_org_start on audit_engagements (org_id, (coalesce(planned_start, 'infinity'::date)), id);
create index audit_engagements_org_title on audit_engagements (org_id, title, id);
create index audit_engagements_org_phase on audit_engagements (org_id, phase, id);
create index audit_engagements_org_status on audit_engagements (org_id, status, id);
create index audit_engagements_org_lead on audit_engagements (org_id, lead_auditor_id, id);
create index audit_engagements_search on audit_engagements
    using gin ((title || ' ' || scope || ' ' || auditee) gin_trgm_ops);

create table audit_procedures (
    id            bigint primary key,
    org_id        bigint      not null,
    engagement_id bigint      not null,
    title         text        not null,
    description   text        not null default '',
    assigned_to   bigint,
    status        text        not null,
    conclusion    text        not null default '',
    signed_off_by bigint,
    signed_off_at timestamptz,
    created_at    timestamptz not null,
    created_by    bigint      not null,
    updated_at    timestamptz not null,
    updated_by    bigint      not null,
    version       bigint      not null
);
create index audit_procedures_engagement on audit_procedures (engagement_id, id);

-- A finding carries its current management response; audit_finding_responses keeps
-- every one submitted. Severity's rank is derived so that a severity sort is by
-- gravity, not by name.
create table audit_findings (
    id                    bigint primary key,
    org_id                bigint      not null,
    engagement_id         bigint      not null,
    title                 text        not null,
    description           text        not null default '',
    severity              text        not null,
    severity_rank         smallint generated always as (
        case severity when 'Low' then 1 when 'Medium' then 2 when 'High' then 3 when 'Critical' then 4 else 0 end) stored,
    risk_id               bigint,
    control_id            bigint,
    source_test_id        bigint,
    status                text        not null,
    assigned_to           bigint,
    due_date              date,
    response              text,
    response_action_plan  text,
    response_target_date  date,
    response_submitted_by bigint,
    response_submitted_at timestamptz,
    created_at            timestamptz not null,
    created_by            bigint      not null,
    updated_at            timestamptz not null,
    updated_by            bigint      not null,
    -- The finding's own version: the events about it.
    version               bigint      not null
);
create index audit_findings_org_id on audit_findings (org_id, id);
create index audit_findings_org_updated on audit_findings (org_id, updated_at, id);
create index audit_findings_org_due on audit_findings (org_id, (coalesce(due_date, 'infinity'::date)), id);
create index audit_findings_org_severity on audit_findings (org_id, severity_rank, id) include (status);
create index audit_findings_org_status on audit_findings (org_id, status, id);
create index audit_findings_org_assigned on audit_findings (org_id, assigned_to, id);
-- The risk_rating filter walks the organization's risks of a rating to their findings;
-- status and severity let it count the ones other filters keep from the index alone,
-- without visiting every row.
create index audit_findings_org_risk on audit_findings (org_id, risk_id, id) include (status, severity_rank);
create index audit_findings_org_control on audit_findings (org_id, control_id, id);
create index audit_findings_engagement on audit_findings (engagement_id, id) include (status);
-- Open findings (not Closed) are what the open filter, the dashboard and most
-- triage read; counting them from this index reads only theirs.
create index audit_findings_org_open on audit_findings (org_id, id) where status <> 'Closed';
-- Overdue is computed against the caller's today, so it cannot be stored; the findings
-- it can apply to (dated, not Closed) are indexed by date.
create index audit_findings_org_open_due on audit_findings (org_id, due_date, id)
    where status <> 'Closed' and due_date is not null;
create index audit_findings_search on audit_findings using gin ((title || ' ' || description) gin_trgm_ops);

-- One row per management response submitted; the position orders a finding's
-- responses.
create table audit_finding_responses (
    position      bigint primary key,
    org_id        bigint      not null,
    engagement_id bigint      not null,
    finding_id    bigint      not null,
    response      text        not null,
    action_plan   text        not null,
    target_date   date,
    submitted_by  bigint      not null,
    submitted_at  timestamptz not null
);
create index audit_finding_responses_finding on audit_finding_responses (finding_id, position desc);
