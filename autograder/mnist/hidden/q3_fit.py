"""Hidden checks of Q3, ``fit``: it learns, it draws every minibatch, it steps with Adam on
the mean loss of each minibatch. The replay's hyperparameters and data size, and the
gradient-scale check's batch, are drawn per submission (``autograder.cases.drawn``)."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder.cases import drawn
from autograder.compare import describe
from autograder.mnist.hidden.modules import names_the_call, outputs, parameters, read_mlp, state
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


def _batches_tracked(model, call) -> list[int]:
    """BatchNorm's count of training-mode forward passes, per batch norm layer."""
    counts = [int(v) for name, v in state(model).items() if name.endswith("num_batches_tracked")]
    assert counts, (
        f"{call}: the model's batch norm layers count no training steps (build_model's "
        "BatchNorm1d tracks no running statistics), so fit's steps cannot be counted: use "
        "nn.BatchNorm1d(width) in build_model (Q2)")
    return counts


def _output_bias(values, hparams) -> str:
    """The name of the output Linear's bias (shape (10,), next to a 2-D weight) in a state."""
    names = [name for name, v in values.items() if name.endswith("bias") and tuple(v.shape) == (10,)
             and values.get(f"{name[:-4]}weight", torch.zeros(0)).dim() == 2]
    assert names, f"build_model({hparams!r}) has no output Linear(., 10) with a bias"
    return names[-1]


def _call(hparams, n):
    return f"fit(model, X, y, {hparams!r}, 'cpu') with {n} samples"


def _one_image_problem(build_model, hparams, n, labels):
    """A model whose output bias is set to linspace(-1, 1, 10), and X: one image repeated
    n times. Every minibatch then gives each sample the same logits in training mode (batch
    norm sees identical rows), so a sample's loss depends only on its label.
    labels(order): y from the classes ordered by logit, lowest first."""
    model = build_model(hparams)
    values = state(model)
    values[_output_bias(values, hparams)] = torch.linspace(-1.0, 1.0, 10)
    model.load_state_dict(values)
    X = torch.randn(1, 784, generator=torch.Generator().manual_seed(11)).repeat(n, 1)
    model.train()
    order = outputs(model, X[:2])[0].argsort()
    return model, X, labels(order)


@names_the_call
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


@names_the_call
def draws_every_minibatch(build_model, fit):
    """Each epoch takes ceil(N / batch_size) steps, the partial last batch included
    (counted by BatchNorm's num_batches_tracked)."""
    X, y = random_problem(1000, seed=5)
    hparams = {"hidden": [16], "dropout": 0.0, "lr": 0.001, "batch_size": 96, "epochs": 3}
    model = build_model(hparams)
    fit(model, X, y, hparams, "cpu")
    counts = _batches_tracked(model, _call(hparams, 1000))
    expected = 3 * math.ceil(1000 / 96)
    assert all(c == expected for c in counts), (
        f"3 epochs of 1000 samples in minibatches of 96 are {expected} training steps "
        f"(11 per epoch, the last one of 40 samples); batch norm saw {counts}")


@names_the_call
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
    last_bias = _output_bias(before, hparams)
    step = (after[last_bias] - before[last_bias]).abs()
    assert torch.allclose(step, torch.full_like(step, lr), rtol=0.02), (
        f"after one step the output bias moved by {step.min():.3g} ... {step.max():.3g}; "
        f"Adam's first step moves each by lr = {lr}")


@names_the_call
def leaves_the_data_unchanged(build_model, fit):
    """fit never modifies X or y in place."""
    X, y = random_problem(200, seed=7)
    X0, y0 = X.clone(), y.clone()
    hparams = {"hidden": [16], "dropout": 0.2, "lr": 0.001, "batch_size": 50, "epochs": 1}
    losses = fit(build_model(hparams), X, y, hparams, "cpu")
    assert losses is not None and len(losses) == 1, "fit must train and return its epoch losses"
    assert torch.equal(X, X0) and torch.equal(y, y0), "fit modified X or y in place"


