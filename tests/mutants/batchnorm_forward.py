"""Variants of Q4, batchnorm_forward. The cache must be (x_hat, gamma, inv_std)."""


def correct_vectorized(x, gamma, beta, running_mean, running_var, training=True,
                       momentum=0.1, eps=1e-5):
    """Reference style; results cast to the dtypes SPEC names."""
    import numpy as np
    x, gamma, beta = np.asarray(x), np.asarray(gamma), np.asarray(beta)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    out_dtype = x.dtype if x.dtype.kind == "f" else np.float64
    stats_dtype = running_mean.dtype if running_mean.dtype.kind == "f" else np.float64
    if not training:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return out.astype(out_dtype), None, running_mean, running_var
    n = x.shape[0]
    if n == 1:
        raise ValueError("need more than one sample")
    mu, var = x.mean(0), x.var(0)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * x.var(0, ddof=1)
    return ((gamma * x_hat + beta).astype(out_dtype), (x_hat, gamma, inv_std),
            new_mean.astype(stats_dtype), new_var.astype(stats_dtype))


def correct_float64_steps(x, gamma, beta, running_mean, running_var, training=True,
                          momentum=0.1, eps=1e-5):
    """Step by step in float64, cast at the end."""
    import numpy as np
    x_in = np.asarray(x)
    x = x_in.astype(np.float64)
    gamma, beta = np.asarray(gamma, float), np.asarray(beta, float)
    if training:
        n = len(x)
        if n < 2:
            raise ValueError("batch of one")
        mu = np.sum(x, axis=0) / n
        centered = x - mu
        var = np.sum(centered**2, axis=0) / n
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = centered * inv_std
        mean_out = momentum * mu + (1 - momentum) * np.asarray(running_mean)
        var_out = momentum * var * n / (n - 1) + (1 - momentum) * np.asarray(running_var)
        cache = (x_hat, gamma, inv_std)
    else:
        x_hat = (x - running_mean) / np.sqrt(np.asarray(running_var) + eps)
        mean_out, var_out, cache = running_mean, running_var, None
    state_dtype = np.result_type(np.asarray(running_mean).dtype, np.float16)
    out_dtype = np.result_type(x_in.dtype, np.float16)   # float64 for integers
    return (gamma * x_hat + beta).astype(out_dtype), cache, \
        np.asarray(mean_out, state_dtype), np.asarray(var_out, state_dtype)


def wrong_unbiased_normalization(x, gamma, beta, running_mean, running_var, training=True,
                                 momentum=0.1, eps=1e-5):
    """Normalizes with the unbiased variance (ddof=1)."""
    import numpy as np
    x, gamma, beta = np.asarray(x), np.asarray(gamma), np.asarray(beta)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    out_dtype = np.result_type(x.dtype, np.float16)
    stats_dtype = np.result_type(running_mean.dtype, np.float16)
    x = np.asarray(x)
    if not training:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return (np.asarray(out).astype(out_dtype), None,
                np.asarray(running_mean).astype(stats_dtype),
                np.asarray(running_var).astype(stats_dtype))
    if x.shape[0] == 1:
        raise ValueError("need more than one sample")
    mu, var = x.mean(0), x.var(0, ddof=1)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * var
    return (np.asarray((gamma * x_hat + beta)).astype(out_dtype), (x_hat, gamma, inv_std),
            np.asarray(new_mean).astype(stats_dtype), np.asarray(new_var).astype(stats_dtype))


def wrong_biased_running_var(x, gamma, beta, running_mean, running_var, training=True,
                             momentum=0.1, eps=1e-5):
    """Updates running_var with the biased batch variance."""
    import numpy as np
    x, gamma, beta = np.asarray(x), np.asarray(gamma), np.asarray(beta)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    out_dtype = np.result_type(x.dtype, np.float16)
    stats_dtype = np.result_type(running_mean.dtype, np.float16)
    x = np.asarray(x)
    if not training:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return (np.asarray(out).astype(out_dtype), None,
                np.asarray(running_mean).astype(stats_dtype),
                np.asarray(running_var).astype(stats_dtype))
    if x.shape[0] == 1:
        raise ValueError("need more than one sample")
    mu, var = x.mean(0), x.var(0)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * var
    return (np.asarray((gamma * x_hat + beta)).astype(out_dtype), (x_hat, gamma, inv_std),
            np.asarray(new_mean).astype(stats_dtype), np.asarray(new_var).astype(stats_dtype))


