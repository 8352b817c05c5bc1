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
    if np.dtype(dtype) == np.float16:
        return 3e-2, 1e-2
    if np.dtype(dtype) == np.float32:
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


def arguments_as(convert, args, kwargs, numbers=lambda value: value):
    """``args`` and ``kwargs`` with ``convert`` applied to every numpy array among them and
    ``numbers`` to every Python int or float (not bool)."""
    def one(value):
        if isinstance(value, np.ndarray):
            return convert(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return numbers(value)
        return value
    return [one(a) for a in args], {k: one(v) for k, v in kwargs.items()}


def numpy_scalar(value):
    """A Python number as the numpy scalar of its kind (np.int64, np.float64)."""
    return np.int64(value) if isinstance(value, int) else np.float64(value)


def conventions_hold(fn, make_args, floats, what):
    """The conventions of every numpy stub on one call, each failure reported:
    ``make_args()`` gives fresh (args, kwargs) (a fresh rng too); ``floats(result)`` names
    the float results that follow the input dtype. Float32 arrays in give float32 results,
    also with the numbers given as numpy scalars (np.float64(0.1) * float32 array is
    float64 in numpy); the arrays given as Python lists give the same values; no argument
    changes in place."""
    def float32(numbers):
        args, kwargs = arguments_as(
            lambda a: a.astype(np.float32) if a.dtype.kind == "f" else a, *make_args(),
            numbers=numbers)
        got = {name: as_numpy(v).dtype for name, v in floats(invoke(fn, args, kwargs)).items()}
        wrong = ", ".join(f"{name} is {dtype}" for name, dtype in got.items() if dtype != np.float32)
        assert not wrong, (f"{describe_call(fn, args, kwargs)} with float32 arrays: the results "
                           f"should be float32 (the dtype follows the input arrays, whatever "
                           f"type the numbers have; cast with .astype), but {wrong}")

    def lists():
        expected = floats(invoke(fn, *make_args()))
        got = floats(invoke(fn, *arguments_as(lambda a: a.tolist(), *make_args())))
        all_of(*(lambda name=name: assert_close(
            got[name], expected[name], f"{what} with the arrays given as Python lists "
            f"(convert them with np.asarray): {name} differs from the array call's")
            for name in expected))

    def unchanged():
        args, kwargs = make_args()
        before = arguments_as(np.copy, args, kwargs)
        invoke(fn, args, kwargs, copy=False)
        changed = [name for name, old, new in zip(SIGNATURES.get(fn.__name__, ()), before[0], args)
                   if isinstance(old, np.ndarray) and not np.array_equal(old, new)]
        changed += [k for k, v in kwargs.items()
                    if isinstance(v, np.ndarray) and not np.array_equal(before[1][k], v)]
        assert not changed, (f"{what} modified {', '.join(changed)} in place: compute new "
                             f"arrays (a = a - b, not a -= b)")
    all_of(lambda: float32(lambda number: number), lambda: float32(numpy_scalar), lists, unchanged)


def rng_rules_hold(fn, args, what, result=lambda r: r):
    """Randomness only from ``rng``: two calls with the same seed give the same result,
    two calls with rng=None (a fresh np.random.default_rng()) different ones."""
    def draw(rng):
        return as_numpy(result(invoke(fn, args, {"rng": rng})))

    def same_seed():
        assert np.array_equal(draw(np.random.default_rng(7)), draw(np.random.default_rng(7))), (
            f"{what}: two calls with rng=np.random.default_rng(7) differ: draw every random "
            f"number from rng")

    def fresh_without_rng():
        assert not np.array_equal(draw(None), draw(None)), (
            f"{what}: two calls with rng=None gave the same result: rng=None means a fresh "
            f"np.random.default_rng(), not a fixed seed")
    all_of(same_seed, fresh_without_rng)


# ----------------------------------------------------------------------------- checks
def minibatches_cover_the_data(minibatches):
    """Q1: a generator; 10 samples in batches of 4 give sizes 4, 4, 2 in order; lists give
    array batches, the data's dtype is kept, X and y stay unchanged, randomness only from rng."""
    assert inspect.isgeneratorfunction(minibatches), (
        "minibatches must be a generator function: use `yield`, not `return`")
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    what = "minibatches(X, y, 4, shuffle=False) with 10 samples"

    def in_order():
        batches = call(minibatches, X, y, 4, shuffle=False)
        sizes = [len(xb) for xb, _ in batches]
        assert sizes == [4, 4, 2], f"{what}: batch sizes should be [4, 4, 2], got {sizes}"
        all_of(lambda: assert_close(np.concatenate([xb for xb, _ in batches]), X, f"{what}: X batches"),
               lambda: assert_close(np.concatenate([yb for _, yb in batches]), y, f"{what}: y batches"))

    def lists():
        batches = call(minibatches, X.tolist(), y.tolist(), 4, shuffle=False)
        types = sorted({type(b).__name__ for pair in batches for b in pair})
        assert types == ["ndarray"], (
            f"{what} with X and y given as Python lists: the batches should be numpy arrays "
            f"(convert with np.asarray), got {', '.join(types)}")
        assert_close(np.concatenate([xb for xb, _ in batches]), X, f"{what} with lists: X batches")

    def dtype():
        dtypes = sorted({str(as_numpy(xb).dtype) for xb, _ in
                         call(minibatches, X.astype(np.float32), y, 4, shuffle=False)})
        assert dtypes == ["float32"], (
            f"{what} with X float32: the batches should keep X's dtype, got {', '.join(dtypes)}")

    def unchanged():
        X1, y1 = X.copy(), y.copy()
        invoke(minibatches, (X1, y1, 4), {"rng": np.random.default_rng(0)}, copy=False)
        assert np.array_equal(X1, X) and np.array_equal(y1, y), (
            "minibatches(X, y, 4, rng=rng) modified X or y in place: index them with the "
            "permutation instead")
    all_of(in_order, lists, dtype, unchanged, lambda: rng_rules_hold(
        minibatches, (X, y, 4), "minibatches(X, y, 4, rng=...) with 10 samples",
        lambda batches: np.concatenate([as_numpy(yb) for _, yb in batches])))


def init_layer_shapes(init_layer):
    """Q2: W has shape (n_in, n_out), b = zeros(n_out); "zeros" gives zeros; randomness only
    from rng."""
    def scheme_ok(scheme):
        W, b = (as_numpy(a) for a in call(init_layer, 3, 5, scheme))
        what = f"init_layer(3, 5, {scheme!r})"
        assert W.shape == (3, 5), f"{what}: W should have shape (3, 5), got {W.shape}"
        assert b.shape == (5,), f"{what}: b should have shape (5,), got {b.shape}"
        assert W.dtype == np.float64, f"{what}: W should be float64, got {W.dtype}"
        assert np.all(b == 0), f"{what}: b should be all zeros"
        if scheme == "zeros":
            assert np.all(W == 0), f"{what}: W should be all zeros"
    all_of(*(lambda scheme=scheme: scheme_ok(scheme) for scheme in ("zeros", "normal", "he", "glorot")),
           lambda: rng_rules_hold(init_layer, (20, 30, "he"), 'init_layer(20, 30, "he", rng=...)',
                                  lambda Wb: Wb[0]))


def dropout_basics(dropout_mask, dropout_forward, dropout_backward):
    """Q3: mask values are 0 or 1/(1-p), a fraction p of them 0; evaluation is the identity;
    float32 x gives float32 out, lists accepted, inputs unchanged, randomness only from rng."""
    def mask_values():
        what = "dropout_mask((20, 30), p=0.25)"
        mask = as_numpy(call(dropout_mask, (20, 30), 0.25))
        assert mask.shape == (20, 30), f"{what}: shape should be (20, 30), got {mask.shape}"
        values = np.unique(mask)
        assert np.all(np.isclose(values, 0) | np.isclose(values, 4 / 3)), (
            f"{what}: the mask holds only 0 and 1 / (1 - p) = 4/3, got {values[:5]}")
        dropped = np.mean(mask == 0)
        assert abs(dropped - 0.25) < 0.1, (
            f"{what}: {dropped:.0%} of the entries are 0, expected about 25 % (p is the "
            f"probability of dropping a unit)")
        assert_close(call(dropout_mask, (4,), 0.0), np.ones(4), "dropout_mask((4,), p=0.0)")

    def evaluation():
        x = np.arange(6.0).reshape(2, 3)
        for p in (0.5, 1.0):
            out, mask = call(dropout_forward, x, p, training=False)
            what = f"dropout_forward(x, p={p}, training=False)"
            assert mask is None, f"{what}: the mask should be None"
            assert_close(out, x, f"{what}: out should equal x")

    def backward():
        x = np.arange(6.0).reshape(2, 3)
        assert_close(call(dropout_backward, x, None), x, "dropout_backward(dout, None): dx should equal dout")
        mask = np.array([[2.0, 0.0, 2.0], [0.0, 2.0, 0.0]])
        assert_close(call(dropout_backward, x, mask), x * mask,
                     "dropout_backward(dout, mask) with mask = [[2, 0, 2], [0, 2, 0]]: "
                     "dx should be dout * mask")
    x = np.random.default_rng(1).normal(size=(4, 5))
    mask = np.where(np.random.default_rng(2).random((4, 5)) < 0.5, 0.0, 2.0)
    all_of(mask_values, evaluation, backward,
           lambda: conventions_hold(dropout_forward, lambda: ((x, 0.5, True, np.random.default_rng(3)), {}),
                                    lambda r: {"out": r[0]}, "dropout_forward(x, p=0.5, rng=rng)"),
           lambda: conventions_hold(dropout_backward, lambda: ((x, mask), {}),
                                    lambda dx: {"dx": dx}, "dropout_backward(dout, mask)"),
           lambda: rng_rules_hold(dropout_mask, ((30, 30), 0.5), "dropout_mask((30, 30), p=0.5, rng=...)"))


def batchnorm_normalizes(batchnorm_forward, batchnorm_backward):
    """Q4: with gamma=1, beta=0 each feature of the output has mean 0 and variance 1; the
    running statistics move by momentum towards the batch mean and UNBIASED variance; the
    backward agrees with finite differences of the forward; float32 x gives float32 out,
    lists accepted, inputs unchanged."""
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(8, 3))
    what = "batchnorm_forward(x, gamma=1, beta=0, running_mean=0, running_var=1) with x of shape (8, 3)"
    out, _, mean, var = call(batchnorm_forward, x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3))
    out = as_numpy(out)
    assert out.shape == (8, 3), f"{what}: out should have shape (8, 3), got {out.shape}"

    def variance():
        assert np.allclose(out.var(axis=0), 1.0, atol=1e-3), (
            f"{what}: per-feature variance of out should be ~1, got {out.var(axis=0).round(4)}")

    def running():
        all_of(lambda: assert_close(mean, 0.1 * x.mean(axis=0), f"{what}: new running mean = "
                                    f"0.9 * running_mean + 0.1 * batch mean (momentum=0.1)"),
               lambda: assert_close(var, 0.9 + 0.1 * x.var(axis=0, ddof=1), f"{what}: new "
                                    f"running var = 0.9 * running_var + 0.1 * the UNBIASED batch "
                                    f"variance (momentum=0.1)"))

    def inputs():
        rng = np.random.default_rng(4)
        return (rng.normal(size=(6, 2)), rng.normal(1, 0.2, 2), rng.normal(size=2),
                rng.normal(size=2), rng.uniform(0.5, 2, 2), True, 0.1, 1e-5), {}
    all_of(lambda: assert_close(out.mean(axis=0), np.zeros(3), f"{what}: per-feature mean of out"),
           variance, running,
           lambda: conventions_hold(batchnorm_forward, inputs,
                                    lambda r: {"out": r[0], "new_running_mean": r[2],
                                               "new_running_var": r[3]},
                                    "batchnorm_forward(x, gamma, beta, running_mean, "
                                    "running_var, momentum=0.1, eps=1e-5)"),
           lambda: backward_matches_finite_differences(batchnorm_forward, batchnorm_backward))


