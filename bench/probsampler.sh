#!/bin/bash
# probabilistic-sampler bench scenario (called by run.sh, or alone): the
# sampler's cost against the same pipeline without it. OTLP/HTTP protobuf
# (the tail-sampling template: 10 spans per trace, 100 traces per request,
# fresh trace ids per request) -> [batch] -> file; -> [probabilistic_sampler
# 100 % in hash_seed mode, batch] -> file (every span still hashed and
# decided, the same spans written unchanged: the decision's own cost);
# 100 % in the default proportional mode (every kept span's tracestate
# gets its OTEP 235 threshold written, as otelcol does, so the batch is
# edited and re-encoded); 25 % in the default mode (what a user runs:
# fewer spans to write). Twice each, interleaved, so that drift of the
# shared machine hits all. otlpd on core 0, wrk on core 1. Prints incoming
# spans/CPU-s of otlpd per run and the sampler's cost per incoming span.
# Figures are printed, never asserted.
# usage: probsampler.sh <otlpd> <out dir> [duration s]
set -euo pipefail
otlpd=$1 out=$2 DURATION=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
DAEMON_CPU=${DAEMON_CPU:-0} LOAD_CPU=${LOAD_CPU:-1}
mkdir -p "$out"
python3 "$here/tailsamp/gen_template.py" "$out/tpl" 100 >/dev/null
spans_per_req=1000

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

config() { # <port> <processors> [percentage] [extra sampler settings]
  cat <<YAML
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:$1"}}}
processors:
  probabilistic_sampler: {sampling_percentage: ${3:-25}${4:+, $4}}
  batch:
exporters:
  file: {path: $out/out.proto, format: proto}
service:
  telemetry: {logs: {level: warn}}
  pipelines:
    traces: {receivers: [otlp], processors: [$2], exporters: [file]}
YAML
}

run() { # <label> <processors> [percentage] [extra]; prints spans/CPU-s
  local p pid t0 t1 reqs non2xx cpu
  p=$(port)
  config "$p" "$2" "${3:-25}" "${4:-}" >"$out/config-$1.yaml"
  rm -f "$out/out.proto"
  taskset -c "$DAEMON_CPU" "$otlpd" --config "$out/config-$1.yaml" >"$out/otlpd-$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.05; done
  t0=$(ticks "$pid")
  taskset -c "$LOAD_CPU" wrk -t1 -c4 -d"${DURATION}s" --timeout 10s -s "$here/tailsamp/post.lua" \
    "http://127.0.0.1:$p/v1/traces" -- "$out/tpl" 0 >"$out/wrk-$1.txt" 2>&1 || true
  sleep 0.5 # batch timeout
  t1=$(ticks "$pid")
  kill -TERM "$pid"
  wait "$pid" || true
  reqs=$(awk '/requests in/ {print $1}' "$out/wrk-$1.txt")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$out/wrk-$1.txt")
  cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}')
  awk -v s="$(((reqs - ${non2xx:-0}) * spans_per_req))" -v c="$cpu" 'BEGIN {printf "%.0f\n", s / c}'
}

mean() { echo $((($1 + $2) / 2)); }
cost() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.1f", (n / s - 1) * 100}'; }
declare -a none seed all quarter
for i in 1 2; do
  none+=("$(run none-$i batch)")
  seed+=("$(run seed-$i "probabilistic_sampler, batch" 100 "mode: hash_seed, hash_seed: 22")")
  all+=("$(run all-$i "probabilistic_sampler, batch" 100)")
  quarter+=("$(run quarter-$i "probabilistic_sampler, batch" 25)")
done
n=$(mean "${none[@]}") h=$(mean "${seed[@]}") a=$(mean "${all[@]}") q=$(mean "${quarter[@]}")
echo "probabilistic-sampler: without ${none[*]} spans/CPU-s (mean $n)"
echo "probabilistic-sampler: 100 % hash_seed ${seed[*]} (mean $h): cost $(cost "$n" "$h") % CPU per incoming span"
echo "probabilistic-sampler: 100 % proportional ${all[*]} (mean $a): cost $(cost "$n" "$a") % (tracestate written, re-encoded)"
echo "probabilistic-sampler: 25 % proportional ${quarter[*]} (mean $q): cost $(cost "$n" "$q") % (a quarter of the spans written)"
