"""Hidden checks of docs/spec.md's conventions for every numpy stub, from one table.

``STUBS`` knows, per function, how to build valid inputs (arguments at non-default values),
which inputs are arrays and which results are float arrays. Each stub's case then checks,
and reports every one that fails:

- dtype: all-float32 inputs give float32 float results; where SPEC names the input that
  decides (dropout: ``dout`` with a float64 mask; batch norm: ``x`` with float64 gamma,
  beta and running statistics decides ``out``), that input alone in float32 does too.
  Where SPEC is silent on mixed inputs (optimizer steps, batch norm's backward) only
  all-float32 inputs are tried; SPEC's rule is "dtype follows the input", not PyTorch's
  promotion.
- in place: no input array, state arrays included, differs after the call.
- array-likes: every array input given as a (nested) list gives the same results (not
  for minibatches: SPEC Q1 names the types it works for, arrays and tensors, kept as such).

The conventions are checked only once the stub's values case (``Stub.values``) passes:
they are credited only to a function whose values are right (a placeholder answer such
as ``np.zeros_like(x)`` follows every convention).

Stubs without array inputs (init_layer, training_memory, the samplers, lr_decay) have
no case here; their own checks cover their arguments.
"""
import inspect
from dataclasses import dataclass
from typing import Callable

import numpy as np

from autograder.optimization.hidden import (
    q1_minibatches as q1, q3_dropout as q3, q4_batchnorm as q4, q5_optimizers as q5,
    q6_softmax as q6, right_values_first,
)
from autograder.optimization.public import assert_close, describe_call, invoke

N, D, C = 16, 7, 5


def _normal(seed, *shape):
    return np.random.default_rng(seed).normal(size=shape)


def _labels(seed, n=N, c=C):
    return np.random.default_rng(seed).integers(0, c, n)


@dataclass(frozen=True)
class Stub:
    """inputs(functions, dtype): the arguments in SPEC order (a dict), float arrays in
    ``dtype``; arrays: the names of the array inputs; outputs(result): numeric results by
    name; float32_outputs: those that follow the input dtype; values: the check of the
    stub's values (its parameters among the conventions case's); decides: for mixed
    inputs, (inputs given in float32, outputs that must then be float32); array_likes:
    whether lists must be accepted."""

    inputs: Callable[[dict, type], dict]
    arrays: tuple[str, ...]
    outputs: Callable[[object], dict]
    float32_outputs: tuple[str, ...]
    values: Callable[..., None]
    decides: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    array_likes: bool = True


def _batchnorm_inputs(dtype):
    rng = np.random.default_rng(3)
    return {"x": rng.normal(2.0, 3.0, (N, D)).astype(dtype),
            "gamma": rng.normal(1.0, 0.5, D).astype(dtype), "beta": rng.normal(size=D).astype(dtype),
            "running_mean": rng.normal(size=D).astype(dtype),
            "running_var": rng.uniform(0.5, 2.0, D).astype(dtype),
            "training": True, "momentum": 0.3, "eps": 1e-3}


def _batchnorm_backward_inputs(functions, dtype):
    forward = functions["batchnorm_forward"]
    cache = invoke(forward, list(_batchnorm_inputs(dtype).values()))[1]
    return {"dout": _normal(4, N, D).astype(dtype), "cache": cache}