def _replay_hparams(rng) -> tuple[dict, int]:
    """A replay drawn from the contract's space: one or two hidden layers of 8 to 32 units,
    lr = 10 ** U(-2.3, -1.8) (large enough that a weight decay shows), batch size 16 to 48
    and 2 to 4 minibatches per epoch of which the last is partial, of 8 samples or more (a
    batch norm over very few samples passes rounding noise on as gradients), 2 epochs, a
    seed."""
    hidden = [int(w) for w in rng.integers(8, 33, int(rng.integers(1, 3)))]
    size = int(rng.integers(16, 49))
    n = size * int(rng.integers(1, 4)) + int(rng.integers(8, size))
    lr = round(float(10 ** rng.uniform(-2.3, -1.8)), 5)
    return {"hidden": hidden, "dropout": 0.0, "lr": lr, "batch_size": size, "epochs": 2,
            "seed": int(rng.integers(2**31))}, n


@names_the_call
def matches_the_reference_steps(build_model, fit):
    """Two epochs replay exactly (hparams and data size drawn per submission, the last
    minibatch partial): minibatches from default_rng(hparams["seed"]), zeroed gradients,
    Adam, mean cross-entropy per batch."""
    rng = drawn("q3.matches_the_reference_steps")
    hparams, n = _replay_hparams(rng)
    X, y = random_problem(n, seed=int(rng.integers(2**31)))
    model = build_model(hparams)
    call = f"build_model({hparams!r})"
    torch.manual_seed(0)
    expected = spec_model(hparams)
    linears = [m for m in expected if isinstance(m, nn.Linear)]
    norms = [m for m in expected if isinstance(m, nn.BatchNorm1d)]
    start = read_mlp(model, hparams["hidden"], call)   # the student's layers, by shape
    with torch.no_grad():
        for layer, (W, b) in zip(linears, start.linears):
            layer.weight.copy_(W), layer.bias.copy_(b)
        for layer, bn in zip(norms, start.norms):
            layer.weight.copy_(bn["weight"]), layer.bias.copy_(bn["bias"])
    spec_steps(expected, X, y, hparams)
    fit(model, X, y, hparams, "cpu")
    end = read_mlp(model, hparams["hidden"], call)
    # a hidden Linear's bias is not compared: batch norm subtracts it again, so its gradient
    # is rounding noise that Adam's normalised steps turn into moves of about lr
    pairs = [(f"Linear {i + 1} {kind}", got, want) for i, (layer, got_wb) in enumerate(zip(linears, end.linears))
             for kind, got, want in zip(("weight", "bias"), got_wb, (layer.weight, layer.bias))
             if kind == "weight" or i == len(linears) - 1]
    pairs += [(f"BatchNorm1d {i + 1} {kind}", bn[kind], getattr(layer, kind))
              for i, (layer, bn) in enumerate(zip(norms, end.norms)) for kind in ("weight", "bias")]
    wrong = [f"{what} ({_how(got, want.detach())})"
             for what, got, want in pairs if not _replayed(got, want.detach())]
    steps = math.ceil(n / hparams["batch_size"])
    assert not wrong, (
        f"{_call(hparams, n)}: after fit, {', '.join(wrong)} differ from {2 * steps} Adam steps "
        f"on the minibatches of minibatches(X, y, {hparams['batch_size']}, "
        f"rng=np.random.default_rng({hparams['seed']})) ({steps} per epoch, the last of "
        f"{n % hparams['batch_size']} samples) with zeroed gradients and the mean "
        "F.cross_entropy of each minibatch")


def _replayed(got, want) -> bool:
    """All but 1 % of the entries within rtol 1e-4 (of a weight matrix, a few entries whose
    gradient is near 0 may take Adam's normalised step the other way on rounding noise: a
    mistake moves them all)."""
    off = ~torch.isclose(got, want, rtol=1e-4, atol=1e-5)
    return int(off.sum()) <= 0.01 * off.numel()


def _how(got, want) -> str:
    """How a parameter differs from the replay's: a simple relation, or the largest
    difference."""
    return describe(got, want, rtol=1e-4) or f"largest difference {(got - want).abs().max():.3g}"


ADAM_EPS = 1e-8
CONFIDENT = 18.0   # the right class's logit lead: the other classes' gradients are ~1e-8


