#!/usr/bin/env bash
# Persistent sending queue (sending_queue::storage: file_storage) end to
# end: an otlphttp exporter whose backend (tests/otlphttp/otlp_sink.py) is
# down while clients send; no batch processor, so a 200 means the data is
# in the disk queue.
#
#   pqueue.sh kill9    kill -9 the daemon, start the backend, restart:
#                      every span arrives, none twice (nothing was
#                      acknowledged before the kill); the acknowledged
#                      segments are deleted
#   pqueue.sh fsync    the same with fsync: true
#   pqueue.sh concurrent_fsync  16 clients at once with fsync: true (group
#                      commit): all 160 answered 200, all there after kill -9
#   pqueue.sh kill9_repeat  the backend is up and the daemon is killed
#                      with -9 five times while it delivers (at a different
#                      moment each round), then restarted once more: every
#                      span a client was answered 200 for arrives at least
#                      once (a span sent but not yet acknowledged on disk
#                      when killed is sent again: duplicates are counted,
#                      loss fails)
#   pqueue.sh sigterm  SIGTERM with the backend down exits promptly and
#                      keeps the data on disk (logged); after the restart
#                      with the backend up every span arrives exactly once
#   pqueue.sh full     queue_size 3 (requests) with the backend down:
#                      clients get 503 once three requests are stored, and
#                      what was stored is delivered once the backend is up
#   pqueue.sh batch    the kill9 case with a batch processor in the
#                      pipeline (send_batch_size and timeout far beyond the
#                      test): the processor passes batches straight into
#                      the queue, so every span a client got 200 for
#                      survives kill -9
#   pqueue.sh batch_fsync  the same with fsync: true
#   pqueue.sh batch_repeat  batch processor, backend up, clients sending
#                      without pause while the daemon is killed with -9
#                      (six rounds, after 1, 5, 9 .. 21 answers); after a last
#                      restart every span answered 200 arrives (requests
#                      cut by the kill may or may not arrive)
#   pqueue.sh drop_oldest | drop_oldest_memory | drop_newest_memory
#                      one consumer, queue_size 3, backend down, six
#                      requests (all answered 200): drop_on_overflow:
#                      oldest gives up the oldest waiting requests to take
#                      the new ones (logged), newest (the default) drops
#                      the new ones; once the backend is up exactly the
#                      kept requests arrive (the one in flight is kept)
#   pqueue.sh disk_full  the queue directory is a 64 KiB tmpfs (root only;
#                      skipped with 77 otherwise) and the backend is down:
#                      clients get 200 until the disk is full, then 503;
#                      once the backend is up every span answered 200
#                      arrives exactly once, and the daemon, still
#                      running, takes and delivers new requests again (the
#                      space the queue filled itself comes back); the
#                      receiver's counters (/metrics) count the 200s as
#                      accepted and the 503s, whose write the disk refused
#                      after consume() took them, as refused
#   pqueue.sh grpc_fsync  the kill9 case over OTLP/gRPC with fsync: true
#                      and a batch processor: the JS SDK's gRPC exporter
#                      sends 60 spans in 20 calls (8 at a time); every
#                      call answered OK, /metrics counts the 60 spans
#                      accepted, kill -9, restart with the backend up:
#                      every span arrives, none twice
#   pqueue.sh config   a storage id that is no enabled file_storage
#                      extension fails `otlpd validate` naming
#                      sending_queue::storage; a missing directory without
#                      create_directory names file_storage's directory
#
# Environment: OTLPD (daemon), OTLPD_SRC (source tree).

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"

mode=${1:?usage: pqueue.sh kill9|fsync|concurrent_fsync|kill9_repeat|sigterm|full|batch|batch_fsync|batch_repeat|drop_oldest|drop_oldest_memory|drop_newest_memory|disk_full|grpc_fsync|config}
sink_py=$(cd "$(dirname "$0")/../otlphttp" && pwd)/otlp_sink.py
require_cmds curl python3
daemon_init "pqueue-$mode"

