#!/usr/bin/env bash
# otlp receiver behind bearertokenauth (token file) and basicauth (htpasswd
# with bcrypt, SHA-512 crypt, {SHA} and plain entries), on HTTP (JSON and
# protobuf) and gRPC: right credentials get the data in, wrong or missing
# ones get 401 with WWW-Authenticate / UNAUTHENTICATED and nothing of
# theirs reaches the exporter; a rewritten token file is picked up; the
# secrets never appear in the log.

# shellcheck source-path=SCRIPTDIR source=../lib/daemon.sh
source "$(dirname "$0")/../lib/daemon.sh"
daemon_init auth-receiver
require_cmds curl python3
: "${GRPC_AUTH_CLIENT:?set GRPC_AUTH_CLIENT}"

TOKEN1=tok-$RANDOM-first-secret
TOKEN2=tok-$RANDOM-second-secret
printf '%s # the first token\n' "$TOKEN1" >"$WORK/tokens"
python3 -W ignore - "$WORK/htpasswd" <<'PY'
import base64, crypt, hashlib, sys
with open(sys.argv[1], "w") as f:
    f.write("# users\n")
    f.write("bob:" + crypt.crypt("bob-pw", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)) + "\n")
    f.write("sha:" + crypt.crypt("sha-pw", crypt.mksalt(crypt.METHOD_SHA512)) + "\n")
    f.write("old:{SHA}" + base64.b64encode(hashlib.sha1(b"old-pw").digest()).decode() + "\n")
    for i in range(20):  # auth_burst.py: bcrypt at cost 8, checked concurrently
        f.write("burst%d:" % i + crypt.crypt("pw-%d" % i, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=256)) + "\n")
PY

config() { # <bearer http> <bearer grpc> <basic http> <basic grpc>
  cat <<YAML
extensions:
  bearertokenauth/t:
    filename: $WORK/tokens
  basicauth/s:
    htpasswd:
      file: $WORK/htpasswd
      inline: |
        plain:plain-pw
receivers:
  otlp/bearer:
    protocols:
      http: {endpoint: "127.0.0.1:$1", auth: {authenticator: bearertokenauth/t}}
      grpc: {endpoint: "127.0.0.1:$2", auth: {authenticator: bearertokenauth/t}}
  otlp/basic:
    protocols:
      http: {endpoint: "127.0.0.1:$3", auth: {authenticator: basicauth/s}}
      grpc: {endpoint: "127.0.0.1:$4", auth: {authenticator: basicauth/s}}
exporters:
  file/x:
    path: $WORK/out.jsonl
    format: json
service:
  extensions: [bearertokenauth/t, basicauth/s]
  pipelines:
    traces: {receivers: [otlp/bearer, otlp/basic], exporters: [file/x]}
YAML
}
daemon_start_config -n 4 config
HB=${PORTS[0]} GB=${PORTS[1]} HS=${PORTS[2]} GS=${PORTS[3]}

