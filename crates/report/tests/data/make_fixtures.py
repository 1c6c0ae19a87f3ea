#!/usr/bin/env python3
"""Writes the small run folders used by the report tests (deterministic; rerun to regenerate).

run-model4:    one 5-class ordinal age head "age" (24 test faces).
run-multitask: heads "age" (5 classes), "gender" (binary) and "age_years" (regression), laid out as
               the runner currently writes it: timing in timing.csv, 10-crop metrics in test-metrics.json.
"""
import json
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
# A shortened Keras-style summary, as `agelab models show` prints it.
MODEL_SUMMARY = """Model: "model4" (input 3x32x32, heads age:5)
=================================================================
 conv1 (Conv2D)                   (None, 32, 32, 128)   1,664
 fc1 (Dense)                      (None, 256)           1,048,832
 out (Dense, linear)              (None, 5)             1,285
=================================================================
Total params: 1,084,613 (4.14 MB)
Multiply-adds per image: 11,011,328 (11.01 M)
"""
AGE_CLASSES = ["0-14", "15-25", "26-39", "40-59", "60+"]
GENDER_CLASSES = ["male", "female"]
EDGES = [0, 15, 26, 40, 60, 200]


def age_class(age):
    return next(i for i in range(5) if EDGES[i] <= age < EDGES[i + 1])


def probs_for(rng, k, pred, sharp):
    logits = [rng.gauss(0, 0.6) for _ in range(k)]
    logits[pred] = max(logits) + sharp
    z = [math.exp(v) for v in logits]
    s = sum(z)
    p = [round(v / s, 4) for v in z]
    p[pred] = round(1 - sum(p[:pred] + p[pred + 1:]), 4)
    return p


def class_metrics(classes, truth, pred, ordinal, scores=None):
    k = len(classes)
    conf = [[0] * k for _ in range(k)]
    for t, p in zip(truth, pred):
        conf[t][p] += 1
    n = len(truth)
    per = []
    f1s = []
    for c in range(k):
        tp = conf[c][c]
        col = sum(conf[r][c] for r in range(k))
        row = sum(conf[c])
        prec = tp / col if col else 0.0
        rec = tp / row if row else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        f1s.append(f1)
        per.append({"class": classes[c], "precision": round(prec, 4), "recall": round(rec, 4),
                    "f1": round(f1, 4), "support": row})
    auc = None
    if k == 2 and scores is not None:
        pos = [s for s, t in zip(scores, truth) if t == 1]
        neg = [s for s, t in zip(scores, truth) if t == 0]
        wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
        auc = round(wins / (len(pos) * len(neg)), 4)
    return {
        "kind": "classification",
        "classes": classes,
        "ordinal": ordinal,
        "accuracy": round(sum(t == p for t, p in zip(truth, pred)) / n, 4),
        "one_off": round(sum(abs(t - p) <= 1 for t, p in zip(truth, pred)) / n, 4) if ordinal else None,
        "confusion": conf,
        "per_class": per,
        "macro_f1": round(sum(f1s) / k, 4),
        "auc": auc,
    }


def write(folder, name, text):
    with open(os.path.join(folder, name), "w", newline="\n") as f:
        f.write(text)


