"""How a result differs from the expected one, in a few words that are true of both values.

    describe(observed, expected)   -> "64 times the expected values", or None
    summary(value)                 -> "an array of shape (8,) float64"

``describe`` tries, in this order, the simple relations a mistake leaves between a wrong
result and the right one, and names the first that holds for every entry:

- only the type (a list, a tensor, a 0-d tensor, None instead of an array or a float),
  only the dtype, only the shape (the same values reshaped);
- another shape: the transpose or other axes, per-entry values whose mean or sum over an
  axis is the expected result (not reduced), the expected values reduced;
- NaN or inf where the expected values are finite;
- a constant factor (a sign), a constant added (off by one), the transpose, the order
  reversed along an axis, a shift by one position along an axis;
- only some rows, columns or entries differ (at most half of them);
- in a dict, tuple or list: which keys or items differ, with their own description.

Each description is a noun phrase for the observed value ("64 times the expected values",
"the expected values except in 2 of 8 rows (rows 1, 5)", "a tuple whose item 1 is ...",
"None instead of a float"), so that "returns " + description reads as a sentence.

It returns None when the values agree (within ``rtol``, relative to the expected values'
scale; by default the tolerance of the coarser float dtype) and when nothing simple
explains the difference: it never guesses. A factor or an offset is only named for arrays
with two distinct expected values, or for scalars when it is -1, a whole number
(or its inverse) or an offset of exactly one, so that two unrelated values get no
description. Descriptions quote shapes, dtypes, counts, positions and fitted factors,
never an input's entries: hidden checks' feedback can show them.

``noun`` names the reference in the text: describe(after, before, noun="its values before
the call") says how a function changed an input in place.
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

SCALAR_RTOL = 1e-6   # how exactly a scalar's factor or offset must be simple to be named
EXPECTED = "the expected value{s}"   # "{s}": "s" unless the expected value is a scalar


# ----------------------------------------------------------------------------- summary
def _is_tensor(value) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach") \
        and hasattr(value, "dtype")


def _dtype_name(value) -> str:
    return str(value.dtype).removeprefix("torch.")


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def summary(value) -> str:
    """What ``value`` is, without its entries: "None", "a float", "a numpy float32",
    "an array of shape (8,) float64", "a 0-d tensor float32", "a list of 3 floats",
    "a tuple (an array of shape (3,) float64, None)", "a dict with keys ['a', 'b']"."""
    if value is None:
        return "None"
    if isinstance(value, (bool, int, float, complex, str)):
        return _article(type(value).__name__)
    if isinstance(value, np.generic):
        return f"a numpy {value.dtype}"
    if isinstance(value, np.ndarray) or _is_tensor(value):
        kind = "tensor" if _is_tensor(value) else "array"
        device = getattr(value, "device", None)
        where = f" on {device}" if device is not None and str(device) != "cpu" else ""
        if value.ndim == 0:
            return f"a 0-d {kind} {_dtype_name(value)}{where}"
        return f"{_article(kind)} of shape {tuple(value.shape)} {_dtype_name(value)}{where}"
    if isinstance(value, (list, tuple)):
        kinds = {type(v).__name__ for v in value}
        if isinstance(value, tuple) and 0 < len(value) <= 4:
            return f"a tuple ({', '.join(summary(v) for v in value)})"
        if len(kinds) == 1 and isinstance(value[0], (bool, int, float, np.generic)):
            return f"a {type(value).__name__} of {len(value)} {kinds.pop()}s"
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, dict):
        keys = list(value)
        return f"a dict with keys {keys[:8]}{' ...' if len(keys) > 8 else ''}"
    return _article(getattr(value, "_type", None) or type(value).__name__)


# ----------------------------------------------------------------------------- values
def _numeric(value):
    """(array, container) of a number, array, tensor or rectangular list of numbers;
    None when ``value`` is not numeric data. container: "float", "numpy", "array",
    "tensor", "list", "tuple", ..."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, np.generic):
        return (np.asarray(value), "numpy") if np.issubdtype(value.dtype, np.number) else None
    if isinstance(value, (int, float)):
        return np.asarray(value), type(value).__name__
    if _is_tensor(value):
        try:
            return value.detach().cpu().numpy(), "tensor"
        except (TypeError, RuntimeError):
            return None
    if isinstance(value, np.ndarray):   # a 0-d array is one more numpy scalar
        return (value, "numpy" if value.ndim == 0 else "array") \
            if np.issubdtype(value.dtype, np.number) or value.dtype == bool else None
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, np.ndarray) or _is_tensor(v) or v is None for v in value):
            return None
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):
            return None
        if array.dtype == object or not (np.issubdtype(array.dtype, np.number)
                                         or array.dtype == bool) or array.ndim == 0:
            return None
        return array, type(value).__name__
    return None


