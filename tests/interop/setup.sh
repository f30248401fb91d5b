#!/bin/sh
# Installs the pinned npm modules of a test folder (its package-lock.json)
# into its node_modules with `npm ci`, but only when node_modules is
# missing or was installed from a different lockfile: a second run needs no
# network. Concurrent callers (ctest -j, bench/run.sh) are serialized.
#   setup.sh [folder]   default: tests/interop (the OpenTelemetry JS SDK)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "${1:-$here}"

command -v node >/dev/null 2>&1 || { echo "setup.sh: node is not installed" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "setup.sh: npm is not installed" >&2; exit 1; }

# The lock is this script itself: always present, never written.
exec 9<"$here/setup.sh"
flock 9

want=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.otlpd-lock-sha256
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
