"""Shared helpers for the tests that check the reference solutions against PyTorch."""
import math

import numpy as np
import torch
import torch.nn as nn
from hypothesis import settings, strategies as st

# Property tests: modest example counts, no per-example deadline (torch warm-up is slow).
PROPERTY = settings(max_examples=25, deadline=None)
# Property tests that build and step a torch model per example.
PROPERTY_MODEL = settings(max_examples=10, deadline=None)
# Statistical tests: derandomized so that a run is reproducible; thresholds below keep the
# false-alarm rate of one example near 1e-6.
STATISTICAL = settings(max_examples=12, deadline=None, derandomize=True)

FLOAT_DTYPES = st.sampled_from([np.float32, np.float64])
SEEDS = st.integers(0, 2**32 - 1)


def tol(dtype):
    """assert_allclose tolerances for a comparison with torch computed in ``dtype``."""
    if np.dtype(dtype) == np.float32:
        return dict(rtol=2e-5, atol=2e-6)
    return dict(rtol=1e-10, atol=1e-12)


def tensor(a, requires_grad=False):
    """A torch copy of ``a`` with the same dtype."""
    return torch.tensor(np.array(a), requires_grad=requires_grad)


def assert_matches(ours, theirs, dtype=None, scale=1.0):
    """Our numpy result equals a torch tensor (or array) within the tolerance of ``dtype``;
    ``scale`` is the size of the intermediate values, which rounding errors are relative to."""
    if isinstance(theirs, torch.Tensor):
        theirs = theirs.detach().numpy()
    t = tol(np.asarray(ours).dtype if dtype is None else dtype)
    np.testing.assert_allclose(ours, theirs, rtol=t["rtol"], atol=t["atol"] * scale)


def readonly(*arrays):
    """Copies of ``arrays`` that numpy refuses to write to: a stub writing in place fails."""
    out = []
    for a in arrays:
        a = np.array(a)
        a.setflags(write=False)
        out.append(a)
    return out if len(out) > 1 else out[0]


def ks_distance(a, b):
    """Two-sample Kolmogorov-Smirnov distance sup_x |F_a(x) - F_b(x)|."""
    a, b = np.sort(np.ravel(a)), np.sort(np.ravel(b))
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / a.size
    fb = np.searchsorted(b, grid, side="right") / b.size
    return float(np.abs(fa - fb).max())


def ks_distance_to_cdf(samples, cdf):
    """One-sample KS distance between ``samples`` and a continuous ``cdf`` (vectorized)."""
    x = np.sort(np.ravel(samples))
    f = np.asarray(cdf(x), dtype=np.float64)
    n = x.size
    return float(max((np.arange(1, n + 1) / n - f).max(), (f - np.arange(n) / n).max()))


def ks_critical(n, m=None, alpha=1e-6):
    """KS distance above which equal distributions are rejected at level ``alpha``
    (asymptotic c(alpha) * sqrt((n + m) / (n m)); one-sample when ``m`` is None)."""
    c = math.sqrt(-math.log(alpha / 2) / 2)
    return c * math.sqrt(1 / n if m is None else (n + m) / (n * m))


def mlp(layer_sizes, dtype=torch.float32):
    """nn.Sequential of Linear + ReLU for every hidden layer, a final Linear (logits)."""
    layers = []
    for i, (a, b) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        layers.append(nn.Linear(a, b, dtype=dtype))
        if i < len(layer_sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def saved_tensors_during(fn):
    """``(fn(), tensors autograd saved for backward while fn ran)``."""
    saved = []

    def pack(t):
        saved.append(t)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        result = fn()
    return result, saved


def storage_bytes(tensors):
    """Bytes of the distinct storages behind ``tensors`` (views and repeats counted once)."""
    storages = {t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in tensors}
    return sum(storages.values())


def shares_storage(t, others):
    """Whether ``t`` lives in the storage of one of ``others`` (e.g. a transposed weight)."""
    return t.untyped_storage().data_ptr() in {o.untyped_storage().data_ptr() for o in others}


def torch_trajectory(make_optimizer, w0, grads):
    """Run a torch optimizer on one parameter initialised to ``w0`` with the given gradient
    sequence; after each step record the parameter and the tensor state (as numpy)."""
    param = torch.tensor(np.array(w0), requires_grad=True)
    opt = make_optimizer([param])
    trajectory = []
    for g in grads:
        param.grad = torch.tensor(np.array(g))
        opt.step()
        snapshot = {k: v.numpy().copy() for k, v in opt.state[param].items()
                    if isinstance(v, torch.Tensor)}
        trajectory.append({"param": param.detach().numpy().copy(), **snapshot})
    return trajectory
