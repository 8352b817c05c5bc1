"""Hidden checks of Q6, the benchmark: BEST_HPARAMS trained on all 60,000 training images.

One measurement per submission, shared by the threshold cases below (1 + 1 + 1 + 2 points):

1. A secret :class:`Scramble` is drawn in the grading process (``secrets``): a permutation
   of the 784 pixel positions, a relabelling of the 10 classes and a shuffle of the
   training images. Student code trains on scrambled images and labels. An MLP does not
   care (it knows no pixel neighbourhoods: the permutation only reorders its first
   layer's inputs); weights trained elsewhere score chance.
2. The data goes to where student code runs before the clock starts: ``stage`` of the
   sealed grader's sandbox (CUDA is initialized there too), nothing in process.
3. Timed, every call into student code between start and end: ``build_model(BEST_HPARAMS)``,
   a read of its state, ``fit(model, X, y, BEST_HPARAMS, device)`` until the device is
   idle, and a read of the state it returned (the snapshot).
4. Both states are evaluated here with the architecture SPEC prescribes
   (``q3_fit.spec_model``) on the scrambled test images: the test set never
   reaches student code, nothing the student process does after ``fit`` returned
   counts, and a model that already beats chance before ``fit`` (> PRETRAINED_ACCURACY)
   earns nothing.

Budgets (wall clock of the timed part): GPU_BUDGET_S on a GPU; CPU_BUDGET_S on a CPU
(where Gradescope grades; a reference run takes about 25 s on two cores).
"""
from __future__ import annotations

import inspect
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass

import numpy as np
import torch

from autograder.mnist.data import load_mnist, to_tensors
from autograder.mnist.hidden.modules import layer_states
from autograder.mnist.hidden.q3_fit import spec_model as specified_model

GPU_BUDGET_S = 60.0
CPU_BUDGET_S = 240.0
PRETRAINED_ACCURACY = 0.3   # test accuracy before fit above which a model counts as trained
LEADERBOARD_ENV = "ADVOPT_LEADERBOARD"   # file the measurement is written to, when set
SUBSET: tuple[int, int] | None = None   # (training, test) images; None: all (60,000, 10,000)
KEPT = 256                  # measurements kept (one per submission being graded)
_measurements: dict = {}    # _key(build_model, fit, hparams) -> (refs, result)
_lock = threading.Lock()


def device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def device_name(dev: str) -> str:
    return torch.cuda.get_device_name() if dev == "cuda" else "cpu"


@dataclass(frozen=True)
class Scramble:
    """The secret relabelling of one benchmark run. pixels: (784,) permutation of the
    pixel positions; classes: (10,) the new label of each digit; order: (N,) the order of
    the training images."""

    pixels: np.ndarray
    classes: np.ndarray
    order: np.ndarray

    @classmethod
    def draw(cls, n: int) -> "Scramble":
        """A fresh scramble from the operating system's entropy (never seeded by a caller)."""
        rng = np.random.default_rng(secrets.randbits(128))
        return cls(rng.permutation(784), rng.permutation(10), rng.permutation(n))

    @classmethod
    def identity(cls, n: int) -> "Scramble":
        return cls(np.arange(784), np.arange(10), np.arange(n))

    def train(self, images, labels):
        """Images (N, 28, 28) -> (N, 784) permuted and shuffled; labels relabelled alike."""
        flat = np.asarray(images).reshape(len(images), -1)
        return flat[self.order][:, self.pixels], self.classes[np.asarray(labels)[self.order]]

    def test(self, images) -> np.ndarray:
        return np.asarray(images).reshape(len(images), -1)[:, self.pixels]

    def accuracy(self, predictions, labels) -> float:
        """Fraction of scrambled-label ``predictions`` that name the true digit ``labels``."""
        return float(np.mean(np.asarray(predictions) == self.classes[np.asarray(labels)]))


class _InProcess:
    """Where student code runs in the grading process itself (Otter, Gradescope)."""

    @staticmethod
    def stage(*values):
        return values

    @staticmethod
    def synchronize() -> None:
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            torch.cuda.synchronize()