SINK_PORT=$(free_port) # nothing listens there until start_sink
STORE=$WORK/storage
start_sink() {
  python3 "$sink_py" --port "$SINK_PORT" >"$WORK/sink.out" 2>"$WORK/sink.err" &
  local pid=$!
  on_cleanup "kill $pid"
  have_port() { [[ -s $WORK/sink.out ]]; }
  poll_until have_port || fail "the sink did not start: $(cat "$WORK/sink.err")"
}

sink_count() { curl -sf "http://127.0.0.1:$SINK_PORT/_items" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# send <first request number> <count>: requests of 5 spans "r<n>-<j>";
# prints each HTTP status.
send() {
  local n j spans
  for ((n = $1; n < $1 + $2; n++)); do
    spans=
    for ((j = 0; j < 5; j++)); do
      spans+="${spans:+,}{\"traceId\":\"$(printf '%032x' $((n + 1)))\",\"spanId\":\"$(printf '%016x' $((j + 1)))\",\"name\":\"r$n-$j\"}"
    done
    curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PORT/v1/traces" \
      -H 'Content-Type: application/json' \
      -d "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc$((n % 3))\"}}]},\"scopeSpans\":[{\"spans\":[$spans]}]}]}"
  done
}

# send_log <first> <count> <file>: as send, one "<n> <status>" line per
# request in <file> (the status is 000 when the daemon died under it).
send_log() {
  local n
  for ((n = $1; n < $1 + $2; n++)); do
    echo "$n $(send "$n" 1)" >>"$3"
  done
}

# <json list of names on stdin> <first> <count> <label>: every span of
# those requests arrived; duplicates are reported, and fail with --no-dup.
check_names() {
  python3 -c '
import json, sys
names = json.load(sys.stdin)
first, count, label, nodup = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
want = ["r%d-%d" % (n, j) for n in range(first, first + count) for j in range(5)]
dups = len(names) - len(set(names))
missing = sorted(set(want) - set(names))
extra = sorted(set(names) - set(want))
print("%s: %d spans received, %d distinct, %d duplicates" % (label, len(names), len(set(names)), dups))
if missing or extra or (nodup and dups):
    print("%s: missing %s; unexpected %s" % (label, missing[:5], extra[:5]))
    sys.exit(1)
' "$@"
}

queue_size=1000
fsync=false
processors= # e.g. "[batch]"
consumers=10
drop=newest
storage="storage: file_storage" # empty: the queue is in memory
proto=http
telemetry() { # [metrics port]
  if [[ -n $1 ]]; then
    printf '  telemetry:\n    metrics:\n      level: detailed\n      readers:\n        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: %s}}}\n' "$1"
  else
    printf '  telemetry: {metrics: {level: none}}\n'
  fi
}
write() { # <receiver port> [metrics port]
  cat <<YAML
receivers:
$(otlp_receiver otlp "$proto" "127.0.0.1:$1")
extensions:
  file_storage:
    directory: $STORE
    create_directory: true
    fsync: $fsync
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:$SINK_PORT
    encoding: json
    retry_on_failure:
      initial_interval: 50ms
      max_interval: 200ms
      max_elapsed_time: 0
    sending_queue:
      $storage
      queue_size: $queue_size
      num_consumers: $consumers
      drop_on_overflow: $drop
processors:
  batch:
    send_batch_size: 100000
    timeout: 60s
service:
$(telemetry "$2")
  extensions: [file_storage]
  pipelines:
    traces:
      receivers: [otlp]
${processors:+      processors: $processors}
      exporters: [otlphttp]
YAML
}

# metric <series>: its value at the metrics port (PORTS[1]), or "absent"
metric() {
  curl -sf -o "$WORK/metrics.txt" "http://127.0.0.1:${PORTS[1]}/metrics" || fail "cannot scrape /metrics"
  python3 "$OTLPD_SRC/tests/telemetry/prom_text.py" "$WORK/metrics.txt" "$1"
}

qdir=$STORE/exporter_otlphttp_traces
segments() { find "$qdir" -name '*.seg' | wc -l; }
all_in() { [[ $(sink_count) -ge $1 ]]; }

case $mode in
kill9 | fsync | batch | batch_fsync)
  [[ $mode == *fsync ]] && fsync=true
  [[ $mode == batch* ]] && processors="[batch]"
  daemon_start_config write
  codes=$(send 0 20 | sort | uniq -c | tr -s ' ')
  [[ $codes == " 20 200" ]] || fail "clients got: $codes (want 20 x 200)"
  kill -KILL "$DAEMON_PID"
  wait "$DAEMON_PID" 2>/dev/null || true
  DAEMON_PID=
  [[ $(segments) -ge 1 ]] || fail "no segment file in $qdir after the kill"
  start_sink
  daemon_instance restarted
  daemon_start_config write
  POLLS=1200 poll_until all_in 100 || fail "the sink got $(sink_count) of 100 spans after the restart"
  daemon_stop
  curl -sf "http://127.0.0.1:$SINK_PORT/_items" | check_names 0 20 "after kill -9 and restart" 1 ||
    check_fail "spans lost or duplicated across kill -9"
  grep -q "100 items (20 requests) from the last run" "$DAEMON_LOG" ||
    check_fail "the restart did not report the 100 recovered items"
  [[ $(segments) -le 1 ]] || check_fail "$(segments) segments left after everything was acknowledged (want <= 1)"
  grep -q "(fsync $([[ $fsync == true ]] && echo on || echo off))" "$DAEMON_LOG" || check_fail "fsync setting not applied"
  if [[ $mode == batch* ]]; then
    grep -q "batches pass straight through" "$DAEMON_LOG" || check_fail "the batch processor did not say it passes through"
  fi
  ;;
