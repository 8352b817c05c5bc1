"""Submissions (build_model, fit) that try to win the benchmark (q6) without training
within its timed run, and honest ones, as in-process namespaces for ``run_case``.

``offline``: a state_dict trained beforehand on the *unscrambled* subset, as a student
could embed in a notebook. ``size``: the number of training images the benchmark hands
to fit (attacks trigger on it so that every q3 check still sees honest training).
"""
from __future__ import annotations

import sys
import threading

import torch

import solutions.mnist as reference
from autograder.mnist.data import load_mnist, to_tensors
from solutions.mnist.fast import adam, fast_fit


def train_offline(images, labels, hparams) -> dict:
    """Weights of the reference model trained on unscrambled data (the attacker's file)."""
    torch.manual_seed(0)
    model = reference.build_model(hparams)
    reference.fit(model, *to_tensors(images, labels), hparams, "cpu")
    return {k: v.clone() for k, v in model.state_dict().items()}


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


class Joining(Wrapped):
    """Evaluation waits for the training thread: whoever predicts gets the trained model."""

    thread: threading.Thread | None = None

    def forward(self, x):
        if not self.training and self.thread not in (None, threading.current_thread()):
            self.thread.join()
        return self.net(x)


def thread_after_return(hparams) -> dict:
    """fit starts a thread that trains, and returns at once (the clock stops there)."""
    def fit(model, X, y, hparams, device):
        model.thread = threading.Thread(target=reference.fit, args=(model, X, y, hparams, device),
                                        daemon=True)
        model.thread.start()
        return [0.0]
    return {"build_model": Joining, "fit": fit, "BEST_HPARAMS": hparams}


def train_in_build_model(hparams) -> dict:
    """build_model (untimed before) finds the benchmark's X, y in its callers' frames and
    trains there; fit does nothing."""
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
