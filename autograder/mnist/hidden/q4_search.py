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
    """lr spans >= 1.5 decades and log10(lr) is uniform on its range: Kolmogorov-Smirnov
    distance to U(min, max) of the 40 observed log10(lr) below 0.25 (uniform sampling of lr
    itself puts nearly all trials in the top decade, KS ~ 0.5)."""
    lr = np.asarray(_search(random_search, 40, 2)["lr"], dtype=float)
    assert np.all(lr > 0), "learning rates must be positive"
    logs = np.sort(np.log10(lr))
    span = logs[-1] - logs[0]
    assert span >= 1.5, f"40 learning rates span only {span:.2f} decades; search >= 2 decades"
    u = (logs - logs[0]) / span
    ranks = np.arange(1, u.size + 1) / u.size
    ks = float(np.max(np.maximum(ranks - u, u - (ranks - 1 / u.size))))
    assert ks < 0.25, (
        f"random_search(40, ...): log10(lr) is not uniform over its range (KS distance "
        f"{ks:.2f}, {np.mean(u < 0.5):.0%} of the trials in the lower half of the log range); "
        "sample lr = 10 ** rng.uniform(a, b) so that every decade is tried equally often")


def randomness_comes_from_rng(random_search):
    """The same rng seed gives the same table, accuracies included: every sample from rng,
    torch seeded and fit's "seed" taken from it."""
    first, second = _search(random_search, 3, 3), _search(random_search, 3, 3)
    assert sorted(first["lr"]) == sorted(second["lr"]), "random_search must draw every sample from rng"
    a, b = (sorted(zip(t["lr"], t["val_accuracy"])) for t in (first, second))
    assert a == b, (
        "random_search(3, ..., rng=np.random.default_rng(3)) twice: same learning rates, "
        "different validation accuracies; seed torch (torch.manual_seed) and fit "
        "(hparams['seed']) from rng, as the prompt asks")


def measures_accuracy_on_the_validation_set(random_search):
    """val_accuracy is measured on X_val, y_val: with 7 validation samples every value is
    a multiple of 1/7 (the training set has 64)."""
    X, y = random_problem(71, seed=13)
    table = random_search(3, X[:64], y[:64], X[64:], y[64:], "cpu", np.random.default_rng(4))
    accuracy = np.asarray(table.to_dict("list")["val_accuracy"], dtype=float)
    off = np.abs(accuracy * 7 - np.round(accuracy * 7))
    assert np.all(off < 1e-6), (
        f"random_search with 64 training and 7 validation samples reported val_accuracy "
        f"{accuracy.round(4).tolist()}: not multiples of 1/7, so not measured on X_val, y_val")
