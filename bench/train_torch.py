#!/usr/bin/env python3
"""PyTorch eager side of `just bench`: training images/s, inference images/s (batch 256) and
single-image latency of the report's Models 1, 2 and 4, written the way a PyTorch user would,
with the same layers, batch sizes, losses and optimiser (Adam 1e-3) as agelab's experiments.

    python bench/train_torch.py model4 [--steps 20] [--warmup 5] [--repeats 3] [--threads 2] [--channels-last]

Prints one JSON line (fields as crates/runner/examples/train_bench.rs).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import MODELS, batches, dataset, emit, latency_ms, parse_args, rate


class SamePad(nn.Module):
    """Keras' 'same' padding for a stride-1 kernel of 2: one pixel right and bottom."""

    def forward(self, x):
        return F.pad(x, (0, 1, 0, 1))


def small_cnn(channels, filters, outputs):
    """Models 2 and 4: two conv(2, same)-relu-pool-dropout blocks, Dense 256, dropout, outputs."""
    return nn.Sequential(
        SamePad(), nn.Conv2d(channels, filters[0], 2), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.3),
        SamePad(), nn.Conv2d(filters[0], filters[1], 2), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.3),
        nn.Flatten(), nn.Linear(filters[1] * 8 * 8, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, outputs),
    )


class Model1(nn.Module):
    """Five valid 3x3 convolutions on 64x64 gray, then a Dense 256-128-64-32-1 tower per head."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 3), nn.ReLU(), nn.Conv2d(256, 256, 3), nn.ReLU(), nn.Flatten(),
        )

        def tower():
            layers, width = [], 256 * 10 * 10
            for units in (256, 128, 64, 32):
                layers += [nn.Linear(width, units), nn.ReLU()]
                width = units
            return nn.Sequential(*layers, nn.Linear(width, 1))

        self.age, self.gender = tower(), tower()

    def forward(self, x):
        h = self.features(x)
        return torch.cat([self.age(h), self.gender(h)], 1)


def build(model):
    """The network and its loss(outputs, age_group, gender), as the experiments define them."""
    if model == "model2":  # Dense(2, sigmoid) + binary cross-entropy on one-hot gender
        return small_cnn(3, (64, 32), 2), lambda o, a, g: F.binary_cross_entropy_with_logits(o, F.one_hot(g, 2).float())
    if model == "model4":  # Dense(5, softmax) + cross-entropy on five age groups
        return small_cnn(3, (128, 64), 5), lambda o, a, g: F.cross_entropy(o, a)
    # Model 1 as written: Dense(1, softmax) + mse for the age group, Dense(1, sigmoid) + BCE for gender
    return Model1(), lambda o, a, g: (F.mse_loss(o[:, :1].softmax(1).squeeze(1), a.float())
                                      + F.binary_cross_entropy_with_logits(o[:, 1], g.float()))


def main():
    args = parse_args(__doc__)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    spec = MODELS[args.model]
    images, age_group, gender = dataset(spec)
    images, age_group, gender = torch.from_numpy(images), torch.from_numpy(age_group), torch.from_numpy(gender)
    net, loss_fn = build(args.model)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    net = net.to(memory_format=fmt)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def batch(idx):
        idx = torch.from_numpy(idx)
        x = images.index_select(0, idx).float().div(255).contiguous(memory_format=fmt)
        return x, age_group.index_select(0, idx), gender.index_select(0, idx)

    def train(steps):
        net.train()
        for idx in batches(spec["train"], spec["batch"], steps):
            x, a, g = batch(idx)
            loss = loss_fn(net(x), a, g)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()

    train(args.warmup)
    train_ips = [rate(lambda: train(args.steps), args.steps * spec["batch"]) for _ in range(args.repeats)]

    net.eval()
    x256, _, _ = batch(batches(spec["train"], 256, 1)[0])
    x1 = x256[:1].contiguous(memory_format=fmt)
    with torch.no_grad():
        net(x256)
        infer_ips = [rate(lambda: [net(x256) for _ in range(3)], 3 * 256) for _ in range(args.repeats)]
        latency = latency_ms(lambda: net(x1))
    tool = "pytorch-channels-last" if args.channels_last else "pytorch"
    emit(tool, args.model, args, train_ips, infer_ips, latency)


if __name__ == "__main__":
    main()
