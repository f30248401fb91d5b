#!/bin/bash
# Interop test: the official OpenTelemetry JS SDK OTLP/HTTP exporters
# (protobuf, JSON, and protobuf with gzip) send traces, metrics and logs to
# a real otlpd; after a graceful SIGTERM the file exporter's output must hold
# every item exactly once, fields intact.
#
# usage: run_http.sh <path to otlpd> [protobuf|json|protobuf-gzip ...]

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
OTLPD=${1:?usage: run_http.sh <path to otlpd> [modes...]}
shift
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(protobuf json protobuf-gzip)
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

for mode in "${modes[@]}"; do
  daemon_instance "$mode"
  daemon_start_config config "$mode"
  node "$here/send_http.js" "$mode" "http://127.0.0.1:$PORT" "$WORK/$mode.expected.json" ||
    fail "$mode: sending failed"
  daemon_stop
  node "$here/check_output.js" "$WORK/$mode.jsonl" "$WORK/$mode.expected.json" ||
    fail "$mode: output does not match what was sent"
done
finish_checks "interop_http (${#modes[@]} modes)"
