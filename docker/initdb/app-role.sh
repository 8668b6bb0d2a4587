#!/bin/sh
# Creates the role `strata serve` connects as. The postgres image runs the scripts in
# /docker-entrypoint-initdb.d once, as the superuser POSTGRES_USER, when it initialises
# an empty data directory. The role may log in and nothing more: it is no superuser and
# owns nothing, and `strata migrate --app-role` (the compose `migrate` service, run as
# the owner) grants it exactly the privileges the server needs.
set -e
: "${STRATA_APP_ROLE:=strata_app}"
: "${STRATA_DB_APP_PASSWORD:?set STRATA_DB_APP_PASSWORD in .env (see .env.example)}"

# psql quotes the name and the password itself (:"..." and :'...'), so any character
# is safe in either.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
	--set app_role="$STRATA_APP_ROLE" --set app_password="$STRATA_DB_APP_PASSWORD" <<'SQL'
create role :"app_role" login password :'app_password'
    nosuperuser nocreatedb nocreaterole noreplication nobypassrls;
SQL
