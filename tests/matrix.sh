#!/usr/bin/env bash
# The whole suite for every supported Python found (tests/find_pythons.sh: Debian's python3,
# python3.X on PATH, pyenv's versions).
set -uo pipefail
cd "$(dirname "$0")/.."
PYITT_TEST_PYTHONS=all exec tests/run.sh
