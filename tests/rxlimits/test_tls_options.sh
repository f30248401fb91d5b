#!/usr/bin/env bash
# tls::min_version, max_version and cipher_suites on both receivers,
# checked with openssl s_client handshakes (certificate made here):
# a version or suite outside what is configured must fail, one inside
# must succeed; an unknown suite name stops the start.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
require_cmds openssl
daemon_init rx-tls-options

pki=$WORK/pki
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/server.key" \
  -out "$pki/server.pem" -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  2>/dev/null || fail "openssl could not make a certificate"
tls=("tls:" "  cert_file: $pki/server.pem" "  key_file: $pki/server.key")
only13=("${tls[@]}" "  min_version: \"1.3\"")
suite12=("${tls[@]}" "  max_version: \"1.2\"" "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]")

config() { # <grpc 1.3> <http 1.3> <grpc suite> <http suite>
  {
    otlp_receiver otlp/g13 grpc "127.0.0.1:$1" "${only13[@]}"
    otlp_receiver otlp/h13 http "127.0.0.1:$2" "${only13[@]}"
    otlp_receiver otlp/gs grpc "127.0.0.1:$3" "${suite12[@]}"
    otlp_receiver otlp/hs http "127.0.0.1:$4" "${suite12[@]}"
  } | file_exporter_config "$WORK/out.jsonl" "otlp/g13, otlp/h13, otlp/gs, otlp/hs"
}
daemon_start_config -n 4 config

# handshake <port> <s_client args...>: prints the negotiated cipher or NONE
handshake() {
  local port=$1 out
  shift
  out=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" "$@" 2>&1) || true
  if [[ $out =~ Cipher\ is\ ([A-Z0-9_-]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo NONE; fi
}
for i in 0 1; do
  p=${PORTS[$i]}
  got=$(handshake "$p" -tls1_2)
  [[ $got == NONE || $got == "(NONE)" ]] || check_fail "port $p (min_version 1.3) accepted TLS 1.2 ($got)"
  got=$(handshake "$p" -tls1_3)
  [[ $got == TLS_* ]] || check_fail "port $p (min_version 1.3) refused TLS 1.3 ($got)"
done
for i in 2 3; do
  p=${PORTS[$i]}
  got=$(handshake "$p" -tls1_3)
  [[ $got == NONE || $got == "(NONE)" ]] || check_fail "port $p (max_version 1.2) accepted TLS 1.3 ($got)"
  got=$(handshake "$p" -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384)
  [[ $got == NONE || $got == "(NONE)" ]] || check_fail "port $p accepted a suite outside cipher_suites ($got)"
  got=$(handshake "$p" -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)
  [[ $got == ECDHE-ECDSA-AES128-GCM-SHA256 ]] || check_fail "port $p refused the configured suite ($got)"
done
daemon_stop

daemon_instance bad
printf 'receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:%s\n        tls:\n          cert_file: %s\n          key_file: %s\n          cipher_suites: [TLS_NOT_A_SUITE]\nexporters:\n  file/x: {path: %s, format: json}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [file/x]}\n' \
  "$(free_port)" "$pki/server.pem" "$pki/server.key" "$WORK/bad.jsonl" >"$DAEMON_CONFIG"
if timeout 20 "$OTLPD" --config "$DAEMON_CONFIG" >"$DAEMON_LOG" 2>&1; then
  check_fail "an unknown cipher suite did not stop the start"
fi
grep -q "TLS_NOT_A_SUITE" "$DAEMON_LOG" || check_fail "the unknown cipher suite is not named in the error"
finish_checks rx_tls_options
