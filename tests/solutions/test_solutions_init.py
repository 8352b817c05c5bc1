"""Q2 ``init_layer`` against torch.nn.init (kaiming_normal_, xavier_normal_, normal_)."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from helpers_torch import STATISTICAL, SEEDS, ks_critical, ks_distance
from solutions.optimization import init_layer

TORCH_INIT = {
    # torch stores weights as (n_out, n_in): fan_in = n_in on the transposed weight.
    "he": lambda w: torch.nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu"),
    "glorot": torch.nn.init.xavier_normal_,
    "normal": lambda w: torch.nn.init.normal_(w, 0.0, 0.01),
}


def torch_weight(n_in, n_out, scheme, seed):
    """Our layout (n_in, n_out) of a torch-initialised (n_out, n_in) weight, float64."""
    torch.manual_seed(seed)
    return TORCH_INIT[scheme](torch.empty(n_out, n_in, dtype=torch.float64)).T.numpy()


@STATISTICAL
@given(n_in=st.integers(128, 384), n_out=st.integers(128, 384),
       scheme=st.sampled_from(sorted(TORCH_INIT)), seed=SEEDS)
def test_same_distribution_as_torch(n_in, n_out, scheme, seed):
    """Sample std within 4 % of torch's, zero mean, and a small two-sample KS distance."""
    W, b = init_layer(n_in, n_out, scheme, rng=np.random.default_rng(seed))
    theirs = torch_weight(n_in, n_out, scheme, seed)
    assert W.shape == theirs.shape == (n_in, n_out) and W.dtype == np.float64
    np.testing.assert_array_equal(b, np.zeros(n_out))
    assert b.dtype == np.float64
    # n >= 16384 samples: each sample std is off by ~0.6 %, so 4 % is > 4.5 sigma.
    assert W.std() == pytest.approx(theirs.std(), rel=0.04)
    assert abs(W.mean()) < 6 * theirs.std() / np.sqrt(W.size)
    assert ks_distance(W, theirs) < ks_critical(W.size, theirs.size)


def test_ks_check_tells_he_from_glorot():
    """The KS check has power: He and Glorot samples of a 100 x 400 layer differ."""
    W, _ = init_layer(100, 400, "glorot", rng=np.random.default_rng(0))
    theirs = torch_weight(100, 400, "he", 0)
    assert ks_distance(W, theirs) > 5 * ks_critical(W.size, theirs.size)


@pytest.mark.parametrize("scheme, std", [("he", np.sqrt(2 / 300)), ("glorot", np.sqrt(2 / 400))])
def test_std_is_torch_formula(scheme, std):
    """Against torch's formulae gain / sqrt(fan): calculate_gain('relu') and xavier's."""
    gain = torch.nn.init.calculate_gain("relu") if scheme == "he" else 1.0
    fan = 300 if scheme == "he" else (300 + 100) / 2
    assert gain / np.sqrt(fan) == pytest.approx(std)
    W, _ = init_layer(300, 100, scheme, rng=np.random.default_rng(1))
    assert W.std() == pytest.approx(std, rel=0.03)


def test_zeros_like_torch_zeros():
    W, b = init_layer(5, 3, "zeros", rng=np.random.default_rng(0))
    np.testing.assert_array_equal(W, torch.nn.init.zeros_(torch.empty(3, 5)).T.numpy())
    assert W.shape == (5, 3) and W.dtype == np.float64 and b.shape == (3,) and not b.any()


def test_randomness_only_from_rng():
    a, _ = init_layer(4, 6, "he", rng=np.random.default_rng(7))
    np.random.seed(123)  # the legacy global state must not matter
    b, _ = init_layer(4, 6, "he", rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert init_layer(4, 6, "he")[0].shape == (4, 6)  # rng=None: a fresh default_rng()


@pytest.mark.parametrize("scheme", ["xavier", "He", "kaiming", "", None])
def test_unknown_scheme_raises(scheme):
    with pytest.raises(ValueError):
        init_layer(3, 2, scheme)
