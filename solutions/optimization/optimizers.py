"""Q5: exponentially weighted averages and the optimizer steps built on them.

Every step returns new arrays and the new state; ``t`` is the 1-based step number.
They keep the float dtype of the arrays (float64 for integers), also when a
hyperparameter is a numpy scalar (e.g. ``np.float64`` lr, ``np.int64`` t), as torch.optim does.
"""
import numpy as np


def momentum_step(w, dw, v, lr, beta=0.9):
    """Momentum (exponentially weighted form).

        v <- beta * v + (1 - beta) * dw
        w <- w - lr * v
    Equals torch.optim.SGD(momentum=beta) with learning rate lr * (1 - beta).
    Returns (w, v).
    """
    w, dw, v = np.asarray(w), np.asarray(dw), np.asarray(v)
    dtype = np.result_type(w, dw, v)
    dtype = dtype if np.issubdtype(dtype, np.floating) else np.float64
    v = (beta * v + (1 - beta) * dw).astype(dtype, copy=False)
    return (w - lr * v).astype(dtype, copy=False), v


def rmsprop_step(w, dw, s, lr, beta=0.99, eps=1e-8):
    """RMSprop (torch.optim.RMSprop with alpha=beta).

        s <- beta * s + (1 - beta) * dw**2
        w <- w - lr * dw / (sqrt(s) + eps)
    Returns (w, s).
    """
    w, dw, s = np.asarray(w), np.asarray(dw), np.asarray(s)
    dtype = np.result_type(w, dw, s)
    dtype = dtype if np.issubdtype(dtype, np.floating) else np.float64
    s = (beta * s + (1 - beta) * dw**2).astype(dtype, copy=False)
    return (w - lr * dw / (np.sqrt(s) + eps)).astype(dtype, copy=False), s


def adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam (torch.optim.Adam: eps outside the square root).

        m <- beta1 * m + (1 - beta1) * dw           (momentum)
        v <- beta2 * v + (1 - beta2) * dw**2        (RMSprop)
        m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)   (bias correction)
        w <- w - lr * m_hat / (sqrt(v_hat) + eps)
    Returns (w, m, v). Raises ValueError for t < 1.
    """
    if t < 1:
        raise ValueError(f"the step number t is 1-based, got t={t}")
    w, dw, m, v = np.asarray(w), np.asarray(dw), np.asarray(m), np.asarray(v)
    dtype = np.result_type(w, dw, m, v)
    dtype = dtype if np.issubdtype(dtype, np.floating) else np.float64
    m = (beta1 * m + (1 - beta1) * dw).astype(dtype, copy=False)
    v = (beta2 * v + (1 - beta2) * dw**2).astype(dtype, copy=False)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return (w - lr * m_hat / (np.sqrt(v_hat) + eps)).astype(dtype, copy=False), m, v


def ema(values, beta, bias_correction=True):
    """Exponentially weighted moving average of a 1-D sequence y_1..y_T.

        v_0 = 0,  v_t = beta * v_{t-1} + (1 - beta) * y_t,  corrected: v_t / (1 - beta**t)
    Returns an array of shape (T,) (empty for an empty sequence).
    """
    values = np.asarray(values)
    floating = np.issubdtype(values.dtype, np.floating)
    out = np.empty(values.shape, dtype=values.dtype if floating else np.float64)
    v = 0.0
    for t, y in enumerate(values, start=1):
        v = beta * v + (1 - beta) * y
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return out
