#!/usr/bin/env bash
# TLS and mutual TLS on the gRPC receiver, with a certificate authority and
# certificates made here by the openssl CLI. The JS SDK exporter gets its
# CA (and client certificate) through the standard OTEL_EXPORTER_OTLP_*
# variables. Plaintext to a TLS port and a missing client certificate on
# the mTLS port must fail; the successful sends must arrive intact.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
here=$(dirname "$0")
daemon_init grpc-tls
ensure_node_modules
require_cmds openssl

pki="$WORK/pki"
mkdir -p "$pki"
mkcert() { # name extendedKeyUsage
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/$1.key" \
    -out "$pki/$1.csr" -subj "/CN=localhost" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=%s\n' "$2" >"$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
    -out "$pki/$1.pem" -days 2 -extfile "$pki/$1.ext" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/ca.key" \
  -out "$pki/ca.pem" -days 2 -subj "/CN=otlpd test CA" 2>/dev/null || fail "openssl could not make a CA"
mkcert server serverAuth || fail "openssl could not make the server certificate"
mkcert client clientAuth || fail "openssl could not make the client certificate"

server_tls=("tls:" "  cert_file: $pki/server.pem" "  key_file: $pki/server.key")
config() { # <tls port> <mtls port>
  {
    otlp_receiver otlp grpc "127.0.0.1:$1" "${server_tls[@]}"
    otlp_receiver otlp/mtls grpc "127.0.0.1:$2" "${server_tls[@]}" "  client_ca_file: $pki/ca.pem"
  } | file_exporter_config "$WORK/out.jsonl" "otlp, otlp/mtls"
}
daemon_start_config -n 2 config
tls_port=${PORTS[0]} mtls_port=${PORTS[1]}
grep -q "listening on 127.0.0.1:$mtls_port (tls)" "$DAEMON_LOG" || fail "mTLS receiver not listening"

send() { node "$here/send_grpc.js" "$@"; }

OTEL_EXPORTER_OTLP_CERTIFICATE="$pki/ca.pem" \
  send --url "https://localhost:$tls_port" --count 12 --manifest "$WORK/tls.json" \
  || fail "export over TLS failed"

if send --url "http://127.0.0.1:$tls_port" --count 1 --signals traces --timeout 3000 \
  --manifest "$WORK/x1.json" >/dev/null 2>&1; then
  fail "plaintext export to the TLS port succeeded"
fi

OTEL_EXPORTER_OTLP_CERTIFICATE="$pki/ca.pem" OTEL_EXPORTER_OTLP_CLIENT_KEY="$pki/client.key" \
  OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE="$pki/client.pem" \
  send --url "https://localhost:$mtls_port" --count 9 --gzip --manifest "$WORK/mtls.json" \
  || fail "export over mutual TLS failed"

if OTEL_EXPORTER_OTLP_CERTIFICATE="$pki/ca.pem" \
  send --url "https://localhost:$mtls_port" --count 1 --signals traces --timeout 3000 \
  --manifest "$WORK/x2.json" >/dev/null 2>&1; then
  fail "export without a client certificate to the mTLS port succeeded"
fi

daemon_stop
node "$here/check_grpc_output.js" "$WORK/out.jsonl" "$WORK/tls.json" "$WORK/mtls.json" \
  || fail "file output does not match what was sent over TLS"
finish_checks grpc_tls
