#!/bin/bash
# The live status page (/ and /status.json on the telemetry endpoint):
#  - /status.json lists every pipeline with its components and counters;
#  - in headless Chromium the page draws every pipeline, and its rates move
#    from 0 while spans are sent; a screenshot is kept as an artefact
#    ($ARTIFACTS/status_page.png, default the work dir).
#
# Needs $OTLPD, node, Debian's chromium (scripts/install-deps --test).

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3 node
HERE=$(cd "$(dirname "$0")" && pwd)
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || fail "chromium is not installed: run scripts/install-deps --test"
daemon_init statuspage
sh "$HERE/../interop/setup.sh" "$HERE" >"$WORK/npm.log" 2>&1 || fail "npm ci in tests/statuspage: $(tail -5 "$WORK/npm.log")"

# config <otlp port> <telemetry port>
config() {
  cat <<YAML
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:$1
processors:
  batch:
    timeout: 100ms
exporters:
  file/traces:
    path: $WORK/traces.jsonl
  file/logs:
    path: $WORK/logs.jsonl
service:
  telemetry:
    metrics:
      address: 127.0.0.1:$2
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [file/traces]}
    logs/app: {receivers: [otlp], processors: [batch], exporters: [file/logs]}
YAML
}
daemon_start_config -n 2 config
TPORT=${PORTS[1]}

curl -sf "http://127.0.0.1:$TPORT/status.json" >"$WORK/status.json" || fail "GET /status.json failed"
python3 - "$WORK/status.json" <<'PY' || check_fail "/status.json does not describe the pipelines"
import json, sys
s = json.load(open(sys.argv[1]))
pipes = {p["id"]: p for p in s["pipelines"]}
assert set(pipes) == {"traces", "logs/app"}, pipes
assert pipes["logs/app"]["signal"] == "logs" and pipes["logs/app"]["exporters"] == ["file/logs"]
kinds = {(c["kind"], c["id"], c["pipeline"]) for c in s["components"]}
assert ("processor", "batch", "traces") in kinds and ("processor", "batch", "logs/app") in kinds, kinds
assert ("receiver", "otlp", None) in kinds and s["ready"] is True
assert s["memory"]["limit"] > 0
PY
ctype=$(curl -s -o "$WORK/page.html" -w '%{content_type}' "http://127.0.0.1:$TPORT/")
[[ $ctype == text/html* ]] || check_fail "/ is served as $ctype"
grep -q '<title>otlpd status</title>' "$WORK/page.html" || check_fail "/ is not the status page"
! grep -qiE 'src="https?:|href="https?:' "$WORK/page.html" || check_fail "the page loads something from the network"

SHOT=${ARTIFACTS:-$WORK}/status_page.png
node "$HERE/status_page.js" "http://127.0.0.1:$TPORT/" "$PORT" "traces,logs/app" "$SHOT" >"$WORK/node.log" 2>&1 ||
  check_fail "status page in Chromium: $(cat "$WORK/node.log")"
cat "$WORK/node.log"
daemon_stop
finish_checks statuspage
