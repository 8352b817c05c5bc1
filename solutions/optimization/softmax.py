"""Q6: softmax, its Jacobian, and the cross-entropy loss with its gradient."""
import numpy as np


def softmax(z):
    """Numerically stable softmax over the last axis: exp(z - max z) / sum exp(z - max z).

    z: shape (..., C). Returns probabilities of the same shape.
    """
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_jacobian(s):
    """Jacobian ds_i/dz_j = s_i (delta_ij - s_j) = diag(s) - outer(s, s); s: (C,) -> (C, C)."""
    s = np.asarray(s)
    return np.diag(s) - np.outer(s, s)


def cross_entropy(z, y):
    """Mean cross-entropy: -1/N sum_i log softmax(z)[i, y_i]; z: (N, C) logits, y: (N,) ints.

    Uses log softmax(z) = (z - max z) - log sum exp(z - max z), finite for huge logits.
    """
    z, y = np.asarray(z), np.asarray(y)
    shifted = z - z.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(-log_probs[np.arange(z.shape[0]), y].mean())


def cross_entropy_grad(z, y):
    """dL/dz = (softmax(z) - onehot(y)) / N for the mean cross-entropy; shape (N, C)."""
    z, y = np.asarray(z), np.asarray(y)
    n = z.shape[0]
    dz = softmax(z)
    dz[np.arange(n), y] -= 1
    return dz / n
