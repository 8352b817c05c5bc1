"""Known mistakes of the ``optimization`` assignment, for naming what a failed case found.

``MISTAKES`` maps each student-facing name to its ``Known`` mistakes (or ``Answers`` for
the Q7 numbers): a correct version written for this library and one small function per
mistake, each a correct computation except for that mistake (autograder.grading.diagnosis
replays them on the calls a failed check made). Each function has one core with a
keyword per mistake; a mistake is that core with its keyword set.
"""
from __future__ import annotations

from functools import partial, wraps

import numpy as np

from autograder.grading.diagnosis import Answers, Known, Mistake


def _variant(core, **mistake):
    """``core`` with a mistake's keywords fixed, keeping the student's signature."""
    return wraps(core)(partial(core, **mistake))


def _known(function, core, mistakes, **options) -> Known:
    """Known(function, core, (Mistake(name, explanation, core with keywords), ...)); a
    mistake gives keywords (``_random`` marks one whose results are random) or a function
    that turns the core into the mistake (IN_FLOAT64, ARRAYS_ONLY)."""
    made = []
    for name, explanation, keywords in mistakes:
        if callable(keywords):
            made.append(Mistake(name, explanation, keywords(core)))
            continue
        keywords = dict(keywords)
        random = keywords.pop("_random", False)
        made.append(Mistake(name, explanation, _variant(core, **keywords), random=random))
    return Known(function, core, tuple(made), **options)


def _float64(value):
    return value.astype(np.float64) if isinstance(value, np.ndarray) and \
        value.dtype.kind == "f" else value


def IN_FLOAT64(core):
    """The core on float64 copies of its float arrays: float32 inputs give float64 results."""
    @wraps(core)
    def computes_in_float64(*args, **kwargs):
        return core(*map(_float64, args), **{k: _float64(v) for k, v in kwargs.items()})
    return computes_in_float64


def ARRAYS_ONLY(core):
    """The core calling array methods on its inputs without np.asarray: lists fail."""
    @wraps(core)
    def needs_arrays(*args, **kwargs):
        if any(isinstance(a, list) for a in (*args, *kwargs.values())):
            raise AttributeError("'list' object has no attribute 'shape'")
        return core(*args, **kwargs)
    return needs_arrays


LISTS_FAIL = ("array_methods_on_lists", "array methods are called on the inputs without "
              "np.asarray: Python lists fail (convert with np.asarray first)", ARRAYS_ONLY)


def ARITHMETIC_ON_LISTS(core):
    """The core doing arithmetic on its inputs as given: lists raise TypeError."""
    @wraps(core)
    def needs_arrays(*args, **kwargs):
        if any(isinstance(a, list) for a in (*args, *kwargs.values())):
            raise TypeError("can't multiply sequence by non-int of type 'float'")
        return core(*args, **kwargs)
    return needs_arrays


LISTS_NOT_CONVERTED = ("lists_not_converted", "the inputs are used as given: arithmetic on "
                       "Python lists fails (convert with np.asarray first)", ARITHMETIC_ON_LISTS)
NUMPY_SCALARS = ("numpy_scalar_promotes", "the result is not cast back: a numpy float64 "
                 "hyperparameter (or a numpy integer t) turns float32 arrays into float64 ones; "
                 "cast with .astype(w.dtype)", {"cast": False})
FIXED_SEED = ("fixed_seed_without_rng", "rng=None falls back to a fixed seed: every call draws "
              "the same numbers; rng=None means a fresh np.random.default_rng()",
              {"fixed_seed": 0, "_random": True})


def _computes_in_float64(result: str):
    return ("computes_in_float64", f"everything is computed in float64: float32 inputs give "
            f"a float64 {result}, but the dtype follows the input", IN_FLOAT64)


def _rng(rng, ignored=False):
    """The rng to draw from; a fresh one when none is given or the mistake ignores it
    (as np.random would: not reproducible, the caller's rng untouched)."""
    return np.random.default_rng() if rng is None or ignored else rng


def _float_like(x, value):
    """``value`` in x's float dtype (float64 for non-float x)."""
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    return np.asarray(value).astype(dtype)


# ----------------------------------------------------------------------------- Q1
def _minibatches_list(X, y, batch_size, shuffle=True, rng=None):
    return list(_minibatches(X, y, batch_size, shuffle, rng))


def _minibatches(X, y, batch_size, shuffle=True, rng=None, validate=True, drop_last=False,
                 two_orders=False, global_random=False, in_place=False, as_float=False,
                 convert=True, empty_batch=False, fixed_seed=None, flatten_y=False):
    n = len(X)
    if as_float and not hasattr(X, "detach"):
        X = np.asarray(X, dtype=float)
    if validate and (batch_size < 1 or n != len(y)):
        raise ValueError("batch_size must be >= 1 and len(X) == len(y)")
    if convert:
        X, y = (a if hasattr(a, "shape") else np.asarray(a) for a in (X, y))
    if flatten_y:
        y = y.reshape(-1) if hasattr(y, "reshape") else np.asarray(y).reshape(-1)
    if empty_batch and n == 0:
        yield X[:0], y[:0]
    order_x = order_y = np.arange(n)
    if shuffle and in_place:
        generator = _rng(rng)
        generator.shuffle(X)
        generator.shuffle(y)
    elif shuffle:
        generator = np.random.default_rng(fixed_seed) if rng is None and fixed_seed is not None \
            else _rng(rng, global_random)
        order_x = generator.permutation(n)
        order_y = generator.permutation(len(y)) if two_orders else order_x
    step = max(batch_size, 1)
    stop = n - batch_size + 1 if drop_last else n
    start = 0
    while start < stop:
        yield X[order_x[start:start + batch_size]], y[order_y[start:start + batch_size]]
        start += step


