#!/usr/bin/env bash
# Shutdown with a call that never finishes its request message: the server
# cannot match it, so only the shutdown grace (cancel_all_calls) ends it.
# SIGTERM must still drain and exit 0. Also serves over a unix socket.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
: "${GRPC_BAD_CLIENT:?path to grpc_bad_client}"
daemon_init grpc-shutdown

sock="$WORK/otlp.sock"
config() { # <port>
  {
    otlp_receiver otlp grpc "127.0.0.1:$1"
    otlp_receiver otlp/unix grpc "unix:$sock"
  } | file_exporter_config "$WORK/out.jsonl" "otlp, otlp/unix"
}
daemon_start_config -w "unix:$sock" config

"$GRPC_BAD_CLIENT" "unix:$sock" --one over-unix-socket || fail "request over the unix socket failed"

"$GRPC_BAD_CLIENT" "127.0.0.1:$PORT" --hang >"$WORK/hang.out" 2>&1 &
hang=$!
hang_opened() {
  grep -q hanging "$WORK/hang.out" && return 0
  exited $hang && fail "hanging client exited early: $(cat "$WORK/hang.out")"
  return 1
}
poll_until hang_opened || fail "hanging client never opened its call"

daemon_stop
kill $hang 2>/dev/null || true
wait $hang 2>/dev/null || true
grep -q "cancelling them" "$DAEMON_LOG" || fail "the open call was not cancelled by the shutdown grace"
grep -q '"over-unix-socket"' "$WORK/out.jsonl" || fail "span sent over the unix socket is missing"
finish_checks grpc_shutdown
