"""Hidden checks of Q8: sampling on a log scale and learning-rate decay."""
import numpy as np

from autograder.optimization.public import as_numpy, assert_close, call

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


def samplers_honour_their_bounds(sample_log_uniform, sample_beta):
    """Other bounds than the notebook's: every sample inside, log-uniform over all of it
    (KS distance of log10 samples, resp. log10(1 - beta), below 0.03)."""
    for low, high in ((0.5, 2.0), (1e-7, 1e-3)):
        s = as_numpy(call(sample_log_uniform, low, high, 5000, np.random.default_rng(31)))
        what = f"sample_log_uniform(low={low}, high={high}, size=5000, rng=rng)"
        assert s.shape == (5000,), f"{what}: expected shape (5000,), got {s.shape}"
        assert s.min() >= low and s.max() <= high, (
            f"{what}: samples span [{s.min():.3g}, {s.max():.3g}], outside [low, high]")
        ks = _log_spread(s, low, high)
        assert ks < 0.03, f"{what}: log10 of the samples is not uniform on [log10 low, log10 high] (KS distance {ks:.3f})"
    for low, high in ((0.5, 0.99), (0.99, 0.9999)):
        b = as_numpy(call(sample_beta, low, high, 5000, np.random.default_rng(32)))
        what = f"sample_beta(low={low}, high={high}, size=5000, rng=rng)"
        assert b.shape == (5000,), f"{what}: expected shape (5000,), got {b.shape}"
        assert b.min() >= low and b.max() <= high, (
            f"{what}: samples span [{b.min():.5g}, {b.max():.5g}], outside [low, high]")
        ks = _log_spread(1 - b, 1 - high, 1 - low)
        assert ks < 0.03, f"{what}: log10(1 - beta) is not uniform on [log10(1 - high), log10(1 - low)] (KS distance {ks:.3f})"


def randomness_comes_from_rng(sample_log_uniform, sample_beta):
    """The same rng seed gives the same samples."""
    for fn, args in ((sample_log_uniform, (1e-4, 1.0)), (sample_beta, (0.9, 0.99))):
        a = as_numpy(fn(*args, 50, rng=np.random.default_rng(5)))
        b = as_numpy(fn(*args, 50, rng=np.random.default_rng(5)))
        assert a.shape == (50,), f"{fn.__name__} should return `size` samples"
        assert np.array_equal(a, b), f"{fn.__name__} must draw its randomness from `rng` only"


def lr_decay_formula(lr_decay):
    """lr0 / (1 + decay_rate * epoch)."""
    for lr0, epoch, rate in ((0.1, 0, 1.0), (0.2, 3, 0.5), (1e-3, 10, 0.05), (0.5, 7, 2.0)):
        assert_close(lr_decay(lr0, epoch, rate), lr0 / (1 + rate * epoch),
                     "lr_decay should be lr0 / (1 + decay_rate * epoch)")
