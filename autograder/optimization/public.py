"""Public checks of the ``optimization`` assignment.

Students get this file next to their notebook (as ``optimization_public.py``); their
``grader.check("qN")`` runs these checks. Each check takes the student's functions by
name, returns None when they pass and raises AssertionError saying what is wrong.
Self-contained on purpose: numpy and the standard library only.
"""
import inspect

import numpy as np


# ----------------------------------------------------------------------------- helpers
def as_numpy(value):
    """numpy view of an array, array-like or torch tensor (detached, on the CPU)."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def tolerance(dtype):
    """(rtol, atol) for comparing results computed in ``dtype``."""
    if np.dtype(dtype) in (np.float16, np.float32):
        return 1e-4, 1e-5
    return 1e-6, 1e-9


SIGNATURES = {
    "minibatches": ("X", "y", "batch_size", "shuffle", "rng"),
    "init_layer": ("n_in", "n_out", "scheme", "rng"),
    "dropout_mask": ("shape", "p", "rng"),
    "dropout_forward": ("x", "p", "training", "rng"),
    "dropout_backward": ("dout", "mask"),
    "batchnorm_forward": ("x", "gamma", "beta", "running_mean", "running_var", "training",
                          "momentum", "eps"),
    "batchnorm_backward": ("dout", "cache"),
    "momentum_step": ("w", "dw", "v", "lr", "beta"),
    "rmsprop_step": ("w", "dw", "s", "lr", "beta", "eps"),
    "adam_step": ("w", "dw", "m", "v", "t", "lr", "beta1", "beta2", "eps"),
    "ema": ("values", "beta", "bias_correction"),
    "softmax": ("z",),
    "softmax_jacobian": ("s",),
    "cross_entropy": ("z", "y"),
    "cross_entropy_grad": ("z", "y"),
    "training_memory": ("layer_sizes", "batch_size", "optimizer", "bytes_per_value",
                        "per_example_grads"),
    "sample_log_uniform": ("low", "high", "size", "rng"),
    "sample_beta": ("low", "high", "size", "rng"),
    "lr_decay": ("lr0", "epoch", "decay_rate"),
}
"""The specified parameter names of every stub, to name the arguments of a call in messages."""


def summary(value):
    """Short description of an argument that never shows its values ("shape (5,) float32")."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"shape {tuple(value.shape)} {str(value.dtype).replace('torch.', '')}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    return type(value).__name__


def describe_call(fn, args=(), kwargs=None):
    """``name(x, p=0.3, training=True) with x of shape (4, 3) float32``: arrays and other
    objects by parameter name (their shapes after "with"), scalars by value."""
    name = getattr(fn, "__name__", "the function")
    params = SIGNATURES.get(name, ())
    named = [(params[i] if i < len(params) else f"argument {i + 1}", v) for i, v in enumerate(args)]
    named += list((kwargs or {}).items())
    shown, shapes = [], []
    for i, (param, value) in enumerate(named):
        scalar = isinstance(value, (bool, int, float, str, type(None), np.number))
        positional = i < len(args)
        if scalar:
            shown.append(f"{param}={value!r}")
        elif isinstance(value, np.random.Generator):
            shown.append(f"{param}=rng")
        else:
            shown.append(param if positional else f"{param}={param}")
            shapes.append(f"{param} of {summary(value)}")
    text = f"{name}({', '.join(shown)})"
    return f"{text} with {', '.join(shapes)}" if shapes else text


def fresh(value):
    """A copy of an array, tensor or list argument, so that no call sees another's changes."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if hasattr(value, "clone"):
        return value.clone()
    if isinstance(value, list):
        return [fresh(v) for v in value]
    return value


def invoke(fn, args=(), kwargs=None, copy=True):
    """``fn(*args, **kwargs)``, on fresh copies of the arguments unless ``copy`` is False
    (a generator is run to the end, into a list); an exception raised by student code
    becomes an AssertionError that names the call."""
    kwargs = kwargs or {}
    if copy:
        args, kwargs = [fresh(a) for a in args], {k: fresh(v) for k, v in kwargs.items()}
    try:
        result = fn(*args, **kwargs)
        return list(result) if inspect.isgenerator(result) else result
    except Exception as e:
        raise AssertionError(
            f"{type(e).__name__}: {e} (raised by {describe_call(fn, args, kwargs)})") from None


def call(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` on fresh copies of the arguments, exceptions named by the call."""
    return invoke(fn, args, kwargs)