concurrent_fsync)
  # 16 clients at once: their requests overlap, so the writer thread
  # commits them in groups; every 200 must still survive kill -9.
  fsync=true
  processors="[batch]"
  daemon_start_config write
  for k in $(seq 0 15); do
    (trap - EXIT; send $((k * 10)) 10 >"$WORK/codes.$k") & # requests 0..159 over the 16 clients
  done
  wait_senders() { (($(cat "$WORK"/codes.* 2>/dev/null | wc -l) >= 160)); }
  POLLS=2400 poll_until wait_senders || fail "the clients did not finish: $(cat "$WORK"/codes.* | wc -l) of 160 answers"
  codes=$(cat "$WORK"/codes.* | sort | uniq -c | tr -s ' ')
  [[ $codes == " 160 200" ]] || fail "clients got: $codes (want 160 x 200)"
  kill -KILL "$DAEMON_PID"
  wait "$DAEMON_PID" 2>/dev/null || true
  DAEMON_PID=
  start_sink
  daemon_instance restarted
  daemon_start_config write
  POLLS=1200 poll_until all_in 800 || fail "the sink got $(sink_count) of 800 spans after the restart"
  daemon_stop
  curl -sf "http://127.0.0.1:$SINK_PORT/_items" | check_names 0 160 "16 clients after kill -9 and restart" 1 ||
    check_fail "spans answered 200 lost or duplicated across kill -9"
  grep -q "800 items (160 requests) from the last run" "$DAEMON_LOG" ||
    check_fail "the restart did not report the 800 recovered items"
  ;;
batch_repeat)
  processors="[batch]"
  start_sink
  : >"$WORK/acks"
  for round in 0 1 2 3 4 5; do
    daemon_instance "round$round"
    daemon_start_config write
    (trap - EXIT; send_log $((round * 1000)) 30 "$WORK/acks") & # no cleanup trap in the subshell
    sender=$!
    # a different moment each round: after 1, 5, 9 ... requests of the
    # round were answered, while the next one is on its way
    acked_in_round() { (($(awk -v lo=$((round * 1000)) '$2 == 200 && $1 >= lo' "$WORK/acks" | wc -l) >= round * 4 + 1)); }
    POLLS=2400 poll_until acked_in_round || fail "round $round: no answers from the daemon"
    kill -KILL "$DAEMON_PID"
    wait "$DAEMON_PID" 2>/dev/null || true
    DAEMON_PID=
    kill "$sender" 2>/dev/null || true # what it sends now is refused anyway
    wait "$sender" 2>/dev/null || true
  done
  daemon_instance final
  daemon_start_config write
  awk '$2 == 200 {print $1}' "$WORK/acks" >"$WORK/acked"
  nacked=$(wc -l <"$WORK/acked")
  ((nacked >= 66)) || fail "only $nacked requests were answered 200 over six rounds (want >= 66)"
  ((nacked < 180)) || echo "note: no request was cut by a kill"
  has_acked() {
    curl -sf "http://127.0.0.1:$SINK_PORT/_items" | python3 -c '
import json, sys
names = set(json.load(sys.stdin))
want = ["r%s-%d" % (n.strip(), j) for n in open(sys.argv[1]) for j in range(5)]
sys.exit(0 if all(w in names for w in want) else 1)' "$WORK/acked"
  }
  POLLS=1200 poll_until has_acked || check_fail "spans answered 200 are missing after 6 x kill -9 ($nacked requests acknowledged)"
  daemon_stop
  echo "batch_repeat: $nacked requests answered 200, $(sink_count) spans received (duplicates possible)"
  ;;
