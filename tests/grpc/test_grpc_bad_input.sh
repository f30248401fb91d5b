#!/usr/bin/env bash
# Hostile requests over gRPC (grpc_bad_client): each gets INVALID_ARGUMENT,
# RESOURCE_EXHAUSTED or UNIMPLEMENTED as the OTLP spec says, the daemon
# stays up, valid requests in between succeed, and exactly the valid spans
# reach the exporter.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
: "${GRPC_BAD_CLIENT:?path to grpc_bad_client}"
daemon_init grpc-bad-input

config() { # <port>
  otlp_receiver otlp grpc "127.0.0.1:$1" "max_recv_msg_size_mib: 1" | file_exporter_config "$WORK/out.jsonl" otlp
}
daemon_start_config config

"$GRPC_BAD_CLIENT" "127.0.0.1:$PORT" 1 || fail "some hostile requests got the wrong answer"
"$GRPC_BAD_CLIENT" "127.0.0.1:$PORT" --one valid-after-suite || fail "a valid request failed after the suite"
daemon_stop

python3 - "$WORK/out.jsonl" <<'PY' || fail "exporter output is not exactly the valid spans"
import collections, json, sys
names = collections.Counter()
for line in open(sys.argv[1]):
    for rs in json.loads(line).get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for s in ss.get("spans", []):
                names[s["name"]] += 1
want = {"valid-first": 1, "valid-gzip": 1, "valid-near-limit": 1, "valid-nested-20": 1,
        "valid-last": 1, "valid-after-suite": 1}
if dict(names) != want:
    print("got", dict(names), "want", want)
    sys.exit(1)
PY
finish_checks grpc_bad_input