def backward_matches_finite_differences(batchnorm_forward, batchnorm_backward):
    """<dx, u> for random directions u equals the central difference of
    sum(dout * out(x + h u)) (the batch mean and variance move with x); same for gamma, beta."""
    rng = np.random.default_rng(5)
    x, gamma, beta = rng.normal(size=(5, 3)), rng.normal(1, 0.3, 3), rng.normal(size=3)
    stats, dout, h = (np.zeros(3), np.ones(3)), rng.normal(size=(5, 3)), 1e-5
    _, cache, _, _ = call(batchnorm_forward, x, gamma, beta, *stats)
    grads = dict(zip(("dx", "dgamma", "dbeta"), call(batchnorm_backward, dout, cache)))

    def loss(**change):
        args = {"x": x, "gamma": gamma, "beta": beta, **change}
        return float(np.sum(dout * as_numpy(call(batchnorm_forward, args["x"], args["gamma"],
                                                  args["beta"], *stats)[0])))
    for name, value in (("x", x), ("gamma", gamma), ("beta", beta)):
        u = rng.normal(size=value.shape)
        numeric = (loss(**{name: value + h * u}) - loss(**{name: value - h * u})) / (2 * h)
        assert_close(np.sum(as_numpy(grads["d" + name]) * u), numeric,
                     f"batchnorm_backward(dout, cache): d{name} disagrees with a finite "
                     f"difference of the forward along a random direction (remember that the "
                     f"batch mean and variance depend on x)")


