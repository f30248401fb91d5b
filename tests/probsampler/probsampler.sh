#!/bin/bash
# probabilistic_sampler end to end: an OTLP/HTTP receiver feeds a traces
# pipeline [probabilistic_sampler, batch] and a second one [batch] without
# the sampler, each to its own file exporter. 200 traces of 4 spans arrive
# over 4 JSON requests (one span of every trace in each). The sampled file
# must hold whole traces, exactly those otelcol-contrib keeps for the seed;
# the other file every span. A third pipeline in proportional mode must
# keep otelcol's OTEP 235 set with ot=th: in each tracestate. A fourth runs
# probabilistic_sampler then tail_sampling (errors): exactly the error
# traces the first keeps, whole; the sampled-out spans are counted in the
# totals, never refused to the client. A metrics pipeline with the sampler
# is a config error.
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
  tail_sampling:
    decision_wait: 2s
    policies:
      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
  batch:
    timeout: 50ms
exporters:
  file/both: {path: $dir/both.jsonl, format: json}
  file/sampled: {path: $dir/sampled.jsonl, format: json}
  file/otep: {path: $dir/otep.jsonl, format: json}
  file/all: {path: $dir/all.jsonl, format: json}
service:
  pipelines:
    traces/sampled: {receivers: [otlp], processors: [probabilistic_sampler, batch], exporters: [file/sampled]}
    traces/all: {receivers: [otlp], processors: [batch], exporters: [file/all]}
    traces/otep: {receivers: [otlp], processors: [probabilistic_sampler/otep, batch], exporters: [file/otep]}
    traces/both: {receivers: [otlp], processors: [probabilistic_sampler, tail_sampling, batch], exporters: [file/both]}
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
# tail_sampling decides after decision_wait; SIGTERM would decide early
both_done() { python3 "$helper" both "$dir" "$dir/both.jsonl" "$SEED" "$PCT" >/dev/null 2>&1; }
POLLS=400 poll_until both_done || true
daemon_stop

python3 "$helper" both "$dir" "$dir/both.jsonl" "$SEED" "$PCT" ||
  check_fail "probabilistic_sampler + tail_sampling did not keep exactly the sampled error traces, whole"
# every span of the combined pipeline is accounted for: dropped by one of
# the samplers or written
n_of() { grep -o "totals $1: [a-z]* [0-9]* spans" "$DAEMON_LOG" | grep -o '[0-9]*' | head -1; }
accounted=$(($(n_of 'probabilistic_sampler (traces/both)') + $(n_of 'tail_sampling (traces/both)') + $(n_of file/both)))
[ "$accounted" = $((200 * REQUESTS)) ] ||
  check_fail "sampled-out spans are not all counted ($accounted of $((200 * REQUESTS))): $(grep totals "$DAEMON_LOG")"
python3 "$helper" check "$dir" "$dir/sampled.jsonl" "$dir/all.jsonl" "$SEED" "$PCT" ||
  check_fail "sampled output is not otelcol's whole traces"
python3 "$helper" proportional "$dir" "$dir/otep.jsonl" "$PCT" ||
  check_fail "proportional output is not otelcol's (kept set or ot=th: tracestate)"
finish_checks "probsampler: whole traces, otelcol's kept sets (hash_seed, proportional), unsampled pipeline complete"
