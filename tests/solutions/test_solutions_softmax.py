"""Q6 softmax and cross-entropy against torch.softmax, F.cross_entropy and autograd."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, strategies as st

from helpers_torch import FLOAT_DTYPES, PROPERTY, SEEDS, assert_matches, readonly, tensor
from solutions.optimization import cross_entropy, cross_entropy_grad, softmax, softmax_jacobian

SCALES = st.sampled_from([1.0, 30.0, 1000.0])  # 1000: exp overflows without the shift


def logits(shape, dtype, scale, seed):
    return readonly((scale * np.random.default_rng(seed).normal(size=shape)).astype(dtype))


def batch(n, c, dtype, scale, seed):
    """Logits (n, c) and integer labels (n,)."""
    labels = np.random.default_rng(seed + 1).integers(0, c, n)
    return logits((n, c), dtype, scale, seed), readonly(labels)


@PROPERTY
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=4), dtype=FLOAT_DTYPES,
       scale=SCALES, seed=SEEDS)
def test_softmax_equals_torch_over_last_axis(shape, dtype, scale, seed):
    z = logits(shape, dtype, scale, seed)
    s = softmax(z)
    assert s.shape == z.shape and s.dtype == dtype and np.isfinite(s).all()
    assert_matches(s, torch.softmax(tensor(z), dim=-1))


@PROPERTY
@given(c=st.integers(1, 8), dtype=FLOAT_DTYPES, scale=SCALES, seed=SEEDS)
def test_softmax_jacobian_equals_autograd(c, dtype, scale, seed):
    """diag(s) - outer(s, s) = torch.autograd.functional.jacobian of softmax at z."""
    z = logits((c,), dtype, scale, seed)
    J = softmax_jacobian(readonly(softmax(z)))
    theirs = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, -1), tensor(z))
    assert J.shape == (c, c) and J.dtype == dtype
    assert_matches(J, theirs)


@PROPERTY
@given(n=st.integers(1, 8), c=st.integers(1, 6), dtype=FLOAT_DTYPES, scale=SCALES, seed=SEEDS)
def test_cross_entropy_equals_torch(n, c, dtype, scale, seed):
    z, y = batch(n, c, dtype, scale, seed)
    loss = cross_entropy(z, y)
    assert np.ndim(loss) == 0 and np.isfinite(loss)
    assert_matches(loss, F.cross_entropy(tensor(z), tensor(y)), dtype)


@PROPERTY
@given(n=st.integers(1, 8), c=st.integers(1, 6), dtype=FLOAT_DTYPES, scale=SCALES, seed=SEEDS)
def test_cross_entropy_grad_equals_autograd(n, c, dtype, scale, seed):
    """(softmax(z) - onehot(y)) / N = autograd through F.cross_entropy (mean reduction)."""
    z, y = batch(n, c, dtype, scale, seed)
    zt = tensor(z, requires_grad=True)
    F.cross_entropy(zt, tensor(y)).backward()
    dz = cross_entropy_grad(z, y)
    assert dz.shape == (n, c) and dz.dtype == dtype
    assert_matches(dz, zt.grad)


def test_stable_for_large_logits():
    s = softmax([1000, 1001, 1002])
    assert np.isfinite(s).all()
    assert_matches(s, torch.softmax(torch.tensor([1000.0, 1001, 1002], dtype=torch.float64), 0))


def test_cross_entropy_is_log_sum_exp_stable():
    """z = [[0, -1000]], y = [1]: exactly 1000.0, as F.cross_entropy, not inf."""
    assert cross_entropy([[0, -1000]], [1]) == 1000.0
    assert F.cross_entropy(torch.tensor([[0.0, -1000.0]]), torch.tensor([1])).item() == 1000.0
    np.testing.assert_allclose(cross_entropy_grad([[0, -1000]], [1]), [[1.0, -1.0]])


def test_array_likes_are_accepted():
    np.testing.assert_allclose(softmax([[0, 0], [0, np.log(3)]]), [[0.5, 0.5], [0.25, 0.75]])
    np.testing.assert_allclose(softmax_jacobian([0.5, 0.5]), [[0.25, -0.25], [-0.25, 0.25]])
    assert cross_entropy([[0, 0]], [0]) == pytest.approx(np.log(2))
    np.testing.assert_allclose(cross_entropy_grad([[0, 0]], [0]), [[-0.5, 0.5]])
