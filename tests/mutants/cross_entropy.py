"""Variants of Q6, cross_entropy."""


def correct_log_sum_exp(z, y):
    """Log-softmax via log-sum-exp, fancy indexing."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].mean())


def correct_torch(z, y):
    """torch.nn.functional.cross_entropy."""
    import numpy as np
    import torch
    loss = torch.nn.functional.cross_entropy(torch.as_tensor(np.asarray(z, dtype=np.float64)),
                                             torch.as_tensor(np.asarray(y), dtype=torch.long))
    return loss.item()


def wrong_log_of_softmax(z, y):
    """log(softmax(z)): gives inf for confident mistakes."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        return float(-np.log(p[np.arange(len(y)), y]).mean())


def wrong_sum_not_mean(z, y):
    """Sums over the batch."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].sum())


def wrong_sign(z, y):
    """Forgets the minus sign."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return float(log_p[np.arange(len(y)), y].mean())


def wrong_mean_over_all_entries(z, y):
    """Averages the one-hot-weighted log-probabilities over N * C entries."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    onehot = np.eye(z.shape[1])[y]
    return float(-(onehot * log_p).mean())


def wrong_indexes_columns_only(z, y):
    """log_p[:, y]: an N x N block instead of one entry per row."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return float(-log_p[:, y].mean())


def wrong_global_max(z, y):
    """Log-sum-exp with one max over the whole batch: low rows give log(0) = -inf."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    m = z.max()
    with np.errstate(divide="ignore"):
        lse = m + np.log(np.exp(z - m).sum(axis=1))
    return float((lse - z[np.arange(len(y)), y]).mean())


def correct_logsumexp_np_where(z, y):
    """Row-wise log-sum-exp, the label logit picked with a boolean one-hot mask."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    m = np.max(z, axis=1)
    lse = m + np.log(np.sum(np.exp(z - m[:, None]), axis=1))
    picked = np.sum(np.where(np.arange(z.shape[1]) == y[:, None], z, 0.0), axis=1)
    return float(np.mean(lse - picked))


def wrong_in_place(z, y):
    """Subtracts the row max from the caller's z."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    z -= z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=1))
    return float((lse - z[np.arange(len(y)), y]).mean())


def wrong_array_methods_on_lists(z, y):
    """z.max() and fancy indexing without np.asarray: lists fail."""
    import numpy as np
    m = z.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    return float((lse - z[np.arange(len(y)), y]).mean())


def wrong_per_sample_losses(z, y):
    """Returns the vector of the N per-sample losses instead of their mean."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(y)), y]


def wrong_zero_d_array(z, y):
    """Returns the mean as a 0-d numpy array (np.asarray of it) instead of a number."""
    import numpy as np
    z, y = np.asarray(z), np.asarray(y)
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return np.asarray(-log_p[np.arange(len(y)), y].mean())


def wrong_subtracts_the_mean(z, y):
    """log-sum-exp shifted by each row's mean: overflows (inf) for rows spanning ~1400."""
    import numpy as np
    z, y = np.asarray(z, dtype=float), np.asarray(y)
    c = z.mean(axis=1, keepdims=True)
    with np.errstate(over="ignore"):
        log_p = z - c - np.log(np.exp(z - c).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].mean())
