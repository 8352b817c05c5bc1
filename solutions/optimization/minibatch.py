"""Q1: minibatch iteration with ``yield``."""
import numpy as np


def minibatches(X, y, batch_size, shuffle=True, rng=None):
    """Yield ``(X_batch, y_batch)`` pairs covering the data once (one epoch).

    Inputs:
    - X: array, tensor or list of shape (N, ...); y: shape (N, ...), one or several columns.
      Arrays and tensors are indexed as they are (batches keep their type and dtype); lists
      become numpy arrays (np.asarray). No data (N = 0) yields no batch.
    - batch_size: int >= 1. The last batch holds the N % batch_size left-overs, if any.
    - shuffle: apply one permutation ``rng.permutation(N)`` to both X and y.
    - rng: numpy.random.Generator (None: a fresh default_rng()).

    Raises ValueError (when first advanced) for batch_size < 1 or len(X) != len(y).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    X = X if hasattr(X, "shape") else np.asarray(X)
    y = y if hasattr(y, "shape") else np.asarray(y)
    n = len(X)
    if shuffle:
        rng = np.random.default_rng() if rng is None else rng
        order = rng.permutation(n)
    else:
        order = np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