def wrong_momentum_swapped(x, gamma, beta, running_mean, running_var, training=True,
                           momentum=0.1, eps=1e-5):
    """new = momentum * running + (1 - momentum) * batch (Keras-style momentum)."""
    import numpy as np
    x, gamma, beta = np.asarray(x), np.asarray(gamma), np.asarray(beta)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    out_dtype = np.result_type(x.dtype, np.float16)
    stats_dtype = np.result_type(running_mean.dtype, np.float16)
    x = np.asarray(x)
    if not training:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return (np.asarray(out).astype(out_dtype), None,
                np.asarray(running_mean).astype(stats_dtype),
                np.asarray(running_var).astype(stats_dtype))
    if x.shape[0] == 1:
        raise ValueError("need more than one sample")
    mu, var = x.mean(0), x.var(0)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    new_mean = momentum * running_mean + (1 - momentum) * mu
    new_var = momentum * running_var + (1 - momentum) * x.var(0, ddof=1)
    return (np.asarray((gamma * x_hat + beta)).astype(out_dtype), (x_hat, gamma, inv_std),
            np.asarray(new_mean).astype(stats_dtype), np.asarray(new_var).astype(stats_dtype))


def wrong_eps_outside_sqrt(x, gamma, beta, running_mean, running_var, training=True,
                           momentum=0.1, eps=1e-5):
    """Divides by sqrt(var) + eps."""
    import numpy as np
    x, gamma, beta = np.asarray(x), np.asarray(gamma), np.asarray(beta)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    out_dtype = np.result_type(x.dtype, np.float16)
    stats_dtype = np.result_type(running_mean.dtype, np.float16)
    x = np.asarray(x)
    if not training:
        out = gamma * (x - running_mean) / (np.sqrt(running_var) + eps) + beta
        return (np.asarray(out).astype(out_dtype), None,
                np.asarray(running_mean).astype(stats_dtype),
                np.asarray(running_var).astype(stats_dtype))
    if x.shape[0] == 1:
        raise ValueError("need more than one sample")
    mu, var = x.mean(0), x.var(0)
    inv_std = 1 / (np.sqrt(var) + eps)
    x_hat = (x - mu) * inv_std
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * x.var(0, ddof=1)
    return (np.asarray((gamma * x_hat + beta)).astype(out_dtype), (x_hat, gamma, inv_std),
            np.asarray(new_mean).astype(stats_dtype), np.asarray(new_var).astype(stats_dtype))


def wrong_eval_uses_batch_stats(x, gamma, beta, running_mean, running_var, training=True,
                                momentum=0.1, eps=1e-5):
    """Normalizes with the batch statistics in evaluation too."""
    import numpy as np
    x, gamma, beta = np.asarray(x), np.asarray(gamma), np.asarray(beta)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    out_dtype = np.result_type(x.dtype, np.float16)
    stats_dtype = np.result_type(running_mean.dtype, np.float16)
    x = np.asarray(x)
    mu, var = x.mean(0), x.var(0)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    out = (gamma * x_hat + beta).astype(out_dtype)
    if not training:
        return (np.asarray(out).astype(out_dtype), None,
                np.asarray(running_mean).astype(stats_dtype),
                np.asarray(running_var).astype(stats_dtype))
    if x.shape[0] == 1:
        raise ValueError("need more than one sample")
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * x.var(0, ddof=1)
    return (np.asarray(out).astype(out_dtype), (x_hat, gamma, inv_std),
            np.asarray(new_mean).astype(stats_dtype), np.asarray(new_var).astype(stats_dtype))


def wrong_updates_running_in_place(x, gamma, beta, running_mean, running_var, training=True,
                                   momentum=0.1, eps=1e-5):
    """running_mean *= ...: modifies the caller's arrays."""
    import numpy as np
    x, gamma, beta = np.asarray(x), np.asarray(gamma), np.asarray(beta)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    out_dtype = np.result_type(x.dtype, np.float16)
    stats_dtype = np.result_type(running_mean.dtype, np.float16)
    x = np.asarray(x)
    if not training:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return (np.asarray(out).astype(out_dtype), None,
                np.asarray(running_mean).astype(stats_dtype),
                np.asarray(running_var).astype(stats_dtype))
    if x.shape[0] == 1:
        raise ValueError("need more than one sample")
    mu, var = x.mean(0), x.var(0)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    running_mean *= 1 - momentum
    running_mean += momentum * mu
    running_var *= 1 - momentum
    running_var += momentum * x.var(0, ddof=1)
    return (np.asarray((gamma * x_hat + beta)).astype(out_dtype), (x_hat, gamma, inv_std),
            np.asarray(running_mean).astype(stats_dtype),
            np.asarray(running_var).astype(stats_dtype))


