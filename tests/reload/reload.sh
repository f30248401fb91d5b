#!/bin/bash
# SIGHUP reload end to end, under load:
#  - a valid new config (a second file exporter added) is taken: the pid
#    stays the same, the new exporter receives data afterwards, and every
#    span a client got 200 for is in the first exporter's file exactly once
#    (the file continues across the reload instead of starting over);
#  - an invalid config is refused with its error logged, and the daemon
#    keeps serving with the running config;
#  - the listeners of endpoints that did not change stay open across the
#    reload (the same sockets, HTTP and gRPC: no client sees a refused
#    connection), and one whose endpoint changed moves;
#  - SIGTERM afterwards still drains and exits 0;
#  - a daemon that fails to start (port taken) leaves its output file alone.
#
# Needs $OTLPD.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3
daemon_init reload

A=$WORK/a.jsonl B=$WORK/b.jsonl
# config <otlp port> [with_b] [grpc port]
config() {
  cat <<YAML
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${3:-$GRPC_PORT}
      http:
        endpoint: 127.0.0.1:$1
processors:
  batch:
    timeout: 50ms
exporters:
  file/a:
    path: $A
YAML
  [[ ${2:-} == with_b ]] && printf '  file/b:\n    path: %s\n' "$B"
  cat <<YAML
service:
  telemetry:
    metrics: {level: none}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/a$([[ ${2:-} == with_b ]] && echo ", file/b")]
YAML
}

GRPC_PORT=$(free_port)
daemon_start_config config
PID0=$DAEMON_PID
# The inode of the socket listening on a port (same inode = same socket).
listen_inode() {
  python3 - "$1" <<'PY'
import sys
port = "%04X" % int(sys.argv[1])
for f in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(f).read().splitlines()[1:]:
        c = line.split()
        if c[1].endswith(":" + port) and c[3] == "0A":
            print(c[9]); sys.exit(0)
print("none")
PY
}
HTTP_INODE=$(listen_inode "$PORT") GRPC_INODE=$(listen_inode "$GRPC_PORT")

# A second daemon whose port is taken fails to start and must leave its
# output file as it was (it truncates only once it writes).
echo keep >"$WORK/x.jsonl"
sed "s|$A|$WORK/x.jsonl|" "$DAEMON_CONFIG" >"$WORK/taken.yaml"
if "$OTLPD" --config "$WORK/taken.yaml" >"$WORK/taken.log" 2>&1; then
  check_fail "a daemon started on a port already taken"
fi
[[ $(cat "$WORK/x.jsonl") == keep ]] || check_fail "a failed start emptied the file exporter's output"

# One request = 3 spans; the sender counts the 200s it got.
cat >"$WORK/send.py" <<'PY'
import json, sys, time, urllib.request, urllib.error
port, stop_file, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ok = 0
i = 0
import os
while not os.path.exists(stop_file):
    i += 1
    spans = [{"traceId": "%032x" % (i * 4 + k), "spanId": "%016x" % (i * 4 + k), "name": "s%d" % i}
             for k in range(3)]
    body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).encode()
    req = urllib.request.Request("http://127.0.0.1:%d/v1/traces" % port, data=body,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            if r.status == 200:
                ok += 1
    except (urllib.error.URLError, ConnectionError, OSError):
        time.sleep(0.01)  # refused during the reload's drain: a real client retries
with open(out, "w") as f:
    f.write("%d\n" % (ok * 3))
PY
python3 "$WORK/send.py" "$PORT" "$WORK/stop" "$WORK/sent" &
sender=$!
on_cleanup "touch $WORK/stop; kill $sender 2>/dev/null || true"

lines_in() { [[ -s $1 ]]; }
poll_until lines_in "$A" || fail "no data written before the reload"

# ---- a valid new config ----
config "$PORT" with_b >"$DAEMON_CONFIG"
kill -HUP "$DAEMON_PID"
# (the listener stays open throughout: wait for the new run's start line)
reloaded() { grep -q "restarting with the new configuration" "$DAEMON_LOG" && [[ $(grep -c "started:" "$DAEMON_LOG") -ge 2 ]]; }
poll_until reloaded || fail "the daemon did not reload and listen again"
kill -0 "$PID0" 2>/dev/null || fail "the daemon's process is gone after SIGHUP"
[[ $(listen_inode "$PORT") == "$HTTP_INODE" ]] || check_fail "the HTTP listener was closed and reopened across the reload"
[[ $(listen_inode "$GRPC_PORT") == "$GRPC_INODE" ]] || check_fail "the gRPC listener was closed and reopened across the reload"
grep -q "http: kept the listener across the reload" "$DAEMON_LOG" || check_fail "the kept HTTP listener is not logged"
[[ $(grep -c "started:" "$DAEMON_LOG") -eq 2 ]] || check_fail "expected two starts in the log"

# ---- an endpoint that changed moves: the old port is closed, the new one listens ----
GRPC_PORT2=$(free_port)
config "$PORT" with_b "$GRPC_PORT2" >"$DAEMON_CONFIG"
kill -HUP "$DAEMON_PID"
moved() { [[ $(grep -c "started:" "$DAEMON_LOG") -eq 3 ]] && listening "$GRPC_PORT2"; }
poll_until moved || fail "the daemon did not reload onto the new gRPC port"
[[ $(listen_inode "$GRPC_PORT") == none ]] || check_fail "the old gRPC port still listens after its endpoint changed"
[[ $(listen_inode "$PORT") == "$HTTP_INODE" ]] || check_fail "the HTTP listener was not kept on the second reload"
GRPC_PORT=$GRPC_PORT2
poll_until lines_in "$B" || check_fail "the exporter the new config added received nothing"

# ---- an invalid new config ----
{ config "$PORT" with_b; echo "exporter: {}"; } >"$DAEMON_CONFIG"
kill -HUP "$DAEMON_PID"
refused() { grep -q "new configuration is invalid; keeping the running one" "$DAEMON_LOG"; }
poll_until refused || fail "an invalid config was not refused"
grep -q 'reload: exporter: unknown top-level section (did you mean "exporters"?)' "$DAEMON_LOG" ||
  check_fail "the refused config's error is not in the log"
size_before=$(wc -c <"$B")
grown() { [[ $(wc -c <"$B") -gt $size_before ]]; }
poll_until grown || check_fail "the daemon stopped serving after refusing a config"
[[ $(grep -c "started:" "$DAEMON_LOG") -eq 3 ]] || check_fail "an invalid config restarted the daemon"

touch "$WORK/stop"
wait "$sender"
daemon_stop
# Each drain (the reload's and SIGTERM's) says what every component did.
[[ $(grep -c "totals otlp: accepted [0-9]* spans" "$DAEMON_LOG") -eq 3 ]] ||
  check_fail "the receiver's totals are not logged at each drain"
grep -q "totals file/b: sent [0-9]* spans" "$DAEMON_LOG" || check_fail "file/b's totals are not logged"

# Every span answered 200 is in file/a exactly once.
python3 - "$A" "$(cat "$WORK/sent")" <<'PY' || check_fail "file/a does not hold every accepted span exactly once"
import collections, json, sys
seen = collections.Counter()
for line in open(sys.argv[1]):
    for rs in json.loads(line)["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                seen[sp["spanId"]] += 1
sent = int(sys.argv[2])
dups = sum(1 for c in seen.values() if c > 1)
print(f"accepted {sent} spans, file/a holds {sum(seen.values())} ({len(seen)} distinct, {dups} duplicated)")
sys.exit(0 if sent > 0 and len(seen) == sent and dups == 0 else 1)
PY
finish_checks reload