class _Failed(Exception):
    pass


def measure(build_model, fit, BEST_HPARAMS) -> dict:
    """Train once per submission (build_model, fit, BEST_HPARAMS); return accuracy
    (fraction), seconds, device (its name), torch (version), budget_s, and an error text
    when training failed, ran over the budget or did not start from an untrained model."""
    key = _key(build_model, fit, BEST_HPARAMS)
    with _lock:
        found = _measurements.get(key)
    if found is None:
        refs = (inspect.unwrap(build_model), inspect.unwrap(fit))   # keep the keyed ids alive
        found = (refs, _train_and_test(build_model, fit, BEST_HPARAMS))
        with _lock:
            _measurements[key] = found
            while len(_measurements) > KEPT:
                del _measurements[next(iter(_measurements))]
    return found[1]


def recorded(namespace) -> dict:
    """The measurement made for this graded namespace, without training: accuracy,
    seconds, device, torch; {} when the benchmark did not run."""
    try:
        key = _key(namespace["build_model"], namespace["fit"], namespace["BEST_HPARAMS"])
    except KeyError:
        return {}
    with _lock:
        found = _measurements.get(key)
    return {} if found is None else {k: found[1][k] for k in ("accuracy", "seconds", "device", "torch")}


def _key(build_model, fit, hparams) -> tuple:
    """One submission's measurement key: the student's own functions (under any wrapper a
    case puts around them, ``functools.wraps``) and the hyperparameters."""
    return id(inspect.unwrap(build_model)), id(inspect.unwrap(fit)), repr(hparams)


def _train_and_test(build_model, fit, hparams, scramble: Scramble | None = None) -> dict:
    dev = device()
    budget = GPU_BUDGET_S if dev == "cuda" else CPU_BUDGET_S
    result = {"accuracy": 0.0, "seconds": None, "device": device_name(dev),
              "torch": str(torch.__version__), "budget_s": budget, "error": ""}
    X_train, y_train, X_test, y_test = load_mnist()
    if SUBSET is not None:  # a quicker benchmark (make gpu-check without a GPU)
        (n, m) = SUBSET
        X_train, y_train, X_test, y_test = X_train[:n], y_train[:n], X_test[:m], y_test[:m]
    scramble = scramble or Scramble.draw(len(X_train))
    images = to_tensors(scramble.test(X_test))  # stays here: the grader evaluates
    where = getattr(fit, "_advopt_process", None) or _InProcess
    X, y = where.stage(*to_tensors(*scramble.train(X_train, y_train), dev))
    try:
        start = time.perf_counter()
        model = _call("build_model", build_model, hparams)
        before = _call("reading the model's state", _state, model)
        _call("fit", fit, model, X, y, hparams, dev)
        _call("fit", where.synchronize)  # its GPU work is part of it
        after = _call("reading the trained model's state", _state, model)
        result["seconds"] = round(time.perf_counter() - start, 3)
        untrained = _accuracy(before, hparams, images, scramble, y_test)
        result["accuracy"] = _accuracy(after, hparams, images, scramble, y_test)
    except _Failed as failed:
        result["error"] = str(failed)
        return result
    if untrained > PRETRAINED_ACCURACY:
        result["error"] = (f"the model scored {untrained:.1%} before fit: the benchmark "
                           "measures training from scratch, a pre-trained model earns nothing")
    elif result["seconds"] > budget:
        result["error"] = f"training took {result['seconds']:.1f} s, over the {budget:g} s budget"
    _publish(result)
    return result


def _call(what: str, function, *args):
    try:
        return function(*args)
    except Exception as e:  # the student's code failed: no accuracy, reported per case
        raise _Failed(f"{what} raised {type(e).__name__}: {e}") from None


def _state(model) -> dict[str, torch.Tensor]:
    """Copies of the model's parameters and buffers by state_dict name, taken now."""
    return {name: torch.as_tensor(t).detach().to("cpu", copy=True)
            for name, t in model.state_dict().items()}


