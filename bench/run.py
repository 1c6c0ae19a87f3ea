#!/usr/bin/env python3
"""`just bench`'s driver: runs every measurement on this machine in one go, writes
bench/results.md (tables) and bench/results.csv (every repeat), and prints the tables.

    python bench/run.py [--quick]        # the venv's python, with scripts/with-libtorch.sh's environment

Measured (each figure the median of repeats, with min and max):
- training images/s, inference images/s (batch 256), single-image latency and peak memory of the
  report's Models 2, 4 and 1, in agelab (crates/runner/examples/train_bench.rs: the runner's own
  training step on the experiment's real faces), with and without the glibc allocator settings
  of scripts/with-libtorch.sh; PyTorch eager (bench/train_torch.py: NCHW, with those settings,
  and channels_last); Keras 3 on TensorFlow (bench/train_keras.py); one process per figure set;
- the whole first epoch of Model 4 on the real faces, data loading included: agelab from JPEG
  (an empty cache) and from its cached tensors, against the PyTorch script a researcher would
  write (bench/epoch_torch.py: Dataset + DataLoader with OpenCV decoding);
- how agelab's load + epoch time grows with the number of faces (Model 4, 32x32) and the image
  size (Model 3, 32/64/128 px), each from JPEG with an empty cache;
- decode + resize of the shared UTKFace folder to 32x32 and 64x64 RGB, agelab
  (crates/dataset/examples/decode_bench.rs, both cores) against OpenCV imread + resize in one
  process (bench/decode_opencv.py), and agelab's cached reload.

The binaries are built by the recipe (`cargo build --release --example ...`); $AGELAB_DATA names
the folder holding UTKFace/. `--quick` shrinks every count (a smoke test, not figures).
"""

import argparse
import csv
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EXAMPLES = os.path.join(ROOT, "target", "release", "examples")
TUNABLES = "glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295"

# (name shown, command head, GLIBC_TUNABLES or None for glibc's defaults)
TOOLS = [
    ("agelab", [os.path.join(EXAMPLES, "train_bench")], TUNABLES),
    ("agelab, glibc defaults", [os.path.join(EXAMPLES, "train_bench")], None),
    ("PyTorch eager", [sys.executable, os.path.join(HERE, "train_torch.py")], None),
    ("PyTorch eager + tunables", [sys.executable, os.path.join(HERE, "train_torch.py")], TUNABLES),
    ("PyTorch channels_last", [sys.executable, os.path.join(HERE, "train_torch.py"), "--channels-last"], None),
    ("Keras 3 / TF", [sys.executable, os.path.join(HERE, "train_keras.py")], None),
]
# Per model: training steps per repeat (about 1,000-2,000 images, a few seconds each).
MODELS = [("model2", 30), ("model4", 20), ("model1", 8)]
EXPERIMENT = {m: os.path.join(ROOT, "experiments", f"{m}.toml") for m, _ in MODELS}


def env_for(tunables, extra=None):
    env = dict(os.environ)
    env.pop("GLIBC_TUNABLES", None)
    if tunables:
        env["GLIBC_TUNABLES"] = tunables
    env.update(extra or {})
    return env


