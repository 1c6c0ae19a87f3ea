#!/usr/bin/env python3
"""Keras side of `just bench` (Keras 3 on TensorFlow, the report's stack): training images/s,
inference images/s (batch 256) and single-image latency of the report's Models 1, 2 and 4 with
its layers, losses and optimiser (Adam 1e-3), trained with `model.fit` as the report does, on
float images scaled to [0, 1] in memory (the report's X / 255). Keras compiles the step as it
chooses by default (XLA where the model allows it).

    python bench/train_keras.py model4 [--steps 20] [--warmup 5] [--repeats 3] [--threads 2]

Prints one JSON line (fields as crates/runner/examples/train_bench.rs).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

from common import MODELS, batches, dataset, emit, latency_ms, parse_args, rate  # noqa: E402


def build(model, spec):
    """The report's network, compiled with its losses; and the targets from (age_group, gender)."""
    inp = keras.Input((spec["size"], spec["size"], spec["channels"]))
    if model in ("model2", "model4"):
        f1, f2, k = (64, 32, 2) if model == "model2" else (128, 64, 5)
        h = inp
        for f in (f1, f2):
            h = layers.Conv2D(f, 2, padding="same", activation="relu")(h)
            h = layers.MaxPooling2D(2)(h)
            h = layers.Dropout(0.3)(h)
        h = layers.Flatten()(h)
        h = layers.Dense(256, activation="relu")(h)
        h = layers.Dropout(0.5)(h)
        if model == "model2":
            out = layers.Dense(2, activation="sigmoid")(h)
            net = keras.Model(inp, out)
            net.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
            return net, lambda a, g: np.eye(2, dtype="float32")[g]
        out = layers.Dense(5, activation="softmax")(h)
        net = keras.Model(inp, out)
        net.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
        return net, lambda a, g: a
    h = inp
    for f, pool in ((32, False), (64, True), (128, True), (256, False), (256, False)):
        h = layers.Conv2D(f, 3, activation="relu")(h)
        if pool:
            h = layers.MaxPooling2D(2)(h)
    h = layers.Flatten()(h)
    outs = []
    for name, act in (("age", "softmax"), ("gender", "sigmoid")):
        t = h
        for units in (256, 128, 64, 32):
            t = layers.Dense(units, activation="relu")(t)
        outs.append(layers.Dense(1, activation=act, name=name)(t))
    net = keras.Model(inp, outs)
    net.compile(optimizer=keras.optimizers.Adam(1e-3), loss={"age": "mse", "gender": "binary_crossentropy"})
    return net, lambda a, g: {"age": a.astype("float32"), "gender": g.astype("float32")}


def main():
    args = parse_args(__doc__)
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    keras.utils.set_random_seed(0)
    spec = MODELS[args.model]
    images, age_group, gender = dataset(spec)
    x = images.transpose(0, 2, 3, 1).astype("float32") / 255.0  # Keras' NHWC
    net, targets = build(args.model, spec)

    def train(steps):
        idx = np.concatenate(batches(spec["train"], spec["batch"], steps))
        net.fit(x[idx], targets(age_group[idx], gender[idx]), batch_size=spec["batch"], epochs=1,
                shuffle=False, verbose=0)

    train(args.warmup)
    train_ips = [rate(lambda: train(args.steps), args.steps * spec["batch"]) for _ in range(args.repeats)]

    x256 = x[batches(spec["train"], 256, 1)[0]]
    x1 = x256[:1]
    net.predict_on_batch(x256)
    net.predict_on_batch(x1)
    infer_ips = [rate(lambda: [net.predict_on_batch(x256) for _ in range(3)], 3 * 256) for _ in range(args.repeats)]
    latency = latency_ms(lambda: net.predict_on_batch(x1))
    emit("keras", args.model, args, train_ips, infer_ips, latency, data="random faces as float32 in memory (X / 255)")


if __name__ == "__main__":
    main()
