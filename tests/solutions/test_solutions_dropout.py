"""Q3 inverted dropout against torch.nn.functional.dropout (p = probability of dropping)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, strategies as st

from helpers_torch import (FLOAT_DTYPES, PROPERTY, SEEDS, STATISTICAL, assert_matches, readonly,
                           tensor)
from solutions.optimization import dropout_backward, dropout_forward, dropout_mask

SHAPE = (200, 150)
PROBS = st.floats(0.02, 0.98)


def drop_rate_bound(p, n):
    """Six standard deviations of an empirical drop rate over n units."""
    return 6 * np.sqrt(p * (1 - p) / n)


@STATISTICAL
@given(p=PROBS, seed=SEEDS)
def test_mask_drop_rate_and_scale_match_torch(p, seed):
    """Zeros at rate p, survivors 1 / (1 - p): the values F.dropout gives a tensor of ones."""
    mask = dropout_mask(SHAPE, p, rng=np.random.default_rng(seed))
    torch.manual_seed(seed)
    theirs = F.dropout(torch.ones(SHAPE, dtype=torch.float64), p).numpy()
    assert mask.shape == SHAPE and mask.dtype == np.float64
    bound = drop_rate_bound(p, mask.size)
    assert abs((mask == 0).mean() - p) < bound and abs((theirs == 0).mean() - p) < bound
    np.testing.assert_allclose(np.unique(mask[mask != 0]), np.unique(theirs[theirs != 0]),
                               rtol=1e-15)


@PROPERTY
@given(p=PROBS, dtype=FLOAT_DTYPES, seed=SEEDS)
def test_forward_is_x_times_mask_in_x_dtype(p, dtype, seed):
    """Survivors are x / (1 - p) as in F.dropout, dropped units 0, dtype of x kept."""
    rng = np.random.default_rng(seed)
    x = readonly(rng.normal(size=(8, 5)).astype(dtype))
    out, mask = dropout_forward(x, p, rng=rng)
    assert out.dtype == dtype and mask.dtype == np.float64 and out.shape == x.shape
    np.testing.assert_array_equal(out, (x * mask).astype(dtype))
    kept = mask != 0
    np.testing.assert_array_equal(out[~kept], 0)
    # survivors against x / (1 - p) computed by torch in x's dtype
    assert_matches(out[kept], (tensor(x) / (1 - p)).numpy()[kept])


@PROPERTY
@given(p=PROBS, seed=SEEDS)
def test_backward_matches_autograd_through_torch_dropout(p, seed):
    """Given torch's own mask, dropout_backward equals autograd of F.dropout."""
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.normal(size=(6, 7)), requires_grad=True)
    dout = readonly(rng.normal(size=(6, 7)))
    torch.manual_seed(seed)
    out = F.dropout(x, p)
    out.backward(torch.tensor(dout))
    torch_mask = (out != 0).double().numpy() / (1 - p)
    assert_matches(dropout_backward(dout, torch_mask), x.grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_keeps_dout_dtype_and_none_is_identity(dtype):
    dout = readonly(np.arange(6, dtype=dtype).reshape(2, 3))
    mask = dropout_mask((2, 3), 0.5, rng=np.random.default_rng(0))
    dx = dropout_backward(dout, mask)
    assert dx.dtype == dtype
    np.testing.assert_array_equal(dx, (dout * mask).astype(dtype))
    np.testing.assert_array_equal(dropout_backward(dout, None), dout)


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0])
def test_evaluation_is_identity_like_torch(p):
    x = readonly(np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32))
    out, mask = dropout_forward(x, p, training=False)
    assert mask is None and out.dtype == np.float32
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(out, F.dropout(tensor(x), p, training=False).numpy())


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_edges_like_torch(p):
    """p = 0 keeps everything (mask of ones), p = 1 drops everything (zeros, no nan)."""
    x = readonly(np.random.default_rng(0).normal(size=(5, 4)))
    out, mask = dropout_forward(x, p)
    np.testing.assert_array_equal(mask, np.full(x.shape, 1.0 - p))
    np.testing.assert_array_equal(out, F.dropout(tensor(x), p).numpy())


@pytest.mark.parametrize("p", [-0.1, 1.1, -1e-9, 1 + 1e-9])
def test_bad_p_raises_value_error_like_torch(p):
    for training in (True, False):
        with pytest.raises(ValueError):
            F.dropout(torch.ones(3), p, training=training)
        with pytest.raises(ValueError):
            dropout_forward(np.ones(3), p, training=training)
    with pytest.raises(ValueError):
        dropout_mask((3,), p)


def test_nan_p_raises_value_error():
    """docs/spec.md: p outside [0, 1] is a ValueError; torch raises RuntimeError for nan."""
    with pytest.raises(RuntimeError):
        F.dropout(torch.ones(3), float("nan"))
    with pytest.raises(ValueError):
        dropout_mask((3,), float("nan"))


def test_array_likes_are_accepted():
    """Lists work; integer entries are scaled, not truncated back to integers."""
    out, mask = dropout_forward([[1, 2, 3, 4]] * 50, 0.2, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out, np.array([[1, 2, 3, 4]] * 50) * mask)
    assert np.issubdtype(out.dtype, np.floating) and 1.25 in out
    dx = dropout_backward([[1, 2, 3, 4]] * 50, mask)
    np.testing.assert_array_equal(dx, out)


def test_randomness_only_from_rng():
    a = dropout_mask((10, 10), 0.5, rng=np.random.default_rng(3))
    np.random.seed(0)
    np.testing.assert_array_equal(a, dropout_mask((10, 10), 0.5, rng=np.random.default_rng(3)))
    assert dropout_mask((10, 10), 0.5).shape == (10, 10)
