#!/usr/bin/env bash
# Runs a command with libtorch set up: builds the cached CPU libtorch folder if needed, then exports
# LIBTORCH (for torch-sys at build time; binaries get an rpath to it) and LD_LIBRARY_PATH (for the
# odd binary built before LIBTORCH was known).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIBTORCH="$("$here/setup-libtorch.sh" | tail -n 1)"
export LIBTORCH
export LD_LIBRARY_PATH="$LIBTORCH/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# glibc returns every large freed block to the kernel by default, so each big intermediate tensor
# pays fresh page faults on the next step; keeping freed memory in the heap makes small-CNN training
# ~25% faster here (see bench/ and ../shared/NOTES-libtorch-cpu.md). A caller's setting wins.
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295}"
exec "$@"