def _where(index, shape):
    return f" at index {tuple(int(i) for i in np.unravel_index(index, shape))}" if shape else ""


def assert_close(got, expected, what):
    """Assert ``got`` has the shape of ``expected`` and matches it to float tolerance;
    the message gives the largest difference and where it is (never the values)."""
    got, expected = as_numpy(got), as_numpy(expected)
    assert got.shape == expected.shape, (
        f"{what}: expected shape {expected.shape}, got {got.shape}")
    if not np.issubdtype(got.dtype, np.number) and got.dtype != bool:
        raise AssertionError(f"{what}: expected numbers, got an array of {got.dtype}")
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if bad.any():
        kinds = " and ".join(k for k, m in (("nan", np.isnan(got)), ("inf", np.isinf(got))) if m.any())
        raise AssertionError(f"{what}: {kinds} in {int(bad.sum())} of {got.size} entries "
                             f"(first{_where(np.flatnonzero(bad)[0], got.shape)}), expected finite values")
    dtype = got.dtype if np.issubdtype(got.dtype, np.floating) else np.float64
    rtol, atol = tolerance(dtype)
    if not np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True):
        diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))
        diff = np.where(np.isnan(diff), np.inf, diff)
        worst = int(np.argmax(diff))
        wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
        raise AssertionError(f"{what}: wrong values in {int(wrong.sum())} of {got.size} entries "
                             f"(largest difference {diff.flat[worst]:.3g}{_where(worst, got.shape)})")


def assert_raises(error, what, fn, *args, **kwargs):
    """Assert that ``fn(*args, **kwargs)`` raises ``error`` (a generator is advanced once)."""
    try:
        result = fn(*args, **kwargs)
        if inspect.isgenerator(result):
            next(result)
    except error:
        return
    except Exception as e:
        raise AssertionError(f"{what}: expected {error.__name__}, got {type(e).__name__}: {e}")
    raise AssertionError(f"{what}: expected {error.__name__}, nothing was raised")


def all_of(*checks):
    """Run every zero-argument check; raise one AssertionError listing each that failed
    (a case that checks several properties reports all of its failures)."""
    failures = []
    for check in checks:
        try:
            check()
        except AssertionError as e:
            failures.append(str(e))
    assert not failures, "\n".join(failures)


# ----------------------------------------------------------------------------- checks
def minibatches_cover_the_data(minibatches):
    """Q1: a generator; 10 samples in batches of 4 give sizes 4, 4, 2 in order."""
    assert inspect.isgeneratorfunction(minibatches), (
        "minibatches must be a generator function: use `yield`, not `return`")
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    batches = call(minibatches, X, y, 4, shuffle=False)
    what = "minibatches(X, y, 4, shuffle=False) with 10 samples"
    sizes = [len(xb) for xb, _ in batches]
    assert sizes == [4, 4, 2], f"{what}: batch sizes should be [4, 4, 2], got {sizes}"
    all_of(lambda: assert_close(np.concatenate([xb for xb, _ in batches]), X, f"{what}: X batches"),
           lambda: assert_close(np.concatenate([yb for _, yb in batches]), y, f"{what}: y batches"))


def init_layer_shapes(init_layer):
    """Q2: W has shape (n_in, n_out), b = zeros(n_out); "zeros" gives zeros."""
    def scheme_ok(scheme):
        W, b = (as_numpy(a) for a in call(init_layer, 3, 5, scheme))
        what = f"init_layer(3, 5, {scheme!r})"
        assert W.shape == (3, 5), f"{what}: W should have shape (3, 5), got {W.shape}"
        assert b.shape == (5,), f"{what}: b should have shape (5,), got {b.shape}"
        assert W.dtype == np.float64, f"{what}: W should be float64, got {W.dtype}"
        assert np.all(b == 0), f"{what}: b should be all zeros"
        if scheme == "zeros":
            assert np.all(W == 0), f"{what}: W should be all zeros"
    all_of(*(lambda scheme=scheme: scheme_ok(scheme) for scheme in ("zeros", "normal", "he", "glorot")))


