"""Variants of Q8, sample_beta (may call the student's sample_log_uniform)."""


def correct_via_sample_log_uniform(low, high, size, rng=None):
    """1 - sample_log_uniform(1 - high, 1 - low)."""
    return 1 - sample_log_uniform(1 - high, 1 - low, size, rng)


def correct_inline(low, high, size, rng=None):
    """Exponent r in [log10(1 - high), log10(1 - low)], beta = 1 - 10 ** r."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    r = rng.uniform(np.log10(1 - high), np.log10(1 - low), size)
    return 1 - 10.0**r


def wrong_beta_log_uniform(low, high, size, rng=None):
    """Samples beta itself log-uniformly (almost uniform on [0.9, 0.999])."""
    return sample_log_uniform(low, high, size, rng)


def wrong_linear(low, high, size, rng=None):
    """Uniform beta."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    return rng.uniform(low, high, size)


def wrong_returns_one_minus_beta(low, high, size, rng=None):
    """Returns the samples of 1 - beta."""
    return sample_log_uniform(1 - high, 1 - low, size, rng)


def wrong_global_numpy_random(low, high, size, rng=None):
    """Ignores rng."""
    import numpy as np
    r = np.random.uniform(np.log10(1 - high), np.log10(1 - low), size)
    return 1 - 10.0**r


def wrong_hard_coded_decades(low, high, size, rng=None):
    """1 - 10 ** U(-3, -1): right for [0.9, 0.999] only."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    return np.clip(1 - 10.0 ** rng.uniform(-3, -1, size), low, high)


def wrong_grid_of_values(low, high, size, rng=None):
    """1 - beta from a grid of 1000 log-spaced values: many samples repeat."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    return 1 - rng.choice(np.logspace(np.log10(1 - high), np.log10(1 - low), 1000), size)
