"""Variants of ``random_search(...)`` (assignment 2, Q4); ``build_model`` and ``fit`` are
the reference ones."""
import numpy as np
import pandas as pd
import torch


def _val_accuracy(hparams, X_train, y_train, X_val, y_val, device, seed_torch=True):
    if seed_torch:
        torch.manual_seed(hparams.get("seed", 0))
    model = build_model(hparams)
    fit(model, X_train, y_train, hparams, device)
    model.eval()
    with torch.no_grad():
        return (model(X_val).argmax(1) == y_val).float().mean().item()


def _search(n_trials, data, sample, ascending=False, sort=True, seed_torch=True):
    rows = []
    for _ in range(n_trials):
        hparams = {"hidden": [32], "dropout": 0.1, "batch_size": 32, "epochs": 1, **sample()}
        rows.append({**hparams, "val_accuracy": _val_accuracy(hparams, *data, seed_torch=seed_torch)})
    table = pd.DataFrame(rows)
    return table.sort_values("val_accuracy", ascending=ascending, ignore_index=True) if sort else table


def correct_lr_and_dropout(n_trials, X_train, y_train, X_val, y_val, device, rng):
    data = (X_train, y_train, X_val, y_val, device)
    return _search(n_trials, data, lambda: {"lr": 10 ** rng.uniform(-5, -2),
                                            "dropout": rng.uniform(0, 0.5),
                                            "seed": int(rng.integers(1000))})


def correct_lists_then_frame(n_trials, X_train, y_train, X_val, y_val, device, rng):
    lrs = 10.0 ** rng.uniform(-4, -1, n_trials)
    accs = [_val_accuracy({"hidden": [16], "dropout": 0.0, "lr": lr, "batch_size": 64,
                           "epochs": 1, "seed": 0}, X_train, y_train, X_val, y_val, device)
            for lr in lrs]
    table = pd.DataFrame({"lr": lrs, "val_accuracy": accs})
    return table.sort_values("val_accuracy", ascending=False).reset_index(drop=True)


def wrong_uniform_lr(n_trials, X_train, y_train, X_val, y_val, device, rng):
    data = (X_train, y_train, X_val, y_val, device)
    return _search(n_trials, data, lambda: {"lr": rng.uniform(1e-4, 1e-1)})


def wrong_narrow_lr_range(n_trials, X_train, y_train, X_val, y_val, device, rng):
    data = (X_train, y_train, X_val, y_val, device)
    return _search(n_trials, data, lambda: {"lr": 10 ** rng.uniform(-3, -2.5)})


def wrong_global_numpy_random(n_trials, X_train, y_train, X_val, y_val, device, rng):
    data = (X_train, y_train, X_val, y_val, device)
    return _search(n_trials, data, lambda: {"lr": 10 ** np.random.uniform(-4, -1)})


def wrong_sorted_worst_first(n_trials, X_train, y_train, X_val, y_val, device, rng):
    data = (X_train, y_train, X_val, y_val, device)
    return _search(n_trials, data, lambda: {"lr": 10 ** rng.uniform(-4, -1)}, ascending=True)


def wrong_not_sorted(n_trials, X_train, y_train, X_val, y_val, device, rng):
    data = (X_train, y_train, X_val, y_val, device)
    return _search(n_trials, data, lambda: {"lr": 10 ** rng.uniform(-4, -1)}, sort=False)


def wrong_returns_a_list_of_dicts(n_trials, X_train, y_train, X_val, y_val, device, rng):
    """The rows, best first, but not a DataFrame."""
    data = (X_train, y_train, X_val, y_val, device)
    return _search(n_trials, data, lambda: {"lr": 10 ** rng.uniform(-4, -1)}).to_dict("records")


def wrong_never_seeds_torch(n_trials, X_train, y_train, X_val, y_val, device, rng):
    """Samples from rng and passes fit a seed, but the models' initial weights come from
    torch's unseeded global generator."""
    data = (X_train, y_train, X_val, y_val, device)
    return _search(n_trials, data, lambda: {"lr": 10 ** rng.uniform(-4, -1),
                                            "seed": int(rng.integers(2**31))}, seed_torch=False)


def wrong_accuracy_on_the_training_set(n_trials, X_train, y_train, X_val, y_val, device, rng):
    """Reports the accuracy on the training data."""
    data = (X_train, y_train, X_train, y_train, device)
    return _search(n_trials, data, lambda: {"lr": 10 ** rng.uniform(-4, -1), "seed": 0})


def wrong_lr_from_a_grid_top_heavy(n_trials, X_train, y_train, X_val, y_val, device, rng):
    """Learning rates from a linear grid: spans the decades, most trials near the top."""
    data = (X_train, y_train, X_val, y_val, device)
    grid = np.linspace(1e-4, 1e-1, 12)
    return _search(n_trials, data, lambda: {"lr": float(rng.choice(grid)), "seed": 0})
