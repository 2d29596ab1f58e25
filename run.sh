#!/usr/bin/env bash
# Starts Aiops on its embedded defaults: a private InfluxDB on loopback (installed with apt when missing, data under
# .data/), then the silo (HTTP 127.0.0.1:8080, gRPC 127.0.0.1:4317). --demo also starts the simulator (50 hosts).
# Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")"

demo=0
for arg in "$@"; do
  case "$arg" in
    --demo) demo=1 ;;
    -h|--help) echo "usage: ./run.sh [--demo]"; exit 0 ;;
    *) echo "run.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

data_dir=${AIOPS_DATA_DIR:-$PWD/.data}
if [ "$demo" = 1 ] && [ -z "${AIOPS_DATA_DIR:-}" ]; then
  # The demo replays the last 8 h on every start: grains that kept a later event time from a previous demo would
  # count the replay as late samples and analyse none of it, so the demo gets its own directory, emptied each time.
  data_dir=$PWD/.data/demo
  rm -rf "$data_dir"
fi
influx_port=${AIOPS_INFLUX_PORT:-8086}
http_port=${Aiops__HttpPort:-8080}
grpc_port=${Aiops__GrpcPort:-4317}
mkdir -p "$data_dir"

command -v dotnet >/dev/null 2>&1 || { echo "run.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  scripts/influxdb.sh stop "$data_dir/influxdb"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/influxdb.sh start "$data_dir/influxdb" "$influx_port" aiops
echo "run.sh: InfluxDB on http://127.0.0.1:$influx_port (database aiops)"

dotnet build -c Release -v quiet -nologo silo/Aiops.Silo/Aiops.Silo.csproj
if [ "$demo" = 1 ]; then dotnet build -c Release -v quiet -nologo perf/Aiops.LoadGen/Aiops.LoadGen.csproj; fi

silo_dir=$PWD/silo/Aiops.Silo/bin/Release/net10.0
Influx__Url="http://127.0.0.1:$influx_port" Aiops__DataDirectory="$data_dir" dotnet "$silo_dir/Aiops.Silo.dll" --contentRoot "$silo_dir" &
pids+=($!)

for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:$http_port/healthz" 2>/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "run.sh: the silo exited" >&2; exit 1; }
  sleep 0.2
done
echo "run.sh: Aiops on http://127.0.0.1:$http_port (REST, /write, /metrics) and gRPC 127.0.0.1:$grpc_port; Ctrl-C stops"

if [ "$demo" = 1 ]; then
  # The demo CMDB (switches sw-a/sw-b, 50 hosts, services, one application) goes in before any telemetry, so the
  # incident manager correlates the replayed faults through it; see docs/demo.md for what to expect.
  curl -fsS -X POST -H 'Content-Type: application/json' --data @scripts/demo-cmdb.json \
    "http://127.0.0.1:$http_port/api/v1/cmdb/import?mode=replace" >/dev/null \
    || { echo "run.sh: importing scripts/demo-cmdb.json failed" >&2; exit 1; }
  echo "run.sh: demo CMDB imported (scripts/demo-cmdb.json)"
  # Replays the last 8 h of event time (a memory leak on sim-007, a degradation behind sw-a 20 min before the end),
  # then goes live every 5 s.
  dotnet perf/Aiops.LoadGen/bin/Release/net10.0/Aiops.LoadGen.dll simulate --url "http://127.0.0.1:$grpc_port" --hosts 50 --interval-ms 5000 --replay-hours 8 &
  pids+=($!)
  echo "run.sh: simulator replaying 8 h then shipping 50 hosts live; try: curl 127.0.0.1:$http_port/api/v1/hosts"
fi

wait -n "${pids[@]}"
