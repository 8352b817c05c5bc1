"""Variants of Q2, init_layer."""


def correct_std_table(n_in, n_out, scheme, rng=None):
    """A table of standard deviations, one normal draw."""
    import numpy as np
    stds = {"zeros": 0.0, "normal": 0.01, "he": np.sqrt(2 / n_in),
            "glorot": np.sqrt(2 / (n_in + n_out))}
    if scheme not in stds:
        raise ValueError(scheme)
    rng = rng if rng is not None else np.random.default_rng()
    return rng.normal(0, stds[scheme], size=(n_in, n_out)), np.zeros(n_out)


def correct_if_chain(n_in, n_out, scheme, rng=None):
    """if/elif per scheme, standard_normal times the std."""
    import numpy as np
    if rng is None:
        rng = np.random.default_rng()
    if scheme == "zeros":
        W = np.zeros((n_in, n_out))
    elif scheme == "normal":
        W = 0.01 * rng.standard_normal((n_in, n_out))
    elif scheme == "he":
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
    elif scheme == "glorot":
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out))
    else:
        raise ValueError(f"unknown scheme {scheme}")
    return W, np.zeros(n_out, dtype=np.float64)


def wrong_he_fan_out(n_in, n_out, scheme, rng=None):
    """He with fan_out: std sqrt(2 / n_out)."""
    import numpy as np
    stds = {"zeros": 0.0, "normal": 0.01, "he": np.sqrt(2 / n_out),
            "glorot": np.sqrt(2 / (n_in + n_out))}
    if scheme not in stds:
        raise ValueError(scheme)
    rng = rng if rng is not None else np.random.default_rng()
    return rng.normal(0, stds[scheme], size=(n_in, n_out)), np.zeros(n_out)


def wrong_glorot_fan_in_only(n_in, n_out, scheme, rng=None):
    """Glorot written as 1 / n_in."""
    import numpy as np
    stds = {"zeros": 0.0, "normal": 0.01, "he": np.sqrt(2 / n_in), "glorot": np.sqrt(1 / n_in)}
    if scheme not in stds:
        raise ValueError(scheme)
    rng = rng if rng is not None else np.random.default_rng()
    return rng.normal(0, stds[scheme], size=(n_in, n_out)), np.zeros(n_out)


def wrong_normal_variance_as_std(n_in, n_out, scheme, rng=None):
    """"normal" with std 0.1: N(0, 0.01^2) misread as variance 0.01."""
    import numpy as np
    stds = {"zeros": 0.0, "normal": 0.1, "he": np.sqrt(2 / n_in),
            "glorot": np.sqrt(2 / (n_in + n_out))}
    if scheme not in stds:
        raise ValueError(scheme)
    rng = rng if rng is not None else np.random.default_rng()
    return rng.normal(0, stds[scheme], size=(n_in, n_out)), np.zeros(n_out)


def wrong_uniform_samples(n_in, n_out, scheme, rng=None):
    """Uniform with the right standard deviation instead of normal."""
    import numpy as np
    stds = {"zeros": 0.0, "normal": 0.01, "he": np.sqrt(2 / n_in),
            "glorot": np.sqrt(2 / (n_in + n_out))}
    if scheme not in stds:
        raise ValueError(scheme)
    rng = rng if rng is not None else np.random.default_rng()
    a = np.sqrt(3) * stds[scheme]
    return rng.uniform(-a, a, size=(n_in, n_out)), np.zeros(n_out)


def wrong_unknown_scheme_is_zeros(n_in, n_out, scheme, rng=None):
    """Falls back to zeros for an unknown scheme instead of raising."""
    import numpy as np
    rng = rng if rng is not None else np.random.default_rng()
    std = {"normal": 0.01, "he": np.sqrt(2 / n_in),
           "glorot": np.sqrt(2 / (n_in + n_out))}.get(scheme, 0.0)
    return rng.normal(0, std, size=(n_in, n_out)), np.zeros(n_out)


def wrong_transposed_shape(n_in, n_out, scheme, rng=None):
    """Torch layout (n_out, n_in)."""
    import numpy as np
    stds = {"zeros": 0.0, "normal": 0.01, "he": np.sqrt(2 / n_in),
            "glorot": np.sqrt(2 / (n_in + n_out))}
    if scheme not in stds:
        raise ValueError(scheme)
    rng = rng if rng is not None else np.random.default_rng()
    return rng.normal(0, stds[scheme], size=(n_out, n_in)), np.zeros(n_out)


def wrong_global_numpy_random(n_in, n_out, scheme, rng=None):
    """np.random.randn: ignores rng."""
    import numpy as np
    stds = {"zeros": 0.0, "normal": 0.01, "he": np.sqrt(2 / n_in),
            "glorot": np.sqrt(2 / (n_in + n_out))}
    if scheme not in stds:
        raise ValueError(scheme)
    return np.random.randn(n_in, n_out) * stds[scheme], np.zeros(n_out)


def wrong_fixed_seed_without_rng(n_in, n_out, scheme, rng=None):
    """rng=None falls back to default_rng(0): every layer starts from the same weights."""
    import numpy as np
    stds = {"zeros": 0.0, "normal": 0.01, "he": np.sqrt(2 / n_in),
            "glorot": np.sqrt(2 / (n_in + n_out))}
    if scheme not in stds:
        raise ValueError(scheme)
    rng = rng if rng is not None else np.random.default_rng(0)
    return rng.normal(0, stds[scheme], size=(n_in, n_out)), np.zeros(n_out)


def wrong_rejects_numpy_integers(n_in, n_out, scheme, rng=None):
    """Checks isinstance(n, int): numpy integers (np.int64(4)) raise TypeError."""
    import numpy as np
    if not isinstance(n_in, int) or not isinstance(n_out, int):
        raise TypeError("layer sizes must be ints")
    stds = {"zeros": 0.0, "normal": 0.01, "he": np.sqrt(2 / n_in),
            "glorot": np.sqrt(2 / (n_in + n_out))}
    if scheme not in stds:
        raise ValueError(scheme)
    rng = rng if rng is not None else np.random.default_rng()
    return rng.normal(0, stds[scheme], size=(n_in, n_out)), np.zeros(n_out)
