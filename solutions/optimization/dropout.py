"""Q3: inverted dropout (``p`` is the probability of DROPPING a unit, as in PyTorch)."""
import numpy as np


def dropout_mask(shape, p, rng=None):
    """Float64 mask of ``shape``: each entry, independently, 0 with probability p, else
    1 / (1 - p).

    p == 1 gives all zeros (no division by zero); raises ValueError for p outside [0, 1].
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability p must be in [0, 1], got {p}")
    if p == 1.0:
        return np.zeros(shape)
    rng = np.random.default_rng() if rng is None else rng
    keep = rng.random(shape) >= p
    return keep / (1.0 - float(p))  # float64 also for a numpy-scalar p


def dropout_forward(x, p, training=True, rng=None):
    """Return ``(out, mask)``: out = x * mask in training; (x, None) in evaluation.

    x: array of any shape; out has the float dtype of x (float64 for integer x).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability p must be in [0, 1], got {p}")
    x = np.asarray(x)
    if not training:
        return x, None
    mask = dropout_mask(x.shape, p, rng)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    return (x * mask).astype(dtype, copy=False), mask


def dropout_backward(dout, mask):
    """Return dx = dout * mask (dout unchanged when mask is None), in the float dtype of dout."""
    dout = np.asarray(dout)
    if mask is None:
        return dout
    dtype = dout.dtype if np.issubdtype(dout.dtype, np.floating) else np.float64
    return (dout * mask).astype(dtype, copy=False)
