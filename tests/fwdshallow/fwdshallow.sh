#!/usr/bin/env bash
# Forwarding without decoding items (shallow decode), end to end. Clients
# send OTLP/HTTP protobuf traces and logs (3 resources x 2 scopes x 7 items
# per request); batch cuts them into batches of at most 5 items, so
# resources and scopes are split between items.
#
#   fwdshallow.sh forward  agent: batch -> otlphttp (proto), otlp (gRPC) and
#                          a proto file; both go to a gateway writing proto
#                          files. Every item arrives exactly once at each of
#                          the three outputs, byte-identical, under its
#                          resource and scope; agent and gateway say they
#                          decode shallow.
#   fwdshallow.sh mixed    one receiver feeds a wire-only pipeline and one
#                          whose attributes processor reads and edits items:
#                          the receiver decodes fully (it does not say
#                          shallow), the first output is byte-identical, the
#                          second has every item with the new attribute.
#
# Environment: OTLPD (daemon).

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"

mode=${1:?usage: fwdshallow.sh forward|mixed}
helper=$(cd "$(dirname "$0")" && pwd)/fwd_pb.py
require_cmds curl python3
daemon_init "fwdshallow-$mode"
SHALLOW="protobuf decoded down to the scope level only"

batch_yaml() {
  printf '  batch:\n    timeout: 20ms\n    send_batch_size: 5\n    send_batch_max_size: 5\n'
}

post_all() { # send 3 requests of each signal; every answer must be 200
  local sig first code
  for sig in traces logs; do
    for first in 0 42 84; do
      python3 "$helper" make "$sig" "$WORK/$sig-$first.pb" "$first"
      code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-protobuf' \
        --data-binary "@$WORK/$sig-$first.pb" "http://127.0.0.1:$PORT/v1/$sig") || code=curl-error
      [[ $code == 200 ]] || check_fail "POST /v1/$sig: got $code"
    done
    python3 -c '
import json, sys
out = []
for p in sys.argv[2:]:
    out += json.load(open(p))
json.dump(out, open(sys.argv[1], "w"))' "$WORK/$sig-sent.json" "$WORK/$sig"-{0,42,84}.pb.json
  done
}

same() { # <signal> <label> <proto files...>
  local sig=$1 label=$2
  shift 2
  python3 "$helper" items "$sig" "$WORK/got.json" "$@" &&
    python3 "$helper" same "$WORK/$sig-sent.json" "$WORK/got.json" "$label ($sig)" ||
    check_fail "$label ($sig): not every item exactly once and byte-identical"
}

case $mode in
forward)
  daemon_instance gateway
  gw() {
    cat <<YAML
receivers:
$(otlp_receiver otlp/h http "127.0.0.1:$1")
$(otlp_receiver otlp/g grpc "127.0.0.1:$2")
exporters:
  file/h: {path: $WORK/gw-http.pb, format: proto, flush_interval: 20ms}
  file/g: {path: $WORK/gw-grpc.pb, format: proto, flush_interval: 20ms}
  file/hl: {path: $WORK/gw-http-logs.pb, format: proto, flush_interval: 20ms}
  file/gl: {path: $WORK/gw-grpc-logs.pb, format: proto, flush_interval: 20ms}
service:
  telemetry: {logs: {level: debug}}
  pipelines:
    traces/h: {receivers: [otlp/h], exporters: [file/h]}
    traces/g: {receivers: [otlp/g], exporters: [file/g]}
    logs/h: {receivers: [otlp/h], exporters: [file/hl]}
    logs/g: {receivers: [otlp/g], exporters: [file/gl]}
YAML
  }
  daemon_start_config -n 2 gw
  GW_PID=$DAEMON_PID GW_HTTP=${PORTS[0]} GW_GRPC=${PORTS[1]} GW_LOG=$DAEMON_LOG
  on_cleanup "kill -KILL $GW_PID"
  daemon_instance agent
  agent() {
    cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
$(batch_yaml)
  memory_limiter: {check_interval: 1s, limit_mib: 512}
exporters:
  otlphttp: {endpoint: "http://127.0.0.1:$GW_HTTP", encoding: proto, compression: gzip}
  otlp: {endpoint: "127.0.0.1:$GW_GRPC", tls: {insecure: true}}
  file/t: {path: $WORK/agent.pb, format: proto, flush_interval: 20ms}
  file/l: {path: $WORK/agent-logs.pb, format: proto, flush_interval: 20ms}
service:
  telemetry: {logs: {level: debug}}
  pipelines:
    traces: {receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlphttp, otlp, file/t]}
    logs: {receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlphttp, otlp, file/l]}
YAML
  }
  daemon_start_config agent
  post_all
  daemon_stop
  DAEMON_PID=$GW_PID DAEMON_NAME=gateway
  daemon_stop
  for who in "$DAEMON_LOG" "$GW_LOG"; do
    for sig in traces logs; do
      grep -q "$sig: $SHALLOW" "$who" || check_fail "$(basename "$who"): no shallow decode of $sig"
    done
  done
  same traces agent "$WORK/agent.pb"
  same logs agent "$WORK/agent-logs.pb"
  same traces "gateway via otlphttp" "$WORK/gw-http.pb"
  same logs "gateway via otlphttp" "$WORK/gw-http-logs.pb"
  same traces "gateway via otlp" "$WORK/gw-grpc.pb"
  same logs "gateway via otlp" "$WORK/gw-grpc-logs.pb"
  ;;
mixed)
  agent() {
    cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
$(batch_yaml)
  attributes/read:
    actions: [{key: added.by, value: read, action: insert}]
exporters:
  file/wire: {path: $WORK/wire.pb, format: proto, flush_interval: 20ms}
  file/read: {path: $WORK/read.pb, format: proto, flush_interval: 20ms}
  file/wirel: {path: $WORK/wire-logs.pb, format: proto, flush_interval: 20ms}
  file/readl: {path: $WORK/read-logs.pb, format: proto, flush_interval: 20ms}
service:
  telemetry: {logs: {level: debug}}
  pipelines:
    traces/wire: {receivers: [otlp], processors: [batch], exporters: [file/wire]}
    traces/read: {receivers: [otlp], processors: [batch, attributes/read], exporters: [file/read]}
    logs/wire: {receivers: [otlp], processors: [batch], exporters: [file/wirel]}
    logs/read: {receivers: [otlp], processors: [attributes/read, batch], exporters: [file/readl]}
YAML
  }
  daemon_start_config agent
  post_all
  daemon_stop
  ! grep -q "$SHALLOW" "$DAEMON_LOG" || check_fail "the receiver decoded shallow for a pipeline that reads items"
  same traces "wire-only pipeline" "$WORK/wire.pb"
  same logs "wire-only pipeline" "$WORK/wire-logs.pb"
  for sig in traces logs; do
    out=$WORK/read.pb
    [[ $sig == logs ]] && out=$WORK/read-logs.pb
    python3 "$helper" items "$sig" "$WORK/got.json" "$out" &&
      python3 "$helper" edited "$WORK/$sig-sent.json" "$WORK/got.json" added.by "reading pipeline ($sig)" ||
      check_fail "reading pipeline ($sig): items missing or not edited"
  done
  ;;
*) fail "unknown mode $mode" ;;
esac
finish_checks "fwdshallow $mode"
