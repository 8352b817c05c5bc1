"""Variants of Q6, softmax."""


def correct_max_shift(z):
    """Subtract the row max, exponentiate, normalize."""
    import numpy as np
    z = np.asarray(z)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def correct_logsumexp(z):
    """exp(z - logsumexp(z)) with the log-sum-exp computed stably."""
    import numpy as np
    z = np.asarray(z)
    m = z.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return np.exp(z - lse)


def wrong_no_max_shift(z):
    """exp(z) / sum exp(z): overflows for large logits."""
    import numpy as np
    z = np.asarray(z)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)


def wrong_axis_zero(z):
    """Normalizes over axis 0 (the batch) instead of the last axis."""
    import numpy as np
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def wrong_global_max(z):
    """Subtracts the max of the whole array: rows far below it underflow to 0 / 0."""
    import numpy as np
    z = np.asarray(z)
    with np.errstate(invalid="ignore"):
        e = np.exp(z - z.max())
        return e / e.sum(axis=-1, keepdims=True)


def wrong_whole_array_sum(z):
    """Normalizes by the sum over the whole array."""
    import numpy as np
    z = np.asarray(z)
    e = np.exp(z - z.max())
    return e / e.sum()


def wrong_2d_only(z):
    """Assumes a batch: a 1-D input is treated as a column."""
    import numpy as np
    z = np.atleast_2d(np.asarray(z))
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def wrong_in_place(z):
    """Shifts the caller's z in place (np.asarray does not copy)."""
    import numpy as np
    z = np.asarray(z)
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def wrong_array_methods_on_lists(z):
    """Calls z.max() without np.asarray: a list has no .max."""
    import numpy as np
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def wrong_computes_in_float64(z):
    """z.astype(float) first: float32 logits give float64 probabilities."""
    import numpy as np
    z = np.asarray(z).astype(float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def wrong_subtracts_the_mean(z):
    """Shifts each row by its mean: fine for logits a few units apart, overflow (nan) once a
    row spans more than ~1400."""
    import numpy as np
    z = np.asarray(z)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z - z.mean(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
