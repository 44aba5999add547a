#!/usr/bin/env bash
# Builds pyitt-host for each python to embed and runs the whole test suite (GoogleTest through
# ctest, then pytest) against each build. Pythons: $PYITT_TEST_PYTHONS (space separated), default
# Debian's python3 and pyenv's 3.13.
set -uo pipefail
cd "$(dirname "$0")/.."
pythons=${PYITT_TEST_PYTHONS:-"/usr/bin/python3 /root/.pyenv/versions/3.13.0/bin/python"}
status=0
for python in $pythons; do
  if [ ! -x "$python" ]; then
    echo "tests: error: no python at $python" >&2
    status=1
    continue
  fi
  version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  build_dir=build
  [ "$python" = /usr/bin/python3 ] || build_dir=build-py$version
  echo "=== Python $version ($python) in $build_dir"
  third_party/bootstrap.sh "$build_dir" "$python" || { status=1; continue; }
  (cd "$build_dir" && ctest --output-on-failure -j 2) || status=1
  PYITT_BUILD_DIR="$build_dir" /usr/bin/python3 -m pytest -p no:cacheprovider -q tests || status=1
done
exit $status
