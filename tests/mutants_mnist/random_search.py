"""Variants of ``random_search(...)`` (assignment 2, Q4); ``build_model`` and ``fit`` are
the reference ones."""
import numpy as np
import pandas as pd
import torch


def _val_accuracy(hparams, X_train, y_train, X_val, y_val, device):
    hparams = {"seed": 0, **hparams}
    torch.manual_seed(hparams["seed"])
    model = build_model(hparams)
    fit(model, X_train, y_train, hparams, device)
    model.eval()
    with torch.no_grad():
        return (model(X_val).argmax(1) == y_val).float().mean().item()


def _search(n_trials, data, sample, ascending=False, sort=True):
    rows = []
    for _ in range(n_trials):
        hparams = {"hidden": [32], "dropout": 0.1, "batch_size": 32, "epochs": 1, **sample()}
        rows.append({**hparams, "val_accuracy": _val_accuracy(hparams, *data)})
    table = pd.DataFrame(rows)
    return table.sort_values("val_accuracy", ascending=ascending, ignore_index=True) if sort else table


def correct_lr_and_dropout(n_trials, X_train, y_train, X_val, y_val, device, rng):
    data = (X_train, y_train, X_val, y_val, device)
    return _search(n_trials, data, lambda: {"lr": 10 ** rng.uniform(-5, -2),
                                            "dropout": rng.uniform(0, 0.5),
                                            "seed": int(rng.integers(1000))})


def correct_lists_then_frame(n_trials, X_train, y_train, X_val, y_val, device, rng):
    lrs = 10.0 ** rng.uniform(-4, -1, n_trials)
    seeds = rng.integers(2**31, size=n_trials)
    accs = [_val_accuracy({"hidden": [16], "dropout": 0.0, "lr": lr, "batch_size": 64,
                           "epochs": 1, "seed": int(seed)}, X_train, y_train, X_val, y_val, device)
            for lr, seed in zip(lrs, seeds)]
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


def correct_calls_the_notebook_accuracy_helper(n_trials, X_train, y_train, X_val, y_val, device, rng):
    rows = []
    for _ in range(n_trials):
        hp = {"hidden": [32], "dropout": float(rng.uniform(0, 0.3)), "lr": float(10 ** rng.uniform(-4, -1)),
              "batch_size": 32, "epochs": 1, "seed": int(rng.integers(2**31))}
        torch.manual_seed(hp["seed"])
        model = build_model(hp)
        fit(model, X_train, y_train, hp, device)
        rows.append({**hp, "val_accuracy": accuracy(model, X_val, y_val)})   # the notebook's helper
    return pd.DataFrame(rows).sort_values("val_accuracy", ascending=False, ignore_index=True)


def _trials(n_trials, X_train, y_train, X_val, y_val, device, rng, seed_torch=True, seed_fit=True,
            measure_on=None, lr=None, reset_index=True):
    """A search with one knob per mistake."""
    rows = []
    for _ in range(n_trials):
        seed = int(rng.integers(2**31))
        hp = {"hidden": [24], "dropout": 0.1, "batch_size": 32, "epochs": 1,
              "lr": float(lr(rng) if lr else 10 ** rng.uniform(-4, -1.5))}
        if seed_torch:
            torch.manual_seed(seed)
        model = build_model(hp)
        fit(model, X_train, y_train, {**hp, "seed": seed} if seed_fit else hp, device)
        X, y = measure_on or (X_val, y_val)
        model.eval()
        with torch.no_grad():
            rows.append({**hp, "val_accuracy": (model(X).argmax(1) == y).float().mean().item()})
    return pd.DataFrame(rows).sort_values("val_accuracy", ascending=False,
                                          ignore_index=reset_index)


def correct_exp_of_uniform_natural_log(n_trials, X_train, y_train, X_val, y_val, device, rng):
    return _trials(n_trials, X_train, y_train, X_val, y_val, device, rng,
                   lr=lambda r: np.exp(r.uniform(np.log(1e-4), np.log(3e-2))))


def wrong_torch_not_seeded(n_trials, X_train, y_train, X_val, y_val, device, rng):
    return _trials(n_trials, X_train, y_train, X_val, y_val, device, rng, seed_torch=False)


