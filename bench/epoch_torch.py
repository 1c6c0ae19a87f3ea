#!/usr/bin/env python3
"""Whole-epoch side of `just bench`: the PyTorch script a researcher would write for the report's
Model 4 on the real faces, timed from start to the end of its first training epoch, data loading
included: list the UTKFace folder, label each face by the age in its file name (the report's five
groups), shuffle with a seed and keep the first 15,008 for training (experiments/model4.toml), then
one epoch through a torch.utils.data Dataset that reads each JPEG with OpenCV and resizes it to
32x32 as the report did (cv2.imread, cv2.resize INTER_AREA), batched by a DataLoader (batch 100,
shuffled), Adam 1e-3.

    python bench/epoch_torch.py /work/shared/data/UTKFace [--workers 2] [--threads 2]

Prints one JSON line: load_s (listing and labelling), train_s (the epoch, decoding included, as the
DataLoader interleaves it), total_s and peak_rss_mb; the fields of train_bench's `--epoch` line.
"""

import argparse
import json
import os
import random
import resource
import sys
import time

import cv2
import torch
import torch.nn.functional as F

from train_torch import build

BOUNDS = (14, 25, 39, 59)  # report5: 0-14, 15-25, 26-39, 40-59, 60+
TRAIN = 15008


class Faces(torch.utils.data.Dataset):
    def __init__(self, paths, labels, size):
        self.paths, self.labels, self.size = paths, labels, size

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        img = cv2.cvtColor(cv2.imread(self.paths[i], cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        img = cv2.resize(img, (self.size, self.size), interpolation=cv2.INTER_AREA)
        return torch.from_numpy(img).permute(2, 0, 1), self.labels[i]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--train", type=int, default=TRAIN, help="training faces (the experiment's 15,008)")
    args = ap.parse_args()
    if not os.path.isdir(args.folder):
        sys.exit(f"error: {args.folder} is not a folder")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cv2.setNumThreads(1)

    start = time.perf_counter()
    paths, labels = [], []
    for name in sorted(os.listdir(args.folder)):
        try:
            age = int(name.split("_")[0])
        except ValueError:
            continue  # not a UTKFace name
        paths.append(os.path.join(args.folder, name))
        labels.append(sum(age > b for b in BOUNDS))
    order = list(range(len(paths)))
    random.Random(42).shuffle(order)
    train = order[:args.train]
    faces = Faces([paths[i] for i in train], [labels[i] for i in train], 32)
    loader = torch.utils.data.DataLoader(faces, batch_size=100, shuffle=True, num_workers=args.workers)
    net, _ = build("model4")
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    load_s = time.perf_counter() - start

    net.train()
    for x, y in loader:
        loss = F.cross_entropy(net(x.float().div(255)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()
    total = time.perf_counter() - start
    print(json.dumps({
        "tool": "pytorch",
        "model": "model4",
        "mode": "epoch",
        "input": "3x32x32",
        "batch": 100,
        "threads": args.threads,
        "workers": args.workers,
        "faces": len(paths),
        "train_images": len(train),
        "load_s": load_s,
        "train_s": total - load_s,
        "total_s": total,
        # the main process only (the workers are separate processes)
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }), flush=True)


if __name__ == "__main__":
    main()