def dropout_basics(dropout_mask, dropout_forward, dropout_backward):
    """Q3: mask values are 0 or 1/(1-p); evaluation is the identity."""
    def mask_values():
        mask = as_numpy(call(dropout_mask, (20, 30), 0.5))
        assert mask.shape == (20, 30), f"dropout_mask((20, 30), p=0.5): shape should be (20, 30), got {mask.shape}"
        values = set(np.unique(mask).tolist())
        assert values <= {0.0, 2.0}, (
            f"dropout_mask((20, 30), p=0.5): the mask holds only 0 and 1 / (1 - p) = 2, got {sorted(values)[:5]}")
        assert_close(call(dropout_mask, (4,), 0.0), np.ones(4), "dropout_mask((4,), p=0.0)")

    def evaluation():
        x = np.arange(6.0).reshape(2, 3)
        out, mask = call(dropout_forward, x, 0.5, training=False)
        assert mask is None, "dropout_forward(x, p=0.5, training=False): the mask should be None"
        assert_close(out, x, "dropout_forward(x, p=0.5, training=False): out should equal x")

    def backward():
        x = np.arange(6.0).reshape(2, 3)
        assert_close(call(dropout_backward, x, None), x, "dropout_backward(dout, None): dx should equal dout")
        mask = np.array([[2.0, 0.0, 2.0], [0.0, 2.0, 0.0]])
        assert_close(call(dropout_backward, x, mask), x * mask,
                     "dropout_backward(dout, mask) with mask = [[2, 0, 2], [0, 2, 0]]: "
                     "dx should be dout * mask")
    all_of(mask_values, evaluation, backward)


def batchnorm_normalizes(batchnorm_forward):
    """Q4: with gamma=1, beta=0 each feature of the output has mean 0 and variance 1."""
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(8, 3))
    what = "batchnorm_forward(x, gamma=1, beta=0, running_mean=0, running_var=1) with x of shape (8, 3)"
    out, _, mean, var = call(batchnorm_forward, x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3))
    out = as_numpy(out)
    assert out.shape == (8, 3), f"{what}: out should have shape (8, 3), got {out.shape}"

    def variance():
        assert np.allclose(out.var(axis=0), 1.0, atol=1e-3), (
            f"{what}: per-feature variance of out should be ~1, got {out.var(axis=0).round(4)}")

    def shapes():
        assert as_numpy(mean).shape == (3,) and as_numpy(var).shape == (3,), (
            f"{what}: the new running statistics should have shape (3,), got "
            f"{as_numpy(mean).shape} and {as_numpy(var).shape}")
    all_of(lambda: assert_close(out.mean(axis=0), np.zeros(3), f"{what}: per-feature mean of out"),
           variance, shapes)


