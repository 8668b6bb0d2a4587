create sequence user_id_seq;
create sequence organization_id_seq;

-- Command-side stores. Credentials are secrets, not facts, so they live here and never
-- in the event log; the log records that a password changed, not what it became.
create table credentials (
    user_id       bigint primary key,
    email         text        not null,
    password_hash text        not null,
    updated_at    timestamptz not null default now()
);
create unique index credentials_email on credentials (lower(email));

-- Reserves organization names before their creation event is appended.
create table organization_names (
    name_key text primary key,
    org_id   bigint not null unique
);

-- Read models of the identity projection.
create table users (
    id         bigint primary key,
    email      text        not null,
    name       text        not null,
    disabled   boolean     not null default false,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    version    bigint      not null
);
create unique index users_email on users (lower(email));

create table organizations (
    id         bigint primary key,
    name       text        not null,
    created_at timestamptz not null,
    version    bigint      not null
);

create table memberships (
    org_id   bigint      not null,
    user_id  bigint      not null,
    role     text        not null,
    added_at timestamptz not null,
    primary key (user_id, org_id)
);
create index memberships_org on memberships (org_id, user_id);

-- Server-side sessions. Only a hash of the cookie's token is stored, so a copy of this
-- table does not let anyone act as its users.
create table http_sessions (
    id_hash      bytea primary key,
    user_id      bigint,
    org_id       bigint,
    data         jsonb       not null default '{}',
    created_at   timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    expires_at   timestamptz not null,
    ip           text        not null default '',
    user_agent   text        not null default ''
);
create index http_sessions_user on http_sessions (user_id) where user_id is not null;
create index http_sessions_expiry on http_sessions (expires_at);

-- Failed logins per account, per address and per account+address, for throttling.
create table login_failures (
    scope         text        not null,
    key           text        not null,
    failures      int         not null default 0,
    window_start  timestamptz not null default now(),
    blocked_until timestamptz,
    -- Whether the attempt that last touched the row arrived while it was blocked.
    refused       boolean     not null default false,
    primary key (scope, key)
);
