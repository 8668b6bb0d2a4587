-- Servers remember the sessions they have found alive (api/authcache). Whenever a
-- session row goes or its identity changes, whichever statement did it (a logout, a
-- revocation from another server, an administrator's DELETE), every server is told on
-- the strata_auth channel, with the hex of the token's hash, and forgets it.
-- Updates that only move last_seen_at say nothing: expiry is judged by each server
-- from the instants it read.
create function http_sessions_announce() returns trigger
language plpgsql as $$
begin
    perform pg_notify('strata_auth', 's' || encode(old.id_hash, 'hex'));
    return null;
end
$$;

create trigger http_sessions_announce
    after delete or update of data, user_id, org_id, id_hash on http_sessions
    for each row execute function http_sessions_announce();
