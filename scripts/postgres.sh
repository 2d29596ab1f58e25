#!/usr/bin/env bash
# Installs (Debian package `postgresql`) and starts/stops a private PostgreSQL on loopback with its cluster under
# a directory of ours: no system service, works in containers without systemd. The server runs as the `postgres`
# user (PostgreSQL refuses to run as root), so DATA_DIR is handed to that user.
#   scripts/postgres.sh start DATA_DIR PORT [DATABASE]   -> waits until ready, creates DATABASE (default aiops)
#                                                           and runs the Orleans ADO.NET scripts into it once
#   scripts/postgres.sh stop DATA_DIR
#   scripts/postgres.sh schema DATA_DIR PORT DATABASE     -> (re)creates DATABASE empty and runs the scripts
# Connection string for the silo: Host=127.0.0.1;Port=PORT;Database=DATABASE;Username=postgres (trust auth on
# loopback only: this is a private test/dev server, see docs/cluster.md for a production setup).
set -euo pipefail

cmd=${1:?start|stop|schema}
data_dir=${2:?data directory}
here=$(cd "$(dirname "$0")" && pwd)
sql_dir="$here/sql"
mkdir -p "$data_dir"
data_dir=$(cd "$data_dir" && pwd)
cluster="$data_dir/cluster"

install_postgres() {
  if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then return; fi
  echo "postgres.sh: installing PostgreSQL (Debian package postgresql) with apt" >&2
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d keeps the package's own service from starting where it is set; without systemd it cannot start anyway.
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
}

bin_dir() {
  # The newest installed major version (Debian keeps them side by side under /usr/lib/postgresql/MAJOR/bin).
  ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1
}

as_postgres() { runuser -u postgres -- "$@"; }

psql_at() {
  local port=$1 db=$2; shift 2
  PGOPTIONS="-c client_min_messages=warning" as_postgres "$(bin_dir)/psql" -h 127.0.0.1 -p "$port" -U postgres -d "$db" -v ON_ERROR_STOP=1 -q -X "$@"
}

wait_ready() {
  local port=$1
  for _ in $(seq 1 150); do
    if as_postgres "$(bin_dir)/pg_isready" -q -h 127.0.0.1 -p "$port"; then return 0; fi
    sleep 0.2
  done
  echo "postgres.sh: PostgreSQL did not answer on 127.0.0.1:$port; log: $data_dir/postgres.log" >&2
  tail -n 20 "$data_dir/postgres.log" >&2 || true
  return 1
}

run_scripts() {
  local port=$1 db=$2
  while read -r file; do
    [ -n "$file" ] || continue
    psql_at "$port" "$db" -f "$sql_dir/$file" >/dev/null || { echo "postgres.sh: $sql_dir/$file failed on database $db" >&2; return 1; }
  done < "$sql_dir/ORDER"
}

# Creates DATABASE with the Orleans schema unless it already has it (idempotent: a second start keeps the data).
ensure_database() {
  local port=$1 db=$2
  if [ "$(psql_at "$port" postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
    psql_at "$port" postgres -c "CREATE DATABASE \"$db\""
  fi
  if [ "$(psql_at "$port" "$db" -tAc "SELECT to_regclass('orleansquery') IS NOT NULL")" != t ]; then
    run_scripts "$port" "$db"
  fi
}

case "$cmd" in
  start)
    port=${3:-5432}
    db=${4:-aiops}
    install_postgres
    bin=$(bin_dir)
    chown postgres:postgres "$data_dir"
    if ! as_postgres test -w "$data_dir"; then
      echo "postgres.sh: the postgres user cannot reach $data_dir (a parent directory is not searchable by others: chmod o+x it)" >&2
      exit 1
    fi
    if [ ! -f "$cluster/PG_VERSION" ]; then
      as_postgres "$bin/initdb" -D "$cluster" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$data_dir/initdb.log" 2>&1 \
        || { echo "postgres.sh: initdb failed; log: $data_dir/initdb.log" >&2; tail -n 20 "$data_dir/initdb.log" >&2; exit 1; }
    fi
    if as_postgres "$bin/pg_ctl" -D "$cluster" status >/dev/null 2>&1; then
      wait_ready "$port"
    elif as_postgres "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
      # Someone else's PostgreSQL already serves this port: use it and leave it running on stop.
      echo "postgres.sh: using the PostgreSQL already answering on 127.0.0.1:$port" >&2
    else
      as_postgres "$bin/pg_ctl" -D "$cluster" -l "$data_dir/postgres.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$data_dir' -c max_connections=200 -c fsync=off" >/dev/null \
        || { echo "postgres.sh: pg_ctl start failed; log: $data_dir/postgres.log" >&2; tail -n 20 "$data_dir/postgres.log" >&2; exit 1; }
      wait_ready "$port"
    fi
    ensure_database "$port" "$db"
    ;;
  schema)
    port=${3:?port}
    db=${4:?database}
    psql_at "$port" postgres -c "DROP DATABASE IF EXISTS \"$db\""
    ensure_database "$port" "$db"
    ;;
  stop)
    if [ -f "$cluster/postmaster.pid" ]; then
      as_postgres "$(bin_dir)/pg_ctl" -D "$cluster" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    fi
    ;;
  *) echo "usage: $0 start|stop|schema DATA_DIR [PORT] [DATABASE]" >&2; exit 2 ;;
esac
