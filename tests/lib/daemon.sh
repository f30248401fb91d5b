# shellcheck shell=bash
# Shared pieces of the end-to-end tests that run a real otlpd (sourced, bash).
#
#   source "$OTLPD_SRC/tests/lib/daemon.sh"
#   daemon_init <name>            work dir in $WORK, EXIT trap, strict mode
#   port=$(free_port)             a TCP port free on 127.0.0.1 right now
#   daemon_start_config <writer>  pick a port, "<writer> <port> > config",
#                                 start otlpd, wait until it listens; sets
#                                 $PORT and $DAEMON_PID (retries when the
#                                 port was taken in between)
#   daemon_start <config> <port>  start otlpd with a config already written
#   daemon_stop                   SIGTERM; the daemon must drain and exit 0
#                                 (= daemon_term, then daemon_wait_exit0)
#   daemon_rss_kb                 the daemon's VmRSS in KiB
#   on_cleanup <command>          run at exit, before the daemon is killed
#   fail <message>                print, show the daemon log's tail, exit 1
#
# Needs $OTLPD (the daemon binary). The daemon's output goes to
# $WORK/otlpd.log. KEEP_WORK=1 keeps the work dir for a look afterwards.
# Waits poll with a bounded number of short sleeps; nothing here asserts
# on time.

set -euo pipefail

WORK=
DAEMON_PID=
# shellcheck disable=SC2034 # set here, read by the sourcing test
PORT=
DAEMON_CLEANUPS=()

daemon_init() {
  : "${OTLPD:?set OTLPD to the otlpd binary}"
  [[ -x "$OTLPD" ]] || { echo "$OTLPD is not an executable" >&2; exit 1; }
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/otlpd-${1:-e2e}.XXXXXX")
  trap daemon_cleanup EXIT
}

on_cleanup() { DAEMON_CLEANUPS+=("$1"); }

daemon_cleanup() {
  local rc=$? c
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

fail() {
  echo "FAIL: $*" >&2
  if [[ -n "$WORK" && -f "$WORK/otlpd.log" ]]; then
    echo "---- otlpd log (tail) ----" >&2
    tail -n 40 "$WORK/otlpd.log" >&2
  fi
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts $OTLPD in the background without the test's extra file
# descriptors: a daemon holding, say, the test's end of a FIFO would keep
# the reader from ever seeing EOF. Returns 1 if it exited or never
# listened (then $DAEMON_PID is empty again).
_daemon_spawn() {
  local cfg=$1 port=$2 f fd
  (
    for f in "/proc/$BASHPID/fd/"*; do
      fd=${f##*/}
      if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec "$OTLPD" --config "$cfg"
  ) >"$WORK/otlpd.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 400); do
    kill -0 "$DAEMON_PID" 2>/dev/null || break
    # shellcheck disable=SC2034
    if listening "$port"; then PORT=$port; return 0; fi
    sleep 0.05
  done
  kill -KILL "$DAEMON_PID" 2>/dev/null || true
  wait "$DAEMON_PID" 2>/dev/null || true
  DAEMON_PID=
  return 1
}

daemon_start() {
  _daemon_spawn "$1" "$2" || fail "otlpd did not start listening on port $2"
}

daemon_start_config() {
  local writer=$1 port
  for _ in $(seq 1 10); do
    port=$(free_port)
    "$writer" "$port" >"$WORK/config.yaml"
    _daemon_spawn "$WORK/config.yaml" "$port" && return 0
    grep -qi "address in use\|address already in use" "$WORK/otlpd.log" || fail "otlpd did not start"
  done
  fail "no free port found for otlpd"
}

daemon_stop() {
  daemon_term
  daemon_wait_exit0
}

# SIGTERM only, for tests that act while the daemon drains.
daemon_term() {
  [[ -n "$DAEMON_PID" ]] || fail "daemon_term: no daemon running"
  kill -0 "$DAEMON_PID" 2>/dev/null || fail "otlpd is not running any more (crashed?)"
  kill -TERM "$DAEMON_PID"
}

# Waits for the daemon to exit and asserts status 0. Still running after
# DAEMON_STOP_POLLS polls (default 1200, a minute) is a hang on shutdown,
# reported as such rather than left to the test's timeout.
daemon_wait_exit0() {
  local rc=0 polls=${DAEMON_STOP_POLLS:-1200}
  while ((polls-- > 0)) && kill -0 "$DAEMON_PID" 2>/dev/null; do sleep 0.05; done
  kill -0 "$DAEMON_PID" 2>/dev/null && fail "otlpd still runs ${DAEMON_STOP_POLLS:-1200} polls after SIGTERM (hang on shutdown?)"
  wait "$DAEMON_PID" || rc=$?
  DAEMON_PID=
  [[ $rc -eq 0 ]] || fail "otlpd exited with status $rc after SIGTERM (want 0)"
}

daemon_rss_kb() {
  awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status"
}
