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


def _layers(model):
    """(class names of the modules without children in registration order, whether every
    container is an nn.Sequential: then that order is the forward order)."""
    modules = [(m._get_name(), bool(list(m.children()))) for m in model.modules()]
    return ([n for n, parent in modules if not parent],
            all(n == "Sequential" for n, parent in modules if parent))


def _output_bias(model):
    """The bias of the last Linear(., 10) (a (10,) bias beside a 2-D weight), or None."""
    values = model.state_dict()
    names = [n for n, v in values.items() if n.endswith("bias") and tuple(v.shape) == (10,)
             and f"{n[:-4]}weight" in values and values[f"{n[:-4]}weight"].dim() == 2]
    return torch.as_tensor(values[names[-1]]).detach().cpu() if names else None


def _outputs(model, X):
    with torch.no_grad():
        return torch.as_tensor(model(X)).detach().cpu()


BLOCK = "Linear -> BatchNorm1d -> ReLU -> Dropout"


def model_maps_784_to_10(build_model):
    """build_model(hparams) maps a batch (N, 784) to logits (N, 10): no softmax or
    log-softmax at the end, batch norm between each Linear and its ReLU (not after the
    ReLU), and in an nn.Sequential each Dropout right after a ReLU."""
    model = build_model(SMALL)
    assert model is not None, f"build_model({SMALL!r}) returned None"
    out = model(torch.randn(8, 784))
    assert tuple(out.shape) == (8, 10), (
        f"build_model({SMALL!r})(X) for X of shape (8, 784): expected shape (8, 10), "
        f"got {tuple(out.shape)}")
    hparams = {**SMALL, "dropout": 0.0}
    call = f"build_model({hparams!r})"
    model = build_model(hparams)
    names, sequential = _layers(model)
    assert "BatchNorm1d" in names, (
        f"{call} has no nn.BatchNorm1d layer (layers: {names}): every hidden layer is {BLOCK}")
    model.train()
    out = _outputs(model, torch.randn(64, 784, generator=torch.Generator().manual_seed(0)))
    rows_sum_to_1 = torch.allclose(out.sum(1), torch.ones(64), atol=1e-4)
    assert not (bool((out >= 0).all()) and rows_sum_to_1), (
        f"{call}: the outputs are probabilities (rows sum to 1): return the logits of the last "
        "Linear, with no softmax (F.cross_entropy applies log-softmax itself)")
    assert not torch.allclose(torch.logsumexp(out, 1), torch.zeros(64), atol=1e-4), (
        f"{call}: the outputs are log-probabilities (log-softmax): return the logits of the "
        "last Linear (F.cross_entropy applies log-softmax itself)")
    bias = _output_bias(model)
    assert bias is None or not torch.allclose(out.mean(0), bias, atol=1e-4), (
        f"{call}: in training mode the outputs average exactly to the last Linear's bias over "
        "the batch, so the activations fed to it have mean 0: batch norm comes after ReLU; it "
        f"goes between the Linear and the ReLU ({BLOCK})")
    kept = [n for n in names if n not in ("Flatten", "Identity")]
    misplaced = [i for i, n in enumerate(kept)
                 if n == "Dropout" and (i == 0 or kept[i - 1] != "ReLU")]
    assert not (sequential and misplaced), (
        f"{call}: in your nn.Sequential a Dropout follows "
        f"{kept[misplaced[0] - 1] if misplaced and misplaced[0] else 'nothing'}; dropout goes "
        f"right after ReLU (layers: {kept})")


def fit_returns_epoch_losses(build_model, fit):
    """fit(...) returns one Python float per epoch (finite), puts the model in training
    mode itself and draws every minibatch, the partial last one included (counted by batch
    norm's num_batches_tracked)."""
    torch.manual_seed(0)
    X, y = random_problem(200)
    call = f"fit(model, X, y, SMALL, 'cpu') with 200 samples, SMALL = {SMALL!r}"
    model = build_model(SMALL)
    model.eval()   # fit must switch to training mode itself
    losses = fit(model, X, y, SMALL, "cpu")
    assert isinstance(losses, (list, tuple)), f"{call} must return a list, got {type(losses).__name__}"
    assert len(losses) == SMALL["epochs"], (
        f"{call}: expected {SMALL['epochs']} losses (one per epoch), got {len(losses)}")
    kinds = sorted({type(v).__name__ for v in losses if not isinstance(v, (float, np.floating))})
    assert not kinds, (
        f"{call}: each loss must be a Python float (loss.item(), or float(total) of the summed "
        f"detached losses), got {', '.join(kinds)}")
    assert all(math.isfinite(v) for v in losses), f"{call}: losses must be finite, got {losses}"
    counts = [int(v) for n, v in model.state_dict().items() if n.endswith("num_batches_tracked")]
    per_epoch = math.ceil(200 / SMALL["batch_size"])
    steps = SMALL["epochs"] * per_epoch
    assert all(c > 0 for c in counts), (
        f"{call} on a model left in evaluation mode: batch norm saw no training step; call "
        "model.train() in fit")
    assert all(c == steps for c in counts), (
        f"{call}: expected {steps} training steps ({per_epoch} minibatches per epoch, the last "
        f"of {200 % SMALL['batch_size']} samples); batch norm counted {counts}")


