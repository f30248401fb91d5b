#!/usr/bin/env bash
# Deployment files, tested without Docker or a cluster:
#  1. every configs/*.yaml and the Kubernetes config pass `otlpd validate`;
#     deploy/systemd/otlpd.service passes `systemd-analyze verify` (if present);
#  2. every YAML file under deploy/ parses and the Dockerfile, compose file
#     and Kubernetes manifests agree with each other (check_manifests.py);
#     with kubectl present, the kustomization also renders;
#  3. deploy/build-image.sh --check builds the image's file system into a
#     temporary root and finds every runtime library in the Dockerfile's
#     package list; a list missing a package must make it fail;
#  4. the staged binary runs the image's config as the container would:
#     a span sent over OTLP/HTTP reaches ./data/traces.jsonl, and SIGTERM
#     drains and exits 0.
#
# Environment: OTLPD (otlpd binary for step 1), OTLPD_SRC (repository),
# DEPLOY_BUILD_DIR (Release build tree for the image; reused between runs,
# so only the first run compiles everything), DEPLOY_JOBS (compile jobs).
set -euo pipefail

: "${OTLPD:?set OTLPD to the otlpd binary}"
SRC=${OTLPD_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD_DIR=${DEPLOY_BUILD_DIR:-$SRC/build-image}
JOBS=${DEPLOY_JOBS:-$(nproc 2>/dev/null || echo 2)}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/otlpd-deploy.XXXXXX")
PID=

cleanup() {
  if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  [[ ! -f $WORK/otlpd.log ]] || { echo "---- otlpd log ----" >&2; tail -n 30 "$WORK/otlpd.log" >&2; }
  exit 1
}

python3 -c 'import yaml' 2>/dev/null || fail "python3-yaml is missing: run scripts/install-deps"

echo "== configs validate"
for cfg in "$SRC"/configs/*.yaml "$SRC"/deploy/kubernetes/config.yaml "$SRC"/deploy/kubernetes/gateway/*config.yaml \
  "$SRC"/deploy/docker-compose/otlpd.yaml; do
  out=$("$OTLPD" validate --config "$cfg" 2>&1) || fail "${cfg#"$SRC"/}: $out"
  echo "  ${cfg#"$SRC"/}: $out"
done

echo "== manifests"
python3 "$SRC/tests/deploy/check_manifests.py" "$SRC" || fail "deploy manifests disagree (above)"
if command -v kubectl >/dev/null; then
  kubectl kustomize "$SRC/deploy/kubernetes" >"$WORK/rendered.yaml" 2>"$WORK/kustomize.err" ||
    fail "kubectl kustomize deploy/kubernetes: $(cat "$WORK/kustomize.err")"
  grep -q '^kind: DaemonSet' "$WORK/rendered.yaml" || fail "the rendered kustomization has no DaemonSet"
  echo "  kubectl kustomize: $(grep -c '^kind:' "$WORK/rendered.yaml") objects"
  kubectl kustomize "$SRC/deploy/kubernetes/gateway" >"$WORK/gateway.yaml" 2>"$WORK/kustomize.err" ||
    fail "kubectl kustomize deploy/kubernetes/gateway: $(cat "$WORK/kustomize.err")"
  for k in Deployment Service HorizontalPodAutoscaler PodDisruptionBudget ConfigMap; do
    grep -q "^kind: $k\$" "$WORK/gateway.yaml" || fail "the rendered gateway has no $k"
  done
else
  echo "  kubectl not installed: kustomization not rendered"
fi

echo "== systemd unit"
unit=$SRC/deploy/systemd/otlpd.service
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$unit" || fail "otlpd.service: reload must send SIGHUP"
grep -q '^ExecStart=/usr/bin/otlpd --config /etc/otlpd/config.yaml$' "$unit" ||
  fail "otlpd.service: ExecStart is not the packaged binary and config"
if command -v systemd-analyze >/dev/null; then
  # verify wants the commands to exist: point them at this build.
  sed "s|/usr/bin/otlpd|$OTLPD|g; s|/bin/kill|$(command -v kill || echo /bin/kill)|" "$unit" >"$WORK/otlpd.service"
  out=$(systemd-analyze verify "$WORK/otlpd.service" 2>&1 | grep 'otlpd.service' || true)
  [[ -z $out ]] || fail "systemd-analyze verify otlpd.service: $out"
  echo "  systemd-analyze verify: clean"
else
  echo "  systemd-analyze not installed: unit not verified"
fi

echo "== build-image.sh --check"
"$SRC/deploy/build-image.sh" --check --skip-deps --build-dir "$BUILD_DIR" --jobs "$JOBS" "$WORK/root" ||
  fail "deploy/build-image.sh --check"
for f in usr/bin/otlpd etc/otlpd/config.yaml; do [[ -f $WORK/root/$f ]] || fail "staged root lacks $f"; done
# The check must be able to fail: without libyaml-0-2 the image would not start.
sed 's/libyaml-0-2 //' "$SRC/deploy/Dockerfile" >"$WORK/Dockerfile.short"
if "$SRC/deploy/build-image.sh" --check --skip-deps --build-dir "$BUILD_DIR" --jobs "$JOBS" \
  --dockerfile "$WORK/Dockerfile.short" "$WORK/root2" >"$WORK/short.out" 2>&1; then
  fail "build-image.sh --check accepted a package list without libyaml-0-2"
fi
grep -q 'libyaml-0.so.2 comes from libyaml-0-2' "$WORK/short.out" ||
  fail "build-image.sh --check failed without naming libyaml: $(tail -n 3 "$WORK/short.out")"
echo "  a package list without libyaml-0-2 is refused"

echo "== staged otlpd runs the image's config"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
grpc_port=$(free_port)
http_port=$(free_port)
# bind(0) may hand out the same port twice while nothing holds it.
while [[ $http_port == "$grpc_port" ]]; do http_port=$(free_port); done
mkdir -p "$WORK/var/data"
# As the Dockerfile's WORKDIR and ENV, on free ports.
(cd "$WORK/var" && OTLPD_GRPC_ENDPOINT=0.0.0.0:$grpc_port OTLPD_HTTP_ENDPOINT=0.0.0.0:$http_port \
  exec "$WORK/root/usr/bin/otlpd" --config "$WORK/root/etc/otlpd/config.yaml") >"$WORK/otlpd.log" 2>&1 &
PID=$!
for _ in $(seq 200); do
  listening "$http_port" && listening "$grpc_port" && break
  kill -0 "$PID" 2>/dev/null || fail "otlpd exited at start"
  sleep 0.05
done
listening "$http_port" || fail "otlpd never listened on $http_port"
span='{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"deploy-check"}}]},
 "scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
 "name":"image-smoke","startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000100000000"}]}]}]}'
code=$(curl -sS -o "$WORK/resp" -w '%{http_code}' "http://127.0.0.1:$http_port/v1/traces" \
  -H 'Content-Type: application/json' -d "$span") || fail "curl could not post to otlpd"
[[ $code == 200 ]] || fail "POST /v1/traces answered $code: $(cat "$WORK/resp")"
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=
((rc == 0)) || fail "otlpd exited $rc after SIGTERM, expected 0 after draining"
grep -q '"name":"image-smoke"' "$WORK/var/data/traces.jsonl" 2>/dev/null ||
  fail "the span did not reach data/traces.jsonl before exit"
grep -q '"stringValue":"deploy-check"' "$WORK/var/data/traces.jsonl" ||
  fail "the span's resource attributes were not written"
echo "  span written to data/traces.jsonl; SIGTERM drained, exit 0"
echo "deploy: all checks passed"
