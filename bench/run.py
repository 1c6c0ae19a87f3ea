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


def env_for(tunables):
    env = dict(os.environ)
    env.pop("GLIBC_TUNABLES", None)
    if tunables:
        env["GLIBC_TUNABLES"] = tunables
    return env


def run(cmd, tunables=None):
    out = subprocess.run(cmd, env=env_for(tunables), cwd=ROOT, capture_output=True, text=True)
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


def write_csv(path, train, decode):
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
    decode, folder = decode_rows(args.quick)
    train = train_rows(args.quick)
    detect = detect_rows(args.quick)
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
        f"- wall time: measurements {wall / 60:.1f} min"
        + (f"; with the recipe's setup and build {(wall + float(setup)) / 60:.1f} min" if setup else ""),
        "- agelab trains on the experiments' real faces (experiments/model{1,2,4}.toml, cached tensors) "
        "through the runner's training step; the Python scripts on random faces of the same shape and count",
        "",
    ]
    lines = head + tables(train, decode, folder)
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
        write_csv(os.path.join(HERE, "results.csv"), train, decode)
    print(out)


if __name__ == "__main__":
    main()
