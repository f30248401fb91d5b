#!/usr/bin/env bash
# otlphttp exporter end to end, against tests/otlphttp/otlp_sink.py (an
# OTLP/HTTP backend with switchable faults) or a second otlpd:
#
#   otlphttp.sh retry      503 + Retry-After, a reset and a slow answer
#                          first: every span arrives exactly once
#   otlphttp.sh permanent  a 400 is not retried: that batch is dropped,
#                          counted and logged with the backend's reason
#   otlphttp.sh fanout     one exporter's backend is down (nothing listens);
#                          the other exporter of the pipeline gets every span
#                          exactly once, clients get 200 (block_on_overflow
#                          false drops and counts), and SIGTERM ends within
#                          shutdown_timeout saying what was dropped
#   otlphttp.sh block      the same dead backend with block_on_overflow:
#                          clients get 503; nothing reaches the healthy
#                          exporter twice
#   otlphttp.sh gateway    agent -> gateway otlpd over OTLP/HTTP protobuf
#                          with gzip: the gateway's file holds every span
#                          exactly once, attributes intact
#
# Environment: OTLPD (daemon), OTLPD_SRC (source tree).

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"

mode=${1:?usage: otlphttp.sh retry|permanent|fanout|block|gateway}
here=$(cd "$(dirname "$0")" && pwd)
require_cmds curl python3
daemon_init "otlphttp-$mode"

SINK_PORT=
start_sink() { # [fault JSON]...
  local args=() f
  for f; do args+=(--fault "$f"); done
  python3 "$here/otlp_sink.py" "${args[@]}" >"$WORK/sink.out" 2>"$WORK/sink.err" &
  local pid=$!
  on_cleanup "kill $pid"
  have_port() { [[ -s $WORK/sink.out ]]; }
  poll_until have_port || fail "the sink did not start: $(cat "$WORK/sink.err")"
  SINK_PORT=$(head -n 1 "$WORK/sink.out")
}

sink_items() { curl -sf "http://127.0.0.1:$SINK_PORT/_items"; }

# send <first request number> <count>: requests of 5 spans "r<n>-<j>"
# with a resource and a span attribute; prints each HTTP status.
send() {
  local n j spans
  for ((n = $1; n < $1 + $2; n++)); do
    spans=
    for ((j = 0; j < 5; j++)); do
      spans+="${spans:+,}{\"traceId\":\"$(printf '%032x' $((n + 1)))\",\"spanId\":\"$(printf '%016x' $((j + 1)))\",\"name\":\"r$n-$j\",\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":\"$n\"}}]}"
    done
    curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$PORT/v1/traces" \
      -H 'Content-Type: application/json' \
      -d "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"svc$((n % 3))\"}}]},\"scopeSpans\":[{\"spans\":[$spans]}]}]}"
  done
}

# names_exactly_once <file with a JSON list or JSON lines of names> <requests...>
check_names() { # <json list of names on stdin> <first> <count> <label>
  python3 -c '
import json, sys
names = json.load(sys.stdin)
first, count, label = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
want = ["r%d-%d" % (n, j) for n in range(first, first + count) for j in range(5)]
dup = sorted({x for x in names if names.count(x) > 1})
missing = sorted(set(want) - set(names))
extra = sorted(set(names) - set(want))
if dup or missing or extra:
    print("%s: %d names; duplicates %s; missing %s; unexpected %s" % (label, len(names), dup[:5], missing[:5], extra[:5]))
    sys.exit(1)
print("%s: %d spans, each exactly once" % (label, len(names)))
' "$@"
}

file_names() { # <file exporter JSON lines>
  python3 -c '
import json, sys
names = []
for line in open(sys.argv[1]):
    d = json.loads(line)
    for rs in d.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            names += [s["name"] for s in ss.get("spans", [])]
print(json.dumps(names))' "$1"
}

agent_config() { # <receiver port> <exporter yaml> <exporter ids> [service extra]
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
  batch:
    timeout: 20ms${BATCH_EXTRA:-}
exporters:
$2
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [$3]
${4:-}
YAML
}

otlphttp_yaml() { # <id> <endpoint> [extra lines, indented by 4]
  printf '  %s:\n    endpoint: %s\n    encoding: json\n    retry_on_failure:\n      initial_interval: 50ms\n      max_interval: 200ms\n%s\n' "$1" "$2" "${3:-}"
}

