"""Hidden checks of Q3, ``fit``: it learns, it draws every minibatch, it steps with Adam."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder.mnist.hidden.modules import leaf_layers, layer_names, parameters
from autograder.mnist.public import random_problem


def spec_model(hparams):
    """SPEC's MLP: per hidden size Linear -> BatchNorm1d -> ReLU -> Dropout, then Linear(., 10)."""
    layers, width = [], 784
    for size in hparams["hidden"]:
        layers += [nn.Linear(width, size), nn.BatchNorm1d(size), nn.ReLU(),
                   nn.Dropout(hparams["dropout"])]
        width = size
    return nn.Sequential(*layers, nn.Linear(width, 10))


def spec_steps(model, X, y, hparams):
    """SPEC's training loop on the CPU: Adam(lr), per epoch the minibatches of
    default_rng(hparams["seed"]).permutation(N), mean cross-entropy per batch."""
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=hparams["lr"])
    rng, n, size = np.random.default_rng(hparams["seed"]), len(y), hparams["batch_size"]
    for _ in range(hparams["epochs"]):
        order = torch.as_tensor(rng.permutation(n))
        for start in range(0, n, size):
            idx = order[start:start + size]
            optimizer.zero_grad()
            F.cross_entropy(model(X[idx]), y[idx]).backward()
            optimizer.step()


def learns_a_separable_problem(build_model, fit):
    """Losses fall and the model fits a linearly separable 10-class problem (>= 90 %)."""
    torch.manual_seed(1)
    X, y = random_problem(1024, seed=4)
    hparams = {"hidden": [128], "dropout": 0.0, "lr": 0.003, "batch_size": 64, "epochs": 8}
    model = build_model(hparams)
    losses = [float(v) for v in fit(model, X, y, hparams, "cpu")]
    assert len(losses) == 8 and all(math.isfinite(v) for v in losses), (
        f"expected 8 finite epoch losses, got {losses}")
    assert losses[-1] < 0.5 * losses[0], f"the loss should fall by half or more in 8 epochs: {losses}"
    model.eval()
    accuracy = (torch.as_tensor(model(X)).argmax(1) == y).float().mean().item()
    assert accuracy >= 0.9, f"training accuracy after fit: {accuracy:.1%}, expected >= 90 %"


def draws_every_minibatch(build_model, fit):
    """Each epoch takes ceil(N / batch_size) steps, the partial last batch included
    (counted by BatchNorm's num_batches_tracked)."""
    X, y = random_problem(1000, seed=5)
    hparams = {"hidden": [16], "dropout": 0.0, "lr": 0.001, "batch_size": 96, "epochs": 3}
    model = build_model(hparams)
    fit(model, X, y, hparams, "cpu")
    counts = [int(torch.as_tensor(m.num_batches_tracked)) for m, n
              in zip(leaf_layers(model), layer_names(model)) if n == "BatchNorm1d"]
    expected = 3 * math.ceil(1000 / 96)
    assert counts and all(c == expected for c in counts), (
        f"3 epochs of 1000 samples in minibatches of 96 are {expected} training steps "
        f"(11 per epoch, the last one of 40 samples); batch norm saw {counts}")


def steps_with_adam(build_model, fit):
    """One minibatch, one step: Adam moves every output bias by lr (its first step is
    lr * g / |g|), plain SGD would move it by lr * g."""
    X, y = random_problem(64, seed=6)
    lr = 0.01
    hparams = {"hidden": [16], "dropout": 0.0, "lr": lr, "batch_size": 64, "epochs": 1}
    model = build_model(hparams)
    before = parameters(model)
    fit(model, X, y, hparams, "cpu")
    after = parameters(model)
    last_bias = [name for name in before if name.endswith("bias")][-1]
    step = (after[last_bias] - before[last_bias]).abs()
    assert torch.allclose(step, torch.full_like(step, lr), rtol=0.02), (
        f"after one step the output bias moved by {step.min():.3g} ... {step.max():.3g}; "
        f"Adam's first step moves each by lr = {lr}")


def leaves_the_data_unchanged(build_model, fit):
    """fit never modifies X or y in place."""
    X, y = random_problem(200, seed=7)
    X0, y0 = X.clone(), y.clone()
    hparams = {"hidden": [16], "dropout": 0.2, "lr": 0.001, "batch_size": 50, "epochs": 1}
    losses = fit(build_model(hparams), X, y, hparams, "cpu")
    assert losses is not None and len(losses) == 1, "fit must train and return its epoch losses"
    assert torch.equal(X, X0) and torch.equal(y, y0), "fit modified X or y in place"


def matches_the_reference_steps(build_model, fit):
    """Two epochs of three minibatches replay exactly: minibatches from
    default_rng(hparams["seed"]), zeroed gradients, Adam, mean cross-entropy per batch."""
    hparams = {"hidden": [8], "dropout": 0.0, "lr": 0.01, "batch_size": 32, "epochs": 2, "seed": 3}
    X, y = random_problem(96, seed=9)
    model = build_model(hparams)
    start = list(parameters(model).values())
    torch.manual_seed(0)
    expected = spec_model(hparams)
    shapes = [tuple(p.shape) for p in expected.parameters()]
    assert [tuple(p.shape) for p in start] == shapes, (
        f"parameter shapes {[tuple(p.shape) for p in start]}, expected {shapes}")
    with torch.no_grad():
        for p, value in zip(expected.parameters(), start):
            p.copy_(value)
    spec_steps(expected, X, y, hparams)
    fit(model, X, y, hparams, "cpu")
    for (name, got), want in zip(parameters(model).items(), expected.parameters()):
        assert torch.allclose(got, want.detach(), rtol=1e-4, atol=1e-5), (
            f"after fit, {name} differs from 6 Adam steps on the minibatches of "
            f"minibatches(X, y, 32, rng=np.random.default_rng(3)) (largest difference "
            f"{(got - want.detach()).abs().max():.3g})")
