"""Q4 batch norm against torch.nn.functional.batch_norm and its autograd gradients."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, strategies as st

from helpers_torch import FLOAT_DTYPES, PROPERTY, SEEDS, assert_matches, readonly, tensor
from solutions.optimization import batchnorm_backward, batchnorm_forward

MOMENTA = st.floats(0.0, 1.0)
EPSILONS = st.sampled_from([1e-5, 1e-3, 0.1])


def bn_inputs(n, d, dtype, seed):
    """x (shifted and scaled per feature), gamma, beta, running mean and var, dout."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, d) + rng.normal(0, 5, d)
    arrays = (x, rng.normal(size=d), rng.normal(size=d), rng.normal(size=d),
              rng.uniform(0.5, 2, d), rng.normal(size=(n, d)))
    return readonly(*(a.astype(dtype) for a in arrays))


def rounding_scale(x, gamma, var, eps):
    """Output rounding errors are relative to |x|, amplified by |gamma| / std."""
    x = x.astype(np.float64)
    return 1 + (np.abs(x).max(0) * np.abs(gamma) / np.sqrt(var + eps)).max()


@PROPERTY
@given(n=st.integers(2, 16), d=st.integers(1, 6), dtype=FLOAT_DTYPES, momentum=MOMENTA,
       eps=EPSILONS, seed=SEEDS)
def test_training_forward_and_running_stats_match_torch(n, d, dtype, momentum, eps, seed):
    """Output with the biased batch variance; running stats with the unbiased one."""
    x, gamma, beta, rm, rv, _ = bn_inputs(n, d, dtype, seed)
    out, cache, new_rm, new_rv = batchnorm_forward(x, gamma, beta, rm, rv, training=True,
                                                   momentum=momentum, eps=eps)
    rm_t, rv_t = tensor(rm), tensor(rv)  # updated in place by torch
    theirs = F.batch_norm(tensor(x), rm_t, rv_t, tensor(gamma), tensor(beta), training=True,
                          momentum=momentum, eps=eps)
    assert out.dtype == new_rm.dtype == new_rv.dtype == dtype and out.shape == (n, d)
    assert cache is not None
    assert_matches(out, theirs, scale=rounding_scale(x, gamma, x.astype(np.float64).var(0), eps))
    assert_matches(new_rm, rm_t, dtype, scale=1 + np.abs(x).max())  # mean may cancel to ~0
    assert_matches(new_rv, rv_t, dtype)


@PROPERTY
@given(n=st.integers(1, 16), d=st.integers(1, 6), dtype=FLOAT_DTYPES, seed=SEEDS)
def test_evaluation_uses_running_stats_like_torch(n, d, dtype, seed):
    """Evaluation normalizes with the running stats and returns them unchanged (N = 1 ok)."""
    x, gamma, beta, rm, rv, _ = bn_inputs(n, d, dtype, seed)
    out, _, new_rm, new_rv = batchnorm_forward(x, gamma, beta, rm, rv, training=False)
    theirs = F.batch_norm(tensor(x), tensor(rm), tensor(rv), tensor(gamma), tensor(beta),
                          training=False)
    assert out.dtype == dtype
    assert_matches(out, theirs, scale=rounding_scale(x, gamma, rv, 1e-5))
    np.testing.assert_array_equal(new_rm, rm)
    np.testing.assert_array_equal(new_rv, rv)


@PROPERTY
@given(n=st.integers(2, 16), d=st.integers(1, 6), dtype=FLOAT_DTYPES, eps=EPSILONS, seed=SEEDS)
def test_backward_matches_autograd(n, d, dtype, eps, seed):
    """dx, dgamma, dbeta equal autograd through F.batch_norm in training mode (float64)."""
    x, gamma, beta, rm, rv, dout = bn_inputs(n, d, dtype, seed)
    _, cache, _, _ = batchnorm_forward(x, gamma, beta, rm, rv, eps=eps)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    leaves = [tensor(a.astype(np.float64), requires_grad=True) for a in (x, gamma, beta)]
    F.batch_norm(leaves[0], None, None, leaves[1], leaves[2], training=True,
                 eps=eps).backward(tensor(dout.astype(np.float64)))
    assert dx.dtype == dgamma.dtype == dbeta.dtype == dtype
    assert dx.shape == (n, d) and dgamma.shape == dbeta.shape == (d,)
    # dx sums terms of size |dout * gamma / std|: absolute tolerance on that scale
    scale = np.abs(dout * gamma).max() / np.sqrt(x.astype(np.float64).var(0).min() + eps)
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(dx, leaves[0].grad.numpy(), atol=scale * rtol, rtol=0)
    for ours, leaf in ((dgamma, leaves[1]), (dbeta, leaves[2])):
        np.testing.assert_allclose(ours, leaf.grad.numpy(), atol=n * scale * rtol, rtol=rtol)


def test_single_sample_in_training_raises_like_torch():
    x, gamma, beta, rm, rv, _ = bn_inputs(1, 3, np.float64, 0)
    with pytest.raises(ValueError):
        F.batch_norm(tensor(x), tensor(rm), tensor(rv), training=True)
    with pytest.raises(ValueError):
        batchnorm_forward(x, gamma, beta, rm, rv, training=True)


def test_float32_stays_float32_with_numpy_scalars():
    """momentum / eps given as numpy float64 scalars do not promote float32 results."""
    x, gamma, beta, rm, rv, dout = bn_inputs(5, 3, np.float32, 0)
    out, cache, new_rm, new_rv = batchnorm_forward(x, gamma, beta, rm, rv,
                                                   momentum=np.float64(0.1), eps=np.float64(1e-5))
    results = [out, new_rm, new_rv, *batchnorm_backward(dout, cache)]
    assert all(a.dtype == np.float32 for a in results)


def test_array_likes_are_accepted():
    """Lists of integers are normalized in floating point, not truncated to integers."""
    out, cache, rm, rv = batchnorm_forward([[1, 2], [3, 5]], [1, 1], [0, 0], [0, 0], [1, 1])
    theirs = F.batch_norm(torch.tensor([[1.0, 2], [3, 5]], dtype=torch.float64),
                          torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64),
                          training=True)
    assert_matches(out, theirs, np.float64)
    np.testing.assert_allclose(rm, [0.2, 0.35])
    dx, _, dbeta = batchnorm_backward([[1, 0], [0, 1]], cache)
    assert np.issubdtype(dx.dtype, np.floating) and np.array_equal(dbeta, [1, 1])
