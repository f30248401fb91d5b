# shellcheck shell=bash disable=SC2034 # $PORT, $PORTS: set here, read by the test
# Shared pieces of the end-to-end tests that run a real otlpd (sourced, bash).
#
#   source "$(dirname "$0")/../lib/daemon.sh"
#   daemon_init <name>            work dir in $WORK, EXIT trap, strict mode
#   daemon_instance <name>        the next daemon reads $WORK/<name>.yaml and
#                                 logs to $WORK/otlpd-<name>.log (tests that
#                                 run several; default config.yaml, otlpd.log)
#   daemon_start_config [-n N] [-w ENDPOINT]... <writer> [args...]
#                                 pick N free ports (default 1), write
#                                 "<writer> <ports...> <args...>" to the
#                                 config, start otlpd, wait until it listens
#                                 on them (and on each -w ENDPOINT, e.g.
#                                 unix:/path); sets $PORT (the first),
#                                 $PORTS and $DAEMON_PID (retries when a port
#                                 was taken in between)
#   daemon_stop                   SIGTERM; the daemon must drain and exit 0
#                                 (= daemon_term, then daemon_wait_exit0; a
#                                 hang fails at once, another status is a
#                                 check_fail so the output is still checked)
#   daemon_rss_kb                 the daemon's VmRSS in KiB
#   otlp_receiver <id> <http|grpc> <endpoint> [setting]...
#                                 one receivers: entry, on stdout
#   file_exporter_config <out> <receiver ids>
#                                 receivers entries on stdin -> a config whose
#                                 traces, metrics and logs pipelines go to a
#                                 JSON file exporter writing <out>
#   port=$(free_port)             a TCP port free on 127.0.0.1 right now
#   listening <port|unix:path>    whether something accepts there
#   poll_until <command...>       retry it (bounded) until it succeeds
#   exited <pid>                  whether that process is gone
#   require_cmds <command>...     fail unless each is installed
#   ensure_node_modules           the JS SDK in tests/interop/node_modules
#   on_cleanup <command>          run at exit, before the daemon is killed
#   fail <message>                print, show the daemon logs' tails, exit 1
#   check_fail <message>          print and count, go on with the other checks
#   finish_checks <label>         exit 1 if any check failed, else say passed
#
# Needs $OTLPD (the daemon binary). The running daemon's output goes to
# $DAEMON_LOG ($WORK/otlpd.log unless daemon_instance). KEEP_WORK=1 keeps the work dir for a
# look afterwards. Waits poll with a bounded number of short sleeps;
# nothing here asserts on time.

set -euo pipefail

DAEMON_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=
DAEMON_PID=
PORT=
PORTS=()
DAEMON_NAME=
DAEMON_CONFIG=
DAEMON_LOG=
DAEMON_LOGS=()
DAEMON_CLEANUPS=()
DAEMON_FAILURES=0

daemon_init() {
  : "${OTLPD:?set OTLPD to the otlpd binary}"
  [[ -x "$OTLPD" ]] || { echo "$OTLPD is not an executable" >&2; exit 1; }
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/otlpd-${1:-e2e}.XXXXXX")
  DAEMON_CONFIG=$WORK/config.yaml
  DAEMON_LOG=$WORK/otlpd.log
  trap daemon_cleanup EXIT
}

daemon_instance() {
  DAEMON_NAME=$1
  DAEMON_CONFIG=$WORK/$1.yaml
  DAEMON_LOG=$WORK/otlpd-$1.log
}

on_cleanup() { DAEMON_CLEANUPS+=("$1"); }

