#!/bin/bash
# filter + transform end to end: one receiver feeding two pipelines per
# signal. A (filter, transform, batch) must write exactly the items its
# conditions keep, edited; B (batch only) must write everything as it was
# sent, untouched by A's drops and edits. OTLP/HTTP
# JSON in, file exporter JSON out, checked by filter_check.py.
#
# usage: OTLPD=<path to otlpd> filter.sh

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3
daemon_init filter
dir=$WORK
helper=$(dirname "$0")/filter_check.py

config() {
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
  batch:
    timeout: 50ms
  filter/a:
    error_mode: ignore
    traces:
      span:
        - attributes["http.route"] == "/health"
        - resource.attributes["service.name"] == "noisy"
      spanevent:
        - IsMatch(name, "^debug")
    metrics:
      datapoint:
        - attributes["host"] == "b"
      metric:
        - name == "drop.me"
    log_conditions:
      - log.severity_number < SEVERITY_NUMBER_WARN
  transform/a:
    trace_statements:
      - context: span
        statements:
          - set(attributes["tag"], "a") where kind == SPAN_KIND_UNSPECIFIED
    log_statements:
      - replace_pattern(log.body, "^err(or)$", "ERR\$1")
exporters:
  file/a: {path: $dir/a.jsonl, format: json}
  file/b: {path: $dir/b.jsonl, format: json}
service:
  pipelines:
    traces/a: {receivers: [otlp], processors: [filter/a, transform/a, batch], exporters: [file/a]}
    traces/b: {receivers: [otlp], processors: [batch], exporters: [file/b]}
    metrics/a: {receivers: [otlp], processors: [filter/a, transform/a, batch], exporters: [file/a]}
    metrics/b: {receivers: [otlp], processors: [batch], exporters: [file/b]}
    logs/a: {receivers: [otlp], processors: [filter/a, transform/a, batch], exporters: [file/a]}
    logs/b: {receivers: [otlp], processors: [batch], exporters: [file/b]}
YAML
}

python3 "$helper" write "$dir"
daemon_start_config config
url="http://127.0.0.1:$PORT"

post() { # <path> <body file>
  local code
  code=$(curl -sS -o "$dir/resp" -w '%{http_code}' -H "Content-Type: application/json" --data-binary "@$2" "$url$1") ||
    code=curl-error
  [ "$code" = 200 ] || check_fail "POST $1: got $code"
}

post /v1/traces "$dir/traces.json"
post /v1/metrics "$dir/metrics.json"
post /v1/logs "$dir/logs.json"
daemon_stop

python3 "$helper" check "$dir" || check_fail "outputs differ from what each pipeline should write"
finish_checks "filter + transform: pipeline A writes exactly what its conditions keep, edited; B everything as sent"