def run(cmd, tunables=None, extra_env=None):
    out = subprocess.run(cmd, env=env_for(tunables, extra_env), cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return out.stdout


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return os.cpu_count(), cpu


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def spread(xs):
    """'median (min-max)' of a list."""
    return f"{statistics.median(xs):,.0f} ({min(xs):,.0f}-{max(xs):,.0f})"


def train_rows(quick):
    rows = []
    for model, steps in MODELS:
        steps, warmup, repeats = (2, 1, 1) if quick else (steps, 3, 3)
        for name, head, tunables in TOOLS:
            arg = EXPERIMENT[model] if "train_bench" in head[0] else model
            cmd = head + [arg, "--steps", str(steps), "--warmup", str(warmup), "--repeats", str(repeats), "--threads", "2"]
            print(f"bench: {model}: {name}", file=sys.stderr, flush=True)
            r = json.loads(run(cmd, tunables).strip().splitlines()[-1])
            r["name"] = name
            rows.append(r)
    return rows


# An AGELAB_CACHE that is emptied before each use: agelab decodes every JPEG, as on a first run.
EMPTY_CACHE = os.path.join(ROOT, "target", "bench-empty-cache")


def agelab_epoch(experiment, args, cold):
    """One `train_bench --epoch` line: load (JPEG decode when cold, else the cached tensors) + one epoch."""
    extra = None
    if cold:
        shutil.rmtree(EMPTY_CACHE, ignore_errors=True)
        extra = {"AGELAB_CACHE": EMPTY_CACHE}
    cmd = [os.path.join(EXAMPLES, "train_bench"), experiment, "--epoch", "--threads", "2"] + args
    r = json.loads(run(cmd, TUNABLES, extra).strip().splitlines()[-1])
    shutil.rmtree(EMPTY_CACHE, ignore_errors=True)
    return r


def epoch_rows(quick, folder):
    """Model 4's first epoch, start to end, agelab against the PyTorch script (one run each)."""
    limit = ["--limit", "600"] if quick else []
    rows = []
    for name, cold in (("agelab, from JPEG (empty cache)", True), ("agelab, cached tensors", False)):
        print(f"bench: model4 epoch: {name}", file=sys.stderr, flush=True)
        rows.append(dict(agelab_epoch(EXPERIMENT["model4"], limit, cold), name=name))
    script = [sys.executable, os.path.join(HERE, "epoch_torch.py"), folder, "--workers", "2", "--threads", "2"]
    script += ["--train", "480"] if quick else []
    for name, tunables in (("PyTorch script (DataLoader, 2 workers)", None),
                           ("PyTorch script + tunables", TUNABLES)):
        print(f"bench: model4 epoch: {name}", file=sys.stderr, flush=True)
        rows.append(dict(json.loads(run(script, tunables).strip().splitlines()[-1]), name=name))
    return rows


def scale_rows(quick):
    """agelab's load + epoch time against the number of faces (Model 4) and image size (Model 3)."""
    counts = (300, 600) if quick else (5000, 10000, 1_000_000)  # the last keeps every face
    sizes, faces = ((32, 64), 300) if quick else ((32, 64, 128), 5000)
    rows = []
    for n in counts:
        print(f"bench: scaling: model4, {n} faces", file=sys.stderr, flush=True)
        rows.append(agelab_epoch(EXPERIMENT["model4"], ["--limit", str(n)], True))
    for size in sizes:
        print(f"bench: scaling: model3, {size}x{size}", file=sys.stderr, flush=True)
        rows.append(agelab_epoch(os.path.join(ROOT, "experiments", "model3.toml"),
                                 ["--limit", str(faces), "--size", str(size)], True))
    return rows


DECODE_RE = re.compile(r"decode\+resize (\d+)x\d+: .* = (\d+) images/s")
RELOAD_RE = re.compile(r"cached reload (\d+)x\d+: ([\d.]+) s .*scan \+ cached reload ([\d.]+) s")
OPENCV_RE = re.compile(r"\+resize\(INTER_AREA\) (\d+)x\d+: .* = (\d+) images/s")


def decode_rows(quick):
    folder = os.path.join(os.environ.get("AGELAB_DATA") or os.path.join(ROOT, "data"), "UTKFace")
    if not os.path.isdir(folder):
        sys.exit(f"bench: no UTKFace folder at {folder} (set AGELAB_DATA to the folder holding UTKFace/)")
    repeats = 1 if quick else 3
    agelab = [os.path.join(EXAMPLES, "decode_bench"), folder, "--sizes", "32,64"]
    opencv = [sys.executable, os.path.join(HERE, "decode_opencv.py"), folder, "--sizes", "32", "64"]
    if quick:
        opencv += ["--limit", "2000"]
    rows = {}
    for i in range(repeats):
        print(f"bench: decode, repeat {i + 1}/{repeats}", file=sys.stderr, flush=True)
        out = run(agelab, TUNABLES)
        for size, ips in DECODE_RE.findall(out):
            rows.setdefault(int(size), {}).setdefault("agelab", []).append(float(ips))
        for size, secs, with_scan in RELOAD_RE.findall(out):
            rows[int(size)].setdefault("reload", []).append(float(secs))
            rows[int(size)].setdefault("scan_reload", []).append(float(with_scan))
        for size, ips in OPENCV_RE.findall(run(opencv)):
            rows[int(size)].setdefault("opencv", []).append(float(ips))
    return rows, folder


def detect_rows(quick):
    """The Haar detector against OpenCV's on composed photos of real faces (#9): the example's summary
    lines (recall, precision, ms per image on one thread, boxes identical or not)."""
    cmd = [os.path.join(EXAMPLES, "compare_opencv"), "--python", sys.executable,
           "--out", os.path.join(ROOT, "target", "bench-detect")]
    cmd += ["--count", "4", "--repeat", "1"] if quick else ["--repeat", "3"]
    print("bench: face detection, agelab vs OpenCV", file=sys.stderr, flush=True)
    out = run(cmd, TUNABLES)
    return [l for l in out.splitlines() if l.startswith(("agelab:", "opencv ", "boxes:"))]


def versions():
    code = ("import torch, tensorflow, keras, cv2; "
            "print(torch.__version__, tensorflow.__version__, keras.__version__, cv2.__version__)")
    return run([sys.executable, "-c", code]).split()


def tables(train, decode, folder):
    lines = ["## Training, images/s (median of 3 repeats, min-max), 2 threads", ""]
    names = [t[0] for t in TOOLS]
    lines.append("| model | " + " | ".join(names) + " | agelab / PyTorch | agelab / Keras |")
    lines.append("|---" * (len(names) + 3) + "|")
    by = {(r["model"], r["name"]): r for r in train}
    for model, _ in MODELS:
        rs = [by[(model, n)] for n in names]
        med = {n: statistics.median(by[(model, n)]["train_ips"]) for n in names}
        head = f"{model} ({rs[0]['input']}, batch {rs[0]['batch']})"
        lines.append(f"| {head} | " + " | ".join(spread(r["train_ips"]) for r in rs)
                     + f" | {med['agelab'] / med['PyTorch eager']:.2f}x | {med['agelab'] / med['Keras 3 / TF']:.2f}x |")
    lines += ["", "## Inference and memory", "",
              "Inference: images/s at batch 256, eval mode, no gradients (median of 3). Latency: one image, "
              "median / p95 of 100 calls. Peak memory: the process's peak resident set while training and "
              "inferring (agelab's includes all the experiment's decoded faces; the scripts' a random set "
              "of the training part's size).", "",
              "| model | tool | inference img/s | latency ms (median / p95) | peak RSS MB |", "|---|---|---|---|---|"]
    for model, _ in MODELS:
        for n in names:
            r = by[(model, n)]
            lat = r["latency_ms"]
            lines.append(f"| {model} | {n} | {spread(r['infer_ips'])} | {lat['median']:.2f} / {lat['p95']:.2f} "
                         f"| {r['peak_rss_mb']:,.0f} |")
    lines += ["", f"## Decode + resize, all faces of {folder} (median of 3 runs, min-max)", "",
              "| size | agelab, 2 threads | OpenCV imread + resize, 1 process | agelab / OpenCV "
              "| agelab cached reload | folder scan + cached reload |",
              "|---|---|---|---|---|---|"]
    for size, r in sorted(decode.items()):
        ratio = statistics.median(r["agelab"]) / statistics.median(r["opencv"])
        lines.append(f"| {size}x{size} RGB | {spread(r['agelab'])} img/s | {spread(r['opencv'])} img/s | {ratio:.2f}x "
                     f"| {statistics.median(r['reload']):.3f} s (max {max(r['reload']):.3f}) "
                     f"| {statistics.median(r['scan_reload']):.3f} s (max {max(r['scan_reload']):.3f}) |")
    return lines


def epoch_table(rows):
    lines = ["## Whole epoch, Model 4 on the real faces, data loading included (one run each)", "",
             "From process start to the end of the first training epoch over the experiment's 15,008 "
             "training faces (batch 100, 2 threads). Loading: agelab's folder scan + decode (or cached "
             "reload) + model build; the script's folder listing + labels + DataLoader set-up (its "
             "decoding happens inside the epoch, in 2 worker processes). Peak RSS: the main process.", "",
             "| tool | loading s | epoch s | total s | total / agelab from JPEG | peak RSS MB |",
             "|---|---|---|---|---|---|"]
    base = rows[0]["total_s"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['load_s']:.1f} | {r['train_s']:.1f} | {r['total_s']:.1f} "
                     f"| {r['total_s'] / base:.2f}x | {r['peak_rss_mb']:,.0f} |")
    return lines


