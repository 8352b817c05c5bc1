"""Q1 ``minibatches`` against torch's DataLoader (same order, same batches)."""
import inspect

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from torch.utils.data import DataLoader, TensorDataset

from helpers_torch import PROPERTY, SEEDS, readonly
from solutions.optimization import minibatches


def dataset(n, feature_shape, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, *feature_shape)), rng.integers(0, 10, size=n)


def test_is_a_generator_function():
    assert inspect.isgeneratorfunction(minibatches)


@PROPERTY
@given(n=st.integers(1, 60), batch_size=st.integers(1, 70), shuffle=st.booleans(),
       feature_shape=st.sampled_from([(3,), (2, 3)]), seed=SEEDS)
def test_numpy_batches_equal_dataloader_over_rng_permutation(n, batch_size, shuffle,
                                                              feature_shape, seed):
    """Same batches as DataLoader with sampler rng.permutation(N) (or the original order)."""
    X, y = dataset(n, feature_shape, seed)
    rng, reference_rng = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    order = reference_rng.permutation(n) if shuffle else None
    loader = DataLoader(TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=batch_size,
                        sampler=None if order is None else order.tolist())
    ours = list(minibatches(*readonly(X, y), batch_size, shuffle=shuffle, rng=rng))
    theirs = list(loader)
    assert len(ours) == len(theirs) == -(-n // batch_size)
    for (xb, yb), (xt, yt) in zip(ours, theirs):
        assert isinstance(xb, np.ndarray) and isinstance(yb, np.ndarray)
        np.testing.assert_array_equal(xb, xt.numpy())
        np.testing.assert_array_equal(yb, yt.numpy())
    sizes = [len(xb) for xb, _ in ours]
    assert all(s == batch_size for s in sizes[:-1]) and 0 < sizes[-1] <= batch_size
    if shuffle:  # exactly one draw, rng.permutation(N): both generators are now in step
        assert rng.random() == reference_rng.random()


@PROPERTY
@given(n=st.integers(1, 40), batch_size=st.integers(1, 16), seed=SEEDS)
def test_torch_tensors_in_torch_tensors_out(n, batch_size, seed):
    """Tensors are indexed directly: the batches are tensors, in the permuted order."""
    X, y = (torch.tensor(a) for a in dataset(n, (4,), seed))
    X0, y0 = X.clone(), y.clone()
    order = np.random.default_rng(seed).permutation(n)
    batches = list(minibatches(X, y, batch_size, rng=np.random.default_rng(seed)))
    assert all(isinstance(b, torch.Tensor) for pair in batches for b in pair)
    assert torch.equal(torch.cat([xb for xb, _ in batches]), X0[order])
    assert torch.equal(torch.cat([yb for _, yb in batches]), y0[order])
    assert torch.equal(X, X0) and torch.equal(y, y0)


def test_every_sample_once_per_epoch():
    X = np.arange(103)
    seen = np.concatenate([xb for xb, _ in minibatches(X, X, 10, rng=np.random.default_rng(0))])
    assert sorted(seen) == list(range(103)) and not np.array_equal(seen, X)


def test_array_likes_are_accepted():
    X, y = [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [0, 1, 2]
    batches = list(minibatches(X, y, 2, shuffle=False))
    np.testing.assert_array_equal(batches[0][0], [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(batches[1][1], [2])


def test_default_rng_when_none():
    batches = list(minibatches(np.arange(10), np.arange(10), 4))
    assert [len(b) for b, _ in batches] == [4, 4, 2]


@pytest.mark.parametrize("batch_size, n_y", [(0, 5), (-3, 5), (2, 4)])
def test_value_error_on_first_advance(batch_size, n_y):
    gen = minibatches(np.zeros((5, 2)), np.zeros(n_y), batch_size)  # creating it is fine
    with pytest.raises(ValueError):
        next(gen)
