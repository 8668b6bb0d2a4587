create sequence framework_id_seq;
create sequence requirement_id_seq;
create sequence control_id_seq;
create sequence control_test_id_seq;

-- Command-side reservations of names that must be unique within an organization
-- (control codes, framework name and version). A key is reserved before the event
-- that claims it is appended and released when the append fails or the name changes,
-- so two simultaneous creations cannot both win.
create table unique_keys (
    kind     text   not null,
    org_id   bigint not null,
    key      text   not null,
    owner_id bigint not null,
    primary key (kind, org_id, key)
);

-- Codes such as BS-2 and BS-10 sort as people read them: digit runs by their value.
create collation natural_order (provider = icu, locale = 'und-u-kn-true');

-- Read models of the controls projection.
create table frameworks (
    id                bigint primary key,
    org_id            bigint      not null,
    name              text        not null,
    version           text        not null,
    description       text        not null,
    source            text        not null,
    requirement_count int         not null default 0,
    created_at        timestamptz not null,
    created_by        bigint      not null,
    updated_at        timestamptz not null,
    stream_version    bigint      not null
);
create index frameworks_org on frameworks (org_id, id);

create table requirements (
    id           bigint primary key,
    org_id       bigint      not null,
    framework_id bigint      not null,
    code         text        not null,
    title        text        not null,
    description  text        not null,
    created_at   timestamptz not null
);
create index requirements_framework on requirements (framework_id, code collate natural_order);

create table controls (
    id              bigint primary key,
    org_id          bigint      not null,
    code            text        not null,
    title           text        not null,
    description     text        not null,
    framework_id    bigint,
    status          text        not null,
    type            text        not null,
    frequency       text        not null,
    owner_id        bigint,
    effectiveness   text        not null default 'Not Tested',
    last_tested_at  timestamptz,
    requirement_ids bigint[]    not null default '{}',
    created_at      timestamptz not null,
    created_by      bigint      not null,
    updated_at      timestamptz not null,
    updated_by      bigint      not null,
    version         bigint      not null
);
create index controls_org_id on controls (org_id, id);
create index controls_org_code on controls (org_id, code collate natural_order, id);
create index controls_org_updated on controls (org_id, updated_at, id);
create index controls_org_status on controls (org_id, status, effectiveness);
create index controls_org_framework on controls (org_id, framework_id, id);
create index controls_search on controls using gin ((code || ' ' || title || ' ' || description) gin_trgm_ops);

create table control_tests (
    id          bigint primary key,
    org_id      bigint      not null,
    control_id  bigint      not null,
    tested_at   timestamptz not null,
    result      text        not null,
    notes       text        not null,
    recorded_at timestamptz not null,
    recorded_by bigint      not null,
    recorder    text        not null
);
create index control_tests_control on control_tests (control_id, tested_at desc, id desc);

-- One row per effectiveness change; the position orders changes made in one append.
create table control_effectiveness (
    position      bigint primary key,
    org_id        bigint      not null,
    control_id    bigint      not null,
    effectiveness text        not null,
    previous      text        not null,
    notes         text        not null,
    test_id       bigint,
    changed_at    timestamptz not null,
    changed_by    bigint      not null,
    changer       text        not null
);
create index control_effectiveness_control on control_effectiveness (control_id, position desc);

create table control_requirements (
    org_id         bigint      not null,
    control_id     bigint      not null,
    requirement_id bigint      not null,
    framework_id   bigint      not null,
    mapped_at      timestamptz not null,
    primary key (control_id, requirement_id)
);
create index control_requirements_requirement on control_requirements (requirement_id);
create index control_requirements_framework on control_requirements (framework_id);
