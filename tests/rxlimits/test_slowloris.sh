#!/usr/bin/env bash
# Slowloris on the HTTP receiver: 1,000 connections each sending one byte
# of a request header per second. Valid requests must still be served
# while they are open, and the server must close every slow connection
# by itself (read_header_timeout), so they hold no memory for long.
# First, idle_timeout: a silent connection and a kept-alive one that sent a
# valid request are both closed by the server.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3
daemon_init rx-slowloris
here=$(dirname "$0")

config() { # <http port>
  otlp_receiver otlp/http http "127.0.0.1:$1" "idle_timeout: 2s" "read_header_timeout: 4s" |
    file_exporter_config "$WORK/out.jsonl" "otlp/http"
}
daemon_start_config config

python3 "$here/idle_conn.py" "$PORT" || check_fail "idle_timeout"

python3 "$here/slowloris.py" 1000 "$PORT" --max 90 --ready "$WORK/ready" >"$WORK/slow.out" 2>&1 &
slow=$!
on_cleanup "kill $slow"
POLLS=1200 poll_until test -s "$WORK/ready" || fail "slowloris client never connected"
read -r opened <"$WORK/ready"
((opened >= 900)) || fail "slowloris client opened only $opened connections"

for i in 1 2 3; do
  id=$(printf '0102030405060708090a0b0c0d0e0f%02x' "$i")
  code=$(printf '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"%s","spanId":"0102030405060708","name":"during-slowloris-%s"}]}]}]}' "$id" "$i" |
    curl -sS -m 20 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @- \
      "http://127.0.0.1:$PORT/v1/traces") || code=curl-error
  [[ $code == 200 ]] || check_fail "request $i during the slowloris: got $code, want 200"
  sleep 1
done

wait $slow || true
out=$(cat "$WORK/slow.out")
read -r _ opened _ closed _ _ <<<"$out"
((closed == opened)) || check_fail "the server left slow connections open: $out"
daemon_stop
grep -q '"before-idle"' "$WORK/out.jsonl" || check_fail "the span sent before the idle timeout is missing"
for i in 1 2 3; do
  grep -q "\"during-slowloris-$i\"" "$WORK/out.jsonl" || check_fail "span $i sent during the slowloris is missing"
done
finish_checks rx_slowloris