kill9_repeat)
  start_sink
  for round in 0 1 2 3 4; do
    daemon_instance "round$round"
    daemon_start_config write
    codes=$(send $((round * 10)) 10 | sort | uniq -c | tr -s ' ')
    [[ $codes == " 10 200" ]] || fail "round $round: clients got: $codes (want 10 x 200)"
    sleep "0.$((round * 2))" # a different moment of the delivery each round
    kill -KILL "$DAEMON_PID"
    wait "$DAEMON_PID" 2>/dev/null || true
    DAEMON_PID=
  done
  daemon_instance final
  daemon_start_config write
  POLLS=1200 poll_until all_in 250 || fail "the sink got $(sink_count) of 250 spans after the last restart"
  settled() { ! find "$qdir" -name '*.seg' -size +0 | grep -q . || [[ $(segments) -le 1 ]]; }
  poll_until settled || true
  daemon_stop
  curl -sf "http://127.0.0.1:$SINK_PORT/_items" | check_names 0 50 "after 5 x kill -9 while delivering" 0 ||
    check_fail "spans lost across repeated kill -9"
  ;;
sigterm)
  daemon_start_config write
  codes=$(send 0 10 | sort | uniq -c | tr -s ' ')
  [[ $codes == " 10 200" ]] || fail "clients got: $codes (want 10 x 200)"
  daemon_stop # the backend is down: nothing can be sent
  grep -q "kept 50 items (10 requests) in the persistent queue" "$DAEMON_LOG" ||
    check_fail "the shutdown did not say it kept 50 items on disk"
  start_sink
  daemon_instance restarted
  daemon_start_config write
  codes=$(send 10 5 | sort | uniq -c | tr -s ' ')
  [[ $codes == " 5 200" ]] || check_fail "clients got after the restart: $codes (want 5 x 200)"
  POLLS=1200 poll_until all_in 75 || fail "the sink got $(sink_count) of 75 spans after the restart"
  daemon_stop
  curl -sf "http://127.0.0.1:$SINK_PORT/_items" | check_names 0 15 "after SIGTERM and restart" 1 ||
    check_fail "spans lost or duplicated across a clean restart"
  ;;
full)
  queue_size=3
  daemon_start_config write
  codes=$(send 0 6 | tr '\n' ' ')
  [[ $codes == "200 200 200 503 503 503 " ]] || fail "clients got: $codes (want 3 x 200 then 503)"
  start_sink
  POLLS=1200 poll_until all_in 15 || fail "the sink got $(sink_count) of 15 spans"
  codes=$(send 3 3 | sort | uniq -c | tr -s ' ')
  [[ $codes == " 3 200" ]] || check_fail "clients got after the backend came back: $codes (want 3 x 200)"
  POLLS=1200 poll_until all_in 30 || fail "the sink got $(sink_count) of 30 spans"
  daemon_stop
  curl -sf "http://127.0.0.1:$SINK_PORT/_items" | check_names 0 6 "full queue" 1 ||
    check_fail "spans lost or duplicated with a full queue"
  ;;
