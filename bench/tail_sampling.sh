#!/bin/bash
# tail-sampling bench scenario (called by run.sh, or alone):
#  1. throughput: OTLP/HTTP protobuf -> [tail_sampling, batch] -> file,
#     10 spans per trace, 100 traces per request, fresh trace ids per
#     request, 3 policies (status_code ERROR, latency >= 1 s, probabilistic
#     10 %), decision_wait 1s; otlpd on core 0, wrk on core 1. Prints
#     spans/CPU-s of otlpd and its peak RSS.
#  2. holding: decision_wait 10m, 510 requests (51,000 traces) so that
#     exactly num_traces = 50,000 are held; prints RSS idle and holding and
#     the bytes per held span, next to the spans' encoded size.
# Figures are printed, never asserted.
# usage: tail_sampling.sh <otlpd> <out dir> [duration s]
set -euo pipefail
otlpd=$1 out=$2 DURATION=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
DAEMON_CPU=${DAEMON_CPU:-0} LOAD_CPU=${LOAD_CPU:-1}
mkdir -p "$out"
python3 "$here/tailsamp/gen_template.py" "$out/tpl" 100
spans_per_req=1000
req_bytes=$(cat "$out"/tpl/seg-*.bin | wc -c)
req_bytes=$((req_bytes + 16 * spans_per_req))

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

config() { # <port> <decision_wait>
  cat <<YAML
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:$1"}}}
processors:
  tail_sampling:
    decision_wait: $2
    num_traces: 50000
    policies:
      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
      - {name: slow, type: latency, latency: {threshold_ms: 1000}}
      - {name: some, type: probabilistic, probabilistic: {sampling_percentage: 10}}
  batch:
exporters:
  file: {path: $out/out.proto, format: proto}
service:
  telemetry: {logs: {level: warn}}
  pipelines:
    traces: {receivers: [otlp], processors: [tail_sampling, batch], exporters: [file]}
YAML
}

start() { # <decision_wait>; sets pid, p
  p=$(port)
  config "$p" "$1" > "$out/config.yaml"
  taskset -c "$DAEMON_CPU" "$otlpd" --config "$out/config.yaml" > "$out/otlpd.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && return 0; sleep 0.05; done
  echo "tail-sampling: otlpd did not start" >&2; cat "$out/otlpd.log" >&2; exit 1
}

stop() { kill -TERM "$pid"; wait "$pid" || true; }

# ---- 1. throughput ----
start 1s
t0=$(ticks "$pid")
taskset -c "$LOAD_CPU" wrk -t1 -c4 -d"${DURATION}s" --timeout 10s -s "$here/tailsamp/post.lua" \
  "http://127.0.0.1:$p/v1/traces" -- "$out/tpl" 0 > "$out/wrk.txt" 2>&1 || true
sleep 1.5 # the last traces' decision_wait
t1=$(ticks "$pid")
hwm=$(kb "$pid" VmHWM)
stop
reqs=$(awk '/requests in/ {print $1}' "$out/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$out/wrk.txt")
cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}')
spans=$(( (reqs - ${non2xx:-0}) * spans_per_req ))
echo "tail-sampling: $spans spans accepted in ${DURATION}s (${non2xx:-0} requests refused), otlpd CPU ${cpu}s," \
  "$(awk -v s="$spans" -v c="$cpu" 'BEGIN {printf "%.0f", s / c}') spans/CPU-s, peak RSS $((hwm / 1024)) MiB"

# ---- 2. RSS holding 50,000 traces ----
# (the default 24 MiB memory budget refuses long before: raise it here)
export OTLPD_MEMORY_LIMIT_MIB=${HOLD_MEMORY_MIB:-1024}
start 10m
unset OTLPD_MEMORY_LIMIT_MIB
sleep 0.5
idle=$(kb "$pid" VmRSS)
taskset -c "$LOAD_CPU" wrk -t1 -c1 -d120s --timeout 10s -s "$here/tailsamp/post.lua" \
  "http://127.0.0.1:$p/v1/traces" -- "$out/tpl" 510 > "$out/wrk-hold.txt" 2>&1 || true
sleep 0.5
hold=$(kb "$pid" VmRSS)
stop
acc=$(( $(awk '/requests in/ {print $1}' "$out/wrk-hold.txt") - $(awk '/Non-2xx/ {print $NF}' "$out/wrk-hold.txt" | grep . || echo 0) ))
held_spans=$((acc * spans_per_req))
((held_spans <= 500000)) || held_spans=500000
echo "tail-sampling: $acc requests accepted; RSS idle $((idle / 1024)) MiB, holding $((held_spans / 10)) traces ($held_spans spans) $((hold / 1024)) MiB:" \
  "$(( (hold - idle) * 1024 / held_spans )) bytes per held span; encoded size $((req_bytes / spans_per_req)) bytes per span on the wire"
