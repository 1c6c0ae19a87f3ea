#!/usr/bin/env bash
# Runs a command with libtorch set up: builds the cached CPU libtorch folder if needed, then exports
# LIBTORCH (for torch-sys at build time; binaries get an rpath to it) and LD_LIBRARY_PATH (for the
# odd binary built before LIBTORCH was known).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIBTORCH="$("$here/setup-libtorch.sh" | tail -n 1)"
export LIBTORCH
export LD_LIBRARY_PATH="$LIBTORCH/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$@"