daemon_cleanup() {
  local rc=$? c
  # A soft check that failed must fail the test even if the script forgot
  # finish_checks.
  if ((rc == 0 && DAEMON_FAILURES > 0)); then
    echo "FAIL: $DAEMON_FAILURES check(s) failed" >&2
    rc=1
  fi
  for c in "${DAEMON_CLEANUPS[@]}"; do eval "$c" 2>/dev/null || true; done
  if [[ -n "$DAEMON_PID" ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -KILL "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  if [[ -n "$WORK" ]]; then
    if [[ -n "${KEEP_WORK:-}" ]]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
  fi
  exit "$rc"
}

_daemon_show_logs() {
  local log
  for log in "${DAEMON_LOGS[@]}"; do
    [[ -f "$log" ]] || continue
    echo "---- ${log##*/} (tail) ----" >&2
    tail -n 40 "$log" >&2
  done
}

fail() {
  echo "FAIL: $*" >&2
  _daemon_show_logs
  exit 1
}

check_fail() {
  echo "FAIL: $*" >&2
  DAEMON_FAILURES=$((DAEMON_FAILURES + 1))
}

finish_checks() {
  if ((DAEMON_FAILURES > 0)); then
    _daemon_show_logs
    echo "$1: $DAEMON_FAILURES check(s) failed" >&2
    exit 1
  fi
  echo "$1: all checks passed"
}

require_cmds() {
  local c
  for c; do command -v "$c" >/dev/null || fail "$c is required"; done
}

# The kernel may hand the same ephemeral port out twice while nothing is
# bound to it yet (CI saw the agent's HTTP port equal its metrics port),
# so ports already given to this test are remembered in $WORK and skipped.
free_port() {
  python3 - "${WORK:+$WORK/.ports_given}" <<'PY'
import socket, sys
seen_file = sys.argv[1] if len(sys.argv) > 1 else ""
seen = set()
if seen_file:
    try:
        seen = set(open(seen_file).read().split())
    except OSError:
        pass
for _ in range(100):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = str(s.getsockname()[1])
    s.close()
    if port not in seen:
        break
if seen_file:
    with open(seen_file, "a") as f:
        f.write(port + "\n")
print(port)
PY
}

listening() {
  case $1 in
  unix:*) python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "${1#unix:}" 2>/dev/null ;;
  *) (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null ;;
  esac
}

_all_listening() {
  local e
  for e; do listening "$e" || return 1; done
}

exited() { ! kill -0 "$1" 2>/dev/null; }

# Polls every 0.05 s, at most $POLLS times (default 400).
poll_until() {
  local n=${POLLS:-400}
  until "$@"; do
    ((--n > 0)) || return 1
    sleep 0.05
  done
}

_daemon_settled() { exited "$DAEMON_PID" || _all_listening "$@"; }

# Starts $OTLPD in the background without the test's extra file
# descriptors: a daemon holding, say, the test's end of a FIFO would keep
# the reader from ever seeing EOF. Returns 1 if it exited or never
# listened (then $DAEMON_PID is empty again).
_daemon_spawn() {
  local cfg=$1 f fd
  shift
  [[ " ${DAEMON_LOGS[*]} " == *" $DAEMON_LOG "* ]] || DAEMON_LOGS+=("$DAEMON_LOG")
  (
    for f in "/proc/$BASHPID/fd/"*; do
      fd=${f##*/}
      if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec "$OTLPD" --config "$cfg"
  ) >"$DAEMON_LOG" 2>&1 &
  DAEMON_PID=$!
  if poll_until _daemon_settled "$@" && ! exited "$DAEMON_PID"; then return 0; fi
  kill -KILL "$DAEMON_PID" 2>/dev/null || true
  wait "$DAEMON_PID" 2>/dev/null || true
  DAEMON_PID=
  return 1
}

daemon_start_config() {
  local nports=1 waits=() ports=() writer i
  while [[ $1 == -n || $1 == -w ]]; do
    if [[ $1 == -n ]]; then nports=$2; else waits+=("$2"); fi
    shift 2
  done
  writer=$1
  shift
  for _ in $(seq 1 10); do
    ports=()
    for ((i = 0; i < nports; i++)); do ports+=("$(free_port)"); done
    "$writer" "${ports[@]}" "$@" >"$DAEMON_CONFIG"
    if _daemon_spawn "$DAEMON_CONFIG" "${ports[@]}" "${waits[@]}"; then
      PORT=${ports[0]}
      PORTS=("${ports[@]}")
      return 0
    fi
    grep -qi "address in use\|address already in use" "$DAEMON_LOG" ||
      fail "otlpd${DAEMON_NAME:+ ($DAEMON_NAME)} did not start"
  done
  fail "no free port found for otlpd${DAEMON_NAME:+ ($DAEMON_NAME)}"
}

daemon_stop() {
  daemon_term
  daemon_wait_exit0
}

# SIGTERM only, for tests that act while the daemon drains.
daemon_term() {
  [[ -n "$DAEMON_PID" ]] || fail "daemon_term: no daemon running"
  kill -0 "$DAEMON_PID" 2>/dev/null || fail "otlpd${DAEMON_NAME:+ ($DAEMON_NAME)} is not running any more (crashed?)"
  kill -TERM "$DAEMON_PID"
}

# Waits for the daemon to exit; a status other than 0 is a failed check
# (the test goes on to check the output). Still running after
# DAEMON_STOP_POLLS polls (default 1200, a minute) is a hang on shutdown,
# reported as such rather than left to the test's timeout.
daemon_wait_exit0() {
  local rc=0 name=otlpd${DAEMON_NAME:+ ($DAEMON_NAME)}
  POLLS=${DAEMON_STOP_POLLS:-1200} poll_until exited "$DAEMON_PID" ||
    fail "$name still runs ${DAEMON_STOP_POLLS:-1200} polls after SIGTERM (hang on shutdown?)"
  wait "$DAEMON_PID" || rc=$?
  DAEMON_PID=
  [[ $rc -eq 0 ]] || check_fail "$name exited with status $rc after SIGTERM (want 0)"
}

daemon_rss_kb() {
  awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status"
}

# Each setting is one YAML line under the protocol; indent nested lines by
# two more spaces ("tls:" "  cert_file: x").
otlp_receiver() {
  local id=$1 proto=$2 endpoint=$3 s
  shift 3
  printf '  %s:\n    protocols:\n      %s:\n        endpoint: %s\n' "$id" "$proto" "$endpoint"
  for s; do printf '        %s\n' "$s"; done
}

file_exporter_config() {
  local out=$1 ids=$2
  echo "receivers:"
  cat
  cat <<EOF
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

# The JS SDK lives in tests/interop/node_modules (not committed):
# tests/interop/setup.sh runs `npm ci` from the lock file when it is
# missing or stale (serialised across parallel tests).
ensure_node_modules() {
  require_cmds node
  sh "$DAEMON_LIB_DIR/../interop/setup.sh" >"$WORK/npm.log" 2>&1 || {
    cat "$WORK/npm.log" >&2
    fail "npm ci in tests/interop failed"
  }
}
