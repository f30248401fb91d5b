#!/usr/bin/env bash
# otlp (gRPC) exporter end to end. The agent is an otlpd with an OTLP/HTTP
# receiver (driven with curl) whose pipelines export with the otlp exporter
# to either a second otlpd (gateway: OTLP/gRPC receiver -> file) or
# tests/otlpgrpc/fault_server.js (@grpc/grpc-js, switchable answers):
#
#   otlpgrpc.sh gateway_gzip|gateway_none
#                        traces, metrics, logs: the gateway's file holds the
#                        very items the agent's own file exporter wrote
#   otlpgrpc.sh headers  configured headers arrive as call metadata
#   otlpgrpc.sh tls      to a TLS gateway: mutual TLS (ca_file, cert_file,
#                        key_file), server_name_override, insecure_skip_verify;
#                        and an exporter that does not trust the server
#                        delivers nothing
#   otlpgrpc.sh unavailable | exhausted_retryinfo | slow | down_up
#                        retried until delivered: every span exactly once
#   otlpgrpc.sh exhausted_plain | invalid
#                        permanent: that batch is dropped, counted in
#                        /metrics, logged, not retried
#   otlpgrpc.sh partial  partial_success: the rejected spans are counted
#   otlpgrpc.sh cancel   a server that never answers: at SIGTERM the call in
#                        flight is cancelled at the drain deadline, the daemon
#                        exits 0 and says what it dropped
#
# Environment: OTLPD (daemon), OTLPD_SRC (source tree).

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"

mode=${1:?usage: otlpgrpc.sh <mode>}
here=$(cd "$(dirname "$0")" && pwd)
prom=$here/../telemetry/prom_text.py
require_cmds curl python3
daemon_init "otlpgrpc-$mode"

post() { # <port> <signal> <n> <tag>: prints the HTTP status
  python3 "$here/gen.py" "$2" "$3" "$4" >"$WORK/body.json"
  curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
    --data-binary "@$WORK/body.json" "http://127.0.0.1:$1/v1/$2"
}

# agent_config <http port> <metrics port> <exporter yaml (indented 4)> [pipelines exporters]
agent_config() {
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
exporters:
  otlp:
$3
  file/local:
    path: $WORK/agent.jsonl
    format: json
    flush_interval: 20ms
service:
  telemetry:
    metrics:
      address: 127.0.0.1:$2
  pipelines:
    traces: {receivers: [otlp], exporters: [${4:-otlp}]}
    metrics: {receivers: [otlp], exporters: [${4:-otlp}]}
    logs: {receivers: [otlp], exporters: [${4:-otlp}]}
YAML
}

exporter_yaml() { # <endpoint> [extra lines]
  printf '    endpoint: %s\n    tls:\n      insecure: true\n    timeout: %s\n    retry_on_failure:\n      initial_interval: 50ms\n      max_interval: 300ms\n%s' \
    "$1" "${TIMEOUT:-5s}" "${2:-}"
}