def optimizer_first_steps(momentum_step, rmsprop_step, adam_step, ema):
    """Q5: first steps from zero state, worked out by hand (eps outside the square root);
    every call gets its own arrays, so a bug is reported for the function that has it;
    float32 arrays give float32 results, lists accepted, inputs and state unchanged."""
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
        w1, _ = call(rmsprop_step, w, dw, np.full(2, 0.25), lr=0.1, beta=0.0, eps=1.0)
        assert_close(w1, [1 - 0.1 * 0.5 / 1.5, 2 + 0.1 / 2],
                     "rmsprop_step(w, dw, s, lr=0.1, beta=0.0, eps=1.0): w - lr * dw / (sqrt(s) "
                     "+ eps) with eps outside the square root")

    def adam():
        w1, m1, v1 = call(adam_step, w, dw, zero, zero, t=1, lr=0.1, eps=0.0)
        assert_close(w1, [0.9, 2.1], "adam_step(w, dw, m=0, v=0, t=1, lr=0.1, eps=0.0): "
                                     "the first step moves each weight by lr")
        w1, _, _ = call(adam_step, w, dw, zero, zero, t=1, lr=0.1, eps=1.0)
        assert_close(w1, [1 - 0.1 * 0.5 / 1.5, 2 + 0.1 / 2],
                     "adam_step(w, dw, m=0, v=0, t=1, lr=0.1, eps=1.0): w - lr * m_hat / "
                     "(sqrt(v_hat) + eps) with eps outside the square root")

    def average():
        assert_close(call(ema, [1.0, 1.0, 1.0], 0.9), [1.0, 1.0, 1.0],
                     "ema([1.0, 1.0, 1.0], beta=0.9): a constant sequence, bias-corrected")
        assert_close(call(ema, [0.0, 1.0], 0.5), [0.0, 2 / 3],
                     "ema([0.0, 1.0], beta=0.5): v_2 = 0.5 * 0 + 0.5 * 1, divided by 1 - 0.5**2")
        assert_close(call(ema, [0.0, 1.0], 0.5, bias_correction=False), [0.0, 0.5],
                     "ema([0.0, 1.0], beta=0.5, bias_correction=False)")
    state = np.random.default_rng(6).normal(size=(4, 2, 3))
    state[3] = np.abs(state[3])
    all_of(momentum, rmsprop, adam, average,
           lambda: conventions_hold(momentum_step, lambda: ((*state[:3], 0.1), {}),
                                    lambda r: {"w": r[0], "v": r[1]}, "momentum_step(w, dw, v, lr=0.1)"),
           lambda: conventions_hold(rmsprop_step, lambda: ((*state[[0, 1, 3]], 0.1), {}),
                                    lambda r: {"w": r[0], "s": r[1]}, "rmsprop_step(w, dw, s, lr=0.1)"),
           lambda: conventions_hold(adam_step, lambda: ((*state, 3), {}),
                                    lambda r: {"w": r[0], "m": r[1], "v": r[2]},
                                    "adam_step(w, dw, m, v, t=3)"),
           lambda: conventions_hold(ema, lambda: ((state[0, 0], 0.9), {}), lambda r: {"v": r},
                                    "ema(values, beta=0.9)"))


