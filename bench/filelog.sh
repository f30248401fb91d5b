#!/bin/bash
# filelog bench scenario (called by run.sh, or alone): tailing
# containerd-format pod logs (/var/log/pods/<ns>_<pod>_<uid>/<c>/0.log,
# operators: [container]) into the file exporter (proto), otlpd on one
# core (DAEMON_CPU). Figures are printed, never asserted.
#  1. throughput: FILES files of LINES lines each (~190 bytes a line, as
#     kubelet writes them: RFC3339Nano time, stream, tag, a JSON-ish app
#     line) present at start; lines/s and MB/s of wall time until every
#     line was written out, and lines per CPU-second of otlpd.
#  2. steady: 10,000 lines/s appended over 10 files for DURATION s: otlpd's
#     CPU as % of one core.
#  3. many files: 500 files, 2 lines/s each: otlpd's RSS.
# Reference figures of the same run (the machine is shared and noisy):
#  - ceiling: `wc -l` over the same files on the daemon's CPU, before and
#    after the throughput run (lines per CPU-second): finding newlines and
#    nothing else, the bound for any tailer here right now;
#  - steady: the CPU that ceiling would need for 10,000 lines/s;
#  - 500 files: otlpd's RSS with the same config and no files.
# usage: filelog.sh <otlpd> <otlpd_bench_count> <out dir> [duration s]
set -euo pipefail
otlpd=$1 counter=$2 out=$3 DURATION=${4:-10}
DAEMON_CPU=${DAEMON_CPU:-0} LOAD_CPU=${LOAD_CPU:-1}
FILES=${FILES:-8} LINES=${LINES:-250000}
mkdir -p "$out"
rm -rf "${out:?}/pods" "$out/storage" "$out/out.pb"

kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
hz=$(getconf CLK_TCK)

gen() { # <files> <lines per file>: kubelet-format files under $out/pods
  python3 - "$out/pods" "$1" "$2" <<'PY'
import os, sys
root, files, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for f in range(files):
    d = os.path.join(root, f'bench_pod-{f:04d}-7d9f8b6c5-x2x4z_0f1e2d3c-4b5a-6978-8a9b-{f:012d}', 'app')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, '0.log'), 'w') as o:
        buf = []
        for i in range(lines):
            buf.append(f'2024-05-06T07:08:{i % 60:02d}.{i:09d}Z stdout F {{"level":"info","ts":"2024-05-06T07:08:09Z",'
                       f'"msg":"request served","pod":{f},"path":"/api/v1/items/{i}","status":200,"ms":{i % 97}}}\n')
            if len(buf) == 10000:
                o.write(''.join(buf)); buf = []
        o.write(''.join(buf))
PY
}

config() {
  cat <<YAML
receivers:
  filelog:
    include: [$out/pods/*/*/*.log]
    start_at: beginning
    include_file_path: true
    operators: [{type: container}]
exporters:
  # flush_interval: the exporter's default (1s) holds a second of records
  # in memory, and the memory limit (24 MiB) then paces the receiver
  file: {path: $out/out.pb, format: proto, flush_interval: 100ms}
service:
  pipelines:
    logs: {receivers: [filelog], exporters: [file]}
YAML
}

run_daemon() {
  config >"$out/filelog.yaml"
  taskset -c "$DAEMON_CPU" "$otlpd" --config "$out/filelog.yaml" >"$out/otlpd.log" 2>&1 &
  pid=$!
}
stop_daemon() { kill -TERM "$pid"; wait "$pid" || true; }
records() { "$counter" logs proto "$out/out.pb" 2>/dev/null | awk '{print $1}' || echo 0; }

ceiling() { # lines per CPU-second of wc -l over the files (best of 3)
  local best=0 t r
  for _ in 1 2 3; do
    t=$({ TIMEFORMAT='%3U %3S'; time taskset -c "$DAEMON_CPU" wc -l "$out"/pods/*/*/*.log >/dev/null; } 2>&1)
    r=$(awk -v n="$total" -v t="$t" 'BEGIN { split(t, a, " "); c = a[1] + a[2]; if (c < 0.001) c = 0.001; printf "%.0f", n / c }')
    ((r > best)) && best=$r
  done
  echo "$best"
}

