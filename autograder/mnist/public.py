"""Public checks of the ``mnist`` assignment.

Students get this file next to their notebook (as ``mnist_public.py``); their
``grader.check("qN")`` runs these checks. Each check takes the student's objects by name,
returns None when they pass and raises AssertionError saying what is wrong.
Self-contained on purpose: numpy, torch and the standard library only.
"""
import math

import numpy as np
import torch

SMALL = {"hidden": [32], "dropout": 0.1, "lr": 0.01, "batch_size": 64, "epochs": 2}
HPARAM_KEYS = ("hidden", "dropout", "lr", "batch_size", "epochs")


def random_problem(n, seed=0, classes=10):
    """X float32 (n, 784) ~ N(0, 1); y int64 (n,) = argmax of a fixed random linear map of
    X (so a linear classifier can fit it)."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 784, generator=g)
    W = torch.randn(784, classes, generator=torch.Generator().manual_seed(1000 + seed))
    return X, (X @ W).argmax(1)


def minibatches_split_tensors(minibatches):
    """Tensors in, tensors out; one epoch covers every sample once."""
    X, y = torch.arange(50.0).reshape(25, 2), torch.arange(25)
    batches = list(minibatches(X, y, 10, shuffle=False))
    sizes = [len(yb) for _, yb in batches]
    assert sizes == [10, 10, 5], f"minibatches(X, y, 10, shuffle=False) with 25 samples: batch sizes should be [10, 10, 5], got {sizes}"
    assert all(isinstance(xb, torch.Tensor) for xb, _ in batches), "minibatches(X, y, 10, shuffle=False) on torch tensors: the batches must stay tensors"
    seen = torch.cat([torch.as_tensor(yb).cpu() for _, yb in minibatches(X, y, 10, rng=np.random.default_rng(0))])
    assert sorted(seen.tolist()) == list(range(25)), f"minibatches(X, y, 10, rng=np.random.default_rng(0)) with 25 samples: a shuffled epoch must hold every sample once, got labels {sorted(seen.tolist())}"


def model_maps_784_to_10(build_model):
    """build_model(hparams) maps a batch (N, 784) to logits (N, 10)."""
    model = build_model(SMALL)
    assert model is not None, f"build_model({SMALL!r}) returned None"
    out = model(torch.randn(8, 784))
    assert tuple(out.shape) == (8, 10), f"build_model({SMALL!r})(X) for X of shape (8, 784): expected shape (8, 10), got {tuple(out.shape)}"


def fit_returns_epoch_losses(build_model, fit):
    """fit(...) returns one finite float loss per epoch."""
    torch.manual_seed(0)
    X, y = random_problem(256)
    call = f"fit(build_model(SMALL), X, y, SMALL, 'cpu') with SMALL = {SMALL!r}"
    losses = fit(build_model(SMALL), X, y, SMALL, "cpu")
    assert isinstance(losses, (list, tuple)), f"{call} must return a list, got {type(losses).__name__}"
    assert len(losses) == SMALL["epochs"], f"{call}: expected {SMALL['epochs']} losses (one per epoch), got {len(losses)}"
    assert all(math.isfinite(float(v)) for v in losses), f"{call}: losses must be finite, got {losses}"


def search_returns_a_table(random_search):
    """random_search returns a table with one row per trial and a val_accuracy column."""
    X, y = random_problem(96)
    table = random_search(2, X[:64], y[:64], X[64:], y[64:], "cpu", np.random.default_rng(0))
    assert hasattr(table, "to_dict"), f"random_search(2, X_train, y_train, X_val, y_val, 'cpu', rng) must return a pandas DataFrame, got {type(table).__name__}"
    columns = table.to_dict("list")
    for key in ("lr", "val_accuracy"):
        assert key in columns, f"the table needs a column {key!r}; it has {list(columns)}"
    assert len(columns["val_accuracy"]) == 2, f"random_search(2, ...) must return 2 rows, got {len(columns['val_accuracy'])}"


def best_hparams_are_complete(build_model, BEST_HPARAMS):
    """BEST_HPARAMS holds every key build_model and fit read, and builds a model."""
    assert isinstance(BEST_HPARAMS, dict), "BEST_HPARAMS must be a dict"
    missing = [k for k in HPARAM_KEYS if k not in BEST_HPARAMS]
    assert not missing, f"BEST_HPARAMS lacks {missing}"
    model_maps_784_to_10(lambda _: build_model(BEST_HPARAMS))


try:  # shipped beside the notebook: grader.check then shows a failed check's message first
    from otter_messages import install as _show_messages_first
except ImportError:  # imported from the autograder package: no notebook to show them in
    pass
else:
    _show_messages_first()