case $mode in
retry)
  start_sink '{"status": 503, "retry_after": "1", "times": 2}' '{"reset": true}' '{"delay_ms": 300}'
  write() { agent_config "$1" "$(otlphttp_yaml otlphttp "http://127.0.0.1:$SINK_PORT")" otlphttp; }
  daemon_start_config write
  codes=$(send 0 20 | sort | uniq -c | tr -s ' ')
  [[ $codes == " 20 200" ]] || fail "clients got: $codes (want 20 x 200)"
  all_in() { [[ $(sink_items | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') -ge 100 ]]; }
  POLLS=600 poll_until all_in || fail "the sink did not get all 100 spans: $(sink_items | head -c 300)"
  daemon_stop
  sink_items | check_names 0 20 "sink after 503, reset and a slow answer" || check_fail "not exactly once"
  grep -q "retry" "$DAEMON_LOG" || true
  ;;
permanent)
  start_sink '{"status": 400, "body": "span name too long", "times": 1}'
  write() { agent_config "$1" "$(otlphttp_yaml otlphttp "http://127.0.0.1:$SINK_PORT")" otlphttp; }
  daemon_start_config write
  [[ $(send 0 1) == 200 ]] || fail "the client was not answered 200"
  refused_once() { grep -q "HTTP 400" "$DAEMON_LOG"; }
  poll_until refused_once || fail "the 400 was not logged with its status"
  [[ $(send 1 1) == 200 ]] || fail "the second request was not answered 200"
  second_in() { [[ $(sink_items) == *r1-4* ]]; }
  poll_until second_in || fail "the request after the 400 did not arrive"
  daemon_stop
  n=$(curl -sf "http://127.0.0.1:$SINK_PORT/_stats" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["requests"]))')
  [[ $n -eq 2 ]] || check_fail "the sink saw $n requests (want 2: the 400 must not be retried)"
  sink_items | check_names 1 1 "sink after a permanent error" || check_fail "wrong items after the 400"
  grep -q "span name too long" "$DAEMON_LOG" || check_fail "the backend's reason is not in the log"
  ;;
fanout | block)
  dead=$(free_port) # nothing listens there
  extra="    sending_queue:\n      queue_size: 2"
  if [[ $mode == block ]]; then
    extra+="\n      block_on_overflow: true"
    # A small batch processor, so that its hold limit (two batches) fills
    # after the exporter's queue and slots do, and clients see it.
    BATCH_EXTRA=$'\n    send_batch_size: 5\n    send_batch_max_size: 5'
  fi
  write() {
    agent_config "$1" "$(otlphttp_yaml otlphttp/dead "http://127.0.0.1:$dead" "$(printf '%b' "$extra")")
  file/healthy:
    path: $WORK/healthy.jsonl
    format: json
    flush_interval: 20ms" "otlphttp/dead, file/healthy" "  shutdown_timeout: 2s"
  }
  daemon_start_config write
  send 0 40 >"$WORK/codes.txt"
  n200=$(grep -c '^200$' "$WORK/codes.txt" || true)
  n503=$(grep -c '^503$' "$WORK/codes.txt" || true)
  echo "clients: $n200 x 200, $n503 x 503"
  if [[ $mode == fanout ]]; then
    [[ $n200 -eq 40 ]] || fail "a dead backend pushed back on clients ($n503 x 503) though block_on_overflow is false"
  else
    [[ $n503 -gt 0 ]] || fail "block_on_overflow: true never pushed back on clients"
  fi
  daemon_term
  POLLS=400 poll_until exited "$DAEMON_PID" || fail "otlpd did not exit within its shutdown_timeout"
  wait "$DAEMON_PID" && rc=0 || rc=$?
  DAEMON_PID=
  [[ $rc -eq 0 ]] || check_fail "otlpd exited with $rc (want 0: the exporter gave up before the hard deadline)"
  # Which requests were accepted: the healthy file must hold exactly those.
  accepted=$(awk '$1 == 200 { printf "%s%d", (n++ ? "," : ""), NR - 1 }' "$WORK/codes.txt")
  file_names "$WORK/healthy.jsonl" | python3 -c '
import json, sys
names = json.load(sys.stdin)
acc = [int(x) for x in sys.argv[1].split(",") if x]
want = sorted("r%d-%d" % (n, j) for n in acc for j in range(5))
if sorted(names) != want:
    print("healthy exporter: %d spans, want %d (each accepted span once)" % (len(names), len(want)))
    sys.exit(1)
print("healthy exporter: %d spans, each accepted span exactly once" % len(names))' "$accepted" ||
    check_fail "the healthy exporter did not get exactly the accepted spans"
  grep -q "dropped [0-9]* items at shutdown\|dropped .* at shutdown" "$DAEMON_LOG" ||
    check_fail "the dead exporter did not say what it dropped at shutdown"
  if [[ $mode == fanout ]]; then
    grep -qi "queue is full\|enqueue" "$DAEMON_LOG" || check_fail "the full queue's drops were not logged"
  fi
  ;;
gateway)
  daemon_instance gateway
  gw() {
    cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
exporters:
  file:
    path: $WORK/gateway.jsonl
    format: json
    flush_interval: 20ms
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [file]}
YAML
  }
  daemon_start_config gw
  GW_PID=$DAEMON_PID GW_PORT=$PORT
  on_cleanup "kill -KILL $GW_PID"
  daemon_instance agent
  write() { agent_config "$1" "  otlphttp:
    endpoint: http://127.0.0.1:$GW_PORT
    compression: gzip" otlphttp; }
  daemon_start_config write
  codes=$(send 0 30 | sort | uniq -c | tr -s ' ')
  [[ $codes == " 30 200" ]] || fail "clients got: $codes"
  daemon_stop
  DAEMON_PID=$GW_PID
  daemon_stop
  file_names "$WORK/gateway.jsonl" | check_names 0 30 "gateway" || check_fail "not exactly once at the gateway"
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    for rs in json.loads(line)["resourceSpans"]:
        svc = rs["resource"]["attributes"][0]["value"]["stringValue"]
        for ss in rs["scopeSpans"]:
            for s in ss["spans"]:
                n = int(s["name"][1:].split("-")[0])
                assert svc == "svc%d" % (n % 3), (svc, s["name"])
                assert s["attributes"] == [{"key": "k", "value": {"intValue": str(n)}}], s
                assert s["traceId"] == "%032x" % (n + 1), s
print("gateway: resource and span attributes intact")' "$WORK/gateway.jsonl" || check_fail "attributes changed on the way"
  ;;
*) fail "unknown mode $mode" ;;
esac
finish_checks "otlphttp $mode"
