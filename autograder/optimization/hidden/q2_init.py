"""Hidden checks of Q2, ``init_layer``: statistics judged against torch.nn.init."""
import numpy as np
import torch

from autograder.drawn import search
from autograder.optimization.hidden.judging import call_drawn, parts_of, Part, type_problem
from autograder.optimization.hidden.space import SPACES
from autograder.optimization.public import as_numpy, assert_raises, call

N_IN, N_OUT = 300, 700  # fan_in != fan_out, so fan-in and fan-out formulas differ


def ks_distance(samples, std):
    """Kolmogorov-Smirnov distance between the samples and N(0, std^2): max |F_n(x) - F(x)|."""
    u = torch.special.ndtr(torch.from_numpy(np.sort(samples) / std)).numpy()
    ranks = np.arange(1, u.size + 1) / u.size
    return float(np.max(np.maximum(ranks - u, u - (ranks - 1 / u.size))))


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
    d = ks_distance(W, ref.std())
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


def judge_init(init_layer, drawn):
    """(W, b): numpy arrays, float64, W of shape (n_in, n_out) (zeros for "zeros", finite
    otherwise), b = zeros(n_out)."""
    result, _ = call_drawn(init_layer, drawn)
    try:
        W, b = parts_of(result, (Part("W"), Part("b"))).values()
    except AssertionError as e:
        raise AssertionError(f"{drawn} {e}") from None
    n_in, n_out = int(drawn["n_in"]), int(drawn["n_out"])
    problems = [f"{name} {problem}" for name, value in (("W", W), ("b", b))
                for problem in [type_problem(value, "array")] if problem]
    if not problems:
        for name, value, shape in (("W", W, (n_in, n_out)), ("b", b, (n_out,))):
            if value.shape != shape or value.dtype != np.float64:
                problems.append(f"{name} should be float64 of shape {shape}, got {value.dtype} "
                                f"of shape {value.shape}")
        if not problems and np.any(b != 0):
            problems.append("b should be all zeros")
        if not problems and drawn["scheme"] == "zeros" and np.any(W != 0):
            problems.append('W should be all zeros for "zeros"')
        if not problems and not np.all(np.isfinite(W)):
            problems.append("W has entries that are not finite")
    if problems:
        raise AssertionError(f"{drawn}:\n  " + "\n  ".join(problems))


def zeros_bias_and_unknown_scheme(init_layer):
    """"zeros" is all zeros, every b is float64 zeros, W has shape (n_in, n_out) for drawn
    sizes (1 included, numpy integers too) and every scheme, with a seeded rng or rng=None;
    unknown schemes raise ValueError."""
    space = SPACES["init_layer"]
    search("q2.init_layer", space.every, lambda d: judge_init(init_layer, d),
           space.math_edges + space.form_edges)
    for bad in ("kaiming", "uniform", ""):
        assert_raises(ValueError, f"scheme {bad!r}", init_layer, 3, 3, bad)


def randomness_comes_from_rng(init_layer):
    """The same rng seed gives the same W, another seed another W, rng=None a fresh W on
    every call."""
    first = as_numpy(init_layer(20, 30, "he", rng=np.random.default_rng(11))[0])
    again = as_numpy(init_layer(20, 30, "he", rng=np.random.default_rng(11))[0])
    other = as_numpy(init_layer(20, 30, "he", rng=np.random.default_rng(12))[0])
    assert np.array_equal(first, again), "init_layer must draw its randomness from `rng` only"
    assert not np.array_equal(first, other), "different rng seeds should give different W"
    fresh = [as_numpy(call(init_layer, 20, 30, "he")[0]) for _ in range(2)]
    assert not np.array_equal(*fresh), (
        'init_layer(20, 30, "he") with rng=None gave the same W twice: rng=None means a fresh '
        "np.random.default_rng(), not a fixed seed")
