#!/usr/bin/env bash
# keepalive::server_parameters on the gRPC receiver: max_connection_idle
# ends an idle connection (GOAWAY), max_connection_age ends a busy one;
# without them the same connections stay open over the same wait.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds node
daemon_init rx-grpc-conn
here=$(dirname "$0")

config() { # <plain> <idle 1s> <age 1s>
  {
    otlp_receiver otlp grpc "127.0.0.1:$1"
    otlp_receiver otlp/idle grpc "127.0.0.1:$2" "keepalive:" "  server_parameters:" "    max_connection_idle: 1s"
    otlp_receiver otlp/age grpc "127.0.0.1:$3" "keepalive:" "  server_parameters:" "    max_connection_age: 1s" \
      "    max_connection_age_grace: 1s"
  } | file_exporter_config "$WORK/out.jsonl" "otlp, otlp/idle, otlp/age"
}
daemon_start_config -n 3 config
plain=${PORTS[0]} idle=${PORTS[1]} age=${PORTS[2]}
life() { node "$here/grpc_conn_life.js" "$@"; }

out=$(life "$idle" idle 8)
[[ $out == goaway* || $out == closed* ]] || check_fail "max_connection_idle 1s: idle connection not ended: $out"
[[ $out == *" 1" ]] || check_fail "max_connection_idle: the first call did not succeed: $out"
out=$(life "$age" busy 8)
[[ $out == goaway* || $out == closed* ]] || check_fail "max_connection_age 1s: busy connection not ended: $out"
out=$(life "$plain" idle 4)
[[ $out == open* ]] || check_fail "without max_connection_idle the idle connection was ended: $out"
out=$(life "$plain" busy 4)
[[ $out == open* ]] || check_fail "without max_connection_age the busy connection was ended: $out"
daemon_stop
finish_checks rx_grpc_conn_limits
