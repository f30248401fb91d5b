#!/bin/bash
# service::telemetry::metrics end to end: spans and logs sent over OTLP/HTTP
# show up in /metrics with otelcol's names (accepted by the receiver, in/out
# of the batch processor, sent by the file exporter), the output parses as
# Prometheus text (prom_text.py), the older `address` form works, level none
# serves nothing, and `otlpd validate` names unknown keys with their path.
#
# Needs $OTLPD.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds promtool curl python3
daemon_init telemetry-metrics
HERE=$(cd "$(dirname "$0")" && pwd)

# config <otlp port> <metrics port> <metrics yaml form: readers|address|none>
config() {
  cat <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$1
processors:
  batch: {timeout: 10ms}
exporters:
  file/x:
    path: $WORK/out-$3.jsonl
    format: json
service:
  telemetry:
    logs: {level: info}
    metrics:
YAML
  case $3 in
  readers) printf '      level: detailed\n      readers:\n        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: %s}}}\n' "$2" ;;
  address) printf '      address: 127.0.0.1:%s\n' "$2" ;;
  none) printf '      level: none\n      address: 127.0.0.1:%s\n' "$2" ;;
  esac
  cat <<YAML
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [file/x]}
    logs: {receivers: [otlp], exporters: [file/x]}
YAML
}

send() { # <signal> <n>
  local code
  python3 "$HERE/gen_otlp.py" "$1" "$2" >"$WORK/body.json"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "@$WORK/body.json" "http://127.0.0.1:$PORT/v1/$1")
  [[ $code == 200 ]] || fail "POST /v1/$1 of $2 items answered $code"
}

scrape() {
  curl -sf -o "$WORK/metrics.txt" "http://127.0.0.1:$MPORT/metrics" || return 1
  python3 "$HERE/prom_text.py" "$WORK/metrics.txt" >/dev/null
}

value() { python3 "$HERE/prom_text.py" "$WORK/metrics.txt" "$1"; }

expect() { # <series> <want>
  local got
  got=$(value "$1")
  [[ $got == "$2" ]] || check_fail "$1 = $got, want $2"
}

exported_spans() { value 'otelcol_exporter_sent_spans{exporter="file/x"}'; }
all_exported() {
  scrape && [[ $(python3 "$HERE/prom_text.py" "$WORK/metrics.txt" 'otelcol_exporter_sent_spans{exporter="file/x"}' \
    'otelcol_exporter_sent_log_records{exporter="file/x"}' | tr '\n' ' ') == "37 5 " ]]
}

# ---- readers form: counts equal what was sent ----
mconfig() { config "$1" "$2" readers; }
daemon_start_config -n 2 mconfig
MPORT=${PORTS[1]}
scrape || fail "/metrics did not answer, or did not parse: $(cat "$WORK/metrics.txt" 2>/dev/null | head -5)"
expect 'otelcol_receiver_accepted_spans{receiver="otlp"}' 0
send traces 10
send traces 20
send traces 7
send logs 5
poll_until all_exported || check_fail "file exporter sent $(exported_spans) spans, want 37"
expect 'otelcol_receiver_accepted_spans{receiver="otlp"}' 37
expect 'otelcol_receiver_refused_spans{receiver="otlp"}' 0
expect 'otelcol_receiver_accepted_log_records{receiver="otlp"}' 5
expect 'otelcol_exporter_sent_spans{exporter="file/x"}' 37
expect 'otelcol_exporter_sent_log_records{exporter="file/x"}' 5
expect 'otelcol_exporter_send_failed_spans{exporter="file/x"}' 0
expect 'otelcol_processor_incoming_items{processor="batch",otel_signal="traces"}' 37
expect 'otelcol_processor_outgoing_items{processor="batch",otel_signal="traces"}' 37
# the batch processor's own: every batch it sent is in the histogram, its
# items add up to what went through, and each send had a trigger (timeout
# 10 ms, size 8192: the timeout)
expect 'otelcol_processor_batch_batch_send_size_sum{processor="batch"}' 37
expect 'otelcol_processor_batch_batch_size_trigger_send{processor="batch"}' 0
expect 'otelcol_processor_batch_metadata_cardinality{processor="batch"}' 1
sends=$(value 'otelcol_processor_batch_batch_send_size_count{processor="batch"}')
[[ $sends -ge 1 && $sends -le 3 ]] || check_fail "batch_send_size_count is $sends, want 1..3 (three requests)"
expect 'otelcol_processor_batch_timeout_trigger_send{processor="batch"}' "$sends"
expect 'otelcol_processor_batch_batch_send_size_bucket{processor="batch",le="+Inf"}' "$sends"
expect 'otelcol_processor_batch_batch_send_size_bucket{processor="batch",le="100"}' "$sends"
# no metrics pipeline: no metric_points series
expect 'otelcol_receiver_accepted_metric_points{receiver="otlp"}' absent
[[ $(value otelcol_process_memory_rss) -gt 0 ]] || check_fail "otelcol_process_memory_rss is not positive"
[[ $(value otlpd_memory_limit_bytes) -gt 0 ]] || check_fail "otlpd_memory_limit_bytes is not positive"
[[ $(value otlpd_memory_held_bytes) != absent ]] || check_fail "otlpd_memory_held_bytes missing"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 0 else 1)' "$(value otelcol_process_uptime)" ||
  check_fail "otelcol_process_uptime is not positive"
