"""Hidden checks of Q1, ``minibatches``."""
import numpy as np
import torch

from autograder.optimization.hidden import right_values_first
from autograder.optimization.public import as_numpy, assert_close, assert_raises

SHAPES = [(37, 5), (40, 8), (7, 16), (12, 1), (1, 3)]  # N % batch == 0, batch > N, batch 1, N 1


def _epoch(minibatches, X, y, batch_size, **kwargs):
    batches = [(as_numpy(xb), as_numpy(yb)) for xb, yb in minibatches(X, y, batch_size, **kwargs)]
    assert batches, "no batch was yielded"
    return batches


def keeps_every_sample_once(minibatches):
    """Unshuffled epochs cover the data in order, last smaller batch kept, no empty batch."""
    rng = np.random.default_rng(101)
    for n, batch_size in SHAPES:
        X, y = rng.normal(size=(n, 3)), rng.integers(0, 10, n)
        batches = _epoch(minibatches, X, y, batch_size, shuffle=False)
        sizes = [len(xb) for xb, _ in batches]
        expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
        assert sizes == expected, (
            f"N={n}, batch_size={batch_size}: batch sizes should be {expected}, got {sizes}")
        assert_close(np.concatenate([xb for xb, _ in batches]), X, "X in original order")
        assert_close(np.concatenate([yb for _, yb in batches]), y, "y in original order")


def shuffles_with_one_rng_permutation(minibatches):
    """shuffle=True applies rng.permutation(N) to X and y alike."""
    for seed, (n, batch_size) in enumerate(SHAPES):
        X = np.random.default_rng(seed).normal(size=(n, 4))
        y = np.arange(n)
        batches = _epoch(minibatches, X, y, batch_size, rng=np.random.default_rng(seed + 50))
        order = np.random.default_rng(seed + 50).permutation(n)
        y_seen = np.concatenate([yb for _, yb in batches])
        assert sorted(y_seen.tolist()) == list(range(n)), (
            "with shuffle=True every sample must appear exactly once per epoch")
        assert np.array_equal(y_seen, order), (
            "with shuffle=True the order must be rng.permutation(N) drawn from the given rng")
        assert_close(np.concatenate([xb for xb, _ in batches]), X[order],
                     "X batches must follow the same permutation as y")


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
    for batch_size in (0, -2):
        assert_raises(ValueError, f"batch_size={batch_size}", minibatches, X, y, batch_size)
    assert_raises(ValueError, "len(X) != len(y)", minibatches, X, y[:5], 2)


def leaves_inputs_unchanged(minibatches):
    """Iterating never modifies X or y (credited once the batches are right)."""
    right_values_first(keeps_every_sample_once, minibatches)
    X, y = np.random.default_rng(9).normal(size=(11, 2)), np.arange(11)
    X0, y0 = X.copy(), y.copy()
    for xb, yb in minibatches(X, y, 4, rng=np.random.default_rng(1)):
        pass
    assert np.array_equal(X, X0) and np.array_equal(y, y0), "minibatches modified X or y in place"
