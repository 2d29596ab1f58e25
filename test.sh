#!/usr/bin/env bash
# Runs every test: starts a private InfluxDB and a private PostgreSQL (cluster-mode tests) on loopback (installed
# with apt when missing), builds, runs all test
# projects, stops what it started, and ends with one line: "Tests: N passed, M failed, K skipped".
set -uo pipefail
cd "$(dirname "$0")"

work=$(mktemp -d)
influx_port=${AIOPS_TEST_INFLUX_PORT:-18086}
pg_port=${AIOPS_TEST_PG_PORT:-15432}
results="$work/results"

stop() {
  scripts/influxdb.sh stop "$work/influxdb" >/dev/null 2>&1
  scripts/postgres.sh stop "$work/postgres" >/dev/null 2>&1
  rm -rf "$work"
}
trap stop EXIT

summary() { echo "Tests: $1 passed, $2 failed, $3 skipped"; }

if ! scripts/influxdb.sh start "$work/influxdb" "$influx_port" aiops; then
  echo "test.sh: could not start InfluxDB" >&2
  summary 0 1 0
  exit 1
fi
export AIOPS_TEST_INFLUX_URL="http://127.0.0.1:$influx_port"

chmod 755 "$work" # PostgreSQL runs as the postgres user, which must reach its data directory under here
if ! scripts/postgres.sh start "$work/postgres" "$pg_port" aiops; then
  echo "test.sh: could not start PostgreSQL" >&2
  summary 0 1 0
  exit 1
fi
# The cluster tests create a database of their own per run on this server (trust auth, loopback only).
export AIOPS_TEST_PG="Host=127.0.0.1;Port=$pg_port;Username=postgres"

# The UI browser tests drive Debian's chromium headless (Playwright cannot download a browser here).
if ! scripts/chromium.sh; then
  echo "test.sh: could not install chromium" >&2
  summary 0 1 0
  exit 1
fi

if ! dotnet build Aiops.sln -c Release -nologo -v quiet; then
  echo "test.sh: build failed" >&2
  summary 0 1 0
  exit 1
fi

dotnet test Aiops.sln -c Release --no-build -nologo --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" 2>&1 | tee "$work/test.log"
status=${PIPESTATUS[0]}

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  p=$(get passed); f=$(get failed); t=$(get total); e=$(get executed)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${t:-0} - ${e:-0}))
done

# A crashed test host can leave no failed count behind: a non-zero exit must never read as green.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: dotnet test exited with $status without a failed test count (crash or missing results)" >&2
  failed=1
fi
if [ "$files" -eq 0 ]; then failed=$((failed + 1)); fi

summary "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ]
