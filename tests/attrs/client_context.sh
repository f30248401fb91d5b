#!/usr/bin/env bash
# The client's address and metadata reach processors on both transports:
# an agent otlpd sends over OTLP/gRPC (otlp exporter, header X-Tenant) and
# OTLP/HTTP (otlphttp) to a gateway whose resource processor writes
# from_context client.address and metadata.x-tenant into the resource
# (include_metadata on both protocols). The gateway accepts gRPC on a
# socket it owns and hands gRPC core the fd, so the address must come from
# its own table, not gRPC's "fd:N" peer.
#
# Environment: OTLPD (daemon).

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds curl python3
daemon_init client-context

gateway() { # <grpc port> <http port>
  cat <<YAML
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:$1", include_metadata: true}
      http: {endpoint: "127.0.0.1:$2", include_metadata: true}
processors:
  resource:
    attributes:
      - {key: client.address, from_context: client.address, action: upsert}
      - {key: tenant, from_context: metadata.x-tenant, action: upsert}
exporters:
  file: {path: $WORK/gateway.jsonl, format: json, flush_interval: 20ms}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [resource], exporters: [file]}
    logs: {receivers: [otlp], processors: [resource], exporters: [file]}
YAML
}
daemon_instance gateway
daemon_start_config -n 2 gateway
GW_PID=$DAEMON_PID GRPC_PORT=${PORTS[0]} HTTP_PORT=${PORTS[1]}
on_cleanup "kill -KILL $GW_PID"

agent() { # <http port>
  cat <<YAML
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:$1"}
exporters:
  otlp:
    endpoint: 127.0.0.1:$GRPC_PORT
    tls: {insecure: true}
    headers: {x-tenant: grpc-tenant}
  otlphttp:
    endpoint: http://127.0.0.1:$HTTP_PORT
    headers: {X-Tenant: http-tenant}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [otlp]}
    logs: {receivers: [otlp], exporters: [otlphttp]}
YAML
}
daemon_instance agent
daemon_start_config agent
curl -sf -o /dev/null -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/v1/traces" \
  --data '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"g"}]}]}]}' ||
  fail "agent refused the span"
curl -sf -o /dev/null -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/v1/logs" \
  --data '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"h"}}]}]}]}' ||
  fail "agent refused the log record"
daemon_stop
DAEMON_PID=$GW_PID
daemon_instance gateway
both() { [[ $(wc -l <"$WORK/gateway.jsonl" 2>/dev/null || echo 0) -ge 2 ]]; }
poll_until both || fail "the gateway wrote $(wc -l <"$WORK/gateway.jsonl") lines, want 2"
daemon_stop
python3 - "$WORK/gateway.jsonl" <<'PY' || check_fail "client context missing or wrong"
import json, sys
seen = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    for key in ("resourceSpans", "resourceLogs"):
        for r in d.get(key, []):
            a = {x["key"]: x["value"].get("stringValue") for x in r["resource"].get("attributes", [])}
            seen[key] = a
print(seen)
assert seen["resourceSpans"].get("client.address") == "127.0.0.1", seen
assert seen["resourceSpans"].get("tenant") == "grpc-tenant", seen
assert seen["resourceLogs"].get("client.address") == "127.0.0.1", seen
assert seen["resourceLogs"].get("tenant") == "http-tenant", seen
PY
finish_checks "client context over gRPC and HTTP"
