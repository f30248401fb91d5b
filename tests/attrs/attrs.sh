#!/bin/bash
# One receiver, two pipelines per signal. A: resourcedetection (env,
# system, k8snode) -> resource (upsert) -> attributes (delete, hash,
# extract; for traces only spans named GET*) -> batch -> file. B: no
# processors -> file. A must carry every edit, B exactly what was sent;
# both must hold every item. Also: a matcher that otelcol rejects for the
# pipeline's signal makes `otlpd validate` fail naming it.
#
# usage: OTLPD=<path to otlpd> attrs.sh

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3
daemon_init attrs
dir=$WORK

export OTEL_RESOURCE_ATTRIBUTES='deployment.environment=e2e%2Ctest, team = from-env'
export K8S_NODE_NAME=node-e2e

config() {
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
  batch:
    timeout: 50ms
  resourcedetection:
    detectors: [env, system, k8snode, gcp]
    system: {hostname_sources: [os]}
  resource:
    attributes:
      - {key: team, value: core, action: upsert}
  attributes/spans:
    actions:
      - {key: password, action: delete}
      - {key: user.email, action: hash}
      - {key: http.url, pattern: "^(?P<url_scheme>[a-z]+)://(?P<server_address>[^/:]+)", action: extract}
    include: {match_type: regexp, span_names: ["^GET "]}
  attributes/all:
    actions:
      - {pattern: "^pass", action: delete}
      - {key: user.email, action: hash}
exporters:
  file/a: {path: $dir/a.jsonl, format: json}
  file/b: {path: $dir/b.jsonl, format: json}
service:
  pipelines:
    traces/a: {receivers: [otlp], processors: [resourcedetection, resource, attributes/spans, batch], exporters: [file/a]}
    traces/b: {receivers: [otlp], exporters: [file/b]}
    logs/a: {receivers: [otlp], processors: [resourcedetection, resource, attributes/all, batch], exporters: [file/a]}
    logs/b: {receivers: [otlp], exporters: [file/b]}
    metrics/a: {receivers: [otlp], processors: [resourcedetection, resource, attributes/all, batch], exporters: [file/a]}
    metrics/b: {receivers: [otlp], exporters: [file/b]}
YAML
}

ATTRS='[{"key":"password","value":{"stringValue":"hunter2"}},{"key":"user.email","value":{"stringValue":"a@b.c"}},{"key":"http.url","value":{"stringValue":"https://shop.example/cart"}}]'
RES='{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}},{"key":"team","value":{"stringValue":"orig"}}]}'
TID='"traceId":"0102030405060708090a0b0c0d0e0f10"'
cat >"$dir/traces.json" <<JSON
{"resourceSpans":[{"resource":$RES,"scopeSpans":[{"spans":[
 {$TID,"spanId":"0102030405060701","name":"GET /cart","attributes":$ATTRS},
 {$TID,"spanId":"0102030405060702","name":"other","attributes":$ATTRS}]}]}]}
