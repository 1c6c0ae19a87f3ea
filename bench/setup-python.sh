#!/usr/bin/env bash
# Builds the benchmark's Python side, cached outside the clone: a venv with PyTorch 2.13.0 running
# on CPU (with torchvision 0.28.0, its match, for the pretrained-weights check), TensorFlow 2.21
# (Keras 3), OpenCV (<5) and numpy, all from PyPI. Idempotent: a second run
# only checks a stamp file and prints the venv's python.
#
#   bench/setup-python.sh        # prints the venv's python on its last line
#
# PyPI's torch wheel is the CUDA build: its dependencies are ~3 GB of NVIDIA libraries that a CPU
# run never calls. So the wheel (the one scripts/setup-libtorch.sh cached) is installed without
# them, and the CUDA-side libraries torch's Python module links against are replaced by one stub
# that defines the symbols it needs (objects as zeroed storage, functions that abort if ever
# called). libcudart and libcupti, which the CPU library itself links, come from the libtorch
# folder. The result imports and trains on CPU with the same libtorch_cpu.so agelab uses.
set -euo pipefail
# A failing step says which one: under `set -e` a failed command substitution exits silently.
trap 'echo "bench setup: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${AGELAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agelab}"
VENV="$CACHE/bench-venv"
STAMP="$VENV/.complete-v2"
PY="${PYTHON:-python3}"

if [ -f "$STAMP" ]; then
  echo "$VENV/bin/python"
  exit 0
fi

for tool in gcc nm; do
  command -v "$tool" >/dev/null || { echo "bench setup: $tool is needed (apt-get install build-essential)" >&2; exit 1; }
