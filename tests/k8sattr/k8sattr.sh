#!/bin/bash
# k8s_attributes end to end against a stand-in API server (api_server.py):
# the daemon lists this node's pods (fieldSelector spec.nodeName from
# K8S_NODE_NAME) with the service account token, in pages (the server
# answers one pod per page, as it may), watches them, and tags
# spans by their k8s.pod.ip. It also lists + watches ReplicaSets (the
# Deployment is the ReplicaSet's owner, not its name trimmed), Namespaces
# (a label rule from: namespace; a MODIFIED namespace changes later spans)
# and this node (a rule from: node). Pods added and deleted through the watch show
# up (and go) in the output; a 410 expiry makes it list again, with a
# rotated token read afresh; a passthrough pipeline adds nothing.
#
# usage: OTLPD=<path to otlpd> k8sattr.sh

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3
daemon_init k8sattr
dir=$WORK
here=$(cd "$(dirname "$0")" && pwd)
helper=$here/k8sattr.py

mkdir -p "$dir/sa"
echo "token-one" >"$dir/sa/token"
echo "not a real CA (http)" >"$dir/sa/ca.crt"
python3 "$helper" pods "$dir/pods.json"
API_PAGE_MAX=1 python3 "$here/api_server.py" "$dir/sa/token" "$dir/api.port" "$dir/pods.json" 2>"$dir/api.log" &
api_pid=$!
on_cleanup "kill $api_pid 2>/dev/null || true"
poll_until test -s "$dir/api.port" || fail "the test API server did not start"
api="http://127.0.0.1:$(cat "$dir/api.port")"
export OTLPD_K8S_API_URL=$api OTLPD_K8S_SA_DIR=$dir/sa K8S_NODE_NAME=node-a

config() {
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
processors:
  k8s_attributes:
    filter: {node_from_env_var: K8S_NODE_NAME}
    extract:
      metadata: [k8s.namespace.name, k8s.pod.name, k8s.pod.uid, k8s.pod.start_time, k8s.deployment.name,
                 k8s.node.name, k8s.replicaset.name]
      labels:
        - {key: app}
        - {key: team, from: namespace}
        - {tag_name: zone, key: topology.kubernetes.io/zone, from: node}
    pod_association:
      - sources: [{from: resource_attribute, name: k8s.pod.ip}]
  k8sattributes/pass:
    passthrough: true
exporters:
  file/tagged: {path: $dir/tagged.jsonl, format: json}
  file/pass: {path: $dir/pass.jsonl, format: json}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [k8s_attributes], exporters: [file/tagged]}
    traces/pass: {receivers: [otlp], processors: [k8sattributes/pass], exporters: [file/pass]}
YAML
}

daemon_start_config config
url="http://127.0.0.1:$PORT/v1/traces"
stats() { curl -sS "$api/_stats"; }
stat() { stats | grep -o "\"$1\": [0-9]*" | grep -o '[0-9]*$'; }
# stat_at_least NAME N: a function, so that poll_until reads the count afresh
# on every poll ("poll_until test "$(stat x)" ..." would test one value)
stat_at_least() { [ "$(stat "$1")" -ge "$2" ]; }
# (written here, not by the helper: python starts slowly on a busy machine)
req_json() {
  printf '{"resourceSpans":[{"resource":{"attributes":[{"key":"k8s.pod.ip","value":{"stringValue":"%s"}},' "$2"
  printf '{"key":"service.name","value":{"stringValue":"svc"}}]},"scopeSpans":[{"spans":[{"traceId":'
  printf '"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"%s","kind":1,' "$1"
  printf '"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}'
}
send() {
  local code
  code=$(req_json "$1" "$2" | curl -sS -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary @- "$url") || code=curl-error
  [ "$code" = 200 ] || check_fail "POST span $1: got $code"
}
ctl() { curl -sS -o /dev/null -X POST "$api/_ctl/$1" "${@:2}"; }
probe_n=0
# Send probes for ip until one comes out tagged with pod (or untagged when
# pod is "-"): the watch event reaches the daemon some time after the
# server published it.
# (grep, not the python helper: python starts slowly on a busy machine;
# the file exporter writes one request per line, here one resource each)
line_of() { grep -F "\"name\":\"$1\"" "$dir/tagged.jsonl" 2>/dev/null; }
probe_until() {
  local ip=$1 pod=$2 name line
  for _ in $(seq 200); do
    probe_n=$((probe_n + 1))
    name=probe-$probe_n
    send "$name" "$ip"
    poll_until line_of "$name" >/dev/null || return 1
    line=$(line_of "$name")
    if [ "$pod" = - ]; then
      [[ $line != *'"key":"k8s.pod.name"'* ]] && return 0
    else
      [[ $line == *"\"key\":\"k8s.pod.name\",\"value\":{\"stringValue\":\"$pod\"}"* ]] && return 0
    fi
    sleep 0.1
  done
  return 1
}

