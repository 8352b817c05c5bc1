"""Attacks on the benchmark (q6), and the honest submissions they are measured against.

Submissions (build_model, fit) that try to win without training within the timed run, as
in-process namespaces for ``measure``: ``offline`` is a state_dict trained beforehand on
the plain images, as a student could embed in a notebook; ``size`` the number of training
images the benchmark hands to fit (attacks trigger on it so that every q3 check still
sees honest training). Notebook cells for the sealed grader: FIT_RAISES, STAGE_REPLACED.

Recovery attacks (RECOVERY): estimate the run's secret transform from the data the
benchmark hands to fit (transformed images, relabelled labels) and public MNIST, so that
weights trained offline classify the transformed test images. Each maps given images back
to the plain pixel space; ``Recovery`` measures the accuracy offline weights reach through
it. ``python tests/benchmark_attacks.py`` prints the full-size figures: honest accuracy
with and without the transform over several seeds, and each attack's time and accuracy.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np
import torch

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import solutions.mnist as reference  # noqa: E402
from autograder.mnist.data import MEAN, STD, load_mnist, to_tensors  # noqa: E402
from autograder.mnist.hidden import q6_benchmark as q6  # noqa: E402
from solutions.mnist.fast import adam, fast_fit  # noqa: E402


# ----------------------------------------------------------------------------- honest
def standardized(images) -> np.ndarray:
    """uint8 images (N, 28, 28) -> float32 (N, 784) as ``to_tensors`` makes them."""
    return ((np.asarray(images, np.float32).reshape(len(images), -1) / 255.0 - MEAN) / STD)


def accuracy(state: dict, images: np.ndarray, labels) -> float:
    """Test accuracy of SPEC's model holding ``state`` on plain (standardized) images."""
    hidden = [t.shape[0] for n, t in state.items() if n.endswith("running_mean")]
    model = q6.specified_model({"hidden": hidden, "dropout": 0.0})
    model.load_state_dict(state)
    model.eval()
    with torch.no_grad():
        predicted = model(torch.as_tensor(images, dtype=torch.float32)).argmax(1).numpy()
    return float(np.mean(predicted == np.asarray(labels)))


def honest_accuracy(data, hparams: dict, seed: int, plain: bool) -> float:
    """The reference's test accuracy trained on ``data`` (X_train, y_train, X_test, y_test)
    as the benchmark hands it to fit: transformed (a fresh transform of ``seed``), or plain
    (standardized pixels, nothing else)."""
    X_train, y_train, X_test, y_test = data
    if plain:
        X, y, test, labels = standardized(X_train), y_train.astype(np.int64), \
            standardized(X_test), y_test
    else:
        transform = q6.Transform.draw(len(X_train), seed=seed)
        X, y, standardization = transform.train(X_train, y_train)
        test, labels = transform.test(X_test, standardization), transform.classes[y_test]
    torch.manual_seed(seed)
    model = reference.build_model(hparams)
    reference.fit(model, torch.from_numpy(X), torch.from_numpy(y), hparams, "cpu")
    return accuracy(model.state_dict(), test, labels)


def honest(hparams) -> dict:
    return {"build_model": reference.build_model, "fit": reference.fit, "BEST_HPARAMS": hparams}


class Wrapped(torch.nn.Module):
    """The SPEC MLP inside a module of the student's own (state_dict keys "net.*")."""

    def __init__(self, hparams):
        super().__init__()
        self.net = reference.build_model(hparams)

    def forward(self, x):
        return self.net(x)


def honest_fast(hparams) -> dict:
    """Own module class and the reference fast pipeline (data on the device, one sync)."""
    def fit(model, X, y, hparams, device):
        model.to(device)
        return fast_fit(model, X, y, adam(model, hparams["lr"]), hparams["batch_size"],
                        hparams["epochs"])
    return {"build_model": Wrapped, "fit": fit, "BEST_HPARAMS": hparams}


# ----------------------------------------------------------------------------- submissions
def train_offline(images, labels, hparams) -> dict:
    """Weights of the reference model trained on plain images (the attacker's file)."""
    torch.manual_seed(0)
    model = reference.build_model(hparams)
    reference.fit(model, *to_tensors(images, labels), hparams, "cpu")
    return {k: v.clone() for k, v in model.state_dict().items()}


