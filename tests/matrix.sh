#!/usr/bin/env bash
# The whole suite for every supported Python: pyenv's 3.9 to 3.13 and Debian's 3.11.
set -uo pipefail
cd "$(dirname "$0")/.."
pythons=/usr/bin/python3
for version in 3.9 3.10 3.12 3.13; do
  for python in /root/.pyenv/versions/"$version".*/bin/python; do
    [ -x "$python" ] && pythons="$pythons $python"
  done
done
PYITT_TEST_PYTHONS="$pythons" exec tests/run.sh