def _container_text(container: str, array: np.ndarray) -> str:
    if container in ("float", "int", "numpy"):
        return {"float": "a float", "int": "an int"}.get(container, f"a numpy {array.dtype}")
    if container == "tensor":
        return "a 0-d tensor" if array.ndim == 0 else "a tensor"
    if container == "array":
        return "a 0-d array" if array.ndim == 0 else "a numpy array"
    return f"a {container}"


def _rtol(*arrays) -> float:
    widths = [a.dtype.itemsize for a in arrays if np.issubdtype(a.dtype, np.floating)]
    width = min(widths, default=8)
    return {2: 1e-2, 4: 1e-4}.get(width, 1e-6)


def tolerance(*values) -> float:
    """The relative tolerance of a computation on ``values`` (arguments and results, nested
    in tuples, lists and dicts): that of the narrowest float among them (1e-2 float16,
    1e-4 float32, 1e-6 otherwise), since a result is only as precise as its inputs."""
    arrays: list[np.ndarray] = []

    def walk(value, depth=0):
        numeric = _numeric(value)
        if numeric is not None:
            arrays.append(numeric[0])
        elif depth < 8 and isinstance(value, (list, tuple)):
            for item in value:
                walk(item, depth + 1)
        elif depth < 8 and isinstance(value, dict):
            for item in value.values():
                walk(item, depth + 1)
    for value in values:
        walk(value)
    return _rtol(*arrays)


class _Close:
    """Entry-wise closeness relative to the expected values' scale."""

    def __init__(self, expected: np.ndarray, rtol: float):
        finite = expected[np.isfinite(expected)]
        self.scale = float(np.abs(finite).max(initial=0.0))
        self.rtol, self.atol = rtol, rtol * self.scale + 1e-12

    def entries(self, observed, expected) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.isclose(observed, expected, rtol=self.rtol, atol=self.atol,
                              equal_nan=True)

    def all(self, observed, expected) -> bool:
        return np.shape(observed) == np.shape(expected) and \
            bool(self.entries(observed, expected).all())


# ----------------------------------------------------------------------------- describe
def describe(observed, expected, rtol: float | None = None, noun: str = EXPECTED) -> str | None:
    """A short description of how ``observed`` differs from ``expected`` that is true of
    both, or None when they agree (``equal``) or nothing simple explains the difference.

    observed, expected: numbers, numpy arrays, torch tensors, lists of numbers, or tuples,
    lists and dicts of these. rtol: relative tolerance (default: 1e-6, 1e-4 for float32,
    1e-2 for float16 data); atol = rtol * max |expected|."""
    if equal(observed, expected, rtol):
        return None
    if isinstance(expected, dict) or isinstance(observed, dict):
        return _describe_mapping(observed, expected, rtol, noun)
    o, e = _numeric(observed), _numeric(expected)
    if e is None:
        if isinstance(expected, (list, tuple)) and isinstance(observed, (list, tuple)):
            return _describe_items(observed, expected, rtol, noun)
        return None
    if o is None:
        if observed is None or isinstance(observed, (str, bool, dict, list, tuple)):
            return f"{summary(observed)} instead of {summary(expected)}"
        return None
    (a, a_kind), (b, b_kind) = (o[0].astype(np.float64), o[1]), (e[0].astype(np.float64), e[1])
    noun = noun.replace("{s}", "" if b.ndim == 0 else "s")
    close = _Close(b, _rtol(o[0], e[0]) if rtol is None else rtol)
    if a.shape != b.shape:
        return _describe_shapes(a, b, close, noun)
    if close.all(a, b):
        if not _same_kind(a_kind, b_kind):
            return f"{_container_text(a_kind, a)} instead of {_container_text(b_kind, b)} " \
                   f"holding {noun}"
        return f"{noun} in {o[0].dtype} instead of {e[0].dtype}"
    return _describe_values(a, b, close, noun)


