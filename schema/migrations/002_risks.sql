-- Trigram search for q=; kept in public so every schema on the search path shares it.
create extension if not exists pg_trgm schema public;

create sequence risk_id_seq;
create sequence risk_response_id_seq;

-- Read model of the risks projection. Scores and ratings are derived by the database
-- so a replay can never disagree with the bands in docs/api.md.
create table risks (
    id                  bigint primary key,
    org_id              bigint      not null,
    title               text        not null,
    description         text        not null default '',
    category            text        not null,
    status              text        not null,
    likelihood          int         not null,
    impact              int         not null,
    inherent_score      int generated always as (likelihood * impact) stored,
    rating              text generated always as (
        case when likelihood * impact >= 20 then 'Critical'
             when likelihood * impact >= 10 then 'High'
             when likelihood * impact >= 5 then 'Medium'
             else 'Low' end) stored,
    residual_likelihood int,
    residual_impact     int,
    residual_score      int generated always as (residual_likelihood * residual_impact) stored,
    owner_id            bigint,
    review_date         date,
    control_ids         bigint[]    not null default '{}',
    created_at          timestamptz not null,
    created_by          bigint      not null,
    updated_at          timestamptz not null,
    updated_by          bigint      not null,
    version             bigint      not null,
    deleted_at          timestamptz
);

create index risks_org_id on risks (org_id, id) where deleted_at is null;
create index risks_org_score on risks (org_id, inherent_score, id) where deleted_at is null;
create index risks_org_updated on risks (org_id, updated_at, id) where deleted_at is null;
create index risks_org_status on risks (org_id, status, id) where deleted_at is null;
create index risks_org_category on risks (org_id, category, id) where deleted_at is null;
create index risks_org_rating on risks (org_id, rating, id) where deleted_at is null;
create index risks_org_owner on risks (org_id, owner_id, id) where deleted_at is null;
create index risks_search on risks using gin ((title || ' ' || description) gin_trgm_ops);

create table risk_responses (
    id           bigint primary key,
    org_id       bigint      not null,
    risk_id      bigint      not null,
    type         text        not null,
    description  text        not null,
    owner_id     bigint,
    due_date     date,
    status       text        not null,
    completed_at timestamptz,
    created_at   timestamptz not null,
    updated_at   timestamptz not null
);
create index risk_responses_risk on risk_responses (risk_id, id);

create table risk_controls (
    org_id     bigint      not null,
    risk_id    bigint      not null,
    control_id bigint      not null,
    mapped_at  timestamptz not null,
    mapped_by  bigint      not null,
    primary key (risk_id, control_id)
);
create index risk_controls_control on risk_controls (org_id, control_id);
