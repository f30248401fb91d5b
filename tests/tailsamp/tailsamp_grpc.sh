#!/bin/bash
# tail_sampling end to end over OTLP/gRPC: @grpc/grpc-js -> otlp receiver
# (gRPC) -> [tail_sampling, batch] -> file exporter, with rate_limiting,
# and, drop and composite policies over the deterministic workload of
# grpc_workload.py (see there for the groups and what each keeps).
#
# Each round is one Export call, so its traces share their arrival time and
# are decided in one timer tick, which evaluates rate budgets against one
# wall-clock second. Round 2 is sent once round 1's output is complete, so
# it is decided at least decision_wait (2s) later: in a later second, with
# fresh budgets. The counts are therefore exact: 10 rate traces and 5 + 5
# composite traces per round, nothing timed is asserted.
#
# usage: OTLPD=<path to otlpd> tailsamp_grpc.sh

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds node python3
daemon_init tailsamp-grpc
ensure_node_modules
dir=$WORK
here=$(dirname "$0")
wl=$here/grpc_workload.py

config() {
  cat <<YAML
receivers:
$(otlp_receiver otlp grpc "127.0.0.1:$1")
processors:
  tail_sampling:
    decision_wait: 2s
    num_traces: 10000
    policies:
      - name: rate
        type: and
        and:
          and_sub_policy:
            - {name: rate-group, type: string_attribute, string_attribute: {key: group, values: [rate]}}
            - {name: rate-limit, type: rate_limiting, rate_limiting: {spans_per_second: 50}}
      - name: comp
        type: composite
        composite:
          max_total_spans_per_second: 40
          policy_order: [c-err, c-any]
          composite_sub_policy:
            - name: c-err
              type: and
              and:
                and_sub_policy:
                  - {name: g, type: string_attribute, string_attribute: {key: group, values: [comp]}}
                  - {name: e, type: status_code, status_code: {status_codes: [ERROR]}}
            - {name: c-any, type: string_attribute, string_attribute: {key: group, values: [comp]}}
          rate_allocation:
            - {policy: c-err, percent: 50}
            - {policy: c-any, percent: 50}
      - name: big-errors
        type: and
        and:
          and_sub_policy:
            - {name: g, type: string_attribute, string_attribute: {key: group, values: [and]}}
            - {name: e, type: status_code, status_code: {status_codes: [ERROR]}}
            - {name: n, type: span_count, span_count: {min_spans: 3}}
      - {name: keep, type: string_attribute, string_attribute: {key: group, values: [keep]}}
      - name: no-drop-me
        type: drop
        drop:
          drop_sub_policy:
            - {name: d, type: string_attribute, string_attribute: {key: drop.me, values: ["yes"]}}
  batch:
    timeout: 50ms
exporters:
  file: {path: $dir/out.jsonl, format: json}
service:
  pipelines:
    traces: {receivers: [otlp], processors: [tail_sampling, batch], exporters: [file]}
YAML
}

spans_out() { python3 "$wl" count "$dir/out.jsonl"; }
spans_at_least() { (($(spans_out) >= $1)); }

: >"$dir/expect.txt"
kept1=$(python3 "$wl" make "$dir" 1)
kept2=$(python3 "$wl" make "$dir" 2)
daemon_start_config config

node "$here/send_grpc_raw.js" "127.0.0.1:$PORT" "$dir/round1.pb" || fail "round 1: the Export call failed"
POLLS=1200 poll_until spans_at_least "$kept1" || fail "round 1: kept traces never arrived ($(spans_out) of $kept1 spans)"
node "$here/send_grpc_raw.js" "127.0.0.1:$PORT" "$dir/round2.pb" || fail "round 2: the Export call failed"
POLLS=1200 poll_until spans_at_least $((kept1 + kept2)) ||
  fail "round 2: kept traces never arrived ($(spans_out) of $((kept1 + kept2)) spans)"
daemon_stop
python3 "$wl" check "$dir" "$dir/out.jsonl" ||
  check_fail "output is not exactly the kept traces with all their spans"
finish_checks "tailsamp_grpc: rate_limiting, composite, and, drop decide whole traces at their rates over gRPC"
