#!/usr/bin/env bash
# loki exporter end to end: OTLP/HTTP logs into otlpd, out to
# tests/loki/loki_server.py (Loki's push API with switchable faults).
#
#   loki.sh labels   protobuf+snappy: one push for one batch; stream labels
#                    (service_name, default resource labels less k8s.pod.name
#                    and service.instance.id, the loki.resource.labels hint,
#                    labels::attributes, sanitised names, escaped values),
#                    lines (string and structured bodies), structured
#                    metadata, entries in timestamp order per stream, static
#                    X-Scope-OrgID
#   loki.sh json     encoding json, line_format json: the translator's line
#   loki.sh tenant   tenant::source_attribute: one push per tenant, with
#                    tenant_id for resources without the attribute
#   loki.sh retry    429 (Retry-After), 500 and a reset first: every entry
#                    arrives exactly once
#   loki.sh reject   an out-of-order push is refused with 400: counted and
#                    logged with Loki's reason, never retried
#
# Environment: OTLPD (daemon), OTLPD_SRC (source tree).

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"

mode=${1:?usage: loki.sh labels|json|tenant|retry|reject}
here=$(cd "$(dirname "$0")" && pwd)
require_cmds curl python3
daemon_init "loki-$mode"

LOKI_PORT=
start_loki() { # [--strict-order] [--fault JSON]...
  python3 "$here/loki_server.py" "$@" >"$WORK/loki.out" 2>"$WORK/loki.err" &
  local pid=$!
  on_cleanup "kill $pid"
  have_port() { [[ -s $WORK/loki.out ]]; }
  poll_until have_port || fail "the Loki server did not start: $(cat "$WORK/loki.err")"
  LOKI_PORT=$(head -n 1 "$WORK/loki.out")
}

pushes() { curl -sf "http://127.0.0.1:$LOKI_PORT/_pushes"; }
push_requests() {
  curl -sf "http://127.0.0.1:$LOKI_PORT/_stats" |
    python3 -c 'import json,sys; print(sum(r["path"] == "/loki/api/v1/push" for r in json.load(sys.stdin)["requests"]))'
}
entries() { pushes | python3 -c 'import json,sys; print(sum(len(s["entries"]) for p in json.load(sys.stdin) for s in p["streams"]))'; }

post() { # <json body>
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/logs" \
    -H 'Content-Type: application/json' -d "$1")
  [[ $code == 200 ]] || fail "the receiver answered $code"
}

# config <receiver port> <loki exporter lines, indented by 4>
config() {
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
  batch:
    timeout: ${BATCH_TIMEOUT:-200ms}
exporters:
  loki:
    endpoint: http://127.0.0.1:$LOKI_PORT/loki/api/v1/push
    retry_on_failure:
      initial_interval: 20ms
      max_interval: 200ms
$2
service:
  pipelines:
    logs:
      receivers: [otlp]
      processors: [batch]
      exporters: [loki]
YAML
}

kv() { printf '{"key":"%s","value":{"stringValue":"%s"}}' "$1" "$2"; }
rec() { # <ts> <body json> [attrs json] [extra fields]
  printf '{"timeUnixNano":"%s","body":%s,"attributes":[%s]%s}' "$1" "$2" "${3:-}" "${4:-}"
}
wait_entries() { # <n>
  local want=$1
  enough() { [[ $(entries) -ge $want ]]; }
  poll_until enough || fail "Loki got $(entries) entries, want $want"
}

