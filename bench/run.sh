#!/bin/bash
# otlpd benchmark (`make bench`): see bench/README.md for how to read it.
#
# 1. builds otlpd and the bench tools (RelWithDebInfo), generates payloads
#    with the official OpenTelemetry JS SDK serializers if needed;
# 2. measures the ceiling: decode / decode+re-encode / decode+wire copy of
#    the same payloads in one process on one core, once for the record and
#    again just before and after each scenario (the machine's speed drifts);
# 3. per scenario, runs otlpd pinned to core 0 (OTLP/HTTP or OTLP/gRPC ->
#    batch -> file) and the load generator (wrk or h2load) pinned to core 1,
#    stops otlpd with SIGTERM and counts the items actually written to the
#    output file.
# Figures are printed, never asserted.
#
# Environment: BUILD (default build), DURATION seconds per scenario (10),
# CONNS (4), FLOOD_CONNS (64), GRPC_SEGMENTS (5: h2load runs per gRPC
# scenario, each on another payload), GRPC_FLOOD_CONNS (16),
# GRPC_FLOOD_STREAMS (16), CEILING_SECONDS (2), ADJ_CEILING_SECONDS (1, per
# mode before and after each scenario), SCENARIOS (all:
# "traces-proto logs-proto traces-json flood grpc-traces-proto
# grpc-logs-proto grpc-flood forward-traces forward-logs loki-logs
# forward-traces-grpc forward-logs-grpc lb-traces-grpc tail-sampling probabilistic-sampler"), NO_BUILD=1 to use the binaries already in
# BUILD as they are.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/bench
BUILD=${BUILD:-build}
case $BUILD in /*) build=$BUILD ;; *) build=$root/$BUILD ;; esac
DURATION=${DURATION:-10}
CONNS=${CONNS:-4}
FLOOD_CONNS=${FLOOD_CONNS:-64}
GRPC_SEGMENTS=${GRPC_SEGMENTS:-5}
GRPC_FLOOD_CONNS=${GRPC_FLOOD_CONNS:-16}
GRPC_FLOOD_STREAMS=${GRPC_FLOOD_STREAMS:-16}
CEILING_SECONDS=${CEILING_SECONDS:-2}
ADJ_CEILING_SECONDS=${ADJ_CEILING_SECONDS:-1}
SCENARIOS=${SCENARIOS:-traces-proto logs-proto traces-json flood grpc-traces-proto grpc-logs-proto grpc-flood forward-traces forward-logs loki-logs forward-traces-grpc forward-logs-grpc lb-traces-grpc tail-sampling probabilistic-sampler filelog agent-chain}
payloads=$bench/payloads
out=$bench/out

die() { echo "bench: $*" >&2; exit 1; }
command -v taskset >/dev/null || die "taskset is not installed (util-linux)"
command -v node >/dev/null || die "node is not installed"
case " $SCENARIOS " in *" traces-"* | *" logs-"* | *" flood "*)
  command -v wrk >/dev/null || die "wrk is not installed (Debian package wrk)" ;;
esac
case " $SCENARIOS " in *" grpc-"* | *"-grpc "*)
  command -v h2load >/dev/null || die "h2load is not installed (Debian package nghttp2-client)" ;;
esac

# Daemon on core 0, load generator on core 1 (shared if there is only one).
ncpu=$(nproc)
DAEMON_CPU=0
LOAD_CPU=1
[ "$ncpu" -ge 2 ] || { LOAD_CPU=0; echo "bench: only one CPU: daemon and load generator share it" >&2; }

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
  quiet cmake --build "$build" --target otlpd otlpd_bench_ceiling otlpd_bench_count otlpd_bench_sink otlpd_bench_grpc_sink -j"$ncpu"
fi
otlpd=${OTLPD:-$build/otlpd} # OTLPD: another binary, for A/B runs

# ---- payloads ---------------------------------------------------------------
"$root/tests/interop/setup.sh"
if [ ! -f "$payloads/manifest.txt" ] || [ "$bench/gen_payloads.js" -nt "$payloads/manifest.txt" ]; then
  rm -rf "$payloads"
  node "$bench/gen_payloads.js" "$payloads"
fi
n_files=$(grep -c '^traces-' "$payloads/manifest.txt")
per_req=$(awk '/^traces-/ {print $2; exit}' "$payloads/manifest.txt")
avg_bytes() { cat "$payloads"/"$1"-*.pb | wc -c | awk -v n="$n_files" -v k="$per_req" '{printf "%d", $1 / (n * k)}'; }

# gRPC bodies: the SDK-encoded message behind the 5-byte gRPC frame header
# (compressed-flag 0, big-endian length), so h2load can post them as is.
grpc_frame() {
  local src=$1 dst=$2 len
  len=$(stat -c %s "$src")
  printf '%b' "$(printf '\\x00\\x%02x\\x%02x\\x%02x\\x%02x' $((len >> 24 & 255)) $((len >> 16 & 255)) \
    $((len >> 8 & 255)) $((len & 255)))" > "$dst.tmp"
  cat "$src" >> "$dst.tmp"
  mv "$dst.tmp" "$dst"
}
case " $SCENARIOS " in *" grpc-"* | *"-grpc "*)
  mkdir -p "$payloads/grpc"
  for f in "$payloads"/*.pb; do
    g=$payloads/grpc/$(basename "$f" .pb).grpc
    if [ ! -f "$g" ] || [ "$f" -nt "$g" ]; then grpc_frame "$f" "$g"; fi
  done ;;
esac

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
# adjacent_ceiling <signal> <mode,...> <before|after>: a short ceiling run
# next to a scenario, into adj[<when>-<mode>-cpu|wall].
declare -A adj
adjacent_ceiling() {
  local sig=$1 modes=$2 when=$3 s mode cpu wall
  while read -r _ s mode cpu wall _; do
    adj[$when-$mode-cpu]=$cpu
    adj[$when-$mode-wall]=$wall
  done < <(taskset -c "$DAEMON_CPU" "$build/otlpd_bench_ceiling" -m "$modes" "$sig" "$ADJ_CEILING_SECONDS" \
    "$payloads/$sig"-*.pb || true)
}

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
# Context switches of all the process's threads, voluntary + involuntary:
# a hand-off between threads confined to one core costs one each way.
ctx_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches:/ {n += $2} END {print n + 0}'; }
now() { date +%s.%N; }

# children_cpu <var> <tmp file>: sets var to the CPU seconds (user + system)
# of this shell's reaped children so far. Not usable as $(...): `times` in
# that subshell would report the subshell's children, none.
children_cpu() {
  times > "$2"
  printf -v "$1" '%s' "$(awk 'NR == 2 {
    n = split($0, t, " "); s = 0
    for (i = 1; i <= n; i++) { split(t[i], ms, "m"); s += ms[1] * 60 + ms[2] }
    printf "%.3f", s }' "$2")"
}

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

# write_config <dir> <http|grpc> <port> <signal> <proto|json|forward|forward-grpc|loki> [sink port]
# forward: the otlphttp exporter sends to a sink otlpd on the sink port;
# forward-grpc: the otlp (gRPC) exporter does;
# loki: the loki exporter (protobuf + snappy) to otlpd_bench_sink there.
write_config() {
  local dir=$1 proto=$2 port=$3 sig=$4 fmt=$5 sink_port=${6:-}
  local exporter="file/out:
    path: $dir/out.$fmt
    format: $fmt" exporter_id=file/out
  if [ "$fmt" = es ] || [ "$fmt" = es-gzip ]; then
    exporter="elasticsearch/out:
    endpoint: http://127.0.0.1:$sink_port
    compression: $([ "$fmt" = es ] && echo none || echo gzip)
    flush: {bytes: 5000000}"
    exporter_id=elasticsearch/out
  elif [ "$fmt" = forward ]; then
    exporter="otlphttp/out:
    endpoint: http://127.0.0.1:$sink_port
    compression: none"
    exporter_id=otlphttp/out
  elif [ "$fmt" = lb ]; then
    local hosts="" p1
    for p1 in ${sink_port//,/ }; do hosts+="${hosts:+, }127.0.0.1:$p1"; done
    exporter="loadbalancing/out:
    routing_key: traceID
    protocol:
      otlp:
        tls:
          insecure: true
        compression: none
    resolver:
      static:
        hostnames: [$hosts]"
    exporter_id=loadbalancing/out
  elif [ "$fmt" = forward-grpc ]; then
    exporter="otlp/out:
    endpoint: 127.0.0.1:$sink_port
    tls:
      insecure: true
    compression: none"
    exporter_id=otlp/out
  fi
  if [ "$fmt" = loki ]; then
    exporter="loki/out:
    endpoint: http://127.0.0.1:$sink_port/loki/api/v1/push"
    exporter_id=loki/out
  fi
  cat > "$dir/config.yaml" <<YAML
receivers:
  otlp:
    protocols:
      $proto:
        endpoint: 127.0.0.1:$port
processors:
  batch:
exporters:
  $exporter
service:
  telemetry:
    logs:
      level: warn
  pipelines:
    $sig:
      receivers: [otlp]
      processors: [batch]
      exporters: [$exporter_id]
YAML
}

# wrk over OTLP/HTTP; sets n200 n503 nother (responses by HTTP status).
load_http() {
  local dir=$1 port=$2 sig=$3 conns=$4
  taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 10s \
    -s "$bench/post_payloads.lua" "http://127.0.0.1:$port/v1/$sig" -- "$payloads" "$sig" "$n_files" \
    > "$dir/wrk.txt" 2>&1 || true
  n200=$(grep -o ' 200=[0-9]*' "$dir/wrk.txt" | cut -d= -f2 || true)
  n503=$(grep -o ' 503=[0-9]*' "$dir/wrk.txt" | cut -d= -f2 || true)
  nother=$(sed -n 's/^status//p' "$dir/wrk.txt" | tr ' ' '\n' |
    awk -F= 'NF == 2 && $1 != 200 && $1 != 503 {n += $2} END {print n + 0}')
  n200=${n200:-0} n503=${n503:-0}
}

# h2load over OTLP/gRPC: one body file per h2load run, so the load is
# GRPC_SEGMENTS back-to-back runs, each on another payload. h2load counts
# HTTP 200 as success whatever the grpc-status; -v prints each response's
# first header block, where a refused call's status is (trailers-only
# response; an OK reply has DATA and then trailers, which -v does not show).
# Sets n200 (HTTP 2xx), grpc_refused (grpc-status != 0 seen), grpc_codes
# ("code=count ..."), nother (h2load's failed requests, errors included)
# and load_secs (wall time inside h2load: the outputs are parsed after the
# last run so that the daemon does not idle between runs).
load_grpc() {
  local dir=$1 port=$2 sig=$3 conns=$4 streams=$5 k f seg_ms a b
  local svc=trace
  [ "$sig" = logs ] && svc=logs
  seg_ms=$((DURATION * 1000 / GRPC_SEGMENTS))
  load_secs=0
  for k in $(seq 0 $((GRPC_SEGMENTS - 1))); do
    f=$(printf '%s/grpc/%s-%03d.grpc' "$payloads" "$sig" $((k * n_files / GRPC_SEGMENTS)))
    echo "== run $k: $(basename "$f")" > "$dir/h2load-$k.txt"
    a=$(now)
    taskset -c "$LOAD_CPU" h2load -v -t1 -c"$conns" -m"$streams" -D "${seg_ms}ms" -d "$f" \
      -H 'content-type: application/grpc' -H 'te: trailers' \
      "http://127.0.0.1:$port/opentelemetry.proto.collector.$svc.v1.${svc^}Service/Export" \
      >> "$dir/h2load-$k.txt" 2>&1 || true
    b=$(now)
    load_secs=$(awk -v s="$load_secs" -v a="$a" -v b="$b" 'BEGIN {print s + b - a}')
  done
  : > "$dir/h2load.txt"
  : > "$dir/grpc-status.txt"
  for k in $(seq 0 $((GRPC_SEGMENTS - 1))); do
    # Keep the summary, reduce the per-stream lines to status counts.
    grep -v -e '^\[stream_id=' -e '^progress:' "$dir/h2load-$k.txt" >> "$dir/h2load.txt" || true
    sed -n 's/^\[stream_id=[0-9]*\] grpc-status: //p' "$dir/h2load-$k.txt" >> "$dir/grpc-status.txt"
    rm -f "$dir/h2load-$k.txt"
  done
  n200=$(awk '/^status codes:/ {n += $3} END {print n + 0}' "$dir/h2load.txt")
  nother=$(awk '/^requests:/ {n += $10} END {print n + 0}' "$dir/h2load.txt")
  grpc_refused=$(awk '$1 != 0 {n++} END {print n + 0}' "$dir/grpc-status.txt")
  grpc_codes=$(sort -n "$dir/grpc-status.txt" | uniq -c | awk '{printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1}')
}

hz=$(getconf CLK_TCK)
results=()

# run_scenario <name> <http|grpc> <signal> <proto|json> <connections> [streams per connection]
run_scenario() {
  local name=$1 proto=$2 sig=$3 fmt=$4 conns=$5 streams=${6:-1}
  local dir=$out/$name port pid modes=pb-reencode,pb-wire sink_pid="" sink_port="" out_file
  rm -rf "$dir"; mkdir -p "$dir"
  [ "$fmt" = json ] && modes=json-encode
  case $fmt in es | es-gzip) modes=json-encode ;; esac
  out_file=$dir/out.$fmt
  adj=()
  adjacent_ceiling "$sig" "$modes" before
  if [ "$fmt" = forward ] || [ "$fmt" = forward-grpc ] || [ "$fmt" = lb ]; then
    # The sink answers at once and counts the items that arrived (a C
    # HTTP/1.1 server, or a gRPC core server for gRPC); it shares the load
    # generator's core; the forwarder's own CPU is what is measured. lb:
    # three gRPC sinks behind the loadbalancing exporter.
    modes=pb-wire
    [ "$fmt" = lb ] && modes=pb-reencode,pb-wire
    local sink_bin=$build/otlpd_bench_grpc_sink sink_args="" k nsinks=1
    [ "$fmt" = forward ] && { sink_bin=$build/otlpd_bench_sink; sink_args=otlp; }
    [ "$fmt" = lb ] && nsinks=3
    sink_pid="" sink_port=""
    for k in $(seq "$nsinks"); do
      mkdir -p "$dir/sink$k"
      # shellcheck disable=SC2086
      taskset -c "$LOAD_CPU" "$sink_bin" $sink_args > "$dir/sink$k/count.txt" 2>"$dir/sink$k/err.txt" &
      sink_pid+="${sink_pid:+ }$!"
      for _ in $(seq 100); do [ -s "$dir/sink$k/count.txt" ] && break; sleep 0.05; done
      local p1
      p1=$(head -n 1 "$dir/sink$k/count.txt")
      [ -n "$p1" ] || die "$name: sink $k did not start"
      sink_port+="${sink_port:+,}$p1"
    done
    out_file=$dir/sink1/count.txt
  fi
  if [ "$fmt" = loki ]; then
    # The sink answers 204 at once and counts entries; it shares the load
    # generator's core. Ceiling: decode + re-encode (the exporter decodes
    # nothing more but re-encodes every record).
    modes=pb-reencode
    mkdir -p "$dir/sink"
    taskset -c "$LOAD_CPU" "$build/otlpd_bench_sink" loki > "$dir/sink/count.txt" 2>&1 &
    sink_pid=$!
    for _ in $(seq 100); do [ -s "$dir/sink/count.txt" ] && break; sleep 0.05; done
    sink_port=$(head -n 1 "$dir/sink/count.txt")
    [ -n "$sink_port" ] || die "$name: the Loki sink did not start"
    out_file=$dir/sink/count.txt
  fi
  if [ "$fmt" = es ] || [ "$fmt" = es-gzip ]; then
    # A _bulk sink in C answering at once on the load generator's core;
    # what the daemon encodes is set against the json-encode ceiling.
    modes=json-encode
    mkdir -p "$dir/sink"
    taskset -c "$LOAD_CPU" "$build/otlpd_bench_sink" es "$sig-" > "$dir/sink/count.txt" 2>&1 &
    sink_pid=$!
    for _ in $(seq 100); do [ -s "$dir/sink/count.txt" ] && break; sleep 0.05; done
    sink_port=$(head -n 1 "$dir/sink/count.txt")
    [ -n "$sink_port" ] || die "$name: the elasticsearch sink did not start"
    out_file=$dir/sink/count.txt
  fi
  port=$(free_port)
  write_config "$dir" "$proto" "$port" "$sig" "$fmt" "$sink_port"
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
  local idle_kb cpu0 t0 cpu1 t1 hwm_kb rc life0 life1 cs0 cs1
  local n200=0 n503=0 nother=0 grpc_refused=0 grpc_codes="" load_secs=""
  idle_kb=$(status_kb "$pid" VmRSS)
  cs0=$(ctx_switches "$pid"); cpu0=$(cpu_ticks "$pid"); t0=$(now)
  if [ "$proto" = grpc ]; then
    load_grpc "$dir" "$port" "$sig" "$conns" "$streams"
  else
    load_http "$dir" "$port" "$sig" "$conns"
  fi
  t1=$(now)
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" || rc=$?
    echo "bench: $name: otlpd died under load (status ${rc:-?}); log:" >&2
    tail -n 20 "$dir/otlpd.log" >&2
    results+=("$name: otlpd died under load (status ${rc:-?})")
    return
  fi
  cpu1=$(cpu_ticks "$pid"); cs1=$(ctx_switches "$pid")
  hwm_kb=$(status_kb "$pid" VmHWM)
  # The daemon's whole CPU time, drain included, is what its written items
  # cost: children_cpu before and after it is reaped.
  children_cpu life0 "$dir/times.txt"
  stop_daemon "$pid"
  rc=$stop_rc
  children_cpu life1 "$dir/times.txt"
  if [ -n "$sink_pid" ]; then
    local fwd_rc=$rc sp sink_rcs=""
    for sp in $sink_pid; do stop_daemon "$sp"; sink_rcs+="${sink_rcs:+ }$stop_rc"; done
    rc="$fwd_rc (sink: $sink_rcs)"
  fi

  local written records secs
  adjacent_ceiling "$sig" "$modes" after
  local ceil="" m
  for m in ${modes//,/ }; do
    ceil+="$m ${adj[before-$m-cpu]:-0} ${adj[after-$m-cpu]:-0} ${adj[before-$m-wall]:-0} ${adj[after-$m-wall]:-0};"
  done
  local count_fmt=$fmt
  if [ "$fmt" = forward ] || [ "$fmt" = forward-grpc ] || [ "$fmt" = lb ]; then
    written=0 records=0
    local f1 w1 r1
    for f1 in "$dir"/sink*/count.txt; do
      read -r w1 r1 < <(sed -n 2p "$f1" | grep . || echo "? ?")
      if [ "$w1" = "?" ] || [ "$written" = "?" ]; then written="?"; else written=$((written + w1)); records=$((records + r1)); fi
    done
  elif [ "$fmt" = loki ]; then
    read -r written records < <(sed -n 2p "$out_file" | grep . || echo "? ?")
  elif [ "$fmt" = es ] || [ "$fmt" = es-gzip ]; then
    read -r written records < <(sed -n 2p "$out_file" | grep . || echo "? ?")
  else
    read -r written records < <("$build/otlpd_bench_count" "$sig" "$count_fmt" "$out_file" 2>>"$dir/count.err" || echo "? ?")
  fi
  secs=${load_secs:-$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')}
  results+=("$(awk -v name="$name" -v proto="$proto" -v conns="$conns" -v streams="$streams" \
    -v n200="$n200" -v n503="$n503" -v refused="$grpc_refused" -v codes="$grpc_codes" \
    -v other="$nother" -v per="$per_req" -v w="$written" -v s="$secs" -v c0="$cpu0" -v c1="$cpu1" \
    -v l0="$life0" -v l1="$life1" -v nsw="$((cs1 - cs0))" -v hz="$hz" -v idle="$idle_kb" -v hwm="$hwm_kb" -v rc="$rc" \
    -v ceil="$ceil" 'BEGIN {
      grpc = proto == "grpc"
      ok = grpc ? n200 - refused : n200
      acc = ok * per; cpu = (c1 - c0) / hz
      # Load + drain: all of the daemon CPU after the idle second.
      life = l1 - l0 - c0 / hz
      flood = name ~ /flood|^loki/
      if (grpc) printf "%s: OTLP/gRPC, %d connections x %d streams, %.1f s\n", name, conns, streams, s
      else printf "%s: OTLP/HTTP, %d connections, %.1f s\n", name, conns, s
      if (grpc) printf "   accepted %9.0f items/s (%d calls grpc-status 0 of %d answered; refused: %s)\n",
        acc / s, ok, n200, (refused ? codes : "none")
      else printf "   accepted %9.0f items/s (%d requests answered 200)\n", acc / s, n200
      if (w == "?") printf "   written: could not count the output\n"
      else printf "   written  %9.0f items/s (%d items in the output)\n", w / s, w
      eff = (w != "?" && life > 0) ? w / life : 0
      printf "   daemon CPU %.0f%% of a core; %.0f written items per CPU-second of load + drain (%.2f CPU-s);" \
        " %.0f accepted per CPU-second of the load; %.2f context switches per request\n",
        100 * cpu / s, eff, life, (cpu > 0 ? acc / cpu : 0), (w != "?" && w > 0 ? nsw * per / w : 0)
      n = split(ceil, cs, ";")
      for (i = 1; i < n; i++) {
        split(cs[i], f, " ")
        cc = (f[2] + f[3]) / 2; cw = (f[4] + f[5]) / 2
        drift = (f[2] > 0 && f[3] > 0) ? 100 * (f[3] - f[2]) / f[2] : 0
        printf "   vs %-11s ceiling (%.0f / %.0f items/CPU-s before / after%s): written %.1f%% of its items/s, %.1f%% per CPU-s%s\n",
          f[1], f[2], f[3], (drift > 10 || drift < -10 ? sprintf(", DRIFT %+.0f%%: machine speed changed", drift) : ""),
          (cw > 0 ? 100 * w / s / cw : 0), (cc > 0 ? 100 * eff / cc : 0),
          (f[1] == "pb-reencode" && name !~ /^(loki|lb)/ ? " (target >= 55%)" : (name ~ /^(forward|es-|loki|lb)/ ? " (target >= 50%)" : ""))
      }
      printf "   RSS idle %.1f MB, peak %.1f MB%s; %s; other failures %d; exit status after SIGTERM %s",
        idle / 1024, hwm / 1024, (flood || name ~ /^es-/ ? " (target <= 64 MB)" : ""),
        (grpc ? sprintf("refused calls %d", refused) : sprintf("503 responses %d", n503)), other, rc
    }')")
  echo "${results[-1]}"
  local acc_items=$(((n200 - grpc_refused) * per_req))
  if [ "$written" != "?" ] && [ "$written" -lt "$acc_items" ]; then
    echo "   NOTE: fewer items written ($written) than accepted ($acc_items)" >&2
  fi
  [ -s "$dir/count.err" ] && sed 's/^/   count: /' "$dir/count.err" >&2
  if [ "$proto" = grpc ]; then
    awk '/^time for request:/ {t = t sprintf(" %s/%s", $6, $5)} END {print "   h2load: request time mean/max per run:" t}' "$dir/h2load.txt"
  else
    grep -E 'latency_us|errors' "$dir/wrk.txt" | sed 's/^/   wrk: /'
  fi
  rm -f "$out_file" # can be hundreds of MB
}