MINIBATCHES = _known("minibatches", _minibatches, [
    ("drops_last_batch", "the last, smaller batch is dropped: one epoch must cover every "
     "sample", {"drop_last": True}),
    ("two_permutations", "X and y are shuffled with two different permutations: one "
     "permutation must be applied to both", {"two_orders": True}),
    ("global_numpy_random", "the shuffle ignores `rng` (np.random is used): draw the "
     "permutation with rng.permutation(N)", {"global_random": True, "_random": True}),
    ("shuffles_in_place", "X and y are shuffled in place (and separately): index them with "
     "one permutation instead", {"in_place": True}),
    ("no_validation", "batch_size < 1 or len(X) != len(y) does not raise ValueError",
     {"validate": False}),
    ("float64_batches", "X is converted to float64: batches keep the data's dtype",
     {"as_float": True}),
    ("lists_not_converted", "Python lists are indexed with the permutation as they are "
     "(TypeError): convert them with np.asarray", {"convert": False}),
    ("empty_batch_without_data", "no data (N = 0) yields one empty batch: it yields none",
     {"empty_batch": True}),
    ("fixed_seed_without_rng", "rng=None falls back to a fixed seed: every epoch comes in the "
     "same order; rng=None means a fresh np.random.default_rng()", {"fixed_seed": 0}),
    ("flattens_labels", "y is flattened to one dimension: labels with several columns are "
     "scrambled; index y as it is", {"flatten_y": True}),
])
MINIBATCHES = Known(MINIBATCHES.function, MINIBATCHES.correct, MINIBATCHES.mistakes + (
    Mistake("returns_a_list", "minibatches returns its batches instead of yielding them: it "
            "must be a generator function (use `yield`)", _minibatches_list),))


# ----------------------------------------------------------------------------- Q2
def _init_layer(n_in, n_out, scheme, rng=None, he_fan=None, glorot_var=None, normal_std=0.01,
                uniform=False, unknown_zeros=False, transposed=False, global_random=False,
                fixed_seed=None, python_ints_only=False):
    if python_ints_only and not (isinstance(n_in, int) and isinstance(n_out, int)):
        raise TypeError("layer sizes must be ints")
    if rng is None and fixed_seed is not None:
        rng = np.random.default_rng(fixed_seed)
    variances = {"zeros": 0.0, "normal": normal_std**2,
                 "he": 2.0 / (he_fan(n_in, n_out) if he_fan else n_in),
                 "glorot": glorot_var(n_in, n_out) if glorot_var else 2.0 / (n_in + n_out)}
    if scheme not in variances and not unknown_zeros:
        raise ValueError(f"unknown scheme {scheme!r}")
    std = np.sqrt(variances.get(scheme, 0.0))
    shape = (n_out, n_in) if transposed else (n_in, n_out)
    generator = _rng(rng, global_random)
    if uniform:
        W = generator.uniform(-np.sqrt(3.0) * std, np.sqrt(3.0) * std, shape)
    else:
        W = std * generator.standard_normal(shape)
    return W, np.zeros(n_out)


INIT_LAYER = _known("init_layer", _init_layer, [
    ("he_fan_out", '"he" uses n_out: its variance is 2 / n_in (fan-in)',
     {"he_fan": lambda n_in, n_out: n_out}),
    ("glorot_fan_in_only", '"glorot" uses 1 / n_in: its variance is 2 / (n_in + n_out)',
     {"glorot_var": lambda n_in, n_out: 1.0 / n_in}),
    ("normal_variance_as_std", '"normal" has std 0.1: N(0, 0.01^2) means std 0.01',
     {"normal_std": 0.1}),
    ("uniform_samples", "the weights are uniform: the schemes draw from a normal distribution",
     {"uniform": True}),
    ("unknown_scheme_is_zeros", "an unknown scheme gives zeros instead of raising ValueError",
     {"unknown_zeros": True}),
    ("transposed_shape", "W has shape (n_out, n_in): here x @ W needs (n_in, n_out)",
     {"transposed": True}),
    ("global_numpy_random", "the weights ignore `rng` (np.random is used): draw from `rng`",
     {"global_random": True}),
    FIXED_SEED,
    ("rejects_numpy_integers", "numpy integer sizes (np.int64(4)) raise TypeError: accept "
     "any integer", {"python_ints_only": True}),
], random=True)


# ----------------------------------------------------------------------------- Q3
def _dropout_mask(shape, p, rng=None, scale="inverse", keep_is_p=False, validate=True,
                  guard_p1=True, global_random=False, p_type=False, fixed_seed=None):
    if validate and not 0 <= p <= 1:
        raise ValueError("p must be in [0, 1]")
    keep = p if keep_is_p else 1 - (p if p_type else float(p))
    if rng is None and fixed_seed is not None:
        rng = np.random.default_rng(fixed_seed)
    draws = _rng(rng, global_random).random(shape)
    if scale == "inverse" and keep == 0:  # everything dropped: 0 / 0 unless guarded
        return np.zeros(shape) if guard_p1 else np.full(shape, np.nan)
    value = {"inverse": 1 / keep if keep else 0.0, "keep": keep, "none": 1.0}[scale]
    return np.where(draws < keep, value, 0.0)


DROPOUT_MASK = _known("dropout_mask", _dropout_mask, [
    ("scaled_by_keep_prob", "kept units are multiplied by 1 - p: inverted dropout divides "
     "them by 1 - p", {"scale": "keep"}),
    ("p_is_keep_probability", "p is used as the probability of keeping a unit: p is the "
     "probability of dropping it", {"keep_is_p": True}),
    ("not_scaled", "kept units stay 1: inverted dropout scales them by 1 / (1 - p)",
     {"scale": "none"}),
    ("divides_by_zero_at_p1", "p = 1 divides by zero (nan) and p outside [0, 1] does not "
     "raise: p = 1 must give all zeros", {"guard_p1": False, "validate": False}),
    ("global_numpy_random", "the mask ignores `rng` (np.random is used): draw from `rng`",
     {"global_random": True}),
    ("float32_mask_for_numpy_p", "1 / (1 - p) keeps p's numpy type: a float32 p makes a float32 "
     "mask; the mask is float64 (use float(p))", {"p_type": True}),
    FIXED_SEED,
], random=True)


