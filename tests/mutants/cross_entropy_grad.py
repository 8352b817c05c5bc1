"""Variants of Q6, cross_entropy_grad."""


def correct_subtract_onehot(z, y):
    """(softmax(z) - onehot(y)) / N with a one-hot matrix."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return (p - np.eye(z.shape[1], dtype=z.dtype)[y]) / len(y)


def correct_autograd(z, y):
    """Autograd through torch's cross-entropy."""
    import numpy as np
    import torch
    zt = torch.tensor(np.asarray(z), requires_grad=True)
    torch.nn.functional.cross_entropy(zt, torch.as_tensor(np.asarray(y), dtype=torch.long)).backward()
    return zt.grad.numpy()


def wrong_missing_division_by_n(z, y):
    """softmax(z) - onehot(y), not divided by N."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p


def wrong_sign(z, y):
    """(onehot(y) - softmax(z)) / N."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return (np.eye(z.shape[1])[y] - p) / len(y)


def wrong_divides_by_classes(z, y):
    """Divides by C instead of N."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return (p - np.eye(z.shape[1])[y]) / z.shape[1]


def wrong_logits_not_probabilities(z, y):
    """Uses z in place of softmax(z)."""
    import numpy as np
    z, y = np.asarray(z, dtype=float), np.asarray(y)
    return (z - np.eye(z.shape[1])[y]) / len(y)


def correct_exp_of_log_softmax(z, y):
    """exp(z - logsumexp(z)) per row, onehot subtracted with np.where (DLAI style)."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    onehot = np.arange(z.shape[1]) == y[:, None]
    return (np.where(onehot, np.exp(log_p) - 1, np.exp(log_p)) / len(y)).astype(z.dtype)


def wrong_global_max(z, y):
    """One max over the whole batch: rows far below it underflow to 0 / 0 = nan."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    e = np.exp(z - z.max())
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def wrong_no_max_shift(z, y):
    """No shift at all: exp overflows for logits above ~710."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def wrong_shift_by_min(z, y):
    """Shifts by the row minimum: z = [[0, -1000]] becomes exp(1000) / exp(1000) = nan."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    e = np.exp(z - z.min(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def wrong_float64_out(z, y):
    """Computes in float64 and returns float64 for float32 logits."""
    import numpy as np
    z, y = np.asarray(z, dtype=np.float64), np.asarray(y)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def wrong_in_place(z, y):
    """Shifts and exponentiates the caller's z in place (np.asarray does not copy)."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    z[np.arange(len(y)), y] -= 1
    return z / len(y)


def wrong_array_methods_on_lists(z, y):
    """z.shape without np.asarray: a list z fails."""
    import numpy as np
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return (p - np.eye(z.shape[1], dtype=z.dtype)[y]) / len(y)


def wrong_subtracts_the_mean(z, y):
    """softmax shifted by each row's mean: nan once a row spans more than ~1400."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z - z.mean(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)
