#!/bin/bash
# OTLP/HTTP end to end, bad input first: a real otlpd (otlp http receiver ->
# file exporter, OTLP-JSON lines) must answer every kind of bad request
# with the right status and keep serving; the good requests sent around
# them must each reach the output exactly once; SIGTERM must exit 0.
#
# usage: bad_input.sh <path to otlpd>

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
OTLPD=${1:?usage: bad_input.sh <path to otlpd>}
require_cmds curl
daemon_init http-bad
dir=$WORK

max_body=65536
config() { # <port>
  otlp_receiver otlp http "127.0.0.1:$1" "max_request_body_size: $max_body" \
    "cors:" '  allowed_origins: ["https://*.example.com"]' "  max_age: 60" |
    file_exporter_config "$dir/out.jsonl" otlp
}
daemon_start_config config
base="http://127.0.0.1:$PORT"

# ---- helpers ----

# post <name> <path> <content-type or -> <body file> [curl args...]
# Leaves the status in $code, headers in $dir/<name>.h, body in $dir/<name>.b.
post() {
  local name=$1 path=$2 ctype=$3 body=$4
  shift 4
  local args=(-sS -o "$dir/$name.b" -D "$dir/$name.h" -w '%{http_code}' -X POST --data-binary "@$body")
  [ "$ctype" = - ] || args+=(-H "Content-Type: $ctype")
  code=$(curl "${args[@]}" "$@" "$base$path") || code="curl-error"
}

expect_code() { # <name> <want>
  [ "$code" = "$2" ] || check_fail "$1: got HTTP $code, want $2 ($(head -c 300 "$dir/$1.b" 2>/dev/null))"
}

header() { # <name> <header>: its value, empty if absent
  grep -i "^$2:" "$dir/$1.h" | head -n1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'
}

# One span with a unique trace id, as OTLP-JSON.
span_json() { # <32 hex trace id>
  printf '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"bad-input-test"}}]},"scopeSpans":[{"spans":[{"traceId":"%s","spanId":"0102030405060708","name":"ok","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000000001000"}]}]}]}' "$1"
}

# ---- bad requests ----

printf '\x0a\xff\xff\xff\x0f\x01' > "$dir/bad.pb"
post badpb /v1/traces application/x-protobuf "$dir/bad.pb"
expect_code badpb 400
[ "$(header badpb content-type)" = application/x-protobuf ] || check_fail "badpb: Status body is not protobuf"
[ -s "$dir/badpb.b" ] || check_fail "badpb: empty Status body"

printf '{"resourceSpans": 5}' > "$dir/bad.json"
post badjson /v1/traces application/json "$dir/bad.json"
expect_code badjson 400
grep -q '"code":3' "$dir/badjson.b" || check_fail "badjson: Status has no code 3: $(cat "$dir/badjson.b")"
grep -q '"message":"[^"]*resourceSpans' "$dir/badjson.b" ||
  check_fail "badjson: Status message does not name the bad field: $(cat "$dir/badjson.b")"

span_json 0123456789abcdef0123456789abcd00 > "$dir/any.json"
post notfound /v1/nothing application/json "$dir/any.json"
expect_code notfound 404

code=$(curl -sS -o "$dir/get.b" -D "$dir/get.h" -w '%{http_code}' "$base/v1/traces") || code=curl-error
expect_code get 405
header get allow | grep -q POST || check_fail "405 without Allow: POST"

post text /v1/traces text/plain "$dir/any.json"
expect_code text 415
post noctype /v1/traces - "$dir/any.json" -H "Content-Type:"
expect_code noctype 415

head -c $((max_body + 1)) /dev/zero > "$dir/big.bin"
post big /v1/traces application/x-protobuf "$dir/big.bin"
expect_code big 413
post bigchunked /v1/traces application/x-protobuf "$dir/big.bin" -H "Transfer-Encoding: chunked"
expect_code bigchunked 413

head -c $((max_body * 160)) /dev/zero | gzip -9 > "$dir/bomb.gz"
[ "$(stat -c %s "$dir/bomb.gz")" -lt "$max_body" ] || check_fail "test setup: the gzip bomb is not small"
post bomb /v1/traces application/x-protobuf "$dir/bomb.gz" -H "Content-Encoding: gzip"
expect_code bomb 413

printf 'definitely not gzip' > "$dir/notgz"
post notgz /v1/traces application/json "$dir/notgz" -H "Content-Encoding: gzip"
expect_code notgz 400

post br /v1/traces application/json "$dir/any.json" -H "Content-Encoding: br"
expect_code br 415

# CORS preflight from an allowed origin, then from another one.
code=$(curl -sS -o /dev/null -D "$dir/pre.h" -w '%{http_code}' -X OPTIONS \
  -H "Origin: https://app.example.com" -H "Access-Control-Request-Method: POST" \
  -H "Access-Control-Request-Headers: content-type" "$base/v1/traces") || code=curl-error
