#!/usr/bin/env bash
# elasticsearch exporter end to end: the real daemon against es_server.py.
#
#   elasticsearch.sh otel|ecs|raw|none  every log record and span (and, in otel
#                        mode, span event) indexed exactly once in the
#                        mode's layout, in its data stream, with `create`
#   elasticsearch.sh metrics   gauge, sum, histogram, exponential histogram and
#                        summary points grouped into one document per
#                        timestamp/attribute set, each exactly once
#   elasticsearch.sh metrics_ecs  the same in mapping::mode ecs: ECS documents
#                        in metrics-generic-default
#   elasticsearch.sh setup     ILM policy, index templates and the aliases'
#                        first write indices created once though the first
#                        setup requests are refused (retried while data
#                        flows); documents sent meanwhile (require_alias,
#                        404) are held and land in <alias>-000001 once, none
#                        counted as failed, no concrete index named like an
#                        alias; a second start creates nothing
#   elasticsearch.sh race      a concurrent creator of the write index between
#                        setup's GET and PUT: its index is accepted
#   elasticsearch.sh index     logs_index/traces_index: plain indices with
#                        `index` actions; basic auth; a 413 splits the request
#   elasticsearch.sh item429   half the documents answered 429 three times:
#                        retried until every one is in, exactly once
#   elasticsearch.sh permanent documents refused with 400 are dropped,
#                        logged with Elasticsearch's reason, counted in
#                        /metrics, and never sent again
#   elasticsearch.sh whole503  whole-request 503 (twice) and a reset: retried
#   elasticsearch.sh down      nothing listens for Elasticsearch: the same
#                        pipeline's file exporter still gets everything
#   elasticsearch.sh failover  endpoints [dead, live]: everything arrives
#   elasticsearch.sh routing   elasticsearch.index of the record, else the
#                        scope, else the resource: that index (create), above
#                        data_stream.*; the attribute left out of the document
#
# Environment: OTLPD (daemon), OTLPD_SRC (source tree).

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"

mode=${1:?usage: elasticsearch.sh otel|ecs|raw|none|metrics|metrics_ecs|setup|race|index|item429|permanent|whole503|down|failover|routing}
here=$(cd "$(dirname "$0")" && pwd)
require_cmds curl python3
daemon_init "es-$mode"

ES_PORT=
start_es() { # [es_server.py args]...
  python3 "$here/es_server.py" "$@" >"$WORK/es.out" 2>"$WORK/es.err" &
  local pid=$!
  on_cleanup "kill $pid"
  have_port() { [[ -s $WORK/es.out ]]; }
  poll_until have_port || fail "es_server.py did not start: $(cat "$WORK/es.err")"
  ES_PORT=$(head -n 1 "$WORK/es.out")
}
es() { curl -sf "http://127.0.0.1:$ES_PORT/$1"; }
es_post() { curl -sf -XPOST -d "$2" "http://127.0.0.1:$ES_PORT/$1" >/dev/null; }
stat() { es _es_stats | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# <receiver port> <metrics port> <exporter yaml> <exporters list>
config() {
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
  batch:
    timeout: 20ms
exporters:
$3
service:
  telemetry:
    metrics:
      address: 127.0.0.1:$2
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [$4]}
    logs: {receivers: [otlp], processors: [batch], exporters: [$4]}
    metrics: {receivers: [otlp], processors: [batch], exporters: [$4]}
YAML
}

es_yaml() { # <endpoint line> [extra lines, indented by 4]
  printf '  elasticsearch:\n    %s\n    retry:\n      initial_interval: 20ms\n      max_interval: 200ms\n%s\n' "$1" "${2:-}"
}

send() { # <first> <count> [poison]
  local codes
  codes=$(python3 "$here/send.py" "$PORT" "$@" | sort | uniq -c | tr -s ' ')
  [[ $codes == " $((2 * $2)) 200" ]] || fail "clients got: $codes (want $((2 * $2)) x 200)"
}

stored_at_least() { [[ $(stat stored) -ge $1 ]]; }
wait_stored() { # <count>
  POLLS=${POLLS:-600} poll_until stored_at_least "$1" || fail "es_server stored $(stat stored) of $1 documents"
}
check() { es _docs | python3 "$here/check_docs.py" "$@" || check_fail "documents are not as sent"; }