drop_oldest | drop_oldest_memory | drop_newest_memory)
  queue_size=3
  consumers=1
  [[ $mode == drop_oldest* ]] && drop=oldest
  [[ $mode == *memory ]] && storage=
  daemon_start_config write
  codes=$(send 0 6 | sort | uniq -c | tr -s ' ')
  [[ $codes == " 6 200" ]] || fail "clients got: $codes (want 6 x 200)"
  # request 0 is in flight (retrying); the memory queue holds 3 more, the
  # persistent queue counts the one in flight in its 3
  case $mode in
  drop_oldest) kept="0 4 5" ;;
  drop_oldest_memory) kept="0 3 4 5" ;;
  drop_newest_memory) kept="0 1 2 3" ;;
  esac
  nkept=$(wc -w <<<"$kept")
  start_sink
  POLLS=1200 poll_until all_in $((nkept * 5)) || fail "the sink got $(sink_count) of $((nkept * 5)) spans"
  sleep 0.5 # anything more would arrive now
  daemon_stop
  curl -sf "http://127.0.0.1:$SINK_PORT/_items" | python3 -c '
import json, sys
got = sorted(set(json.load(sys.stdin)))
want = sorted("r%s-%d" % (n, j) for n in sys.argv[1].split() for j in range(5))
print("delivered %d spans, want %d" % (len(got), len(want)))
sys.exit(0 if got == want else 1)' "$kept" || check_fail "$mode: not exactly requests $kept delivered"
  if [[ $drop == oldest ]]; then
    grep -q "dropped the oldest" "$DAEMON_LOG" || check_fail "no log line about dropping the oldest"
  else
    grep -q "sending queue is full" "$DAEMON_LOG" || check_fail "no log line about the full queue"
  fi
  ;;
disk_full)
  mkdir -p "$STORE"
  if [[ $(id -u) != 0 ]] || ! mount -t tmpfs -o size=64k otlpd-pqueue-test "$STORE" 2>/dev/null; then
    echo "SKIP: mounting a small tmpfs needs root"
    exit 77
  fi
  on_cleanup "umount -l $STORE"
  queue_size=100000 # the disk, not the queue's bound, must refuse
  daemon_start_config -n 2 write
  : >"$WORK/acks"
  for ((n = 0; n < 600; n++)); do
    echo "$n $(send "$n" 1)" >>"$WORK/acks"
    [[ $(tail -1 "$WORK/acks") == *" 503" ]] && (($(grep -c ' 503$' "$WORK/acks") >= 3)) && break
  done
  nok=$(grep -c ' 200$' "$WORK/acks" || true)
  nrefused=$(grep -c ' 503$' "$WORK/acks" || true)
  echo "disk_full: $nok requests stored, then $nrefused refused"
  ((nok >= 20 && nrefused >= 3)) || fail "want >= 20 requests answered 200 and then 503s: $nok 200, $nrefused 503"
  grep -v ' 200$' "$WORK/acks" | grep -qv ' 503$' && fail "answers other than 200/503: $(grep -v ' 200$\| 503$' "$WORK/acks" | head -3)"
  # the counters say what the clients heard
  accepted=$(metric 'otelcol_receiver_accepted_spans{receiver="otlp"}')
  refused=$(metric 'otelcol_receiver_refused_spans{receiver="otlp"}')
  [[ $accepted == $((nok * 5)) && $refused == $((nrefused * 5)) ]] ||
    check_fail "receiver counters: accepted $accepted, refused $refused; want $((nok * 5)) and $((nrefused * 5)) (clients got $nok x 200, $nrefused x 503)"
  start_sink
  POLLS=1200 poll_until all_in $((nok * 5)) || fail "the sink got $(sink_count) of $((nok * 5)) spans"
  curl -sf "http://127.0.0.1:$SINK_PORT/_items" | check_names 0 "$nok" "after the disk was full" 1 ||
    check_fail "spans answered 200 lost or duplicated after a full disk"
  # still the same daemon: the space comes back as the backend takes the data
  after_sent() { [[ $(send 5000 1) == 200 ]]; }
  POLLS=200 poll_until after_sent || fail "the daemon kept refusing after everything was sent (space not given back)"
  codes=$(send 5001 19 | sort | uniq -c | tr -s ' ')
  [[ $codes == " 19 200" ]] || check_fail "clients got after the backend came back: $codes (want 19 x 200)"
  POLLS=1200 poll_until all_in $(((nok + 20) * 5)) || fail "the sink got $(sink_count) of $(((nok + 20) * 5)) spans"
  daemon_stop
  curl -sf "http://127.0.0.1:$SINK_PORT/_items" |
    python3 -c 'import json, sys; print(json.dumps([n for n in json.load(sys.stdin) if int(n[1:].split("-")[0]) >= 5000]))' |
    check_names 5000 20 "new requests" 1 ||
    check_fail "requests sent after the disk was given back are missing"
  ;;
