#!/usr/bin/env bash
# Installs the trace viewers the browser tests open (npm's speedscope) into BUILD_DIR/browser, never
# globally. Usage: tests/browser/install_viewers.sh BUILD_DIR
set -euo pipefail
build_dir=${1:?usage: install_viewers.sh BUILD_DIR}
prefix="$build_dir/browser"
if [ -f "$prefix/node_modules/speedscope/dist/release/index.html" ]; then exit 0; fi
command -v npm >/dev/null || { echo "install_viewers: npm is not installed" >&2; exit 1; }
mkdir -p "$prefix"
npm install --silent --no-audit --no-fund --prefix "$prefix" speedscope@1.25.0 >/dev/null
