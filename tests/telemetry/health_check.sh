#!/bin/bash
# health_check extension end to end:
#  - `otlpd validate` accepts otelcol-contrib's keys (check_collector_pipeline
#    included) and names unknown or bad ones with their path;
#  - a running daemon answers GET <path> with 200 and otelcol's JSON;
#  - after SIGTERM, while the drain is held open by an exporter whose
#    backend never answers, the same GET answers 503 "Server not available";
#  - once the daemon exited, nothing listens any more;
#  - each component's state is in the JSON: a file exporter whose FIFO lost
#    its reader reports StatusRecoverableError (with the error; the daemon
#    stays 200) and StatusOK again once a reader is back.
#
# Needs $OTLPD.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3
daemon_init telemetry-health
HERE=$(cd "$(dirname "$0")" && pwd)

# config <otlp port> <health port> <backend port> [extra health_check lines]
config() {
  cat <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$1
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:$3
    encoding: json
    timeout: 60s
extensions:
  health_check:
    endpoint: 127.0.0.1:$2
    path: /health/status
    check_collector_pipeline:
      enabled: false
      interval: 5m
      exporter_failure_threshold: 5
${4:-}
service:
  shutdown_timeout: 6s
  extensions: [health_check]
  telemetry:
    metrics: {level: none}
  pipelines:
    traces: {receivers: [otlp], exporters: [otlphttp]}
YAML
}

# ---- validate ----
config 4318 13133 4319 >"$WORK/ok.yaml"
"$OTLPD" validate --config "$WORK/ok.yaml" >"$WORK/v-ok.out" 2>&1 ||
  check_fail "validate rejected otelcol's health_check keys: $(cat "$WORK/v-ok.out")"
config 4318 13133 4319 "    bogus: 1" >"$WORK/bad.yaml"
"$OTLPD" validate --config "$WORK/bad.yaml" >"$WORK/v-bad.out" 2>&1 && check_fail "validate accepted health_check::bogus"
grep -q 'extensions::health_check::bogus: unknown key' "$WORK/v-bad.out" ||
  check_fail "unknown key not named with its path: $(cat "$WORK/v-bad.out")"
config 4318 13133 4319 | sed 's|path: /health/status|path: health|' >"$WORK/badpath.yaml"
"$OTLPD" validate --config "$WORK/badpath.yaml" >"$WORK/v-path.out" 2>&1 && check_fail "validate accepted path: health"
grep -q 'extensions::health_check::path' "$WORK/v-path.out" ||
  check_fail "bad path not named: $(cat "$WORK/v-path.out")"

# ---- a backend that never answers holds the drain open ----
python3 "$HERE/../lib/fault_server.py" --fault '{"delay_ms": 60000, "times": -1}' >"$WORK/backend.out" 2>"$WORK/backend.err" &
backend_pid=$!
on_cleanup "kill $backend_pid"
have_port() { [[ -s $WORK/backend.out ]]; }
poll_until have_port || fail "the backend did not start: $(cat "$WORK/backend.err")"
BACKEND=$(head -n 1 "$WORK/backend.out")

hconfig() { config "$1" "$2" "$BACKEND"; }
daemon_start_config -n 2 hconfig
HPORT=${PORTS[1]}

get() { # <path> -> "<status> <body>"
  curl -s -o "$WORK/h.body" -w '%{http_code}' "http://127.0.0.1:$HPORT$1" >"$WORK/h.code" || true
  echo "$(cat "$WORK/h.code") $(cat "$WORK/h.body")"
}

ans=$(get /health/status)
python3 - "$ans" <<'PY' || check_fail "running: $ans"
import json, re, sys
code, body = sys.argv[1].split(" ", 1)
j = json.loads(body)
assert code == "200", code
assert j["status"] == "Server available", j
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", j["upSince"]), j
assert re.fullmatch(r"[0-9hms.]+", j["uptime"]), j
PY
ans=$(get /)
[[ $ans == 404* ]] || check_fail "GET / (not the configured path) answered $ans, want 404"

code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  --data '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"a"}]}]}]}' \
  "http://127.0.0.1:$PORT/v1/traces")
[[ $code == 200 ]] || fail "POST /v1/traces answered $code"
backend_got() { curl -sf "http://127.0.0.1:$BACKEND/_stats" | grep -q '"path"'; }
poll_until backend_got || fail "the exporter never reached the backend"

daemon_term
draining() { [[ $(get /health/status) == 503* ]] || exited "$DAEMON_PID"; }
poll_until draining || check_fail "no 503 while draining"
ans=$(get /health/status)
if exited "$DAEMON_PID"; then
  check_fail "the daemon exited before the drain could be observed"
else
  [[ $ans == '503 {"status":"Server not available"'* ]] || check_fail "draining: $ans"
fi
# the stuck request is given up at the drain deadline; the daemon then exits
DAEMON_STOP_POLLS=600 daemon_wait_exit0
listening "$HPORT" && check_fail "the health check still listens after exit"

# ---- component states: a file exporter writing into a FIFO ----
daemon_instance fifo
mkfifo "$WORK/out.fifo"
# the first reader takes one byte and leaves: later writes fail (EPIPE)
python3 -c 'import sys; f = open(sys.argv[1], "rb"); f.read(1)' "$WORK/out.fifo" &
reader=$!
on_cleanup "kill $reader"
fconfig() {
  cat <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$1
exporters:
  file:
    path: $WORK/out.fifo
extensions:
  health_check:
    endpoint: 127.0.0.1:$2
service:
  extensions: [health_check]
  telemetry:
    metrics: {level: none}
  pipelines:
    traces: {receivers: [otlp], exporters: [file]}
YAML
}
daemon_start_config -n 2 fconfig
HPORT=${PORTS[1]}
post_span() {
  curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"a"}]}]}]}' \
    "http://127.0.0.1:$PORT/v1/traces"
}
file_state() { # the file exporter's status in the health JSON
  get / | python3 -c '
import json, sys
code, body = sys.stdin.read().split(" ", 1)
c = json.loads(body)["components"]
print(code, c["exporter:file"]["status"], c["exporter:file"].get("error", ""), c["receiver:otlp"]["status"])'
}
[[ $(file_state) == "200 StatusOK  StatusOK" ]] || check_fail "at start: $(file_state)"
[[ $(post_span) == 200 ]] || fail "POST answered non-200"
wait "$reader" 2>/dev/null || true
failing() { post_span >/dev/null; [[ $(file_state) == "200 StatusRecoverableError writing"* ]]; }
poll_until failing || check_fail "no recoverable error after the reader left: $(file_state)"
grep -q "writing $WORK/out.fifo failed" "$DAEMON_LOG" || check_fail "the failure is not logged"
cat "$WORK/out.fifo" >/dev/null &
on_cleanup "kill $!"
recovered() { post_span >/dev/null; [[ $(file_state) == "200 StatusOK  StatusOK" ]]; }
poll_until recovered || check_fail "not StatusOK once a reader is back: $(file_state)"
daemon_stop

finish_checks telemetry_health_check
