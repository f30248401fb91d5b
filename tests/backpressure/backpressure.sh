#!/usr/bin/env bash
# Back-pressure end to end: when the exporter cannot keep up, otlpd refuses
# with a retryable answer (HTTP 503 + Retry-After / gRPC UNAVAILABLE)
# instead of buffering without limit or dropping; once the exporter moves
# again, the refused requests go through on retry and every accepted span
# is written exactly once.
#
#   backpressure.sh http|grpc [retry|stop] [fanout]
#
# fanout: the pipeline also exports to a second, healthy file exporter. The
#   stuck one holds the whole pipeline back (a fan-out delivers to all or
#   none), and the healthy file too gets every accepted span exactly once:
#   the batch processor's retries never duplicate into it.
#
# retry (default): drain, resend the refused requests until accepted, then
#   SIGTERM; every span of every request is written exactly once.
# stop: SIGTERM while the exporter is still stuck and the batch processor
#   holds data; the daemon must wait for the exporter, and once the FIFO
#   drains, exit 0 with every accepted span written exactly once.
# deadline: as stop, but the FIFO never drains: service::shutdown_timeout
#   (1s here) ends the drain; otlpd says how much it loses and exits 1.
#
# Environment: OTLPD (daemon), and for grpc
# GRPC_FLOOD_CLIENT (tests/backpressure/grpc_flood_client).
#
# The slow exporter is deterministic: the file exporter writes into a FIFO
# that this script holds open (read+write, so neither the daemon's open()
# nor its writes see a missing reader) but does not read. Once the pipe
# buffer is full the exporter's write blocks in libuv's threadpool, its
# write queue (write_queue_size) fills and it refuses, the batch processor
# holds two batches and refuses, and the receiver answers "retry later".
# Nothing moves again until `cat` drains the FIFO, so "every request after
# the first refusal is refused too" holds without any timing assumption.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"

proto=${1:?usage: backpressure.sh http|grpc [retry|stop]}
mode=${2:-retry}
fanout=${3:-}
[[ $mode == retry || $mode == stop || $mode == deadline ]] || { echo "backpressure.sh: unknown mode $mode" >&2; exit 2; }
here=$(dirname "$0")
case "$proto" in
http) client=(python3 "$here/http_flood.py") ;;
grpc) client=("${GRPC_FLOOD_CLIENT:?path to grpc_flood_client}") ;;
*) echo "usage: backpressure.sh http|grpc" >&2; exit 2 ;;
esac

SPANS_PER_REQUEST=10 # as in http_flood.py and grpc_flood_client.c
MAX_REQUESTS=2000    # the flood gives up (and the test fails) past this
EXTRA=100            # requests sent after the first refusal
RETRY_TRIES=400      # attempts per refused request once draining
# RSS bound while refusing: the measured maximum of this flood plus ~25 %
# (release 19.4 MB, ASan 38.5 MB, TSan 84.9 MB before libcurl was linked;
# libcurl and its libraries add ~4 MB of mapped pages at start, counted in
# RSS even when no network exporter runs). Sanitizer runtimes add their own
# shadow memory and quarantine: under ASan the gRPC flood measured 53.7 MB
# once PCRE2, libxcrypt and session 4's components were linked (the
# release bound below is unchanged and still holds).
case "$(ldd "${OTLPD:?}" 2>/dev/null)" in
*libasan*) RSS_LIMIT_KB=$((64 * 1024)) ;;
*libtsan*) RSS_LIMIT_KB=$((108 * 1024)) ;;
*) RSS_LIMIT_KB=$((24 * 1024)) ;;
esac

daemon_init "backpressure-$proto-$mode"

fifo="$WORK/out.fifo"
mkfifo "$fifo"
# Both ends on one descriptor: the daemon's open(O_WRONLY) at start does not
# wait for a reader, and its writes never hit EPIPE; we just never read.
exec {hold}<>"$fifo"
on_cleanup "exec $hold>&-"

write_config() { # <port>: the config on stdout
  cat <<EOF
receivers:
$(otlp_receiver otlp "$proto" "127.0.0.1:$1")
processors:
  batch:
    send_batch_size: 100
    timeout: 200ms
exporters:
  file:
    path: $fifo
    format: json
    write_queue_size: 256KiB
    flush_interval: 100ms
  file/healthy:
    path: $WORK/healthy.jsonl
    format: json
    flush_interval: 100ms
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [file${fanout:+, file/healthy}]
$([[ $mode == deadline ]] && echo "  shutdown_timeout: 1s")
EOF
}

daemon_start_config write_config
target="127.0.0.1:$PORT"
[[ $proto == http ]] && target=$PORT

# ---- 1. flood until refused, then keep sending: all refused ----
rc=0
"${client[@]}" "$target" flood "$MAX_REQUESTS" "$EXTRA" >"$WORK/flood.out" 2>"$WORK/flood.err" || rc=$?
[[ $rc -eq 0 ]] || fail "flood client failed ($rc): $(tail -n 3 "$WORK/flood.out" "$WORK/flood.err")"

