"""Variants of Q1, minibatches."""


def correct_index_slices(X, y, batch_size, shuffle=True, rng=None):
    """Reference style: one index array, sliced."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    idx = (np.random.default_rng() if rng is None else rng).permutation(len(X)) if shuffle \
        else np.arange(len(X))
    for i in range(0, len(X), batch_size):
        yield X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]


def correct_array_split(X, y, batch_size, shuffle=True, rng=None):
    """np.array_split of the index array into ceil(N / B) chunks."""
    import numpy as np
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    if len(X) != len(y):
        raise ValueError("length mismatch")
    n = len(X)
    order = np.arange(n)
    if shuffle:
        rng = rng if rng is not None else np.random.default_rng()
        order = rng.permutation(n)
    for chunk in np.split(order, range(batch_size, n, batch_size)):
        yield X[chunk], y[chunk]


def wrong_drops_last_batch(X, y, batch_size, shuffle=True, rng=None):
    """Only full batches: range(0, N - B + 1, B)."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    idx = (rng or np.random.default_rng()).permutation(len(X)) if shuffle else np.arange(len(X))
    for i in range(0, len(X) - batch_size + 1, batch_size):
        yield X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]


def wrong_two_permutations(X, y, batch_size, shuffle=True, rng=None):
    """Shuffles X and y with different permutations."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    rng = rng or np.random.default_rng()
    ix = rng.permutation(len(X)) if shuffle else np.arange(len(X))
    iy = rng.permutation(len(y)) if shuffle else np.arange(len(y))
    for i in range(0, len(X), batch_size):
        yield X[ix[i:i + batch_size]], y[iy[i:i + batch_size]]


def wrong_global_numpy_random(X, y, batch_size, shuffle=True, rng=None):
    """Ignores rng: np.random.permutation."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    idx = np.random.permutation(len(X)) if shuffle else np.arange(len(X))
    for i in range(0, len(X), batch_size):
        yield X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]


def wrong_returns_a_list(X, y, batch_size, shuffle=True, rng=None):
    """Builds and returns a list instead of yielding."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    idx = (rng or np.random.default_rng()).permutation(len(X)) if shuffle else np.arange(len(X))
    return [(X[idx[i:i + batch_size]], y[idx[i:i + batch_size]])
            for i in range(0, len(X), batch_size)]


def wrong_shuffles_in_place(X, y, batch_size, shuffle=True, rng=None):
    """rng.shuffle on the inputs: modifies X and y, and y is shuffled separately."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    if shuffle:
        rng = rng or np.random.default_rng()
        rng.shuffle(X)
        rng.shuffle(y)
    for i in range(0, len(X), batch_size):
        yield X[i:i + batch_size], y[i:i + batch_size]


def wrong_no_validation(X, y, batch_size, shuffle=True, rng=None):
    """Never validates batch_size or the lengths."""
    import numpy as np
    idx = (rng or np.random.default_rng()).permutation(len(X)) if shuffle else np.arange(len(X))
    for i in range(0, len(X), max(batch_size, 1)):
        yield X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]


def wrong_float64_batches(X, y, batch_size, shuffle=True, rng=None):
    """np.asarray(X, dtype=float): float32 data comes back as float64."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    X = X if hasattr(X, "detach") else np.asarray(X, dtype=float)
    idx = (np.random.default_rng() if rng is None else rng).permutation(len(X)) if shuffle \
        else np.arange(len(X))
    for i in range(0, len(X), batch_size):
        yield X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]
