#!/usr/bin/env bash
# bench/check_mtcnn.sh -- regenerates bench/mtcnn_reference.json: facenet-pytorch's MTCNN boxes,
# probabilities and landmarks on UTKFace photos (plain, and pasted onto larger canvases; decoded by
# agelab, so both sides see the same pixels), which
# crates/detect/tests/mtcnn.rs compares agelab's MTCNN against. Needs the bench venv
# (bench/setup-python.sh), UTKFace ($AGELAB_DATA/UTKFace) and pip; the pinned facenet-pytorch
# wheel is unpacked into a temporary folder (nothing is installed) and only numbers are written.
set -euo pipefail
trap 'echo "check_mtcnn: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "${BASH_SOURCE[0]}")/.."
data="${AGELAB_DATA:?set AGELAB_DATA to the folder that holds UTKFace/}/UTKFace"
py="$(bench/setup-python.sh | tail -n 1)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The pinned wheel, checked against the SHA-256 the weights crate pins.
wheel=facenet_pytorch-2.6.0-py3-none-any.whl
"$py" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --dest "$tmp" \
  facenet-pytorch==2.6.0
pinned="$(grep -A1 "file: \"$wheel\"" crates/weights/src/catalog.rs | grep -o '[0-9a-f]\{64\}')"
echo "$pinned  $tmp/$wheel" | sha256sum --check --quiet
"$py" -m zipfile -e "$tmp/$wheel" "$tmp/facenet"
mkdir "$tmp/pixels"
mapfile -t photos < <("$py" bench/check_mtcnn.py --photos)
scripts/with-libtorch.sh cargo run --quiet -p detect --example mtcnn_photos -- "$tmp/pixels" "${photos[@]/#/$data/}"
"$py" bench/check_mtcnn.py "$tmp/facenet" "$tmp/pixels" bench/mtcnn_reference.json
