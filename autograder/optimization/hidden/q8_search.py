"""Hidden checks of Q8: sampling on a log scale and learning-rate decay."""
import numpy as np

from autograder.drawn import search
from autograder.optimization.hidden.judging import Part, call_drawn, judge, type_problem
from autograder.optimization.hidden.space import SPACES
from autograder.optimization.public import as_numpy, call

SIZE = 20000


def _decade_fractions(samples, low, high):
    edges = 10.0 ** np.arange(np.log10(low), np.log10(high) + 0.5)
    return np.histogram(samples, bins=edges)[0] / samples.size


def log_uniform_covers_every_decade_equally(sample_log_uniform):
    """10 ** U(log10 low, log10 high): each decade of [1e-5, 1e-1] gets ~25 %."""
    s = as_numpy(sample_log_uniform(1e-5, 1e-1, SIZE, rng=np.random.default_rng(0)))
    assert s.shape == (SIZE,), f"expected {SIZE} samples, got shape {s.shape}"
    assert s.min() >= 1e-5 and s.max() <= 1e-1, "samples outside [low, high]"
    fractions = _decade_fractions(s, 1e-5, 1e-1)
    assert np.allclose(fractions, 0.25, atol=0.02), (
        f"fraction of samples per decade should be ~0.25 each, got {fractions.round(3)}")


def beta_samples_one_minus_beta_log_uniformly(sample_beta):
    """For [0.9, 0.999]: 1 - beta is log-uniform in [0.001, 0.1], half per decade."""
    b = as_numpy(sample_beta(0.9, 0.999, SIZE, rng=np.random.default_rng(1)))
    assert b.shape == (SIZE,), f"expected {SIZE} samples, got shape {b.shape}"
    assert b.min() >= 0.9 and b.max() <= 0.999, "beta samples outside [low, high]"
    fractions = _decade_fractions(1 - b, 1e-3, 1e-1)
    assert np.allclose(fractions, 0.5, atol=0.02), (
        f"1 - beta should put half its samples in each decade, got {fractions.round(3)}")


def _log_spread(samples, low, high):
    """Largest gap between the empirical and the uniform CDF of log10(samples) on
    [log10 low, log10 high] (the Kolmogorov-Smirnov distance)."""
    u = np.sort((np.log10(samples) - np.log10(low)) / (np.log10(high) - np.log10(low)))
    ranks = np.arange(1, u.size + 1) / u.size
    return float(np.max(np.maximum(ranks - u, u - (ranks - 1 / u.size))))


def ks_critical(n, alpha=1e-7):
    """The KS distance that n samples of the right distribution exceed with probability
    alpha (Dvoretzky-Kiefer-Wolfowitz: P(D > d) <= 2 exp(-2 n d^2))."""
    return float(np.sqrt(np.log(2 / alpha) / (2 * n)))


def judge_sampler(sampler, drawn):
    """``size`` samples in an array, inside [low, high], log10 of them (log10(1 - beta) for
    sample_beta) uniform (KS distance below ks_critical: 0.041 for 5000 samples, so a grid of
    up to 12 values fails), and distinct: at most 1 % repeated values (a continuous draw
    repeats none; a grid of G values repeats about n^2 / (2 G) of n << G samples, so grids
    of up to 10^5 values fail)."""
    samples, _ = call_drawn(sampler, drawn)
    wrong_type = type_problem(samples, "array")
    if wrong_type:
        raise AssertionError(f"{drawn}: the samples {wrong_type}")
    low, high, size = float(drawn["low"]), float(drawn["high"]), int(drawn["size"])
    problems = []
    if samples.shape != (size,):
        raise AssertionError(f"{drawn}: expected {size} samples, got shape {samples.shape}")
    if not (samples.min() >= low and samples.max() <= high):
        problems.append(f"samples span [{samples.min():.6g}, {samples.max():.6g}], outside "
                        f"[low, high]")
    else:
        beta = drawn.function == "sample_beta"
        ks = _log_spread(1 - samples, 1 - high, 1 - low) if beta else _log_spread(samples, low, high)
        if ks > ks_critical(size):
            problems.append(f"{'log10(1 - beta)' if beta else 'log10 of the samples'} is not "
                            f"uniform on its range (KS distance {ks:.3f} > {ks_critical(size):.3f})")
    repeated = 1 - np.unique(samples).size / size
    if repeated > 0.01:
        problems.append(f"{repeated:.1%} of the samples repeat a value: sample a continuous "
                        f"exponent, not a grid of values")
    if problems:
        raise AssertionError(f"{drawn}:\n  " + "\n  ".join(problems))


def samplers_honour_their_bounds(sample_log_uniform, sample_beta):
    """Drawn bounds (over up to 6 decades, numpy-scalar bounds, rng=None too): every sample
    inside, log-uniform over all of it, no grid of values (judge_sampler)."""
    for name, sampler in (("sample_log_uniform", sample_log_uniform), ("sample_beta", sample_beta)):
        space = SPACES[name]
        search(f"q8.{name}", space.every, lambda d: judge_sampler(sampler, d),
               space.math_edges, examples=4)


def randomness_comes_from_rng(sample_log_uniform, sample_beta):
    """The same rng seed gives the same samples; rng=None fresh ones on every call (2000
    samples a call, enough for the diagnosis to tell distributions apart)."""
    for fn, args in ((sample_log_uniform, (1e-4, 1.0)), (sample_beta, (0.9, 0.99))):
        a = as_numpy(fn(*args, 2000, rng=np.random.default_rng(5)))
        b = as_numpy(fn(*args, 2000, rng=np.random.default_rng(5)))
        assert a.shape == (2000,), f"{fn.__name__} should return `size` samples"
        assert np.array_equal(a, b), f"{fn.__name__} must draw its randomness from `rng` only"
        fresh = [as_numpy(call(fn, *args, 2000)) for _ in range(2)]
        assert not np.array_equal(*fresh), (
            f"{fn.__name__}{args[:2]} with rng=None gave the same samples twice: rng=None means "
            f"a fresh np.random.default_rng(), not a fixed seed")


def lr_decay_formula(lr_decay):
    """lr0 / (1 + decay_rate * epoch), a number, on drawn values (epoch 0, decay_rate 0,
    numpy scalars included)."""
    space = SPACES["lr_decay"]
    search("q8.lr_decay", space.every, lambda d: judge(
        lr_decay, d, (Part("lr", "number"),),
        lambda a: {"lr": a["lr0"] / (1 + a["decay_rate"] * a["epoch"])}),
        space.math_edges + space.form_edges)