def _dropout_forward(x, p, training=True, rng=None, in_place=False, eval_scale=False,
                     keep_dtype=True, keep_is_p=False, validate=True, nan_at_p1=False,
                     below_one=False, cast_to_x=False, fixed_seed=None, feature_mask=False,
                     float32_only=False):
    if validate and not (0 <= p < 1 if below_one else 0 <= p <= 1):
        raise ValueError("p must be in [0, 1]")
    if not training:
        return (np.asarray(x) * (1 - p) if eval_scale else x), None
    if rng is None and fixed_seed is not None:
        rng = np.random.default_rng(fixed_seed)
    if in_place:
        dtype = x.dtype  # x *= mask.astype(x.dtype): a list fails before any draw
    shape = np.shape(x)[1:] if feature_mask else np.shape(x)
    mask = _dropout_mask(shape, min(max(1 - p if keep_is_p else p, 0.0), 1.0), rng,
                         guard_p1=not nan_at_p1)
    if in_place:
        x *= mask.astype(dtype)
        return x, mask
    x = np.asarray(x)
    out = x * mask
    if cast_to_x:
        return out.astype(x.dtype), mask
    if float32_only:
        return out.astype(np.float32 if x.dtype == np.float32 else np.float64), mask
    return (_float_like(x, out) if keep_dtype else out), mask


DROPOUT_FORWARD = _known("dropout_forward", _dropout_forward, [
    ("in_place", "x is multiplied by the mask in place: compute out = x * mask as a new "
     "array", {"in_place": True}),
    ("scaled_at_eval", "evaluation multiplies by 1 - p: with inverted dropout evaluation "
     "is the identity", {"eval_scale": True}),
    ("returns_float64", "out is float64 for float32 x: out must keep x's dtype",
     {"keep_dtype": False}),
    ("keep_probability", "p is used as the probability of keeping a unit: p is the "
     "probability of dropping it", {"keep_is_p": True}),
    ("no_p_check", "p outside [0, 1] does not raise ValueError", {"validate": False}),
    ("nan_at_p1", "p = 1 gives nan (0 * inf): when every unit drops, out is all zeros",
     {"nan_at_p1": True}),
    ("rejects_p_one", "p = 1 raises ValueError: p may be any probability in [0, 1], 1 included",
     {"below_one": True}),
    ("integer_x_stays_integer", "out is cast to x's dtype even for integer x (truncated "
     "values): integers give float64", {"cast_to_x": True}),
    ("fixed_seed_without_rng", FIXED_SEED[1], {"fixed_seed": 0}),
    ("mask_per_feature", "the mask has shape x.shape[1:], shared by every sample: draw one "
     "mask entry per entry of x", {"feature_mask": True}),
    ("float16_becomes_float64", "only float32 keeps its dtype: float16 x gives a float64 out; "
     "any float dtype is kept", {"float32_only": True}),
], random=True)


def _dropout_backward(dout, mask, scaled=True, divide=False, none_zeros=False,
                      keep_dtype=True, in_place=False):
    dout = np.asarray(dout)
    if mask is None:
        return np.zeros_like(dout) if none_zeros else dout
    mask = np.asarray(mask)
    if in_place:
        dout *= mask
        return dout
    if divide:
        dx = np.divide(dout, mask, out=np.zeros(np.broadcast(dout, mask).shape),
                       where=mask != 0)
    else:
        dx = dout * (mask if scaled else (mask != 0))
    return _float_like(dout, dx) if keep_dtype else dx


DROPOUT_BACKWARD = _known("dropout_backward", _dropout_backward, [
    ("unscaled", "dx zeroes the dropped units but forgets the 1 / (1 - p) scale: "
     "dx = dout * mask", {"scaled": False}),
    ("divides", "dx divides by the mask's scale: dx = dout * mask multiplies by it",
     {"divide": True}),
    ("none_gives_zeros", "mask None (evaluation) gives zeros: it must pass dout through",
     {"none_zeros": True}),
    ("float64", "dx is float64 for float32 dout: dx must keep dout's dtype",
     {"keep_dtype": False}),
    ("in_place", "dout is multiplied by the mask in place: the caller's gradient changes; "
     "compute dout * mask as a new array", {"in_place": True}),
    # the same float64 dx as "float64" for a float64 mask; told apart by float32 masks
    _computes_in_float64("dx"),
    LISTS_FAIL,
])


# ----------------------------------------------------------------------------- Q4
def _batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1,
                       eps=1e-5, normalize_ddof=0, running_ddof=1, keras_momentum=False,
                       eps_outside=False, eval_batch_stats=False, in_place=False,
                       one_sample_check_first=False, cast_to_x=False, cast_stats=True,
                       no_eps=False):
    x = np.asarray(x)
    eps = 0.0 if no_eps else eps
    if one_sample_check_first and len(x) < 2:
        raise ValueError("need more than one sample")

    def normalized(mean, var):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (x - mean) / (np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps))

    def out_of(value):
        return np.asarray(value).astype(x.dtype) if cast_to_x else _float_like(x, value)

    if not training:
        stats = (x.mean(0), x.var(0)) if eval_batch_stats else (running_mean, running_var)
        return out_of(gamma * normalized(*stats) + beta), None, running_mean, running_var
    if len(x) < 2:
        raise ValueError("training needs more than one sample")
    mean, var = x.mean(0), x.var(0, ddof=normalize_ddof)
    x_hat = normalized(mean, var)
    keep = momentum if keras_momentum else 1 - momentum
    updates = (mean, x.var(0, ddof=running_ddof))
    if in_place:
        for running, batch in zip((running_mean, running_var), updates):
            running *= keep
            running += (1 - keep) * batch
        new_mean, new_var = running_mean, running_var
    else:
        new_mean, new_var = (keep * r + (1 - keep) * b
                             for r, b in zip((running_mean, running_var), updates))
        if cast_stats:
            new_mean, new_var = (_float_like(np.asarray(r), v) for r, v in
                                 zip((running_mean, running_var), (new_mean, new_var)))
    with np.errstate(divide="ignore"):
        inv_std = 1 / (np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps))
    return out_of(gamma * x_hat + beta), (x_hat, gamma, inv_std), new_mean, new_var