SRV_PORT='' CTL_PORT=''
start_server() { # <faults JSON> [port]
  ensure_node_modules
  node "$here/fault_server.js" --faults "$1" ${2:+--port "$2"} >"$WORK/srv.out" 2>"$WORK/srv.err" &
  local pid=$!
  on_cleanup "kill $pid"
  two_lines() { [[ $(wc -l <"$WORK/srv.out") -ge 2 ]]; }
  poll_until two_lines || fail "fault server did not start: $(cat "$WORK/srv.err")"
  SRV_PORT=$(sed -n 1p "$WORK/srv.out")
  CTL_PORT=$(sed -n 2p "$WORK/srv.out")
}
got() { curl -sf "http://127.0.0.1:$CTL_PORT/"; }
got_field() { got | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

MPORT=
start_agent() { # <endpoint> [extra exporter lines]
  MPORT=$(free_port)
  local ep=$1 extra=${2:-}
  write() { agent_config "$1" "$MPORT" "$(exporter_yaml "$ep" "$extra")"; }
  daemon_instance agent
  daemon_start_config write
}
metric() { # <series>
  curl -sf -o "$WORK/metrics.txt" "http://127.0.0.1:$MPORT/metrics" || { echo absent; return; }
  python3 "$prom" "$WORK/metrics.txt" "$1"
}
metric_is() { [[ $(metric "$1") == "$2" ]]; }

# send_spans <requests> [first]: requests of 5 spans tagged r<n>, each must be taken
send_spans() {
  local n code
  for ((n = ${2:-0}; n < ${2:-0} + $1; n++)); do
    code=$(post "$PORT" traces 5 "r$n")
    [[ $code == 200 ]] || fail "request $n answered $code"
  done
}

# spans_exactly_once <first> <count>: the server received spans r<first>..
spans_exactly_once() {
  got | python3 -c '
import json, sys
names = json.load(sys.stdin)["spans"]
first, count = int(sys.argv[1]), int(sys.argv[2])
want = sorted("r%d-%d" % (n, i) for n in range(first, first + count) for i in range(5))
if sorted(names) != want:
    dup = sorted({x for x in names if names.count(x) > 1})
    print("server has %d spans (want %d); duplicates %s; missing %s" % (len(names), len(want), dup[:5], sorted(set(want) - set(names))[:5]))
    sys.exit(1)
print("server: %d spans, each exactly once" % len(names))' "$1" "$2"
}
spans_in() { [[ $(got_field 'len(d["spans"])') -ge $1 ]]; }

# retried <faults> <requests>: every span arrives exactly once.
retried() {
  send_spans "$2"
  all_arrive "$@"
}
all_arrive() { # <faults> <requests already sent>
  POLLS=600 poll_until spans_in $(($2 * 5)) || fail "the server did not get $(($2 * 5)) spans: $(got | head -c 300)"
  daemon_stop
  spans_exactly_once 0 "$2" || check_fail "not exactly once after $1"
}

# dropped <what the log must say>: the first request is refused for good.
dropped() {
  send_spans 1
  poll_until metric_is 'otelcol_exporter_send_failed_spans{exporter="otlp"}' 5 ||
    fail "send_failed_spans is $(metric 'otelcol_exporter_send_failed_spans{exporter="otlp"}'), want 5"
  send_spans 1 1
  poll_until spans_in 5 || fail "the request after the permanent error did not arrive"
  calls=$(got_field 'd["calls"]')
  [[ $calls -eq 2 ]] || check_fail "the server saw $calls calls (want 2: no retry of a permanent error)"
  [[ $(metric 'otelcol_exporter_sent_spans{exporter="otlp"}') == 5 ]] || check_fail "sent_spans is not 5"
  daemon_stop
  spans_exactly_once 1 1 || check_fail "wrong spans after the permanent error"
  grep -q "$1" "$DAEMON_LOG" || check_fail "the log does not say \"$1\""
}

case $mode in
gateway_gzip | gateway_none)
  daemon_instance gateway
  gw() {
    cat <<YAML
receivers:
$(otlp_receiver otlp grpc "127.0.0.1:$1")
exporters:
  file:
    path: $WORK/gateway.jsonl
    format: json
    flush_interval: 20ms
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [file]}
    metrics: {receivers: [otlp], exporters: [file]}
    logs: {receivers: [otlp], exporters: [file]}
YAML
  }
  daemon_start_config gw
  GW_PID=$DAEMON_PID GW_PORT=$PORT
  on_cleanup "kill -KILL $GW_PID"
  MPORT=$(free_port)
  comp=${mode#gateway_}
  write() { agent_config "$1" "$MPORT" "$(exporter_yaml "127.0.0.1:$GW_PORT" "    compression: $comp")" "otlp, file/local"; }
  daemon_instance agent
  daemon_start_config write
  for sig in traces metrics logs; do
    for n in 0 1 2 3; do
      [[ $(post "$PORT" $sig $((7 + n)) "$sig$n") == 200 ]] || fail "POST $sig answered non-200"
    done
  done
  daemon_stop
  DAEMON_PID=$GW_PID
  daemon_instance gateway
  daemon_stop
  python3 "$here/compare.py" "$WORK/agent.jsonl" "$WORK/gateway.jsonl" 34 ||
    check_fail "the gateway did not receive exactly the agent's items (compression $comp)"
  grep -q "gzip" "$WORK/otlpd-agent.log" && [[ $comp == none ]] && check_fail "compression none still says gzip"
  ;;
headers)
  start_server '[]'
  start_agent "127.0.0.1:$SRV_PORT" $'    headers:\n      X-Tenant: acme\n      authorization: Bearer t0k3n\n'
  send_spans 1
  poll_until spans_in 5 || fail "nothing arrived"
  daemon_stop
  got | python3 -c '
