#!/usr/bin/env bash
# The HTTP receiver on a unix socket (endpoint unix:/path), as the gRPC
# one: a request over it arrives, and the socket file is removed on stop.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl
daemon_init rx-http-unix

sock="$WORK/otlp-http.sock"
config() { # <port>
  {
    otlp_receiver otlp/tcp http "127.0.0.1:$1"
    otlp_receiver otlp/unix http "unix:$sock"
  } | file_exporter_config "$WORK/out.jsonl" "otlp/tcp, otlp/unix"
}
# A stale socket file from an earlier run must not stop the start.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
daemon_start_config -w "unix:$sock" config
grep -q "listening on unix:$sock" "$DAEMON_LOG" || check_fail "the unix endpoint is not logged"

code=$(printf '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f13","spanId":"0102030405060708","name":"over-http-unix"}]}]}]}' |
  curl -sS -m 20 --unix-socket "$sock" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @- "http://localhost/v1/traces") || code=curl-error
[[ $code == 200 ]] || check_fail "request over the unix socket: got $code, want 200"
daemon_stop
grep -q '"over-http-unix"' "$WORK/out.jsonl" || check_fail "span sent over the unix socket is missing"
[[ ! -e $sock ]] || check_fail "the socket file is left behind after stop"
finish_checks rx_http_unix