def wrong_seed_not_passed_to_fit(n_trials, X_train, y_train, X_val, y_val, device, rng):
    return _trials(n_trials, X_train, y_train, X_val, y_val, device, rng, seed_fit=False)


def wrong_val_accuracy_on_training_data(n_trials, X_train, y_train, X_val, y_val, device, rng):
    return _trials(n_trials, X_train, y_train, X_val, y_val, device, rng, measure_on=(X_train, y_train))


def wrong_uniform_lr_scaled(n_trials, X_train, y_train, X_val, y_val, device, rng):
    return _trials(n_trials, X_train, y_train, X_val, y_val, device, rng,
                   lr=lambda r: 1e-4 * r.uniform(1, 1000))


def wrong_uniform_lr_from_near_zero(n_trials, X_train, y_train, X_val, y_val, device, rng):
    return _trials(n_trials, X_train, y_train, X_val, y_val, device, rng,
                   lr=lambda r: r.uniform(1e-6, 1e-1))



def wrong_returns_a_list_of_dicts(n_trials, X_train, y_train, X_val, y_val, device, rng):
    """The rows, best first, but not a DataFrame."""
    data = (X_train, y_train, X_val, y_val, device)
    return _search(n_trials, data, lambda: {"lr": 10 ** rng.uniform(-4, -1),
                                            "seed": int(rng.integers(1000))}).to_dict("records")


def wrong_one_model_for_every_trial(n_trials, X_train, y_train, X_val, y_val, device, rng):
    """Builds the model once, before the trials, and keeps training it in every trial."""
    torch.manual_seed(0)
    model = build_model({"hidden": [32], "dropout": 0.1})
    rows = []
    for _ in range(n_trials):
        hp = {"hidden": [32], "dropout": 0.1, "lr": float(10 ** rng.uniform(-4, -1.5)),
              "batch_size": 32, "epochs": 1, "seed": int(rng.integers(2**31))}
        torch.manual_seed(hp["seed"])
        fit(model, X_train, y_train, hp, device)
        rows.append({**hp, "val_accuracy": accuracy(model, X_val, y_val)})
    return pd.DataFrame(rows).sort_values("val_accuracy", ascending=False, ignore_index=True)


def wrong_accuracy_in_percent(n_trials, X_train, y_train, X_val, y_val, device, rng):
    table = _trials(n_trials, X_train, y_train, X_val, y_val, device, rng)
    return table.assign(val_accuracy=100 * table["val_accuracy"])


def correct_keeps_the_seed_column(n_trials, X_train, y_train, X_val, y_val, device, rng):
    rows = []
    for _ in range(n_trials):
        hp = {"hidden": [int(rng.choice([16, 32]))], "dropout": float(rng.uniform(0, 0.2)),
              "lr": float(10 ** rng.uniform(-3.5, -1.5)), "batch_size": 32,
              "epochs": int(rng.integers(1, 3)), "seed": int(rng.integers(2**31))}
        torch.manual_seed(hp["seed"])
        model = build_model(hp)
        fit(model, X_train, y_train, hp, device)
        rows.append({**hp, "val_accuracy": accuracy(model, X_val, y_val)})
    return pd.DataFrame(rows).sort_values("val_accuracy", ascending=False, ignore_index=True)


def correct_one_row_frames_concatenated(n_trials, X_train, y_train, X_val, y_val, device, rng):
    frames = []
    for trial in range(n_trials):
        seed = int(rng.integers(2**31))
        hp = {"hidden": [24, 24], "dropout": 0.0, "lr": 10 ** rng.uniform(-4, -2),
              "batch_size": 48, "epochs": 1, "seed": seed}
        torch.manual_seed(seed)
        model = build_model(hp)
        fit(model, X_train, y_train, hp, device)
        hp.pop("seed")
        frames.append(pd.DataFrame([{**hp, "val_accuracy": accuracy(model, X_val, y_val)}]))
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(by="val_accuracy", ascending=False).reset_index(drop=True)


def wrong_index_not_reset(n_trials, X_train, y_train, X_val, y_val, device, rng):
    """Sorted best first, but the index still numbers the trials in their order."""
    return _trials(n_trials, X_train, y_train, X_val, y_val, device, rng, reset_index=False)