def _without_cache(result):
    """The checks judge out and the running statistics; the cache is the student's own."""
    if isinstance(result, (tuple, list)) and len(result) == 4:
        return (result[0], result[2], result[3])
    return result


BATCHNORM_FORWARD = _known("batchnorm_forward", _batchnorm_forward, [
    ("unbiased_normalization", "x is normalized with the unbiased variance (ddof=1): "
     "normalization uses the biased batch variance", {"normalize_ddof": 1}),
    ("biased_running_var", "running_var is updated with the biased variance: it uses the "
     "unbiased batch variance, as torch does", {"running_ddof": 0}),
    ("momentum_swapped", "momentum weighs the old running statistics: new = (1 - momentum) "
     "* running + momentum * batch", {"keras_momentum": True}),
    ("eps_outside_sqrt", "eps is outside the square root: divide by sqrt(var + eps)",
     {"eps_outside": True}),
    ("eval_uses_batch_stats", "evaluation normalizes with the batch statistics: it must use "
     "the running statistics", {"eval_batch_stats": True}),
    ("updates_running_in_place", "running_mean and running_var are updated in place: return "
     "new arrays", {"in_place": True}),
    ("rejects_one_sample_in_evaluation", "a single sample raises ValueError in evaluation "
     "too: only training needs more than one", {"one_sample_check_first": True}),
    _computes_in_float64("output"),
    ("integer_x_stays_integer", "out is cast to x's dtype even for integer x (truncated "
     "values): integers give float64", {"cast_to_x": True}),
    ("numpy_momentum_promotes_statistics", "the new running statistics are not cast back: a "
     "numpy float64 momentum turns float32 statistics into float64 ones",
     {"cast_stats": False}),
    ("forgets_eps", "x is divided by the batch standard deviation without eps: a feature "
     "constant in the batch gives 0 / 0 = nan; divide by sqrt(var + eps)", {"no_eps": True}),
], judged=_without_cache)


def _batchnorm_backward(dout, cache, through_mean=True, through_var=True, dgamma_x_hat=True,
                        average=False, times_gamma=True, keep_dtype=True, scale_in_place=False):
    x_hat, gamma, inv_std = cache
    dout = np.asarray(dout)
    sums = (dout * x_hat).sum(0), dout.sum(0)
    if scale_in_place:
        dout *= gamma
    g = dout if scale_in_place or not times_gamma else dout * gamma
    dx = g
    if through_mean:
        dx = dx - g.mean(0)
    if through_var:
        dx = dx - x_hat * (g * x_hat).mean(0)
    dx = dx * inv_std
    n = len(dout)
    dgamma, dbeta = sums if dgamma_x_hat else (sums[1], sums[1])
    if average:
        dgamma, dbeta = dgamma / n, dbeta / n
    dx = _float_like(dout, dx) if keep_dtype else dx.astype(np.float64)
    return dx, dgamma, dbeta


BATCHNORM_BACKWARD = _known("batchnorm_backward", _batchnorm_backward, [
    ("constant_statistics", "dx treats the batch mean and variance as constants: they "
     "depend on x", {"through_mean": False, "through_var": False}),
    ("forgets_variance_path", "dx backpropagates through the batch mean but not through the "
     "batch variance", {"through_var": False}),
    ("dgamma_without_x_hat", "dgamma = sum(dout): it is sum(dout * x_hat)",
     {"dgamma_x_hat": False}),
    ("means_not_sums", "dgamma and dbeta are averaged over the batch: they are sums",
     {"average": True}),
    ("missing_gamma", "dx forgets the factor gamma (dx_hat = dout * gamma)",
     {"times_gamma": False}),
    ("float64_out", "dx is float64 for float32 dout: dx must keep dout's dtype",
     {"keep_dtype": False}),
    ("scales_dout_in_place", "dout is multiplied by gamma in place: the caller's dout "
     "changes; compute dout * gamma as a new array", {"scale_in_place": True}),
    LISTS_FAIL,
])


# ----------------------------------------------------------------------------- Q5
def _cast(value, like, cast=True):
    """``value`` in the float dtype of ``like`` (float64 for integers) when ``cast``."""
    return _float_like(np.asarray(like), value) if cast else value


def _momentum_step(w, dw, v, lr, beta=0.9, damped=True, old_velocity=False, in_place=False,
                   swapped=False, fixed_beta=None, cast=True):
    b = fixed_beta if fixed_beta is not None else beta
    keep, new = (1 - b, b) if swapped else (b, 1 - b if damped else 1.0)
    if in_place:
        v *= keep
        v += new * dw
        w -= lr * v
        return w, v
    v_new = keep * np.asarray(v) + new * np.asarray(dw)
    w_new = np.asarray(w) - lr * (np.asarray(v) if old_velocity else v_new)
    return _cast(w_new, w, cast), _cast(v_new, v, cast)


MOMENTUM_STEP = _known("momentum_step", _momentum_step, [
    ("no_one_minus_beta", "v = beta * v + dw: the exponentially weighted form is "
     "v = beta * v + (1 - beta) * dw", {"damped": False}),
    ("uses_old_velocity", "w is updated with the previous velocity: update v first",
     {"old_velocity": True}),
    ("in_place", "w and v are updated in place: return new arrays", {"in_place": True}),
    ("beta_swapped", "beta and 1 - beta are swapped: v = beta * v + (1 - beta) * dw",
     {"swapped": True}),
    ("ignores_beta_argument", "beta is fixed at 0.9: use the beta argument",
     {"fixed_beta": 0.9}),
    _computes_in_float64("w and v"),
    NUMPY_SCALARS,
    LISTS_NOT_CONVERTED,
])