def equal(observed, expected, rtol: float | None = None) -> bool:
    """Whether ``observed`` is ``expected``: the same values (within ``rtol``, as in
    ``describe``), shape, container (Python and numpy scalars are one kind; lists and
    tuples of items too) and float width; dicts with the same keys, sequences item by
    item."""
    if isinstance(expected, dict) or isinstance(observed, dict):
        return isinstance(observed, dict) and isinstance(expected, dict) and \
            observed.keys() == expected.keys() and \
            all(equal(observed[k], expected[k], rtol) for k in expected)
    o, e = _numeric(observed), _numeric(expected)
    if o is None or e is None:
        if o is not None or e is not None:
            return False
        if isinstance(expected, (list, tuple)) and isinstance(observed, (list, tuple)):
            return len(observed) == len(expected) and \
                all(equal(x, y, rtol) for x, y in zip(observed, expected))
        try:
            return bool(observed == expected)
        except Exception:
            return False
    a, b = o[0].astype(np.float64), e[0].astype(np.float64)
    close = _Close(b, _rtol(o[0], e[0]) if rtol is None else rtol)
    return close.all(a, b) and _same_kind(o[1], e[1]) and not _dtype_matters(o[0], e[0])


# Python numbers and numpy scalars are interchangeable (SPEC: "returned scalars may be
# Python floats or numpy scalars"), and so are lists and tuples.
_KINDS = {"float": "scalar", "int": "scalar", "numpy": "scalar", "list": "sequence",
          "tuple": "sequence"}


def _same_kind(a: str, b: str) -> bool:
    return _KINDS.get(a, a) == _KINDS.get(b, b)


def _dtype_matters(a: np.ndarray, b: np.ndarray) -> bool:
    """A dtype difference worth naming: floats of another width, or float against int."""
    floats = np.issubdtype(a.dtype, np.floating), np.issubdtype(b.dtype, np.floating)
    return floats[0] != floats[1] or (all(floats) and a.dtype.itemsize != b.dtype.itemsize)


def _describe_mapping(observed, expected, rtol, noun) -> str | None:
    if not (isinstance(observed, dict) and isinstance(expected, dict)):
        return f"{summary(observed)} instead of {summary(expected)}"
    missing = [k for k in expected if k not in observed]
    extra = [k for k in observed if k not in expected]
    if missing or extra:
        parts = ([f"no key {', '.join(map(repr, missing))}"] if missing else []) + \
                ([f"an extra key {', '.join(map(repr, extra))}"] if extra else [])
        return f"a dict with {' and '.join(parts)}"
    return "a dict whose " + _items_text(
        [(f"[{k!r}]", observed[k], expected[k]) for k in expected], rtol, noun)


def _describe_items(observed, expected, rtol, noun) -> str | None:
    if len(observed) != len(expected):
        return f"{len(observed)} items instead of {len(expected)}"
    return f"a {type(observed).__name__} whose " + _items_text(
        [(f"item {i}", o, e) for i, (o, e) in enumerate(zip(observed, expected))], rtol, noun)


def _items_text(items, rtol, noun) -> str:
    """ "item 1 is 2 times the expected values; item 2 differs (the others match)" """
    differing = [(where, describe(o, e, rtol, noun)) for where, o, e in items
                 if not equal(o, e, rtol)]
    shown = "; ".join(f"{where} is {text}" if text else f"{where} differs"
                      for where, text in differing[:3])
    rest = f" (and {len(differing) - 3} more)" if len(differing) > 3 else ""
    agree = "" if len(differing) == len(items) else " (the others match)"
    return f"{shown}{rest}{agree}"


