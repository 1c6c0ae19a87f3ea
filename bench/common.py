"""What bench/train_torch.py and bench/train_keras.py share with agelab's `train_bench` example:
the report's three models' input shapes and batch sizes, the command line, a stand-in data set and
the JSON line each prints (the fields of crates/runner/examples/train_bench.rs)."""

import argparse
import json
import resource
import statistics
import time

import numpy as np

# The report's models as experiments/model{1,2,4}.toml train them: input (channels, side), batch,
# training faces (the experiments' splits of the 22,704 shared faces).
MODELS = {
    "model2": dict(channels=3, size=32, batch=64, train=15000),
    "model4": dict(channels=3, size=32, batch=100, train=15008),
    "model1": dict(channels=1, size=64, batch=128, train=16346),
}


def parse_args(doc):
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=sorted(MODELS))
    ap.add_argument("--steps", type=int, default=20, help="training steps per timed repeat")
    ap.add_argument("--warmup", type=int, default=5, help="untimed training steps first")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--channels-last", action="store_true", help="PyTorch only: channels_last model and input")
    return ap.parse_args()


def dataset(spec, seed=0):
    """Random uint8 faces (N, C, H, W) and labels in the shape of the model's training part: the
    timing does not depend on pixel values, and each step assembles its batch from it as agelab's
    runner does from the decoded faces."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (spec["train"], spec["channels"], spec["size"], spec["size"]), dtype=np.uint8)
    age_group = rng.integers(0, 5, spec["train"])
    gender = rng.integers(0, 2, spec["train"])
    return images, age_group, gender


def batches(n, batch, steps, seed=0):
    """Index arrays of `steps` shuffled batches (cycling over the n faces)."""
    order = np.random.default_rng(seed).permutation(n)
    order = np.resize(order, steps * batch)
    return [order[i * batch:(i + 1) * batch] for i in range(steps)]


def rate(run, images):
    """Images/s of one call of run()."""
    start = time.perf_counter()
    run()
    return images / (time.perf_counter() - start)


def latency_ms(call, n=100):
    """Median and 95th percentile of n timed calls, in ms."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return {"median": statistics.median(times), "p95": times[round((n - 1) * 0.95)]}


def emit(tool, model, args, train_ips, infer_ips, latency, data="random uint8 faces in memory, batches converted per step"):
    spec = MODELS[model]
    print(json.dumps({
        "tool": tool,
        "model": model,
        "input": f"{spec['channels']}x{spec['size']}x{spec['size']}",
        "batch": spec["batch"],
        "threads": args.threads,
        "data": data,
        "steps": args.steps,
        "train_ips": train_ips,
        "infer_ips": infer_ips,
        "latency_ms": latency,
        # ru_maxrss is in KiB on Linux
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }), flush=True)
