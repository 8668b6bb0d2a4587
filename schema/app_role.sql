-- Grants the application's database role what `strata serve` needs and nothing more,
-- on the schema that holds Strata's tables (the first one on the search path).
--
-- The event log may be read and appended to, never changed: without UPDATE, DELETE or
-- TRUNCATE, and without owning the table, the role can neither rewrite a fact nor
-- switch off the trigger that guards the log. Every other table is read and written
-- (read models, checkpoints, sessions, login throttling, command-side reservations);
-- sequences hand out ids. The role may not create, alter or drop anything, so
-- migrations and projection rebuilds run as the owner of the tables.
--
-- The owner's default privileges pass the same grants on to tables a later migration
-- or a rebuild creates. A later table that must be append-only revokes them in its
-- own migration, and `strata migrate --app-role` runs this file again after migrating.
--
-- `strata migrate --app-role ROLE` and `strata admin grant-app-role ROLE` run it; with
-- psql, as the owner: PGOPTIONS='-c strata.app_role=ROLE' psql -f schema/app_role.sql
do $grant$
declare
    app    text := current_setting('strata.app_role', true);
    s      text := current_schema();
    owner  text;
    reason text;
begin
    if coalesce(app, '') = '' then
        raise exception 'no role to grant: set strata.app_role';
    end if;
    if to_regclass('events') is null then
        raise exception 'schema % holds no event log', coalesce(s, '(none)')
            using hint = 'run strata migrate as the owner first';
    end if;
    if not exists (select from pg_roles where rolname = app) then
        raise exception 'role % does not exist', app
            using hint = 'create it first, for example: create role ' || quote_ident(app) || ' login password ''...''';
    end if;

    select pg_get_userbyid(c.relowner),
           case
               when r.rolsuper then 'it is a superuser'
               when pg_has_role(r.oid, c.relowner, 'MEMBER') then
                   format('it is, or is a member of, %I, which owns the event log', pg_get_userbyid(c.relowner))
               when pg_has_role(r.oid, n.nspowner, 'MEMBER') then format('it owns schema %I', s)
               when pg_has_role(r.oid, d.datdba, 'MEMBER') then format('it owns database %I', d.datname)
           end
      into owner, reason
      from pg_roles r
     cross join pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      join pg_database d on d.datname = current_database()
     where r.rolname = app and c.oid = 'events'::regclass;
    if reason is not null then
        raise exception 'role % cannot be the application role: %', app, reason
            using hint = 'the application role must be a login role that owns nothing';
    end if;

    execute format('grant usage on schema %I to %I', s, app);
    execute format('revoke create on schema %I from %I', s, app);
    execute format('grant select, insert, update, delete on all tables in schema %I to %I', s, app);
    execute format('revoke all on events from %I', app);
    execute format('grant select, insert on events to %I', app);
    execute format('revoke all on schema_migrations from %I', app);
    execute format('grant select on schema_migrations to %I', app);
    -- nextval only: no setval, which could hand out an id twice.
    execute format('revoke all on all sequences in schema %I from %I', s, app);
    execute format('grant usage on all sequences in schema %I to %I', s, app);
    execute format('alter default privileges for role %I in schema %I grant select, insert, update, delete on tables to %I', owner, s, app);
    execute format('alter default privileges for role %I in schema %I grant usage on sequences to %I', owner, s, app);

    -- CREATE may also come through PUBLIC (on the public schema before PostgreSQL 15) or
    -- another role. A role that may create objects is not held to the grants above, and
    -- `strata serve` would take it for the owner and try to migrate.
    if has_schema_privilege(app, s, 'CREATE') then
        raise exception 'role % may still create objects in schema %', app, s
            using hint = format('revoke create on schema %I from public (and from any role %I belongs to)', s, app);
    end if;
end
$grant$;
