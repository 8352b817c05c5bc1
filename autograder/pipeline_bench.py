"""``make bench``: the MNIST pipeline benchmark, on the GPU when present (CPU otherwise,
and it says so). One run measures and prints, side by side:

1. one epoch of the course material's pipeline (a Dataset that converts one image at a
   time, as torchvision's ``ToTensor() + Normalize``, batched by a ``DataLoader`` and copied
   to the device per batch) vs this package's reference pipeline
   (``solutions.mnist.fast``: data on the device, CUDA graphs, fused optimizer), at batch 32
   and 1024, same model (784-128-10) and optimizer (SGD lr 0.01, momentum 0.9);
2. the batch-size sweep (8, 16, 32, 64, 256, 512, 1024; 3 epochs each): seconds and test
   accuracy per size for the reference pipeline, and the DataLoader pipeline's seconds
   (batches 32 and 1024 from part 1; other sizes timed on at least ``--probe`` seconds of
   batches and scaled to 3 epochs, unless ``--full``);
3. time to 98.0 % test accuracy of the reference solution (``build_model(BEST_HPARAMS)``,
   Adam with its learning-rate decay, reference pipeline): training seconds until the
   first epoch that reaches it (evaluation excluded), median over ``--seeds`` seeds.

Targets on one H100: sweep <= 5 s, time to 98 % <= 1.0 s, sweep >= 40x faster than the
DataLoader pipeline. Results also go to a JSON file (``--json``).

    python -m autograder.cli bench [--seeds 5] [--probe 2] [--full] [--train-size N] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from autograder.mnist.data import MEAN, STD, MnistError, load_mnist, to_tensors
from solutions.mnist import BEST_HPARAMS, build_model
from solutions.mnist.fast import FastTrainer, accuracy, adam, fast_fit, seed_mlp, set_lr, sgd

SWEEP = (8, 16, 32, 64, 256, 512, 1024)
SWEEP_EPOCHS = 3
TARGET = 0.98
MAX_EPOCHS_TO_TARGET = 15
TARGETS = {"sweep_s": 5.0, "time_to_98_s": 1.0, "sweep_speedup": 40.0}
ROOT = Path(__file__).resolve().parent.parent   # (no Jupyter stack needed on GPU machines)


class SeedDataset(torch.utils.data.Dataset):
    """As ``torchvision.datasets.MNIST(transform=Compose([ToTensor(), Normalize(...)]))``:
    one uint8 image at a time -> float tensor (784,) scaled and standardized on the CPU."""

    def __init__(self, images: np.ndarray, labels: np.ndarray):
        self.images, self.labels = images, labels.astype(np.int64)

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        x = torch.from_numpy(self.images[i]).float().div(255.0)
        return ((x - MEAN) / STD).view(-1), int(self.labels[i])


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def seed_pipeline_seconds(images, labels, batch_size, device, max_seconds=None) -> tuple[float, int]:
    """Seconds for one epoch of the DataLoader pipeline (or for the batches that fit in
    ``max_seconds``), and how many batches were timed."""
    torch.manual_seed(0)
    loader = torch.utils.data.DataLoader(SeedDataset(images, labels), batch_size=batch_size,
                                         shuffle=True)
    model = seed_mlp().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    sync(device)
    start, batches, running = time.perf_counter(), 0, 0.0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()
        running += loss.item()   # as the course material does: one host sync per step
        batches += 1
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            break
    return time.perf_counter() - start, batches


def reference_run(data, batch_size, epochs, device) -> tuple[float, float]:
    """(training seconds, test accuracy) of the reference pipeline on the seed model."""
    X, y, X_test, y_test = data
    torch.manual_seed(0)
    model = seed_mlp().to(device)
    optimizer = sgd(model, lr=0.01, momentum=0.9)
    sync(device)
    start = time.perf_counter()
    fast_fit(model, X, y, optimizer, batch_size, epochs)
    sync(device)
    return time.perf_counter() - start, accuracy(model, X_test, y_test)


def time_to_target(data, seed, device) -> float | None:
    """Training seconds of build_model(BEST_HPARAMS) until test accuracy >= TARGET (None:
    not within MAX_EPOCHS_TO_TARGET epochs)."""
    X, y, X_test, y_test = data
    torch.manual_seed(seed)
    generator = torch.Generator(device=device).manual_seed(seed)
    model = build_model(BEST_HPARAMS).to(device)
    optimizer = adam(model, BEST_HPARAMS["lr"])
    trainer = FastTrainer(model, X, y, optimizer, BEST_HPARAMS["batch_size"], generator)
    trained = 0.0
    for epoch in range(MAX_EPOCHS_TO_TARGET):
        set_lr(optimizer, BEST_HPARAMS["lr"] / (1.0 + BEST_HPARAMS.get("lr_decay", 0.0) * epoch))
        sync(device)
        start = time.perf_counter()
        trainer.epoch()
        sync(device)
        trained += time.perf_counter() - start
        if accuracy(model, X_test, y_test) >= TARGET:
            return trained
    return None


def run(seeds: int, probe: float, full: bool, progress=print, train_size: int | None = None) -> dict:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    name = torch.cuda.get_device_name() if device == "cuda" else \
        f"CPU ({torch.get_num_threads()} threads; no GPU found)"
    progress(f"device: {name}")
    images, labels, test_images, test_labels = load_mnist()
    images, labels = images[:train_size], labels[:train_size]
    data = (*to_tensors(images, labels, device), *to_tensors(test_images, test_labels, device))
    reference_run(data, 1024, 1, device)   # warm-up: CUDA context, kernels, allocator

    epoch = {}
    for batch_size in (32, 1024):
        progress(f"one epoch at batch {batch_size}: DataLoader pipeline ...")
        seed_s, _ = seed_pipeline_seconds(images, labels, batch_size, device)
        ours_s, _ = reference_run(data, batch_size, 1, device)
        epoch[batch_size] = {"dataloader_s": seed_s, "reference_s": ours_s, "ratio": seed_s / ours_s}

    sweep = {}
    for batch_size in SWEEP:
        progress(f"sweep, batch {batch_size}: {SWEEP_EPOCHS} epochs ...")
        ours_s, acc = reference_run(data, batch_size, SWEEP_EPOCHS, device)
        if batch_size in epoch:
            seed_s, how = SWEEP_EPOCHS * epoch[batch_size]["dataloader_s"], "measured (1 epoch x 3)"
        else:
            seconds, batches = seed_pipeline_seconds(images, labels, batch_size, device,
                                                     None if full else probe)
            per_epoch = math.ceil(len(images) / batch_size)
            seed_s = SWEEP_EPOCHS * seconds * per_epoch / batches
            how = "measured (1 epoch x 3)" if batches == per_epoch else \
                f"{batches} of {per_epoch} batches, scaled"
        sweep[batch_size] = {"reference_s": ours_s, "test_accuracy": acc,
                             "dataloader_s": seed_s, "dataloader_timing": how}

    reached = []
    for seed in range(seeds):
        progress(f"time to {TARGET:.0%}: seed {seed} ...")
        reached.append(time_to_target(data, seed, device))
    hits = [s for s in reached if s is not None]
    sweep_ours = sum(r["reference_s"] for r in sweep.values())
    sweep_seed = sum(r["dataloader_s"] for r in sweep.values())
    return {"device": name, "torch": torch.__version__, "epoch": epoch, "sweep": sweep,
            "sweep_reference_s": sweep_ours, "sweep_dataloader_s": sweep_seed,
            "sweep_speedup": sweep_seed / sweep_ours,
            "time_to_98": {"seeds": seeds, "reached": len(hits), "seconds": reached,
                           "median_s": statistics.median(hits) if hits else None},
            "targets_h100": TARGETS}


def report(r: dict) -> str:
    lines = [f"MNIST pipeline benchmark on {r['device']} (torch {r['torch']})", "",
             "One epoch, 784-128-10 MLP, SGD(lr 0.01, momentum 0.9)",
             f"{'batch':>7}{'DataLoader s':>14}{'reference s':>13}{'ratio':>8}"]
    for batch_size, e in r["epoch"].items():
        lines.append(f"{batch_size:>7}{e['dataloader_s']:>14.2f}{e['reference_s']:>13.3f}"
                     f"{e['ratio']:>7.1f}x")
    lines += ["", f"Batch-size sweep, {SWEEP_EPOCHS} epochs per size",
              f"{'batch':>7}{'reference s':>13}{'test acc':>10}{'DataLoader s':>14}  DataLoader timing"]
    for batch_size, s in r["sweep"].items():
        lines.append(f"{batch_size:>7}{s['reference_s']:>13.3f}{100 * s['test_accuracy']:>9.2f}%"
                     f"{s['dataloader_s']:>14.1f}  {s['dataloader_timing']}")
    lines.append(f"{'total':>7}{r['sweep_reference_s']:>13.2f}{'':>10}{r['sweep_dataloader_s']:>14.1f}"
                 f"  -> {r['sweep_speedup']:.1f}x faster")
    t = r["time_to_98"]
    median = f"{t['median_s']:.2f} s" if t["median_s"] is not None else "not reached"
    lines += ["", f"Time to {TARGET:.1%} test accuracy, build_model(BEST_HPARAMS), reference "
              f"pipeline: median {median}, {t['reached']}/{t['seeds']} seeds reached it "
              f"(seconds per seed: {', '.join('-' if s is None else f'{s:.2f}' for s in t['seconds'])})",
              "", f"Targets on one H100: sweep <= {TARGETS['sweep_s']:g} s, time to 98 % <= "
              f"{TARGETS['time_to_98_s']:g} s, sweep >= {TARGETS['sweep_speedup']:g}x faster"]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="advopt bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds for time to 98 %% (5)")
    parser.add_argument("--probe", type=float, default=2.0,
                        help="seconds of DataLoader batches timed per other sweep size (2)")
    parser.add_argument("--full", action="store_true",
                        help="time every DataLoader sweep size over its 3 full epochs")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on the first N images only (a quick run; targets need all)")
    parser.add_argument("--json", type=Path, default=ROOT / "dist" / "bench" / "mnist.json")
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.probe <= 0:
        parser.error("--seeds must be >= 1 and --probe > 0")
    if args.train_size is not None and args.train_size < 1:
        parser.error("--train-size must be >= 1")
    try:
        result = run(args.seeds, args.probe, args.full, progress=lambda m: print(m, flush=True),
                     train_size=args.train_size)
    except MnistError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    print("\n" + report(result))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nresults: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