done
LIBTORCH="$("$here/../scripts/setup-libtorch.sh" | tail -n 1)"
tag="cp$("$PY" -c 'import sys; print("%d%d" % sys.version_info[:2])')"
# setup-libtorch.sh deletes its wheels once libtorch is built (or fetched them for another python):
# download the torch wheel for this python when it is not there.
shopt -s nullglob
wheels=("$CACHE"/wheels/torch-2.13.0-"$tag"-*.whl)
if [ ${#wheels[@]} -eq 0 ]; then
  "$PY" -m pip download --quiet --no-deps --only-binary=:all: --dest "$CACHE/wheels" torch==2.13.0 >&2
  wheels=("$CACHE"/wheels/torch-2.13.0-"$tag"-*.whl)
fi
shopt -u nullglob
[ ${#wheels[@]} -gt 0 ] || { echo "bench setup: no torch 2.13.0 wheel for $tag in $CACHE/wheels after downloading it" >&2; exit 1; }
wheel="${wheels[-1]}"

echo "agelab bench: building $VENV (one time: ~300 MB download besides the torch wheel, 2.5 GB on disk)" >&2
rm -rf "$VENV"
"$PY" -m venv "$VENV"
pip() { "$VENV/bin/python" -m pip --disable-pip-version-check --quiet "$@" >&2; }
pip install --upgrade pip
pip install 'tensorflow-cpu==2.21.*' 'opencv-python-headless<5' numpy \
  filelock 'typing-extensions>=4.10' 'sympy>=1.13.3' 'networkx>=2.5.1' jinja2 'fsspec>=0.8.5' pillow
pip install --no-deps "$wheel" torchvision==0.28.0

lib="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/torch/lib"
cp "$LIBTORCH/lib/libcudart.so.13" "$LIBTORCH/lib/libcupti.so.13" "$lib/"
# The symbols torch's Python bindings and torchvision's operators take from the CUDA-side
# libraries, typed by those libraries.
cuda_side=(libtorch_cuda.so libc10_cuda.so libtorch_nvshmem.so libtorch_cuda_linalg.so)
tv_ops="$(dirname "$lib")/../torchvision/_C.so"
"$PY" - "$lib" "$tv_ops" "${cuda_side[@]}" >"$VENV/cuda-stub.c" <<'PYEOF'
import re, subprocess, sys
lib, tv_ops, libs = sys.argv[1], sys.argv[2], sys.argv[3:]
def nm(*args):
    out = subprocess.run(["nm", "-D", *args], capture_output=True, text=True, check=True).stdout
    return [l.split() for l in out.splitlines()]
need = {f[1].split("@")[0] for user in (f"{lib}/libtorch_python.so", tv_ops)
        for f in nm("--undefined-only", user) if len(f) == 2}
kind = {}
for name in libs:
    for f in nm("--defined-only", f"{lib}/{name}"):
        if len(f) == 3:
            kind.setdefault(f[2].split("@")[0], f[1])
# Getters of registration hooks that the bindings write into at import: they return storage.
storage_getters = {"_ZN4c10d15get_gil_checkerEv"}
# Queries asked at import whose answer on a CPU machine is 0 (no devices, no CUDA).
zero = {"_ZN3c104cuda12device_countEv"}
print("#include <stdlib.h>\n#include <unistd.h>")
print('static void stub(const char *name) { write(2, "agelab bench: CUDA stub called: ", 32); while (*name) write(2, name++, 1); write(2, "\\n", 1); abort(); }')
print("static char storage[4096] __attribute__((aligned(64)));")
print("struct type_info { const void *vtable; const char *name; };")
print("extern const void *_ZTVN10__cxxabiv117__class_type_infoE[];")
# Objects the bindings construct: a vtable whose type_info is a stub type; virtual calls (the
# destructor, at exit) do nothing.
print('static struct type_info stub_type = { &_ZTVN10__cxxabiv117__class_type_infoE[2], "16agelab_cuda_stub" };')
print("static long virtual_call(void) { return 0; }")
print("static const void *stub_vtable[66] = { 0, &stub_type, " + ", ".join(["virtual_call"] * 64) + " };")
for sym in sorted(need):
    k = kind.get(sym)
    if k is None and sym.startswith(("cudnn", "nccl", "cuFile")):
        k = "T"
    if k is None:
        continue
    if sym in storage_getters:
        print(f"void *{sym}(void) {{ return storage; }}")
    elif sym in zero:
        print(f"long {sym}(void) {{ return 0; }}")
    elif k in "TtWwi" and re.search(r"C[12]E", sym):  # objects made for default arguments
        print(f"void {sym}(const void **self) {{ *self = &stub_vtable[2]; }}")
    elif k in "TtWwi" and re.search(r"D[12]E", sym):
        print(f"void {sym}(void) {{}}")
    elif k in "TtWwi":
        print(f'void {sym}(void) {{ stub("{sym}"); }}')
    elif sym.startswith("_ZTI"):  # type_info: pybind11 hashes its name when registering a class
        print(f'struct type_info {sym} = {{ &_ZTVN10__cxxabiv117__class_type_infoE[2], "{sym[4:]}" }};')
    else:
        print(f"char {sym}[256] __attribute__((aligned(64)));")
PYEOF
for so in "${cuda_side[@]}" libcaffe2_nvrtc.so libcudnn.so.9 libnccl.so.2 libcufile.so.0; do
  src=/dev/null
  [ "$so" = libtorch_cuda.so ] && src="$VENV/cuda-stub.c"
  gcc -x c -shared -fPIC -w -Wl,-soname,"$so" -o "$lib/$so" "$src"
done
"$VENV/bin/python" -c 'import torch, torchvision, tensorflow, cv2; torchvision.models.mobilenet_v2(); x = torch.randn(8, 3, 32, 32, requires_grad=True); torch.nn.functional.conv2d(x, torch.randn(4, 3, 2, 2)).sum().backward()' >&2 \
  || { echo "bench setup: the venv does not import torch/torchvision/tensorflow/cv2; see above" >&2; exit 1; }
touch "$STAMP"
echo "$VENV/bin/python"
