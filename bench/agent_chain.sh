#!/bin/bash
# Agent chain bench scenario (called by run.sh, or alone): the cost per span
# of a typical agent processor chain against no processors. Two runs of
# OTLP/HTTP protobuf (the SDK payloads of gen_payloads.js, 100 spans per
# request) -> [processors, batch] -> file (proto), otlpd on core 0, wrk on
# core 1, DURATION seconds each:
#   base:  batch only
#   chain: CHAIN (default: issue #13's chain "resourcedetection resource
#          attributes filter k8s_attributes", defined in
#          agent_chain/processors.yaml) then batch
# With k8s_attributes in CHAIN, a test API server (tests/k8sattr/api_server.py)
# serves 1,000 pods (agent_chain/pods.py) and the chain run starts measuring
# once otlpd has listed them.
# Prints spans written per CPU-second of otlpd for each, the chain's
# throughput relative to the base, and the added CPU time per span.
# Figures are printed, never asserted.
# usage: agent_chain.sh <otlpd> <out dir> [duration s]
#   env: PAYLOADS (default bench/payloads, made by run.sh), CHAIN, BUILD
set -euo pipefail
otlpd=$1 out=$2 DURATION=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
payloads=${PAYLOADS:-$here/payloads}
count=${COUNT:-$(dirname "$otlpd")/otlpd_bench_count}
CHAIN=${CHAIN:-resourcedetection resource attributes filter k8s_attributes}
PODS=${PODS:-1000}
DAEMON_CPU=${DAEMON_CPU:-0} LOAD_CPU=${LOAD_CPU:-1}
mkdir -p "$out"
[ -f "$payloads/manifest.txt" ] || { echo "agent-chain: no payloads in $payloads (run bench/run.sh once)" >&2; exit 1; }
n_files=$(grep -c '^traces-' "$payloads/manifest.txt")

# shellcheck source=agent_chain/lib.sh
. "$here/agent_chain/lib.sh"
trap '[ -z "$api_pid" ] || kill "$api_pid" 2>/dev/null || true' EXIT
case " $CHAIN " in *" k8s_attributes "*) start_api ;; esac

ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

# run <name> <processor ids...>: prints "<spans written> <CPU seconds>"
run() {
  local name=$1 p pid t0 t1 rc=0
  shift
  p=$(port)
  config "$p" "$@" > "$out/$name.yaml"
  rm -f "$out/out.proto"
  local lists0=0
  [ -z "$api" ] || lists0=$(api_lists)
  taskset -c "$DAEMON_CPU" "$otlpd" --config "$out/$name.yaml" > "$out/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null || { echo "agent-chain: $name: otlpd did not start" >&2; cat "$out/$name.log" >&2; exit 1; }
  if [ -n "$api" ] && [[ " $* " == *" k8s_attributes "* ]]; then
    wait_api_list "$lists0" 400
  fi
  t0=$(ticks "$pid")
  taskset -c "$LOAD_CPU" wrk -t1 -c4 -d"${DURATION}s" --timeout 10s -s "$here/post_payloads.lua" \
    "http://127.0.0.1:$p/v1/traces" -- "$payloads" traces "$n_files" > "$out/$name-wrk.txt" 2>&1 || true
  t1=$(ticks "$pid")
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  [ "$rc" = 0 ] || echo "agent-chain: $name: otlpd exited $rc" >&2
  read -r written _ < <("$count" traces proto "$out/out.proto")
  rm -f "$out/out.proto"
  awk -v w="$written" -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%d %.2f\n", w, (b - a) / hz}'
}

read -r base_n base_cpu < <(run base)
# shellcheck disable=SC2086 # CHAIN is a list of ids
read -r chain_n chain_cpu < <(run chain $CHAIN)
awk -v bn="$base_n" -v bc="$base_cpu" -v cn="$chain_n" -v cc="$chain_cpu" -v chain="$CHAIN" 'BEGIN {
  b = bn / bc; c = cn / cc
  printf "agent-chain: no processors: %d spans written, %.0f spans/CPU-s\n", bn, b
  printf "agent-chain: [%s]: %d spans written, %.0f spans/CPU-s = %.0f%% of no processors; +%.0f ns CPU per span (%.0f%% more CPU per span)\n",
    chain, cn, c, 100 * c / b, 1e9 * (1 / c - 1 / b), 100 * (b / c - 1)
}'
