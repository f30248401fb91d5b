#!/usr/bin/env bash
# OpenTelemetry JS SDK gRPC exporters -> otlpd otlp receiver (gRPC) -> file
# exporter: every span, data point and log record arrives exactly once and
# intact, plain and gzip-compressed, from two concurrent senders; SIGTERM
# then drains and exits 0.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
here=$(dirname "$0")
daemon_init grpc-interop
ensure_node_modules

config() { # <port>
  otlp_receiver otlp grpc "127.0.0.1:$1" | file_exporter_config "$WORK/out.jsonl" otlp
}
daemon_start_config config

node "$here/send_grpc.js" --url "http://127.0.0.1:$PORT" --count 40 --manifest "$WORK/plain.json" &
plain=$!
node "$here/send_grpc.js" --url "http://127.0.0.1:$PORT" --count 25 --gzip --manifest "$WORK/gzip.json" &
gzip=$!
wait $plain || fail "plain sender failed"
wait $gzip || fail "gzip sender failed"

daemon_stop
node "$here/check_grpc_output.js" "$WORK/out.jsonl" "$WORK/plain.json" "$WORK/gzip.json" \
  || fail "file output does not match what was sent"
finish_checks grpc_interop
