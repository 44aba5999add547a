#!/usr/bin/env bash
# Installs what pyitt-host needs from Debian's packages (only what is missing), then configures and
# builds it. Usage: third_party/bootstrap.sh [BUILD_DIR [PYTHON]]  (default: build /usr/bin/python3)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
python=${2:-/usr/bin/python3}

packages=(cmake ninja-build g++ pkg-config python3-dev python3-venv python3-pytest
          pybind11-dev libcli11-dev libfmt-dev zlib1g-dev libdeflate-dev googletest libgtest-dev libbenchmark-dev
          dpkg-dev file lintian man-db help2man environment-modules  # this line: packaging and its tests
          clang libclang-rt-14-dev lld  # tests/fuzz: libFuzzer with the sanitizers
          valgrind  # tests/bench/call_instructions.py: instructions per call, counted by callgrind
          chromium  # tests: the flame graph and the trace (in npm's speedscope) looked at in headless chromium
          openmpi-bin python3-mpi4py)  # tests/job: MPI jobs under mpirun
# npm for that viewer (installed into the build directory): Debian's, unless a node with its own npm
# (NodeSource's) is already there.
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$python" ]; then
  echo "bootstrap: error: no python at $python (give the python to embed as the second argument)" >&2
  exit 2
fi
cmake -S . -B "$build_dir" -G Ninja -DPython3_EXECUTABLE="$python" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