def weights_at_benchmark_size(hparams, offline: dict, size: int) -> dict:
    """fit trains honestly, except on the benchmark's size: it loads offline weights."""
    def fit(model, X, y, hparams, device):
        if len(X) == size:
            model.load_state_dict(offline)
            return [0.0]
        return reference.fit(model, X, y, hparams, device)
    return {"build_model": reference.build_model, "fit": fit, "BEST_HPARAMS": hparams}


def weights_in_build_model(hparams, offline: dict) -> dict:
    """build_model returns the offline weights; fit does nothing."""
    def build_model(hparams):
        model = reference.build_model(hparams)
        model.load_state_dict(offline)
        return model
    return {"build_model": build_model, "fit": lambda *args: [0.0], "BEST_HPARAMS": hparams}


def _returned(code) -> bool:
    """Whether the main thread is out of the function whose code object is ``code``."""
    frame = sys._current_frames().get(threading.main_thread().ident)
    while frame is not None and frame.f_code is not code:
        frame = frame.f_back
    return frame is None


def thread_after_return(hparams) -> dict:
    """fit returns at once and leaves a thread that trains from that moment on: the
    clock would stop at the return while training went on."""
    def fit(model, X, y, hparams, device):
        def train():
            while not _returned(fit.__code__):
                time.sleep(0.001)
            reference.fit(model, X, y, hparams, device)
        threading.Thread(target=train, daemon=True).start()
        return [0.0]
    return {"build_model": Wrapped, "fit": fit, "BEST_HPARAMS": hparams}


def train_in_build_model(hparams) -> dict:
    """build_model finds the benchmark's X, y in its callers' frames and trains there;
    fit does nothing."""
    def build_model(hparams):
        model = reference.build_model(hparams)
        frame = sys._getframe(1)
        while frame is not None and not {"X", "y"} <= frame.f_locals.keys():
            frame = frame.f_back
        if frame is not None:
            reference.fit(model, frame.f_locals["X"], frame.f_locals["y"], hparams, "cpu")
        return model
    return {"build_model": build_model, "fit": lambda *args: [0.0], "BEST_HPARAMS": hparams}


def disk_data_in_build_model(hparams, size: int) -> dict:
    """Gradescope: build_model reads MNIST from disk (as mnist_data.py can), trains on it."""
    def build_model(hparams):
        X_train, y_train, _, _ = load_mnist(download=False)
        model = reference.build_model(hparams)
        reference.fit(model, *to_tensors(X_train[:size], y_train[:size]), hparams, "cpu")
        return model
    return {"build_model": build_model, "fit": lambda *args: [0.0], "BEST_HPARAMS": hparams}


# Notebook cells (after the answers, before BEST_HPARAMS) for the sealed grader.
FIT_RAISES = '''_honest_fit = fit
def fit(model, X, y, hparams, device):
    if len(X) < 2000:  # the checks of q3: honest training
        return _honest_fit(model, X, y, hparams, device)
    print("FIT CALLED ON THE BENCHMARK")
    raise ValueError("no benchmark today")'''

STAGE_SECONDS = 1.5   # what the replaced stage operation spends beyond its training
STAGE_REPLACED = f'''import gc, time
_server = next(o for o in gc.get_objects() if type(o).__name__ == "StudentServer")
_stage = _server.operations["stage"]
_trained = {{}}
def _stage_and_train(header, blobs, out):
    """The sandbox's stage operation, replaced: it trains on the data when it arrives."""
    reply = _stage(header, blobs, out)
    X, y = (_server.handles[h["H"]] for h in reply["ok"]["L"])
    if len(X) > 2000:  # the benchmark's data
        model = build_model(BEST_HPARAMS)
        fit(model, X, y, BEST_HPARAMS, "cpu")
        _trained.update(model.state_dict())
        time.sleep({STAGE_SECONDS})  # more training would go here
    return reply
_server.operations["stage"] = _stage_and_train
_honest_fit = fit
def fit(model, X, y, hparams, device):
    if _trained and len(X) > 2000:  # fit only loads what staging trained
        model.load_state_dict(_trained)
        return [0.0]
    return _honest_fit(model, X, y, hparams, device)'''

RECOVERY: dict = {}   # filled below
