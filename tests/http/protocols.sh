#!/bin/bash
# OTLP/HTTP transports end to end: HTTP/2 cleartext (prior knowledge and
# Upgrade), HTTPS with HTTP/1.1 and HTTP/2 (ALPN), a clear startup error for
# a missing certificate and for a port in use. Every accepted span must
# reach the file output exactly once; SIGTERM must exit 0.
#
# usage: protocols.sh <path to otlpd>
set -euo pipefail

otlpd=${1:?usage: protocols.sh <path to otlpd>}
[ -x "$otlpd" ] || { echo "protocols.sh: $otlpd is not an executable" >&2; exit 1; }
for tool in curl openssl; do
  command -v $tool >/dev/null || { echo "protocols.sh: $tool is required" >&2; exit 1; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/otlpd-http-proto.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
fatal() {
  echo "FAIL: $*" >&2
  for f in "$dir"/*.log; do [ -f "$f" ] && { echo "--- $f ---" >&2; tail -n 20 "$f" >&2; }; done
  exit 1
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null || fatal "cannot make a test certificate"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# config <name> <port> <extra http settings, YAML at the http level>
config() {
  cat > "$dir/$1.yaml" <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$2
$3
exporters:
  file/x:
    path: $dir/$1.jsonl
    format: json
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file/x]
YAML
}

# start <name> <extra>: runs otlpd on a free port; sets $port and $pid.
start() {
  local name=$1 extra=$2 attempt i
  port= pid=
  for attempt in $(seq 20); do
    local candidate=$((20000 + RANDOM % 40000))
    listening "$candidate" && continue
    config "$name" "$candidate" "$extra"
    "$otlpd" --config "$dir/$name.yaml" > "$dir/$name.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    for i in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      if listening "$candidate"; then port=$candidate; return 0; fi
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -q "address in use" "$dir/$name.log" || fatal "otlpd ($name) did not start"
  done
  fatal "no free port found"
}

stop() { # <name>: SIGTERM, expect exit 0
  local i rc=0
  kill -TERM "$pid"
  for i in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && fatal "$1: otlpd did not exit within 30 s of SIGTERM"
  wait "$pid" || rc=$?
  [ "$rc" = 0 ] || fail "$1: otlpd exited with status $rc after SIGTERM (want 0)"
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
  [ "$out" = "200 $want_version" ] || fail "$label: got '$out', want '200 $want_version'"
}

once() { # <name> <trace id>
  local n
  n=$({ grep -o "\"traceId\":\"$2\"" "$dir/$1.jsonl" || true; } | wc -l)
  [ "$n" = 1 ] || fail "$1: trace $2 appears $n times in the output (want exactly 1)"
}

# ---- cleartext: HTTP/1.1, h2c with prior knowledge, h2c by Upgrade ----
start plain ""
url="http://127.0.0.1:$port"
send "http/1.1" "$url" 1.1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01
send "h2c prior knowledge" "$url" 2 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa02 --http2-prior-knowledge
send "h2c upgrade" "$url" 2 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa03 --http2
stop plain
for i in 01 02 03; do once plain aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa$i; done

# ---- TLS ----
tls="        tls:
          cert_file: $dir/cert.pem
          key_file: $dir/key.pem"
start tls "$tls"
url="https://127.0.0.1:$port"
send "https http/1.1" "$url" 1.1 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb01 --cacert "$dir/cert.pem" --http1.1
send "https h2 (ALPN)" "$url" 2 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb02 --cacert "$dir/cert.pem" --http2
out=$(span_json bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb03 | curl -sS -o /dev/null -w '%{http_code}' \
  -H 'Content-Type: application/json' --data-binary @- "http://127.0.0.1:$port/v1/traces" 2>/dev/null) || true
[ "$out" != 200 ] || fail "cleartext request to the TLS port was accepted"
stop tls
once tls bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb01
once tls bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb02

# ---- startup errors are clear and fatal ----
config badtls 1 "        tls:
          cert_file: $dir/missing.pem
          key_file: $dir/key.pem"
rc=0
timeout 20 "$otlpd" --config "$dir/badtls.yaml" > "$dir/badtls.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a missing certificate did not stop otlpd"
grep -q "missing.pem" "$dir/badtls.log" || fail "the startup error does not name the certificate file: $(cat "$dir/badtls.log")"

start holder ""
config busy "$port" ""
rc=0
timeout 20 "$otlpd" --config "$dir/busy.yaml" > "$dir/busy.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a port in use did not stop otlpd"
grep -q "cannot listen on 127.0.0.1:$port.*address in use" "$dir/busy.log" ||
  fail "no clear 'address in use' error: $(cat "$dir/busy.log")"
stop holder

if [ "$failures" -gt 0 ]; then
  for f in "$dir"/*.log; do echo "--- $f ---" >&2; tail -n 20 "$f" >&2; done
  echo "http_protocols: $failures check(s) failed" >&2
  exit 1
fi
echo "http_protocols: all checks passed"
