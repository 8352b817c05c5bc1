"""Variants of Q6, cross_entropy_grad."""


def correct_subtract_onehot(z, y):
    """(softmax(z) - onehot(y)) / N with a one-hot matrix."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return (p - np.eye(z.shape[1])[y]) / len(y)


def correct_autograd(z, y):
    """Autograd through torch's cross-entropy."""
    import numpy as np
    import torch
    zt = torch.tensor(np.asarray(z, dtype=np.float64), requires_grad=True)
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
