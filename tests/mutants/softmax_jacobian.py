"""Variants of Q6, softmax_jacobian."""


def correct_diag_minus_outer(s):
    """diag(s) - outer(s, s)."""
    import numpy as np
    s = np.asarray(s)
    return np.diag(s) - np.outer(s, s)


def correct_double_loop(s):
    """s_i (delta_ij - s_j) entry by entry."""
    import numpy as np
    s = np.asarray(s)
    c = len(s)
    J = np.empty((c, c), dtype=s.dtype)
    for i in range(c):
        for j in range(c):
            J[i, j] = s[i] * ((i == j) - s[j])
    return J


def wrong_missing_diag(s):
    """-outer(s, s) only."""
    import numpy as np
    s = np.asarray(s)
    return -np.outer(s, s)


def wrong_sign_flipped(s):
    """outer(s, s) - diag(s)."""
    import numpy as np
    s = np.asarray(s)
    return np.outer(s, s) - np.diag(s)


def wrong_diag_only(s):
    """Only the diagonal s_i (1 - s_i)."""
    import numpy as np
    s = np.asarray(s)
    return np.diag(s * (1 - s))


def wrong_elementwise_square(s):
    """diag(s) - diag(s**2) - outer: subtracts the diagonal term twice."""
    import numpy as np
    s = np.asarray(s)
    return np.diag(s - s**2) - np.outer(s, s)


def wrong_float64_for_float32(s):
    """np.zeros((C, C)) filled: float64 for a float32 s."""
    import numpy as np
    s = np.asarray(s)
    J = np.zeros((len(s), len(s)))
    J[:] = np.diag(s) - np.outer(s, s)
    return J


def correct_einsum(s):
    """s_i delta_ij - s_i s_j with einsum."""
    import numpy as np
    s = np.asarray(s)
    return np.diag(s) - np.einsum("i,j->ij", s, s)


def wrong_renormalizes_in_place(s):
    """s /= s.sum() "to be safe": the caller's s changes."""
    import numpy as np
    s = np.asarray(s)
    s /= s.sum()
    return np.diag(s) - np.outer(s, s)


def wrong_reshape_of_a_list(s):
    """s.reshape(-1, 1) without np.asarray: a list has no reshape."""
    import numpy as np
    col = s.reshape(-1, 1)
    return np.diagflat(col) - col @ col.T


def wrong_returns_nested_lists(s):
    """Builds J as a list of lists, never turned into an array."""
    s = [float(v) for v in s]
    return [[s[i] * ((i == j) - s[j]) for j in range(len(s))] for i in range(len(s))]
