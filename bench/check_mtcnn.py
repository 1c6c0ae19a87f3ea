"""facenet-pytorch's MTCNN on real UTKFace photos: the reference agelab's MTCNN must match.

    check_mtcnn.py FACENET_DIR PIXELS_DIR OUT.json          # writes the reference
    check_mtcnn.py --photos                                 # lists the photos it needs

FACENET_DIR holds the unpacked pinned facenet-pytorch wheel (its facenet_pytorch/ package with
the pnet/rnet/onet weights). PIXELS_DIR holds the photos of --photos decoded by agelab (the
detect crate's mtcnn_photos example: <i>.npy, u8 [height, width, 3], in --photos order), since
JPEG decoders differ by a few levels and both sides must see the same pixels.

Each case is a canvas of one fill colour with UTKFace photos pasted at whole-pixel offsets (a
plain photo is a canvas of its own size): large canvases make the image pyramid deep, two photos
give two faces, a negative offset cuts a face at the border, a blank canvas has none.
MTCNN(keep_all=True).detect(canvas, landmarks=True) runs with its defaults (min face 20, factor
0.709, thresholds 0.6/0.7/0.7, largest face first) and OUT.json gets, per case, the canvas
recipe, the SHA-256 of its RGB pixels (so the comparison knows it decoded the same pixels), and
every face's box, probability and five landmarks. No image is written.
"""
import hashlib
import json
import os
import sys
import types

import numpy as np
import torch
from PIL import Image

# (name, canvas width, height, fill RGB, [(photo, x, y)]); width 0 = the photo's own size.
CASES = [
    ("photo-100y", 0, 0, None, [("100_0_0_20170112213500903.jpg.chip.jpg", 0, 0)]),
    ("photo-25y", 0, 0, None, [("25_0_3_20170119150353974.jpg.chip.jpg", 0, 0)]),
    ("photo-2y", 0, 0, None, [("2_1_3_20161219230209511.jpg.chip.jpg", 0, 0)]),
    ("photo-62y", 0, 0, None, [("62_0_2_20170116183749477.jpg.chip.jpg", 0, 0)]),
    ("photo-30y", 0, 0, None, [("30_1_1_20170110120856819.jpg.chip.jpg", 0, 0)]),
    ("photo-30y-b", 0, 0, None, [("30_1_1_20170112204445843.jpg.chip.jpg", 0, 0)]),
    ("off-centre", 640, 480, (128, 128, 128), [("25_0_3_20170119150353974.jpg.chip.jpg", 371, 203)]),
    ("two-faces", 800, 450, (40, 90, 160),
     [("62_0_2_20170116183749477.jpg.chip.jpg", 57, 31), ("30_1_1_20170112193112574.jpg.chip.jpg", 517, 219)]),
    ("cut-at-border", 420, 300, (230, 230, 230), [("25_0_3_20170119150353974.jpg.chip.jpg", -38, 37)]),
    ("wide", 1280, 720, (12, 12, 12),
     [("2_1_3_20161219230209511.jpg.chip.jpg", 1001, 483), ("30_1_1_20170110120856819.jpg.chip.jpg", 140, 66)]),
    ("no-face", 320, 240, (200, 180, 160), []),
]


def photo_names():
    return sorted({name for case in CASES for name, _, _ in case[4]})


def canvas(decoded, width, height, fill, photos):
    if width == 0:
        (name, _, _), = photos
        return decoded[name]
    out = np.empty((height, width, 3), np.uint8)
    out[:, :] = fill
    for name, x, y in photos:
        pixels = decoded[name]
        h, w = pixels.shape[:2]
        # Pasted with its parts outside the canvas cut off.
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + w, width), min(y + h, height)
        out[y0:y1, x0:x1] = pixels[y0 - y:y1 - y, x0 - x:x1 - x]
    return out


def main():
    if sys.argv[1:] == ["--photos"]:
        print("\n".join(photo_names()))
        return
    facenet_dir, pixels_dir, out = sys.argv[1:]
    decoded = {name: np.load(os.path.join(pixels_dir, f"{i}.npy")) for i, name in enumerate(photo_names())}
    sys.path.insert(0, facenet_dir)
    # The package's __init__ imports its model-download helper, which wants tqdm (a progress bar);
    # MTCNN never downloads, so an empty stand-in keeps the venv free of it (installed after
    # torchvision's import, whose torch._dynamo scan wants real module specs).
    import torchvision  # noqa: F401
    if "tqdm" not in sys.modules:
        sys.modules["tqdm"] = types.ModuleType("tqdm")
        sys.modules["tqdm.auto"] = types.ModuleType("tqdm.auto")
        sys.modules["tqdm"].tqdm = sys.modules["tqdm.auto"].tqdm = None
    import facenet_pytorch
    from facenet_pytorch import MTCNN

    torch.set_num_threads(1)
    mtcnn = MTCNN(keep_all=True, device="cpu")
    cases = []
    for name, width, height, fill, photos in CASES:
        pixels = canvas(decoded, width, height, fill, photos)
        boxes, probs, points = mtcnn.detect(Image.fromarray(pixels), landmarks=True)
        faces = []
        if boxes is not None:
            for box, prob, pts in zip(boxes, probs, points):
                faces.append({
                    "box": [float(v) for v in box],
                    "prob": float(prob),
                    "landmarks": [[float(v) for v in p] for p in pts],
                })
        cases.append({
            "name": name,
            "canvas": [int(pixels.shape[1]), int(pixels.shape[0])],
            "fill": list(fill) if fill else None,
            "photos": [{"file": f, "x": x, "y": y} for f, x, y in photos],
            "pixels_sha256": hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest(),
            "faces": faces,
        })
        print(f"{name}: {len(faces)} face(s)", file=sys.stderr)
    result = {
        "about": "facenet-pytorch MTCNN.detect(landmarks=True) on UTKFace canvases "
        "(bench/check_mtcnn.sh writes this; crates/detect/tests/mtcnn.rs compares)",
        "torch": torch.__version__,
        "facenet_pytorch": getattr(facenet_pytorch, "__version__", "2.6.0"),
        "cases": cases,
    }
    with open(out + ".part", "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(out + ".part", out)


if __name__ == "__main__":
    main()