def _softmax_of(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


STUBS = {
    "minibatches": Stub(
        lambda f, dt: {"X": _normal(1, 10, 3).astype(dt), "y": np.arange(10), "batch_size": 4,
                       "shuffle": True, "rng": np.random.default_rng(2)},
        ("X", "y"),
        lambda r: {"X batches": np.concatenate([np.asarray(b[0]) for b in r]),
                   "y batches": np.concatenate([np.asarray(b[1]) for b in r])},
        ("X batches",), values=q1.keeps_every_sample_once, array_likes=False),
    "dropout_forward": Stub(
        lambda f, dt: {"x": _normal(5, 40, 30).astype(dt), "p": 0.3, "training": True,
                       "rng": np.random.default_rng(6)},
        ("x",), lambda r: {"out": r[0], "mask": r[1]}, ("out",), values=q3.forward_applies_the_mask),
    "dropout_backward": Stub(
        lambda f, dt: {"dout": _normal(7, 40, 30).astype(dt),
                       "mask": ((np.random.default_rng(8).random((40, 30)) >= 0.3) / 0.7).astype(dt)},
        ("dout", "mask"), lambda r: {"dx": r}, ("dx",), values=q3.backward_multiplies_by_the_mask,
        decides=(("dout",), ("dx",))),
    "batchnorm_forward": Stub(
        lambda f, dt: _batchnorm_inputs(dt),
        ("x", "gamma", "beta", "running_mean", "running_var"),
        lambda r: {"out": r[0], "new_running_mean": r[2], "new_running_var": r[3]},
        ("out", "new_running_mean", "new_running_var"), values=q4.training_forward_matches_torch,
        decides=(("x",), ("out",))),
    "batchnorm_backward": Stub(
        _batchnorm_backward_inputs, ("dout",),
        lambda r: {"dx": r[0], "dgamma": r[1], "dbeta": r[2]}, ("dx", "dgamma", "dbeta"),
        values=q4.backward_matches_autograd),
    "momentum_step": Stub(
        lambda f, dt: {"w": _normal(9, 3, 4).astype(dt), "dw": _normal(10, 3, 4).astype(dt),
                       "v": _normal(11, 3, 4).astype(dt), "lr": 0.1, "beta": 0.8},
        ("w", "dw", "v"), lambda r: {"w": r[0], "v": r[1]}, ("w", "v"),
        values=q5.momentum_matches_torch_sgd),
    "rmsprop_step": Stub(
        lambda f, dt: {"w": _normal(12, 3, 4).astype(dt), "dw": _normal(13, 3, 4).astype(dt),
                       "s": np.abs(_normal(14, 3, 4)).astype(dt), "lr": 0.01, "beta": 0.9,
                       "eps": 1e-3},
        ("w", "dw", "s"), lambda r: {"w": r[0], "s": r[1]}, ("w", "s"), values=q5.rmsprop_matches_torch),
    "adam_step": Stub(
        lambda f, dt: {"w": _normal(15, 3, 4).astype(dt), "dw": _normal(16, 3, 4).astype(dt),
                       "m": _normal(17, 3, 4).astype(dt), "v": np.abs(_normal(18, 3, 4)).astype(dt),
                       "t": 3, "lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-3},
        ("w", "dw", "m", "v"), lambda r: {"w": r[0], "m": r[1], "v": r[2]}, ("w", "m", "v"),
        values=q5.adam_matches_torch),
    "ema": Stub(
        lambda f, dt: {"values": (5.0 + _normal(19, 20)).astype(dt), "beta": 0.8,
                       "bias_correction": True},
        ("values",), lambda r: {"v": r}, ("v",), values=q5.ema_matches_the_recurrence),
    "softmax": Stub(
        lambda f, dt: {"z": (3 * _normal(20, 6, C)).astype(dt)}, ("z",), lambda r: {"s": r}, ("s",),
        values=q6.softmax_matches_torch),
    "softmax_jacobian": Stub(
        lambda f, dt: {"s": _softmax_of(_normal(21, C)).astype(dt)}, ("s",), lambda r: {"J": r},
        ("J",), values=q6.jacobian_matches_autograd),
    "cross_entropy": Stub(
        lambda f, dt: {"z": (3 * _normal(22, N, C)).astype(dt), "y": _labels(23)},
        ("z", "y"), lambda r: {"loss": r}, (), values=q6.cross_entropy_matches_torch),
    "cross_entropy_grad": Stub(
        lambda f, dt: {"z": (3 * _normal(24, N, C)).astype(dt), "y": _labels(25)},
        ("z", "y"), lambda r: {"dz": r}, ("dz",), values=q6.cross_entropy_grad_matches_autograd),
}


def _not_float32(fn, stub, inputs, outs, what):
    """Problems when the float results ``outs`` of ``fn(inputs)`` are not float32."""
    got = stub.outputs(invoke(fn, list(inputs.values())))
    wrong = {k: str(np.asarray(got[k]).dtype) for k in outs if np.asarray(got[k]).dtype != np.float32}
    if not wrong:
        return []
    shown = ", ".join(f"{k} is {v}" for k, v in wrong.items())
    return [f"{describe_call(fn, list(inputs.values()))}: with {what} every float result "
            f"should be float32, but {shown}"]


def all_float32_problems(name, functions, stub):
    """All-float32 inputs: every float result float32."""
    return _not_float32(functions[name], stub, stub.inputs(functions, np.float32),
                        stub.float32_outputs, "all float32 inputs")


def deciding_input_problems(name, functions, stub):
    """Only the inputs SPEC names in float32, the rest float64: their results float32."""
    cast, outs = stub.decides
    inputs = stub.inputs(functions, np.float64)
    inputs.update({k: inputs[k].astype(np.float32) for k in cast})
    others = [k for k in stub.arrays if k not in cast and inputs[k].dtype.kind == "f"]
    return _not_float32(functions[name], stub, inputs, outs,
                        f"{' and '.join(cast)} float32, {', '.join(others)} float64 "
                        f"({' and '.join(cast)} decides, SPEC: dtype follows the input)")


def in_place_problems(name, functions, stub):
    """Which input arrays a call changes."""
    fn = functions[name]
    inputs = stub.inputs(functions, np.float64)
    before = {k: np.array(inputs[k], copy=True) for k in stub.arrays}
    invoke(fn, list(inputs.values()), copy=False)
    changed = [k for k in stub.arrays if not np.array_equal(np.asarray(inputs[k]), before[k])]
    if changed:
        return [f"{describe_call(fn, list(inputs.values()))} modified {', '.join(changed)} in place "
                f"(a stub returns new arrays: write `a = a - b`, not `a -= b`)"]
    return []


def array_like_problems(name, functions, stub):
    """Whether lists in place of the array inputs give the same results."""
    fn = functions[name]
    expected = stub.outputs(invoke(fn, list(stub.inputs(functions, np.float64).values())))
    inputs = stub.inputs(functions, np.float64)
    inputs.update({k: inputs[k].tolist() for k in stub.arrays})
    try:
        got = stub.outputs(invoke(fn, list(inputs.values())))
        for key, value in expected.items():
            assert_close(got[key], value, key)
    except AssertionError as e:
        return [f"with {', '.join(stub.arrays)} given as Python lists (SPEC: inputs may be "
                f"array-likes, convert with np.asarray): {e}"]
    return []


PARTS = (all_float32_problems, deciding_input_problems, in_place_problems, array_like_problems)


def applies(part, stub):
    """Whether convention ``part`` applies to ``stub``."""
    return {all_float32_problems: bool(stub.float32_outputs), deciding_input_problems: bool(stub.decides),
            array_like_problems: stub.array_likes}.get(part, True)


def conventions(name, functions):
    """Run every convention on stub ``name`` once its values case passes; raise one
    AssertionError listing each failure."""
    stub, problems = STUBS[name], []
    right_values_first(stub.values, *(functions[p] for p in inspect.signature(stub.values).parameters))
    for part in (p for p in PARTS if applies(p, stub)):
        try:
            problems += part(name, functions, stub)
        except AssertionError as e:
            problems.append(str(e))
    assert not problems, "\n".join(problems)


def minibatches_follows_the_conventions(minibatches):
    """float32 X gives float32 batches; X and y untouched."""
    conventions("minibatches", locals())


def dropout_forward_follows_the_conventions(dropout_forward):
    """float32 x gives float32 out; x untouched; lists accepted."""
    conventions("dropout_forward", locals())


def dropout_backward_follows_the_conventions(dropout_backward):
    """float32 dout gives float32 dx, also with a float64 mask; inputs untouched; lists accepted."""
    conventions("dropout_backward", locals())


def batchnorm_forward_follows_the_conventions(batchnorm_forward):
    """float32 inputs give float32 results, float32 x alone a float32 out; inputs and
    running statistics untouched; lists accepted."""
    conventions("batchnorm_forward", locals())


def batchnorm_backward_follows_the_conventions(batchnorm_forward, batchnorm_backward):
    """float32 forward and dout give float32 gradients; dout untouched; a list dout accepted."""
    conventions("batchnorm_backward", locals())


def momentum_step_follows_the_conventions(momentum_step):
    """float32 w, dw, v give float32 w, v; no input or state changed in place; lists accepted."""
    conventions("momentum_step", locals())


def rmsprop_step_follows_the_conventions(rmsprop_step):
    """float32 w, dw, s give float32 w, s; no input or state changed in place; lists accepted."""
    conventions("rmsprop_step", locals())


def adam_step_follows_the_conventions(adam_step):
    """float32 w, dw, m, v give float32 w, m, v (mind float64 scalars such as
    np.power(beta1, t)); no input or state changed in place; lists accepted."""
    conventions("adam_step", locals())


def ema_follows_the_conventions(ema):
    """float32 values give a float32 result; values untouched; a list accepted."""
    conventions("ema", locals())


def softmax_follows_the_conventions(softmax):
    """float32 z gives float32 probabilities; z untouched; lists accepted."""
    conventions("softmax", locals())


def softmax_jacobian_follows_the_conventions(softmax_jacobian):
    """float32 s gives a float32 Jacobian; s untouched; a list accepted."""
    conventions("softmax_jacobian", locals())


def cross_entropy_follows_the_conventions(cross_entropy):
    """z and y untouched; lists accepted (the loss is a scalar, any float type)."""
    conventions("cross_entropy", locals())


def cross_entropy_grad_follows_the_conventions(cross_entropy_grad):
    """float32 z gives a float32 gradient; z and y untouched; lists accepted."""
    conventions("cross_entropy_grad", locals())