def softmax_basics(softmax, softmax_jacobian, cross_entropy, cross_entropy_grad):
    """Q6: probabilities sum to 1, also for logits thousands apart; the Jacobian and the
    gradient worked out by hand; uniform logits give loss log(C), a confident mistake a
    finite loss, as a number; float32 in, float32 out, lists accepted, inputs unchanged."""
    def probabilities():
        z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
        s = as_numpy(call(softmax, z))
        assert s.shape == (2, 3), f"softmax(z) with z of shape (2, 3): should keep the shape, got {s.shape}"
        all_of(lambda: assert_close(s.sum(axis=-1), [1.0, 1.0], "softmax(z): rows should sum to 1"),
               lambda: assert_close(s[1], [1 / 3] * 3, "softmax(z): equal logits give 1/3 each"))

    def stable():
        z = np.array([[2000.0, 0.0], [-1000.0, -1001.0]])
        assert_close(call(softmax, z), [[1.0, 0.0], [1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(1.0))]],
                     "softmax(z) with z = [[2000, 0], [-1000, -1001]]: subtract each row's "
                     "maximum (not the mean, not one maximum for all rows)")

    def jacobian():
        s = np.array([0.2, 0.3, 0.5])
        assert_close(call(softmax_jacobian, s), np.diag(s) - np.outer(s, s),
                     "softmax_jacobian(s) with s = [0.2, 0.3, 0.5]: diag(s) - outer(s, s)")

    def loss():
        assert_close(call(cross_entropy, np.zeros((4, 5)), np.array([0, 1, 2, 3])), np.log(5.0),
                     "cross_entropy(z, y) with z = zeros((4, 5)): uniform logits give log C")
        what = "cross_entropy(z, y) with z = [[0, -1000]], y = [1]"
        value = call(cross_entropy, np.array([[0.0, -1000.0]]), np.array([1]))
        assert isinstance(value, (int, float, np.number)), (
            f"{what}: the loss should be a number (a Python float or a numpy scalar), got "
            f"{type(value).__name__}{f' of shape {np.shape(value)}' if hasattr(value, 'shape') else ''}")
        assert_close(value, 1000.0, f"{what}: use log-sum-exp, -log softmax = 1000, not inf")

    def gradient():
        assert_close(call(cross_entropy_grad, np.zeros((2, 3)), np.array([0, 2])),
                     [[-1 / 3, 1 / 6, 1 / 6], [1 / 6, 1 / 6, -1 / 3]],
                     "cross_entropy_grad(z, y) with z = zeros((2, 3)), y = [0, 2]: "
                     "(softmax(z) - onehot(y)) / N")
    z = np.random.default_rng(7).normal(size=(4, 3))
    y, p = np.array([0, 2, 1, 2]), np.exp([0.3, -1.2, 2.0])  # p / p.sum() sums to 1 - 1e-16
    all_of(probabilities, stable, jacobian, loss, gradient,
           lambda: conventions_hold(softmax, lambda: ((z,), {}), lambda s: {"s": s}, "softmax(z)"),
           lambda: conventions_hold(softmax_jacobian, lambda: ((p / p.sum(),), {}),
                                    lambda J: {"J": J}, "softmax_jacobian(s)"),
           lambda: conventions_hold(cross_entropy, lambda: ((z, y), {}), lambda L: {},
                                    "cross_entropy(z, y)"),
           lambda: conventions_hold(cross_entropy_grad, lambda: ((z, y), {}), lambda dz: {"dz": dz},
                                    "cross_entropy_grad(z, y)"))