JSON
cat >"$dir/logs.json" <<JSON
{"resourceLogs":[{"resource":$RES,"scopeLogs":[{"logRecords":[{"body":{"stringValue":"l"},"attributes":$ATTRS}]}]}]}
JSON
cat >"$dir/metrics.json" <<JSON
{"resourceMetrics":[{"resource":$RES,"scopeMetrics":[{"metrics":[{"name":"m","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{"asInt":"3","attributes":$ATTRS}]}}]}]}]}
JSON

daemon_start_config config
url="http://127.0.0.1:$PORT"
post() { # <signal>
  local code
  code=$(curl -sS -o "$dir/resp" -w '%{http_code}' -H "Content-Type: application/json" \
    --data-binary "@$dir/$1.json" "$url/v1/$1") || code=curl-error
  [ "$code" = 200 ] || check_fail "POST /v1/$1: got $code"
}
post traces
post logs
post metrics
daemon_stop
grep -q 'detectors\[3\]: "gcp" is not supported' "$DAEMON_LOG" ||
  check_fail "no warning for the gcp detector in the daemon log"

python3 - "$dir" <<'PY' || check_fail "pipeline outputs are not what each pipeline should write"
import hashlib, json, socket, sys
d = sys.argv[1]
def load(name):
    out = {"traces": [], "logs": [], "metrics": []}
    for line in open(f"{d}/{name}.jsonl"):
        req = json.loads(line)
        for sig, key, scopes, items in (("traces", "resourceSpans", "scopeSpans", "spans"),
                                        ("logs", "resourceLogs", "scopeLogs", "logRecords"),
                                        ("metrics", "resourceMetrics", "scopeMetrics", "metrics")):
            for r in req.get(key, []):
                res = {a["key"]: a["value"].get("stringValue") for a in r.get("resource", {}).get("attributes", [])}
                for s in r.get(scopes, []):
                    for it in s.get(items, []):
                        if sig == "metrics":
                            for dp in it["sum"]["dataPoints"]:
                                out[sig].append((res, "m", dp.get("attributes", [])))
                        else:
                            out[sig].append((res, it.get("name"), it.get("attributes", [])))
    return out
def attrs(kvs):
    return {a["key"]: a["value"].get("stringValue") for a in kvs}
errors = []
def want(cond, msg):
    if not cond: errors.append(msg)
a, b = load("a"), load("b")
sha = hashlib.sha256(b"a@b.c").hexdigest()
orig = {"password": "hunter2", "user.email": "a@b.c", "http.url": "https://shop.example/cart"}
for sig, n in (("traces", 2), ("logs", 1), ("metrics", 1)):
    want(len(a[sig]) == n, f"A {sig}: {len(a[sig])} items, want {n}")
    want(len(b[sig]) == n, f"B {sig}: {len(b[sig])} items, want {n}")
    for res, name, kvs in b[sig]:
        want(res == {"service.name": "shop", "team": "orig"}, f"B {sig} resource edited: {res}")
        want(attrs(kvs) == orig, f"B {sig} {name} attributes edited: {attrs(kvs)}")
    for res, name, kvs in a[sig]:
        want(res.get("k8s.node.name") == "node-e2e", f"A {sig}: k8s.node.name {res.get('k8s.node.name')}")
        want(res.get("deployment.environment") == "e2e,test", f"A {sig}: env {res.get('deployment.environment')}")
        want(res.get("host.name") == socket.gethostname(), f"A {sig}: host.name {res.get('host.name')}")
        want(res.get("os.type") == "linux", f"A {sig}: os.type {res.get('os.type')}")
        want(res.get("team") == "core", f"A {sig}: team {res.get('team')} (resource runs after detection)")
        got = attrs(kvs)
        edited = sig != "traces" or name.startswith("GET ")
        if edited:
            want("password" not in got, f"A {sig} {name}: password kept")
            want(got.get("user.email") == sha, f"A {sig} {name}: user.email {got.get('user.email')}")
        else:
            want(got == orig, f"A traces {name} (not included) edited: {got}")
        if sig == "traces" and edited:
            want(got.get("url_scheme") == "https" and got.get("server_address") == "shop.example",
                 f"A traces {name}: extract gave {got}")
for e in errors: print(e)
sys.exit(1 if errors else 0)
PY

# otelcol rejects span matchers in a logs pipeline: so does validate
cat >"$dir/bad.yaml" <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:1")
processors:
  attributes:
    actions: [{key: k, action: delete}]
    include: {match_type: strict, span_names: [x]}
exporters:
  file: {path: $dir/bad.jsonl}
service:
  pipelines:
    logs: {receivers: [otlp], processors: [attributes], exporters: [file]}
YAML
if "$OTLPD" validate --config "$dir/bad.yaml" >"$dir/bad.out" 2>&1; then
  check_fail "validate accepted span_names in a logs pipeline"
fi
grep -q 'processors::attributes::include (in a logs pipeline): services, span_names' "$dir/bad.out" ||
  check_fail "validate did not name the matcher: $(cat "$dir/bad.out")"

finish_checks "attrs: resourcedetection -> resource -> attributes edits one pipeline, the other sees the original"
