#!/bin/bash
# memory_limiter end to end against a real otlpd (otlp http receiver ->
# memory_limiter -> JSON file exporter):
#  - `otlpd validate` accepts the config; a bad key fails naming its path;
#  - the daemon logs the limit in force and its source: the memory_limiter
#    wins over OTLPD_MEMORY_LIMIT_MIB, which wins over the default;
#  - a request that decodes past the soft limit is refused with 503 (and
#    not delivered), a small one after it gets 200 and is delivered once;
#    a daemon whose receivers have the same limit but no memory_limiter
#    refuses it too, retryably (503: its decode would pass the memory
#    budget), and one with room accepts it whole.
#
# Needs $OTLPD.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3
daemon_init memlim
dir=$WORK
OUT=out.jsonl

# config <port> <processors yaml> <processor list>
config() {
  cat <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$1
processors:
$2
exporters:
  file/x:
    path: $dir/$OUT
    format: json
service:
  pipelines:
    traces: {receivers: [otlp], processors: [$3], exporters: [file/x]}
YAML
}

limiter=$'  memory_limiter:\n    check_interval: 1s\n    limit_mib: 4\n    spike_limit_mib: 1'
config_limited() { config "$1" "$limiter" memory_limiter; }
config_plain() { config "$1" "  batch: {timeout: 0s}" batch; }

# ---- validate ----
config_limited 4318 >"$dir/ok.yaml"
"$OTLPD" validate --config "$dir/ok.yaml" >"$dir/validate-ok.out" 2>&1 ||
  check_fail "validate rejected a good memory_limiter config: $(cat "$dir/validate-ok.out")"

config 4318 $'  memory_limiter:\n    check_interval: 1s\n    limit_mib: 4\n    limit_mb: 3' memory_limiter >"$dir/bad.yaml"
if "$OTLPD" validate --config "$dir/bad.yaml" >"$dir/validate-bad.out" 2>&1; then
  check_fail "validate accepted an unknown memory_limiter key"
fi
grep -q "processors::memory_limiter::limit_mb: unknown key" "$dir/validate-bad.out" ||
  check_fail "bad key not named with its path: $(cat "$dir/validate-bad.out")"

config 4318 $'  memory_limiter:\n    limit_mib: 4' memory_limiter >"$dir/noint.yaml"
if "$OTLPD" validate --config "$dir/noint.yaml" >"$dir/validate-noint.out" 2>&1; then
  check_fail "validate accepted a memory_limiter without check_interval"
fi
grep -q "processors::memory_limiter::check_interval: must be greater than zero" "$dir/validate-noint.out" ||
  check_fail "missing check_interval not reported: $(cat "$dir/validate-noint.out")"

# One request that decodes to more than 3 MiB: a receiver lets it in
# (nothing is held yet); only a memory_limiter refuses it.
python3 - "$dir/big.json" <<'PY'
import json, sys
spans = [{"traceId": "%032x" % (i + 1), "spanId": "%016x" % (i + 1), "name": "big-%d" % i,
          "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000000001000",
          "attributes": [{"key": "k%d" % j, "value": {"stringValue": "v" * 40}} for j in range(4)]}
         for i in range(12000)]
doc = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": spans}]}]}
open(sys.argv[1], "w").write(json.dumps(doc))
PY
post() { # <body file> -> HTTP status on stdout
  curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Content-Type: application/json" \
    --data-binary "@$1" "http://127.0.0.1:$PORT/v1/traces" || echo curl-error
}

# ---- precedence: the env variable alone, then with a memory_limiter ----
daemon_instance plain
OUT=plain.jsonl OTLPD_MEMORY_LIMIT_MIB=3 daemon_start_config config_plain
grep -q "memory limit: receivers refuse data above 3.0 MiB held (OTLPD_MEMORY_LIMIT_MIB)" "$DAEMON_LOG" ||
  check_fail "the env limit is not the one logged in force"
code=$(post "$dir/big.json")
[[ $code == 503 ]] || check_fail "without a memory_limiter, a request past the budget got HTTP $code, want 503"
grep -q "503 collector memory budget is too low for this request now" "$DAEMON_LOG" ||
  check_fail "the budget refusal does not say why"
daemon_stop

daemon_instance roomy
OUT=plain.jsonl OTLPD_MEMORY_LIMIT_MIB=64 daemon_start_config config_plain
code=$(post "$dir/big.json")
[[ $code == 200 ]] || check_fail "without a memory_limiter and with room the big request got HTTP $code, want 200"
daemon_stop

daemon_instance limited
export OTLPD_MEMORY_LIMIT_MIB=100
daemon_start_config config_limited
unset OTLPD_MEMORY_LIMIT_MIB
grep -q "memory limit: receivers refuse data above 3.0 MiB held (memory_limiter; OTLPD_MEMORY_LIMIT_MIB is ignored)" \
  "$DAEMON_LOG" || check_fail "the memory_limiter's soft limit is not the one logged in force"
grep -q "limit 4.0 MiB, spike 1.0 MiB: refusing data above 3.0 MiB held" "$DAEMON_LOG" ||
  check_fail "the memory_limiter did not log its configuration"

# ---- refusal and recovery ----
code=$(post "$dir/big.json")
[[ $code == 503 ]] || check_fail "a request past the soft limit got HTTP $code, want 503"

printf '{"resourceSpans":[{"resource":{},"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"small-after","startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000000001000"}]}]}]}' >"$dir/small.json"
code=$(post "$dir/small.json")
[[ $code == 200 ]] || check_fail "a small request once memory was released got HTTP $code, want 200"
daemon_stop

count() { { grep -o "$1" "$dir/${2:-out.jsonl}" || true; } | wc -l; }
small=$(count '"small-after"')
big=$(count '"big-[0-9]*"')
[[ $small == 1 ]] || check_fail "the accepted span reached the output $small times, want 1"
[[ $big == 0 ]] || check_fail "$big spans of the refused request reached the output"
plain=$(count '"big-[0-9]*"' plain.jsonl)
[[ $plain == 12000 ]] || check_fail "the daemon with room wrote $plain of 12000 spans"
finish_checks memory_limiter_e2e
