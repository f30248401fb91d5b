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
  telemetry:
    metrics:
      address: 127.0.0.1:$2
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
daemon_start_config -n 2 config
url="http://127.0.0.1:$PORT"
MPORT=${PORTS[1]}

post() { # <path> <body file>
  local code
  code=$(curl -sS -o "$dir/resp" -w '%{http_code}' -H "Content-Type: application/json" --data-binary "@$2" "$url$1") ||
    code=curl-error
  [ "$code" = 200 ] || check_fail "POST $1: got $code"
}

post /v1/traces "$dir/traces.json"
post /v1/metrics "$dir/metrics.json"
post /v1/logs "$dir/logs.json"
curl -sf -o "$dir/metrics.txt" "http://127.0.0.1:$MPORT/metrics" || check_fail "/metrics did not answer"
daemon_stop

python3 "$helper" check "$dir" || check_fail "outputs differ from what each pipeline should write"
# otelcol_processor_filter_*_filtered = what B wrote and A did not (spans,
# data points, log records)
python3 - "$dir" "$(dirname "$0")/../telemetry/prom_text.py" <<'PY' || check_fail "filtered counters do not match the outputs"
import json, subprocess, sys
d, prom = sys.argv[1], sys.argv[2]
def count(path):
    n = {"spans": 0, "datapoints": 0, "logs": 0}
    for line in open(path):
        j = json.loads(line)
        for r in j.get("resourceSpans", []):
            n["spans"] += sum(len(s.get("spans", [])) for s in r.get("scopeSpans", []))
        for r in j.get("resourceLogs", []):
            n["logs"] += sum(len(s.get("logRecords", [])) for s in r.get("scopeLogs", []))
        for r in j.get("resourceMetrics", []):
            for s in r.get("scopeMetrics", []):
                for m in s.get("metrics", []):
                    for k in ("gauge", "sum", "histogram", "exponentialHistogram", "summary"):
                        n["datapoints"] += len(m.get(k, {}).get("dataPoints", []))
    return n
a, b = count(d + "/a.jsonl"), count(d + "/b.jsonl")
ok = True
for what in ("spans", "datapoints", "logs"):
    series = 'otelcol_processor_filter_%s_filtered{filter="filter/a"}' % what
    got = subprocess.run([sys.executable, prom, d + "/metrics.txt", series], capture_output=True, text=True).stdout.strip()
    want = b[what] - a[what]
    print(f"{series} = {got} (want {want})")
    ok = ok and want > 0 and got == str(want)
sys.exit(0 if ok else 1)
PY
finish_checks "filter + transform: pipeline A writes exactly what its conditions keep, edited; B everything as sent"
