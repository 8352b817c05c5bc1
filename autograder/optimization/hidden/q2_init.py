"""Hidden checks of Q2, ``init_layer``: statistics judged against torch.nn.init."""
import numpy as np
import torch

from autograder.optimization.public import as_numpy, assert_raises

N_IN, N_OUT = 300, 700  # fan_in != fan_out, so fan-in and fan-out formulas differ


def ks_distance(a, b):
    """Two-sample Kolmogorov-Smirnov statistic: max |F_a(x) - F_b(x)|."""
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    return np.max(np.abs(np.searchsorted(a, grid, "right") / a.size
                         - np.searchsorted(b, grid, "right") / b.size))


def torch_weights(scheme):
    """torch.nn.init reference samples for ``x @ W`` (torch stores W transposed)."""
    torch.manual_seed(0)
    w = torch.empty(N_OUT, N_IN, dtype=torch.float64)
    if scheme == "he":
        torch.nn.init.kaiming_normal_(w, nonlinearity="relu")
    elif scheme == "glorot":
        torch.nn.init.xavier_normal_(w)
    else:
        torch.nn.init.normal_(w, 0.0, 0.01)
    return w.T.numpy()


def _check_scheme(init_layer, scheme):
    W = as_numpy(init_layer(N_IN, N_OUT, scheme, rng=np.random.default_rng(7))[0]).ravel()
    ref = torch_weights(scheme).ravel()
    ratio = W.std() / ref.std()
    assert abs(ratio - 1) < 0.03, f'"{scheme}": the spread of W is off by a factor {ratio:.3g}'
    assert abs(W.mean()) < 4 * ref.std() / np.sqrt(W.size), f'"{scheme}": W should have mean 0'
    d = ks_distance(W, ref)
    assert d < 0.02, f'"{scheme}": W is not distributed like torch.nn.init (KS distance {d:.3f})'


def he_matches_kaiming_normal(init_layer):
    """"he" ~ N(0, 2 / n_in), like kaiming_normal_ (fan_in, ReLU gain)."""
    _check_scheme(init_layer, "he")


def glorot_matches_xavier_normal(init_layer):
    """"glorot" ~ N(0, 2 / (n_in + n_out)), like xavier_normal_."""
    _check_scheme(init_layer, "glorot")


def normal_has_std_001(init_layer):
    """"normal" ~ N(0, 0.01^2)."""
    _check_scheme(init_layer, "normal")


def zeros_bias_and_unknown_scheme(init_layer):
    """"zeros" is all zeros, every b is float64 zeros, unknown schemes raise ValueError."""
    for n_in, n_out in ((4, 9), (9, 4)):
        W, b = init_layer(n_in, n_out, "zeros")
        assert as_numpy(W).shape == (n_in, n_out) and not np.any(as_numpy(W)), (
            '"zeros" must give an all-zero W of shape (n_in, n_out)')
        for scheme in ("normal", "he", "glorot"):
            b = as_numpy(init_layer(n_in, n_out, scheme)[1])
            assert b.shape == (n_out,) and b.dtype == np.float64 and not np.any(b), (
                f'"{scheme}": b must be float64 zeros of shape (n_out,)')
    for bad in ("kaiming", "uniform", ""):
        assert_raises(ValueError, f"scheme {bad!r}", init_layer, 3, 3, bad)


def randomness_comes_from_rng(init_layer):
    """The same rng seed gives the same W, another seed another W."""
    first = as_numpy(init_layer(20, 30, "he", rng=np.random.default_rng(11))[0])
    again = as_numpy(init_layer(20, 30, "he", rng=np.random.default_rng(11))[0])
    other = as_numpy(init_layer(20, 30, "he", rng=np.random.default_rng(12))[0])
    assert np.array_equal(first, again), "init_layer must draw its randomness from `rng` only"
    assert not np.array_equal(first, other), "different rng seeds should give different W"
