create sequence objective_id_seq;
create sequence kpi_id_seq;

-- The period arithmetic of KPIs, in one place for every list, detail and count that
-- judges staleness (commands/kpis/period.go does the same in Go for answers replayed
-- from a stream, and a test holds the two to the same answers).
--
-- A period is written 2026-03 (monthly), 2026-Q1 (quarterly) or 2026 (annual); periods
-- of one frequency sort as text in time order, compared byte by byte (collate "C") as
-- Go compares them. A period's value is due by its last day plus a grace of 32
-- (monthly), 95 (quarterly) or 370 (annual) days, and kpi_due_period is the most
-- recent period whose due date is before today: the period holding today minus the
-- grace, less one. The arguments are plain values and only digits are formatted, so
-- the answer depends on nothing else (no time zone, no locale): hence immutable.
create function kpi_due_period(frequency text, today date) returns text
    language sql immutable strict parallel safe
    return case frequency
        when 'monthly' then to_char(date_trunc('month', (today - 32)::timestamp) - interval '1 month', 'YYYY-MM')
        when 'quarterly' then to_char(date_trunc('quarter', (today - 95)::timestamp) - interval '3 months', 'YYYY-"Q"Q')
        when 'annual' then to_char(date_trunc('year', (today - 370)::timestamp) - interval '1 year', 'YYYY')
    end;

-- The period a KPI should have a value for by today, or null when none is due yet. A
-- KPI that has values has been reported on, so every period up to the due one is
-- expected of it; one without values is given until the first due date that passes
-- after the day it was defined.
create function kpi_last_due(frequency text, defined_on date, latest_period text, today date) returns text
    language sql immutable parallel safe
    return case when latest_period is not null
                  or kpi_due_period(frequency, today) > kpi_due_period(frequency, defined_on) collate "C"
        then kpi_due_period(frequency, today) end;

-- Stale: the KPI has no value for its last due period, nor for any later one.
create function kpi_stale(frequency text, defined_on date, latest_period text, today date) returns boolean
    language sql immutable parallel safe
    return coalesce(latest_period is null
                    or latest_period < kpi_last_due(frequency, defined_on, latest_period, today) collate "C", false)
        and kpi_last_due(frequency, defined_on, latest_period, today) is not null;

-- Read models of the kpis projection.
create table objectives (
    id           bigint primary key,
    org_id       bigint      not null,
    name         text        not null,
    description  text        not null default '',
    owner_id     bigint,
    period_start date,
    period_end   date,
    created_at   timestamptz not null,
    created_by   bigint      not null,
    updated_at   timestamptz not null,
    updated_by   bigint      not null,
    version      bigint      not null
);
create index objectives_org_updated on objectives (org_id, updated_at, id);
create index objectives_org_name on objectives (org_id, name collate natural_order, id);
create index objectives_org_owner on objectives (org_id, owner_id, id);
create index objectives_search on objectives using gin ((name || ' ' || description) gin_trgm_ops);

-- A KPI with the latest period's value (the greatest period recorded, not the last
-- written). on_target is derived from it, the target and the direction, so it is never
-- typed in and changes with any of them; null while the KPI has no value. defined_on
-- is the UTC date the KPI was defined, from which its first value is due.
create table kpis (
    id            bigint primary key,
    org_id        bigint           not null,
    name          text             not null,
    description   text             not null default '',
    unit          text             not null default '',
    target        double precision not null,
    direction     text             not null,
    frequency     text             not null,
    owner_id      bigint,
    objective_id  bigint,
    latest_period text collate "C",
    latest_value  double precision,
    on_target     boolean generated always as (
        case direction when 'higher_is_better' then latest_value >= target
                       when 'lower_is_better' then latest_value <= target end) stored,
    defined_on    date             not null,
    created_at    timestamptz      not null,
    created_by    bigint           not null,
    updated_at    timestamptz      not null,
    updated_by    bigint           not null,
    version       bigint           not null
);
create index kpis_org_updated on kpis (org_id, updated_at, id);
create index kpis_org_name on kpis (org_id, name collate natural_order, id);
create index kpis_org_objective on kpis (org_id, objective_id, id) include (on_target);
create index kpis_org_owner on kpis (org_id, owner_id, id);
create index kpis_search on kpis using gin ((name || ' ' || description || ' ' || unit) gin_trgm_ops);
