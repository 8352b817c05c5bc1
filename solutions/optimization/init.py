"""Q2: weight initialization schemes for a fully connected layer ``x @ W + b``."""
import numpy as np

def init_layer(n_in, n_out, scheme, rng=None):
    """Return ``(W, b)`` with W of shape (n_in, n_out) and b = zeros(n_out), float64.

    - "zeros":  W = 0
    - "normal": W ~ N(0, 0.01^2)
    - "he":     W ~ N(0, 2 / n_in)              (torch.nn.init.kaiming_normal_, ReLU gain)
    - "glorot": W ~ N(0, 2 / (n_in + n_out))    (torch.nn.init.xavier_normal_)
    Raises ValueError for any other scheme.
    """
    stds = {
        "zeros": 0.0,
        "normal": 0.01,
        "he": np.sqrt(2.0 / n_in),
        "glorot": np.sqrt(2.0 / (n_in + n_out)),
    }
    if scheme not in stds:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {tuple(stds)}")
    rng = np.random.default_rng() if rng is None else rng
    std = stds[scheme]
    W = rng.normal(0.0, 1.0, size=(n_in, n_out)) * std
    return W, np.zeros(n_out)
