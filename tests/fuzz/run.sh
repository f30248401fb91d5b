#!/bin/sh
# Build the decoder fuzz targets (protobuf, OTLP-JSON, YAML config, HTTP body,
# Elasticsearch bulk answers, gRPC status details, persistent queue files,
# Kubernetes API pod lists and watch events, OTTL conditions) with clang
# (libFuzzer + ASan + UBSan) into
# build-fuzz and run each for N seconds (default 20) over a scratch copy of
# its seed corpus, so the committed corpus stays small and stable.
# Crash reproducers are written to build-fuzz/artifacts/.
#   tests/fuzz/run.sh [seconds]
# With FUZZ_RUNS=N (make fuzz-long) each target runs N executions instead of a
# time budget, and its final statistics go to build-fuzz/long/<target>.log so
# the executions and coverage can be recorded in tests/fuzz/README.md.
# FUZZ_ONLY (space-separated target names without fuzz_) runs a subset.
# FUZZ_SEED=N fixes libFuzzer's seed: `make test` uses 1, so its short smoke
# walks the same mutations on every run and a red CI is a regression, not
# the luck of a fresh seed (the long runs, seeded at random, are the search).
set -eu
secs=${1:-20}
runs=${FUZZ_RUNS:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-fuzz

mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTLPD_FUZZ=ON -DOTLPD_TESTS=OFF >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
# target:corpus folder
targets="pb_decode:pb pb_encode_otlp:pb json_decode:json yaml_config:yaml http_body:body es_bulk_response:es_bulk grpc_status_details:status diskqueue:diskqueue k8sattr_events:k8s ottl:ottl"
# FUZZ_ONLY="json_decode ottl" narrows the run to those targets.
if [ -n "${FUZZ_ONLY:-}" ]; then
  keep=""
  for t in $targets; do
    case " $FUZZ_ONLY " in *" ${t%%:*} "*) keep="$keep $t" ;; esac
  done
  [ -n "$keep" ] || { echo "FUZZ_ONLY matches no target: $FUZZ_ONLY" >&2; exit 2; }
  targets=$keep
fi
names=""
for t in $targets; do names="$names fuzz_${t%%:*}"; done
# shellcheck disable=SC2086
cmake --build "$build" --target $names -j2

mkdir -p "$build/artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
for t in $targets; do
  name=fuzz_${t%%:*} kind=${t#*:}
  mkdir -p "$work/$kind"
  cp "$root/tests/fuzz/corpus/$kind/"* "$work/$kind/"
  if [ -n "$runs" ]; then
    mkdir -p "$build/long"
    echo "== $name for $runs executions"
    "$build/$name" -runs="$runs" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/artifacts/" "$work/$kind" \
      >"$build/long/$name.log" 2>&1 || { tail -40 "$build/long/$name.log"; exit 1; }
    grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss' "$build/long/$name.log"
  else
    echo "== $name for ${secs}s"
    "$build/$name" -max_total_time="$secs" ${FUZZ_SEED:+-seed="$FUZZ_SEED"} -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/artifacts/" "$work/$kind"
  fi
done
echo "fuzz: no crashes"
