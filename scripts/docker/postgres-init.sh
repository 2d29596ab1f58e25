#!/bin/sh
# First start of the compose stack's PostgreSQL: Orleans' ADO.NET schema, in the order scripts/sql/ORDER gives.
set -eu
for f in $(cat /aiops-sql/ORDER); do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f "/aiops-sql/$f"
done