def make(folder, experiment, run_id, model, params, heads, seed, warnings, split_timing=False, ten_crop=False):
    rng = random.Random(seed)
    path = os.path.join(HERE, folder)
    os.makedirs(path, exist_ok=True)
    n = 24
    faces = []
    for i in range(n):
        age = rng.choice([3, 8, 12, 17, 21, 24, 29, 33, 37, 45, 52, 58, 63, 71, 80])
        gender = rng.randrange(2)
        race = [0, 0, 0, 1, 1, 2, 2, 3, 3, 4][rng.randrange(10)]
        faces.append((f"{age}_{gender}_{race}_2017011{i % 10}{i:04d}.jpg.chip.jpg", age, gender, race))

    cols = ["file", "age", "gender", "race"]
    per_head = {}
    metrics = {}
    for h in heads:
        if h == "age":
            truth = [age_class(a) for _, a, _, _ in faces]
            pred = [t if rng.random() < 0.62 else max(0, min(4, t + rng.choice([-1, 1, 1, 2]))) for t in truth]
            probs = [probs_for(rng, 5, p, rng.uniform(0.3, 2.5)) for p in pred]
            per_head[h] = (truth, pred, probs)
            metrics[h] = class_metrics(AGE_CLASSES, truth, pred, True)
            cols += ["age_true", "age_pred"] + [f"age_p{k}" for k in range(5)]
        elif h == "gender":
            truth = [g for _, _, g, _ in faces]
            pred = [t if rng.random() < 0.83 else 1 - t for t in truth]
            probs = [probs_for(rng, 2, p, rng.uniform(0.2, 3.0)) for p in pred]
            per_head[h] = (truth, pred, probs)
            metrics[h] = class_metrics(GENDER_CLASSES, truth, pred, False, [p[1] for p in probs])
            cols += ["gender_true", "gender_pred", "gender_p0", "gender_p1"]
        else:
            truth = [float(a) for _, a, _, _ in faces]
            pred = [round(max(1.0, a + rng.gauss(0, 7)), 2) for a in truth]
            per_head[h] = (truth, pred, None)
            err = [p - t for t, p in zip(truth, pred)]
            metrics[h] = {"kind": "regression", "mae": round(sum(abs(e) for e in err) / n, 4),
                          "rmse": round(math.sqrt(sum(e * e for e in err) / n), 4)}
            cols += [f"{h}_true", f"{h}_pred"]

    lines = [",".join(cols)]
    for i, (f, a, g, r) in enumerate(faces):
        row = [f, str(a), str(g), str(r)]
        for h in heads:
            t, p, pr = per_head[h]
            if pr is None:
                row += [f"{t[i]:.1f}", f"{p[i]:.2f}"]
            else:
                row += [str(t[i]), str(p[i])] + [f"{v:.4f}" for v in pr[i]]
        lines.append(",".join(row))
    write(path, "predictions.csv", "\n".join(lines) + "\n")

    epochs = 5
    mcols = ["epoch", "lr", "seconds", "train_images_per_s", "train_loss", "valid_loss"]
    for h in heads:
        suf = "mae" if h == "age_years" else "acc"
        mcols += [f"train_{h}_{suf}", f"valid_{h}_{suf}"]
    mlines = [",".join(mcols)]
    best, best_acc = 1, -1.0
    d = 0.01 * (seed - 5)  # runs differ a little
    for e in range(1, epochs + 1):
        tl = 1.55 * math.exp(-0.28 * e) + 0.35 * len(heads)
        vl = tl + 0.05 * e - 0.02
        row = [str(e), f"{0.001 * (0.5 ** (e // 3)):.6g}", f"{41.8 + e * 0.3:.2f}",
               f"{3830.5 - 12 * e:.1f}", f"{tl:.4f}", f"{vl:.4f}"]
        for h in heads:
            if h == "age_years":
                row += [f"{14.0 - 1.4 * e:.3f}", f"{14.5 - 1.1 * e + 0.08 * e * e + 10 * d:.3f}"]
            elif h == "gender":
                row += [f"{0.62 + 0.05 * e:.4f}", f"{0.60 + 0.05 * e - 0.004 * e * e + d:.4f}"]
            else:
                row += [f"{0.38 + 0.07 * e:.4f}", f"{0.36 + (0.075 + d) * e - 0.008 * e * e:.4f}"]
        mlines.append(",".join(row))
        if float(row[mcols.index(f"valid_{heads[0]}_acc")]) > best_acc:
            best, best_acc = e, float(row[mcols.index(f"valid_{heads[0]}_acc")])
    if split_timing:
        # The runner's current layout: timing in timing.csv, not in metrics.csv.
        keep = [i for i, c in enumerate(mcols) if c not in ("seconds", "train_images_per_s")]
        timing = ["epoch,seconds,train_images_per_s"] + [
            ",".join([r.split(",")[0], r.split(",")[2], r.split(",")[3]]) for r in mlines[1:]]
        write(path, "timing.csv", "\n".join(timing) + "\n")
        write(path, "metrics.csv", "\n".join(",".join(r.split(",")[i] for i in keep) for r in mlines) + "\n")
    else:
        write(path, "metrics.csv", "\n".join(mlines) + "\n")

    # The runner keeps heads in a BTreeMap: sorted by name in the file, not in config order.
    test = {"part": "test", "images": n, "loss": 1.0123 if len(heads) == 1 else 2.0456,
            "best_epoch": best, "heads": dict(sorted(metrics.items()))}
    if ten_crop:
        tc = json.loads(json.dumps(test["heads"]))
        for m in tc.values():
            if m["kind"] == "classification":
                m["accuracy"] = round(m["accuracy"] + 0.0417, 4)
            else:
                m["mae"] = round(m["mae"] - 0.21, 4)
        test["ten_crop"] = tc
    write(path, "test-metrics.json", json.dumps(test, indent=2) + "\n")

    head_list = []
    for h in heads:
        if h == "age":
            head_list.append({"name": h, "outputs": 5, "classes": AGE_CLASSES})
        elif h == "gender":
            head_list.append({"name": h, "outputs": 2, "classes": GENDER_CLASSES})
        else:
            head_list.append({"name": h, "outputs": 1, "classes": None})
    manifest = {
        "experiment": experiment, "run_id": run_id, "agelab_version": "0.1.0",
        "libtorch_version": "2.9.0", "git_commit": "3f9c2e1a7b", "git_dirty": False,
        "seed": seed, "device": "cpu", "threads": 2, "data_root": "data/UTKFace",
        "data_fingerprint": "sha256:9b1d4c0e", "split_fingerprint": "sha256:51aa07f3",
        "split_sizes": {"train": 160, "valid": 24, "test": n}, "model": model,
        "parameters": params, "multiply_adds": 11011328, "input": {"channels": 3, "size": 64}, "heads": head_list,
        "started": "2025-01-01T12:00:00Z", "finished": "2025-01-01T12:03:40Z",
        "train_seconds": 219.5, "warnings": warnings, "status": "finished",
    }
    write(path, "manifest.json", json.dumps(manifest, indent=2) + "\n")
    write(path, "model-summary.txt", MODEL_SUMMARY)
    write(path, "load-summary.json", json.dumps({
        "folder": "data/UTKFace", "seen": 211, "kept": 208,
        "skipped": [{"file": "61_1_20170109142408075.jpg.chip.jpg", "reason": "name has 3 fields, expected 4"},
                    {"file": "39_1_20170116174525125.jpg.chip.jpg", "reason": "name has 3 fields, expected 4"},
                    {"file": "broken_0_0_20170101.jpg", "reason": "cannot decode: unexpected end of file"}],
    }, indent=2) + "\n")
    log = []
    for line in mlines[1:]:
        v = line.split(",")
        log.append(f"epoch {v[0]}/{epochs} lr {v[1]} train_loss {v[4]} valid_loss {v[5]} ({v[2]} s)")
    log.insert(2, "warning: " + warnings[0]) if warnings else None
    write(path, "train.log", "\n".join(log) + "\n")


make("run-model4", "model4", "20250101-120000", "model4", 1_234_567, ["age"], 4,
     ["3 files skipped while loading UTKFace (see load-summary.json)",
      "valid set has only 24 faces: validation metrics are noisy"])
make("run-multitask", "multitask", "20250102-090000-2", "model4-multi", 1_301_044,
     ["age", "gender", "age_years"], 7, [], split_timing=True, ten_crop=True)
