#!/usr/bin/env bash
# Builds a CPU-only libtorch 2.13.0 folder from PyPI wheels (the only source reachable here),
# cached outside the clone. Idempotent: a second run only checks a stamp file and prints the path.
#
#   scripts/setup-libtorch.sh          # prints the libtorch folder on its last line
#
# Layout of the folder: lib/ (libtorch_cpu.so, libc10.so, libgomp.so.1, libcudart.so.13,
# libcupti.so.13 and a stand-in libtorch.so) and include/ (the C++ headers), which is what
# torch-sys expects in $LIBTORCH.
set -euo pipefail

TORCH_VERSION=2.13.0
CUDART_VERSION=13.0.96   # cuda-toolkit 13.0.3, as pinned by torch 2.13.0's metadata
CUPTI_VERSION=13.0.85
CACHE="${AGELAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agelab}"
DEST="$CACHE/libtorch-$TORCH_VERSION-cpu"
STAMP="$DEST/.complete"

if [ -f "$STAMP" ]; then
  echo "$DEST"
  exit 0
fi

echo "agelab: building a CPU libtorch $TORCH_VERSION in $DEST (one time, ~530 MB download)" >&2
DL="$CACHE/wheels"
mkdir -p "$DL"
PY="${PYTHON:-python3}"
dl() { "$PY" -m pip download --quiet --no-cache-dir --no-deps --only-binary=:all: --dest "$DL" "$1" >&2; }
dl "torch==$TORCH_VERSION"
dl "nvidia-cuda-runtime==$CUDART_VERSION"
dl "nvidia-cuda-cupti==$CUPTI_VERSION"

TMP="$DEST.tmp.$$"
rm -rf "$TMP"
mkdir -p "$TMP/lib" "$TMP/include"
trap 'rm -rf "$TMP"' EXIT

"$PY" - "$DL" "$TMP" "$TORCH_VERSION" "$CUDART_VERSION" "$CUPTI_VERSION" <<'PYEOF'
import glob, os, shutil, sys, zipfile
dl, out, tv, rv, cv = sys.argv[1:]

def wheel(pattern):
    found = sorted(glob.glob(os.path.join(dl, pattern)))
    if not found:
        sys.exit(f"agelab setup: no wheel matching {pattern} in {dl}")
    return zipfile.ZipFile(found[-1])

def extract(z, member, dest):
    with z.open(member) as src, open(dest, "wb") as dst:
        shutil.copyfileobj(src, dst)

t = wheel(f"torch-{tv}-*.whl")
for lib in ("libtorch_cpu.so", "libc10.so", "libgomp.so.1"):
    extract(t, f"torch/lib/{lib}", os.path.join(out, "lib", lib))
for m in t.namelist():
    if m.startswith("torch/include/") and not m.endswith("/"):
        dest = os.path.join(out, "include", m[len("torch/include/"):])
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        extract(t, m, dest)

def extract_so(z, stem, out):
    names = [m for m in z.namelist() if os.path.basename(m) == stem]
    if not names:
        sys.exit(f"agelab setup: {stem} not found in wheel")
    extract(z, names[0], os.path.join(out, "lib", stem))

extract_so(wheel(f"nvidia_cuda_runtime-{rv}*.whl"), "libcudart.so.13", out)
extract_so(wheel(f"nvidia_cuda_cupti-{cv}*.whl"), "libcupti.so.13", out)
PYEOF

# torch-sys links -ltorch; the wheel's libtorch.so pulls in libtorch_cuda.so, so a CPU folder
# gets an empty stand-in with the same soname. libgomp.so lets the linker find -lgomp here.
echo "" | gcc -x c -shared -fPIC -Wl,-soname,libtorch.so -o "$TMP/lib/libtorch.so" -
ln -sf libgomp.so.1 "$TMP/lib/libgomp.so"
echo "$TORCH_VERSION cpu" > "$TMP/build-version"

rm -rf "$DEST"
mv "$TMP" "$DEST"
trap - EXIT
touch "$STAMP"
# The wheels (~530 MB) are not needed once the folder is complete.
rm -rf "$DL"
echo "$DEST"
