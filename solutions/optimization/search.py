"""Q8: sampling hyperparameters on the right scale, and learning-rate decay."""
import numpy as np


def sample_log_uniform(low, high, size, rng=None):
    """10 ** U(log10 low, log10 high): equally many samples per decade."""
    rng = np.random.default_rng() if rng is None else rng
    return 10.0 ** rng.uniform(np.log10(low), np.log10(high), size)


def sample_beta(low, high, size, rng=None):
    """beta in [low, high] with 1 - beta log-uniform in [1 - high, 1 - low]."""
    return 1.0 - sample_log_uniform(1.0 - high, 1.0 - low, size, rng)


def lr_decay(lr0, epoch, decay_rate):
    """Inverse-time decay: lr0 / (1 + decay_rate * epoch)."""
    return lr0 / (1.0 + decay_rate * epoch)
