#!/usr/bin/env bash
# loadbalancing exporter end to end: an agent otlpd (OTLP/HTTP in, curl)
# routes to three gateway otlpd (OTLP/gRPC in -> file) with the
# loadbalancing exporter; check.py proves every item arrived exactly once
# and every trace sits whole on the gateway otelcol's ring picks.
#
#   lb.sh static     three gateways, traces + logs by trace id, metrics by service
#   lb.sh down_up    one gateway is down at first: its share waits in its
#                    backend's queue and arrives once it is up, exactly once
#   lb.sh dns        resolver::dns on a numeric name: one backend
#
# Environment: OTLPD (daemon), OTLPD_SRC (source tree).

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"

mode=${1:?usage: lb.sh <mode>}
here=$(cd "$(dirname "$0")" && pwd)
require_cmds curl python3
daemon_init "lb-$mode"

post() { # <port> <signal> <req> <n>
  python3 "$here/gen.py" "$2" "$3" "$4" >"$WORK/body.json"
  curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
    --data-binary "@$WORK/body.json" "http://127.0.0.1:$1/v1/$2"
}

gateway_config() { # <port> <n>
  cat <<YAML
receivers:
$(otlp_receiver otlp grpc "127.0.0.1:$1")
exporters:
  file:
    path: $WORK/gw$2.jsonl
    format: json
    flush_interval: 20ms
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [file]}
    metrics: {receivers: [otlp], exporters: [file]}
    logs: {receivers: [otlp], exporters: [file]}
YAML
}

GW_PORTS=() GW_PIDS=()
start_gateway() { # <n> [port]
  local n=$1
  daemon_instance "gw$n"
  if [[ -n ${2:-} ]]; then
    gateway_config "$2" "$n" >"$DAEMON_CONFIG"
    _daemon_spawn "$DAEMON_CONFIG" "$2" || fail "gateway $n did not start on port $2"
    PORT=$2
  else
    gw() { gateway_config "$1" "$n"; }
    daemon_start_config gw
  fi
  GW_PORTS[n]=$PORT GW_PIDS[n]=$DAEMON_PID
  on_cleanup "kill -KILL $DAEMON_PID"
}

stop_gateway() { # <n>
  daemon_instance "gw$1"
  DAEMON_PID=${GW_PIDS[$1]}
  daemon_stop
}

agent_config() { # <http port> <resolver yaml (indented 6)>
  cat <<YAML
receivers:
$(otlp_receiver otlp http "127.0.0.1:$1")
exporters:
  loadbalancing:
    protocol:
      otlp:
        tls:
          insecure: true
        timeout: 2s
        retry_on_failure:
          initial_interval: 50ms
          max_interval: 200ms
          max_elapsed_time: 0
    resolver:
$RESOLVER
  file/local:
    path: $WORK/agent.jsonl
    format: json
    flush_interval: 20ms
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [loadbalancing, file/local]}
    metrics: {receivers: [otlp], exporters: [loadbalancing, file/local]}
    logs: {receivers: [otlp], exporters: [loadbalancing, file/local]}
YAML
}

send_all() { # <requests>
  for ((q = 0; q < $1; q++)); do
    [[ $(post "$PORT" traces "$q" 24) == 200 ]] || fail "traces request $q refused"
    [[ $(post "$PORT" logs "$q" 16) == 200 ]] || fail "logs request $q refused"
    [[ $(post "$PORT" metrics "$q" 6) == 200 ]] || fail "metrics request $q refused"
  done
}

gateway_files_total() {
  cat "$WORK"/gw*.jsonl 2>/dev/null | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    d = json.loads(line)
    for rk, sk, ik in (("resourceSpans", "scopeSpans", "spans"), ("resourceLogs", "scopeLogs", "logRecords"),
                       ("resourceMetrics", "scopeMetrics", "metrics")):
        n += sum(len(s.get(ik, [])) for r in d.get(rk, []) for s in r.get(sk, []))
print(n)'
}
all_arrived() { [[ $(gateway_files_total) -ge $1 ]]; }

case $mode in
static | down_up)
  start_gateway 0
  start_gateway 1
  if [[ $mode == down_up ]]; then
    GW2_PORT=$(free_port)
  else
    start_gateway 2
    GW2_PORT=${GW_PORTS[2]}
  fi
  EPS="127.0.0.1:${GW_PORTS[0]},127.0.0.1:${GW_PORTS[1]},127.0.0.1:$GW2_PORT"
  RESOLVER="      static:
        hostnames: [127.0.0.1:${GW_PORTS[0]}, 127.0.0.1:${GW_PORTS[1]}, 127.0.0.1:$GW2_PORT]"
  daemon_instance agent
  write() { agent_config "$1"; }
  daemon_start_config write
  AGENT_PID=$DAEMON_PID
  send_all 5
  total=$((5 * (24 + 16 + 6)))
  if [[ $mode == down_up ]]; then
    sleep 1 # some attempts to the missing gateway fail and are retried
    start_gateway 2 "$GW2_PORT"
  fi
  POLLS=600 poll_until all_arrived $total || fail "the gateways hold $(gateway_files_total) of $total items"
  daemon_instance agent
  DAEMON_PID=$AGENT_PID
  daemon_stop
  for n in 0 1 2; do stop_gateway $n; done
  python3 "$here/check.py" "$WORK/agent.jsonl" "$EPS" "$WORK/gw0.jsonl" "$WORK/gw1.jsonl" "$WORK/gw2.jsonl" ||
    check_fail "routing or delivery is wrong"
  ;;
dns)
  start_gateway 0
  RESOLVER="      dns:
        hostname: 127.0.0.1
        port: ${GW_PORTS[0]}
        interval: 200ms"
  daemon_instance agent
  write() { agent_config "$1"; }
  daemon_start_config write
  AGENT_PID=$DAEMON_PID
  send_all 2
  POLLS=600 poll_until all_arrived $((2 * 46)) || fail "the gateway holds $(gateway_files_total) items"
  daemon_instance agent
  DAEMON_PID=$AGENT_PID
  daemon_stop
  stop_gateway 0
  python3 "$here/check.py" "$WORK/agent.jsonl" "127.0.0.1:${GW_PORTS[0]}" "$WORK/gw0.jsonl" ||
    check_fail "dns-resolved backend did not get exactly the agent's items"
  grep -q "dns: 127.0.0.1 -> 1 backends" "$WORK/otlpd-agent.log" || check_fail "the resolution is not logged"
  ;;
*) fail "unknown mode $mode" ;;
esac
finish_checks "loadbalancing $mode"