grep -q '^# TYPE otelcol_receiver_accepted_spans counter$' "$WORK/metrics.txt" || check_fail "no counter TYPE line"
# Prometheus' own parser and linter (Debian prometheus; scripts/install-deps
# --test). The one lint otelcol's names fail by design: counters without
# "_total" (current otelcol drops the suffix; dashboards expect that).
promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.out" 2>&1 || true
grep -v 'counter metrics should have "_total" suffix' "$WORK/promtool.out" >"$WORK/promtool.other" || true
[[ ! -s $WORK/promtool.other ]] || check_fail "promtool check metrics: $(head -5 "$WORK/promtool.other")"
grep -q "_total" "$WORK/promtool.out" || [[ ! -s $WORK/promtool.out ]] || check_fail "promtool said: $(head -3 "$WORK/promtool.out")"
spans=$(python3 -c 'import json,sys; print(sum(len(s["spans"]) for l in open(sys.argv[1]) for r in json.loads(l).get("resourceSpans", []) for s in r["scopeSpans"]))' "$WORK/out-readers.jsonl")
[[ $spans == 37 ]] || check_fail "the file holds $spans spans, want 37"
# The shipped Grafana dashboard asks only for metrics otlpd serves: a name
# in this scrape, its twin for another signal, or one the renderer writes
# only when there is something to say (queue gauges need a sending queue).
python3 - "$HERE/../../deploy/grafana/otlpd-dashboard.json" "$WORK/metrics.txt" \
  "$HERE/../../collector/telemetry/metrics_render.c" <<'PY' || check_fail "the Grafana dashboard queries metrics otlpd does not serve"
import json, re, sys
dash = json.load(open(sys.argv[1]))
served = {l.split("{")[0].split(" ")[0] for l in open(sys.argv[2]) if l.strip() and not l.startswith("#")}
source = open(sys.argv[3]).read()
twins = lambda n: {re.sub(r"_(spans|metric_points|log_records)$", "_" + s, n) for s in ("spans", "metric_points", "log_records")}
bad = []
for p in dash["panels"]:
    for t in p["targets"]:
        for name in re.findall(r"\b(?:otelcol|otlpd)_[a-z_]+", t["expr"]):
            if not (twins(name) & served or '"%s"' % name in source):
                bad.append(f'{p["title"]}: {name}')
print("dashboard: %d panels; unknown metrics: %s" % (len(dash["panels"]), bad or "none"))
sys.exit(1 if bad or not dash["panels"] else 0)
PY
ctype=$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$MPORT/metrics")
[[ $ctype == "text/plain; version=0.0.4; charset=utf-8" ]] || check_fail "Content-Type $ctype"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/other")
[[ $code == 404 ]] || check_fail "GET /other answered $code, want 404"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$MPORT/metrics")
[[ $code == 405 ]] || check_fail "POST /metrics answered $code, want 405"
daemon_stop

# ---- the older address form ----
daemon_instance address
aconfig() { config "$1" "$2" address; }
daemon_start_config -n 2 aconfig
MPORT=${PORTS[1]}
scrape || check_fail "address form: /metrics did not answer or parse"
daemon_stop

# ---- level none: nothing served ----
daemon_instance none
mport=$(free_port)
nconfig() { config "$1" "$2" none; }
daemon_start_config -n 1 nconfig "$mport"
listening "$mport" && check_fail "level none still listens on $mport"
daemon_stop

# ---- validate names unknown keys ----
config 4318 8888 readers | sed 's/level: detailed/level: detailed\n      bogus: 1/' >"$WORK/bad.yaml"
if "$OTLPD" validate --config "$WORK/bad.yaml" >"$WORK/validate.out" 2>&1; then
  check_fail "validate accepted service::telemetry::metrics::bogus"
fi
grep -q 'service::telemetry::metrics::bogus: unknown key' "$WORK/validate.out" ||
  check_fail "unknown key not named with its path: $(cat "$WORK/validate.out")"
config 4318 8888 readers | sed 's/level: detailed/level: loud/' >"$WORK/badlevel.yaml"
"$OTLPD" validate --config "$WORK/badlevel.yaml" >"$WORK/validate2.out" 2>&1 &&
  check_fail "validate accepted level: loud"
grep -q 'service::telemetry::metrics::level' "$WORK/validate2.out" ||
  check_fail "bad level not named with its path: $(cat "$WORK/validate2.out")"

finish_checks telemetry_metrics
