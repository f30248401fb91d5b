#!/bin/bash
# OTLP/HTTP transports end to end: HTTP/2 cleartext (prior knowledge and
# Upgrade), HTTPS with HTTP/1.1 and HTTP/2 (ALPN), a clear startup error for
# a missing certificate and for a port in use. Every accepted span must
# reach the file output exactly once; SIGTERM must exit 0.
#
# usage: protocols.sh <path to otlpd>

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
OTLPD=${1:?usage: protocols.sh <path to otlpd>}
require_cmds curl openssl
daemon_init http-proto
dir=$WORK

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null || fail "cannot make a test certificate"

# config <port> <name> [http setting]...: the daemon <name> writes $dir/<name>.jsonl
config() {
  local port=$1 name=$2
  shift 2
  otlp_receiver otlp http "127.0.0.1:$port" "$@" | file_exporter_config "$dir/$name.jsonl" otlp
}

# start <name> [http setting]...: runs otlpd on a free port; sets $PORT.
start() {
  daemon_instance "$1"
  daemon_start_config config "$@"
}

span_json() { # <32 hex trace id>
  printf '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"%s","spanId":"0102030405060708","name":"p"}]}]}]}' "$1"
}

# send <label> <url> <want http version> <trace id> [curl args...]
send() {
  local label=$1 url=$2 want_version=$3 id=$4 out
  shift 4
  out=$(span_json "$id" | curl -sS -o /dev/null -w '%{http_code} %{http_version}' \
    -H 'Content-Type: application/json' --data-binary @- "$@" "$url/v1/traces") || out="curl-error"
  [ "$out" = "200 $want_version" ] || check_fail "$label: got '$out', want '200 $want_version'"
}

once() { # <name> <trace id>
  local n
  n=$({ grep -o "\"traceId\":\"$2\"" "$dir/$1.jsonl" || true; } | wc -l)
  [ "$n" = 1 ] || check_fail "$1: trace $2 appears $n times in the output (want exactly 1)"
}

# ---- cleartext: HTTP/1.1, h2c with prior knowledge, h2c by Upgrade ----
start plain
url="http://127.0.0.1:$PORT"
send "http/1.1" "$url" 1.1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01
send "h2c prior knowledge" "$url" 2 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa02 --http2-prior-knowledge
send "h2c upgrade" "$url" 2 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa03 --http2
daemon_stop
for i in 01 02 03; do once plain aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa$i; done

# ---- TLS ----
start tls "tls:" "  cert_file: $dir/cert.pem" "  key_file: $dir/key.pem"
url="https://127.0.0.1:$PORT"
send "https http/1.1" "$url" 1.1 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb01 --cacert "$dir/cert.pem" --http1.1
send "https h2 (ALPN)" "$url" 2 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb02 --cacert "$dir/cert.pem" --http2
out=$(span_json bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb03 | curl -sS -o /dev/null -w '%{http_code}' \
  -H 'Content-Type: application/json' --data-binary @- "http://127.0.0.1:$PORT/v1/traces" 2>/dev/null) || true
[ "$out" != 200 ] || check_fail "cleartext request to the TLS port was accepted"
daemon_stop
once tls bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb01
once tls bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb02

# ---- startup errors are clear and fatal ----
config 1 badtls "tls:" "  cert_file: $dir/missing.pem" "  key_file: $dir/key.pem" >"$dir/badtls.yaml"
rc=0
timeout 20 "$OTLPD" --config "$dir/badtls.yaml" > "$dir/badtls.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || check_fail "a missing certificate did not stop otlpd"
grep -q "missing.pem" "$dir/badtls.log" || check_fail "the startup error does not name the certificate file: $(cat "$dir/badtls.log")"

start holder
config "$PORT" busy >"$dir/busy.yaml"
rc=0
timeout 20 "$OTLPD" --config "$dir/busy.yaml" > "$dir/busy.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || check_fail "a port in use did not stop otlpd"
grep -q "cannot listen on 127.0.0.1:$PORT.*address in use" "$dir/busy.log" ||
  check_fail "no clear 'address in use' error: $(cat "$dir/busy.log")"
daemon_stop

finish_checks http_protocols
