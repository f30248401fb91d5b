#!/usr/bin/env bash
# Decompression bombs (issue #14): a gRPC message of zeros that inflates to
# 64 MiB (max_recv_msg_size_mib 4) must get RESOURCE_EXHAUSTED, and an
# HTTP body inflating to 128 MiB a 413, while the daemon's peak RSS
# (VmHWM) grows by less than MARGIN_KB: a body over the limit is only
# counted (32 KiB scratch), never held. The margin covers the compressed
# bodies themselves (~200 KiB), library buffers and allocator noise; the
# old code grew by the inflated size (64 MiB / ~30 MiB). Valid gzip
# requests on both transports still arrive.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3 node
daemon_init rx-bomb
here=$(dirname "$0")
MARGIN_KB=$((8 * 1024))

config() { # <grpc port> <http port>
  {
    otlp_receiver otlp grpc "127.0.0.1:$1" "max_recv_msg_size_mib: 4"
    otlp_receiver otlp/http http "127.0.0.1:$2"
  } | file_exporter_config "$WORK/out.jsonl" "otlp, otlp/http"
}
daemon_start_config -n 2 config
gport=${PORTS[0]} hport=${PORTS[1]}
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$DAEMON_PID/status"; }

# Warm up both paths with valid gzip requests first, so that what the
# first request of each kind allocates is not counted against the bomb.
out=$(node "$here/grpc_gzip_bomb.js" "$gport" valid) || fail "valid gzip gRPC request: $out"
[[ $out == "status 0 "* ]] || check_fail "valid gzip gRPC request: got \"$out\", want status 0"
span='{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f11","spanId":"0102030405060708","name":"gzip-valid-http"}]}]}]}'
code=$(printf '%s' "$span" | gzip -c | curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -H 'Content-Encoding: gzip' --data-binary @- "http://127.0.0.1:$hport/v1/traces") || code=curl-error
[[ $code == 200 ]] || check_fail "valid gzip HTTP request: got $code, want 200"

before=$(hwm_kb)
out=$(node "$here/grpc_gzip_bomb.js" "$gport" 64) || fail "gRPC bomb sender failed: $out"
[[ $out == "status 8 "* ]] || check_fail "gRPC 64 MiB gzip bomb: got \"$out\", want status 8 (RESOURCE_EXHAUSTED)"
after=$(hwm_kb)
((after - before < MARGIN_KB)) ||
  check_fail "gRPC bomb raised peak RSS by $((after - before)) KiB (bound: $MARGIN_KB KiB)"

head -c $((128 * 1024 * 1024)) /dev/zero | gzip -9 -c >"$WORK/bomb.gz"
before=$(hwm_kb)
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-protobuf' -H 'Content-Encoding: gzip' \
  --data-binary @"$WORK/bomb.gz" "http://127.0.0.1:$hport/v1/traces") || code=curl-error
[[ $code == 413 ]] || check_fail "HTTP 128 MiB gzip bomb: got $code, want 413"
after=$(hwm_kb)
((after - before < MARGIN_KB)) ||
  check_fail "HTTP bomb raised peak RSS by $((after - before)) KiB (bound: $MARGIN_KB KiB)"

daemon_stop
grep -q '"gzip-valid"' "$WORK/out.jsonl" || check_fail "the valid gzip gRPC span is missing"
grep -q '"gzip-valid-http"' "$WORK/out.jsonl" || check_fail "the valid gzip HTTP span is missing"
finish_checks rx_decompress_bomb
