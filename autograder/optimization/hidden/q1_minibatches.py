"""Hidden checks of Q1, ``minibatches`` (mnist's Q1 reuses the first three)."""
import numpy as np
import torch

from autograder.drawn import search
from autograder.optimization.hidden.judging import call_drawn, changed_arguments, plain
from autograder.optimization.hidden.space import EPOCHS, SPACES, Seeded
from autograder.optimization.public import all_of, as_numpy, assert_close, assert_raises


def _order(drawn, y_seen):
    """The order SPEC gives the drawn call: 0..N-1, rng.permutation(N) of the seeded rng,
    or (rng=None) the permutation the labels show, which must be one."""
    n = len(plain(drawn["y"]))
    if not drawn["shuffle"]:
        return np.arange(n)
    if isinstance(drawn["rng"], Seeded):
        return np.random.default_rng(drawn["rng"].seed).permutation(n)
    rows = plain(drawn["y"]).reshape(n, -1)[:, 0]
    seen = y_seen.reshape(len(y_seen), -1)[:, 0] if len(y_seen) else y_seen
    order = np.searchsorted(rows, seen)
    assert sorted(order.tolist()) == list(range(n)), (
        "with shuffle=True every sample must appear exactly once per epoch")
    return order


def _kind(value) -> str:
    return "tensor" if isinstance(value, torch.Tensor) else type(value).__name__


def judge_epoch(minibatches, drawn, conventions=False):
    """One drawn epoch: batch sizes batch_size but the last (none empty, none for N = 0),
    the batches equal X and y in SPEC's order; batches are arrays for arrays and lists,
    tensors for tensors; with ``conventions``: dtypes kept, X and y untouched."""
    batches, after = call_drawn(minibatches, drawn)
    X, y, size = plain(drawn["X"]), plain(drawn["y"]), int(drawn["batch_size"])
    n = len(X)
    problems = []
    if not all(isinstance(b, (tuple, list)) and len(b) == 2 for b in batches):
        raise AssertionError(f"{drawn}: every item yielded should be a pair (X_batch, y_batch)")
    sizes = [len(xb) for xb, _ in batches]
    want = [size] * (n // size) + ([n % size] if n % size else [])
    if sizes != want:
        raise AssertionError(f"{drawn}: batch sizes should be {want}, got {sizes}")
    kind = "tensor" if isinstance(drawn["X"], torch.Tensor) else "ndarray"
    kinds = sorted({_kind(b) for pair in batches for b in pair})
    if kinds and kinds != [kind]:
        problems.append(f"the batches are {', '.join(kinds)}, expected {kind}s"
                        + (" (convert lists with np.asarray)" if isinstance(drawn["X"], list) else ""))
    if batches:
        X_seen = np.concatenate([as_numpy(xb) for xb, _ in batches])
        y_seen = np.concatenate([as_numpy(yb) for _, yb in batches])
        try:
            order = _order(drawn, y_seen)
            all_of(lambda: assert_close(y_seen, y[order], "y batches (in order)"),
                   lambda: assert_close(X_seen, X[order], "X batches (the same order as y)"))
        except AssertionError as e:
            problems.append(str(e))
        if conventions:
            for name, seen in (("X", X_seen), ("y", y_seen)):
                dtype = np.asarray(as_numpy(drawn[name])).dtype
                if seen.dtype != dtype:
                    problems.append(f"{name} batches are {seen.dtype}, expected {name}'s dtype "
                                    f"{dtype}")
    if conventions and changed_arguments(drawn, after):
        problems.append(f"modified {', '.join(changed_arguments(drawn, after))} in place: "
                        f"index with the permutation instead")
    if problems:
        raise AssertionError(f"{drawn}:\n  " + "\n  ".join(problems))


def keeps_every_sample_once(minibatches):
    """Unshuffled epochs cover the data in order, last smaller batch kept, no empty batch:
    drawn N from 0 to 40, batch sizes 1 to N + 3, features of several shapes, labels of
    one or several columns, arrays and tensors."""
    search("q1.unshuffled", EPOCHS[False], lambda d: judge_epoch(minibatches, d),
           [e for e in SPACES["minibatches"].math_edges if not e["shuffle"]])


def shuffles_with_one_rng_permutation(minibatches):
    """shuffle=True applies rng.permutation(N) of the given rng to X and y alike (drawn
    data and seeds); with rng=None two epochs come in different orders."""
    search("q1.shuffled", EPOCHS[True], lambda d: judge_epoch(minibatches, d),
           [e for e in SPACES["minibatches"].math_edges if e["shuffle"]])
    X, y = np.arange(60.0).reshape(30, 2), np.arange(30)
    orders = [np.concatenate([as_numpy(yb) for _, yb in minibatches(X, y, 8)]) for _ in range(2)]
    assert not np.array_equal(*orders), (
        "minibatches(X, y, 8) with 30 samples and rng=None: two epochs came in the same order: "
        "rng=None means a fresh np.random.default_rng(), not a fixed seed")


def works_with_torch_tensors(minibatches):
    """Tensors in, tensors out, same batching as numpy arrays."""
    X, y = torch.arange(60.0).reshape(20, 3), torch.arange(20)
    batches = list(minibatches(X, y, 6, rng=np.random.default_rng(3)))
    assert all(isinstance(xb, torch.Tensor) and isinstance(yb, torch.Tensor)
               for xb, yb in batches), "batches of torch tensors must be torch tensors"
    assert [len(xb) for xb, _ in batches] == [6, 6, 6, 2], "wrong batch sizes for tensors"
    order = np.random.default_rng(3).permutation(20)
    assert_close(torch.cat([yb for _, yb in batches]), order, "tensor batches' order")


def rejects_bad_arguments(minibatches):
    """batch_size < 1 and len(X) != len(y) raise ValueError."""
    X, y = np.zeros((6, 2)), np.zeros(6)
    for batch_size in (0, -2, np.int64(0)):
        assert_raises(ValueError, f"batch_size={batch_size!r}", minibatches, X, y, batch_size)
    assert_raises(ValueError, "len(X) != len(y)", minibatches, X, y[:5], 2)


def leaves_inputs_unchanged(minibatches):
    """Iterating never modifies X or y; credited only with the right batches (a
    placeholder that yields nothing changes nothing)."""
    X, y = np.random.default_rng(9).normal(size=(11, 2)), np.arange(11)
    X0, y0 = X.copy(), y.copy()
    batches = [(as_numpy(xb).copy(), as_numpy(yb).copy())
               for xb, yb in minibatches(X, y, 4, rng=np.random.default_rng(1))]
    order = np.random.default_rng(1).permutation(11)
    assert len(batches) == 3 and np.array_equal(np.concatenate([b for _, b in batches]), order), (
        "minibatches(X, y, 4, rng=rng) with 11 samples: the batches should be rng.permutation(11) "
        "in 3 batches (this case credits only right batches)")
    assert np.array_equal(X, X0) and np.array_equal(y, y0), "minibatches modified X or y in place"
