#!/usr/bin/env bash
# Measures Aiops end-to-end ingest (accepted over gRPC or HTTP until Aiops reports every point written to InfluxDB)
# against InfluxDB-direct writes of the same points, in one run on this machine, and prints the ratios.
#   perf/loadgen-compare.sh [POINTS] [HOSTS] [SERIES_PER_HOST]
set -euo pipefail
cd "$(dirname "$0")/.."
points=${1:-1000000}
hosts=${2:-1000}
series=${3:-20}
work=$(mktemp -d)
influx_port=28086
http_port=28080
grpc_port=24317
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  scripts/influxdb.sh stop "$work/influxdb"
  rm -rf "$work"
}
trap cleanup EXIT

scripts/influxdb.sh start "$work/influxdb" "$influx_port" aiops
scripts/influxdb.sh start "$work/influxdb" "$influx_port" direct
scripts/influxdb.sh start "$work/influxdb" "$influx_port" warmup
dotnet build -c Release -v quiet -nologo silo/Aiops.Silo/Aiops.Silo.csproj >/dev/null
dotnet build -c Release -v quiet -nologo perf/Aiops.LoadGen/Aiops.LoadGen.csproj >/dev/null
silo_dir=$PWD/silo/Aiops.Silo/bin/Release/net10.0
Influx__Url="http://127.0.0.1:$influx_port" Aiops__DataDirectory="$work/data" Aiops__HttpPort=$http_port Aiops__GrpcPort=$grpc_port Aiops__SiloPort=21111 Aiops__GatewayPort=23000 \
  Serilog__MinimumLevel__Default=Warning env ${AIOPS_SILO_ENV:-} dotnet "$silo_dir/Aiops.Silo.dll" --contentRoot "$silo_dir" > "$work/silo.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do curl -fsS -o /dev/null "http://127.0.0.1:$http_port/healthz" 2>/dev/null && break; sleep 0.2; done

# Each run ships its own hosts (--host-prefix): the grains skip the analytics of samples older than a series' latest,
# so a run repeating the previous run's hosts (and, ending at "now", mostly older timestamps) would skip them and look
# faster than it is. Every measured run therefore pays for fresh grains and full analytics.
loadgen() { dotnet perf/Aiops.LoadGen/bin/Release/net10.0/Aiops.LoadGen.dll "$@" --points "$points" --hosts "$hosts" --series-per-host "$series" 2>/dev/null; }
rate() { sed -n 's/.*points_per_s=\([0-9]*\).*/\1/p'; }

# Warm-up, not measured: each path once with half the points, so the measured runs see the steady state of a
# long-running silo. The JIT tiers a path's hot code up only after many requests: in a fresh silo the first 300,000
# structured gRPC points cost 4 s of silo CPU, the third batch of 300,000 1.1 s (line protocol 3.8 s, then 1.0 s);
# whichever path ran first used to pay for all of that.
warm=$((points / 2))
for t in influx grpc grpc-lp http; do
  if [ "$t" = influx ]; then u="http://127.0.0.1:$influx_port"; m=(--db warmup); elif [ "$t" = http ]; then u="http://127.0.0.1:$http_port"; m=(--metrics-url "http://127.0.0.1:$http_port"); else u="http://127.0.0.1:$grpc_port"; m=(--metrics-url "http://127.0.0.1:$http_port"); fi
  dotnet perf/Aiops.LoadGen/bin/Release/net10.0/Aiops.LoadGen.dll --target "$t" --url "$u" "${m[@]}" --host-prefix "warm-$t-" --points "$warm" --hosts "$hosts" --series-per-host "$series" >/dev/null 2>&1
done
# The analytics of the warm-up finish before the baseline runs, so it does not share the cores with them.
for _ in $(seq 1 600); do
  pending=$(curl -fsS "http://127.0.0.1:$http_port/metrics" | sed -n 's/^aiops_dispatch_pending_samples \([0-9]*\).*/\1/p')
  [ "${pending:-1}" = 0 ] && break
  sleep 0.1
done
direct=$(loadgen --target influx --url "http://127.0.0.1:$influx_port" --db direct)
echo "influx-direct: $direct"
grpc=$(loadgen --target grpc --host-prefix grpc- --url "http://127.0.0.1:$grpc_port" --metrics-url "http://127.0.0.1:$http_port")
echo "aiops-grpc:    $grpc"
grpclp=$(loadgen --target grpc-lp --host-prefix lp- --url "http://127.0.0.1:$grpc_port" --metrics-url "http://127.0.0.1:$http_port")
echo "aiops-grpc-lp: $grpclp"
http=$(loadgen --target http --host-prefix http- --url "http://127.0.0.1:$http_port" --metrics-url "http://127.0.0.1:$http_port")
echo "aiops-http:    $http"
# Analytics keep up or not: samples delivered to grains vs dropped because the dispatch queue was full.
curl -fsS "http://127.0.0.1:$http_port/metrics" | grep -E '^aiops_(samples_routed_total|samples_analytics_dropped_total|dispatch_pending_samples|grain_calls_failed_total) ' | tr '\n' ' '; echo
d=$(echo "$direct" | rate); g=$(echo "$grpc" | rate); gl=$(echo "$grpclp" | rate); h=$(echo "$http" | rate)
awk -v d="$d" -v g="$g" -v gl="$gl" -v h="$h" 'BEGIN { printf "ratio grpc/direct=%.2f grpc-lp/direct=%.2f http/direct=%.2f\n", g / d, gl / d, h / d }'
