#!/bin/bash
# Instructions per forwarded item, under callgrind (immune to the machine's
# load, unlike wall or CPU time): otlpd with OTLP/HTTP in -> batch ->
# otlphttp (protobuf, no compression) -> otlpd_bench_sink, the forward-*
# scenarios of run.sh. Runs the daemon twice, idle and with REQUESTS
# payloads POSTed one after the other, and prints
#   <signal> <items arrived> <instructions with load - idle> <per item>
#
# usage: fwd_callgrind.sh <otlpd> <bench sink> <payload dir> <traces|logs> [requests (64)]
set -euo pipefail
otlpd=$1 sink=$2 payloads=$3 sig=$4 requests=${5:-64}
work=$(mktemp -d /tmp/fwd-callgrind.XXXXXX)
trap 'kill $sink_pid 2>/dev/null || true; rm -rf "$work"' EXIT

"$sink" otlp >"$work/sink.txt" 2>"$work/sink.err" &
sink_pid=$!
for _ in $(seq 100); do [ -s "$work/sink.txt" ] && break; sleep 0.05; done
sink_port=$(head -n 1 "$work/sink.txt")

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run <label> <requests>: prints total instructions of the daemon
run() {
  local port
  port=$(free_port)
  cat >"$work/config.yaml" <<YAML
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:$port"}}}
processors:
  batch:
exporters:
  otlphttp: {endpoint: "http://127.0.0.1:$sink_port", compression: none}
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    $sig: {receivers: [otlp], processors: [batch], exporters: [otlphttp]}
YAML
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.$1" "$otlpd" --config "$work/config.yaml" \
    >"$work/otlpd.$1.log" 2>&1 &
  local pid=$! i
  for _ in $(seq 600); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  for ((i = 0; i < $2; i++)); do
    f=$(printf '%s/%s-%03d.pb' "$payloads" "$sig" $((i % 64)))
    curl -s -o /dev/null -H 'Content-Type: application/x-protobuf' --data-binary "@$f" \
      "http://127.0.0.1:$port/v1/$sig"
  done
  kill -TERM $pid
  wait $pid || true
  sed -n 's/^summary: *//p;s/^totals: *//p' "$work/cg.$1" | head -n 1 | cut -d' ' -f1
}
idle=$(run idle 0)
busy=$(run busy "$requests")
kill -TERM $sink_pid
wait $sink_pid || true
items=$(tail -n 1 "$work/sink.txt" | cut -d' ' -f1)
echo "$sig $items $((busy - idle)) $(( (busy - idle) / (items ? items : 1) ))"
