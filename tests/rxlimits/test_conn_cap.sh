#!/usr/bin/env bash
# protocols::{http,grpc}::max_connections (otlpd only): with the cap's worth
# of idle connections held, one more is closed by the server at once, the
# held ones stay open, and once one is released a valid request gets in.
# The refusals are logged (at most once a second), counted in the log and
# in otlpd_receiver_refused_connections on the daemon's own /metrics.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds python3
daemon_init rx-conn-cap
: "${GRPC_AUTH_CLIENT:?set GRPC_AUTH_CLIENT}"
here=$(dirname "$0")
CAP=5

config() { # <http port> <grpc port> <own metrics port>
  { otlp_receiver otlp/http http "127.0.0.1:$1" "max_connections: $CAP"
    otlp_receiver otlp/grpc grpc "127.0.0.1:$2" "max_connections: $CAP"; } |
    file_exporter_config "$WORK/out.jsonl" "otlp/http, otlp/grpc"
  printf '  telemetry:\n    metrics:\n      address: 127.0.0.1:%s\n' "$3"
}
daemon_start_config -n 3 config
HP=${PORTS[0]} GP=${PORTS[1]} MP=${PORTS[2]}
# refused_connections <receiver id>: the counter's value on /metrics
refused_connections() {
  curl -sf "http://127.0.0.1:$MP/metrics" >"$WORK/metrics.txt" || return 1
  python3 "$here/../telemetry/prom_text.py" "$WORK/metrics.txt" "otlpd_receiver_refused_connections{receiver=\"$1\"}"
}
[ "$(refused_connections otlp/http)" = 0 ] || check_fail "HTTP refusals counted before any (got '$(refused_connections otlp/http)')"

python3 "$here/conn_cap.py" http "$HP" "$CAP" || check_fail "HTTP max_connections"
python3 "$here/conn_cap.py" grpc "$GP" "$CAP" --grpc-client "$GRPC_AUTH_CLIENT" || check_fail "gRPC max_connections"

grep -q "OTLP/HTTP on .*max_connections ($CAP) reached" "$DAEMON_LOG" || check_fail "HTTP refusals were not logged"
grep -q "grpc on .*max_connections ($CAP) reached" "$DAEMON_LOG" || check_fail "gRPC refusals were not logged"
for id in otlp/http otlp/grpc; do
  n=$(refused_connections "$id")
  [ "${n:-0}" -ge 1 ] 2>/dev/null || check_fail "otlpd_receiver_refused_connections{receiver=\"$id\"} is '$n', want >= 1"
done
daemon_stop
grep -q '"after-release"' "$WORK/out.jsonl" || check_fail "the HTTP span sent after the release is missing"
grep -q '"after-release-grpc"' "$WORK/out.jsonl" || check_fail "the gRPC span sent after the release is missing"
finish_checks rx_conn_cap
