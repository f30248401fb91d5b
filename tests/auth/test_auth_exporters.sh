#!/usr/bin/env bash
# Client side and client metadata, otlpd to otlpd:
#   front: otlp/http receiver (include_metadata) -> batch (metadata_keys:
#          [x-tenant]) -> otlphttp exporter (bearertokenauth, token file)
#          and otlp gRPC exporter (basicauth client_auth)
#   back:  otlp receiver, HTTP behind bearertokenauth and gRPC behind
#          basicauth (bcrypt) -> file exporter, one line per request.
# Every span reaches the back through both exporters (so both sent
# credentials the back accepted), and no request the front sent mixes the
# two tenants although their spans were interleaved within one batch
# timeout. Then `otlpd validate` refuses bad auth configurations.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
daemon_init auth-exporters
require_cmds curl python3

TOKEN=tok-$RANDOM-exporter-secret
printf '%s\n' "$TOKEN" >"$WORK/tokens"
python3 -W ignore - "$WORK/htpasswd" <<'PY'
import crypt, sys
with open(sys.argv[1], "w") as f:
    f.write("front:" + crypt.crypt("front-pw", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)) + "\n")
PY

back() { # <http> <grpc>
  cat <<YAML
extensions:
  bearertokenauth/in: {filename: $WORK/tokens}
  basicauth/in: {htpasswd: {file: $WORK/htpasswd}}
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:$1", auth: {authenticator: bearertokenauth/in}}
      grpc: {endpoint: "127.0.0.1:$2", auth: {authenticator: basicauth/in}}
exporters:
  file/x: {path: $WORK/back.jsonl, format: json}
service:
  extensions: [bearertokenauth/in, basicauth/in]
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], exporters: [file/x]}
YAML
}
daemon_instance back
daemon_start_config -n 2 back
BACK_HTTP=${PORTS[0]} BACK_GRPC=${PORTS[1]} BACK_PID=$DAEMON_PID

front() { # <http>
  cat <<YAML
extensions:
  bearertokenauth/out: {filename: $WORK/tokens}
  basicauth/out: {client_auth: {username: front, password: front-pw}}
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:$1", include_metadata: true}
processors:
  batch:
    send_batch_size: 4
    timeout: 10s
    metadata_keys: [X-Tenant]
exporters:
  otlphttp:
    endpoint: http://127.0.0.1:$BACK_HTTP
    auth: {authenticator: bearertokenauth/out}
    retry_on_failure: {enabled: false}
  otlp:
    endpoint: 127.0.0.1:$BACK_GRPC
    tls: {insecure: true}
    auth: {authenticator: basicauth/out}
    retry_on_failure: {enabled: false}
service:
  extensions: [bearertokenauth/out, basicauth/out]
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [otlphttp, otlp]}
YAML
}
daemon_instance front
daemon_start_config front
FRONT=$PORT

send() { # <tenant> <span>
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H "X-Tenant: $1" \
    --data-binary "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0102030405060708\",\"name\":\"$2\"}]}]}]}" \
    "http://127.0.0.1:$FRONT/v1/traces")
  [[ $code == 200 ]] || check_fail "front refused $2: $code"
}
for i in 1 2 3 4; do
  send red "red-$i"
  send blue "blue-$i"
done
# both tenants reached 4 spans: each batch was sent at once, by both exporters
lines() { [[ -f $WORK/back.jsonl ]] && [[ $(wc -l <"$WORK/back.jsonl") -ge 4 ]]; }
poll_until lines || check_fail "the back did not get 4 requests (2 tenants x 2 exporters)"

daemon_stop # front
DAEMON_PID=$BACK_PID
daemon_instance back
daemon_stop

for t in red blue; do
  for i in 1 2 3 4; do
    c=$(grep -o "\"name\":\"$t-$i\"" "$WORK/back.jsonl" | wc -l)
    [[ $c -eq 2 ]] || check_fail "$t-$i reached the back $c times, want 2 (once per exporter)"
  done
done
mixed=$(grep -c 'red-' "$WORK/back.jsonl" | head -1)
while IFS= read -r line; do
  [[ $line == *red-* && $line == *blue-* ]] && check_fail "one exported request mixes both tenants"
done <"$WORK/back.jsonl"
[[ $mixed -ge 1 ]] || check_fail "no red request at the back"
n=$(wc -l <"$WORK/back.jsonl")
[[ $n -eq 4 ]] || check_fail "the back got $n requests, want 4 (one per tenant and exporter)"
! grep -qF -- "$TOKEN" "$WORK"/otlpd-*.log || check_fail "the token appears in a log"
! grep -qF -- "front-pw" "$WORK"/otlpd-*.log || check_fail "the password appears in a log"

# configuration errors, as `otlpd validate` reports them
bad() { # <name> <expected message> ; config on stdin
  cat >"$WORK/bad-$1.yaml"
  if "$OTLPD" validate --config "$WORK/bad-$1.yaml" >"$WORK/bad-$1.out" 2>&1; then
    check_fail "$1: validate accepted it"
  elif ! grep -qF -- "$2" "$WORK/bad-$1.out"; then
    check_fail "$1: message lacks '$2': $(cat "$WORK/bad-$1.out")"
  fi
}
pipeline='service: {extensions: [EXT], pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}'
bad unknown-id "\"bearertokenauth/nope\" is not an authenticator extension" <<YAML
extensions: {bearertokenauth/t: {token: x}}
receivers: {otlp: {protocols: {http: {auth: {authenticator: bearertokenauth/nope}}}}}
exporters: {debug: {}}
${pipeline/EXT/bearertokenauth/t}
YAML
bad not-enabled "is not enabled" <<YAML
extensions: {bearertokenauth/t: {token: x}}
receivers: {otlp: {protocols: {grpc: {auth: {authenticator: bearertokenauth/t}}}}}
exporters: {debug: {}}
service: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}
YAML
bad token-and-tokens "set token or tokens, not both" <<YAML
extensions: {bearertokenauth/t: {token: x, tokens: [y]}}
receivers: {otlp: {protocols: {http: {}}}}
exporters: {debug: {}}
${pipeline/EXT/bearertokenauth/t}
YAML
bad no-token "one of token, tokens or filename is required" <<YAML
extensions: {bearertokenauth/t: {scheme: Bearer}}
receivers: {otlp: {protocols: {http: {}}}}
exporters: {debug: {}}
${pipeline/EXT/bearertokenauth/t}
YAML
bad basic-both "not both" <<YAML
extensions: {basicauth/b: {htpasswd: {inline: "u:p"}, client_auth: {username: u, password: p}}}
receivers: {otlp: {protocols: {http: {}}}}
exporters: {debug: {}}
${pipeline/EXT/basicauth/b}
YAML
bad exporter-id "otlphttp::auth::authenticator" <<YAML
extensions: {basicauth/b: {client_auth: {username: u, password: p}}}
receivers: {otlp: {protocols: {http: {}}}}
exporters: {otlphttp: {endpoint: "http://127.0.0.1:1", auth: {authenticator: basicauth/zz}}}
service: {extensions: [basicauth/b], pipelines: {traces: {receivers: [otlp], exporters: [otlphttp]}}}
YAML
finish_checks auth_exporters