def wrong_rejects_one_sample_in_evaluation(x, gamma, beta, running_mean, running_var,
                                           training=True, momentum=0.1, eps=1e-5):
    """Checks N == 1 before looking at `training`: a single sample fails in evaluation too."""
    import numpy as np
    x, gamma, beta = np.asarray(x), np.asarray(gamma), np.asarray(beta)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    out_dtype = np.result_type(x.dtype, np.float16)
    stats_dtype = np.result_type(running_mean.dtype, np.float16)
    x = np.asarray(x)
    if x.shape[0] == 1:
        raise ValueError("need more than one sample")
    if not training:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return (np.asarray(out).astype(out_dtype), None,
                np.asarray(running_mean).astype(stats_dtype),
                np.asarray(running_var).astype(stats_dtype))
    mu, var = x.mean(0), x.var(0)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * x.var(0, ddof=1)
    return (np.asarray((gamma * x_hat + beta)).astype(out_dtype), (x_hat, gamma, inv_std),
            np.asarray(new_mean).astype(stats_dtype), np.asarray(new_var).astype(stats_dtype))


def wrong_float64_result(x, gamma, beta, running_mean, running_var, training=True,
                         momentum=0.1, eps=1e-5):
    """Computes in float64 and never casts back."""
    import numpy as np
    x = np.asarray(x, dtype=np.float64)
    if not training:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return out, None, running_mean, running_var
    if x.shape[0] == 1:
        raise ValueError("need more than one sample")
    mu, var = x.mean(0), x.var(0)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * x.var(0, ddof=1)
    return gamma * x_hat + beta, (x_hat, gamma, inv_std), new_mean, new_var


def wrong_integer_x_stays_integer(x, gamma, beta, running_mean, running_var, training=True,
                                  momentum=0.1, eps=1e-5):
    """Casts out to x's dtype whatever it is: integer x gives truncated integer outputs."""
    import numpy as np
    x = np.asarray(x)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    if not training:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return out.astype(x.dtype), None, running_mean, running_var
    if len(x) < 2:
        raise ValueError("need more than one sample")
    mu, var = x.mean(0), x.var(0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    new_mean = ((1 - momentum) * running_mean + momentum * mu).astype(running_mean.dtype)
    new_var = ((1 - momentum) * running_var + momentum * x.var(0, ddof=1)).astype(running_var.dtype)
    return (gamma * x_hat + beta).astype(x.dtype), (x_hat, gamma, 1 / np.sqrt(var + eps)), \
        new_mean, new_var


def wrong_numpy_momentum_promotes_statistics(x, gamma, beta, running_mean, running_var,
                                             training=True, momentum=0.1, eps=1e-5):
    """Updates the running statistics without casting: a numpy float64 momentum turns float32
    statistics into float64."""
    import numpy as np
    x = np.asarray(x)
    out_dtype = x.dtype if x.dtype.kind == "f" else np.float64
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    if not training:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return out.astype(out_dtype), None, running_mean, running_var
    if len(x) < 2:
        raise ValueError("need more than one sample")
    mu, var = x.mean(0), x.var(0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * x.var(0, ddof=1)
    return (gamma * x_hat + beta).astype(out_dtype), (x_hat, gamma, 1 / np.sqrt(var + eps)), \
        new_mean, new_var


def wrong_forgets_eps(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1,
                      eps=1e-5):
    """Divides by the batch standard deviation without eps: a constant feature gives 0 / 0."""
    import numpy as np
    x, gamma, beta = np.asarray(x), np.asarray(gamma), np.asarray(beta)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    out_dtype = np.result_type(x.dtype, np.float16)
    stats_dtype = np.result_type(running_mean.dtype, np.float16)
    x = np.asarray(x)
    out_dtype = x.dtype if x.dtype.kind == "f" else np.float64
    if not training:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return (np.asarray(out.astype(out_dtype)).astype(out_dtype), None,
                np.asarray(running_mean).astype(stats_dtype),
                np.asarray(running_var).astype(stats_dtype))
    if len(x) < 2:
        raise ValueError("need more than one sample")
    mu, var = x.mean(0), x.var(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_hat = (x - mu) / np.sqrt(var)
    new_mean = (1 - momentum) * running_mean + momentum * mu
    new_var = (1 - momentum) * running_var + momentum * x.var(0, ddof=1)
    return (np.asarray((gamma * x_hat + beta).astype(out_dtype)).astype(out_dtype),
            (x_hat, gamma, 1 / np.sqrt(var + eps)), np.asarray(new_mean).astype(stats_dtype),
            np.asarray(new_var).astype(stats_dtype))
