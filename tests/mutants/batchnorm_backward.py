"""Variants of Q4, batchnorm_backward; cache = (x_hat, gamma, inv_std) of the reference."""


def correct_compact(dout, cache):
    """The compact closed form."""
    import numpy as np
    x_hat, gamma, inv_std = cache
    dout = np.asarray(dout)
    n = dout.shape[0]
    g = dout * gamma
    dx = inv_std / n * (n * g - g.sum(0) - x_hat * (g * x_hat).sum(0))
    return dx.astype(dout.dtype), (dout * x_hat).sum(0), dout.sum(0)


def correct_staged_graph(dout, cache):
    """Staged backprop through the computational graph (CS231n style)."""
    import numpy as np
    x_hat, gamma, inv_std = cache
    dout = np.asarray(dout)
    n = dout.shape[0]
    centered = x_hat / inv_std
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dinv_std = np.sum(dx_hat * centered, axis=0)
    dvar = dinv_std * -0.5 * inv_std**3
    dcentered = dx_hat * inv_std + dvar * 2 * centered / n
    dmu = -np.sum(dcentered, axis=0)
    dx = dcentered + dmu / n
    return dx.astype(dout.dtype), dgamma, dbeta


def wrong_constant_statistics(dout, cache):
    """Treats mu and var as constants: dx = dout * gamma * inv_std."""
    import numpy as np
    x_hat, gamma, inv_std = cache
    dout = np.asarray(dout)
    return dout * gamma * inv_std, (dout * x_hat).sum(0), dout.sum(0)


def wrong_forgets_variance_path(dout, cache):
    """Backprops through the mean but not through the variance."""
    import numpy as np
    x_hat, gamma, inv_std = cache
    dout = np.asarray(dout)
    g = dout * gamma
    dx = inv_std * (g - g.mean(0))
    return dx, (dout * x_hat).sum(0), dout.sum(0)


def wrong_dgamma_without_x_hat(dout, cache):
    """dgamma = sum(dout) (forgets the x_hat factor)."""
    import numpy as np
    x_hat, gamma, inv_std = cache
    dout = np.asarray(dout)
    n = dout.shape[0]
    g = dout * gamma
    dx = inv_std / n * (n * g - g.sum(0) - x_hat * (g * x_hat).sum(0))
    return dx, dout.sum(0), dout.sum(0)


def wrong_means_not_sums(dout, cache):
    """dgamma and dbeta averaged over the batch instead of summed."""
    import numpy as np
    x_hat, gamma, inv_std = cache
    dout = np.asarray(dout)
    n = dout.shape[0]
    g = dout * gamma
    dx = inv_std / n * (n * g - g.sum(0) - x_hat * (g * x_hat).sum(0))
    return dx, (dout * x_hat).mean(0), dout.mean(0)


def wrong_missing_gamma(dout, cache):
    """Forgets to multiply by gamma before normalizing the gradient."""
    import numpy as np
    x_hat, gamma, inv_std = cache
    dout = np.asarray(dout)
    n = dout.shape[0]
    dx = inv_std / n * (n * dout - dout.sum(0) - x_hat * (dout * x_hat).sum(0))
    return dx, (dout * x_hat).sum(0), dout.sum(0)


def wrong_float64_out(dout, cache):
    """Fills dx into np.zeros(shape): float64 for float32 inputs."""
    import numpy as np
    x_hat, gamma, inv_std = cache
    dout = np.asarray(dout)
    n = dout.shape[0]
    g = dout * gamma
    dx = np.zeros(dout.shape)
    dx[:] = inv_std / n * (n * g - g.sum(0) - x_hat * (g * x_hat).sum(0))
    return dx, (dout * x_hat).sum(0), dout.sum(0)


def wrong_scales_dout_in_place(dout, cache):
    """dout *= gamma to get dx_hat: the caller's dout changes."""
    import numpy as np
    x_hat, gamma, inv_std = cache
    dout = np.asarray(dout)
    dbeta, dgamma = dout.sum(0), (dout * x_hat).sum(0)
    n = dout.shape[0]
    dout *= gamma
    dx = inv_std / n * (n * dout - dout.sum(0) - x_hat * (dout * x_hat).sum(0))
    return dx.astype(dout.dtype), dgamma, dbeta


def wrong_array_methods_on_lists(dout, cache):
    """dout.shape and dout.sum without np.asarray: a list dout fails."""
    x_hat, gamma, inv_std = cache
    n = dout.shape[0]
    g = dout * gamma
    dx = inv_std / n * (n * g - g.sum(0) - x_hat * (g * x_hat).sum(0))
    return dx.astype(dout.dtype), (dout * x_hat).sum(0), dout.sum(0)
