"""Variants of Q5, momentum_step."""


def correct_two_lines(w, dw, v, lr, beta=0.9):
    """The exponentially weighted form, cast back to the arrays' dtype."""
    import numpy as np
    w, dw, v = np.asarray(w), np.asarray(dw), np.asarray(v)
    v_new = (beta * v + (1 - beta) * dw).astype(v.dtype)
    return (w - lr * v_new).astype(w.dtype), v_new


def correct_asarray_copy(w, dw, v, lr, beta=0.9):
    """Converts inputs first and computes on copies."""
    import numpy as np
    w, dw, v = np.array(w), np.array(dw), np.array(v)
    v_new = v * beta + dw * (1.0 - beta)
    w_new = w - v_new * lr
    return w_new.astype(w.dtype, copy=False), v_new.astype(v.dtype, copy=False)


def wrong_no_one_minus_beta(w, dw, v, lr, beta=0.9):
    """v = beta * v + dw (the PyTorch buffer) with learning rate lr."""
    import numpy as np
    w, dw, v = (np.asarray(w), np.asarray(dw), np.asarray(v))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    v = beta * v + dw
    return np.asarray(w - lr * v).astype(dtype, copy=False), np.asarray(v).astype(dtype, copy=False)


def wrong_uses_old_velocity(w, dw, v, lr, beta=0.9):
    """Updates w with the previous velocity."""
    import numpy as np
    w, dw, v = (np.asarray(w), np.asarray(dw), np.asarray(v))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    w_new = w - lr * v
    return (np.asarray(w_new).astype(dtype, copy=False),
            np.asarray(beta * v + (1 - beta) * dw).astype(dtype, copy=False))


def wrong_in_place(w, dw, v, lr, beta=0.9):
    """v *= beta; w -= ...: modifies the caller's arrays."""
    import numpy as np
    w, dw, v = (np.asarray(w), np.asarray(dw), np.asarray(v))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    v *= beta
    v += (1 - beta) * dw
    w -= lr * v
    return np.asarray(w).astype(dtype, copy=False), np.asarray(v).astype(dtype, copy=False)


def wrong_beta_swapped(w, dw, v, lr, beta=0.9):
    """v = (1 - beta) * v + beta * dw."""
    import numpy as np
    w, dw, v = (np.asarray(w), np.asarray(dw), np.asarray(v))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    v = (1 - beta) * v + beta * dw
    return np.asarray(w - lr * v).astype(dtype, copy=False), np.asarray(v).astype(dtype, copy=False)


def wrong_ignores_beta_argument(w, dw, v, lr, beta=0.9):
    """Hard-codes beta = 0.9."""
    import numpy as np
    w, dw, v = (np.asarray(w), np.asarray(dw), np.asarray(v))
    dtype = np.result_type(w.dtype, np.float16)  # the arrays' float dtype
    v = 0.9 * v + 0.1 * dw
    return np.asarray(w - lr * v).astype(dtype, copy=False), np.asarray(v).astype(dtype, copy=False)


def wrong_float_copies(w, dw, v, lr, beta=0.9):
    """np.array(..., dtype=float) to avoid aliasing: float32 state comes back float64."""
    import numpy as np
    w, dw, v = (np.array(a, dtype=float) for a in (w, dw, v))
    v = beta * v + (1 - beta) * dw
    return w - lr * v, v


def wrong_numpy_scalar_promotes(w, dw, v, lr, beta=0.9):
    """No cast: a numpy float64 lr or beta turns float32 (or float16) arrays into float64."""
    import numpy as np
    w, dw, v = np.asarray(w), np.asarray(dw), np.asarray(v)
    v = beta * v + (1 - beta) * dw
    return w - lr * v, v


def wrong_lists_not_converted(w, dw, v, lr, beta=0.9):
    """Arithmetic on the arguments as given: Python lists raise TypeError."""
    v = beta * v + (1 - beta) * dw
    return w - lr * v, v
