"""Variants of Q8, sample_log_uniform."""


def correct_power_of_uniform(low, high, size, rng=None):
    """10 ** U(log10 low, log10 high)."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    return 10 ** rng.uniform(np.log10(low), np.log10(high), size)


def correct_natural_log(low, high, size, rng=None):
    """exp(U(ln low, ln high)) (same distribution, natural logs)."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    r = rng.random(size)
    return np.exp(np.log(low) + r * (np.log(high) - np.log(low)))


def wrong_linear_scale(low, high, size, rng=None):
    """Uniform in [low, high]: almost all samples in the top decade."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    return rng.uniform(low, high, size)


def wrong_mixed_logs(low, high, size, rng=None):
    """Natural logs for the bounds, base 10 for the power."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    return 10 ** rng.uniform(np.log(low), np.log(high), size)


def wrong_exponent_only(low, high, size, rng=None):
    """Returns the exponent U(log10 low, log10 high), not 10 ** it."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    return rng.uniform(np.log10(low), np.log10(high), size)


def wrong_integer_exponents(low, high, size, rng=None):
    """Draws only whole powers of ten."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    return 10.0 ** rng.integers(int(np.log10(low)), int(np.log10(high)) + 1, size)


def wrong_global_numpy_random(low, high, size, rng=None):
    """Ignores rng."""
    import numpy as np
    return 10 ** np.random.uniform(np.log10(low), np.log10(high), size)


def wrong_hard_coded_bounds(low, high, size, rng=None):
    """Exponents between the notebook's -4 and -1, whatever low and high are."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    return np.clip(10.0 ** rng.uniform(-4, -1, size), low, high)


def wrong_grid_of_values(low, high, size, rng=None):
    """Picks from 6 log-spaced values, as a grid search would: every decade, but no value
    between the grid points."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    return rng.choice(np.logspace(np.log10(low), np.log10(high), 6), size)


def wrong_fixed_seed_without_rng(low, high, size, rng=None):
    """rng=None falls back to default_rng(0): every call returns the same samples."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng(0)
    return 10 ** rng.uniform(np.log10(low), np.log10(high), size)


def wrong_returns_a_list(low, high, size, rng=None):
    """A list comprehension of samples, not an array."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    return [float(10 ** rng.uniform(np.log10(low), np.log10(high))) for _ in range(size)]
