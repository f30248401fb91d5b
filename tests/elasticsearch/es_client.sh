#!/usr/bin/env bash
# The official Elasticsearch client against es_server.py (es_client_check.js).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/otlpd-es-client.XXXXXX")
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
python3 "$here/es_server.py" --api-key s3cret >"$work/port" 2>"$work/err" &
pid=$!
for _ in $(seq 1 200); do [[ -s $work/port ]] && break; sleep 0.05; done
[[ -s $work/port ]] || { echo "es_server.py did not start: $(cat "$work/err")" >&2; exit 1; }
NODE_PATH="$here/../interop/node_modules" node "$here/es_client_check.js" "$(head -n 1 "$work/port")" s3cret