case $mode in
labels)
  start_loki
  write() { config "$1" "    tenant_id: team-a
    labels:
      attributes: [level]"; }
  daemon_start_config write
  ids=',"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161718","severityText":"INFO"'
  web="$(kv service.name web),$(kv deployment.environment prod),$(kv k8s.namespace.name shop),$(kv k8s.pod.name web-7f9c),$(kv service.instance.id i-1),$(kv team payments),$(kv loki.resource.labels team)"
  get=$(kv http.method GET)
  recs="$(rec 3000 '{"stringValue":"third"}' "$get"),$(rec 1000 '{"stringValue":"first"}' "$get" "$ids"),$(rec 2000 '{"stringValue":"second"}' "$get")"
  recs+=",$(rec 1500 '{"kvlistValue":{"values":[{"key":"code","value":{"intValue":"500"}},{"key":"msg","value":{"stringValue":"boom"}}]}}' "$(kv level error)")"
  anon="{\"key\":\"odd.name-x\",\"value\":{\"stringValue\":\"q\\\"uote\\\\back\\nline\"}},$(kv loki.resource.labels odd.name-x)"
  post "{\"resourceLogs\":[{\"resource\":{\"attributes\":[$web]},\"scopeLogs\":[{\"logRecords\":[$recs]}]},{\"resource\":{\"attributes\":[$anon]},\"scopeLogs\":[{\"logRecords\":[$(rec 5000 '{"stringValue":"anon"}')]}]}]}"
  wait_entries 5
  daemon_stop
  pushes | python3 "$here/check_pushes.py" labels || check_fail "labels, lines or metadata are not as documented"
  ;;
json)
  start_loki
  write() { config "$1" "    encoding: json
    line_format: json"; }
  daemon_start_config write
  ids=',"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161718","severityText":"WARN"'
  post "{\"resourceLogs\":[{\"resource\":{\"attributes\":[$(kv service.name api)]},\"scopeLogs\":[{\"scope\":{\"name\":\"lib\",\"version\":\"1.0\"},\"logRecords\":[$(rec 2000 '{"stringValue":"later"}'),$(rec 1000 '{"stringValue":"hello"}' "$(kv user u1)" "$ids")]}]}]}"
  wait_entries 2
  daemon_stop
  pushes | python3 "$here/check_pushes.py" json || check_fail "JSON push or line not as documented"
  ;;
tenant)
  start_loki
  write() { config "$1" "    tenant_id: fallback
    tenant:
      source_attribute: tenant"; }
  daemon_start_config write
  res=""
  for t in acme globex fallback; do
    attrs=$(kv service.name svc)
    [[ $t == fallback ]] || attrs+=",$(kv tenant "$t")"
    recs="$(rec 1000 "{\"stringValue\":\"$t-0\"}"),$(rec 2000 "{\"stringValue\":\"$t-1\"}"),$(rec 3000 "{\"stringValue\":\"$t-2\"}")"
    res+="${res:+,}{\"resource\":{\"attributes\":[$attrs]},\"scopeLogs\":[{\"logRecords\":[$recs]}]}"
  done
  post "{\"resourceLogs\":[$res]}"
  wait_entries 9
  daemon_stop
  pushes | python3 "$here/check_pushes.py" tenant || check_fail "not one push per tenant"
  ;;
retry)
  start_loki --fault '{"status": 429, "retry_after": "1", "times": 2}' --fault '{"status": 500}' \
    --fault '{"reset": true}'
  BATCH_TIMEOUT=20ms
  write() { config "$1" "    sending_queue:
      num_consumers: 2"; }
  daemon_start_config write
  for ((n = 0; n < 20; n++)); do
    recs=
    for ((j = 0; j < 5; j++)); do recs+="${recs:+,}$(rec $((n * 10 + j + 1)) "{\"stringValue\":\"r$n-$j\"}")"; done
    post "{\"resourceLogs\":[{\"resource\":{\"attributes\":[$(kv service.name "svc$((n % 3))")]},\"scopeLogs\":[{\"logRecords\":[$recs]}]}]}"
  done
  wait_entries 100
  daemon_stop
  pushes | python3 "$here/check_pushes.py" once 20 || check_fail "not every entry exactly once"
  n=$(push_requests)
  got=$(pushes | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  ((n - got >= 4)) || check_fail "$n push requests for $got accepted pushes: the faults were not retried"
  ;;
reject)
  start_loki --strict-order
  BATCH_TIMEOUT=20ms
  write() { config "$1" "    sending_queue:
      num_consumers: 1"; }
  daemon_start_config write
  one() { post "{\"resourceLogs\":[{\"resource\":{\"attributes\":[$(kv service.name s)]},\"scopeLogs\":[{\"logRecords\":[$(rec "$1" "{\"stringValue\":\"$2\"}")]}]}]}"; }
  one 2000000000 new
  wait_entries 1
  one 1000000000 old # older than what the stream has: Loki refuses it
  one 3000000000 newer
  wait_entries 2
  daemon_stop
  n=$(push_requests)
  [[ $n == 3 ]] || check_fail "Loki got $n pushes, want 3 (the refused one must not be retried)"
  grep -q "entry out of order" "$DAEMON_LOG" || check_fail "Loki's reason was not logged"
  grep -qi "1 .*\(rejected\|failed\|dropped\)\|\(rejected\|failed\|dropped\).* 1 " "$DAEMON_LOG" ||
    check_fail "the refused entry was not counted in the log"
  lines=$(pushes | python3 -c 'import json,sys; print(" ".join(e[1] for p in json.load(sys.stdin) for s in p["streams"] for e in s["entries"]))')
  [[ $lines == "new newer" ]] || check_fail "Loki holds: $lines"
  ;;
*) fail "unknown mode $mode" ;;
esac
finish_checks "loki $mode"
