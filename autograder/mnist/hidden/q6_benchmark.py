"""Hidden checks of Q6, the benchmark: BEST_HPARAMS trained on all 60,000 training images.

The check builds ``build_model(BEST_HPARAMS)``, times ``fit(...)`` on the training set
(on the GPU when there is one), then computes the test accuracy itself: only the test
*images* reach student code, never the labels. One training run is shared by the
threshold cases below (partial credit: 1 + 1 + 1 + 2 points).

Budgets (wall clock of ``fit``): GPU_BUDGET_S on a GPU; CPU_BUDGET_S on a CPU (where
Gradescope grades; a reference run takes about 25 s on two cores).
"""
from __future__ import annotations

import json
import os
import time

import torch

from autograder.mnist.data import load_mnist, to_tensors

GPU_BUDGET_S = 60.0
CPU_BUDGET_S = 240.0
LEADERBOARD_ENV = "ADVOPT_LEADERBOARD"   # file the measurement is written to, when set
_last: dict = {}                         # the latest measurement and the objects it used


def device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def measure(build_model, fit, BEST_HPARAMS) -> dict:
    """Train once per (build_model, fit, BEST_HPARAMS); return accuracy, seconds, device,
    budget, and an error text when training failed or ran over the budget."""
    key = (id(build_model), id(fit), repr(BEST_HPARAMS))
    if _last.get("key") != key:
        _last.clear()
        _last.update(key=key, refs=(build_model, fit), result=_train_and_test(
            build_model, fit, BEST_HPARAMS))
    return _last["result"]


def _train_and_test(build_model, fit, hparams) -> dict:
    dev = device()
    budget = GPU_BUDGET_S if dev == "cuda" else CPU_BUDGET_S
    result = {"device": dev, "budget_s": budget, "accuracy": 0.0, "seconds": None, "error": ""}
    X_train, y_train, X_test, y_test = load_mnist()
    X, y = to_tensors(X_train, y_train, dev)
    images = to_tensors(X_test, device=dev)
    model = build_model(hparams)
    if dev == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    try:
        fit(model, X, y, hparams, dev)
        if dev == "cuda":
            torch.cuda.synchronize()
    except Exception as e:  # the student's fit failed: no accuracy, reported per case
        result["error"] = f"fit raised {type(e).__name__}: {e}"
        return result
    result["seconds"] = round(time.perf_counter() - start, 3)
    model.eval()
    with torch.no_grad():  # (a no-op for a sandboxed model: its call runs over there)
        predictions = torch.as_tensor(model(images)).argmax(1).cpu()
    result["accuracy"] = (predictions == torch.as_tensor(y_test).long()).float().mean().item()
    if result["seconds"] > budget:
        result["error"] = f"training took {result['seconds']:.1f} s, over the {budget:g} s budget"
    _publish(result)
    return result


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
    """Test accuracy >= 98 % within the budget (full marks)."""
    _require(build_model, fit, BEST_HPARAMS, 0.98)
