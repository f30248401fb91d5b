#!/bin/bash
# tail_sampling end to end: OTLP/HTTP receiver -> [tail_sampling, batch] ->
# file exporter. 60 traces of 4 spans arrive over 4 JSON requests; the
# policies keep the error traces (status_code) and the slow ones (latency
# >= 1000 ms), each with all its spans, and nothing else. A fifth request
# with one late span of every trace after the decisions: kept traces get
# it (sampled cache), dropped ones do not. Then a flood beyond num_traces
# with a long decision_wait: the oldest traces are decided early (so they
# reach the file while the daemon runs), and SIGTERM decides the rest.
#
# usage: OTLPD=<path to otlpd> tailsamp.sh

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3
daemon_init tailsamp
dir=$WORK
helper=$(dirname "$0")/traces.py
N=60
REQUESTS=4

config() {
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
  tail_sampling:
    decision_wait: $WAIT
    num_traces: $NUM
    decision_cache: {sampled_cache_size: 1000, non_sampled_cache_size: 1000}
    policies:
      - name: errors
        type: status_code
        status_code: {status_codes: [ERROR]}
      - name: slow
        type: latency
        latency: {threshold_ms: 1000}
  batch:
    timeout: 50ms
exporters:
  file: {path: $dir/out.jsonl, format: json}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [tail_sampling, batch], exporters: [file]}
YAML
}

# POSTs the files with one curl (one process: the requests follow each
# other closely even on a loaded machine); each must get a plain 200.
post() {
  local args=() f codes
  for f; do
    ((${#args[@]})) && args+=(--next)
    args+=(-sS -o "$dir/resp-${f##*/}" -w '%{http_code}\n' -H 'Content-Type: application/json'
      --data-binary "@$f" "http://127.0.0.1:$PORT/v1/traces")
  done
  codes=$(curl "${args[@]}" | tr '\n' ' ') || codes="curl-error $codes"
  # sampled-out spans are not refused: the client hears a plain success
  [ "$codes" = "$(printf '200 %.0s' "$@")" ] || check_fail "POST $*: got $codes"
  for f; do
    if grep -q 'rejected' "$dir/resp-${f##*/}"; then check_fail "POST $f: response reports rejected spans"; fi
  done
}

spans_out() { python3 "$helper" count "$dir/out.jsonl"; }
spans_at_least() { (($(spans_out) >= $1)); }

# ---- ottl_condition: accepted; a bad condition is an error with its column ----
ottl_config() { # <condition>
  cat >"$dir/ottl.yaml" <<YAML
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:$(free_port)"}}}
processors:
  tail_sampling:
    policies:
      - {name: o, type: ottl_condition, ottl_condition: {span: ['$1']}}
exporters:
  file: {path: $dir/o.jsonl}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [tail_sampling], exporters: [file]}
YAML
}
ottl_config 'attributes["x"] == 1'
"$OTLPD" validate --config "$dir/ottl.yaml" >"$dir/ottl.out" 2>&1 ||
  check_fail "an ottl_condition policy was refused: $(cat "$dir/ottl.out")"
ottl_config 'attributes["x"] = 1'
if "$OTLPD" validate --config "$dir/ottl.yaml" >"$dir/ottl.out" 2>&1; then
  check_fail "a bad ottl_condition was accepted"
elif ! grep -q 'ottl_condition.*column 17' "$dir/ottl.out"; then
  check_fail "unexpected error for a bad ottl_condition: $(cat "$dir/ottl.out")"
fi

# ---- policies, whole traces, late spans ----
python3 "$helper" make "$dir" "$N" "$REQUESTS"
want=$(wc -l <"$dir/expect.txt")
# decision_wait well above the time one curl takes for four local POSTs, so
# that no trace is decided before its last request arrived
WAIT=3s NUM=1000 daemon_start_config config
post "$dir"/req-{0..3}.json
POLLS=600 poll_until spans_at_least $((want * REQUESTS)) || check_fail "kept traces never arrived ($(spans_out) spans)"
# all traces began in request 0, so they were all decided in one timer tick
# (the kept spans above prove it): the next request is late for every one
post "$dir/late.json"
POLLS=600 poll_until spans_at_least $((want * (REQUESTS + 1))) || check_fail "late spans never arrived"
daemon_stop
python3 "$helper" check "$dir" "$dir/out.jsonl" $((REQUESTS + 1)) ||
  check_fail "output is not exactly the error and slow traces with all their spans"

# ---- num_traces under a flood ----
rm -f "$dir/out.jsonl"
FLOOD=300
python3 "$helper" flood "$dir" "$FLOOD"
WAIT=10m NUM=20 daemon_start_config config
post "$dir/flood.json"
# all but the 20 newest are decided early, long before decision_wait
POLLS=600 poll_until spans_at_least $((FLOOD - 20)) || check_fail "num_traces did not bound the held traces ($(spans_out) spans out)"
(($(spans_out) <= FLOOD - 20)) || check_fail "more than the oldest traces were decided early: $(spans_out)"
daemon_stop
(($(spans_out) == FLOOD)) || check_fail "shutdown did not flush the held traces: $(spans_out) of $FLOOD"

finish_checks "tailsamp: error and slow traces kept whole, late spans follow decisions, num_traces bounds, shutdown flushes"
