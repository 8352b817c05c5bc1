"""Variants of Q1, minibatches."""


def correct_index_slices(X, y, batch_size, shuffle=True, rng=None):
    """Reference style: one index array, sliced; lists converted."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    X, y = (a if hasattr(a, "shape") else np.asarray(a) for a in (X, y))
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
    X = X if hasattr(X, "shape") else np.asarray(X)
    y = y if hasattr(y, "shape") else np.asarray(y)
    n = len(X)
    if n == 0:
        return
    order = np.arange(n)
    if shuffle:
        rng = rng if rng is not None else np.random.default_rng()
        order = rng.permutation(n)
    for chunk in np.split(order, range(batch_size, n, batch_size)):
        yield X[chunk], y[chunk]


def wrong_drops_last_batch(X, y, batch_size, shuffle=True, rng=None):
    """Only full batches: range(0, N - B + 1, B)."""
    import numpy as np
    X, y = (a if hasattr(a, 'shape') else np.asarray(a) for a in (X, y))
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    idx = (rng or np.random.default_rng()).permutation(len(X)) if shuffle else np.arange(len(X))
    for i in range(0, len(X) - batch_size + 1, batch_size):
        yield X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]


def wrong_two_permutations(X, y, batch_size, shuffle=True, rng=None):
    """Shuffles X and y with different permutations."""
    import numpy as np
    X, y = (a if hasattr(a, 'shape') else np.asarray(a) for a in (X, y))
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
    X, y = (a if hasattr(a, 'shape') else np.asarray(a) for a in (X, y))
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    idx = np.random.permutation(len(X)) if shuffle else np.arange(len(X))
    for i in range(0, len(X), batch_size):
        yield X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]


def wrong_returns_a_list(X, y, batch_size, shuffle=True, rng=None):
    """Builds and returns a list instead of yielding."""
    import numpy as np
    X, y = (a if hasattr(a, 'shape') else np.asarray(a) for a in (X, y))
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    idx = (rng or np.random.default_rng()).permutation(len(X)) if shuffle else np.arange(len(X))
    return [(X[idx[i:i + batch_size]], y[idx[i:i + batch_size]])
            for i in range(0, len(X), batch_size)]


def wrong_shuffles_in_place(X, y, batch_size, shuffle=True, rng=None):
    """rng.shuffle on the inputs: modifies X and y, and y is shuffled separately."""
    import numpy as np
    X, y = (a if hasattr(a, 'shape') else np.asarray(a) for a in (X, y))
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
    X, y = (a if hasattr(a, 'shape') else np.asarray(a) for a in (X, y))
    idx = (rng or np.random.default_rng()).permutation(len(X)) if shuffle else np.arange(len(X))
    for i in range(0, len(X), max(batch_size, 1)):
        yield X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]


def wrong_float64_batches(X, y, batch_size, shuffle=True, rng=None):
    """np.asarray(X, dtype=float): float32 data comes back as float64."""
    import numpy as np
    X, y = (a if hasattr(a, 'shape') else np.asarray(a) for a in (X, y))
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    X = X if hasattr(X, "detach") else np.asarray(X, dtype=float)
    idx = (np.random.default_rng() if rng is None else rng).permutation(len(X)) if shuffle \
        else np.arange(len(X))
    for i in range(0, len(X), batch_size):
        yield X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]


def correct_while_loop(X, y, batch_size, shuffle=True, rng=None):
    """A while loop over start offsets; tensors kept, everything else through np.asarray."""
    import numpy as np
    if batch_size < 1:
        raise ValueError("batch_size < 1")
    if len(X) != len(y):
        raise ValueError("X and y differ in length")
    if not hasattr(X, "detach"):
        X, y = np.asarray(X), np.asarray(y)
    order = (rng if rng is not None else np.random.default_rng()).permutation(len(X)) \
        if shuffle else np.arange(len(X))
    start = 0
    while start < len(order):
        batch = order[start:start + batch_size]
        yield X[batch], y[batch]
        start += batch_size


def wrong_lists_not_converted(X, y, batch_size, shuffle=True, rng=None):
    """Indexes X and y with an index array as given: Python lists raise TypeError."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    idx = (rng if rng is not None else np.random.default_rng()).permutation(len(X)) if shuffle \
        else np.arange(len(X))
    for i in range(0, len(X), batch_size):
        yield X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]


def wrong_empty_batch_without_data(X, y, batch_size, shuffle=True, rng=None):
    """np.split of the order at multiples of B: no data still yields one empty batch."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    X = X if hasattr(X, "shape") else np.asarray(X)
    y = y if hasattr(y, "shape") else np.asarray(y)
    n = len(X)
    order = (rng if rng is not None else np.random.default_rng()).permutation(n) if shuffle \
        else np.arange(n)
    for chunk in np.split(order, range(batch_size, n, batch_size)):
        yield X[chunk], y[chunk]


def wrong_fixed_seed_without_rng(X, y, batch_size, shuffle=True, rng=None):
    """rng=None falls back to default_rng(0): every epoch comes in the same order."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    X = X if hasattr(X, "shape") else np.asarray(X)
    y = y if hasattr(y, "shape") else np.asarray(y)
    rng = rng if rng is not None else np.random.default_rng(0)
    idx = rng.permutation(len(X)) if shuffle else np.arange(len(X))
    for i in range(0, len(X), batch_size):
        yield X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]


def wrong_flattens_labels(X, y, batch_size, shuffle=True, rng=None):
    """Flattens y to one dimension first: labels with several columns are scrambled."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    X = X if hasattr(X, "shape") else np.asarray(X)
    y = y.reshape(-1) if hasattr(y, "reshape") else np.asarray(y).reshape(-1)
    idx = (rng if rng is not None else np.random.default_rng()).permutation(len(X)) if shuffle \
        else np.arange(len(X))
    for i in range(0, len(X), batch_size):
        yield X[idx[i:i + batch_size]], y[idx[i:i + batch_size]]


def wrong_yields_lists_of_rows(X, y, batch_size, shuffle=True, rng=None):
    """Builds each batch as a Python list of rows instead of indexing with the permutation."""
    import numpy as np
    if batch_size < 1 or len(X) != len(y):
        raise ValueError("bad arguments")
    idx = (rng if rng is not None else np.random.default_rng()).permutation(len(X)) if shuffle \
        else np.arange(len(X))
    for i in range(0, len(X), batch_size):
        rows = idx[i:i + batch_size]
        yield [X[j] for j in rows], [y[j] for j in rows]