R=20
case $mode in
otel | ecs | raw | none)
  start_es
  line="mapping: {mode: $mode}"
  write() { config "$1" "$2" "$(es_yaml "endpoint: http://127.0.0.1:$ES_PORT" "    $line")" elasticsearch; }
  daemon_start_config -n 2 write
  send 0 $R
  docs=$((R * 10))
  [[ $mode == otel ]] && docs=$((R * 15))
  wait_stored $docs
  daemon_stop
  check "$mode" 0 $R
  ;;
routing)
  start_es
  write() { config "$1" "$2" "$(es_yaml "endpoint: http://127.0.0.1:$ES_PORT")" elasticsearch; }
  daemon_start_config -n 2 write
  codes=$(python3 "$here/routed.py" send "$PORT" $R | sort | uniq -c | tr -s ' ')
  [[ $codes == " $R 200" ]] || fail "clients got: $codes (want $R x 200)"
  wait_stored $((R * 7))
  daemon_stop
  es _docs | python3 "$here/routed.py" check $R || check_fail "documents are not in their indices"
  ;;
metrics | metrics_ecs)
  start_es
  ecs=
  [[ $mode == metrics_ecs ]] && ecs=ecs
  write() { config "$1" "$2" "$(es_yaml "endpoint: http://127.0.0.1:$ES_PORT" "    mapping: {mode: ${ecs:-otel}}")" elasticsearch; }
  daemon_start_config -n 2 write
  codes=$(python3 "$here/send_metrics.py" "$PORT" 0 $R | sort | uniq -c | tr -s ' ')
  [[ $codes == " $R 200" ]] || fail "clients got: $codes (want $R x 200)"
  wait_stored $((R * 3))
  daemon_stop
  es _docs | python3 "$here/check_metrics.py" 0 $R $ecs || check_fail "metrics documents are not as sent"
  ;;
setup)
  # Setup is refused (503) until the documents sent meanwhile have been
  # answered 404 (require_alias) several times over, more often than
  # retry::max_retries (2) allows for failures: they are held, not
  # dropped. Then setup is let through: each document lands in
  # <alias>-000001 once, and no concrete index named like an alias is
  # ever created.
  start_es --refuse-setup 1000000
  extra=$'    logs_index: otlpd-logs\n    traces_index: otlpd-spans\n    mapping: {mode: none}\n    setup: {enabled: true, initial_interval: 50ms, max_interval: 200ms, ilm: {warm_after: 2d}}'
  write() { config "$1" "$2" "$(es_yaml "endpoint: http://127.0.0.1:$ES_PORT/" "$extra")" elasticsearch; }
  daemon_start_config -n 2 write
  MPORT=${PORTS[1]}
  send 0 $R
  held_often() { [[ $(stat item_404) -ge $((R * 10 * 4)) ]]; }
  POLLS=${POLLS:-600} poll_until held_often || fail "documents were not retried while setup was refused: $(es _es_stats)"
  [[ $(stat stored) == 0 ]] || check_fail "$(stat stored) documents stored before the aliases existed"
  es_post _es_fault '{"refuse_setup": 0}'
  wait_stored $((R * 10))
  set_up() { [[ $(stat policy_puts) -ge 1 && $(stat template_puts) -ge 2 && $(stat index_puts) -ge 2 ]]; }
  POLLS=${POLLS:-600} poll_until set_up || fail "setup did not complete: $(es _es_stats)"
  in_place() { grep -q "elasticsearch setup: 5 resources in place" "$DAEMON_LOG"; }
  POLLS=${POLLS:-600} poll_until in_place || fail "setup did not report completion"
  all_sent() {
    curl -sf "http://127.0.0.1:$MPORT/metrics" >"$WORK/metrics.txt" &&
      grep -q "otelcol_exporter_sent_log_records{exporter=\"elasticsearch\"[^}]*} $((R * 5))\$" "$WORK/metrics.txt" &&
      grep -q "otelcol_exporter_sent_spans{exporter=\"elasticsearch\"[^}]*} $((R * 5))\$" "$WORK/metrics.txt"
  }
  poll_until all_sent || check_fail "sent counters are not $((R * 5)) each: $(grep 'exporter_sent\|send_failed' "$WORK/metrics.txt" || true)"
  if grep "otelcol_exporter_send_failed_[a-z_]*{exporter=\"elasticsearch\"" "$WORK/metrics.txt" | grep -qv " 0\$"; then
    check_fail "documents counted as failed while setup was pending: $(grep send_failed "$WORK/metrics.txt")"
  fi
  daemon_stop
  check alias 0 $R
  [[ $(stat setup_refused) -gt 0 ]] || check_fail "no setup request was refused"
  [[ $(stat auto_created) == 0 ]] || check_fail "es_server auto-created $(stat auto_created) concrete indices"
  es _es_indices | python3 -c '
import json, sys
ix, n = json.load(sys.stdin), int(sys.argv[1])
want = {a + "-000001": {"aliases": {a: {"is_write_index": True}}, "docs": n} for a in ("otlpd-logs", "otlpd-spans")}
assert ix == want, ix
print("indices: only the two write indices, each the write index of its alias, %d documents each" % n)' $((R * 5)) ||
    check_fail "the indices are not the bootstrapped write indices alone"
  es _es_setup | python3 -c '
import json, sys
s = json.load(sys.stdin)
p = s["policies"]["otlpd"]["policy"]["phases"]
assert p["hot"]["actions"]["rollover"] == {"max_primary_shard_size": "50gb", "max_age": "7d"}, p
assert p["warm"]["min_age"] == "2d" and p["delete"] == {"min_age": "30d", "actions": {"delete": {}}}, p
for idx in ("otlpd-logs", "otlpd-spans"):
    t = s["templates"][idx]
    assert t["index_patterns"] == [idx + "-*"], t
    assert t["template"]["settings"] == {"index.lifecycle.name": "otlpd", "index.lifecycle.rollover_alias": idx}, t
assert sorted(s["templates"]) == ["otlpd-logs", "otlpd-spans"], s
print("setup: policy and 2 templates as configured")' || check_fail "setup resources are not as configured"
  # A second start finds everything in place and creates nothing.
  daemon_instance second
  daemon_start_config -n 2 write
  POLLS=${POLLS:-600} poll_until in_place || fail "second setup did not report completion"
  grep -q "5 resources in place (0 created)" "$DAEMON_LOG" || check_fail "second start re-created resources: $(grep setup "$DAEMON_LOG")"
  daemon_stop
  [[ $(stat policy_puts) == 1 && $(stat template_puts) == 2 && $(stat index_puts) == 2 ]] ||
    check_fail "PUTs after the second start: $(stat policy_puts) policy, $(stat template_puts) templates, $(stat index_puts) indices (want 1, 2, 2)"
  ;;
race)
  # Another collector creates otlpd-logs-000001 between setup's GET of the
  # alias and its PUT: the PUT's resource_already_exists_exception is
  # success once the alias is seen on the GET that follows.
  start_es
  es_post _es_fault '{"race_alias": 1}'
  extra=$'    logs_index: otlpd-logs\n    traces_index: otlpd-spans\n    mapping: {mode: none}\n    setup: {enabled: true, initial_interval: 50ms, max_interval: 200ms}'
  write() { config "$1" "$2" "$(es_yaml "endpoint: http://127.0.0.1:$ES_PORT" "$extra")" elasticsearch; }
  daemon_start_config -n 2 write
  send 0 $R
  wait_stored $((R * 10))
  in_place() { grep -q "elasticsearch setup: 5 resources in place" "$DAEMON_LOG"; }
  POLLS=${POLLS:-600} poll_until in_place || fail "setup did not report completion: $(grep setup "$DAEMON_LOG")"
  daemon_stop
  # the first alias step (traces_index) races: 4 of 5 created by us
  grep -q "5 resources in place (4 created)" "$DAEMON_LOG" ||
    check_fail "want 4 created (the spans write index by the other collector): $(grep setup "$DAEMON_LOG")"
  # index_puts counts the indices es_server created on a PUT: the spans one
  [[ $(stat raced) == 1 && $(stat index_puts) == 1 ]] ||
    check_fail "raced $(stat raced), indices created by PUT $(stat index_puts) (want 1, 1)"
  check alias 0 $R
  [[ $(stat auto_created) == 0 ]] || check_fail "es_server auto-created $(stat auto_created) concrete indices"
  ;;
index)
  start_es --user elastic --password 'pa:ss' --max-bytes 3000
  extra=$'    logs_index: otlpd-logs\n    traces_index: otlpd-spans\n    mapping: {mode: none}\n    user: elastic\n    password: "pa:ss"\n    compression: none'
  write() { config "$1" "$2" "$(es_yaml "endpoint: http://127.0.0.1:$ES_PORT/" "$extra")" elasticsearch; }
  daemon_start_config -n 2 write
  send 0 $R
  wait_stored $((R * 10))
  daemon_stop
  check index 0 $R
  [[ $(stat too_large) -gt 0 ]] || check_fail "no request was over the server's 3000 bytes: the 413 path was not exercised"
  [[ $(stat auth_failures) -eq 0 ]] || check_fail "es_server refused the exporter's credentials"
  ;;
item429)
  start_es
  write() { config "$1" "$2" "$(es_yaml "endpoint: http://127.0.0.1:$ES_PORT" "      max_retries: 10")" elasticsearch; }
  daemon_start_config -n 2 write
  es_post _es_fault '{"item_status": 429, "fraction": 0.5, "times": 3}'
  send 0 $R
  wait_stored $((R * 15))
  daemon_stop
  check otel 0 $R
  [[ $(stat item_429) -gt 0 ]] || check_fail "no document was answered 429"
  ;;
permanent)
  start_es
  write() { config "$1" "$2" "$(es_yaml "endpoint: http://127.0.0.1:$ES_PORT")" elasticsearch; }
  daemon_start_config -n 2 write
  MPORT=${PORTS[1]}
  es_post _es_fault '{"reject_marker": "\"poison\""}'
  send 0 $R poison
  wait_stored $((R * 14))
  # Nothing is retried: the server refuses each poisoned record once.
  all_counted() {
    curl -sf "http://127.0.0.1:$MPORT/metrics" >"$WORK/metrics.txt" &&
      grep -q "otelcol_exporter_send_failed_log_records{exporter=\"elasticsearch\"[^}]*} $R\$" "$WORK/metrics.txt"
  }
  poll_until all_counted || check_fail "send_failed_log_records is not $R: $(grep send_failed "$WORK/metrics.txt" || true)"
  daemon_stop
  [[ $(stat item_400) -eq $R ]] || check_fail "es_server refused $(stat item_400) documents (want $R: refused ones must not be retried)"
  check otel 0 $R skip-poison
  grep -q "mapper_parsing_exception" "$DAEMON_LOG" || check_fail "Elasticsearch's reason is not in the log"
  ;;
whole503)
  start_es --fault '{"status": 503, "times": 2}' --fault '{"reset": true}' --fault '{"delay_ms": 300}'
  write() { config "$1" "$2" "$(es_yaml "endpoint: http://127.0.0.1:$ES_PORT" "      max_retries: 10")" elasticsearch; }
  daemon_start_config -n 2 write
  send 0 $R
  wait_stored $((R * 15))
  daemon_stop
  check otel 0 $R
  [[ $(stat whole_faults) -ge 3 ]] || check_fail "the faults were not all hit"
  ;;
down)
  dead=$(free_port)
  fileyaml="  file/x:\n    path: $WORK/out.jsonl\n    format: json"
  write() {
    config "$1" "$2" "$(es_yaml "endpoint: http://127.0.0.1:$dead" "    sending_queue: {queue_size: 2}")
$(printf "$fileyaml")" "elasticsearch, file/x"
  }
  daemon_start_config -n 2 write
  send 0 $R
  file_has_all() {
    [[ -f $WORK/out.jsonl ]] && [[ $(python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    for rs in d.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []): n += len(ss.get("spans", []))
    for rl in d.get("resourceLogs", []):
        for sl in rl.get("scopeLogs", []): n += len(sl.get("logRecords", []))
print(n)' "$WORK/out.jsonl") -eq $((R * 10)) ]]
  }
  poll_until file_has_all || check_fail "the file exporter did not get all $((R * 10)) items while Elasticsearch was down"
  daemon_stop
  ;;
failover)
  start_es
  dead=$(free_port)
  write() { config "$1" "$2" "$(es_yaml "endpoints: [http://127.0.0.1:$dead, http://127.0.0.1:$ES_PORT]")" elasticsearch; }
  daemon_start_config -n 2 write
  send 0 $R
  wait_stored $((R * 15))
  daemon_stop
  check otel 0 $R
  ;;
*) fail "unknown mode $mode" ;;
esac
finish_checks "elasticsearch $mode"