import json, sys
md = json.load(sys.stdin)["metadata"][0]
assert md.get("x-tenant") == "acme", md
assert md.get("authorization") == "Bearer t0k3n", md
assert md.get("user-agent", "").startswith("otlpd/"), md
print("metadata arrived:", {k: md[k] for k in ("x-tenant", "authorization")})' || check_fail "headers did not arrive as metadata"
  ;;
unavailable)
  start_server '[{"code": 14, "times": 3}]'
  start_agent "127.0.0.1:$SRV_PORT"
  retried UNAVAILABLE 4
  calls=$(got_field 'd["calls"]')
  [[ $calls -eq 7 ]] || check_fail "the server saw $calls calls (want 4 + 3 retries)"
  ;;
exhausted_retryinfo)
  start_server '[{"code": 8, "retry_delay_ms": 300, "times": 2, "message": "slow down"}]'
  start_agent "127.0.0.1:$SRV_PORT"
  retried "RESOURCE_EXHAUSTED with RetryInfo" 3
  [[ $(got_field 'd["calls"]') -eq 5 ]] || check_fail "RESOURCE_EXHAUSTED with RetryInfo was not retried twice"
  ;;
exhausted_plain)
  start_server '[{"code": 8, "message": "quota gone"}]'
  start_agent "127.0.0.1:$SRV_PORT"
  dropped "RESOURCE_EXHAUSTED (8): quota gone"
  ;;
invalid)
  start_server '[{"code": 3, "message": "bad span name"}]'
  start_agent "127.0.0.1:$SRV_PORT"
  dropped "INVALID_ARGUMENT (3): bad span name"
  ;;
partial)
  start_server '[{"partial": 2, "message": "2 spans too old"}]'
  start_agent "127.0.0.1:$SRV_PORT"
  send_spans 1
  poll_until metric_is 'otelcol_exporter_send_failed_spans{exporter="otlp"}' 2 ||
    fail "send_failed_spans is $(metric 'otelcol_exporter_send_failed_spans{exporter="otlp"}'), want 2"
  [[ $(metric 'otelcol_exporter_sent_spans{exporter="otlp"}') == 3 ]] || check_fail "sent_spans is not 3"
  daemon_stop
  [[ $(got_field 'd["calls"]') -eq 1 ]] || check_fail "a partial success was retried"
  grep -q "2 spans too old" "$DAEMON_LOG" || check_fail "the partial success's message is not logged"
  ;;
cancel)
  start_server '[{"delay_ms": 600000}]'
  MPORT=$(free_port)
  write() {
    agent_config "$1" "$MPORT" "$(TIMEOUT=10m exporter_yaml "127.0.0.1:$SRV_PORT")" | sed 's/^service:$/service:\n  shutdown_timeout: 2s/'
  }
  daemon_instance agent
  daemon_start_config write
  send_spans 1
  in_flight() { [[ $(got_field 'd["calls"]') -ge 1 ]]; }
  poll_until in_flight || fail "the call never reached the server"
  daemon_stop
  grep -q "dropped 5 items at shutdown\|dropped .* at shutdown" "$DAEMON_LOG" || check_fail "the cancelled batch was not reported as dropped at shutdown"
  [[ $(got_field 'len(d["spans"])') -eq 0 ]] || check_fail "the server counted spans of a cancelled call"
  ;;
slow)
  start_server '[{"delay_ms": 2000, "times": 2}]'
  TIMEOUT=400ms start_agent "127.0.0.1:$SRV_PORT"
  retried "answers past the timeout" 3
  [[ $(got_field 'd["calls"]') -eq 5 ]] || check_fail "the two slow calls were not retried"
  ;;
down_up)
  port=$(free_port)
  start_agent "127.0.0.1:$port"
  send_spans 3
  # Nothing listens yet: the exporter holds the spans and keeps retrying.
  sleep 1
  [[ $(metric 'otelcol_exporter_sent_spans{exporter="otlp"}') == 0 ]] || check_fail "spans counted as sent while nothing listened"
  [[ $(metric 'otelcol_exporter_send_failed_spans{exporter="otlp"}') == 0 ]] || check_fail "spans dropped while the server was down"
  start_server '[]' "$port"
  all_arrive "the server down, then up" 3
  ;;