read -r n_acc n_ref first_ref bad_after missing_ra < <(awk '
  $1 == "accepted" { acc++; if (first != "") bad++ }
  $1 == "refused"  { ref++; if (first == "") first = $2; if ($3 == "retry-after=-") nora++ }
  END { print acc + 0, ref + 0, (first == "" ? -1 : first), bad + 0, nora + 0 }' "$WORK/flood.out")
echo "flood: $n_acc requests accepted, then refused from request $first_ref on ($n_ref refused)"
[[ $first_ref -ge 0 ]] || fail "no request was refused in $MAX_REQUESTS while the exporter was stuck: the daemon buffers without limit or drops"
[[ $n_acc -gt 0 ]] || fail "the very first request was refused: nothing to check"
[[ $bad_after -eq 0 ]] || fail "$bad_after requests were accepted after the first refusal while nothing drained"
[[ $n_ref -eq $((EXTRA + 1)) ]] || fail "want $((EXTRA + 1)) refusals, got $n_ref"
if [[ $proto == http ]]; then
  [[ $missing_ra -eq 0 ]] || fail "$missing_ra of the 503 answers carry no Retry-After"
fi

# Still alive, and bounded: the refusals did not pile data up.
kill -0 "$DAEMON_PID" 2>/dev/null || fail "otlpd died under the flood"
rss=$(daemon_rss_kb)
echo "otlpd VmRSS while refusing: $rss KiB (limit $RSS_LIMIT_KB)"
[[ $rss -lt $RSS_LIMIT_KB ]] || fail "otlpd holds $rss KiB while refusing (limit $RSS_LIMIT_KB)"

# ---- 2. drain (and retry, or stop first) ----
start_drain() {
  # cat must not inherit our read+write descriptor, or it would hold the
  # pipe's write side open itself and never see EOF.
  cat "$fifo" >"$WORK/out.jsonl" {hold}>&- &
  drain=$!
  on_cleanup "kill $drain"
}

: >"$WORK/retry.out"
if [[ $mode == deadline ]]; then
  daemon_term
  POLLS=600 poll_until exited "$DAEMON_PID" || fail "otlpd still runs long after its 1s shutdown_timeout"
  rc=0
  wait "$DAEMON_PID" || rc=$?
  DAEMON_PID=
  [[ $rc -eq 1 ]] || fail "otlpd exited with $rc at its shutdown_timeout (want 1: data was lost)"
  grep -q "shutdown_timeout (1000 ms) reached with [1-9][0-9]* bytes .* lost" "$WORK/otlpd.log" ||
    fail "otlpd did not say what its shutdown_timeout lost"
  finish_checks "backpressure $proto deadline"
  exit 0
fi
if [[ $mode == stop ]]; then
  # Shutdown starts while the exporter's write is blocked: wait until the
  # daemon has taken the signal (its receiver stops listening), then let
  # the FIFO move.
  daemon_term
  not_listening() { ! listening "$PORT"; }
  poll_until not_listening || fail "otlpd still listens after SIGTERM"
  start_drain
  daemon_wait_exit0
else
  start_drain
  mapfile -t refused < <(awk '$1 == "refused" { print $2 }' "$WORK/flood.out")
  rc=0
  "${client[@]}" "$target" retry "$RETRY_TRIES" "${refused[@]}" >"$WORK/retry.out" 2>"$WORK/retry.err" || rc=$?
  [[ $rc -eq 0 ]] || fail "retrying the refused requests failed ($rc): $(tail -n 3 "$WORK/retry.out" "$WORK/retry.err")"
  n_retried=$(grep -c '^accepted ' "$WORK/retry.out" || true)
  [[ $n_retried -eq $n_ref ]] || fail "$n_retried of $n_ref refused requests were accepted on retry"
  echo "retry: all $n_retried refused requests accepted (max attempts $(awk '$3 > m { m = $3 } END { print m + 0 }' "$WORK/retry.out"))"
  daemon_stop
fi

# ---- 3. the drained output holds each accepted span exactly once ----
exec {hold}>&-
# The daemon is gone and our end is closed: cat sees EOF once the pipe is
# empty. Bounded poll so a stuck reader fails the test instead of hanging.
poll_until exited "$drain" || fail "the FIFO reader did not see EOF after the daemon exited"
wait "$drain" || fail "cat of the FIFO failed"

awk '$1 == "accepted" { print $2 }' "$WORK/flood.out" "$WORK/retry.out" >"$WORK/accepted.txt"
python3 "$here/check_output.py" "$WORK/out.jsonl" "$SPANS_PER_REQUEST" "$WORK/accepted.txt" ||
  fail "the exporter's output is not exactly the accepted spans"
if [[ -n $fanout ]]; then
  python3 "$here/check_output.py" "$WORK/healthy.jsonl" "$SPANS_PER_REQUEST" "$WORK/accepted.txt" ||
    fail "the healthy exporter of the fan-out did not get exactly the accepted spans"
fi
if grep -q "lost\|dropped" "$WORK/otlpd.log"; then fail "otlpd logged a loss"; fi
finish_checks "backpressure $proto $mode"
