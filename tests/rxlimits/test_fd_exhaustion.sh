#!/usr/bin/env bash
# Both receivers under an fd limit of 1024 (soft and hard, for the daemon
# only): ~1,200 idle connections push the daemon past it; once they are
# gone, a valid request on each transport must succeed again. gRPC core's
# own accept loop stopped for good on EMFILE (issue #14).

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
: "${GRPC_BAD_CLIENT:?path to grpc_bad_client}"
require_cmds prlimit curl python3 openssl
daemon_init rx-fd
ensure_node_modules
here=$(dirname "$0")
pki=$WORK/pki
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/server.key" \
  -out "$pki/server.pem" -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  2>/dev/null || fail "openssl could not make a certificate"

real=$OTLPD
OTLPD=$WORK/otlpd-nofile1024
printf '#!/bin/sh\nexec prlimit --nofile=1024:1024 %q "$@"\n' "$real" >"$OTLPD"
chmod +x "$OTLPD"

config() { # <grpc port> <http port> <grpc tls port>
  {
    otlp_receiver otlp grpc "127.0.0.1:$1"
    otlp_receiver otlp/http http "127.0.0.1:$2"
    otlp_receiver otlp/tls grpc "127.0.0.1:$3" "tls:" "  cert_file: $pki/server.pem" "  key_file: $pki/server.key"
  } | file_exporter_config "$WORK/out.jsonl" "otlp, otlp/http, otlp/tls"
}
daemon_start_config -n 3 config
gport=${PORTS[0]} hport=${PORTS[1]} tport=${PORTS[2]}
grep -q "open files limit: 1024" "$DAEMON_LOG" || check_fail "the limit in force (1024) is not logged"

python3 "$(dirname "$0")/hold_conns.py" 1200 "$gport" "$hport" "$tport" --hold 2 >"$WORK/hold.out" 2>&1 ||
  fail "hold_conns failed: $(cat "$WORK/hold.out")"
grep -q "^closed" "$WORK/hold.out" || fail "hold_conns did not finish: $(cat "$WORK/hold.out")"
# The test is only meaningful if the daemon did run out of descriptors.
grep -qi "too many open files\|out of file descriptors" "$DAEMON_LOG" ||
  fail "the daemon never ran out of file descriptors ($(cat "$WORK/hold.out"))"

grpc_ok() { timeout 10 "$GRPC_BAD_CLIENT" "127.0.0.1:$gport" --one after-emfile-grpc >>"$WORK/grpc.out" 2>&1; }
http_ok() {
  local code
  code=$(printf '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"%s","spanId":"0102030405060708","name":"after-emfile-http"}]}]}]}' \
    0102030405060708090a0b0c0d0e0f10 | curl -sS -m 10 -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary @- "http://127.0.0.1:$hport/v1/traces" 2>/dev/null) || true
  [[ $code == 200 ]]
}
POLLS=10 poll_until grpc_ok || check_fail "gRPC receiver does not serve after the connections went away: $(tail -3 "$WORK/grpc.out")"
tls_ok() {
  OTEL_EXPORTER_OTLP_CERTIFICATE="$pki/server.pem" node "$here/../grpc/send_grpc.js" --url "https://localhost:$tport" \
    --count 1 --signals traces --timeout 5000 --manifest "$WORK/tls.json" >>"$WORK/tls.out" 2>&1
}
POLLS=10 poll_until tls_ok || check_fail "gRPC TLS receiver does not serve after the connections went away: $(tail -3 "$WORK/tls.out")"
POLLS=10 poll_until http_ok || check_fail "HTTP receiver does not serve after the connections went away"

daemon_stop
grep -q '"after-emfile-grpc"' "$WORK/out.jsonl" || check_fail "span sent over gRPC after the flood is missing"
grep -q '"after-emfile-http"' "$WORK/out.jsonl" || check_fail "span sent over HTTP after the flood is missing"
finish_checks rx_fd_exhaustion
