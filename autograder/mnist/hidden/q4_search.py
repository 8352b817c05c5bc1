"""Hidden checks of Q4, ``random_search``: best first, learning rate on a log scale."""
import numpy as np

from autograder.mnist.public import random_problem


def _search(random_search, n_trials, seed):
    X, y = random_problem(96, seed=8)
    table = random_search(n_trials, X[:64], y[:64], X[64:], y[64:], "cpu",
                          np.random.default_rng(seed))
    return table.to_dict("list")


def sorted_best_first(random_search):
    """One row per trial, val_accuracy in [0, 1] and non-increasing."""
    accuracy = np.asarray(_search(random_search, 6, 1)["val_accuracy"], dtype=float)
    assert accuracy.shape == (6,), f"random_search(6, ...) returned {accuracy.size} rows"
    assert np.all((accuracy >= 0) & (accuracy <= 1)), "val_accuracy must be a fraction in [0, 1]"
    assert np.all(np.diff(accuracy) <= 0), f"rows must be sorted best first: {accuracy.round(3)}"


def samples_lr_log_uniformly(random_search):
    """lr spans >= 1.5 decades, and the lower half of its log range holds about half of the
    trials (uniform sampling would put nearly all trials in the top decade)."""
    lr = np.asarray(_search(random_search, 40, 2)["lr"], dtype=float)
    assert np.all(lr > 0), "learning rates must be positive"
    logs = np.log10(lr)
    span = logs.max() - logs.min()
    assert span >= 1.5, f"40 learning rates span only {span:.2f} decades; search >= 2 decades"
    lower = np.mean(logs < (logs.min() + logs.max()) / 2)
    assert 0.25 <= lower <= 0.75, (
        f"{lower:.0%} of the learning rates lie in the lower half of the log range; "
        "sample lr = 10 ** U(a, b) so that every decade is tried equally often")


def randomness_comes_from_rng(random_search):
    """The same rng seed gives the same sampled learning rates."""
    first = _search(random_search, 3, 3)["lr"]
    second = _search(random_search, 3, 3)["lr"]
    assert sorted(first) == sorted(second), "random_search must draw every sample from rng"