def _arranged(state: dict[str, torch.Tensor], model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """``state`` laid out as SPEC's ``model`` (q3_fit.spec_model) holds it.

    Layers are matched by role and shape, not by name or registration order, so a model
    that keeps its layers in one ModuleList per kind, or applies ReLU/dropout in forward,
    is judged like an nn.Sequential. A Linear without bias counts as a zero bias."""
    target_state = model.state_dict()
    linears, norms = layer_states(state)
    wanted_linears, wanted_norms = layer_states(target_state)
    if len(linears) != len(wanted_linears) or len(norms) != len(wanted_norms):
        raise _Failed(f"the model ({len(linears)} Linear, {len(norms)} BatchNorm1d layers) does "
                      "not match the architecture of build_model(BEST_HPARAMS) "
                      f"({len(wanted_linears)} Linear, {len(wanted_norms)} BatchNorm1d: "
                      "Linear -> BatchNorm1d -> ReLU -> Dropout per hidden layer, then Linear)")
    arranged = {}
    for found, wanted, kind in ((linears, wanted_linears, "Linear"), (norms, wanted_norms, "BatchNorm1d")):
        unused = list(found)
        for layer in wanted:
            shape = tuple(layer["weight"].shape)
            match = next((m for m in unused if tuple(m["weight"].shape) == shape), None)
            if match is None:
                raise _Failed(f"the model does not match the architecture of "
                              f"build_model(BEST_HPARAMS): no {kind} layer of weight shape "
                              f"{shape} (the widths must follow hparams)")
            unused.remove(match)
            for leaf, target in layer.items():
                value = match.get(leaf)
                if value is None and leaf == "bias":
                    value = torch.zeros_like(target)
                if value is None or value.shape != target.shape:
                    raise _Failed(f"the model's {kind} layer of weight shape {shape} has no "
                                  f"{leaf} of shape {tuple(target.shape)}")
                arranged[id(target)] = value
    return {name: arranged[id(t)] for name, t in target_state.items()}


def _accuracy(state, hparams, images, scramble: Scramble, labels) -> float:
    """Test accuracy of SPEC's model for ``hparams`` holding ``state`` (name -> tensor)."""
    model = specified_model(hparams)
    model.load_state_dict(_arranged(state, model))
    model.eval()
    with torch.no_grad():
        predictions = model(images).argmax(1).numpy()
    return scramble.accuracy(predictions, labels)


def _publish(result: dict) -> None:
    """Write the measurement for Gradescope's leaderboard (see autograder.mnist.leaderboard)."""
    path = os.environ.get(LEADERBOARD_ENV)
    if path:
        with open(path, "w") as f:
            json.dump(result, f)


def _require(build_model, fit, BEST_HPARAMS, threshold: float) -> None:
    r = measure(build_model, fit, BEST_HPARAMS)
    assert not r["error"], r["error"]
    assert r["accuracy"] >= threshold, (
        f"test accuracy {r['accuracy']:.2%} after {r['seconds']:.1f} s of training on "
        f"{r['device']}; this case needs >= {threshold:.1%}")


def reaches_90_percent(build_model, fit, BEST_HPARAMS):
    """Test accuracy >= 90 % within the budget."""
    _require(build_model, fit, BEST_HPARAMS, 0.90)


def reaches_95_percent(build_model, fit, BEST_HPARAMS):
    """Test accuracy >= 95 % within the budget."""
    _require(build_model, fit, BEST_HPARAMS, 0.95)


def reaches_97_percent(build_model, fit, BEST_HPARAMS):
    """Test accuracy >= 97 % within the budget."""
    _require(build_model, fit, BEST_HPARAMS, 0.97)


def reaches_98_percent(build_model, fit, BEST_HPARAMS):
    """Test accuracy >= 98 % within the budget."""
    _require(build_model, fit, BEST_HPARAMS, 0.98)