json_body() { printf '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"%s"}]}]}]}' "$1"; }
pb_body() { # the same span as protobuf (field numbers from trace.proto), without a python start per call
  local n=$1 l=${#1} span scope rs
  span=$((18 + 10 + 2 + l)) scope=$((2 + 18 + 10 + 2 + l)) rs=$((4 + 18 + 10 + 2 + l))
  printf "\\x0a\\x$(printf %02x $rs)\\x12\\x$(printf %02x $scope)\\x12\\x$(printf %02x $span)"
  printf '\x0a\x10\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10'
  printf '\x12\x08\x01\x02\x03\x04\x05\x06\x07\x08'
  printf "\\x2a\\x$(printf %02x "$l")%s" "$n"
}

# http <port> <json|pb> <span> [curl args...] -> "<status> <www-authenticate>"
http() {
  local port=$1 enc=$2 name=$3 ct=application/json
  shift 3
  if [[ $enc == pb ]]; then pb_body "$name" >"$WORK/body"; ct=application/x-protobuf; else json_body "$name" >"$WORK/body"; fi
  curl -s -o /dev/null -D "$WORK/hdrs" -w '%{http_code}' -H "Content-Type: $ct" --data-binary @"$WORK/body" \
    "$@" "http://127.0.0.1:$port/v1/traces"
  printf ' %s' "$(tr -d '\r' <"$WORK/hdrs" | awk -F': ' 'tolower($1)=="www-authenticate" {print $2}')"
}
expect() { # <want> <got> <what>
  [[ $2 == "$1" ]] || check_fail "$3: got '$2', want '$1'"
}
grpc() { "$GRPC_AUTH_CLIENT" "127.0.0.1:$1" "$2" "${@:3}"; }

ACCEPTED=() REFUSED=()
ok() { ACCEPTED+=("$1"); }
no() { REFUSED+=("$1"); }

# bearer token, both HTTP encodings and gRPC
for enc in json pb; do
  expect "200 " "$(http "$HB" $enc b-ok-$enc -H "Authorization: Bearer $TOKEN1")" "bearer $enc right token"; ok b-ok-$enc
  expect "401 Bearer" "$(http "$HB" $enc b-wrong-$enc -H "Authorization: Bearer $TOKEN1-x")" "bearer $enc wrong token"; no b-wrong-$enc
  expect "401 Bearer" "$(http "$HB" $enc b-none-$enc)" "bearer $enc no token"; no b-none-$enc
  expect "401 Bearer" "$(http "$HB" $enc b-scheme-$enc -H "Authorization: Basic $TOKEN1")" "bearer $enc other scheme"; no b-scheme-$enc
done
expect 0 "$(grpc "$GB" g-b-ok "authorization=Bearer $TOKEN1")" "bearer grpc right token"; ok g-b-ok
expect 16 "$(grpc "$GB" g-b-wrong "authorization=Bearer nope")" "bearer grpc wrong token"; no g-b-wrong
expect 16 "$(grpc "$GB" g-b-none)" "bearer grpc no token"; no g-b-none

# token file rotated (replaced by rename, as Kubernetes secret volumes do)
printf '%s\n' "$TOKEN2" >"$WORK/tokens.new"
mv "$WORK/tokens.new" "$WORK/tokens"
expect "401 Bearer" "$(http "$HB" json b-old-after "-H" "Authorization: Bearer $TOKEN1")" "old token after rotation"; no b-old-after
expect "200 " "$(http "$HB" json b-new-after -H "Authorization: Bearer $TOKEN2")" "new token after rotation"; ok b-new-after
expect 0 "$(grpc "$GB" g-b-new "authorization=Bearer $TOKEN2")" "grpc new token after rotation"; ok g-b-new

# basic auth: every hash kind, twice each (the second hits the cache)
for enc in json pb; do
  for u in bob:bob-pw sha:sha-pw old:old-pw plain:plain-pw; do
    n=${u%%:*}
    for i in 1 2; do
      expect "200 " "$(http "$HS" $enc s-$n-$enc-$i -u "$u")" "basic $enc $n ($i)"; ok s-$n-$enc-$i
    done
    expect "401 Basic realm=\"otlpd\"" "$(http "$HS" $enc s-$n-$enc-bad -u "$u-x")" "basic $enc $n wrong password"
    no s-$n-$enc-bad
  done
  expect "401 Basic realm=\"otlpd\"" "$(http "$HS" $enc s-nobody-$enc -u "nobody:x")" "basic $enc unknown user"; no s-nobody-$enc
  expect "401 Basic realm=\"otlpd\"" "$(http "$HS" $enc s-none-$enc)" "basic $enc no credentials"; no s-none-$enc
done
b64() { printf '%s' "$1" | base64 -w0; }
expect 0 "$(grpc "$GS" g-s-ok "authorization=Basic $(b64 bob:bob-pw)")" "basic grpc right"; ok g-s-ok
expect 16 "$(grpc "$GS" g-s-wrong "authorization=Basic $(b64 bob:nope)")" "basic grpc wrong"; no g-s-wrong
expect 16 "$(grpc "$GS" g-s-none)" "basic grpc none"; no g-s-none

# 20 concurrent uncached bcrypt checks per transport (run on the
# threadpool), and clients that leave before their check finished
python3 "$(dirname "$0")/auth_burst.py" "$HS" "$GS" 20 "$GRPC_AUTH_CLIENT" || check_fail "concurrent basicauth checks"
for i in 0 3 6 9 12 15 18; do ok burst-http-$i; ok burst-grpc-$i; done
for i in 1 2 4 5 7 8 10 11 13 14 16 17 19; do no burst-http-$i; no burst-grpc-$i; done
no gone-early
ok burst-after

daemon_stop
for n in "${ACCEPTED[@]}"; do
  c=$(grep -o "\"name\":\"$n\"" "$WORK/out.jsonl" | wc -l)
  [[ $c -eq 1 ]] || check_fail "span $n accepted: found $c times in the output, want 1"
done
for n in "${REFUSED[@]}"; do
  ! grep -q "\"name\":\"$n\"" "$WORK/out.jsonl" || check_fail "span $n was refused but reached the exporter"
done
grep -q "refused" "$DAEMON_LOG" || check_fail "gRPC refusals were not logged"
grep -q "401" "$DAEMON_LOG" || check_fail "HTTP refusals were not logged"
for s in "$TOKEN1" "$TOKEN2" bob-pw sha-pw plain-pw "$(b64 bob:bob-pw)"; do
  ! grep -qF -- "$s" "$DAEMON_LOG" || check_fail "a secret appears in the daemon log"
done
finish_checks auth_receiver