poll_until grep -q "pod table synced: 2 pods" "$DAEMON_LOG" || fail "no pod list applied"
for what in "replicasets synced: 3" "namespaces synced: 2" "nodes synced: 1"; do
  poll_until grep -q "$what" "$DAEMON_LOG" || fail "no \"$what\" in the daemon's log"
done
send span-a 10.1.0.1 # this node's pod
send span-co 10.1.0.8 # a pod whose ReplicaSet's Deployment is not its trimmed name
send span-b 10.1.0.2 # another node's: not listed
send span-x 10.9.9.9 # nobody's

# a namespace's labels change (MODIFIED): later spans carry the new value
ctl modify -H 'Content-Type: application/json' --data-binary "$(python3 "$helper" namespace shop ns-shop team=checkout)"
attr_line_has() { [[ $1 == *"\"key\":\"k8s.namespace.labels.team\",\"value\":{\"stringValue\":\"checkout\"}"* ]]; }
ns_changed=false
for _ in $(seq 200); do
  probe_n=$((probe_n + 1))
  send "probe-$probe_n" 10.1.0.8
  poll_until line_of "probe-$probe_n" >/dev/null || break
  if attr_line_has "$(line_of "probe-$probe_n")"; then ns_changed=true; break; fi
  sleep 0.1
done
$ns_changed || check_fail "a MODIFIED namespace's new labels never reached the spans"
ns_probe=probe-$probe_n

# a pod added through the watch
ctl add -H 'Content-Type: application/json' --data-binary "$(python3 "$helper" pod web-0 uid-c 10.1.0.3)"
probe_until 10.1.0.3 web-0 || check_fail "a pod ADDED through the watch never tagged spans"
# a pod on another node never shows (the watch asks for this node's only)
ctl add -H 'Content-Type: application/json' --data-binary "$(python3 "$helper" pod far-1 uid-f 10.1.0.6 node-b)"
# deleted: its IP tags nothing any more
ctl delete/uid-a
probe_until 10.1.0.1 - || check_fail "a pod DELETED through the watch still tagged spans"
ctl bookmark

# the token rotates, then the watch expires (410): the daemon lists again
# with the new token and goes on watching
echo "token-two" >"$dir/sa/token"
lists_before=$(stat lists)
ctl expire
poll_until stat_at_least lists $((lists_before + 1)) || check_fail "no relist after the 410 expiry"
ctl add -H 'Content-Type: application/json' --data-binary "$(python3 "$helper" pod web-1 uid-d 10.1.0.4)"
probe_until 10.1.0.4 web-1 || check_fail "a pod added after the relist never tagged spans"
send span-far 10.1.0.6

# paginated relist: three pods of this node now (web-0, web-1, web-2), one
# per page; the snapshot is compacted between two pages (410 on the
# continue token): the daemon lists again from the first page and ends
# with all three
ctl add -H 'Content-Type: application/json' --data-binary "$(python3 "$helper" pod web-2 uid-e 10.1.0.5)"
probe_until 10.1.0.5 web-2 || check_fail "web-2 (added through the watch) never tagged spans"
pages_before=$(stat pages)
lists_before=$(stat lists)
ctl expire_continue
ctl expire
poll_until stat_at_least continue_gone 1 || check_fail "the daemon never asked for a second page"
poll_until grep -q "continue token expired" "$DAEMON_LOG" || check_fail "no restart after the expired continue token"
poll_until stat_at_least pages $((pages_before + 4)) ||
  check_fail "no full paginated relist (pages: $(stat pages), before: $pages_before; lists $(stat lists), before: $lists_before): $(stats)"
