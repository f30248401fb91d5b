#!/bin/bash
# Interop test: the official OpenTelemetry JS SDK OTLP/HTTP exporters
# (protobuf, JSON, and protobuf with gzip) send traces, metrics and logs to
# a real otlpd; after a graceful SIGTERM the file exporter's output must hold
# every item exactly once, fields intact.
#
# usage: run_http.sh <path to otlpd> [protobuf|json|protobuf-gzip|chain-proto|chain-json ...]
#
# chain-*: as users chain collectors: the SDK (protobuf) -> an otlpd agent
# (batch, otlphttp exporter with gzip, encoding proto or json) -> an otlpd
# gateway, whose file must hold every item exactly once, fields intact.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
OTLPD=${1:?usage: run_http.sh <path to otlpd> [modes...]}
shift
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(protobuf json protobuf-gzip chain-proto chain-json)
here=$(dirname "$0")
daemon_init interop-http
ensure_node_modules

# Small batches with a long timeout: big requests are split, and what is
# left in the batches must be written by the shutdown flush.
config() { # <port> <mode>
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
  batch:
    send_batch_size: 64
    send_batch_max_size: 64
    timeout: 30s
exporters:
  file/out:
    path: $WORK/$2.jsonl
    format: json
service:
  telemetry:
    logs:
      level: info
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [file/out]}
    metrics: {receivers: [otlp], processors: [batch], exporters: [file/out]}
    logs: {receivers: [otlp], processors: [batch], exporters: [file/out]}
YAML
}

agent_config() { # <port> <gateway port> <encoding>
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
  batch:
    send_batch_size: 64
    send_batch_max_size: 64
    timeout: 30s
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:$2
    encoding: $3
    compression: gzip
service:
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [otlphttp]}
    metrics: {receivers: [otlp], processors: [batch], exporters: [otlphttp]}
    logs: {receivers: [otlp], processors: [batch], exporters: [otlphttp]}
YAML
}

chain() { # <mode> <encoding between agent and gateway>
  local mode=$1 gw_pid gw_port
  daemon_instance "$mode-gateway"
  daemon_start_config config "$mode"
  gw_pid=$DAEMON_PID gw_port=$PORT
  on_cleanup "kill -KILL $gw_pid"
  daemon_instance "$mode-agent"
  daemon_start_config agent_config "$gw_port" "$2"
  node "$here/send_http.js" protobuf "http://127.0.0.1:$PORT" "$WORK/$mode.expected.json" ||
    fail "$mode: sending failed"
  daemon_stop # the agent flushes its batches and its sending queue into the gateway
  DAEMON_PID=$gw_pid
  daemon_stop
  node "$here/check_output.js" "$WORK/$mode.jsonl" "$WORK/$mode.expected.json" ||
    fail "$mode: the gateway's output does not match what the SDK sent to the agent"
}

for mode in "${modes[@]}"; do
  case $mode in
  chain-proto) chain "$mode" proto; continue ;;
  chain-json) chain "$mode" json; continue ;;
  esac
  daemon_instance "$mode"
  daemon_start_config config "$mode"
  node "$here/send_http.js" "$mode" "http://127.0.0.1:$PORT" "$WORK/$mode.expected.json" ||
    fail "$mode: sending failed"
  daemon_stop
  node "$here/check_output.js" "$WORK/$mode.jsonl" "$WORK/$mode.expected.json" ||
    fail "$mode: output does not match what was sent"
done
finish_checks "interop_http (${#modes[@]} modes)"
