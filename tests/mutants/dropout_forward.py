"""Variants of Q3, dropout_forward (may call the student's dropout_mask)."""


def correct_uses_mask(x, p, training=True, rng=None):
    """Calls dropout_mask and casts back to x's dtype."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    x = np.asarray(x)
    if not training:
        return x, None
    mask = dropout_mask(x.shape, p, rng)
    return (x * mask).astype(x.dtype if x.dtype.kind == "f" else np.float64), mask


def correct_inline_copy(x, p, training=True, rng=None):
    """Builds its own mask; returns a copy in evaluation."""
    import numpy as np
    if p < 0 or p > 1:
        raise ValueError("bad p")
    x = np.array(x)
    if not training:
        return x.copy(), None
    rng = rng if rng is not None else np.random.default_rng()
    mask = np.zeros(x.shape) if p == 1 else (rng.random(x.shape) >= p) / (1 - p)
    out = x * mask
    return out.astype(np.result_type(x.dtype, np.float16), copy=False), mask


def wrong_in_place(x, p, training=True, rng=None):
    """x *= mask: modifies the caller's array."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not training:
        return x, None
    mask = dropout_mask(x.shape, p, rng)
    x *= mask.astype(x.dtype)
    return x, mask


def wrong_scaled_at_eval(x, p, training=True, rng=None):
    """Multiplies by (1 - p) in evaluation as in non-inverted dropout."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    x = np.asarray(x)
    if not training:
        return x * (1 - p), None
    mask = dropout_mask(x.shape, p, rng)
    return (x * mask).astype(x.dtype), mask


def wrong_returns_float64(x, p, training=True, rng=None):
    """Forgets the dtype rule: float32 in, float64 out."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    x = np.asarray(x)
    if not training:
        return x, None
    mask = dropout_mask(x.shape, p, rng)
    return x * mask, mask


def wrong_keep_probability(x, p, training=True, rng=None):
    """Uses p as the keep probability."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    x = np.asarray(x)
    if not training:
        return x, None
    mask = dropout_mask(x.shape, 1 - p, rng)
    return (x * mask).astype(x.dtype), mask


def wrong_no_p_check(x, p, training=True, rng=None):
    """Never validates p (and clips the mask instead)."""
    import numpy as np
    x = np.asarray(x)
    if not training:
        return x, None
    q = min(max(p, 0.0), 1.0)
    mask = dropout_mask(x.shape, q, rng)
    return (x * mask).astype(x.dtype), mask


def wrong_nan_at_p1(x, p, training=True, rng=None):
    """Scales by 1 / (1 - p) without the p = 1 case: 0 * inf = nan when every unit drops."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    if not training:
        return x, None
    rng = rng if rng is not None else np.random.default_rng()
    x = np.asarray(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        mask = (rng.random(x.shape) >= p) * (1.0 / (1.0 - p) if p < 1 else np.inf)
        return (x * mask).astype(x.dtype), mask


def wrong_integer_x_stays_integer(x, p, training=True, rng=None):
    """Casts out back to x's dtype whatever it is: integer x gives truncated integers."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    x = np.asarray(x)
    if not training:
        return x, None
    mask = dropout_mask(x.shape, p, rng)
    return (x * mask).astype(x.dtype), mask


def wrong_rejects_p_one(x, p, training=True, rng=None):
    """Accepts p in [0, 1) only (a rate below 1, as some libraries): p = 1 raises ValueError."""
    import numpy as np
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    x = np.asarray(x)
    if not training:
        return x, None
    mask = dropout_mask(x.shape, p, rng)
    return (x * mask).astype(x.dtype if x.dtype.kind == "f" else np.float64), mask


def wrong_fixed_seed_without_rng(x, p, training=True, rng=None):
    """rng=None becomes default_rng(42): the same units drop on every call."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    x = np.asarray(x)
    if not training:
        return x, None
    mask = dropout_mask(x.shape, p, rng if rng is not None else np.random.default_rng(42))
    return (x * mask).astype(x.dtype if x.dtype.kind == "f" else np.float64), mask


def wrong_mask_per_feature(x, p, training=True, rng=None):
    """One mask for the features (shape x.shape[1:]), shared by every sample of the batch."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    x = np.asarray(x)
    if not training:
        return x, None
    mask = dropout_mask(x.shape[1:], p, rng)
    return (x * mask).astype(x.dtype if x.dtype.kind == "f" else np.float64), mask


def wrong_float16_becomes_float64(x, p, training=True, rng=None):
    """Keeps float32 but computes everything else in float64: float16 x gives float64 out."""
    import numpy as np
    if not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    x = np.asarray(x)
    if not training:
        return x, None
    mask = dropout_mask(x.shape, p, rng)
    return (x * mask).astype(np.float32 if x.dtype == np.float32 else np.float64), mask