def training_memory_keys(training_memory):
    """Q7: the dict has the six keys and integer byte counts; a 2-3 net with SGD and batch 1
    worked out by hand; layer_sizes unchanged."""
    keys = {"parameters", "gradients", "optimizer_state", "activations",
            "per_example_gradients", "total"}
    sizes = [2, 3]
    got = invoke(training_memory, (sizes, 1), copy=False)
    what = "training_memory([2, 3], 1)"
    assert set(got) == keys, f"{what}: keys should be {sorted(keys)}, got {sorted(got)}"
    expected = {"parameters": 36, "gradients": 36, "optimizer_state": 0,
                "activations": 20, "per_example_gradients": 0, "total": 92}
    wrong = {k: got[k] for k in expected if got[k] != expected[k]}
    assert not wrong, f"{what} (sgd, 4 bytes): wrong entries {wrong}, expected {expected}"
    not_int = {k: type(v).__name__ for k, v in got.items()
               if not isinstance(v, (int, np.integer)) or isinstance(v, bool)}
    assert not not_int, f"{what}: byte counts should be integers, got {not_int}"
    assert sizes == [2, 3], f"{what} modified layer_sizes to {sizes}"


def search_ranges(sample_log_uniform, sample_beta, lr_decay):
    """Q8: samples lie in their ranges, spread evenly over the decades, have the requested
    size; randomness only from rng; lr_decay gives a number."""
    def in_range(fn, low, high, size=100):
        s = as_numpy(call(fn, low, high, size))
        what = f"{fn.__name__}({low}, {high}, {size})"
        assert isinstance(s, np.ndarray) and s.shape == (size,), (
            f"{what}: expected an array of {size} samples, got shape {s.shape}")
        assert s.min() >= low and s.max() <= high, (
            f"{what}: samples span [{s.min():.4g}, {s.max():.4g}], outside [low, high]")
        return s

    def decades():
        s = in_range(sample_log_uniform, 1e-4, 1e-1, 3000)
        fractions = np.histogram(np.log10(s), bins=[-4, -3, -2, -1])[0] / s.size
        assert np.allclose(fractions, 1 / 3, atol=0.06), (
            f"sample_log_uniform(1e-4, 1e-1, 3000): each decade should hold about a third of "
            f"the samples, got {fractions.round(2)}")
        b = in_range(sample_beta, 0.9, 0.999, 3000)
        below = np.mean(1 - b < 0.01)
        assert abs(below - 0.5) < 0.07, (
            f"sample_beta(0.9, 0.999, 3000): 1 - beta log-uniform in [0.001, 0.1] puts half the "
            f"samples above 0.99, got {below:.0%}")

    def decay():
        value = call(lr_decay, 0.1, 1, 1.0)
        assert isinstance(value, (int, float, np.number)), (
            f"lr_decay(0.1, epoch=1, decay_rate=1.0) should return a number, got "
            f"{type(value).__name__}")
        assert_close(value, 0.05, "lr_decay(0.1, epoch=1, decay_rate=1.0)")
        assert_close(call(lr_decay, 0.1, 0, 1.0), 0.1, "lr_decay(0.1, epoch=0, decay_rate=1.0)")
    all_of(lambda: in_range(sample_log_uniform, 1e-4, 1e-1),
           lambda: in_range(sample_beta, 0.9, 0.999), decades, decay,
           lambda: rng_rules_hold(sample_log_uniform, (1e-4, 1.0, 2000),
                                  "sample_log_uniform(1e-4, 1.0, 2000, rng=...)"),
           lambda: rng_rules_hold(sample_beta, (0.9, 0.99, 2000),
                                  "sample_beta(0.9, 0.99, 2000, rng=...)"))


try:  # shipped beside the notebook: grader.check then shows a failed check's message first
    from otter_messages import install as _show_messages_first
except ImportError:  # imported from the autograder package: no notebook to show them in
    pass
else:
    _show_messages_first()
