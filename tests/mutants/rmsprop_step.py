"""Variants of Q5, rmsprop_step."""


def correct_two_lines(w, dw, s, lr, beta=0.99, eps=1e-8):
    """Reference style, cast back to the arrays' dtype."""
    import numpy as np
    w, dw, s = np.asarray(w), np.asarray(dw), np.asarray(s)
    s_new = (beta * s + (1 - beta) * dw**2).astype(s.dtype)
    return (w - lr * dw / (np.sqrt(s_new) + eps)).astype(w.dtype), s_new


def correct_torch(w, dw, s, lr, beta=0.99, eps=1e-8):
    """With torch tensors, converted back to numpy."""
    import numpy as np
    import torch
    w_t, dw_t, s_t = (torch.as_tensor(np.asarray(a)) for a in (w, dw, s))
    s_t = s_t * beta + (1 - beta) * dw_t * dw_t
    w_t = w_t - lr * dw_t / (s_t.sqrt() + eps)
    return w_t.numpy(), s_t.numpy()


def wrong_eps_inside_sqrt(w, dw, s, lr, beta=0.99, eps=1e-8):
    """sqrt(s + eps)."""
    import numpy as np
    w, dw, s = (np.asarray(w), np.asarray(dw), np.asarray(s))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    s = beta * s + (1 - beta) * dw**2
    return (np.asarray(w - lr * dw / np.sqrt(s + eps)).astype(dtype, copy=False),
            np.asarray(s).astype(dtype, copy=False))


def wrong_not_squared(w, dw, s, lr, beta=0.99, eps=1e-8):
    """Averages |dw| instead of dw**2."""
    import numpy as np
    w, dw, s = (np.asarray(w), np.asarray(dw), np.asarray(s))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    s = beta * s + (1 - beta) * np.abs(dw)
    return (np.asarray(w - lr * dw / (np.sqrt(s) + eps)).astype(dtype, copy=False),
            np.asarray(s).astype(dtype, copy=False))


def wrong_no_sqrt(w, dw, s, lr, beta=0.99, eps=1e-8):
    """Divides by s, not sqrt(s)."""
    import numpy as np
    w, dw, s = (np.asarray(w), np.asarray(dw), np.asarray(s))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    s = beta * s + (1 - beta) * dw**2
    return (np.asarray(w - lr * dw / (s + eps)).astype(dtype, copy=False),
            np.asarray(s).astype(dtype, copy=False))


def wrong_old_s(w, dw, s, lr, beta=0.99, eps=1e-8):
    """Steps with the previous s (and eps to avoid 0 / 0)."""
    import numpy as np
    w, dw, s = (np.asarray(w), np.asarray(dw), np.asarray(s))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    w_new = w - lr * dw / (np.sqrt(s) + max(eps, 1e-8))
    return (np.asarray(w_new).astype(dtype, copy=False),
            np.asarray(beta * s + (1 - beta) * dw ** 2).astype(dtype, copy=False))


def wrong_in_place(w, dw, s, lr, beta=0.99, eps=1e-8):
    """Updates s and w in place."""
    import numpy as np
    w, dw, s = (np.asarray(w), np.asarray(dw), np.asarray(s))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    s *= beta
    s += (1 - beta) * dw**2
    w -= lr * dw / (np.sqrt(s) + eps)
    return np.asarray(w).astype(dtype, copy=False), np.asarray(s).astype(dtype, copy=False)


def wrong_float_copies(w, dw, s, lr, beta=0.99, eps=1e-8):
    """np.array(..., dtype=float) to avoid aliasing: float32 state comes back float64."""
    import numpy as np
    w, dw, s = (np.array(a, dtype=float) for a in (w, dw, s))
    s = beta * s + (1 - beta) * dw**2
    return w - lr * dw / (np.sqrt(s) + eps), s


def wrong_numpy_scalar_promotes(w, dw, s, lr, beta=0.99, eps=1e-8):
    """No cast: numpy float64 hyperparameters turn float32 arrays into float64 results."""
    import numpy as np
    w, dw, s = np.asarray(w), np.asarray(dw), np.asarray(s)
    s = beta * s + (1 - beta) * dw**2
    return w - lr * dw / (np.sqrt(s) + eps), s