def _rmsprop_step(w, dw, s, lr, beta=0.99, eps=1e-8, eps_inside=False, power=2, root=True,
                  old_s=False, in_place=False, cast=True):
    dw = np.asarray(dw)
    if in_place:
        s *= beta
        s += (1 - beta) * dw**2
        w -= lr * dw / (np.sqrt(s) + eps)
        return w, s
    s_new = beta * np.asarray(s) + (1 - beta) * (np.abs(dw) if power == 1 else dw**2)
    used = np.asarray(s) if old_s else s_new
    denominator = (np.sqrt(used + eps) if eps_inside else np.sqrt(used) + eps) if root \
        else used + eps
    return _cast(np.asarray(w) - lr * dw / denominator, w, cast), _cast(s_new, s, cast)


RMSPROP_STEP = _known("rmsprop_step", _rmsprop_step, [
    ("eps_inside_sqrt", "eps is inside the square root: RMSprop divides by sqrt(s) + eps",
     {"eps_inside": True}),
    ("not_squared", "s averages |dw|: it averages dw**2", {"power": 1}),
    ("no_sqrt", "the step divides by s: it divides by sqrt(s) + eps", {"root": False}),
    ("old_s", "the step uses the previous s: update s first", {"old_s": True}),
    ("in_place", "w and s are updated in place: return new arrays", {"in_place": True}),
    _computes_in_float64("w and s"),
    NUMPY_SCALARS,
])


