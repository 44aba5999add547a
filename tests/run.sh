#!/usr/bin/env bash
# Builds pyitt-host for each python to embed and runs the whole test suite (GoogleTest through
# ctest, then pytest) against each build. Which pythons: tests/find_pythons.sh (by default Debian's
# python3 and the newest other supported version found; PYITT_TEST_PYTHONS="3.12 /path/to/python"
# or PYITT_TEST_PYTHONS=all picks others). A python that is missing or cannot be embedded is
# reported and skipped; the exit status is 1 only when a build or a test failed.
set -uo pipefail
cd "$(dirname "$0")/.."

mapfile -t found < <(tests/find_pythons.sh)
tested=() failed=()
for line in "${found[@]}"; do
  IFS=$'\t' read -r what version python why <<<"$line"
  case $what in
    test) tested+=("$version $python") ;;
    found) echo "tests: not testing Python $version ($python): $why" ;;
    skip) echo "tests: skipping Python $version ($python): $why" ;;
  esac
done
if [ ${#tested[@]} -eq 0 ]; then
  echo "tests: error: no python to test (supported: CPython 3.9 to 3.13 with its headers and libpython;" \
       "Debian: apt-get install python3-dev)" >&2
  exit 1
fi

for entry in "${tested[@]}"; do
  version=${entry%% *} python=${entry#* }
  build_dir=build
  [ "$python" = /usr/bin/python3 ] || build_dir=build-py$version
  echo "=== Python $version ($python) in $build_dir"
  if ! third_party/bootstrap.sh "$build_dir" "$python"; then
    failed+=("$version (build)")
    continue
  fi
  (cd "$build_dir" && ctest --output-on-failure -j 2) || failed+=("$version (ctest)")
  PYITT_BUILD_DIR="$build_dir" /usr/bin/python3 -m pytest -p no:cacheprovider -q tests || failed+=("$version (pytest)")
done

echo "=== tested Python ${tested[*]%% *}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "tests: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "tests: all passed"
