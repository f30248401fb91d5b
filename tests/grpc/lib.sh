# Shared helpers for the OTLP/gRPC end-to-end tests (sourced, bash).
#
# Needs: OTLPD (daemon binary) and OTLPD_SRC (source tree) in the
# environment; tests/grpc.cmake sets both.

set -euo pipefail

: "${OTLPD:?path to the otlpd binary}"
: "${OTLPD_SRC:?path to the source tree}"
GRPC_TESTS="$OTLPD_SRC/tests/grpc"
INTEROP="$OTLPD_SRC/tests/interop"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/otlpd-grpc.XXXXXX")"
DAEMON_PID=""

cleanup() {
  if [[ -n "$DAEMON_PID" ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then kill -KILL "$DAEMON_PID" 2>/dev/null || true; fi
  if [[ -z "${KEEP_WORK:-}" ]]; then rm -rf "$WORK"; else echo "work dir kept: $WORK"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  if [[ -f "$WORK/daemon.log" ]]; then
    echo "---- daemon log ----" >&2
    tail -n 40 "$WORK/daemon.log" >&2
  fi
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The JS SDK lives in tests/interop/node_modules (not committed): the shared
# tests/interop/setup.sh runs `npm ci` from the lock file when it is missing
# or stale (serialised across parallel tests).
ensure_node_modules() {
  command -v node >/dev/null || fail "node is required"
  sh "$INTEROP/setup.sh" >"$WORK/npm.log" 2>&1 || {
    cat "$WORK/npm.log" >&2
    fail "npm ci in tests/interop failed"
  }
}

# start_daemon CONFIG PORT: runs otlpd and waits until PORT accepts.
start_daemon() {
  local cfg="$1" port="$2"
  "$OTLPD" --config "$cfg" >"$WORK/daemon.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 200); do
    kill -0 "$DAEMON_PID" 2>/dev/null || fail "otlpd exited during start-up"
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  fail "otlpd did not listen on port $port"
}

# stop_daemon: SIGTERM, and the daemon must drain and exit 0.
stop_daemon() {
  kill -0 "$DAEMON_PID" 2>/dev/null || fail "otlpd is not running any more (crashed?)"
  kill -TERM "$DAEMON_PID"
  local rc=0
  wait "$DAEMON_PID" || rc=$?
  DAEMON_PID=""
  [[ $rc -eq 0 ]] || fail "otlpd exited with status $rc after SIGTERM (want 0)"
}

# write_config FILE OUT RECEIVERS_YAML: pipelines for all three signals
# from the receivers named in $RECEIVER_IDS (default: otlp) to file/x.
write_config() {
  local file="$1" out="$2" receivers="$3" ids="${RECEIVER_IDS:-otlp}"
  cat >"$file" <<EOF
receivers:
$receivers
exporters:
  file/x:
    path: $out
    format: json
service:
  pipelines:
    traces: {receivers: [$ids], exporters: [file/x]}
    metrics: {receivers: [$ids], exporters: [file/x]}
    logs: {receivers: [$ids], exporters: [file/x]}
EOF
}