grpc_fsync)
  ensure_node_modules
  fsync=true
  processors="[batch]"
  proto=grpc
  daemon_start_config -n 2 write
  node "$OTLPD_SRC/tests/grpc/send_grpc.js" --url "http://127.0.0.1:$PORT" --signals traces --count 60 --chunk 3 \
    --manifest "$WORK/sent.json" >"$WORK/send.out" 2>&1 || fail "a gRPC export failed: $(tail -5 "$WORK/send.out")"
  accepted=$(metric 'otelcol_receiver_accepted_spans{receiver="otlp"}')
  [[ $accepted == 60 ]] || check_fail "the receiver counted $accepted spans accepted after 60 were answered OK"
  kill -KILL "$DAEMON_PID"
  wait "$DAEMON_PID" 2>/dev/null || true
  DAEMON_PID=
  [[ $(segments) -ge 1 ]] || fail "no segment file in $qdir after the kill"
  start_sink
  daemon_instance restarted
  daemon_start_config -n 2 write
  POLLS=1200 poll_until all_in 60 || fail "the sink got $(sink_count) of 60 spans after the restart"
  daemon_stop
  curl -sf "http://127.0.0.1:$SINK_PORT/_items" | python3 -c '
import json, sys
names = json.load(sys.stdin)
want = ["span-%d" % i for i in range(60)]
print("grpc: %d spans received, %d distinct" % (len(names), len(set(names))))
sys.exit(0 if sorted(names) == sorted(want) else 1)' || check_fail "spans answered OK over gRPC lost or duplicated across kill -9"
  grep -q "60 items (20 requests) from the last run" "$DAEMON_LOG" ||
    check_fail "the restart did not report the 60 recovered items in 20 requests"
  ;;
config)
  write 4318 | sed 's/storage: file_storage$/storage: file_storage\/nope/' >"$WORK/bad-id.yaml"
  if "$OTLPD" validate --config "$WORK/bad-id.yaml" >"$WORK/v1.out" 2>&1; then
    check_fail "an unknown storage id passed validation"
  fi
  grep -q 'exporters::otlphttp::sending_queue::storage: "file_storage/nope"' "$WORK/v1.out" ||
    check_fail "the error does not name sending_queue::storage: $(cat "$WORK/v1.out")"
  write 4318 | sed 's/  extensions: \[file_storage\]/  extensions: []/' >"$WORK/not-enabled.yaml"
  if "$OTLPD" validate --config "$WORK/not-enabled.yaml" >"$WORK/v2.out" 2>&1; then
    check_fail "a storage extension not listed in service::extensions passed validation"
  fi
  grep -q 'sending_queue::storage: extension "file_storage" is not enabled' "$WORK/v2.out" ||
    check_fail "the error does not say the extension is not enabled: $(cat "$WORK/v2.out")"
  write 4318 | sed '/create_directory: true/d' >"$WORK/no-dir.yaml"
  if "$OTLPD" validate --config "$WORK/no-dir.yaml" >"$WORK/v3.out" 2>&1; then
    check_fail "a missing directory without create_directory passed validation"
  fi
  grep -q 'extensions::file_storage::directory: .* does not exist' "$WORK/v3.out" ||
    check_fail "the error does not name file_storage::directory: $(cat "$WORK/v3.out")"
  write 4318 >"$WORK/good.yaml"
  "$OTLPD" validate --config "$WORK/good.yaml" >"$WORK/v4.out" 2>&1 ||
    check_fail "a correct configuration failed validation: $(cat "$WORK/v4.out")"
  ;;
*) fail "unknown mode $mode" ;;
esac
finish_checks "pqueue $mode"
