#!/bin/bash
# The gRPC forwarder (OTLP/gRPC in -> batch -> otlp exporter, no
# compression -> otlpd_bench_grpc_sink), measured by figures that do not
# move with the machine's load, for A/B runs of two binaries:
#
#   native (default): REQUESTS calls with h2load (CONNS connections, one
#     stream each), daemon on one core; prints context switches per
#     request (all threads, voluntary + involuntary, from /proc) and the
#     daemon's CPU ticks, the refused calls and the items the sink got.
#   callgrind (MODE=callgrind): the daemon under valgrind, idle and with
#     REQUESTS calls one after another (h2load -c1 -m1); prints the
#     instructions of the loaded run minus the idle one, per item.
#
# usage: fwd_grpc_profile.sh <otlpd> <grpc sink> <payload dir> <traces|logs> [requests] [conns]
# Output, one line:
#   native:    <sig> requests <n> refused <n> items <n> ctxsw/req <x> cpu_ticks <n> wall_s <x>
#   callgrind: <sig> items <n> instructions <n> per_item <n>
set -euo pipefail
otlpd=$1 sink=$2 payloads=$3 sig=$4
MODE=${MODE:-native}
requests=${5:-$([ "$MODE" = callgrind ] && echo 64 || echo 4000)}
conns=${6:-4}
CPU=${CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
work=$(mktemp -d /tmp/fwd-grpc.XXXXXX)
sink_pid="" pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  [ -n "$sink_pid" ] && kill -TERM "$sink_pid" 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
svc=trace
[ "$sig" = logs ] && svc=logs
body=$payloads/grpc/$sig-000.grpc
[ -f "$body" ] || { echo "no $body (bench/run.sh makes the gRPC frames)" >&2; exit 1; }

taskset -c "$LOAD_CPU" "$sink" >"$work/sink.txt" 2>"$work/sink.err" &
sink_pid=$!
for _ in $(seq 100); do [ -s "$work/sink.txt" ] && break; sleep 0.05; done
sink_port=$(head -n 1 "$work/sink.txt")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

config() {
  cat >"$work/config.yaml" <<YAML
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:$1"}}}
processors:
  batch:
exporters:
  otlp: {endpoint: "127.0.0.1:$sink_port", tls: {insecure: true}, compression: none}
service:
  telemetry: {metrics: {level: none}, logs: {level: warn}}
  pipelines:
    $sig: {receivers: [otlp], processors: [batch], exporters: [otlp]}
YAML
}

wait_port() {
  for _ in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || return 1
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# load <port> <requests> <conns>: h2load output in $work/h2load.txt
load() {
  taskset -c "$LOAD_CPU" h2load -v -t1 -c"$3" -m1 -n"$2" -d "$body" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$1/opentelemetry.proto.collector.$svc.v1.${svc^}Service/Export" >"$work/h2load.txt" 2>&1 || true
}

ctxsw() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches:/ {n += $2} END {print n + 0}'; }
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

# Not in $(...): wait needs the sink's parent shell. Sets items.
sink_items() {
  kill -TERM "$sink_pid"
  wait "$sink_pid" || true
  sink_pid=""
  items=$(sed -n 2p "$work/sink.txt" | cut -d' ' -f1)
  sink_calls=$(sed -n 2p "$work/sink.txt" | cut -d' ' -f2)
}
# Per-thread context switches (name, total), when THREADS=1.
thread_ctxsw() {
  local t
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "${t##*/}:$(tr ' ' _ <"$t/comm")" "$(awk '/^voluntary_ctxt_switches:/ {v = $2} /^nonvoluntary_ctxt_switches:/ {n = $2} END {print v + 0, n + 0}' "$t/status")"
  done | sort
}

if [ "$MODE" = callgrind ]; then
  cg() { # <label> <requests>: total instructions of the daemon
    local port
    port=$(free_port)
    config "$port"
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.$1" "$otlpd" --config "$work/config.yaml" \
      >"$work/otlpd.$1.log" 2>&1 &
    pid=$!
    wait_port "$port"
    [ "$2" -gt 0 ] && load "$port" "$2" 1
    kill -TERM "$pid"
    wait "$pid" || true
    pid=""
    sed -n 's/^summary: *//p;s/^totals: *//p' "$work/cg.$1" | head -n 1 | cut -d' ' -f1
  }
  idle=$(cg idle 0)
  busy=$(cg busy "$requests")
  sink_items
  echo "$sig items $items instructions $((busy - idle)) per_item $(((busy - idle) / (items ? items : 1)))"
  exit 0
fi

port=$(free_port)
config "$port"
taskset -c "$CPU" "$otlpd" --config "$work/config.yaml" >"$work/otlpd.log" 2>&1 &
pid=$!
wait_port "$port"
load "$port" 200 "$conns" # warm-up: connections, arena sizer
sleep 0.5
[ -n "${THREADS:-}" ] && thread_ctxsw "$pid" >"$work/threads0"
cs0=$(ctxsw "$pid") t0=$(ticks "$pid") w0=$(date +%s.%N)
load "$port" "$requests" "$conns"
w1=$(date +%s.%N) cs1=$(ctxsw "$pid") t1=$(ticks "$pid")
if [ -n "${THREADS:-}" ]; then
  thread_ctxsw "$pid" >"$work/threads1"
  join -a2 "$work/threads0" "$work/threads1" | awk -v n="$requests" 'NF == 5 {printf "  thread %-24s %.2f voluntary + %.2f involuntary switches per request\n", $1, ($4 - $2) / n, ($5 - $3) / n} NF == 3 {printf "  thread %-24s new, %d + %d\n", $1, $2, $3}' >&2
fi
refused=$(sed -n 's/^\[stream_id=[0-9]*\] grpc-status: //p' "$work/h2load.txt" | awk '$1 != 0 {n++} END {print n + 0}')
kill -TERM "$pid"
wait "$pid" || true
pid=""
sink_items
awk -v sig="$sig" -v n="$requests" -v r="$refused" -v it="$items" -v sc="$sink_calls" -v cs=$((cs1 - cs0)) -v t=$((t1 - t0)) \
  -v w0="$w0" -v w1="$w1" 'BEGIN {
  printf "%s requests %d refused %d items %d (sink calls %d) ctxsw/req %.2f cpu_ticks %d wall_s %.2f\n", sig, n, r, it, sc, cs / n, t, w1 - w0 }'
