#!/usr/bin/env bash
# Client-side token rotation: bearertokenauth with `filename` as the
# authenticator of otlphttp, loki and otlp (gRPC) exporters. The token
# file is replaced (write + rename, as a Kubernetes secret volume does)
# between two exports; the second carries the new token:
#   - otlphttp and loki send to a recording server (tests/lib/fault_server.py),
#     whose /_stats shows each request's Authorization header;
#   - otlp (gRPC) sends to a second otlpd whose receiver accepts only the
#     token in its own (also rotated) file, so a span reaches it after the
#     rotation only if it carried the new token.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
here=$(cd "$(dirname "$0")" && pwd)
daemon_init token-rotation
require_cmds curl python3

OLD=tok-old-$RANDOM NEW=tok-new-$RANDOM
rotate() { # <file> <token>: a new file renamed over the old one
  printf '%s\n' "$2" >"$1.tmp"
  mv "$1.tmp" "$1"
}
rotate "$WORK/client-token" "$OLD"
rotate "$WORK/server-token" "$OLD"

python3 "$here/../lib/fault_server.py" >"$WORK/rec.out" 2>"$WORK/rec.err" &
rec_pid=$!
on_cleanup "kill $rec_pid"
have_port() { [[ -s $WORK/rec.out ]]; }
poll_until have_port || fail "the recording server did not start: $(cat "$WORK/rec.err")"
REC=$(head -n 1 "$WORK/rec.out")

back() { # <grpc>
  cat <<YAML
extensions:
  bearertokenauth/in: {filename: $WORK/server-token}
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:$1", auth: {authenticator: bearertokenauth/in}}
exporters:
  file/x: {path: $WORK/back.jsonl, format: json}
service:
  extensions: [bearertokenauth/in]
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], exporters: [file/x]}
YAML
}
daemon_instance back
daemon_start_config back
BACK=$PORT BACK_PID=$DAEMON_PID

front() { # <http>
  cat <<YAML
extensions:
  bearertokenauth/out: {filename: $WORK/client-token}
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:$1"}
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:$REC
    auth: {authenticator: bearertokenauth/out}
    retry_on_failure: {enabled: false}
  loki:
    endpoint: http://127.0.0.1:$REC/loki/api/v1/push
    auth: {authenticator: bearertokenauth/out}
    retry_on_failure: {enabled: false}
  otlp:
    endpoint: 127.0.0.1:$BACK
    tls: {insecure: true}
    auth: {authenticator: bearertokenauth/out}
    retry_on_failure: {enabled: false}
service:
  extensions: [bearertokenauth/out]
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], exporters: [otlphttp, otlp]}
    logs: {receivers: [otlp], exporters: [loki]}
YAML
}
daemon_instance front
daemon_start_config front
FRONT=$PORT

post() { # <path> <json>
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' \
    --data-binary "$2" "http://127.0.0.1:$FRONT$1")
  [[ $code == 200 ]] || check_fail "front answered $code to $1"
}
export_round() { # <name>: one span, one log record
  post /v1/traces "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0102030405060708\",\"name\":\"$1\",\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"2\"}]}]}]}"
  post /v1/logs "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"rot\"}}]},\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"1000000000\",\"body\":{\"stringValue\":\"$1\"}}]}]}]}"
}
# auth_of <path> <n>: the Authorization header of the n-th request (1-based) to path
auth_of() {
  curl -sf "http://127.0.0.1:$REC/_stats" | python3 -c '
import json, sys
reqs = [r for r in json.load(sys.stdin)["requests"] if r["path"].startswith(sys.argv[1])]
n = int(sys.argv[2])
if len(reqs) >= n:
    h = {k.lower(): v for k, v in reqs[n - 1]["headers"].items()}
    print(h.get("authorization", "(none)"))' "$1" "$2"
}
recorded() { [[ -n $(auth_of "$1" "$2") ]]; }
at_back() { [[ -f $WORK/back.jsonl ]] && grep -q "\"name\":\"$1\"" "$WORK/back.jsonl"; }

export_round first
for p in /v1/traces /loki/api/v1/push; do
  POLLS=1200 poll_until recorded "$p" 1 || fail "no first request to $p"
  got=$(auth_of "$p" 1)
  [[ $got == "Bearer $OLD" ]] || check_fail "first request to $p carried \"$got\", want the first token"
done
POLLS=1200 poll_until at_back first || check_fail "the first span did not reach the gRPC back end"

rotate "$WORK/server-token" "$NEW"
rotate "$WORK/client-token" "$NEW"

export_round second
for p in /v1/traces /loki/api/v1/push; do
  POLLS=1200 poll_until recorded "$p" 2 || { check_fail "no second request to $p"; continue; }
  got=$(auth_of "$p" 2)
  [[ $got == "Bearer $NEW" ]] || check_fail "request to $p after the rotation carried \"$got\", want the new token"
done
POLLS=1200 poll_until at_back second ||
  check_fail "the span exported after the rotation did not reach the gRPC back end (old token sent?)"

daemon_stop # front
DAEMON_PID=$BACK_PID
daemon_instance back
daemon_stop
! grep -qF -- "$NEW" "$WORK"/otlpd-*.log || check_fail "the token appears in a log"
finish_checks tlsreload_token_rotation
