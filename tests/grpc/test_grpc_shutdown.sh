#!/usr/bin/env bash
# Shutdown with a call that never finishes its request message: the server
# cannot match it, so only the shutdown grace (cancel_all_calls) ends it.
# SIGTERM must still drain and exit 0. Also serves over a unix socket.
source "$(dirname "$0")/lib.sh"
: "${GRPC_BAD_CLIENT:?path to grpc_bad_client}"

port=$(free_port)
sock="$WORK/otlp.sock"
RECEIVER_IDS="otlp, otlp/unix" write_config "$WORK/config.yaml" "$WORK/out.jsonl" "  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$port
  otlp/unix:
    protocols:
      grpc:
        endpoint: unix:$sock"
start_daemon "$WORK/config.yaml" "$port"

"$GRPC_BAD_CLIENT" "unix:$sock" --one over-unix-socket || fail "request over the unix socket failed"

"$GRPC_BAD_CLIENT" "127.0.0.1:$port" --hang >"$WORK/hang.out" 2>&1 &
hang=$!
for _ in $(seq 1 200); do
  grep -q hanging "$WORK/hang.out" && break
  kill -0 $hang 2>/dev/null || fail "hanging client exited early: $(cat "$WORK/hang.out")"
  sleep 0.05
done
grep -q hanging "$WORK/hang.out" || fail "hanging client never opened its call"

stop_daemon
kill $hang 2>/dev/null || true
wait $hang 2>/dev/null || true
grep -q "cancelling them" "$WORK/daemon.log" || fail "the open call was not cancelled by the shutdown grace"
grep -q '"over-unix-socket"' "$WORK/out.jsonl" || fail "span sent over the unix socket is missing"
echo "PASS"