def optimizer_first_steps(momentum_step, rmsprop_step, adam_step, ema):
    """Q5: first steps from zero state, worked out by hand; every call gets its own arrays,
    so a bug is reported for the function that has it."""
    w, dw, zero = np.array([1.0, 2.0]), np.array([0.5, -1.0]), np.zeros(2)

    def momentum():
        w1, v1 = call(momentum_step, w, dw, zero, lr=0.1, beta=0.9)
        what = "momentum_step(w, dw, v=0, lr=0.1, beta=0.9)"
        all_of(lambda: assert_close(v1, [0.05, -0.1], f"{what}: new v"),
               lambda: assert_close(w1, [0.995, 2.01], f"{what}: new w"))

    def rmsprop():
        w1, s1 = call(rmsprop_step, w, dw, zero, lr=0.1, beta=0.99, eps=0.0)
        what = "rmsprop_step(w, dw, s=0, lr=0.1, beta=0.99, eps=0.0)"
        all_of(lambda: assert_close(s1, [0.0025, 0.01], f"{what}: new s"),
               lambda: assert_close(w1, [0.0, 3.0], f"{what}: new w"))

    def adam():
        w1, m1, v1 = call(adam_step, w, dw, zero, zero, t=1, lr=0.1, eps=0.0)
        assert_close(w1, [0.9, 2.1], "adam_step(w, dw, m=0, v=0, t=1, lr=0.1, eps=0.0): "
                                     "the first step moves each weight by lr")

    def average():
        assert_close(call(ema, [1.0, 1.0, 1.0], 0.9), [1.0, 1.0, 1.0],
                     "ema([1.0, 1.0, 1.0], beta=0.9): a constant sequence, bias-corrected")
        assert_close(call(ema, [0.0, 1.0], 0.5), [0.0, 2 / 3],
                     "ema([0.0, 1.0], beta=0.5): v_2 = 0.5 * 0 + 0.5 * 1, divided by 1 - 0.5**2")
        assert_close(call(ema, [0.0, 1.0], 0.5, bias_correction=False), [0.0, 0.5],
                     "ema([0.0, 1.0], beta=0.5, bias_correction=False)")
    all_of(momentum, rmsprop, adam, average)


def softmax_basics(softmax, cross_entropy):
    """Q6: probabilities sum to 1; uniform logits give loss log(C)."""
    def probabilities():
        z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
        s = as_numpy(call(softmax, z))
        assert s.shape == (2, 3), f"softmax(z) with z of shape (2, 3): should keep the shape, got {s.shape}"
        all_of(lambda: assert_close(s.sum(axis=-1), [1.0, 1.0], "softmax(z): rows should sum to 1"),
               lambda: assert_close(s[1], [1 / 3] * 3, "softmax(z): equal logits give 1/3 each"))

    def loss():
        assert_close(call(cross_entropy, np.zeros((4, 5)), np.array([0, 1, 2, 3])), np.log(5.0),
                     "cross_entropy(z, y) with z = zeros((4, 5)): uniform logits give log C")
    all_of(probabilities, loss)


def training_memory_keys(training_memory):
    """Q7: the dict has the six keys; a 2-3 net with SGD and batch 1 worked out by hand."""
    keys = {"parameters", "gradients", "optimizer_state", "activations",
            "per_example_gradients", "total"}
    got = call(training_memory, [2, 3], 1)
    what = "training_memory([2, 3], 1)"
    assert set(got) == keys, f"{what}: keys should be {sorted(keys)}, got {sorted(got)}"
    expected = {"parameters": 36, "gradients": 36, "optimizer_state": 0,
                "activations": 20, "per_example_gradients": 0, "total": 92}
    wrong = {k: got[k] for k in expected if got[k] != expected[k]}
    assert not wrong, f"{what} (sgd, 4 bytes): wrong entries {wrong}, expected {expected}"


def search_ranges(sample_log_uniform, sample_beta, lr_decay):
    """Q8: samples lie in their ranges and have the requested size."""
    def in_range(fn, low, high):
        s = as_numpy(call(fn, low, high, 100))
        what = f"{fn.__name__}({low}, {high}, 100)"
        assert s.shape == (100,), f"{what}: expected 100 samples, got shape {s.shape}"
        assert s.min() >= low and s.max() <= high, (
            f"{what}: samples span [{s.min():.4g}, {s.max():.4g}], outside [low, high]")
    all_of(lambda: in_range(sample_log_uniform, 1e-4, 1e-1),
           lambda: in_range(sample_beta, 0.9, 0.999),
           lambda: assert_close(call(lr_decay, 0.1, 0, 1.0), 0.1, "lr_decay(0.1, epoch=0, decay_rate=1.0)"),
           lambda: assert_close(call(lr_decay, 0.1, 1, 1.0), 0.05, "lr_decay(0.1, epoch=1, decay_rate=1.0)"))


try:  # shipped beside the notebook: grader.check then shows a failed check's message first
    from otter_messages import install as _show_messages_first
except ImportError:  # imported from the autograder package: no notebook to show them in
    pass
else:
    _show_messages_first()