def scale_table(rows):
    lines = ["## Scaling: agelab's load + one epoch, from JPEG (empty cache), one run each", "",
             "Faces drawn at random (seeded) from the shared set and split 80/10/10; one epoch over the "
             "training part, 2 threads. Model 4 (32x32 RGB, batch 100) against the number of faces; "
             "Model 3 (gender CNN, batch as experiments/model3.toml) on 5,000 faces against image size.", "",
             "| model | faces | input | training images | load s | epoch s | total s | training img/s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['faces']:,} | {r['input']} | {r['train_images']:,} | {r['load_s']:.1f} "
                     f"| {r['train_s']:.1f} | {r['total_s']:.1f} | {r['train_images'] / r['train_s']:,.0f} |")
    return lines


def write_csv(path, train, decode, epochs):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["what", "model", "tool", "repeat", "value", "unit"])
        for r in train:
            for i, v in enumerate(r["train_ips"]):
                w.writerow(["train", r["model"], r["name"], i + 1, f"{v:.1f}", "images/s"])
            for i, v in enumerate(r["infer_ips"]):
                w.writerow(["infer_b256", r["model"], r["name"], i + 1, f"{v:.1f}", "images/s"])
            w.writerow(["latency_median", r["model"], r["name"], "", f"{r['latency_ms']['median']:.3f}", "ms"])
            w.writerow(["latency_p95", r["model"], r["name"], "", f"{r['latency_ms']['p95']:.3f}", "ms"])
            w.writerow(["peak_rss", r["model"], r["name"], "", f"{r['peak_rss_mb']:.0f}", "MB"])
        for size, r in sorted(decode.items()):
            for key, tool, unit in (("agelab", "agelab", "images/s"), ("opencv", "opencv", "images/s"),
                                    ("reload", "agelab cached reload", "s"),
                                    ("scan_reload", "agelab scan + cached reload", "s")):
                for i, v in enumerate(r[key]):
                    w.writerow([f"decode_{size}", "", tool, i + 1, v, unit])
        for r in epochs:
            what = f"epoch_{r['faces']}_faces_{r['input']}"
            for key in ("load_s", "train_s", "total_s"):
                w.writerow([f"{what}_{key[:-2]}", r["model"], r.get("name", r["tool"]), 1, f"{r[key]:.2f}", "s"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny counts: check the pipeline, not the figures")
    args = ap.parse_args()
    for exe in ("train_bench", "decode_bench", "compare_opencv"):
        if not os.access(os.path.join(EXAMPLES, exe), os.X_OK):
            sys.exit(f"bench: {EXAMPLES}/{exe} is missing; `just bench` builds it")
    start, load_before = time.time(), load()
    ncpu, cpu = machine()
    torch_v, tf_v, keras_v, cv_v = versions()
    sections, mark = [], time.time()

    def section(name):
        nonlocal mark
        sections.append(f"{name} {(time.time() - mark) / 60:.1f}")
        mark = time.time()

    decode, folder = decode_rows(args.quick)
    section("decode")
    train = train_rows(args.quick)
    section("training/inference")
    epochs = epoch_rows(args.quick, folder)
    section("whole epoch")
    scale = scale_rows(args.quick)
    section("scaling")
    detect = detect_rows(args.quick)
    section("detection")
    wall = time.time() - start
    setup = os.environ.get("BENCH_SETUP_SECONDS")
    head = [
        "# Benchmark results" + (" (--quick: not figures)" if args.quick else ""),
        "",
        "Written by `just bench` (bench/run.py); every figure of one run, on one machine.",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {ncpu} CPUs (`nproc`), {cpu}",
        f"- load average (1, 5, 15 min): {load_before} before, {load()} after",
        f"- versions: libtorch / PyTorch {torch_v}, TensorFlow {tf_v}, Keras {keras_v}, OpenCV {cv_v}",
        f"- wall time: measurements {wall / 60:.1f} min ({', '.join(sections)})"
        + (f"; with the recipe's setup and build ({float(setup) / 60:.1f} min) {(wall + float(setup)) / 60:.1f} min"
           if setup else ""),
        "- agelab trains on the experiments' real faces (experiments/model{1,2,4}.toml, cached tensors) "
        "through the runner's training step; the Python scripts on random faces of the same shape and count",
        "",
    ]
    lines = head + tables(train, decode, folder) + [""] + epoch_table(epochs) + [""] + scale_table(scale)
    lines += ["", "## Face detection, 20 composed photos of real faces (crates/detect/examples/compare_opencv.rs)", "",
              "Median of 3 timings per photo; scale 1.1, min neighbours 5, min size 30; gray conversion outside the timer.",
              "", "```"] + detect + ["```"]
    analysis = os.path.join(HERE, "analysis.md")
    if os.path.exists(analysis):
        with open(analysis) as f:
            lines += ["", f.read().rstrip()]
    out = "\n".join(lines) + "\n"
    if not args.quick:  # a smoke test only prints
        with open(os.path.join(HERE, "results.md"), "w") as f:
            f.write(out)
        write_csv(os.path.join(HERE, "results.csv"), train, decode, epochs + scale)
    print(out)


if __name__ == "__main__":
    main()
