"""Judge one drawn call of a student function against the contract (docs/spec.md).

``judge(fn, drawn, parts, expected, conventions)`` calls ``fn`` on the drawn arguments
(positionally, in SPEC order) and compares what it returns, part by part, with SPEC's
formula or PyTorch (``expected``: float64 references computed from the same inputs):

- the structure: how many values come back, and each one's type (a numpy array, not a list
  or a tensor; a number, not an array, where SPEC returns a scalar);
- shapes and values, to the tolerance of the dtype the result must have;
- with ``conventions``: the dtype rule (a float input's dtype, float64 for integer inputs and
  lists) and that no argument changed in place.

A failure raises AssertionError showing the drawn call (drawn inputs are no secret), what
is wrong, and the expected against the observed values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from autograder.drawn import show
from autograder.optimization.hidden.space import Drawn, Seeded
from autograder.optimization.public import as_numpy, assert_close, invoke, tolerance


@dataclass(frozen=True)
class Part:
    """One returned value: ``kind`` "array", "number" or "free" (the student's own, e.g. a
    cache); ``follows``: the argument whose dtype an array result takes (None: float64)."""

    name: str
    kind: str = "array"
    follows: str | None = None


def result_dtype(value) -> np.dtype:
    """SPEC's dtype rule for a result following ``value``: its float dtype, float64 for
    integers and lists of Python numbers."""
    dtype = np.asarray(value).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def plain(value):
    """The float64 (or integer) numpy version of a drawn argument, for the references."""
    if isinstance(value, Seeded):
        return np.random.default_rng(value.seed)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, np.ndarray)) or hasattr(value, "detach"):
        array = as_numpy(value)
        return array.astype(np.float64) if array.dtype.kind == "f" else array
    return value


def call_drawn(fn, drawn: Drawn):
    """``fn`` on fresh copies of the drawn arguments, positionally; returns (result, the
    arguments after the call). A crash names the drawn call."""
    arguments = drawn.arguments()
    try:
        return invoke(fn, list(arguments.values()), copy=False), arguments
    except AssertionError as e:
        message = str(e)
        cause = message.split(" (raised by ")[0]
        raise AssertionError(f"{drawn}: {cause}") from None


def changed_arguments(drawn: Drawn, after: dict) -> list[str]:
    """The arguments a call modified in place."""
    before = drawn.arguments()
    return [name for name, value in after.items()
            if isinstance(value, (np.ndarray, list)) and not _equal(before[name], value)]


def _equal(a, b) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))
    except (TypeError, ValueError):
        return a == b


def type_problem(value, kind: str) -> str | None:
    """What is wrong with the type of a returned value of ``kind``, or None."""
    if kind == "array" and not isinstance(value, np.ndarray):
        shape = f" of shape {tuple(value.shape)}" if hasattr(value, "shape") else ""
        return f"is a {type(value).__name__}{shape}, expected a numpy array"
    if kind == "number" and (isinstance(value, (bool, np.bool_)) or
                             not isinstance(value, (int, float, np.integer, np.floating))):
        shape = f" of shape {np.shape(value)}" if hasattr(value, "shape") else ""
        return (f"is a {type(value).__name__}{shape}, expected a number (a Python float or a "
                f"numpy scalar)")
    return None


def parts_of(result, parts: tuple[Part, ...]) -> dict:
    """The returned values by part name; AssertionError when their number differs."""
    if len(parts) == 1:
        return {parts[0].name: result}
    if not isinstance(result, (tuple, list)) or len(result) != len(parts):
        got = f"{len(result)} values" if isinstance(result, (tuple, list)) else \
            f"a {type(result).__name__}"
        raise AssertionError(f"returned {got}, expected ({', '.join(p.name for p in parts)})")
    return dict(zip((p.name for p in parts), result))


def precision(drawn: Drawn, dtype) -> np.dtype:
    """The least precise float among ``dtype`` and the drawn inputs (float arrays, numpy
    float scalars): a float32 hyperparameter computes in float32 where it enters."""
    dtypes = [np.dtype(dtype)] + [np.asarray(v).dtype for _, v in drawn.values
                                  if isinstance(v, (np.ndarray, np.floating))]
    return min((d for d in dtypes if d.kind == "f"), key=lambda d: d.itemsize)


def compare(name: str, got, expected, dtype) -> None:
    """Shape and values of ``got`` against ``expected`` to ``dtype``'s tolerance; the message
    shows both."""
    try:
        if np.shape(got) != np.shape(expected):
            raise AssertionError(f"{name}: expected shape {np.shape(expected)}, got "
                                 f"{np.shape(got)}")
        observed = as_numpy(got)
        if observed.dtype.kind not in "biuf":
            raise AssertionError(f"{name}: expected numbers, got values of type {observed.dtype}")
        rtol, atol = tolerance(dtype)
        scale = float(np.max(np.abs(expected), initial=0.0))
        if np.allclose(observed.astype(np.float64), expected, rtol=rtol,
                       atol=atol * max(1.0, scale)):
            return
        assert_close(got, expected, name)
        raise AssertionError(f"{name}: wrong values")
    except AssertionError as e:
        raise AssertionError(f"{e}\n    expected {show(np.asarray(expected))}\n"
                             f"    got      {show(got)}") from None


def judge(fn, drawn: Drawn, parts: tuple[Part, ...], expected: Callable[[dict], dict],
          conventions: bool = False) -> None:
    """Call ``fn`` on ``drawn`` and judge every part of the result; see the module docstring."""
    result, after = call_drawn(fn, drawn)
    reference = expected({k: plain(v) for k, v in drawn.values})
    problems = []
    try:
        got = parts_of(result, parts)
    except AssertionError as e:
        raise AssertionError(f"{drawn} {e}") from None
    for part in parts:
        if part.kind == "free":
            continue
        value = got[part.name]
        wrong_type = type_problem(value, part.kind)
        if wrong_type:
            problems.append(f"{part.name} {wrong_type}")
            continue
        want = result_dtype(drawn[part.follows]) if part.follows else np.dtype(np.float64)
        if conventions and part.kind == "array" and value.dtype != want:
            problems.append(f"{part.name} is {value.dtype}, expected {want} (the dtype follows "
                            f"{part.follows}: float inputs keep their dtype, integers and "
                            f"lists give float64)")
        try:
            compare(part.name, value, reference[part.name], precision(drawn, want))
        except AssertionError as e:
            problems.append(str(e))
    if conventions:
        changed = changed_arguments(drawn, after)
        if changed:
            problems.append(f"modified {', '.join(changed)} in place: compute new arrays")
    if problems:
        raise AssertionError(f"{drawn}:\n  " + "\n  ".join(problems))