@names_the_call
def averages_the_loss_over_the_batch(build_model, fit):
    """The gradient of one step is the mean cross-entropy's, not N times it (a loss summed
    over the batch). Adam's first step is lr * g / (|g| + eps): with one repeated image
    whose logits are the output bias (0 except 18 for its label), each other class has a
    gradient of e^-18 / N per sample, comparable to eps = 1e-8, so the step shows the
    gradient's scale: about 0.6 lr for the mean, about lr for a sum."""
    rng = drawn("q3.averages_the_loss_over_the_batch")
    n, label = int(rng.integers(32, 129)), int(rng.integers(10))
    hparams = {"hidden": [16], "dropout": 0.0, "lr": round(float(10 ** rng.uniform(-3, -2)), 5),
               "batch_size": n, "epochs": 1, "seed": 0}
    model = build_model(hparams)
    values = state(model)
    bias = _output_bias(values, hparams)
    values[bias] = torch.zeros(10).index_fill(0, torch.tensor([label]), CONFIDENT)
    model.load_state_dict(values)
    X = torch.randn(1, 784, generator=torch.Generator().manual_seed(int(rng.integers(2**31))))
    before = parameters(model)[bias]
    fit(model, X.repeat(n, 1), torch.full((n,), label), hparams, "cpu")
    step = (parameters(model)[bias] - before).abs().double()
    others = torch.arange(10) != label
    g = torch.softmax(before.double(), 0)[others]          # the mean's gradient, per class
    moved = step[others] / hparams["lr"]
    scale = float((ADAM_EPS * moved / (g * (1 - moved))).mean()) if bool((moved < 1).all()) \
        else math.inf
    if abs(scale - 1) <= 0.05:
        return
    summed = abs(scale - n) <= 0.05 * n
    raise AssertionError(
        f"{_call(hparams, n)} (one minibatch, one step): Adam moved the output bias by "
        f"{float(moved.mean()):.3g} x lr, as with a gradient {scale:.3g} times the mean "
        f"cross-entropy's (which moves it by about "
        f"{float((g / (g + ADAM_EPS)).mean()):.3g} x lr)"
        + ("; the loss is summed over the batch instead of averaged: use F.cross_entropy's "
           "default reduction='mean'" if summed else
           "; take the mean F.cross_entropy of the minibatch and Adam's default eps"))


@names_the_call
def trains_in_training_mode(build_model, fit):
    """fit puts the model in training mode itself: a model left in evaluation mode (as
    after measuring its accuracy) still trains batch norm on minibatch statistics."""
    X, y = random_problem(128, seed=12)
    hparams = {"hidden": [16], "dropout": 0.0, "lr": 0.001, "batch_size": 64, "epochs": 1}
    model = build_model(hparams)
    model.eval()
    fit(model, X, y, hparams, "cpu")
    counts = _batches_tracked(model, _call(hparams, 128))
    assert all(c > 0 for c in counts), (
        f"{_call(hparams, 128)} on a model left in evaluation mode (model.eval()): batch norm "
        f"saw no training-mode minibatch (num_batches_tracked {counts}); call model.train() in fit")