echo "== load: otlpd on cpu $DAEMON_CPU, load generator on cpu $LOAD_CPU, ${DURATION}s each, OTLP -> batch -> file"
for s in $SCENARIOS; do
  case $s in
    traces-proto) run_scenario traces-proto http traces proto "$CONNS" ;;
    logs-proto) run_scenario logs-proto http logs proto "$CONNS" ;;
    traces-json) run_scenario traces-json http traces json "$CONNS" ;;
    flood) run_scenario flood http traces proto "$FLOOD_CONNS" ;;
    grpc-traces-proto) run_scenario grpc-traces-proto grpc traces proto "$CONNS" 1 ;;
    grpc-logs-proto) run_scenario grpc-logs-proto grpc logs proto "$CONNS" 1 ;;
    grpc-flood) run_scenario grpc-flood grpc traces proto "$GRPC_FLOOD_CONNS" "$GRPC_FLOOD_STREAMS" ;;
    forward-traces) run_scenario forward-traces http traces forward "$CONNS" ;;
    forward-logs) run_scenario forward-logs http logs forward "$CONNS" ;;
    loki-logs) run_scenario loki-logs http logs loki "$CONNS" ;;
    # OTLP/gRPC in -> otlp (gRPC) exporter -> sink otlpd's gRPC receiver.
    forward-traces-grpc) run_scenario forward-traces-grpc grpc traces forward-grpc "$CONNS" 1 ;;
    forward-logs-grpc) run_scenario forward-logs-grpc grpc logs forward-grpc "$CONNS" 1 ;;
    # OTLP/gRPC in -> loadbalancing (traceID, static list) -> three gRPC sinks.
    lb-traces-grpc) run_scenario lb-traces-grpc grpc traces lb "$CONNS" 1 ;;
    es-traces) run_scenario es-traces http traces es "$CONNS" ;;
    es-logs) run_scenario es-logs http logs es "$CONNS" ;;
    es-traces-gzip) run_scenario es-traces-gzip http traces es-gzip "$CONNS" ;;
    es-logs-gzip) run_scenario es-logs-gzip http logs es-gzip "$CONNS" ;;
    tail-sampling) DAEMON_CPU=$DAEMON_CPU LOAD_CPU=$LOAD_CPU "$bench/tail_sampling.sh" "$otlpd" "$out/tail-sampling" "$DURATION" | tee "$out/tail-sampling.txt"
      while IFS= read -r l; do results+=("$l"); done < "$out/tail-sampling.txt" ;;
    probabilistic-sampler) DAEMON_CPU=$DAEMON_CPU LOAD_CPU=$LOAD_CPU "$bench/probsampler.sh" "$otlpd" "$out/probabilistic-sampler" "$DURATION" | tee "$out/probabilistic-sampler.txt"
      while IFS= read -r l; do results+=("$l"); done < "$out/probabilistic-sampler.txt" ;;
    # filelog: container-format pod logs tailed into the file exporter
    # (bench/filelog.sh: throughput, CPU at 10k lines/s, RSS with 500 files).
    filelog) DAEMON_CPU=$DAEMON_CPU LOAD_CPU=$LOAD_CPU "$bench/filelog.sh" "$otlpd" "$build/otlpd_bench_count" "$out/filelog" "$DURATION" | tee "$out/filelog.txt"
      while IFS= read -r l; do results+=("$l"); done < "$out/filelog.txt" ;;
    agent-chain) DAEMON_CPU=$DAEMON_CPU LOAD_CPU=$LOAD_CPU PAYLOADS=$payloads "$bench/agent_chain.sh" "$otlpd" "$out/agent-chain" "$DURATION" | tee "$out/agent-chain.txt"
      while IFS= read -r l; do results+=("$l"); done < "$out/agent-chain.txt" ;;
    *) die "unknown scenario '$s'" ;;
  esac
done

{
  echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  dirty=$(git -C "$root" diff --name-only HEAD 2>/dev/null | head -n 5 | tr '\n' ' ')
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)${dirty:+ (uncommitted changes in: $dirty)}"
  echo "load average before the run: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
  for k in "${!ceiling_cpu[@]}"; do echo "ceiling $k ${ceiling_cpu[$k]} items/CPU-s ${ceiling_wall[$k]} items/s"; done | sort
  printf '%s\n' "${results[@]}"
} > "$out/summary.txt"
echo "== summary written to ${out#"$root"/}/summary.txt"