# ----------------------------------------------------------------------------- shapes
def _describe_shapes(a, b, close, noun) -> str:
    if a.size == b.size and a.size > 1 and close.all(a.reshape(b.shape), b):
        return f"{noun} in shape {a.shape} instead of {b.shape}"
    if a.ndim == b.ndim and a.ndim >= 2:
        for axes in itertools.permutations(range(b.ndim)):
            if axes != tuple(range(b.ndim)) and close.all(a, b.transpose(axes)):
                return f"the transpose of {noun}" if b.ndim == 2 else \
                    f"{noun} with their axes in the order {axes}"
    if a.ndim == b.ndim + 1:
        for axis, (name, reduce) in itertools.product(range(a.ndim), _REDUCTIONS):
            if _Close(b, close.rtol).all(reduce(a, axis), b):
                where = "" if a.ndim == 1 else f" over axis {axis}"
                return (f"values of shape {a.shape} instead of {b.shape} whose {name}{where} "
                        f"is {noun} (not reduced)")
    if b.ndim == a.ndim + 1:
        for axis, (name, reduce) in itertools.product(range(b.ndim), _REDUCTIONS):
            if close.all(a, reduce(b, axis)) and not close.all(a, np.zeros_like(a)):
                where = "" if b.ndim == 1 else f" over axis {axis}"
                return f"values of shape {a.shape} instead of {b.shape}: the {name}{where} " \
                       f"of {noun}"
    return f"values of shape {a.shape} instead of {b.shape}"


_REDUCTIONS = (("mean", lambda x, axis: x.mean(axis)), ("sum", lambda x, axis: x.sum(axis)))


# ----------------------------------------------------------------------------- values
def _describe_values(a, b, close, noun) -> str | None:
    bad_numbers = ~np.isfinite(a) & np.isfinite(b)
    if bad_numbers.any():
        kinds = " and ".join(k for k, m in (("NaN", np.isnan(a)), ("inf", np.isinf(a)))
                             if (m & bad_numbers).any())
        if b.ndim == 0:
            return f"{kinds} where {noun} is finite"
        return f"{kinds} in {int(bad_numbers.sum())} of {a.size} entries where {noun} are " \
               "finite"
    finite = np.isfinite(a) & np.isfinite(b)
    distinct = np.unique(b[finite]).size >= 2
    for relation in (_factor, _offset, _permuted, _reversed, _shifted):
        text = relation(a, b, close, noun, distinct)
        if text:
            return text
    return _some(a, b, close, noun)


def _simple(ratio: float) -> str | None:
    """A ratio a reader recognises, to 1e-6: -1, a whole number k or 1/k (2 <= k <= 10000).
    (Two unrelated scalars have such a ratio with a probability near 1e-5.)"""
    if abs(ratio) < 1e-300:
        return None
    for value, inverse in ((abs(ratio), False), (1 / abs(ratio), True)):
        k = round(value)
        if 2 <= k <= 10_000 and abs(value - k) <= SCALAR_RTOL * value:
            return f"{'-' if ratio < 0 else ''}{'1/' if inverse else ''}{k}"
    return "-1" if abs(ratio + 1) <= SCALAR_RTOL else None


def _factor(a, b, close, noun, distinct) -> str | None:
    denominator = float((b * b).sum())
    if denominator == 0 or not np.isfinite(a).all() or not np.isfinite(b).all():
        return None
    c = float((a * b).sum()) / denominator
    if not close.all(a, c * b) or abs(c - 1) <= close.rtol:
        return None
    if not distinct:
        simple = _simple(c)
        if simple is None:
            return None
        c = float(Fraction(simple)) if "/" in simple else float(simple)
    if abs(c + 1) <= 10 * close.rtol:
        return f"{noun} with the sign flipped"
    if abs(c) <= close.rtol:
        return None
    inverse = 1 / c
    if abs(inverse - round(inverse)) <= 10 * close.rtol * abs(inverse) and abs(inverse) >= 2:
        return f"{noun} divided by {round(inverse)}"
    return f"{_number(c)} times {noun}"