@names_the_call
def returns_the_mean_loss_per_epoch(build_model, fit):
    """The loss of an epoch is the mean of its minibatch losses: not the last minibatch's
    loss, not their sum. (lr = 0 and one repeated image: every minibatch loss is known.)"""
    n = 96
    hparams = {"hidden": [16], "dropout": 0.0, "lr": 0.0, "batch_size": 32, "epochs": 2, "seed": 0}
    # all samples of the most likely class, one of the least likely: each epoch's three
    # minibatch losses differ, and no single one equals their mean
    model, X, y = _one_image_problem(build_model, hparams, n,
                                     lambda order: torch.full((n,), int(order[-1])).index_fill(0, torch.tensor([n // 2]), int(order[0])))
    losses = [float(v) for v in fit(model, X, y, hparams, "cpu")]
    logits = outputs(model, X)
    per_sample = F.cross_entropy(logits, y, reduction="none")
    mean = float(per_sample.mean())
    assert len(losses) == 2, f"{_call(hparams, n)} returned {len(losses)} losses, expected 2 (one per epoch)"
    worst = max(abs(v - mean) for v in losses)
    if worst > 1e-3:   # one minibatch's loss differs from the mean by 0.02 or more
        usual, odd = float(per_sample[y == y[0]].mean()), float(per_sample[y != y[0]].mean())
        readings = {"the sum of the minibatch losses": [3 * mean],
                    "the loss of one minibatch (the last?)": [usual, (31 * usual + odd) / 32]}
        seen = [what for what, values in readings.items()
                if all(min(abs(v - value) for value in values) < 1e-3 for v in losses)]
        raise AssertionError(
            f"{_call(hparams, n)} (3 minibatches per epoch, lr = 0 so the model stays put) "
            f"returned {[round(v, 5) for v in losses]}; the mean of each epoch's minibatch losses is "
            f"{mean:.5f}" + (f": you return {seen[0]}" if seen else ""))


LR_DECAY = {"no decay (lr_decay not implemented: accepted)": lambda e, t, d: 1.0,
            "lr / (1 + lr_decay * e)": lambda e, t, d: 1 / (1 + d * e)}
LR_DECAY_MISTAKES = {
    "epochs counted from 1: lr / (1 + lr_decay * (e + 1))": lambda e, t, d: 1 / (1 + d * (e + 1)),
    "decayed per step, not per epoch": lambda e, t, d: 1 / (1 + d * t),
    "compounded: lr_e = lr_(e-1) / (1 + lr_decay * e)": lambda e, t, d: math.prod(1 / (1 + d * i) for i in range(e + 1)),
    "compounded: lr_e = lr_(e-1) / (1 + lr_decay)": lambda e, t, d: (1 + d) ** -e,
}


@names_the_call
def decays_the_learning_rate_per_epoch(build_model, fit):
    """Optional hparams["lr_decay"]: epoch e (from 0) trains with lr / (1 + lr_decay * e).
    A fit without lr_decay passes; a wrong schedule fails. Judged by the output bias: with
    one repeated image and one label every gradient keeps its sign, so each Adam step moves
    each output bias by about that step's learning rate."""
    n, steps, epochs = 96, 2, 3
    hparams = {"hidden": [16], "dropout": 0.0, "lr": 0.001, "batch_size": n // steps,
               "epochs": epochs, "lr_decay": 2.0, "seed": 0}
    model, X, y = _one_image_problem(build_model, hparams, n, lambda order: torch.full((n,), int(order[0])))
    before = parameters(model)
    fit(model, X, y, hparams, "cpu")
    after = parameters(model)
    name = _output_bias(before, hparams)
    moved = float((after[name] - before[name]).abs().mean()) / hparams["lr"]

    def total(schedule):
        return sum(schedule(e, e * steps + s, hparams["lr_decay"]) for e in range(epochs) for s in range(steps))
    if any(abs(moved - total(f)) < 0.04 * total(f) for f in LR_DECAY.values()):
        return
    named = [what for what, f in LR_DECAY_MISTAKES.items() if abs(moved - total(f)) < 0.04 * total(f)]
    expected = total(LR_DECAY["lr / (1 + lr_decay * e)"])
    raise AssertionError(
        f"{_call(hparams, n)} ({epochs} epochs of {steps} minibatches): the output bias moved by "
        f"{moved:.2f} x lr in all (each Adam step moves it by about its learning rate); epochs "
        f"e = 0, 1, 2 at lr / (1 + lr_decay * e) give {expected:.2f} x lr (without decay "
        f"{epochs * steps:.2f} x lr)" + (f"; {moved:.2f} x lr is what {named[0]} gives" if named else ""))


@names_the_call
def keeps_the_model_on_the_device(build_model, fit):
    """fit moves the model to the ``device`` it is given and trains there: after
    fit(..., device) every parameter and buffer lives on that device. Limits: on a CPU-only
    grader only "cpu" is tried, so a fit hard-coding .to("cpu") passes there (one
    hard-coding .cuda() raises and fails every fit check); with a GPU "cuda" is tried too."""
    hparams = {"hidden": [16], "dropout": 0.0, "lr": 0.001, "batch_size": 32, "epochs": 1}
    for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
        X, y = random_problem(64, seed=13)
        model = build_model(hparams)
        losses = fit(model, X.to(device), y.to(device), hparams, device)
        assert losses is not None and len(losses) == 1, f"{_call(hparams, 64)} returned {losses!r}"
        found = sorted({torch.device(torch.as_tensor(v).device).type for v in model.state_dict().values()})
        assert found == [device], (
            f"fit(model, X, y, hparams, {device!r}) with X, y on {device}: afterwards the model lives on "
            f"{', '.join(found)}; move it with model.to(device), never a hard-coded device")
