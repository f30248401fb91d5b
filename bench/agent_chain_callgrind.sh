#!/bin/bash
# The agent chain's cost in instructions per span, which the machine's load
# does not change (bench/agent_chain.sh measures CPU time, which it does).
# otlpd runs under `valgrind --tool=callgrind`; the SDK payloads
# (traces-*.pb, 100 spans each) are posted one at a time with curl, LOW
# then HIGH requests per configuration; the difference of the two runs'
# totals divided by the (HIGH - LOW) x 100 extra spans is the per-span
# cost, start-up, shutdown and the k8s pod list cancelling out.
#   base:  batch only
#   chain: CHAIN (as agent_chain.sh) then batch
# Prints instructions per span for each and the chain's throughput
# relative to the base (base / chain). Figures are printed, never asserted.
# The callgrind files stay in <out dir> for callgrind_annotate.
# usage: agent_chain_callgrind.sh <otlpd> <out dir>
#   env: PAYLOADS, CHAIN, PODS (as agent_chain.sh), LOW (16), HIGH (80)
set -euo pipefail
otlpd=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
payloads=${PAYLOADS:-$here/payloads}
CHAIN=${CHAIN:-resourcedetection resource attributes filter k8s_attributes}
PODS=${PODS:-1000} LOW=${LOW:-16} HIGH=${HIGH:-80}
mkdir -p "$out"
out=$(cd "$out" && pwd)
n_files=$(grep -c '^traces-' "$payloads/manifest.txt")

# shellcheck source=agent_chain/lib.sh
. "$here/agent_chain/lib.sh"
trap '[ -z "$api_pid" ] || kill "$api_pid" 2>/dev/null || true' EXIT
case " $CHAIN " in *" k8s_attributes "*) start_api ;; esac

# measure <name> <requests> <processor ids...>: prints the run's total
# instructions (callgrind's summary).
measure() {
  local name=$1 n=$2 p pid rc=0 lists0=0 k
  shift 2
  p=$(port)
  config "$p" "$@" > "$out/$name.yaml"
  rm -f "$out/out.proto" "$out/callgrind.$name"
  [ -z "$api" ] || lists0=$(api_lists)
  valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$name" \
    "$otlpd" --config "$out/$name.yaml" > "$out/$name.log" 2>&1 &
  pid=$!
  for _ in $(seq 1200); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null || { echo "agent-chain-callgrind: $name: otlpd did not start" >&2; cat "$out/$name.log" >&2; exit 1; }
  if [ -n "$api" ] && [[ " $* " == *" k8s_attributes "* ]]; then wait_api_list "$lists0" 1200; sleep 2; fi
  for ((k = 0; k < n; k++)); do
    curl -sf -o /dev/null --max-time 120 -H 'Content-Type: application/x-protobuf' \
      --data-binary @"$payloads/$(printf 'traces-%03d.pb' $((k % n_files)))" "http://127.0.0.1:$p/v1/traces" ||
      { echo "agent-chain-callgrind: $name: request $k failed" >&2; exit 1; }
  done
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  [ "$rc" = 0 ] || echo "agent-chain-callgrind: $name: otlpd exited $rc" >&2
  awk '/^(summary|totals):/ {print $2; exit}' "$out/callgrind.$name"
}

extra=$(( (HIGH - LOW) * 100 ))
base_lo=$(measure base-$LOW "$LOW")
base_hi=$(measure base-$HIGH "$HIGH")
# shellcheck disable=SC2086 # CHAIN is a list of ids
chain_lo=$(measure chain-$LOW "$LOW" $CHAIN)
# shellcheck disable=SC2086
chain_hi=$(measure chain-$HIGH "$HIGH" $CHAIN)
awk -v bl="$base_lo" -v bh="$base_hi" -v cl="$chain_lo" -v ch="$chain_hi" -v x="$extra" -v chain="$CHAIN" 'BEGIN {
  b = (bh - bl) / x; c = (ch - cl) / x
  printf "agent-chain-callgrind: no processors: %.0f instructions per span\n", b
  printf "agent-chain-callgrind: [%s]: %.0f instructions per span (+%.0f) = %.1f%% of the no-processor throughput\n",
    chain, c, c - b, 100 * b / c
}'
