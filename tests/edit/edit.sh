#!/bin/bash
# Two pipelines over one receiver, one edits: pipeline A (batch, resource
# upsert) must write the new attribute, pipeline B (batch only) must not,
# both as JSON and as protobuf (whose writer copies the client's bytes for
# entries nobody edited). Sends OTLP/HTTP protobuf (wire bytes kept) and
# JSON (none), traces and logs; every output must hold every item.
#
# usage: OTLPD=<path to otlpd> edit.sh

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3
daemon_init edit
dir=$WORK
helper=$(dirname "$0")/otlp_pb.py

config() {
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
  batch:
    timeout: 50ms
  resource/a:
    attributes:
      - {key: edited.by, value: pipeline-a, action: upsert}
      - {key: service.name, action: convert, converted_type: string}
exporters:
  file/a_json: {path: $dir/a.jsonl, format: json}
  file/a_proto: {path: $dir/a.pb, format: proto}
  file/b_json: {path: $dir/b.jsonl, format: json}
  file/b_proto: {path: $dir/b.pb, format: proto}
service:
  pipelines:
    traces/a: {receivers: [otlp], processors: [batch, resource/a], exporters: [file/a_json, file/a_proto]}
    traces/b: {receivers: [otlp], processors: [batch], exporters: [file/b_json, file/b_proto]}
    logs/a: {receivers: [otlp], processors: [batch, resource/a], exporters: [file/a_json, file/a_proto]}
    logs/b: {receivers: [otlp], processors: [batch], exporters: [file/b_json, file/b_proto]}
YAML
}

python3 "$helper" traces "$dir/traces.pb"
python3 "$helper" logs "$dir/logs.pb"
daemon_start_config config
url="http://127.0.0.1:$PORT"

post() { # <path> <content type> <body file>
  local code
  code=$(curl -sS -o "$dir/resp" -w '%{http_code}' -H "Content-Type: $2" --data-binary "@$3" "$url$1") ||
    code=curl-error
  [ "$code" = 200 ] || check_fail "POST $1 ($2): got $code"
}

post /v1/traces application/x-protobuf "$dir/traces.pb"
post /v1/logs application/x-protobuf "$dir/logs.pb"
printf '%s' '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json"}}]},"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060799","name":"j"}]}]}]}' >"$dir/traces.json"
post /v1/traces application/json "$dir/traces.json"
# protobuf again after JSON, so the batch processor mixes entries with and without wire bytes
post /v1/traces application/x-protobuf "$dir/traces.pb"
daemon_stop

# 3 spans + 3 log records + 1 span + 3 spans
python3 "$helper" check "$dir" edited.by pipeline-a 10 || check_fail "outputs differ from what each pipeline should write"
finish_checks "edit: one pipeline edits, the other sees the original (json and proto)"
