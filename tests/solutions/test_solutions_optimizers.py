"""Q5 optimizer steps against torch.optim (20 steps of a fixed gradient sequence)."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from helpers_torch import (FLOAT_DTYPES, PROPERTY, SEEDS, assert_matches, readonly,
                           torch_trajectory)
from solutions.optimization import adam_step, ema, momentum_step, rmsprop_step

STEPS = 20
SHAPES = st.sampled_from([(1,), (7,), (3, 4)])
LRS = st.floats(1e-4, 1.0)
EPSILONS = st.sampled_from([1e-8, 1e-4, 1e-2])


def problem(shape, dtype, seed):
    """Initial weights and a gradient sequence on a random scale, in ``dtype``."""
    rng = np.random.default_rng(seed)
    scale = 10 ** rng.uniform(-3, 1)
    grads = [(scale * rng.normal(size=shape)).astype(dtype) for _ in range(STEPS)]
    return rng.normal(size=shape).astype(dtype), grads


def weight_scales(w0, trajectory):
    """|w0| plus the sizes of the steps so far, after each step: a bound on every value the
    weights went through, which float32 rounding errors are relative to (weights may cross 0)."""
    params = [w0] + [step["param"] for step in trajectory]
    steps = [np.abs(b - a).max() for a, b in zip(params[:-1], params[1:])]
    return 1 + np.abs(w0).max() + np.cumsum(steps)


@PROPERTY
@given(shape=SHAPES, dtype=FLOAT_DTYPES, lr=LRS, beta=st.floats(0.05, 0.99), seed=SEEDS)
def test_momentum_equals_torch_sgd_with_lr_times_one_minus_beta(shape, dtype, lr, beta, seed):
    """SGD(momentum=beta, lr=lr*(1-beta)); torch's buffer is v / (1 - beta)."""
    w, grads = problem(shape, dtype, seed)
    theirs = torch_trajectory(
        lambda p: torch.optim.SGD(p, lr=lr * (1 - beta), momentum=beta), w, grads)
    v, g_max = np.zeros_like(w), np.abs(grads).max()
    for g, step, scale in zip(grads, theirs, weight_scales(w, theirs)):
        w, v = momentum_step(*readonly(w, g, v), lr, beta)
        assert w.dtype == v.dtype == dtype
        assert_matches(w, step["param"], scale=scale)
        assert_matches(v, (1 - beta) * step["momentum_buffer"], dtype, scale=g_max)


@PROPERTY
@given(shape=SHAPES, dtype=FLOAT_DTYPES, lr=LRS, beta=st.floats(0.5, 0.999), eps=EPSILONS,
       seed=SEEDS)
def test_rmsprop_equals_torch_rmsprop(shape, dtype, lr, beta, eps, seed):
    """RMSprop(alpha=beta, eps=eps): weights and square_avg after every step."""
    w, grads = problem(shape, dtype, seed)
    theirs = torch_trajectory(lambda p: torch.optim.RMSprop(p, lr=lr, alpha=beta, eps=eps),
                              w, grads)
    s = np.zeros_like(w)
    for g, step, scale in zip(grads, theirs, weight_scales(w, theirs)):
        w, s = rmsprop_step(*readonly(w, g, s), lr, beta, eps)
        assert w.dtype == s.dtype == dtype
        assert_matches(w, step["param"], scale=scale)
        assert_matches(s, step["square_avg"])


@PROPERTY
@given(shape=SHAPES, dtype=FLOAT_DTYPES, lr=LRS, beta1=st.floats(0.5, 0.99),
       beta2=st.floats(0.9, 0.9999), eps=EPSILONS, seed=SEEDS)
def test_adam_equals_torch_adam(shape, dtype, lr, beta1, beta2, eps, seed):
    """Adam(betas=(beta1, beta2), eps=eps outside the root): weights, exp_avg, exp_avg_sq."""
    w, grads = problem(shape, dtype, seed)
    theirs = torch_trajectory(
        lambda p: torch.optim.Adam(p, lr=lr, betas=(beta1, beta2), eps=eps), w, grads)
    m, v, g_max = np.zeros_like(w), np.zeros_like(w), np.abs(grads).max()
    for t, (g, step, scale) in enumerate(zip(grads, theirs, weight_scales(w, theirs)), start=1):
        w, m, v = adam_step(*readonly(w, g, m, v), t, lr, beta1, beta2, eps)
        assert w.dtype == m.dtype == v.dtype == dtype
        assert_matches(w, step["param"], scale=scale)
        assert_matches(m, step["exp_avg"], scale=g_max)
        assert_matches(v, step["exp_avg_sq"])


@PROPERTY
@given(dtype=FLOAT_DTYPES, beta=st.floats(0.1, 0.99), correct=st.booleans(), seed=SEEDS)
def test_ema_is_adams_first_moment(dtype, beta, correct, seed):
    """Uncorrected ema = Adam's exp_avg after t steps; corrected = exp_avg / (1 - beta**t)."""
    values = np.random.default_rng(seed).normal(size=STEPS).astype(dtype)
    theirs = torch_trajectory(lambda p: torch.optim.Adam(p, betas=(beta, 0.999)),
                              np.zeros(1, dtype), values[:, None])
    exp_avg = np.array([step["exp_avg"][0] for step in theirs])
    if correct:
        exp_avg = exp_avg / (1 - beta ** np.arange(1, STEPS + 1))
    ours = ema(readonly(values), beta, bias_correction=correct)
    assert ours.shape == (STEPS,) and ours.dtype == dtype
    assert_matches(ours, exp_avg, dtype)


def test_ema_of_integers_is_float():
    np.testing.assert_allclose(ema([1, 1, 1], 0.5, bias_correction=False), [0.5, 0.75, 0.875])
    np.testing.assert_allclose(ema([2, 2, 2], 0.5), [2.0, 2.0, 2.0])


@pytest.mark.parametrize("t", [0, -1])
def test_adam_t_is_one_based(t):
    with pytest.raises(ValueError):
        adam_step(np.ones(2), np.ones(2), np.zeros(2), np.zeros(2), t)


def test_float32_stays_float32_with_numpy_scalars():
    """Hyperparameters that are numpy scalars (a sampled lr, a step from np.arange) do not
    promote float32 weights and state to float64, as in torch.optim."""
    w = readonly(np.ones(3, np.float32))
    lr, beta, t = np.float64(1e-2), np.float64(0.9), np.int64(3)
    results = [momentum_step(w, w, w, lr, beta), rmsprop_step(w, w, w, lr, beta),
               adam_step(w, w, w, w, t, lr, beta)]
    assert all(a.dtype == np.float32 for r in results for a in r)


def test_array_likes_are_accepted():
    w, v = momentum_step([1.0, 2.0], [1, 1], [0, 0], 0.5, 0.5)
    np.testing.assert_allclose(w, [0.75, 1.75])
    np.testing.assert_allclose(v, [0.5, 0.5])
    w, s = rmsprop_step([1.0], [2.0], [0.0], 0.1, 0.75, 0.0)
    np.testing.assert_allclose(s, [1.0])
    np.testing.assert_allclose(w, [0.8])
    w, m, v = adam_step([1, 1], [1, -1], [0, 0], [0, 0], 1, lr=0.5, eps=0.0)
    np.testing.assert_allclose(w, [0.5, 1.5])
