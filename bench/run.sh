#!/bin/bash
# otlpd benchmark (`make bench`): see bench/README.md for how to read it.
#
# 1. builds otlpd and the bench tools (RelWithDebInfo), generates payloads
#    with the official OpenTelemetry JS SDK serializers if needed;
# 2. measures the ceiling: decode / decode+re-encode of the same payloads in
#    one process on one core;
# 3. per scenario, runs otlpd pinned to core 0 (OTLP/HTTP -> batch -> file)
#    and wrk pinned to core 1, stops otlpd with SIGTERM and counts the items
#    actually written to the output file.
# Figures are printed, never asserted.
#
# Environment: BUILD (default build), DURATION seconds per scenario (10),
# CONNS (4), FLOOD_CONNS (64), CEILING_SECONDS (3), SCENARIOS (all:
# "traces-proto logs-proto traces-json flood"), NO_BUILD=1 to use the
# binaries already in BUILD as they are.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/bench
BUILD=${BUILD:-build}
case $BUILD in /*) build=$BUILD ;; *) build=$root/$BUILD ;; esac
DURATION=${DURATION:-10}
CONNS=${CONNS:-4}
FLOOD_CONNS=${FLOOD_CONNS:-64}
CEILING_SECONDS=${CEILING_SECONDS:-3}
SCENARIOS=${SCENARIOS:-traces-proto logs-proto traces-json flood}
payloads=$bench/payloads
out=$bench/out

die() { echo "bench: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (Debian package wrk)"
command -v taskset >/dev/null || die "taskset is not installed (util-linux)"
command -v node >/dev/null || die "node is not installed"

# Daemon on core 0, load generator on core 1 (shared if there is only one).
ncpu=$(nproc)
DAEMON_CPU=0
LOAD_CPU=1
[ "$ncpu" -ge 2 ] || { LOAD_CPU=0; echo "bench: only one CPU: daemon and wrk share it" >&2; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); load average $load_before"
# ---- build ------------------------------------------------------------------
mkdir -p "$out"
quiet() { "$@" > "$out/build.log" 2>&1 || { tail -n 30 "$out/build.log" >&2; die "failed: $*"; }; }
if [ ! -f "$build/CMakeCache.txt" ]; then
  quiet cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
[ "$btype" = RelWithDebInfo ] || [ "$btype" = Release ] ||
  echo "bench: WARNING: $build is a '$btype' build; figures are not representative" >&2
if [ -z "${NO_BUILD:-}" ]; then
  quiet cmake --build "$build" --target otlpd otlpd_bench_ceiling otlpd_bench_count -j"$ncpu"
fi
otlpd=$build/otlpd

# ---- payloads ---------------------------------------------------------------
"$root/tests/interop/setup.sh"
if [ ! -f "$payloads/manifest.txt" ] || [ "$bench/gen_payloads.js" -nt "$payloads/manifest.txt" ]; then
  rm -rf "$payloads"
  node "$bench/gen_payloads.js" "$payloads"
fi
n_files=$(grep -c '^traces-' "$payloads/manifest.txt")
per_req=$(awk '/^traces-/ {print $2; exit}' "$payloads/manifest.txt")
avg_bytes() { cat "$payloads"/"$1"-*.pb | wc -c | awk -v n="$n_files" -v k="$per_req" '{printf "%d", $1 / (n * k)}'; }

# ---- ceiling ----------------------------------------------------------------
declare -A ceiling_cpu ceiling_wall
echo "== ceiling: one process, one core, same payloads ($n_files requests x $per_req items;" \
  "~$(avg_bytes traces) B/span, ~$(avg_bytes logs) B/log record)"
for sig in traces logs; do
  while read -r _ s mode cpu_rate wall_rate mbs; do
    ceiling_cpu[$s-$mode]=$cpu_rate
    ceiling_wall[$s-$mode]=$wall_rate
    printf '   %-6s %-12s %9.0f items/CPU-s  %9.0f items/s wall  (%5.0f MB/CPU-s of protobuf in)\n' \
      "$s" "$mode" "$cpu_rate" "$wall_rate" "$mbs"
  done < <(taskset -c "$DAEMON_CPU" "$build/otlpd_bench_ceiling" "$sig" "$CEILING_SECONDS" "$payloads/$sig"-*.pb)
done

# ---- helpers ----------------------------------------------------------------
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

wait_listening() {
  local pid=$1 port=$2 i
  for i in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

# utime + stime of the whole process (all threads), in clock ticks.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
now() { date +%s.%N; }

# SIGTERM, wait for the drain; sets stop_rc to the exit status or "timeout".
# (Not in $(...): wait needs the daemon's parent shell.)
stop_daemon() {
  local pid=$1 i rc=0
  kill -TERM "$pid"
  for i in $(seq 1200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
    stop_rc=timeout; return
  fi
  wait "$pid" || rc=$?
  stop_rc=$rc
}

hz=$(getconf CLK_TCK)
results=()

# run_scenario <name> <signal> <proto|json> <connections>
run_scenario() {
  local name=$1 sig=$2 fmt=$3 conns=$4
  local dir=$out/$name port pid
  rm -rf "$dir"; mkdir -p "$dir"
  port=$(free_port)
  cat > "$dir/config.yaml" <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$port
processors:
  batch:
exporters:
  file/out:
    path: $dir/out.$fmt
    format: $fmt
service:
  telemetry:
    logs:
      level: warn
  pipelines:
    $sig:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/out]
YAML
  taskset -c "$DAEMON_CPU" "$otlpd" --config "$dir/config.yaml" > "$dir/otlpd.log" 2>&1 &
  pid=$!
  if ! wait_listening "$pid" "$port"; then
    echo "bench: $name: otlpd did not start; log:" >&2
    tail -n 20 "$dir/otlpd.log" >&2
    kill -KILL "$pid" 2>/dev/null || true
    results+=("$name: otlpd did not start")
    return
  fi
  sleep 1
  local idle_kb cpu0 t0 cpu1 t1 hwm_kb rc
  idle_kb=$(status_kb "$pid" VmRSS)
  cpu0=$(cpu_ticks "$pid"); t0=$(now)
  taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 10s \
    -s "$bench/post_payloads.lua" "http://127.0.0.1:$port/v1/$sig" -- "$payloads" "$sig" "$n_files" \
    > "$dir/wrk.txt" 2>&1 || true
  t1=$(now)
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" || rc=$?
    echo "bench: $name: otlpd died under load (status ${rc:-?}); log:" >&2
    tail -n 20 "$dir/otlpd.log" >&2
    results+=("$name: otlpd died under load (status ${rc:-?})")
    return
  fi
  cpu1=$(cpu_ticks "$pid")
  hwm_kb=$(status_kb "$pid" VmHWM)
  stop_daemon "$pid"
  rc=$stop_rc

  local n200 n503 nother written records secs
  n200=$(grep -o ' 200=[0-9]*' "$dir/wrk.txt" | cut -d= -f2 || true)
  n503=$(grep -o ' 503=[0-9]*' "$dir/wrk.txt" | cut -d= -f2 || true)
  nother=$(sed -n 's/^status//p' "$dir/wrk.txt" | tr ' ' '\n' |
    awk -F= 'NF == 2 && $1 != 200 && $1 != 503 {n += $2} END {print n + 0}')
  read -r written records < <("$build/otlpd_bench_count" "$sig" "$fmt" "$dir/out.$fmt" 2>>"$dir/count.err" || echo "? ?")
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
  local ceil_mode=pb-reencode
  [ "$fmt" = json ] && ceil_mode=json-encode
  results+=("$(awk -v name="$name" -v conns="$conns" -v n200="${n200:-0}" -v n503="${n503:-0}" \
    -v other="$nother" -v per="$per_req" -v w="$written" -v s="$secs" -v c0="$cpu0" -v c1="$cpu1" \
    -v hz="$hz" -v idle="$idle_kb" -v hwm="$hwm_kb" -v rc="$rc" -v cm="$ceil_mode" \
    -v cw="${ceiling_wall[$sig-$ceil_mode]:-0}" -v cc="${ceiling_cpu[$sig-$ceil_mode]:-0}" 'BEGIN {
      acc = n200 * per; cpu = (c1 - c0) / hz
      printf "%s: %d connections, %.1f s\n", name, conns, s
      printf "   accepted %9.0f items/s (%d requests answered 200)\n", acc / s, n200
      if (w == "?") printf "   written: could not count the output\n"
      else printf "   written  %9.0f items/s (%d items in the output) = %.1f%% of the %s ceiling (%.0f items/s)\n",
        w / s, w, (cw > 0 ? 100 * w / s / cw : 0), cm, cw
      printf "   daemon CPU %.0f%% of a core; %.0f accepted items per CPU-second = %.1f%% of the ceiling (%.0f/CPU-s)\n",
        100 * cpu / s, (cpu > 0 ? acc / cpu : 0), (cpu > 0 && cc > 0 ? 100 * acc / cpu / cc : 0), cc
      printf "   RSS idle %.1f MB, peak %.1f MB%s; 503 responses %d; other statuses %d; exit status after SIGTERM %s",
        idle / 1024, hwm / 1024, (name == "flood" ? " (target <= 64 MB)" : ""), n503, other, rc
    }')")
  echo "${results[-1]}"
  if [ "$written" != "?" ] && [ "$written" -lt $((${n200:-0} * per_req)) ]; then
    echo "   NOTE: fewer items written ($written) than accepted ($((${n200:-0} * per_req)))" >&2
  fi
  [ -s "$dir/count.err" ] && sed 's/^/   count: /' "$dir/count.err" >&2
  grep -E 'latency_us|errors' "$dir/wrk.txt" | sed 's/^/   wrk: /'
  rm -f "$dir/out.$fmt" # can be hundreds of MB
}

echo "== load: otlpd on cpu $DAEMON_CPU, wrk on cpu $LOAD_CPU, ${DURATION}s each, OTLP/HTTP protobuf -> batch -> file"
for s in $SCENARIOS; do
  case $s in
    traces-proto) run_scenario traces-proto traces proto "$CONNS" ;;
    logs-proto) run_scenario logs-proto logs proto "$CONNS" ;;
    traces-json) run_scenario traces-json traces json "$CONNS" ;;
    flood) run_scenario flood traces proto "$FLOOD_CONNS" ;;
    *) die "unknown scenario '$s'" ;;
  esac
done

{
  echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (dirty tree)')"
  echo "load average before the run: $load_before"
  for k in "${!ceiling_cpu[@]}"; do echo "ceiling $k ${ceiling_cpu[$k]} items/CPU-s ${ceiling_wall[$k]} items/s"; done | sort
  printf '%s\n' "${results[@]}"
} > "$out/summary.txt"
echo "== summary written to ${out#"$root"/}/summary.txt"
