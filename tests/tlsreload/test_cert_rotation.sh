#!/usr/bin/env bash
# tls::reload_interval on both receivers: certificates swapped on disk as
# cert-manager / kubelet do (a new directory, then an atomic rename of the
# ..data symlink) are served to new connections without a restart; a
# broken certificate keeps the previous one serving with one error
# naming the file, and a later good one is picked up. A receiver without
# reload_interval keeps what it read at start. Also HTTP mTLS through
# client_ca_file: no client certificate, or one from another CA, is
# refused; one signed by the configured CA is served.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
here=$(dirname "$0")
daemon_init tls-reload
ensure_node_modules
require_cmds openssl curl

pki=$WORK/pki
mkdir -p "$pki"
mkca() { # name
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/$1.key" \
    -out "$pki/$1.pem" -days 2 -subj "/CN=otlpd reload test $1" 2>/dev/null || fail "openssl could not make CA $1"
}
mkleaf() { # name ca common-name
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$pki/$1.key" \
    -out "$pki/$1.csr" -subj "/CN=$3" 2>/dev/null || fail "openssl could not make key $1"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' \
    >"$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.pem" -CAkey "$pki/$2.key" -CAcreateserial \
    -out "$pki/$1.pem" -days 2 -extfile "$pki/$1.ext" 2>/dev/null || fail "openssl could not sign $1"
}
mkca caA
mkca caB
mkleaf leafA caA "otlpd leaf A"
mkleaf leafB caB "otlpd leaf B"
mkleaf leafC caA "otlpd leaf C"
mkleaf clientA caA "client A"
mkleaf clientB caB "client B"
cat "$pki/caA.pem" "$pki/caB.pem" >"$pki/both.pem"

# The kubelet's layout of a secret volume: live/tls.crt -> ..data/tls.crt,
# ..data -> ..vN, swapped by renaming a new symlink over ..data.
live=$pki/live
mkdir -p "$live"
version=0
publish() { # <cert file> <key file>
  version=$((version + 1))
  local old d=$live/..v$version
  old=$(readlink "$live/..data" 2>/dev/null || true)
  mkdir "$d"
  cp "$1" "$d/tls.crt"
  cp "$2" "$d/tls.key"
  ln -s "..v$version" "$live/..data_tmp"
  mv -T "$live/..data_tmp" "$live/..data"
  [[ -z $old ]] || rm -rf "${live:?}/$old"
}
publish "$pki/leafA.pem" "$pki/leafA.key"
ln -s ..data/tls.crt "$live/tls.crt"
ln -s ..data/tls.key "$live/tls.key"

tls=("tls:" "  cert_file: $live/tls.crt" "  key_file: $live/tls.key")
config() { # <grpc> <http> <http, no reload> <http mtls> <own metrics>
  echo "receivers:"
  otlp_receiver otlp/g grpc "127.0.0.1:$1" "${tls[@]}" "  reload_interval: 1s"
  otlp_receiver otlp/h http "127.0.0.1:$2" "${tls[@]}" "  reload_interval: 1s"
  otlp_receiver otlp/still http "127.0.0.1:$3" "${tls[@]}"
  otlp_receiver otlp/mtls http "127.0.0.1:$4" "tls:" "  cert_file: $pki/leafA.pem" "  key_file: $pki/leafA.key" \
    "  client_ca_file: $pki/caA.pem" "  reload_interval: 1s"
  cat <<YAML
exporters:
  file/g: {path: $WORK/grpc.jsonl, format: json}
  file/h: {path: $WORK/http.jsonl, format: json}
service:
  telemetry:
    metrics:
      address: 127.0.0.1:$5
  pipelines:
    traces/g: {receivers: [otlp/g], exporters: [file/g]}
    traces/h: {receivers: [otlp/h, otlp/still, otlp/mtls], exporters: [file/h]}
YAML
}
daemon_start_config -n 5 config
gport=${PORTS[0]} hport=${PORTS[1]} still=${PORTS[2]} mport=${PORTS[3]} metrics=${PORTS[4]}

# peer_cn <port>: the common name of the certificate a new connection gets
peer_cn() {
  echo | timeout 10 openssl s_client -connect "127.0.0.1:$1" -servername localhost 2>/dev/null |
    openssl x509 -noout -subject -nameopt multiline 2>/dev/null | sed -n 's/^ *commonName *= *//p'
}
serves() { [[ $(peer_cn "$1") == "$2" ]]; }
# A bounded wait (a minute) for a reload that happens every second.
wait_serves() { # <port> <cn> <what>
  POLLS=1200 poll_until serves "$1" "$2" || check_fail "$3: port $1 still serves \"$(peer_cn "$1")\", want \"$2\""
}

span=0
send_http() { # <port> <what> [curl args]: one span, must be answered 200
  local port=$1 what=$2 code
  shift 2
  span=$((span + 1))
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$pki/both.pem" "$@" \
    -H 'Content-Type: application/json' \
    --data "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b17$span\",\"name\":\"$what\",\"kind\":1,\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"2\"}]}]}]}" \
    "https://localhost:$port/v1/traces" 2>/dev/null) || true
  [[ $code == 200 ]] || check_fail "$what: HTTPS export answered ${code:-nothing}, want 200"
}
gsent=0
send_grpc() { # <what>
  gsent=$((gsent + 1))
  OTEL_EXPORTER_OTLP_CERTIFICATE="$pki/both.pem" node "$here/../grpc/send_grpc.js" --url "https://localhost:$gport" \
    --count 1 --signals traces --manifest "$WORK/grpc$gsent.json" >/dev/null 2>&1 ||
    check_fail "$1: gRPC export over TLS failed"
}

