#!/usr/bin/env bash
# OpenTelemetry JS SDK gRPC exporters -> otlpd otlp receiver (gRPC) -> file
# exporter: every span, data point and log record arrives exactly once and
# intact, plain and gzip-compressed, from two concurrent senders; SIGTERM
# then drains and exits 0.
source "$(dirname "$0")/lib.sh"
ensure_node_modules

port=$(free_port)
write_config "$WORK/config.yaml" "$WORK/out.jsonl" "  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$port"
start_daemon "$WORK/config.yaml" "$port"

node "$GRPC_TESTS/send_grpc.js" --url "http://127.0.0.1:$port" --count 40 --manifest "$WORK/plain.json" &
plain=$!
node "$GRPC_TESTS/send_grpc.js" --url "http://127.0.0.1:$port" --count 25 --gzip --manifest "$WORK/gzip.json" &
gzip=$!
wait $plain || fail "plain sender failed"
wait $gzip || fail "gzip sender failed"

stop_daemon
node "$GRPC_TESTS/check_grpc_output.js" "$WORK/out.jsonl" "$WORK/plain.json" "$WORK/gzip.json" \
  || fail "file output does not match what was sent"
echo "PASS"
