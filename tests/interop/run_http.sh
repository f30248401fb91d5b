#!/bin/bash
# Interop test: the official OpenTelemetry JS SDK OTLP/HTTP exporters
# (protobuf, JSON, and protobuf with gzip) send traces, metrics and logs to
# a real otlpd; after a graceful SIGTERM the file exporter's output must hold
# every item exactly once, fields intact.
#
# usage: run_http.sh <path to otlpd> [protobuf|json|protobuf-gzip ...]
set -euo pipefail

otlpd=${1:?usage: run_http.sh <path to otlpd> [modes...]}
shift
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(protobuf json protobuf-gzip)
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$otlpd" ] || { echo "run_http.sh: $otlpd is not an executable" >&2; exit 1; }

"$here/setup.sh"

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Waits until something accepts on 127.0.0.1:$2 while pid $1 lives.
wait_listening() {
  local pid=$1 port=$2 i
  for i in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

# SIGTERM, then up to 30 s for a graceful exit; sets stop_rc to the exit
# status or "timeout". (Not in $(...): wait needs the daemon's parent shell.)
stop_daemon() {
  local pid=$1 i rc=0
  kill -TERM "$pid"
  for i in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    stop_rc=timeout
    return
  fi
  wait "$pid" || rc=$?
  stop_rc=$rc
}

run_mode() {
  local mode=$1 dir port pid rc
  dir=$(mktemp -d "${TMPDIR:-/tmp}/otlpd-interop-$mode.XXXXXX")
  port=$(free_port)
  # Small batches with a long timeout: big requests are split, and what is
  # left in the batches must be written by the shutdown flush.
  cat > "$dir/config.yaml" <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$port
processors:
  batch:
    send_batch_size: 64
    send_batch_max_size: 64
    timeout: 30s
exporters:
  file/out:
    path: $dir/out.jsonl
    format: json
service:
  telemetry:
    logs:
      level: info
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/out]
    metrics:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/out]
    logs:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/out]
YAML
  "$otlpd" --config "$dir/config.yaml" > "$dir/otlpd.log" 2>&1 &
  pid=$!
  fail() {
    echo "FAIL ($mode): $*" >&2
    kill -KILL "$pid" 2>/dev/null || true
    echo "--- otlpd log ($dir/otlpd.log) ---" >&2
    tail -n 40 "$dir/otlpd.log" >&2
    exit 1
  }
  wait_listening "$pid" "$port" || fail "otlpd did not start listening on 127.0.0.1:$port"
  node "$here/send_http.js" "$mode" "http://127.0.0.1:$port" "$dir/expected.json" || fail "sending failed"
  stop_daemon "$pid"
  rc=$stop_rc
  [ "$rc" = 0 ] || fail "otlpd exited with status $rc after SIGTERM (want 0)"
  node "$here/check_output.js" "$dir/out.jsonl" "$dir/expected.json" || fail "output does not match what was sent"
  [ -n "${KEEP:-}" ] && echo "kept $dir" || rm -rf "$dir"
}

for m in "${modes[@]}"; do
  run_mode "$m"
done
echo "interop_http: ${#modes[@]} passed, 0 failed"