[ "$code" = 204 ] || [ "$code" = 200 ] || check_fail "preflight: got HTTP $code"
[ "$(header pre access-control-allow-origin)" = https://app.example.com ] || check_fail "preflight: no Access-Control-Allow-Origin"
header pre access-control-allow-methods | grep -q POST || check_fail "preflight: POST not allowed"
header pre access-control-allow-headers | grep -qi content-type || check_fail "preflight: Content-Type not allowed"
[ "$(header pre access-control-max-age)" = 60 ] || check_fail "preflight: Access-Control-Max-Age is not 60"
code=$(curl -sS -o /dev/null -D "$dir/pre2.h" -w '%{http_code}' -X OPTIONS \
  -H "Origin: https://evil.test" -H "Access-Control-Request-Method: POST" "$base/v1/traces") || code=curl-error
[ -z "$(header pre2 access-control-allow-origin)" ] || check_fail "preflight from a foreign origin was allowed"

# Nothing of the above may have reached the output.
# ---- good requests, each with its own trace id ----

id_plain=0123456789abcdef0123456789abcd01
id_gzip=0123456789abcdef0123456789abcd02
id_chunk=0123456789abcdef0123456789abcd03
id_cors=0123456789abcdef0123456789abcd04
id_pb=0123456789abcdef0123456789abcd05
id_zstd=0123456789abcdef0123456789abcd06

span_json $id_plain > "$dir/plain.json"
post plain /v1/traces "application/json; charset=utf-8" "$dir/plain.json"
expect_code plain 200
[ "$(header plain content-type)" = application/json ] || check_fail "plain: response is not JSON"

span_json $id_gzip | gzip > "$dir/gz.json.gz"
post gzip /v1/traces application/json "$dir/gz.json.gz" -H "Content-Encoding: gzip"
expect_code gzip 200

if command -v zstd >/dev/null; then
  span_json $id_zstd | zstd -q -c > "$dir/z.json.zst"
  post zstd /v1/traces application/json "$dir/z.json.zst" -H "Content-Encoding: zstd"
  expect_code zstd 200
fi

span_json $id_chunk > "$dir/chunk.json"
post chunk /v1/traces application/json "$dir/chunk.json" -H "Transfer-Encoding: chunked"
expect_code chunk 200

span_json $id_cors > "$dir/cors.json"
post cors /v1/traces application/json "$dir/cors.json" -H "Origin: https://app.example.com"
expect_code cors 200
[ "$(header cors access-control-allow-origin)" = https://app.example.com ] || check_fail "POST from an allowed origin: no Access-Control-Allow-Origin"

# ExportTraceServiceRequest{resource_spans{scope_spans{spans{trace_id, span_id, name:"pb"}}}}
{
  printf '\x0a\x24\x12\x22\x12\x20'       # resource_spans, scope_spans, spans (lengths 36, 34, 32)
  printf '\x0a\x10\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\x05' # trace_id
  printf '\x12\x08\x01\x02\x03\x04\x05\x06\x07\x08' # span_id
  printf '\x2a\x02pb'                      # name
} > "$dir/good.pb"
post pb /v1/traces application/x-protobuf "$dir/good.pb"
expect_code pb 200
[ "$(header pb content-type)" = application/x-protobuf ] || check_fail "pb: response is not protobuf"

# Still serving after all that: a log record through the other path.
printf '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1","body":{"stringValue":"bad-input-test-log"}}]}]}]}' > "$dir/log.json"
post log /v1/logs application/json "$dir/log.json"
expect_code log 200

# ---- graceful stop, then the output ----

daemon_stop

[ -f "$dir/out.jsonl" ] || fail "no output file"
count() { { grep -o "$1" "$dir/out.jsonl" || true; } | wc -l; }
for id in $id_plain $id_gzip $id_chunk $id_cors $id_pb; do
  n=$(count "\"traceId\":\"$id\"")
  [ "$n" = 1 ] || check_fail "trace $id appears $n times in the output (want exactly 1)"
done
if command -v zstd >/dev/null; then
  n=$(count "\"traceId\":\"$id_zstd\"")
  [ "$n" = 1 ] || check_fail "zstd trace appears $n times in the output (want exactly 1)"
fi
n=$(count bad-input-test-log)
[ "$n" = 1 ] || check_fail "the log record appears $n times (want exactly 1)"
n=$(count '"traceId":"0123456789abcdef0123456789abcd00"')
[ "$n" = 0 ] || check_fail "a rejected request's span reached the output"
n=$(grep -c '"traceId"' "$dir/out.jsonl" || true)
[ "$n" -le 6 ] || check_fail "the output holds $n spans, more than were accepted"

finish_checks http_bad_input
