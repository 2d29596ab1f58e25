#!/usr/bin/env bash
# Installs (Debian package `influxdb`, 1.6.7) and starts/stops a private InfluxDB on loopback with its data
# under a directory of ours: no system service, works in containers without systemd.
#   scripts/influxdb.sh start DATA_DIR PORT DATABASE   -> prints nothing on success, waits until /ping answers
#   scripts/influxdb.sh stop DATA_DIR
set -euo pipefail

cmd=${1:?start|stop}
data_dir=${2:?data directory}
mkdir -p "$data_dir"
data_dir=$(cd "$data_dir" && pwd)
pid_file="$data_dir/influxd.pid"

install_influxdb() {
  if command -v influxd >/dev/null 2>&1; then return; fi
  echo "influxdb.sh: installing InfluxDB (Debian package influxdb) with apt" >&2
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d keeps the package's own service from starting: we run our own instance.
  apt-get update -qq >/dev/null
  apt-get install -y -qq influxdb >/dev/null
}

wait_for_ping() {
  local port=$1
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/ping" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "influxdb.sh: InfluxDB did not answer on 127.0.0.1:$port; log: $data_dir/influxd.log" >&2
  tail -n 20 "$data_dir/influxd.log" >&2 || true
  return 1
}

case "$cmd" in
  start)
    port=${3:-8086}
    database=${4:-aiops}
    rpc_port=$((port + 2))
    install_influxdb
    command -v curl >/dev/null 2>&1 || { apt-get update -qq >/dev/null; apt-get install -y -qq curl >/dev/null; }
    if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      wait_for_ping "$port"
    elif curl -fsS -o /dev/null "http://127.0.0.1:$port/ping" 2>/dev/null; then
      # Someone else's InfluxDB already serves this port: use it, and leave it running on stop (no pid file).
      echo "influxdb.sh: using the InfluxDB already answering on 127.0.0.1:$port" >&2
    else
      cat > "$data_dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc_port"
[meta]
  dir = "$data_dir/meta"
[data]
  dir = "$data_dir/data"
  wal-dir = "$data_dir/wal"
  query-log-enabled = false
  cache-max-memory-size = "256m"
[http]
  enabled = true
  bind-address = "127.0.0.1:$port"
  log-enabled = false
  max-body-size = 0
[monitor]
  store-enabled = false
CONF
      nohup influxd -config "$data_dir/influxdb.conf" >"$data_dir/influxd.log" 2>&1 &
      echo $! > "$pid_file"
      wait_for_ping "$port"
    fi
    curl -fsS -o /dev/null -XPOST "http://127.0.0.1:$port/query" --data-urlencode "q=CREATE DATABASE \"$database\""
    ;;
  stop)
    if [ -f "$pid_file" ]; then
      pid=$(cat "$pid_file")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$pid_file"
    fi
    ;;
  *) echo "usage: $0 start|stop DATA_DIR [PORT] [DATABASE]" >&2; exit 2 ;;
esac