[[ $(peer_cn "$gport") == "otlpd leaf A" ]] || fail "gRPC does not serve leaf A at start: \"$(peer_cn "$gport")\""
[[ $(peer_cn "$hport") == "otlpd leaf A" ]] || fail "HTTP does not serve leaf A at start: \"$(peer_cn "$hport")\""
send_http "$hport" "before rotation"
send_grpc "before rotation"

# 1. rotation A -> B
publish "$pki/leafB.pem" "$pki/leafB.key"
wait_serves "$gport" "otlpd leaf B" "gRPC after rotation to B"
wait_serves "$hport" "otlpd leaf B" "HTTP after rotation to B"
send_http "$hport" "after rotation to B"
send_grpc "after rotation to B"
[[ $(peer_cn "$still") == "otlpd leaf A" ]] ||
  check_fail "a receiver without reload_interval changed its certificate: \"$(peer_cn "$still")\""
grep -q "http tls: certificates reloaded" "$DAEMON_LOG" || check_fail "no reload logged for HTTP"
grep -q "grpc tls: certificates reloaded" "$DAEMON_LOG" || check_fail "no reload logged for gRPC"

# 2. a broken certificate: B keeps serving, one error naming the file each
printf -- '-----BEGIN CERTIFICATE-----\nnot a certificate\n' >"$pki/garbage.pem"
publish "$pki/garbage.pem" "$pki/leafB.key"
POLLS=1200 poll_until grep -q "http tls: cannot load certificate (cert_file) $live/tls.crt" "$DAEMON_LOG" ||
  check_fail "no HTTP error naming the broken cert_file"
POLLS=1200 poll_until grep -q "grpc tls: cannot load certificate (cert_file) $live/tls.crt" "$DAEMON_LOG" ||
  check_fail "no gRPC error naming the broken cert_file"
[[ $(peer_cn "$gport") == "otlpd leaf B" ]] || check_fail "gRPC stopped serving leaf B after a broken certificate"
[[ $(peer_cn "$hport") == "otlpd leaf B" ]] || check_fail "HTTP stopped serving leaf B after a broken certificate"
send_http "$hport" "with a broken certificate on disk"
send_grpc "with a broken certificate on disk"

# 3. a good certificate again (C, from CA A) is picked up
publish "$pki/leafC.pem" "$pki/leafC.key"
wait_serves "$gport" "otlpd leaf C" "gRPC after the broken certificate was replaced"
wait_serves "$hport" "otlpd leaf C" "HTTP after the broken certificate was replaced"
send_http "$hport" "after rotation to C"
send_grpc "after rotation to C"
for who in http grpc; do
  n=$(grep -c "$who tls: cannot load certificate" "$DAEMON_LOG")
  [[ $n == 1 ]] || check_fail "$who: the broken certificate was logged $n times, want once"
done
# the same on /metrics: A -> B and B -> C reloaded, the broken one failed once
curl -sf "http://127.0.0.1:$metrics/metrics" >"$WORK/metrics.txt" || check_fail "/metrics did not answer"
for id in otlp/g otlp/h otlp/still; do
  want="2 1"
  [[ $id == otlp/still ]] && want="0 0"
  got=$(python3 "$(dirname "$0")/../telemetry/prom_text.py" "$WORK/metrics.txt" \
    "otlpd_receiver_tls_reloads{receiver=\"$id\"}" "otlpd_receiver_tls_reload_failures{receiver=\"$id\"}" | tr '\n' ' ')
  [[ $got == "$want " ]] || check_fail "$id: tls reloads / failures on /metrics are '$got', want '$want'"
done

# 4. HTTP mTLS (client_ca_file: CA A)
send_http "$mport" "mTLS with a client certificate from the CA" --cert "$pki/clientA.pem" --key "$pki/clientA.key"
for args in "none" "--cert $pki/clientB.pem --key $pki/clientB.key"; do
  [[ $args == none ]] && args=""
  # shellcheck disable=SC2086
  code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$pki/both.pem" $args \
    -H 'Content-Type: application/json' --data '{"resourceSpans":[]}' "https://localhost:$mport/v1/traces" 2>/dev/null) || true
  [[ $code != 200 ]] || check_fail "mTLS port answered 200 to a client ${args:+with a certificate from another CA}${args:-without a certificate}"
done

daemon_stop
n=$(grep -c '"spanId"' "$WORK/http.jsonl" 2>/dev/null || true)
[[ $n == 5 ]] || check_fail "the HTTP file output holds $n span(s), want the 5 accepted"
node "$here/../grpc/check_grpc_output.js" "$WORK/grpc.jsonl" "$WORK"/grpc[0-9]*.json ||
  check_fail "the gRPC file output does not match what was sent"
finish_checks tls_reload_rotation
