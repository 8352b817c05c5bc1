"""Variants of Q3, dropout_backward."""


def correct_multiply(dout, mask):
    """dout * mask in dout's dtype."""
    import numpy as np
    dout = np.asarray(dout)
    if mask is None:
        return dout
    return (dout * mask).astype(dout.dtype)


def correct_where(dout, mask):
    """np.where on the dropped units, returning a copy in evaluation."""
    import numpy as np
    dout = np.array(dout)
    if mask is None:
        return dout.copy()
    return np.where(mask == 0, 0, dout * mask).astype(dout.dtype)


def wrong_unscaled(dout, mask):
    """Zeroes dropped units but forgets the 1 / (1 - p) scale."""
    import numpy as np
    dout = np.asarray(dout)
    if mask is None:
        return dout
    return (dout * (mask != 0)).astype(dout.dtype)


def wrong_divides(dout, mask):
    """Divides by the mask's scale instead of multiplying."""
    import numpy as np
    dout = np.asarray(dout)
    if mask is None:
        return dout
    scale = mask.max() if mask.max() > 0 else 1.0
    return (dout * (mask != 0) / scale).astype(dout.dtype)


def wrong_none_gives_zeros(dout, mask):
    """Returns zeros when the mask is None."""
    import numpy as np
    dout = np.asarray(dout)
    if mask is None:
        return np.zeros_like(dout)
    return (dout * mask).astype(dout.dtype)


def wrong_float64(dout, mask):
    """Float32 dout gives float64 dx."""
    import numpy as np
    dout = np.asarray(dout)
    if mask is None:
        return dout
    return dout * mask


def wrong_computes_in_float64(dout, mask):
    """np.asarray(dout, dtype=float): float32 gradients come back float64."""
    import numpy as np
    dout = np.asarray(dout, dtype=float)
    return dout if mask is None else dout * mask


def wrong_in_place(dout, mask):
    """dout *= mask: the caller's upstream gradient is overwritten."""
    import numpy as np
    dout = np.asarray(dout)
    if mask is not None:
        dout *= mask
    return dout


def wrong_array_methods_on_lists(dout, mask):
    """Calls .astype on dout as given: a Python list raises AttributeError."""
    import numpy as np
    if mask is None:
        return dout
    return (dout * np.asarray(mask)).astype(dout.dtype)
