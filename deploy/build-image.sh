#!/usr/bin/env bash
# Builds the otlpd container image's file system into a staging root, the
# way deploy/Dockerfile's build stage does (the Dockerfile runs this
# script), so the image build can be tested on a plain Debian 12 host.
#
#   deploy/build-image.sh [options] STAGE_DIR
#
#   --check          after staging, check that every shared library the
#                    binary loads comes from a package the Dockerfile's
#                    runtime stage installs (RUNTIME_PACKAGES, or their
#                    dependencies), then `otlpd validate` the staged config
#   --skip-deps      do not run scripts/install-deps first
#   --build-dir DIR  CMake build tree (default: build-image in the repo;
#                    reused, so later runs rebuild only what changed)
#   --jobs N         parallel compile jobs (default: nproc)
#   --dockerfile F   read RUNTIME_PACKAGES from F (default: deploy/Dockerfile)
#
# STAGE_DIR receives exactly what the runtime stage copies to /:
#   usr/bin/otlpd               Release build, stripped
#   etc/otlpd/config.yaml       configs/default.yaml
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOCKERFILE=$SRC/deploy/Dockerfile
CHECK=0
DEPS=1
BUILD_DIR=$SRC/build-image
JOBS=$(nproc 2>/dev/null || echo 2)
STAGE=

usage() {
  awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "${BASH_SOURCE[0]}" >&2
  exit 2
}

die() {
  echo "build-image: $*" >&2
  exit 1
}

while (($#)); do
  case $1 in
  --check) CHECK=1 ;;
  --skip-deps) DEPS=0 ;;
  --build-dir) BUILD_DIR=${2:?--build-dir needs a directory}; shift ;;
  --jobs) JOBS=${2:?--jobs needs a number}; shift ;;
  --dockerfile) DOCKERFILE=${2:?--dockerfile needs a file}; shift ;;
  -h | --help) usage ;;
  -*) echo "build-image: unknown option $1" >&2; usage ;;
  *) [[ -z $STAGE ]] || usage; STAGE=$1 ;;
  esac
  shift
done
[[ -n $STAGE ]] || usage

build() {
  if ((DEPS)); then "$SRC/scripts/install-deps"; fi
  # Tests are not part of the image; OFF also spares the build cmocka.
  cmake -S "$SRC" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DOTLPD_TESTS=OFF >/dev/null
  cmake --build "$BUILD_DIR" --target otlpd -j"$JOBS"
}

stage() {
  mkdir -p "$STAGE"
  install -D -m 0755 "$BUILD_DIR/otlpd" "$STAGE/usr/bin/otlpd"
  strip --strip-unneeded "$STAGE/usr/bin/otlpd"
  install -D -m 0644 "$SRC/configs/default.yaml" "$STAGE/etc/otlpd/config.yaml"
  echo "staged: $STAGE/usr/bin/otlpd $STAGE/etc/otlpd/config.yaml"
}

# The value of the Dockerfile's `ARG RUNTIME_PACKAGES="..."` (one ARG,
# possibly continued over several lines with backslashes).
runtime_packages() {
  sed -n '/^ARG RUNTIME_PACKAGES=/,/"[[:space:]]*$/p' "$DOCKERFILE" |
    sed -e 's/^ARG RUNTIME_PACKAGES=//' -e 's/[\\"]//g' | tr -s ' \t' '\n' | sed '/^$/d'
}

# Installed here, or known to apt (dpkg also "knows" names it merely saw).
package_exists() {
  dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii' ||
    apt-cache show --no-all-versions "$1" 2>/dev/null | grep -q '^Package:'
}

# Package names a package depends on, as recorded by dpkg (alternatives
# all count; versions and architecture qualifiers are dropped).
package_deps() {
  dpkg-query -W -f='${Pre-Depends}, ${Depends}\n' "$1" 2>/dev/null |
    tr ',|' '\n' | sed -E 's/\(.*\)//; s/:[a-z0-9]+//; s/[[:space:]]//g' | sed '/^$/d' || true
}

