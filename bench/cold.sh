#!/usr/bin/env bash
# `just bench` as on a fresh machine, timed end to end: a new clone of this repository's HEAD, an
# empty agelab cache (so the CPU libtorch, the torch wheel and the bench's Python venv are
# downloaded and built again), an empty target/ and no pip cache. Needs ~6 GB in the scratch folder.
#
#   bench/cold.sh [SCRATCH]      # default /tmp/agelab-cold; prints "cold just bench: N s" last
#
# The figures it writes are in SCRATCH/agelab/bench/results.md (copy them back to commit them).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="${1:-/tmp/agelab-cold}"
data="${AGELAB_DATA:-$repo/../shared/data}"
[ -d "$data/UTKFace" ] || { echo "bench/cold.sh: no UTKFace under $data (set AGELAB_DATA)" >&2; exit 1; }
data="$(cd "$data" && pwd)"
rm -rf "$scratch"
mkdir -p "$scratch"
git clone -q "$repo" "$scratch/agelab"
cd "$scratch/agelab"
unset LIBTORCH CARGO_TARGET_DIR
export AGELAB_CACHE="$scratch/cache" AGELAB_DATA="$data" PIP_NO_CACHE_DIR=1
start=$(date +%s)
just bench
echo "cold just bench: $(( $(date +%s) - start )) s"
