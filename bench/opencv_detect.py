#!/usr/bin/env python3
"""Run OpenCV's Haar cascade face detector over a folder of PNGs, single-threaded.

Reference side of the comparison with agelab's Rust detector (crates/detect). It reads
a JSON file of parameters, runs cv2.CascadeClassifier.detectMultiScale on every *.png in
the folder (sorted by name), and writes the boxes and timings as JSON.

Usage:
    bench/.venv/bin/python bench/opencv_detect.py IMAGES_DIR PARAMS_JSON [--out OUT_JSON]

PARAMS_JSON holds:
    {"cascade": "path/to/haarcascade_frontalface_default.xml",
     "scale_factor": 1.1, "min_neighbors": 5, "min_size": [30, 30],
     "max_size": null, "repeat": 3}

Output (to --out, or stdout):
    {"opencv_version": "4.x", "threads": 1, "params": {...},
     "images": [{"file": "photo_00.png", "width": 640, "height": 480,
                 "boxes": [[x, y, w, h], ...], "neighbors": [n, ...], "ms": 12.3}],
     "mean_ms": 12.3}

"ms" is the median over `repeat` runs of detectMultiScale on the grayscale image
(image decoding and colour conversion are not timed).

Set up the environment once with:
    python3 -m venv bench/.venv && bench/.venv/bin/pip install 'opencv-python-headless<5'
"""

import argparse
import json
import os
import statistics
import sys
import time

import cv2


def to_gray(image):
    """Grayscale as detectMultiScale would make it (cvtColor BGR2GRAY for colour)."""
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("images_dir")
    parser.add_argument("params_json")
    parser.add_argument("--out", help="write the JSON here instead of stdout")
    args = parser.parse_args()

    with open(args.params_json) as f:
        params = json.load(f)

    cv2.setNumThreads(1)
    cascade = cv2.CascadeClassifier(params["cascade"])
    if cascade.empty():
        sys.exit(f"cannot load cascade {params['cascade']}")

    scale_factor = float(params.get("scale_factor", 1.1))
    min_neighbors = int(params.get("min_neighbors", 5))
    min_size = tuple(params.get("min_size") or (0, 0))
    max_size = tuple(params.get("max_size") or (0, 0))
    repeat = max(1, int(params.get("repeat", 3)))

    names = sorted(n for n in os.listdir(args.images_dir) if n.lower().endswith(".png"))
    results = []
    for name in names:
        image = cv2.imread(os.path.join(args.images_dir, name), cv2.IMREAD_UNCHANGED)
        if image is None:
            sys.exit(f"cannot read {name}")
        gray = to_gray(image)

        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            cascade.detectMultiScale(
                gray,
                scaleFactor=scale_factor,
                minNeighbors=min_neighbors,
                minSize=min_size,
                maxSize=max_size,
            )
            times.append((time.perf_counter() - start) * 1000.0)

        # Same call once more through detectMultiScale2 for the neighbour counts
        # (identical boxes; not timed).
        boxes, neighbors = cascade.detectMultiScale2(
            gray,
            scaleFactor=scale_factor,
            minNeighbors=min_neighbors,
            minSize=min_size,
            maxSize=max_size,
        )
        results.append(
            {
                "file": name,
                "width": int(gray.shape[1]),
                "height": int(gray.shape[0]),
                "boxes": [[int(v) for v in b] for b in boxes],
                "neighbors": [int(n) for n in neighbors],
                "ms": statistics.median(times),
            }
        )

    report = {
        "opencv_version": cv2.__version__,
        "threads": cv2.getNumThreads(),
        "params": params,
        "images": results,
        "mean_ms": statistics.mean(r["ms"] for r in results) if results else 0.0,
    }
    text = json.dumps(report, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