def _adam_step(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, eps_inside=False,
               corrected=True, t_offset=0, corrected_state=False, swapped=False,
               check_t=True, float64_powers=False, state_in_place=False, cast=True):
    if check_t and t < 1:
        raise ValueError("t is 1-based")
    b1, b2 = (beta2, beta1) if swapped else (beta1, beta2)
    dw = np.asarray(dw)
    if state_in_place:
        m *= b1
        m += (1 - b1) * dw
        v *= b2
        v += (1 - b2) * dw**2
    else:
        m = b1 * np.asarray(m) + (1 - b1) * dw
        v = b2 * np.asarray(v) + (1 - b2) * dw**2
    power = np.power if float64_powers else pow  # np.power(0.9, t) is a float64 scalar
    w_in = np.asarray(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat = m / (1 - power(b1, t + t_offset)) if corrected else m
        v_hat = v / (1 - power(b2, t + t_offset)) if corrected else v
        denominator = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        w = w_in - lr * m_hat / denominator
    # the cast keeps float64 powers' promotion (np_power_promotes_float32) a mistake of its own
    cast = cast and not float64_powers
    state = (m_hat, v_hat) if corrected_state else (m, v)
    return (_cast(w, w_in, cast), *(_cast(a, w_in, cast) for a in state))


ADAM_STEP = _known("adam_step", _adam_step, [
    ("eps_inside_sqrt", "eps is inside the square root: Adam divides by sqrt(v_hat) + eps",
     {"eps_inside": True}),
    ("no_bias_correction", "m and v are used without bias correction: divide by "
     "1 - beta1**t and 1 - beta2**t", {"corrected": False}),
    ("zero_based_t", "the bias correction uses t + 1: t is already 1-based",
     {"t_offset": 1}),
    ("returns_corrected_moments", "the bias-corrected m_hat and v_hat are returned as the "
     "new state: return the uncorrected m and v", {"corrected_state": True}),
    ("betas_swapped", "beta1 and beta2 are swapped: beta1 is for the first moment m",
     {"swapped": True}),
    ("no_t_check", "t < 1 does not raise ValueError (t is 1-based)", {"check_t": False}),
    ("np_power_promotes_float32", "the bias corrections are float64 numpy scalars "
     "(np.power): float32 weights come back as float64", {"float64_powers": True}),
    ("state_in_place", "m and v are updated in place (*=, +=): return new arrays",
     {"state_in_place": True}),
    NUMPY_SCALARS,
])


def _ema(values, beta, bias_correction=True, start_first=False, t_minus_1=False,
         swapped=False, correct_state=False, float64_out=False, into_values=False,
         float32_least=False, stacked=False):
    values = np.asarray(values)
    if values.dtype.kind != "f" and not into_values:
        values = values.astype(np.float64)
    if stacked and not len(values):
        raise ValueError("need at least one array to stack")
    keep = 1 - beta if swapped else beta
    dtype = np.float64 if float64_out else np.result_type(values, np.float32) \
        if float32_least else values.dtype
    out = values if into_values else np.zeros(len(values), dtype=dtype)
    v = values[0] if start_first and len(values) else 0.0
    for t in range(1, len(values) + 1):
        value = values[t - 1]
        v = keep * v + (1 - keep) * value
        if not bias_correction:
            out[t - 1] = v
        elif t_minus_1:
            out[t - 1] = value if t == 1 else v / (1 - beta ** (t - 1))
        else:
            out[t - 1] = v / (1 - beta**t)
            if correct_state:
                v = out[t - 1]
    return out


EMA = _known("ema", _ema, [
    ("starts_at_first_value", "v_0 is the first value: the average starts from v_0 = 0",
     {"start_first": True}),
    ("correction_with_t_minus_1", "the bias correction divides by 1 - beta**(t - 1): "
     "it is 1 - beta**t", {"t_minus_1": True}),
    ("beta_swapped", "beta and 1 - beta are swapped: v_t = beta * v_{t-1} + (1 - beta) * y_t",
     {"swapped": True}),
    ("corrects_the_state", "the corrected value is stored back into v: correct only the "
     "output, so corrections do not compound", {"correct_state": True}),
    ("float64_output", "the output is float64 for float32 values: it keeps their dtype",
     {"float64_out": True}),
    ("writes_into_values", "the averages are written into the caller's values array: "
     "return a new array", {"into_values": True}),
    LISTS_FAIL,
    ("float16_becomes_float32", "the output is at least float32: float16 values give float32; "
     "every float dtype is kept", {"float32_least": True}),
    ("stack_fails_on_empty", "an empty sequence raises (np.stack of no averages): it gives an "
     "empty array", {"stacked": True}),
])


# ----------------------------------------------------------------------------- Q6
def _softmax(z, shift="row", axis=-1, whole_sum=False, at_least_2d=False, in_place=False,
             convert=True):
    if convert:
        z = np.asarray(z)
    if at_least_2d:
        z = np.atleast_2d(z)
    peak = {"row": lambda: z.max(axis=axis, keepdims=True), "all": z.max, "none": lambda: 0,
            "min": lambda: z.min(axis=axis, keepdims=True),
            "mean": lambda: z.mean(axis=axis, keepdims=True)}[shift]()
    if in_place:
        z -= peak
        e = np.exp(z)
    else:
        e = np.exp(z - peak)
    return e / (e.sum() if whole_sum else e.sum(axis=axis, keepdims=True))


SOFTMAX = _known("softmax", _softmax, [
    ("no_max_shift", "exp(z) overflows for large logits: subtract the row maximum first",
     {"shift": "none"}),
    ("axis_zero", "softmax is taken over axis 0 (the batch): it is over the last axis",
     {"axis": 0}),
    ("global_max", "the maximum of the whole array is subtracted: rows far below it give "
     "0 / 0; subtract each row's maximum", {"shift": "all"}),
    ("whole_array_sum", "the exponentials are divided by the sum over the whole array: "
     "normalize each row", {"whole_sum": True, "shift": "all"}),
    ("2d_only", "a single vector of shape (C,) comes back as (1, C): softmax keeps any "
     "shape", {"at_least_2d": True}),
    ("in_place", "the caller's z is shifted in place (np.asarray does not copy): compute "
     "z - max as a new array", {"in_place": True}),
    ("array_methods_on_lists", "z.max() fails for a list: convert with np.asarray first",
     {"convert": False}),
    _computes_in_float64("result"),
    ("subtracts_the_mean", "each row is shifted by its mean, not its maximum: exp overflows "
     "(nan) once a row spans more than ~1400; subtract the row maximum", {"shift": "mean"}),
])


def _softmax_jacobian(s, diagonal=True, off_diagonal=True, sign=1, square_twice=False,
                      float64_out=False, renormalize_in_place=False):
    s = np.asarray(s)
    if renormalize_in_place:
        s /= s.sum()
    J = np.zeros((len(s), len(s)), dtype=np.float64 if float64_out else _float_like(s, 0).dtype)
    if diagonal:
        J += np.diag(s)
    if off_diagonal:
        J -= np.outer(s, s)
    else:
        J -= np.diag(s**2)
    if square_twice:
        J -= np.diag(s**2)
    return sign * J


SOFTMAX_JACOBIAN = _known("softmax_jacobian", _softmax_jacobian, [
    ("missing_diag", "the diag(s) term is missing: J = diag(s) - outer(s, s)",
     {"diagonal": False}),
    ("sign_flipped", "the sign is flipped: J = diag(s) - outer(s, s)", {"sign": -1}),
    ("diag_only", "only the diagonal s_i (1 - s_i) is filled: the off-diagonal entries are "
     "-s_i s_j", {"off_diagonal": False}),
    ("elementwise_square", "s_i**2 is subtracted twice on the diagonal: J = diag(s) - "
     "outer(s, s)", {"square_twice": True}),
    ("float64_for_float32", "J is float64 for a float32 s: it keeps s's dtype",
     {"float64_out": True}),
    ("renormalizes_in_place", "s is renormalized in place (s /= s.sum()): the caller's s "
     "changes; s is already a probability vector", {"renormalize_in_place": True}),
    LISTS_FAIL,
])


def _log_softmax(z, global_shift=False, mean_shift=False):
    z = np.asarray(z, dtype=np.float64)
    shifted = z - (z.max() if global_shift else z.mean(axis=1, keepdims=True) if mean_shift
                   else z.max(axis=1, keepdims=True))
    with np.errstate(divide="ignore", over="ignore"):
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _cross_entropy(z, y, naive_log=False, reduce="mean", sign=-1, columns=False,
                   global_shift=False, in_place=False, mean_shift=False):
    z, y = np.asarray(z), np.asarray(y)
    if in_place:
        z -= z.max(axis=1, keepdims=True)
    if naive_log:
        with np.errstate(divide="ignore"):
            log_p = np.log(_softmax(z.astype(np.float64), axis=1))
    else:
        log_p = _log_softmax(z, global_shift, mean_shift)
    picked = log_p[:, y] if columns else log_p[np.arange(len(y)), y]
    if reduce == "none":
        return sign * picked
    total = {"mean": picked.mean(), "sum": picked.sum(), "entries": picked.sum() / log_p.size}
    return float(sign * total[reduce])


CROSS_ENTROPY = _known("cross_entropy", _cross_entropy, [
    ("log_of_softmax", "log(softmax(z)) gives inf for confident mistakes: use "
     "log-sum-exp, log_p = z - max - log(sum(exp(z - max)))", {"naive_log": True}),
    ("sum_not_mean", "the loss is summed over the batch: it is the mean", {"reduce": "sum"}),
    ("sign", "the minus sign is missing: the loss is -log p", {"sign": 1}),
    ("mean_over_all_entries", "the loss is averaged over all N * C entries: average over "
     "the N samples", {"reduce": "entries"}),
    ("indexes_columns_only", "log_p[:, y] picks an N x N block: pick one entry per row, "
     "log_p[np.arange(N), y]", {"columns": True}),
    ("global_max", "log-sum-exp subtracts the maximum of the whole batch: rows far below "
     "it give log(0); subtract each row's maximum", {"global_shift": True}),
    ("in_place", "the caller's z is shifted in place (np.asarray does not copy): compute "
     "z - max as a new array", {"in_place": True}),
    LISTS_FAIL,
    ("per_sample_losses", "the N per-sample losses come back: return their mean, a number",
     {"reduce": "none"}),
    ("subtracts_the_mean", "log-sum-exp shifts each row by its mean, not its maximum: exp "
     "overflows (inf) once a row spans more than ~1400", {"mean_shift": True}),
])


def _cross_entropy_grad(z, y, divide_by="N", sign=1, from_logits=False, shift="row",
                        float64_out=False, in_place=False):
    z, y = np.asarray(z), np.asarray(y)
    if z.dtype.kind != "f" or float64_out:
        z = z.astype(np.float64)
    p = z.copy() if from_logits else _softmax(z, shift=shift, axis=1)
    if in_place:
        z[...] = p
        p = z
    p[np.arange(len(y)), y] -= 1
    scale = {"N": len(y), "C": z.shape[1], "1": 1}[divide_by]
    return sign * p / scale


CROSS_ENTROPY_GRAD = _known("cross_entropy_grad", _cross_entropy_grad, [
    ("missing_division_by_n", "softmax(z) - onehot(y) is not divided by N (the loss is "
     "a mean)", {"divide_by": "1"}),
    ("sign", "the sign is flipped: the gradient is (softmax(z) - onehot(y)) / N",
     {"sign": -1}),
    ("divides_by_classes", "the gradient is divided by C: divide by the batch size N",
     {"divide_by": "C"}),
    ("logits_not_probabilities", "z is used in place of softmax(z)", {"from_logits": True}),
    ("global_max", "softmax subtracts the maximum of the whole batch: rows far below it "
     "give 0 / 0; subtract each row's maximum", {"shift": "all"}),
    ("no_max_shift", "exp(z) overflows for large logits: subtract the row maximum first",
     {"shift": "none"}),
    ("shift_by_min", "the row minimum is subtracted: exp overflows; subtract the row maximum",
     {"shift": "min"}),
    ("subtracts_the_mean", "softmax shifts each row by its mean, not its maximum: exp "
     "overflows (nan) once a row spans more than ~1400", {"shift": "mean"}),
    ("float64_out", "the gradient is float64 for float32 z: it keeps z's dtype",
     {"float64_out": True}),
    ("in_place", "the caller's z is overwritten (np.asarray does not copy): compute on a "
     "new array", {"in_place": True}),
    LISTS_FAIL,
])


# ----------------------------------------------------------------------------- Q7
def _training_memory(layer_sizes, batch_size, optimizer="sgd", bytes_per_value=4,
                     per_example_grads=False, biases=True, adam_copies=2, input_layer=True,
                     total_activations=True, unknown_sgd=False, fixed_bytes=None):
    copies = {"sgd": 0, "momentum": 1, "adam": adam_copies}
    if optimizer not in copies and not unknown_sgd:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    size = fixed_bytes or bytes_per_value
    sizes = [int(n) for n in layer_sizes]
    P = sum(a * b + (b if biases else 0) for a, b in zip(sizes, sizes[1:]))
    out = {"parameters": P * size, "gradients": P * size,
           "optimizer_state": copies.get(optimizer, 0) * P * size,
           "activations": batch_size * sum(sizes if input_layer else sizes[1:]) * size,
           "per_example_gradients": batch_size * P * size if per_example_grads else 0}
    out["total"] = sum(value for key, value in out.items()
                       if total_activations or key != "activations")
    return out


TRAINING_MEMORY = _known("training_memory", _training_memory, [
    ("forgets_biases", "P counts only the weights n_{i-1} * n_i: add the n_i biases of every "
     "layer, P = sum(n_{i-1} * n_i + n_i)", {"biases": False}),
    ("adam_one_copy", "Adam's state is one copy of the parameters: Adam keeps two (m and v)",
     {"adam_copies": 1}),
    ("activations_without_input", "the activations leave out the input layer: count "
     "batch_size * sum(layer_sizes)", {"input_layer": False}),
    ("total_without_activations", "total leaves out the activations",
     {"total_activations": False}),
    ("unknown_optimizer_is_sgd", "an unknown optimizer name counts as sgd instead of "
     "raising ValueError", {"unknown_sgd": True}),
    ("bits_not_bytes", "bytes_per_value is ignored (always 4 bytes)", {"fixed_bytes": 4}),
])

_P = 784 * 128 + 128 + 128 * 10 + 10   # values of the 784-128-10 net
_MB = 4 / 1e6                           # megabytes per value at 4 bytes


def _megabytes(copies_1, copies_2, unit=_MB):
    return (copies_1 * _P * unit, copies_2 * _P * unit)


MEGABYTES = Answers(("megabytes_1", "megabytes_2"), _megabytes(3, 53), (
    Mistake("adam_state", "the optimizer state counts two copies (Adam's): momentum keeps "
            "one", _megabytes(4, 54)),
    Mistake("forgot_momentum", "the momentum buffer is left out: parameters, gradients and "
            "momentum are three copies", _megabytes(2, 52)),
    Mistake("mebibytes", "1 MB is taken as 2**20 bytes: here 1 MB = 10**6 bytes",
            _megabytes(3, 53, 4 / 2**20)),
    Mistake("forgot_gradients", "the gradients are left out of megabytes_1",
            _megabytes(2, 53)),
    Mistake("per_example_for_batch_1", "megabytes_2 counts one per-example gradient: a "
            "batch of 50 keeps 50", _megabytes(3, 4)),
    Mistake("bits", "values are counted in bits: 4 bytes per value", _megabytes(3, 53, 32 / 1e6)),
))


# ----------------------------------------------------------------------------- Q8
def _sample_log_uniform(low, high, size, rng=None, linear=False, mixed_logs=False,
                        exponent_only=False, whole_powers=False, global_random=False,
                        fixed_exponents=None, grid=None, fixed_seed=None):
    if rng is None and fixed_seed is not None:
        rng = np.random.default_rng(fixed_seed)
    generator = _rng(rng, global_random)
    if grid:
        return generator.choice(np.logspace(np.log10(low), np.log10(high), grid), size)
    if linear:
        return generator.uniform(low, high, size)
    lo, hi = (np.log(low), np.log(high)) if mixed_logs else (np.log10(low), np.log10(high))
    if fixed_exponents:  # and clipped into [low, high], so that the bounds look honoured
        return np.clip(10.0 ** generator.uniform(*fixed_exponents, size), low, high)
    if whole_powers:
        exponents = generator.integers(int(np.floor(lo)), int(np.floor(hi)) + 1, size)
        return 10.0 ** exponents
    exponents = lo + (hi - lo) * generator.random(size)
    return exponents if exponent_only else 10.0**exponents


SAMPLE_LOG_UNIFORM = _known("sample_log_uniform", _sample_log_uniform, [
    ("linear_scale", "samples are uniform in [low, high]: almost all fall in the top "
     "decade; sample the exponent uniformly", {"linear": True}),
    ("mixed_logs", "the bounds use natural logs but the power is base 10: use log10 with "
     "10 ** (or ln with exp)", {"mixed_logs": True}),
    ("exponent_only", "the exponent U(log10 low, log10 high) is returned: return 10 ** it",
     {"exponent_only": True}),
    ("integer_exponents", "only whole powers of ten are drawn: the exponent is continuous",
     {"whole_powers": True}),
    ("global_numpy_random", "the samples ignore `rng` (np.random is used): draw from `rng`",
     {"global_random": True}),
    ("hard_coded_bounds", "the exponents are fixed (the notebook's -4 to -1): use "
     "log10(low) and log10(high)", {"fixed_exponents": (-4, -1)}),
    ("grid_of_values", "the samples come from a grid of log-spaced values: sample the "
     "exponent continuously, 10 ** rng.uniform(log10 low, log10 high)", {"grid": 6}),
    FIXED_SEED,
], random=True)


def _sample_beta(low, high, size, rng=None, linear=False, gaps=False, global_random=False,
                 fixed_exponents=None, grid=None):
    generator = _rng(rng, global_random)
    if grid:
        return 1 - generator.choice(np.logspace(np.log10(1 - high), np.log10(1 - low), grid),
                                    size)
    if linear:
        return generator.uniform(low, high, size)
    if fixed_exponents:  # and clipped into [low, high], so that the bounds look honoured
        return np.clip(1 - 10.0 ** generator.uniform(*fixed_exponents, size), low, high)
    gap = 10.0 ** generator.uniform(np.log10(1 - high), np.log10(1 - low), size)
    return gap if gaps else 1 - gap


SAMPLE_BETA = _known("sample_beta", _sample_beta, [
    # Uniform beta and log-uniform beta are nearly the same distribution on [0.9, 0.999]
    # (densities within 11 %): no sample the checks draw tells them apart, so one entry.
    ("beta_on_linear_scale", "beta is sampled (almost) uniformly, whether uniform or "
     "log-uniform in beta itself: sample 1 - beta log-uniformly, beta = 1 - 10 ** U(...)",
     {"linear": True}),
    ("returns_one_minus_beta", "the samples of 1 - beta are returned: return beta = 1 - them",
     {"gaps": True}),
    ("global_numpy_random", "the samples ignore `rng` (np.random is used): draw from `rng`",
     {"global_random": True}),
    ("hard_coded_decades", "1 - beta is drawn from fixed decades (10**-3 to 10**-1): use "
     "log10(1 - high) and log10(1 - low)", {"fixed_exponents": (-3, -1)}),
    ("grid_of_values", "1 - beta comes from a grid of log-spaced values: sample the exponent "
     "continuously", {"grid": 1000}),
], random=True)


def _lr_decay(lr0, epoch, decay_rate, precedence=False, exponential=False, multiplies=False,
              epoch_offset=0):
    epoch = epoch + epoch_offset
    if exponential:
        return lr0 * decay_rate**epoch
    if precedence:
        return lr0 / (1 + decay_rate) * epoch
    factor = 1 + decay_rate * epoch
    return lr0 * factor if multiplies else lr0 / factor


LR_DECAY = _known("lr_decay", _lr_decay, [
    ("precedence", "lr0 / (1 + decay_rate) * epoch: the parentheses must hold "
     "1 + decay_rate * epoch", {"precedence": True}),
    ("exponential", "the decay is exponential (lr0 * decay_rate ** epoch): it is "
     "lr0 / (1 + decay_rate * epoch)", {"exponential": True}),
    ("multiplies", "lr0 is multiplied by 1 + decay_rate * epoch: divide by it",
     {"multiplies": True}),
    ("off_by_one_epoch", "epochs are counted from 1: epoch 0 must give lr0",
     {"epoch_offset": 1}),
])


MISTAKES = {entry.function if isinstance(entry, Known) else "megabytes": entry for entry in (
    MINIBATCHES, INIT_LAYER, DROPOUT_MASK, DROPOUT_FORWARD, DROPOUT_BACKWARD,
    BATCHNORM_FORWARD, BATCHNORM_BACKWARD, MOMENTUM_STEP, RMSPROP_STEP, ADAM_STEP, EMA,
    SOFTMAX, SOFTMAX_JACOBIAN, CROSS_ENTROPY, CROSS_ENTROPY_GRAD, TRAINING_MEMORY, MEGABYTES,
    SAMPLE_LOG_UNIFORM, SAMPLE_BETA, LR_DECAY)}
