"""Variants of Q5, adam_step."""


def correct_reference(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Bias-corrected moments."""
    import numpy as np
    if t < 1:
        raise ValueError("t starts at 1")
    w, dw, m, v = (np.asarray(a) for a in (w, dw, m, v))
    dtype = w.dtype
    m = (beta1 * m + (1 - beta1) * dw).astype(dtype)
    v = (beta2 * v + (1 - beta2) * dw**2).astype(dtype)
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return (w - lr * m_hat / (np.sqrt(v_hat) + eps)).astype(dtype), m, v


def correct_step_size_form(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """PyTorch's arrangement: step size and denominator with the corrections folded in."""
    import math
    import numpy as np
    if t < 1:
        raise ValueError("t must be >= 1")
    w, dw, m, v = (np.asarray(a) for a in (w, dw, m, v))
    m = m * float(beta1) + dw * (1 - float(beta1))
    v = v * float(beta2) + dw * dw * (1 - float(beta2))
    bias1, bias2 = 1 - float(beta1)**int(t), 1 - float(beta2)**int(t)
    denom = np.sqrt(v) / math.sqrt(bias2) + float(eps)
    return w - (float(lr) / bias1) * m / denom, m, v


def wrong_eps_inside_sqrt(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """sqrt(v_hat + eps)."""
    import numpy as np
    w, dw, m, v = (np.asarray(w), np.asarray(dw), np.asarray(m), np.asarray(v))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    if t < 1:
        raise ValueError("t starts at 1")
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return (np.asarray(w - lr * m_hat / np.sqrt(v_hat + eps)).astype(dtype, copy=False),
            np.asarray(m).astype(dtype, copy=False), np.asarray(v).astype(dtype, copy=False))


def wrong_no_bias_correction(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Uses m and v directly."""
    import numpy as np
    w, dw, m, v = (np.asarray(w), np.asarray(dw), np.asarray(m), np.asarray(v))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    if t < 1:
        raise ValueError("t starts at 1")
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    return (np.asarray(w - lr * m / (np.sqrt(v) + eps)).astype(dtype, copy=False),
            np.asarray(m).astype(dtype, copy=False), np.asarray(v).astype(dtype, copy=False))


def wrong_zero_based_t(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Corrects with t + 1 (as if t counted from 0)."""
    import numpy as np
    w, dw, m, v = (np.asarray(w), np.asarray(dw), np.asarray(m), np.asarray(v))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    if t < 1:
        raise ValueError("t starts at 1")
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat, v_hat = m / (1 - beta1**(t + 1)), v / (1 - beta2**(t + 1))
    return (np.asarray(w - lr * m_hat / (np.sqrt(v_hat) + eps)).astype(dtype, copy=False),
            np.asarray(m).astype(dtype, copy=False), np.asarray(v).astype(dtype, copy=False))


def wrong_returns_corrected_moments(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Returns m_hat and v_hat as the new state (corrections compound)."""
    import numpy as np
    w, dw, m, v = (np.asarray(w), np.asarray(dw), np.asarray(m), np.asarray(v))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    if t < 1:
        raise ValueError("t starts at 1")
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return (np.asarray(w - lr * m_hat / (np.sqrt(v_hat) + eps)).astype(dtype, copy=False),
            np.asarray(m_hat).astype(dtype, copy=False),
            np.asarray(v_hat).astype(dtype, copy=False))


def wrong_betas_swapped(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """beta2 for the first moment, beta1 for the second."""
    import numpy as np
    w, dw, m, v = (np.asarray(w), np.asarray(dw), np.asarray(m), np.asarray(v))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    if t < 1:
        raise ValueError("t starts at 1")
    m = beta2 * m + (1 - beta2) * dw
    v = beta1 * v + (1 - beta1) * dw**2
    m_hat, v_hat = m / (1 - beta2**t), v / (1 - beta1**t)
    return (np.asarray(w - lr * m_hat / (np.sqrt(v_hat) + eps)).astype(dtype, copy=False),
            np.asarray(m).astype(dtype, copy=False), np.asarray(v).astype(dtype, copy=False))


def wrong_no_t_check(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Never validates t (t = 0 divides by zero silently)."""
    import numpy as np
    w, dw, m, v = (np.asarray(w), np.asarray(dw), np.asarray(m), np.asarray(v))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return (np.asarray(w - lr * m_hat / (np.sqrt(v_hat) + eps)).astype(dtype, copy=False),
                np.asarray(m).astype(dtype, copy=False), np.asarray(v).astype(dtype, copy=False))


def wrong_np_power_promotes_float32(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Bias corrections with np.power: float64 scalars turn float32 weights into float64."""
    import numpy as np
    if t < 1:
        raise ValueError("t starts at 1")
    w, dw, m, v = (np.asarray(a) for a in (w, dw, m, v))
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat, v_hat = m / (1 - np.power(beta1, t)), v / (1 - np.power(beta2, t))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def wrong_state_in_place(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Updates the moments with *= and += (the caller's m and v change)."""
    import numpy as np
    w, dw, m, v = (np.asarray(w), np.asarray(dw), np.asarray(m), np.asarray(v))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    if t < 1:
        raise ValueError("t starts at 1")
    m *= beta1
    m += (1 - beta1) * dw
    v *= beta2
    v += (1 - beta2) * dw**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return (np.asarray(w - lr * m_hat / (np.sqrt(v_hat) + eps)).astype(dtype, copy=False),
            np.asarray(m).astype(dtype, copy=False), np.asarray(v).astype(dtype, copy=False))


def wrong_numpy_scalar_promotes(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """No cast: a numpy t or numpy float64 hyperparameters turn float32 arrays into float64."""
    import numpy as np
    if t < 1:
        raise ValueError("t starts at 1")
    w, dw, m, v = (np.asarray(a) for a in (w, dw, m, v))
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