# 1. throughput
gen "$FILES" "$LINES"
total=$((FILES * LINES))
bytes=$(cat "$out"/pods/*/*/*.log | wc -c)
ceil0=$(ceiling)
t0=$(date +%s.%N)
run_daemon
# done when the output stopped growing (stat is cheap; counting the
# records of a growing file would compete with otlpd for the CPU)
last=-1 still=0 t1=$t0
while ((still < 10)); do
  sleep 0.1
  kill -0 "$pid" || { echo "otlpd died"; exit 1; }
  size=$(stat -c %s "$out/out.pb" 2>/dev/null || echo 0)
  if ((size != last)); then last=$size still=0 t1=$(date +%s.%N); else still=$((still + 1)); fi
done
n=$(records)
((n == total)) || echo "only $n of $total lines written out"
cpu=$(ticks "$pid")
rss=$(kb "$pid" VmHWM)
stop_daemon
ceil1=$(ceiling)
ceil=$(((ceil0 + ceil1) / 2))
awk -v n="$total" -v b="$bytes" -v t0="$t0" -v t1="$t1" -v c="$cpu" -v hz="$hz" -v rss="$rss" -v c0="$ceil0" -v c1="$ceil1" 'BEGIN {
  w = t1 - t0; printf "throughput: %d lines (%.1f MB) in %.2f s wall: %.0f lines/s, %.1f MB/s; otlpd CPU %.2f s: %.0f lines per CPU-s (%.1f MB per CPU-s); peak RSS %.1f MB\n",
  n, b / 1e6, w, n / w, b / 1e6 / w, c / hz, n / (c / hz), b / 1e6 / (c / hz), rss / 1024
  printf "ceiling (wc -l, same files, same CPU): %d lines per CPU-s before, %d after; otlpd per CPU-s = %.1f%% of their mean\n",
  c0, c1, 100 * n / (c / hz) / ((c0 + c1) / 2) }' | tee "$out/filelog.txt"

# 2. steady 10k lines/s
rm -rf "${out:?}/pods" "$out/out.pb"
gen 10 1
run_daemon
sleep 1
taskset -c "$LOAD_CPU" python3 - "$out/pods" 10000 "$DURATION" <<'PY' &
import glob, os, sys, time
files = [open(p, 'a', buffering=1 << 16) for p in sorted(glob.glob(os.path.join(sys.argv[1], '*/*/0.log')))]
rate, dur = int(sys.argv[2]), float(sys.argv[3])
tick = 0.01
per = rate * tick / len(files)
start = time.time(); t = 0
while time.time() - start < dur:
    for f in files:
        f.write(''.join(f'2024-05-06T07:08:09.{t:09d}Z stdout F {{"level":"info","msg":"steady line {t} {k} {f.name}","status":200}}\n'
                        for k in range(int(per))))
        f.flush()
    t += 1
    time.sleep(max(0, start + t * tick - time.time()))
PY
writer=$!
sleep 1
c0=$(ticks "$pid")
t0=$(date +%s.%N)
wait "$writer"
c1=$(ticks "$pid")
t1=$(date +%s.%N)
sleep 1
n=$(records)
stop_daemon
awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$hz" -v n="$n" -v ceil="$ceil" 'BEGIN {
  printf "steady: %d lines written out; otlpd CPU %.1f%% of one core while ~10,000 lines/s were appended (wc -l would need %.2f%%)\n",
  n, 100 * (c1 - c0) / hz / (t1 - t0), 100 * 10000 / ceil }' | tee -a "$out/filelog.txt"

# 3. 500 files, next to the same daemon with no files
rm -rf "${out:?}/pods" "$out/out.pb"
mkdir -p "$out/pods"
run_daemon
sleep 3
rss0=$(kb "$pid" VmRSS)
stop_daemon
gen 500 20
run_daemon
sleep 3
for _ in 1 2 3 4 5; do
  for f in "$out"/pods/*/*/0.log; do echo "2024-05-06T07:08:09.000000001Z stdout F another line of $f" >>"$f"; done
  sleep 0.5
done
sleep 1
n=$(records)
awk -v rss="$(kb "$pid" VmRSS)" -v hwm="$(kb "$pid" VmHWM)" -v n="$n" -v rss0="$rss0" 'BEGIN {
  printf "500 files: RSS %.1f MB (peak %.1f MB), %d lines written out; the same daemon with no files: %.1f MB\n",
  rss / 1024, hwm / 1024, n, rss0 / 1024 }' | tee -a "$out/filelog.txt"
stop_daemon