def _offset(a, b, close, noun, distinct) -> str | None:
    if not np.isfinite(a).all() or not np.isfinite(b).all():
        return None
    d = float(np.median(a - b))
    if not close.all(a, b + d):
        return None
    one = abs(abs(d) - 1) <= SCALAR_RTOL * max(1.0, close.scale)
    if not distinct and not one:
        return None
    one = " (off by one)" if one else ""
    return f"{noun} {'plus' if d > 0 else 'minus'} {_number(abs(d))}{one}"


def _permuted(a, b, close, noun, distinct) -> str | None:
    if a.ndim < 2 or not distinct:
        return None
    for axes in itertools.permutations(range(b.ndim)):
        moved = b.transpose(axes)
        if axes != tuple(range(b.ndim)) and moved.shape == a.shape and close.all(a, moved):
            return f"the transpose of {noun}" if b.ndim == 2 else \
                f"{noun} with their axes in the order {axes}"
    return None


def _axis_text(b, axis) -> str:
    return "" if b.ndim == 1 else f" along axis {axis}"


def _reversed(a, b, close, noun, distinct) -> str | None:
    if not distinct:
        return None
    for axis in range(b.ndim):
        if b.shape[axis] >= 2 and close.all(a, np.flip(b, axis)):
            return f"{noun} in reverse order{_axis_text(b, axis)}"
    return None


def _shifted(a, b, close, noun, distinct) -> str | None:
    """Entry i holds the expected entry i - 1 (or i + 1) along an axis of length >= 3, and
    the overlap is not itself constant (then any shift would fit)."""
    if not distinct:
        return None
    for axis in range(b.ndim):
        n = b.shape[axis]
        if n < 3:
            continue
        head = (slice(None),) * axis + (slice(1, None),)
        tail = (slice(None),) * axis + (slice(None, -1),)
        if close.all(b[head], b[tail]):
            continue
        if close.all(a[head], b[tail]):
            return f"{noun} shifted by one position{_axis_text(b, axis)}: entry i holds " \
                   "expected entry i - 1"
        if close.all(a[tail], b[head]):
            return f"{noun} shifted by one position{_axis_text(b, axis)}: entry i holds " \
                   "expected entry i + 1"
    return None


def _positions(indices) -> str:
    shown = ", ".join(str(int(i)) for i in indices[:6])
    return shown + (", ..." if len(indices) > 6 else "")


def _some(a, b, close, noun) -> str | None:
    """At most half of the entries differ: which rows, columns or entries."""
    wrong = ~close.entries(a, b)
    count = int(wrong.sum())
    if count == 0 or 2 * count > wrong.size:
        return None
    if wrong.ndim >= 2:
        for axis, name in ((0, "rows"), (wrong.ndim - 1, "columns")):
            others = tuple(i for i in range(wrong.ndim) if i != axis)
            lines = wrong.any(axis=others)
            if wrong.all(axis=others)[lines].all() and lines.sum() < wrong.shape[axis]:
                where = np.flatnonzero(lines)
                return f"{noun} except in {len(where)} of {wrong.shape[axis]} {name} " \
                       f"({name} {_positions(where)})"
    spots = np.argwhere(wrong)
    first = tuple(int(i) for i in spots[0]) if wrong.ndim != 1 else int(spots[0][0])
    return f"{noun} except at {count} of {wrong.size} entries (the first at index {first})"


def _number(x: float) -> str:
    return f"{x:.4g}"


def values_of(value):
    """``value`` with numbers, arrays, tensors and lists of numbers as float64 arrays (inside
    tuples, lists and dicts too): to describe a difference in values and shapes only, where
    the dtype and the container are judged elsewhere."""
    numeric = _numeric(value)
    if numeric is not None:
        try:
            return numeric[0].astype(np.float64)
        except (TypeError, ValueError):
            return value
    if isinstance(value, dict):
        return {k: values_of(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(values_of(v) for v in value)
    return value


def changed(before, after, name: str) -> str | None:
    """How a call changed its argument ``name`` in place, or None when it did not:
    "changes x in place: x is now 2 times its values before the call"."""
    if equal(after, before, 0.0):
        return None
    how = describe(after, before, 0.0, noun="its value{s} before the call")
    return f"changes {name} in place" + (f": {name} is now {how}" if how else "")
