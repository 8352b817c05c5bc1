"""Variants of Q5, ema."""


def correct_loop(values, beta, bias_correction=True):
    """A Python loop over t into an array of the values' float dtype."""
    import numpy as np
    values = np.asarray(values)
    out, v = np.empty(values.shape, dtype=np.result_type(values, np.float16)), 0.0
    for t in range(1, len(values) + 1):
        v = beta * v + (1 - beta) * values[t - 1]
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return out


def correct_closed_form(values, beta, bias_correction=True):
    """v_t = (1 - beta) sum_k beta^(t-k) y_k, computed with a lower-triangular matrix."""
    import numpy as np
    y = np.asarray(values)
    y = y if y.dtype.kind == "f" else y.astype(np.float64)
    t = np.arange(1, len(y) + 1)
    powers = np.tril(beta ** (t[:, None] - t[None, :]).clip(min=0))
    v = (1 - beta) * powers @ y
    return (v / (1 - beta**t) if bias_correction else v).astype(y.dtype)


def wrong_starts_at_first_value(values, beta, bias_correction=True):
    """v_0 = y_1 instead of 0."""
    import numpy as np
    dtype = np.result_type(np.asarray(values).dtype, np.float16)
    values = np.asarray(values, dtype=float)
    out, v = np.empty_like(values), values[0]
    for t in range(1, len(values) + 1):
        v = beta * v + (1 - beta) * values[t - 1]
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return np.asarray(out).astype(dtype, copy=False)


def wrong_correction_with_t_minus_1(values, beta, bias_correction=True):
    """Divides by 1 - beta**(t-1) (0 at t = 1, so starts at the first value)."""
    import numpy as np
    dtype = np.result_type(np.asarray(values).dtype, np.float16)
    values = np.asarray(values, dtype=float)
    out, v = np.empty_like(values), 0.0
    for t in range(1, len(values) + 1):
        v = beta * v + (1 - beta) * values[t - 1]
        out[t - 1] = (v / (1 - beta**(t - 1)) if t > 1 else values[0]) if bias_correction else v
    return np.asarray(out).astype(dtype, copy=False)


def wrong_beta_swapped(values, beta, bias_correction=True):
    """v_t = (1 - beta) v_{t-1} + beta y_t."""
    import numpy as np
    dtype = np.result_type(np.asarray(values).dtype, np.float16)
    values = np.asarray(values, dtype=float)
    out, v = np.empty_like(values), 0.0
    for t in range(1, len(values) + 1):
        v = (1 - beta) * v + beta * values[t - 1]
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return np.asarray(out).astype(dtype, copy=False)


def wrong_corrects_the_state(values, beta, bias_correction=True):
    """Stores the corrected value back into v (corrections compound)."""
    import numpy as np
    dtype = np.result_type(np.asarray(values).dtype, np.float16)
    values = np.asarray(values, dtype=float)
    out, v = np.empty_like(values), 0.0
    for t in range(1, len(values) + 1):
        v = beta * v + (1 - beta) * values[t - 1]
        if bias_correction:
            v = v / (1 - beta**t)
        out[t - 1] = v
    return np.asarray(out).astype(dtype, copy=False)


def wrong_float64_output(values, beta, bias_correction=True):
    """Fills np.zeros(len(values)): float64 for float32 values."""
    import numpy as np
    values = np.asarray(values)
    out, v = np.zeros(len(values)), 0.0
    for t, y in enumerate(values, start=1):
        v = beta * v + (1 - beta) * y
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return out


def wrong_writes_into_values(values, beta, bias_correction=True):
    """Reuses the input array for the averages: the caller's values are overwritten."""
    import numpy as np
    dtype = np.result_type(np.asarray(values).dtype, np.float16)
    values = np.asarray(values)
    v = 0.0
    for t in range(1, len(values) + 1):
        v = beta * v + (1 - beta) * values[t - 1]
        values[t - 1] = v / (1 - beta**t) if bias_correction else v
    return np.asarray(values).astype(dtype, copy=False)


def wrong_shape_of_a_list(values, beta, bias_correction=True):
    """np.empty(values.shape): a Python list has no shape."""
    import numpy as np
    dtype = np.result_type(values.dtype, np.float16)
    out, v = np.empty(values.shape, dtype=np.result_type(values, np.float32)), 0.0
    for t, y in enumerate(values, start=1):
        v = beta * v + (1 - beta) * y
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return np.asarray(out).astype(dtype, copy=False)


def wrong_float16_becomes_float32(values, beta, bias_correction=True):
    """np.result_type(values, np.float32): float16 values come back as float32."""
    import numpy as np
    values = np.asarray(values)
    out, v = np.empty(values.shape, dtype=np.result_type(values, np.float32)), 0.0
    for t in range(1, len(values) + 1):
        v = beta * v + (1 - beta) * values[t - 1]
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return out


def wrong_stack_fails_on_empty(values, beta, bias_correction=True):
    """Collects the averages in a list and np.stack-s them: an empty sequence raises."""
    import numpy as np
    values = np.asarray(values)
    dtype = values.dtype if values.dtype.kind == "f" else np.float64
    out, v = [], 0.0
    for t, y in enumerate(values, start=1):
        v = beta * v + (1 - beta) * y
        out.append(v / (1 - beta**t) if bias_correction else v)
    return np.stack(out).astype(dtype)


def wrong_returns_a_list(values, beta, bias_correction=True):
    """Returns the Python list of averages, not an array."""
    import numpy as np
    out, v = [], 0.0
    for t, y in enumerate(np.asarray(values, dtype=float), start=1):
        v = beta * v + (1 - beta) * y
        out.append(float(v / (1 - beta**t) if bias_correction else v))
    return out