tls)
  require_cmds openssl
  pki=$WORK/pki
  mkdir -p "$pki"
  mkcert() { # name extendedKeyUsage
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/$1.key" \
      -out "$pki/$1.csr" -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=%s\n' "$2" >"$pki/$1.ext"
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
      -out "$pki/$1.pem" -days 2 -extfile "$pki/$1.ext" 2>/dev/null
  }
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/ca.key" \
    -out "$pki/ca.pem" -days 2 -subj "/CN=otlpd test CA" 2>/dev/null || fail "openssl could not make a CA"
  mkcert server serverAuth || fail "openssl could not make the server certificate"
  mkcert client clientAuth || fail "openssl could not make the client certificate"
  server_tls=("tls:" "  cert_file: $pki/server.pem" "  key_file: $pki/server.key")
  daemon_instance gateway
  gw() { # <tls port> <mtls port>
    {
      otlp_receiver otlp grpc "127.0.0.1:$1" "${server_tls[@]}"
      otlp_receiver otlp/mtls grpc "127.0.0.1:$2" "${server_tls[@]}" "  client_ca_file: $pki/ca.pem"
    } | file_exporter_config "$WORK/gateway.jsonl" "otlp, otlp/mtls"
  }
  daemon_start_config -n 2 gw
  GW_PID=$DAEMON_PID TLS_PORT=${PORTS[0]} MTLS_PORT=${PORTS[1]}
  on_cleanup "kill -KILL $GW_PID"
  daemon_instance agent
  agent() {
    cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
exporters:
  otlp/mtls:
    endpoint: localhost:$MTLS_PORT
    tls: {ca_file: $pki/ca.pem, cert_file: $pki/client.pem, key_file: $pki/client.key}
  otlp/override:
    endpoint: 127.0.0.1:$TLS_PORT
    tls: {ca_file: $pki/ca.pem, server_name_override: localhost}
  otlp/skip:
    endpoint: https://127.0.0.1:$TLS_PORT
    tls: {insecure_skip_verify: true}
  otlp/untrusted:
    endpoint: localhost:$TLS_PORT
    timeout: 1s
    retry_on_failure: {initial_interval: 100ms, max_elapsed_time: 2s}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [otlp/mtls]}
    metrics: {receivers: [otlp], exporters: [otlp/override]}
    logs: {receivers: [otlp], exporters: [otlp/skip]}
    logs/untrusted: {receivers: [otlp], exporters: [otlp/untrusted]}
YAML
  }
  daemon_start_config agent
  for sig in traces metrics logs; do
    [[ $(post "$PORT" $sig 6 "tls-$sig") == 200 ]] || fail "POST $sig answered non-200"
  done
  gw_has() { [[ -s $WORK/gateway.jsonl ]] && [[ $(grep -c . "$WORK/gateway.jsonl") -ge 3 ]]; }
  POLLS=600 poll_until gw_has || fail "the gateway did not get the three signals over TLS"
  untrusted_gave_up() { grep -q "dropped 6 items" "$DAEMON_LOG"; }
  POLLS=600 poll_until untrusted_gave_up || check_fail "the exporter without the CA did not give up"
  daemon_stop
  DAEMON_PID=$GW_PID
  daemon_instance gateway
  daemon_stop
  python3 - "$WORK/gateway.jsonl" <<'PY' || check_fail "wrong items at the TLS gateway"
import json, sys
n = {"resourceSpans": 0, "resourceMetrics": 0, "resourceLogs": 0}
names = {"resourceSpans": ("scopeSpans", "spans"), "resourceMetrics": ("scopeMetrics", "metrics"),
         "resourceLogs": ("scopeLogs", "logRecords")}
for line in open(sys.argv[1]):
    d = json.loads(line)
    for k, (s, i) in names.items():
        for r in d.get(k, []):
            for sc in r[s]:
                n[k] += len(sc[i])
print("over TLS:", n)
# mTLS traces, override metrics, skip-verify logs: 6 each; the untrusted exporter none
assert n == {"resourceSpans": 6, "resourceMetrics": 6, "resourceLogs": 6}, n
PY
  grep -A3 "otlp/untrusted" "$WORK/otlpd-agent.log" | head -3 >&2 || true
  ;;
*) fail "unknown mode $mode" ;;
esac
finish_checks "otlpgrpc $mode"
