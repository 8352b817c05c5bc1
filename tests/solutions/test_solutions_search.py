"""Q8 hyperparameter sampling against torch.distributions, lr_decay against LambdaLR."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from torch.distributions import AffineTransform, ExpTransform, TransformedDistribution, Uniform

from helpers_torch import PROPERTY, SEEDS, STATISTICAL, ks_critical, ks_distance_to_cdf
from solutions.optimization import lr_decay, sample_beta, sample_log_uniform

N = 20_000


def log_uniform(low, high, *transforms):
    """exp(U(log low, log high)), then ``transforms``, as a torch distribution (float64)."""
    bounds = torch.tensor([math.log(low), math.log(high)], dtype=torch.float64)
    return TransformedDistribution(Uniform(bounds[0], bounds[1]), [ExpTransform(), *transforms])


def torch_cdf(distribution):
    return lambda x: distribution.cdf(torch.tensor(x)).numpy()


@STATISTICAL
@given(log_low=st.floats(-8, 1), decades=st.floats(0.5, 6), seed=SEEDS)
def test_log_uniform_has_torch_log_uniform_cdf(log_low, decades, seed):
    low, high = 10.0**log_low, 10.0 ** (log_low + decades)
    x = sample_log_uniform(low, high, N, rng=np.random.default_rng(seed))
    assert x.shape == (N,) and low <= x.min() and x.max() <= high
    assert ks_distance_to_cdf(x, torch_cdf(log_uniform(low, high))) < ks_critical(N)


def test_ks_check_rejects_plain_uniform():
    """The KS check has power: U(1e-4, 1) is not log-uniform on [1e-4, 1]."""
    x = np.random.default_rng(0).uniform(1e-4, 1.0, N)
    assert ks_distance_to_cdf(x, torch_cdf(log_uniform(1e-4, 1.0))) > 10 * ks_critical(N)


@STATISTICAL
@given(one_minus_high=st.floats(1e-5, 1e-2), decades=st.floats(0.5, 1.5), seed=SEEDS)
def test_beta_is_one_minus_torch_log_uniform(one_minus_high, decades, seed):
    """1 - beta ~ log-uniform on [1 - high, 1 - low]: beta = 1 - exp(U) in torch."""
    low, high = 1 - one_minus_high * 10**decades, 1 - one_minus_high
    beta = sample_beta(low, high, N, rng=np.random.default_rng(seed))
    assert beta.shape == (N,) and low - 1e-12 <= beta.min() and beta.max() <= high + 1e-12
    theirs = log_uniform(1 - high, 1 - low, AffineTransform(1.0, -1.0))
    assert ks_distance_to_cdf(beta, torch_cdf(theirs)) < ks_critical(N)


def test_sample_shapes_and_rng():
    a = sample_log_uniform(1e-4, 1e-1, (3, 2), rng=np.random.default_rng(5))
    np.random.seed(0)
    np.testing.assert_array_equal(a, sample_log_uniform(1e-4, 1e-1, (3, 2),
                                                        rng=np.random.default_rng(5)))
    assert sample_beta(0.9, 0.999, 4).shape == (4,)


@PROPERTY
@given(lr0=st.floats(1e-5, 1.0), decay_rate=st.floats(0.0, 5.0))
def test_lr_decay_equals_torch_lambda_lr(lr0, decay_rate):
    """lr0 / (1 + decay_rate * epoch) is LambdaLR's lr after ``epoch`` scheduler steps."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda e: 1 / (1 + decay_rate * e))
    for epoch in range(10):
        assert lr_decay(lr0, epoch, decay_rate) == pytest.approx(scheduler.get_last_lr()[0],
                                                                 rel=1e-12)
        optimizer.step()
        scheduler.step()
