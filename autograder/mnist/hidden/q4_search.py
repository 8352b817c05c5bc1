"""Hidden checks of Q4, ``random_search``: best first, learning rate log-uniform,
reproducible from ``rng`` alone, accuracy measured on the validation set, a fresh model
trained in every trial (one trial replayed on its own)."""
import copy

import numpy as np
import torch

from autograder.cases import drawn
from autograder.mnist.hidden.modules import names_the_call
from autograder.mnist.public import random_problem

CALL = "random_search({n}, X_train, y_train, X_val, y_val, 'cpu', np.random.default_rng({seed}))"


def _table(random_search, n_trials, seed, val=None):
    """The DataFrame random_search returns on a small problem."""
    X, y = random_problem(96, seed=8)
    X_val, y_val = val if val is not None else (X[64:], y[64:])
    table = random_search(n_trials, X[:64], y[:64], X_val, y_val, "cpu", np.random.default_rng(seed))
    assert hasattr(table, "to_dict"), f"{CALL.format(n=n_trials, seed=seed)} returned {type(table).__name__}, not a DataFrame"
    return table


def _search(random_search, n_trials, seed, val=None):
    """The table's columns: {column: [value per row]}."""
    return _table(random_search, n_trials, seed, val).to_dict("list")


@names_the_call
def sorted_best_first(random_search):
    """One row per trial, val_accuracy in [0, 1] and non-increasing, indexed 0, 1, ...
    in that order (6 trials: a table sorted without ignore_index=True keeps its trial
    numbers unless the trials happened to finish in order, 1 draw in 720 without ties)."""
    call = CALL.format(n=6, seed=1)
    table = _table(random_search, 6, 1)
    accuracy = np.asarray(table.to_dict("list")["val_accuracy"], dtype=float)
    assert accuracy.shape == (6,), f"{call} returned {accuracy.size} rows, expected 6"
    assert np.all((accuracy >= 0) & (accuracy <= 1)), (
        f"{call}: val_accuracy ranges over {accuracy.min():.3g} ... {accuracy.max():.3g}; it is a fraction in [0, 1]")
    assert np.all(np.diff(accuracy) <= 0), f"{call}: rows must be sorted best first, got val_accuracy {accuracy.round(3)}"
    index = list(table.to_dict("index"))
    assert index == list(range(6)), (
        f"{call}: the sorted table's index must be 0, 1, ..., 5 (sort_values(..., "
        f"ignore_index=True)), got {index}")


def _ks_uniform(values):
    """Kolmogorov-Smirnov distance between ``values`` and the uniform distribution on
    [min, max] of them."""
    u = np.sort((values - values.min()) / (values.max() - values.min()))
    n = len(u)
    return max(np.max(np.arange(1, n + 1) / n - u), np.max(u - np.arange(n) / n))


@names_the_call
def samples_lr_log_uniformly(random_search):
    """log10(lr) of 40 trials spans >= 1.5 decades and is uniform on its range
    (Kolmogorov-Smirnov distance below 0.31, the 0.1 % critical value for 40 samples)."""
    call = CALL.format(n=40, seed=2)
    lr = np.asarray(_search(random_search, 40, 2)["lr"], dtype=float)
    assert np.all(lr > 0), f"{call}: learning rates must be positive, got a smallest of {lr.min():.3g}"
    logs = np.log10(lr)
    span = logs.max() - logs.min()
    distance = _ks_uniform(logs) if span > 0 else 1.0
    in_lower_half = np.mean(logs < (logs.min() + logs.max()) / 2)
    failures = [f"the 40 learning rates span only {span:.2f} decades, search >= 2 decades"] if span < 1.5 else []
    if distance >= 0.31:
        failures.append(
            f"log10(lr) is not uniform on its range (Kolmogorov-Smirnov distance {distance:.2f}, "
            f"expected < 0.31; {in_lower_half:.0%} of the trials lie in the lower half of the log "
            "range, expected about 50 %)")
    assert not failures, f"{call}: {'; '.join(failures)}: sample lr = 10 ** rng.uniform(a, b)"


