"""Variants of Q3, dropout_mask."""


def correct_boolean_keep(shape, p, rng=None):
    """Boolean keep mask divided by the keep probability."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if p == 1:
        return np.zeros(shape)
    rng = rng if rng is not None else np.random.default_rng()
    return (rng.random(shape) >= p) / (1 - float(p))


def correct_binomial_where(shape, p, rng=None):
    """Binomial draws and np.where."""
    import numpy as np
    if p < 0 or p > 1:
        raise ValueError("p must be in [0, 1]")
    rng = rng if rng is not None else np.random.default_rng()
    keep = rng.binomial(1, 1 - p, size=shape).astype(bool)
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return np.where(keep, scale, 0.0).astype(np.float64)


def wrong_scaled_by_keep_prob(shape, p, rng=None):
    """Multiplies survivors by the keep probability (1 - p) instead of dividing."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    rng = rng if rng is not None else np.random.default_rng()
    return (rng.random(shape) >= p) * (1 - p)


def wrong_p_is_keep_probability(shape, p, rng=None):
    """Treats p as the probability of keeping a unit."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if p == 0:
        return np.zeros(shape)
    rng = rng if rng is not None else np.random.default_rng()
    return (rng.random(shape) < p) / p


def wrong_not_scaled(shape, p, rng=None):
    """Plain (non-inverted) dropout: survivors stay 1."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    rng = rng if rng is not None else np.random.default_rng()
    return (rng.random(shape) >= p).astype(np.float64)


def wrong_divides_by_zero_at_p1(shape, p, rng=None):
    """No special case for p == 1 (0 / 0 gives nan), no range check."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    with np.errstate(divide="ignore", invalid="ignore"):
        return (rng.random(shape) >= p) / (1 - p)


def wrong_global_numpy_random(shape, p, rng=None):
    """Ignores rng: np.random.rand."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if p == 1:
        return np.zeros(shape)
    return (np.random.rand(*shape) >= p) / (1 - p)


def correct_uniform_below_keep(shape, p, rng=None):
    """Keeps a unit where a uniform draw is below 1 - p; the scale as a float64 array."""
    import numpy as np
    if not (0.0 <= p <= 1.0):
        raise ValueError(f"p={p} is not a probability")
    rng = np.random.default_rng() if rng is None else rng
    keep = rng.uniform(size=shape) < 1.0 - p
    return np.where(keep, 1.0 / (1.0 - float(p)) if p < 1 else 0.0, 0.0)


def wrong_float32_mask_for_numpy_p(shape, p, rng=None):
    """Divides by 1 - p as given: a numpy float32 p makes the mask float32."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if p == 1:
        return np.zeros(shape)
    rng = rng if rng is not None else np.random.default_rng()
    return (rng.random(shape) >= p) / (1 - p)


def wrong_one_mask_per_feature(shape, p, rng=None):
    """One keep decision per column, repeated down the rows: entries are not independent."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if p == 1:
        return np.zeros(shape)
    rng = rng if rng is not None else np.random.default_rng()
    keep = rng.random(shape[-1:]) >= p
    return np.broadcast_to(keep / (1 - float(p)), shape).copy()


def wrong_exact_drop_count(shape, p, rng=None):
    """Drops exactly round(p * size) units, chosen without replacement."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if p == 1:
        return np.zeros(shape)
    rng = rng if rng is not None else np.random.default_rng()
    size = int(np.prod(shape))
    mask = np.full(size, 1 / (1 - float(p)))
    mask[rng.choice(size, int(round(p * size)), replace=False)] = 0.0
    return mask.reshape(shape)


def wrong_fixed_seed_without_rng(shape, p, rng=None):
    """rng=None falls back to default_rng(1234): the same mask on every call."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if p == 1:
        return np.zeros(shape)
    rng = rng if rng is not None else np.random.default_rng(1234)
    return (rng.random(shape) >= p) / (1 - float(p))