def search_returns_a_table(random_search):
    """random_search returns a DataFrame with one row per trial, an lr column and
    val_accuracy fractions in [0, 1], best first, indexed 0, 1, ... in that order."""
    X, y = random_problem(96)
    call = "random_search(2, X_train, y_train, X_val, y_val, 'cpu', rng)"
    table = random_search(2, X[:64], y[:64], X[64:], y[64:], "cpu", np.random.default_rng(0))
    assert hasattr(table, "to_dict"), (
        f"{call} must return a pandas DataFrame, got {type(table).__name__}")
    columns = table.to_dict("list")
    for key in ("lr", "val_accuracy"):
        assert key in columns, f"the table needs a column {key!r}; it has {list(columns)}"
    accuracy = [float(a) for a in columns["val_accuracy"]]
    assert len(accuracy) == 2, f"random_search(2, ...) must return 2 rows, got {len(accuracy)}"
    assert all(0 <= a <= 1 for a in accuracy), (
        f"{call}: val_accuracy must be a fraction in [0, 1], got {accuracy}")
    assert accuracy[0] >= accuracy[1], (
        f"{call}: rows must be sorted best first (sort_values('val_accuracy', ascending=False, "
        f"ignore_index=True)), got val_accuracy {accuracy}")
    index = list(table.to_dict("index"))
    assert index == [0, 1], (
        f"{call}: the sorted table's index must be 0, 1 (sort_values(..., ignore_index=True)), "
        f"got {index}")


def _value_problems(hparams) -> list[str]:
    """What in BEST_HPARAMS is not of the kind build_model and fit read."""
    hidden, problems = hparams["hidden"], []
    if not (isinstance(hidden, (list, tuple)) and hidden
            and all(isinstance(w, int) and w > 0 for w in hidden)):
        problems.append(f"hidden must be a list of positive ints (got {hidden!r})")
    problems += [f"{k} must be an int >= 1 (got {hparams[k]!r})" for k in ("batch_size", "epochs")
                 if not (isinstance(hparams[k], int) and hparams[k] >= 1)]
    if not (isinstance(hparams["dropout"], (int, float)) and 0 <= hparams["dropout"] < 1):
        problems.append(f"dropout must be a number in [0, 1) (got {hparams['dropout']!r})")
    if not (isinstance(hparams["lr"], (int, float)) and hparams["lr"] > 0):
        problems.append(f"lr must be a positive number (got {hparams['lr']!r})")
    return problems


def best_hparams_are_complete(build_model, BEST_HPARAMS):
    """BEST_HPARAMS holds every key build_model and fit read, with values of the right
    kind, and builds a model mapping (N, 784) to (N, 10)."""
    assert isinstance(BEST_HPARAMS, dict), "BEST_HPARAMS must be a dict"
    missing = [k for k in HPARAM_KEYS if k not in BEST_HPARAMS]
    assert not missing, f"BEST_HPARAMS lacks {missing}"
    problems = _value_problems(BEST_HPARAMS)
    assert not problems, f"BEST_HPARAMS: {'; '.join(problems)}"
    model = build_model(BEST_HPARAMS)
    assert model is not None, "build_model(BEST_HPARAMS) returned None"
    out = model(torch.randn(8, 784))
    assert tuple(out.shape) == (8, 10), (
        "build_model(BEST_HPARAMS)(X) for X of shape (8, 784): expected shape (8, 10), "
        f"got {tuple(out.shape)}")


try:  # shipped beside the notebook: grader.check then shows a failed check's message first
    from otter_messages import install as _show_messages_first
except ImportError:  # imported from the autograder package: no notebook to show them in
    pass
else:
    _show_messages_first()