[ "$(stat lists)" -ge $((lists_before + 2)) ] || check_fail "the relist did not start over from the first page"
ctl delete/uid-e
probe_until 10.1.0.5 - || check_fail "a pod deleted after the paginated relist still tagged spans"
probe_until 10.1.0.3 web-0 || check_fail "web-0 lost by the paginated relist"
probe_until 10.1.0.4 web-1 || check_fail "web-1 lost by the paginated relist"
daemon_stop

a=$(python3 "$helper" attrs "$dir/tagged.jsonl" span-a) || fail "span-a missing from the output"
python3 - "$a" <<'PY' || check_fail "span-a's resource attributes: $a"
import json, sys
a = json.loads(sys.argv[1])
want = {"k8s.pod.ip": "10.1.0.1", "service.name": "svc", "k8s.namespace.name": "shop",
        "k8s.pod.name": "cart-7d9f8b6c5d-x2x4q", "k8s.pod.uid": "uid-a",
        "k8s.pod.start_time": "2026-11-29T09:00:00Z", "k8s.deployment.name": "cart",
        "k8s.replicaset.name": "cart-7d9f8b6c5d", "k8s.node.name": "node-a", "k8s.pod.labels.app": "cart",
        "k8s.namespace.labels.team": "payments", "zone": "eu-1a"}
sys.exit(0 if a == want else 1)
PY
co=$(python3 "$helper" attrs "$dir/tagged.jsonl" span-co) || fail "span-co missing from the output"
python3 - "$co" <<'PY' || check_fail "span-co's resource attributes (Deployment from the ReplicaSet's owner): $co"
import json, sys
a = json.loads(sys.argv[1])
ok = a.get("k8s.deployment.name") == "checkout" and a.get("k8s.replicaset.name") == "checkout-v2-5f6d7c8b9a"
ok = ok and a.get("k8s.pod.name") == "checkout-v2-5f6d7c8b9a-q8m2z" and a.get("k8s.namespace.labels.team") == "payments"
sys.exit(0 if ok else 1)
PY
n=$(python3 "$helper" attrs "$dir/tagged.jsonl" "$ns_probe") || fail "$ns_probe missing from the output"
python3 - "$n" <<'PY' || check_fail "after the namespace MODIFIED event: $n"
import json, sys
a = json.loads(sys.argv[1])
sys.exit(0 if a.get("k8s.namespace.labels.team") == "checkout" and a.get("k8s.deployment.name") == "checkout" else 1)
PY
python3 "$helper" untagged "$dir/tagged.jsonl" span-b || check_fail "another node's pod tagged span-b"
python3 "$helper" untagged "$dir/tagged.jsonl" span-x || check_fail "an unknown IP got tagged"
python3 "$helper" untagged "$dir/tagged.jsonl" span-far || check_fail "a pod on another node (added by watch) tagged a span"
# passthrough: no API use, nothing added (no connection address either)
p=$(python3 "$helper" attrs "$dir/pass.jsonl" span-a) || check_fail "span-a missing from the passthrough output"
[ "$p" = '{"k8s.pod.ip": "10.1.0.1", "service.name": "svc"}' ] || check_fail "passthrough changed span-a: $p"

s=$(stats)
python3 - "$s" <<'PY' || check_fail "API server saw: $s"
import json, sys
s = json.loads(sys.argv[1])
ok = s["unauthorized"] == 0 and s["lists"] >= 2 and s["watches"] >= 2
ok = ok and all("fieldSelector=spec.nodeName%3Dnode-a" in q for q in s["queries"])
ok = ok and any("watch=1" in q and "allowWatchBookmarks=true" in q for q in s["queries"])
lists = [q for q in s["queries"] if "watch=1" not in q]
ok = ok and all("limit=500" in q for q in lists) and any("continue=" in q for q in lists)
# the side tables: listed and watched; only this node among the nodes
ok = ok and all(s.get(r + "_lists", 0) >= 1 and s.get(r + "_watches", 0) >= 1
                for r in ("replicasets", "namespaces", "nodes"))
ok = ok and all("fieldSelector=metadata.name%3Dnode-a" in q for q in s["nodes_queries"])
sys.exit(0 if ok else 1)
PY
finish_checks "k8sattr: paginated list + watch (add, delete, 410 relist, expired continue token, rotated token), tags by k8s.pod.ip, node filter, Deployment from the ReplicaSet, namespace and node labels (namespace MODIFIED), passthrough"
