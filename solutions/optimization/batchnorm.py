"""Q4: batch normalization for fully connected layers, forward and backward."""
import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True,
                      momentum=0.1, eps=1e-5):
    """Batch-normalize ``x`` of shape (N, D) feature-wise.

    Training (as torch.nn.functional.batch_norm):
        mu = mean(x, 0), var = mean((x - mu)**2, 0)                  (biased)
        x_hat = (x - mu) / sqrt(var + eps),  out = gamma * x_hat + beta
        new_running_mean = (1 - momentum) * running_mean + momentum * mu
        new_running_var  = (1 - momentum) * running_var + momentum * var * N / (N - 1)
    Evaluation: x_hat uses running_mean / running_var, which are returned unchanged.

    Inputs: gamma, beta, running_mean, running_var of shape (D,).
    Returns (out (N, D), cache, new_running_mean (D,), new_running_var (D,)); out has the
    float dtype of x and the new running stats that of the running stats (float64 for
    integers), also when momentum or eps is a numpy scalar.
    Raises ValueError for N == 1 in training.
    """
    x = np.asarray(x)
    gamma, beta = np.asarray(gamma), np.asarray(beta)
    running_mean, running_var = np.asarray(running_mean), np.asarray(running_var)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    if not training:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = (gamma * x_hat + beta).astype(dtype, copy=False)
        return out, None, running_mean, running_var
    n = x.shape[0]
    if n < 2:
        raise ValueError("batch norm in training needs more than 1 sample per batch")
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    out = (gamma * x_hat + beta).astype(dtype, copy=False)
    stats_dtype = np.result_type(running_mean, running_var)
    stats_dtype = stats_dtype if np.issubdtype(stats_dtype, np.floating) else np.float64
    new_mean = ((1 - momentum) * running_mean + momentum * mu).astype(stats_dtype, copy=False)
    new_var = ((1 - momentum) * running_var + momentum * var * n / (n - 1)).astype(
        stats_dtype, copy=False)
    cache = (x_hat, gamma, inv_std)
    return out, cache, new_mean, new_var


def batchnorm_backward(dout, cache):
    """Exact gradients of the training-mode forward (mu and var are functions of x).

    Inputs: dout (N, D), upstream gradient; cache from batchnorm_forward(training=True).
    Returns (dx (N, D), dgamma (D,), dbeta (D,)), all in the float dtype of dout.
    """
    dout = np.asarray(dout)
    dtype = dout.dtype if np.issubdtype(dout.dtype, np.floating) else np.float64
    x_hat, gamma, inv_std = cache
    n = dout.shape[0]
    # With g = dout * gamma (the gradient w.r.t. x_hat), backpropagating through
    # x_hat = (x - mu) * inv_std with mu and var depending on x gives
    #   dx = inv_std / N * (N g - sum(g) - x_hat * sum(g * x_hat))
    g = dout * gamma
    dx = inv_std / n * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    return (dx.astype(dtype, copy=False), dgamma.astype(dtype, copy=False),
            dbeta.astype(dtype, copy=False))