@names_the_call
def randomness_comes_from_rng(random_search):
    """The same rng seed twice gives the same table: every sample drawn from rng, torch
    seeded from it (torch.manual_seed) and the seed passed to fit."""
    X, y = random_problem(1000, seed=15)   # many validation samples: any change shows
    first, second = (_search(random_search, 3, 3, val=(X, y)) for _ in range(2))
    different = [column for column in first if first[column] != second.get(column)]
    assert not different, (
        f"{CALL.format(n=3, seed=3)} twice gave different columns {different}: draw every sample "
        "from rng, seed torch with torch.manual_seed(seed) and pass \"seed\": seed to fit, "
        "seed = int(rng.integers(2**31)) per trial")


@names_the_call
def measures_on_the_validation_set(random_search):
    """val_accuracy is the accuracy on X_val, y_val: a count of right predictions out of
    len(y_val) (37 here), and no more than the 19 of them a model can get right (the other
    18 samples repeat images under another label)."""
    X, y = random_problem(19, seed=14)
    X_val, y_val = torch.cat([X, X[:18]]), torch.cat([y, (y[:18] + 1) % 10])
    accuracy = np.asarray(_search(random_search, 3, 4, val=(X_val, y_val))["val_accuracy"], dtype=float)
    call = CALL.format(n=3, seed=4) + " with 37 validation samples"
    counts = accuracy * 37
    assert np.allclose(counts, counts.round(), atol=1e-4), (
        f"{call}: val_accuracy {accuracy.round(4).tolist()} is not (right predictions) / 37; "
        "measure the accuracy of each trained model on X_val, y_val")
    assert np.all(counts.round() <= 19), (
        f"{call}: val_accuracy {accuracy.round(4).tolist()}, but at most 19 of these 37 samples can "
        "be predicted right; measure on X_val, y_val in evaluation mode (model.eval(), no dropout)")


TRIALS = 3


@names_the_call
def trains_a_fresh_model_per_trial(random_search):
    """Each trial builds and trains its own model: every trial of random_search(3, ...) is
    replayed alone, as random_search(1, ...) from the rng state the trials before it left,
    and must reach the same val_accuracy with the same lr. (A search that draws every
    trial's samples before training draws other hparams in the replay: it is not judged
    here; a later trial that continues the same model differs unless its predecessors'
    learning rates were too small to change a prediction.)"""
    rng = drawn("q4.trains_a_fresh_model_per_trial")
    seed = int(rng.integers(2**31))
    X, y = random_problem(656, seed=int(rng.integers(2**31)))
    data = (X[:256], y[:256], X[256:], y[256:], "cpu")
    alone, state = [], np.random.default_rng(seed)
    for _ in range(TRIALS):   # each trial from where the trials before it left the rng
        rows = random_search(1, *data, state)
        assert hasattr(rows, "to_dict"), (
            f"random_search returned {type(rows).__name__}, not a DataFrame")
        alone.append(rows.to_dict("list"))
        state = copy.deepcopy(state)
    together = random_search(TRIALS, *data, np.random.default_rng(seed)).to_dict("list")
    found = {float(lr): float(a) for lr, a in zip(together["lr"], together["val_accuracy"])}
    trials = [(float(t["lr"][0]), float(t["val_accuracy"][0])) for t in alone]
    if sorted(found) != sorted(lr for lr, _ in trials) or found[trials[0][0]] != trials[0][1]:
        return   # samples drawn up front, or trial 1 not reproducible (randomness_comes_from_rng)
    differ = [(i + 1, lr, found[lr], accuracy) for i, (lr, accuracy) in enumerate(trials)
              if found[lr] != accuracy]
    assert not differ, (
        f"random_search({TRIALS}, X_train, y_train, X_val, y_val, 'cpu', "
        f"np.random.default_rng({seed})) with 256 training and 400 validation samples: "
        + "; ".join(f"its trial {i} (lr = {lr:.4g}) reached val_accuracy {got:.4f}, the same "
                    f"trial run alone (random_search(1, ...) from the rng state the trials "
                    f"before it left) {alone_accuracy:.4f}"
                    for i, lr, got, alone_accuracy in differ)
        + ": build a fresh model with build_model in every trial, after "
          "torch.manual_seed(seed), and train only it")
