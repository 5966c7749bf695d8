#!/bin/sh
# Runs once, when the postgres volume is first initialised (docker-entrypoint-initdb.d): creates the
# login role that web, worker and beat connect as. It owns nothing; `manage.py db_app_role`, run by
# the migrate service as the owner after every migrate, grants its privileges (audit table: SELECT
# and INSERT only).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_user="$VIGIL_APP_DB_USER" -v app_password="$VIGIL_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
SQL