# Prints "path owner" for each library path given, in one dpkg call (it
# reads its whole database each time). dpkg records paths as packaged,
# before the /usr merge, so each path is also tried without /usr, with it,
# and through its symlink target.
owners_of() {
  local f real p line
  local -A variants=() owner=()
  for f; do
    real=$(readlink -f "$f")
    for p in "$f" "$real" "${f#/usr}" "${real#/usr}" "/usr$f" "/usr$real"; do variants[$p]=1; done
  done
  while IFS= read -r line; do
    [[ $line != diversion* ]] || continue
    p=${line##*: }
    owner[$p]=${line%%:*}
  done < <(dpkg -S "${!variants[@]}" 2>/dev/null || true)
  for f; do
    real=$(readlink -f "$f")
    for p in "$f" "$real" "${f#/usr}" "${real#/usr}" "/usr$f" "/usr$real"; do
      if [[ -n ${owner[$p]:-} ]]; then echo "$f ${owner[$p]}"; continue 2; fi
    done
    echo "$f -"
  done
}

check_packages() {
  local bin=$STAGE/usr/bin/otlpd pkg dep lib path owner ldd_out bad=0
  local -A listed=() allowed=() owners=()
  local queue=() paths=()

  mapfile -t queue < <(runtime_packages)
  ((${#queue[@]})) || die "no ARG RUNTIME_PACKAGES in $DOCKERFILE"
  local names="${queue[*]}"
  for pkg in "${queue[@]}"; do
    listed[$pkg]=1
    package_exists "$pkg" ||
      { echo "  $pkg: no such package (RUNTIME_PACKAGES in $DOCKERFILE)" >&2; bad=1; }
  done
  # Everything apt-get would pull in with the listed packages.
  while ((${#queue[@]})); do
    pkg=${queue[0]}
    queue=("${queue[@]:1}")
    [[ -z ${allowed[$pkg]:-} ]] || continue
    allowed[$pkg]=1
    while read -r dep; do [[ -n ${allowed[$dep]:-} ]] || queue+=("$dep"); done < <(package_deps "$pkg")
  done

  ldd_out=$(ldd "$bin")
  if grep -q 'not found' <<<"$ldd_out"; then
    grep 'not found' <<<"$ldd_out" >&2
    die "$bin needs libraries this host does not have"
  fi
  mapfile -t paths < <(awk '$2 == "=>" && $3 ~ /^\// {print $3}' <<<"$ldd_out")
  while read -r path owner; do
    [[ $owner != - ]] || { echo "  $path: no package owns it" >&2; bad=1; continue; }
    owners[$path]=$owner
    [[ -n ${allowed[$owner]:-} ]] ||
      { echo "  $path comes from $owner, which RUNTIME_PACKAGES does not install" >&2; bad=1; }
  done < <(owners_of "${paths[@]}")
  # Libraries the binary links directly must come from a listed package
  # itself (glibc is in every Debian image), not just happen to be pulled
  # in by one today.
  while read -r lib; do
    path=$(awk -v l="$lib" '$1 == l && $2 == "=>" {print $3}' <<<"$ldd_out")
    owner=${owners[$path]:-}
    [[ -z $owner || -n ${listed[$owner]:-} || $owner == libc6 ]] ||
      { echo "  $lib comes from $owner, which RUNTIME_PACKAGES does not list" >&2; bad=1; }
  done < <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  ((bad == 0)) || die "the runtime stage would miss libraries (see above)"
  echo "runtime libraries: all ${#paths[@]} come from RUNTIME_PACKAGES ($names) or their dependencies"
}

# Validates the staged config as the container runs it: the image's ENV
# endpoints, WORKDIR holding a data/ directory.
check_config() {
  local work rc=0
  work=$(mktemp -d)
  mkdir -p "$work/data"
  (cd "$work" && OTLPD_GRPC_ENDPOINT=0.0.0.0:4317 OTLPD_HTTP_ENDPOINT=0.0.0.0:4318 \
    "$STAGE/usr/bin/otlpd" validate --config "$STAGE/etc/otlpd/config.yaml") || rc=$?
  rm -rf "$work"
  ((rc == 0)) || die "the staged config does not validate"
}

build
stage
if ((CHECK)); then
  check_packages
  check_config
fi
