#!/bin/bash
# probabilistic_sampler end to end: an OTLP/HTTP receiver feeds a traces
# pipeline [probabilistic_sampler, batch] and a second one [batch] without
# the sampler, each to its own file exporter. 200 traces of 4 spans arrive
# over 4 JSON requests (one span of every trace in each). The sampled file
# must hold whole traces, exactly those otelcol-contrib keeps for the seed;
# the other file every span. A third pipeline in proportional mode must
# keep otelcol's OTEP 235 set with ot=th: in each tracestate. A metrics pipeline with the sampler is a
# config error.
#
# usage: OTLPD=<path to otlpd> probsampler.sh

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3
daemon_init probsampler
dir=$WORK
helper=$(dirname "$0")/traces.py
SEED=42
PCT=30
REQUESTS=4

config() {
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
  probabilistic_sampler:
    sampling_percentage: $PCT
    hash_seed: $SEED
  probabilistic_sampler/otep:
    sampling_percentage: $PCT
    mode: proportional
  batch:
    timeout: 50ms
exporters:
  file/sampled: {path: $dir/sampled.jsonl, format: json}
  file/otep: {path: $dir/otep.jsonl, format: json}
  file/all: {path: $dir/all.jsonl, format: json}
service:
  pipelines:
    traces/sampled: {receivers: [otlp], processors: [probabilistic_sampler, batch], exporters: [file/sampled]}
    traces/all: {receivers: [otlp], processors: [batch], exporters: [file/all]}
    traces/otep: {receivers: [otlp], processors: [probabilistic_sampler/otep, batch], exporters: [file/otep]}
YAML
}

# ---- a metrics pipeline cannot use it (as otelcol) ----
cat >"$dir/metrics.yaml" <<YAML
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:$(free_port)"}
processors:
  probabilistic_sampler: {sampling_percentage: 10}
exporters:
  file: {path: $dir/m.jsonl}
service:
  pipelines:
    metrics: {receivers: [otlp], processors: [probabilistic_sampler], exporters: [file]}
YAML
if "$OTLPD" validate --config "$dir/metrics.yaml" >"$dir/metrics.out" 2>&1; then
  check_fail "a metrics pipeline with probabilistic_sampler was accepted"
elif ! grep -q 'probabilistic_sampler.*does not support metrics' "$dir/metrics.out"; then
  check_fail "unexpected error for a metrics pipeline: $(cat "$dir/metrics.out")"
fi

# ---- sampling ----
python3 "$helper" make "$dir" 200 "$REQUESTS"
daemon_start_config config
url="http://127.0.0.1:$PORT"
for ((k = 0; k < REQUESTS; k++)); do
  code=$(curl -sS -o "$dir/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "@$dir/req-$k.json" "$url/v1/traces") || code=curl-error
  # sampled-out spans are not refused: the client hears a plain success
  [ "$code" = 200 ] || check_fail "POST request $k: got $code"
  grep -q 'rejected' "$dir/resp" && check_fail "request $k: response reports rejected spans: $(cat "$dir/resp")"
done
daemon_stop

python3 "$helper" check "$dir" "$dir/sampled.jsonl" "$dir/all.jsonl" "$SEED" "$PCT" ||
  check_fail "sampled output is not otelcol's whole traces"
python3 "$helper" proportional "$dir" "$dir/otep.jsonl" "$PCT" ||
  check_fail "proportional output is not otelcol's (kept set or ot=th: tracestate)"
finish_checks "probsampler: whole traces, otelcol's kept sets (hash_seed, proportional), unsampled pipeline complete"
