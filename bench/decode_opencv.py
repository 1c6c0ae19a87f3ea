#!/usr/bin/env python3
"""Decode + resize every JPEG of a UTKFace folder with OpenCV, single process: the baseline that
`cargo run --release -p dataset --example decode_bench` is compared with.

Usage (the venv of `just bench`: bench/setup-python.sh prints its python):
    python bench/decode_opencv.py /work/shared/data/UTKFace [--sizes 32 64] [--threads 1] [--gray]

It reads each file with cv2.imread (BGR), resizes with cv2.resize(INTER_AREA) -- the report's
choice -- and stacks the results as one uint8 array, as the Rust loader does. It prints images/s
per size, by wall clock and per CPU-second (a loaded machine shows in the difference). `--threads` sets cv2.setNumThreads (default 1: one core; 0 lets OpenCV choose).
"""

import argparse
import os
import sys
import time

import cv2
import numpy as np


def run(paths, size, gray):
    flag = cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR
    out = np.empty((len(paths), size, size) if gray else (len(paths), size, size, 3), dtype=np.uint8)
    failed = 0
    start, cpu = time.perf_counter(), time.process_time()
    for i, p in enumerate(paths):
        img = cv2.imread(p, flag)
        if img is None:
            failed += 1
            continue
        out[i] = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    return time.perf_counter() - start, time.process_time() - cpu, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--gray", action="store_true", help="IMREAD_GRAYSCALE (libjpeg decodes only Y)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N files (sorted)")
    args = ap.parse_args()
    if not os.path.isdir(args.folder):
        sys.exit(f"error: {args.folder} is not a folder")
    cv2.setNumThreads(args.threads)
    names = sorted(n for n in os.listdir(args.folder) if n.endswith(".jpg"))
    if args.limit:
        names = names[: args.limit]
    paths = [os.path.join(args.folder, n) for n in names]
    print(f"opencv {cv2.__version__}, threads={cv2.getNumThreads()}, {len(paths)} files in {args.folder}")
    for size in args.sizes:
        secs, cpu, failed = run(paths, size, args.gray)
        print(f"opencv imread{'(gray)' if args.gray else ''}+resize(INTER_AREA) {size}x{size}: {len(paths)} images in {secs:.2f} s wall = "
              f"{len(paths) / secs:.0f} images/s; {len(paths) / cpu:.0f} images per CPU-second ({failed} failed)")


if __name__ == "__main__":
    main()
