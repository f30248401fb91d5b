# Shared by bench/agent_chain.sh and bench/agent_chain_callgrind.sh (sourced):
# the test API server k8s_attributes lists its pods from, and the config of
# one run. Expects: here (bench/), out (output dir), PODS.

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

api=""
api_pid=""
start_api() {
  mkdir -p "$out/sa"
  echo bench-token > "$out/sa/token"
  echo "not a real CA (http)" > "$out/sa/ca.crt"
  python3 "$here/agent_chain/pods.py" "$out/pods.json" "$PODS"
  rm -f "$out/api.port"
  python3 "$here/../tests/k8sattr/api_server.py" "$out/sa/token" "$out/api.port" "$out/pods.json" 2> "$out/api.log" &
  api_pid=$!
  for _ in $(seq 200); do [ -s "$out/api.port" ] && break; sleep 0.05; done
  [ -s "$out/api.port" ] || { echo "agent-chain: the test API server did not start" >&2; exit 1; }
  api="http://127.0.0.1:$(cat "$out/api.port")"
  export OTLPD_K8S_API_URL=$api OTLPD_K8S_SA_DIR=$out/sa K8S_NODE_NAME=node-a
}
api_lists() { python3 -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/_stats"))["lists"])' "$api"; }

# Waits (up to `tries` x 0.05 s) until the API server served one more pod
# list than lists0, then for the list to be applied.
wait_api_list() { # <lists0> <tries>
  local _
  for _ in $(seq "$2"); do [ "$(api_lists)" -gt "$1" ] && break; sleep 0.05; done
  sleep 1 # the list is applied after its body arrived
}

config() { # <port> <processor ids...>
  local p=$1 ids="" id
  shift
  for id in "$@"; do ids+="$id, "; done
  cat <<YAML
receivers:
  otlp: {protocols: {http: {endpoint: "127.0.0.1:$p"}}}
processors:
  batch:
$(sed -e '/^#/d' -e 's/^/  /' "$here/agent_chain/processors.yaml")
exporters:
  file: {path: $out/out.proto, format: proto}
service:
  telemetry: {logs: {level: warn}}
  pipelines:
    traces: {receivers: [otlp], processors: [${ids}batch], exporters: [file]}
YAML
}
