"""Name the mistake behind a failed case: replay known mistakes on the student's calls.

While a case runs, every call its check makes to a student function is recorded
(arguments copied before the call, the result or the exception's type, the arguments
after it; a generator's items). When the case fails, each known mistake of that function
(``autograder/<assignment>/mistakes.py: MISTAKES``) runs in the grading process on the same
arguments, next to the library's own correct version. A mistake is named when it

- reproduces every recorded call of the case: exactly (``np.allclose`` with tight,
  dtype-aware tolerances; tuples, lists, dicts recursively; inputs changed in place) for
  deterministic calls, by summary statistics (drop rate, values, mean, std, kurtosis, on a
  log scale for positive samples, whether the rng advanced, whether equal calls agree)
  for random ones; where the correct version raises, only the outcome (which exception,
  or none) counts;
- and differs from the correct version on at least one of them (or in being a generator
  function), so that a right answer is never diagnosed.

An untouched stub (every call returned None or raised NotImplementedError; the case's
message says "not implemented yet") gets no name, in this case and, through
``without_stubs``, in every case of the submission (one that only looked at the
function's kind, generator or not, included). When no known mistake explains a failure, ``compared``
says how the student's result differs from the correct version's on the first call where
they differ (``autograder.compare``: a constant factor, a transpose, only some rows, ...),
or nothing when no simple relation holds.

Only the grading process runs mistake code, on data the check already holds; calls with
large arguments are not recorded and each case's replay has a time budget. Numbers are
compared by code that cannot overflow (``_float``: an int beyond a float's range is
infinite there), and a diagnosis that fails for any reason names nothing.
"""
from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import inspect
import math
import random
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np
import numpy.random.bit_generator as bit_generator

from autograder import compare

MAX_CALLS = 64              # recorded calls per function and case
MAX_ELEMENTS = 2_000_000    # array elements one call may hold (arguments and result)
CASE_BUDGET_S = 2.0         # replay time per failed case
MISTAKE_BUDGET_S = 0.5      # replay time per mistake
MAX_ITEMS = 1_000           # generator items replayed per call
FEW_VALUES = 8              # distinct values up to which a random array is compared by them
MAX_REMEMBERED = 4096       # functions' recordings whose diagnosis is remembered (find)


@dataclass(frozen=True)
class Mistake:
    """A known mistake: ``name`` (identifier), ``explanation`` (one line for the student)
    and ``impl``, a function with the student function's signature that makes it (for
    ``Answers``: the tuple of values it gives)."""

    name: str
    explanation: str
    impl: Any
    random: bool = False   # its results are random where the correct version's are not


@dataclass(frozen=True)
class Known:
    """The known mistakes of one student function. ``correct``: the library's own right
    version; ``random``: results are only specified in distribution; ``judged``: the part
    of a result the checks judge (e.g. without a cache the student may shape freely)."""

    function: str
    correct: Callable
    mistakes: tuple[Mistake, ...]
    random: bool = False
    judged: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Answers:
    """Known mistakes of numeric answers ``names`` (values, not functions), each giving
    one value per name; matched within ``rtol``."""

    names: tuple[str, ...]
    correct: tuple[float, ...]
    mistakes: tuple[Mistake, ...]
    rtol: float = 0.01


# ----------------------------------------------------------------------------- recording
class _NotRecorded(Exception):
    """A value that is not plain data (a student handle) or too large to keep."""


class _Handle:
    """Stands for a student object in a recorded result (a cache object left in the
    sandbox): equal to nothing but itself."""


HANDLE = _Handle()


def _snapshot(value, budget: list, handles: bool = False):
    """An independent copy of plain data; anything else raises _NotRecorded, or becomes
    HANDLE where ``handles`` allows (results: a judged part may not need it)."""
    if value is None or isinstance(value, (bool, int, float, complex, str, np.generic)):
        return value
    if isinstance(value, np.ndarray):
        budget[0] -= value.size
        if budget[0] < 0 or value.dtype == object:
            raise _NotRecorded
        return value.copy()
    if type(value).__module__ == "torch" and type(value).__name__ == "Tensor":
        budget[0] -= value.numel()
        if budget[0] < 0:
            raise _NotRecorded
        return value.detach().clone()
    if isinstance(value, np.random.Generator):
        return copy.deepcopy(value)
    if isinstance(value, (tuple, list)):
        items = [_snapshot(v, budget, handles) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict) and all(isinstance(k, (str, int)) for k in value):
        return {k: _snapshot(v, budget, handles) for k, v in value.items()}
    if handles:
        return HANDLE
    raise _NotRecorded


def _copy(value):
    """A fresh copy of a snapshot (replays must not share arrays or rng states)."""
    return _snapshot(value, [float("inf")])


@dataclass
class Outcome:
    """What one call did. ``items`` is not None for a generator (``ended``: it stopped or
    raised rather than being abandoned); ``after``: (args, kwargs) after the call."""

    error: str | None = None
    value: Any = None
    items: list | None = None
    ended: bool = False
    after: Any = None


@dataclass
class Call:
    args: tuple
    kwargs: dict
    outcome: Outcome = field(default_factory=Outcome)


class Recording:
    """The student objects of one case, with every callable wrapped to record its calls.
    ``namespace`` goes to the check; ``calls[name]`` lists what it did."""

    def __init__(self, namespace, names):
        self.names = tuple(names)  # the student globals the check takes
        self.namespace = dict(namespace)
        self.calls: dict[str, list[Call]] = {}
        self.generator: dict[str, bool] = {}
        self.incomplete: set[str] = set()  # calls left out (handles, size, count)
        for name in names:
            target = namespace.get(name)
            if callable(target) and inspect.isfunction(target):
                self.calls[name] = []
                self.generator[name] = inspect.isgeneratorfunction(target)
                self.namespace[name] = self._wrap(name, target)

    def stubs(self) -> set[str]:
        """The student functions this case saw behave as untouched stubs."""
        return {name for name in self.calls if self.stub(name)}

    def stub(self, name) -> bool:
        """``name`` behaves as an untouched stub: every recorded call returned None or
        raised NotImplementedError (no mistake and no comparison is named for it)."""
        calls = self.calls.get(name) or []
        return bool(calls) and all(
            c.outcome.error == "NotImplementedError" or
            (c.outcome.error is None and c.outcome.items is None and c.outcome.value is None)
            for c in calls if c.outcome.after is not None)

    def _start(self, name, args, kwargs) -> Call | None:
        if len(self.calls[name]) >= MAX_CALLS:
            self.incomplete.add(name)
            return None
        try:
            call = Call(*_snapshot((args, kwargs), [MAX_ELEMENTS]))
        except (_NotRecorded, RecursionError):
            self.incomplete.add(name)
            return None
        self.calls[name].append(call)
        return call

    def _finish(self, name, call, args, kwargs, **outcome) -> None:
        if call is None:
            return
        try:
            for key in ("value", "items"):
                if key in outcome:
                    outcome[key] = _snapshot(outcome[key], [MAX_ELEMENTS], handles=True)
            call.outcome = Outcome(after=_snapshot((args, kwargs), [MAX_ELEMENTS]), **outcome)
        except (_NotRecorded, RecursionError):
            self.calls[name].remove(call)
            self.incomplete.add(name)

    def _wrap(self, name, fn):
        if self.generator[name]:
            @functools.wraps(fn)
            def generator(*args, **kwargs):
                call, items, end = self._start(name, args, kwargs), [], {"ended": False}
                inner = fn(*args, **kwargs)
                try:
                    for item in inner:
                        items.append(item)
                        yield item
                    end["ended"] = True
                except Exception as e:
                    end.update(ended=True, error=type(e).__name__)
                    raise
                finally:
                    inner.close()
                    self._finish(name, call, args, kwargs, items=items, **end)
            return generator

        @functools.wraps(fn)
        def function(*args, **kwargs):
            call = self._start(name, args, kwargs)
            try:
                result = fn(*args, **kwargs)
            except Exception as e:
                self._finish(name, call, args, kwargs, error=type(e).__name__)
                raise
            self._finish(name, call, args, kwargs, value=result)
            return result
        return function


# ----------------------------------------------------------------------------- replaying
_ENTROPY = threading.Lock()   # replays swap numpy's process-wide entropy, one at a time


@contextlib.contextmanager
def _reproducible_entropy(seed: str):
    """Inside, numpy's fresh generators (``default_rng()``) and its global one draw from a
    stream seeded by ``seed``: a replay of a call with rng=None draws the same numbers on
    every run and machine (the diagnosis of a random function is reproducible), and calls
    at other positions draw others (identical calls still differ, as fresh draws do)."""
    with _ENTROPY:
        saved_bits, saved_state = bit_generator.randbits, np.random.get_state()
        stream = random.Random(seed)
        bit_generator.randbits = stream.getrandbits
        np.random.seed(stream.getrandbits(32))
        try:
            yield
        finally:
            bit_generator.randbits = saved_bits
            np.random.set_state(saved_state)


def _replay(fn, call: Call, rng_seed: int | None = None, position: int = 0) -> Outcome:
    """``fn`` on a copy of the call's arguments, consumed like the student's call
    (``position``: the call's place in the case, which seeds its fresh randomness)."""
    args, kwargs = _copy(call.args), _copy(call.kwargs)
    if rng_seed is not None:  # the same call drawing other random numbers
        args, kwargs = _reseeded(args, rng_seed), _reseeded(kwargs, rng_seed)
    out = Outcome()
    try:
        with np.errstate(all="ignore"), _reproducible_entropy(f"{position} {rng_seed}"):
            result = fn(*args, **kwargs)
            if inspect.isgenerator(result):
                wanted = len(call.outcome.items or ()) + (call.outcome.ended or
                                                          call.outcome.items is None)
                out.items = []
                for item in result:
                    if len(out.items) >= min(wanted, MAX_ITEMS):
                        break
                    out.items.append(_copy(item))
                else:
                    out.ended = True
            else:
                out.value = _copy(result)
    except Exception as e:
        out.error = type(e).__name__
    out.after = _copy((args, kwargs))
    return out


def _reseeded(value, seed):
    if isinstance(value, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(value, tuple):
        return tuple(_reseeded(v, seed) for v in value)
    if isinstance(value, list):
        return [_reseeded(v, seed) for v in value]
    if isinstance(value, dict):
        return {k: _reseeded(v, seed) for k, v in value.items()}
    return value


# ----------------------------------------------------------------------------- comparing
def _as_array(value):
    if type(value).__module__ == "torch" and type(value).__name__ == "Tensor":
        return value.detach().cpu().numpy()
    return value


def _is_tensor(value) -> bool:
    return type(value).__module__ == "torch" and type(value).__name__ == "Tensor"


def _float(value) -> float | None:
    """``value`` as a float for comparing (an int beyond a float's range is +-inf), or None
    when it is not a number."""
    try:
        return float(value)
    except OverflowError:
        return math.copysign(math.inf, value) if isinstance(value, int) else None
    except (TypeError, ValueError):
        return None


def _scalar(value) -> bool:
    return isinstance(value, (bool, int, float, np.generic)) or (
        isinstance(value, np.ndarray) and value.ndim == 0)


def _tolerance(dtype) -> tuple[float, float]:
    """(rtol, atol relative to the arrays' scale)."""
    if np.issubdtype(dtype, np.floating) and np.dtype(dtype).itemsize <= 4:
        return 1e-4, 1e-5
    return 1e-7, 1e-9


def _arrays_close(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    floats = np.issubdtype(a.dtype, np.floating), np.issubdtype(b.dtype, np.floating)
    if all(floats) and a.dtype.itemsize != b.dtype.itemsize:
        return False
    try:
        a, b = a.astype(np.float64), b.astype(np.float64)
    except (TypeError, ValueError):
        return bool(np.array_equal(a, b))
    if not all(np.array_equal(test(a), test(b)) for test in (np.isnan, np.isposinf, np.isneginf)):
        return False
    finite = np.isfinite(a)
    rtol, atol = _tolerance(np.result_type(*(d for d, f in zip((a.dtype, b.dtype), floats) if f))
                            if any(floats) else np.float64)
    scale = max(np.abs(a[finite]).max(initial=0.0), np.abs(b[finite]).max(initial=0.0))
    return bool(np.allclose(a[finite], b[finite], rtol=rtol, atol=atol * scale + 1e-300))


def _same(a, b) -> bool:
    """Exact comparison of two snapshots (shapes, float widths, values)."""
    if _scalar(a) and _scalar(b):
        if isinstance(a, int) and isinstance(b, int):  # exact, whatever their size
            return a == b
        x, y = _float(a), _float(b)
        if x is None or y is None:
            return bool(np.asarray(a) == np.asarray(b))
        return (math.isnan(x) and math.isnan(y)) or x == y or bool(
            np.isclose(x, y, rtol=1e-5, atol=1e-12))
    if isinstance(a, np.random.Generator) or isinstance(b, np.random.Generator):
        return (isinstance(a, np.random.Generator) and isinstance(b, np.random.Generator)
                and _same(a.bit_generator.state, b.bit_generator.state))
    if isinstance(a, (np.ndarray,)) or _is_tensor(a) or isinstance(b, np.ndarray) or _is_tensor(b):
        return _is_tensor(a) == _is_tensor(b) and not (_scalar(a) or _scalar(b)) and \
            _arrays_close(_as_array(a), _as_array(b))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return False


def _support(finite: np.ndarray, n: int):
    """(values, their frequencies among ``n``) when the finite values take at most
    FEW_VALUES distinct values (and at most half as many as there are entries), else None.
    A prefix with more distinct values rules that out without sorting the whole array."""
    if np.unique(finite[:4 * FEW_VALUES]).size > FEW_VALUES:
        return None
    values, counts = np.unique(finite, return_counts=True)
    if values.size <= 1 or (values.size <= FEW_VALUES and 2 * values.size <= n):
        return values, counts / max(n, 1)
    return None


def _summary(value):
    """Statistics of a random result: what any correct draw shares with another."""
    if isinstance(value, np.random.Generator):
        return ("rng",)
    if isinstance(value, (tuple, list)):
        return ("seq", [_summary(v) for v in value])
    if isinstance(value, dict):
        return ("dict", {k: _summary(v) for k, v in value.items()})
    if isinstance(value, np.ndarray) or _is_tensor(value):
        try:
            return ("array", _Stats(value))
        except (TypeError, ValueError):
            return ("other", repr(value))
    return ("value", value)


class _Stats:
    """The statistics of one random array: ``head`` (shape, float width, whether a
    tensor) at once, the rest (``body``: n, nan and inf fractions, then the support of few
    values or the moments) when a comparison first needs them: most end at the head."""

    def __init__(self, value):
        x = np.asarray(_as_array(value))
        width = x.dtype.itemsize if np.issubdtype(x.dtype, np.floating) else 0
        self.head = (x.shape, width, _is_tensor(value))
        self._x = x
        if x.dtype.kind not in "biufc":  # converting may fail: find out now
            self.body

    @functools.cached_property
    def body(self) -> dict:
        x = self._x.astype(np.float64).ravel()
        stats = {"n": x.size, "nan": float(np.mean(np.isnan(x))) if x.size else 0.0}
        f = x[np.isfinite(x)]
        stats["inf"] = float(np.mean(np.isinf(x))) if x.size else 0.0
        support = _support(f, x.size)
        if support is not None:
            stats["support"] = support
        elif f.size:
            log = bool(f.min() > 0)
            g = np.log10(f) if log else f
            mean, std = g.mean(), g.std()
            kurt = float(np.mean((g - mean) ** 4) / std**4) if std > 0 else 3.0
            stats["moments"] = (log, float(mean), float(std), kurt)
        del self._x
        return stats


def _fractions_close(p, q, n) -> bool:
    mid = (p + q) / 2
    return abs(p - q) <= 6 * np.sqrt(mid * (1 - mid) / max(n, 1)) + 1.0 / max(n, 1) + 1e-9


def _stats_alike(x: _Stats, y: _Stats) -> bool:
    if x.head != y.head:
        return False
    a, b = x.body, y.body
    n = a["n"]
    if not (_fractions_close(a["nan"], b["nan"], n) and _fractions_close(a["inf"], b["inf"], n)):
        return False
    if ("support" in a) != ("support" in b) or ("moments" in a) != ("moments" in b):
        return False
    if "support" in a:
        (va, fa), (vb, fb) = a["support"], b["support"]
        return va.shape == vb.shape and bool(np.allclose(va, vb, rtol=1e-6, atol=1e-12)) and \
            all(_fractions_close(p, q, n) for p, q in zip(fa, fb))
    if "moments" in a and n >= 20:
        (la, ma, sa, ka), (lb, mb, sb, kb) = a["moments"], b["moments"]
        if la != lb:
            return False
        spread = max(sa, sb)
        tails = max(ka, kb, 1.5)
        if abs(ma - mb) > 6 * spread / np.sqrt(n) + 1e-9 * (abs(ma) + abs(mb)) + 1e-300:
            return False
        if abs(sa - sb) > 6 * spread * np.sqrt((tails - 1) / (4 * n)) + 1e-9 * spread + 1e-300:
            return False
        return n < 1000 or abs(ka - kb) <= 6 * np.sqrt(24 / n) * max(1.0, tails / 3)
    return True


def _alike(a, b) -> bool:
    """Statistical comparison of two summaries."""
    if a[0] != b[0]:
        return False
    if a[0] == "seq":
        return len(a[1]) == len(b[1]) and all(_alike(x, y) for x, y in zip(a[1], b[1]))
    if a[0] == "dict":
        return a[1].keys() == b[1].keys() and all(_alike(a[1][k], b[1][k]) for k in a[1])
    if a[0] == "array":
        return _stats_alike(a[1], b[1])
    if a[0] == "value":
        return _same(a[1], b[1])
    return a[1:] == b[1:]


def _identical(a, b) -> bool:
    """Bit for bit the same data (an input changed by one rounding error is changed)."""
    if isinstance(a, np.random.Generator) and isinstance(b, np.random.Generator):
        return _same(a.bit_generator.state, b.bit_generator.state)
    if isinstance(a, np.ndarray) or _is_tensor(a):
        a, b = np.asarray(_as_array(a)), np.asarray(_as_array(b))
        return a.shape == b.shape and a.dtype == b.dtype and bool(
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    return _same(a, b)


def _changes(before, after):
    """Per argument: None when unchanged, else its new value."""
    if isinstance(before, (tuple, list)) and isinstance(after, (tuple, list)) \
            and len(before) == len(after):
        return [_changes(x, y) for x, y in zip(before, after)]
    if isinstance(before, dict) and isinstance(after, dict) and before.keys() == after.keys():
        return {k: _changes(before[k], after[k]) for k in before}
    return None if _identical(before, after) else after


def _changed(before, after):
    """Which arguments changed (a nested pattern of booleans)."""
    changes = _changes(before, after)
    if isinstance(changes, list):
        return [_changed(x, y) for x, y in zip(before, after)]
    if isinstance(changes, dict):
        return {k: _changed(before[k], after[k]) for k in changes}
    return changes is not None


# ----------------------------------------------------------------------------- judging
@dataclass
class _Judge:
    """Compares outcomes of one function's calls, exactly or statistically. What is
    derived from an outcome (its statistics, which arguments it changed) is kept for the
    judge's life: the student's and the correct outcomes meet every mistake's."""

    known: Known
    derived: dict = field(default_factory=dict)  # (id(outcome), what) -> (outcome, value)

    def _derive(self, outcome: Outcome, what: str, make: Callable[[], Any]):
        key = (id(outcome), what)
        if key not in self.derived:
            self.derived[key] = (outcome, make())  # the outcome kept: its id stays its own
        return self.derived[key][1]

    def changed(self, call: Call, outcome: Outcome):
        return self._derive(outcome, "changed",
                            lambda: _changed((call.args, call.kwargs), outcome.after))

    def summaries(self, call: Call, outcome: Outcome):
        """The statistics of a random outcome: result, items, changes to the arguments."""
        yield self._derive(outcome, "value", lambda: _summary(self.view(outcome)))
        yield self._derive(outcome, "items", lambda: _summary(outcome.items))
        yield self._derive(outcome, "changes", lambda: _summary(
            _changes((call.args, call.kwargs), outcome.after)))

    def view(self, outcome: Outcome):
        value = outcome.value
        if self.known.judged is not None and outcome.error is None and outcome.items is None:
            try:
                value = self.known.judged(value)
            except Exception:
                pass
        return value

    def equal(self, call: Call, a: Outcome, b: Outcome, exact: bool) -> bool:
        if a.error != b.error or (a.items is None) != (b.items is None):
            return False
        if a.items is not None and (len(a.items) != len(b.items) or a.ended != b.ended):
            return False
        if exact:
            return _same(self.view(a), self.view(b)) and _same(a.items, b.items) and \
                _same(a.after, b.after) and self.changed(call, a) == self.changed(call, b)
        return all(_alike(x, y) for x, y in zip(self.summaries(call, a),
                                                 self.summaries(call, b)))


def _identical_pairs(calls: list[Call]) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(calls)) for j in range(i + 1, len(calls))
            if _same((calls[i].args, calls[i].kwargs), (calls[j].args, calls[j].kwargs))]


def _same_result(a: Outcome, b: Outcome) -> bool:
    """The same exception, result and items (whatever happened to the arguments)."""
    return a.error == b.error and _same((a.value, a.items), (b.value, b.items))


def _agreement(outcomes, pairs) -> list[bool]:
    return [_same_result(outcomes[i], outcomes[j]) for i, j in pairs]


class _Trial:
    """The correct version replayed once on a case's calls, ready to try mistakes."""

    def __init__(self, known: Known, calls: list[Call]):
        self.known, self.calls, self.judge = known, calls, _Judge(known)
        self.correct = [_replay(known.correct, c, position=i) for i, c in enumerate(calls)]
        # a call is deterministic when other random numbers give the same correct result
        self.fixed = [not known.random or
                      _same_result(o, _replay(known.correct, c, 12345, position=i))
                      for i, (c, o) in enumerate(zip(calls, self.correct))]
        self.pairs = _identical_pairs(calls) if known.random else []
        self.cut = False  # a mistake was left untried for lack of time

    def _equal(self, i, a: Outcome, b: Outcome, random_mistake: bool) -> bool:
        call = self.calls[i]
        if self.correct[i].error is not None:  # invalid input: only the outcome counts
            return a.error == b.error and (a.items is None) == (b.items is None)
        return self.judge.equal(call, a, b, exact=self.fixed[i] and not random_mistake)

    def matches(self, mistake: Mistake, student_generator: bool, deadline: float) -> bool:
        impl = mistake.impl
        kind_differs = inspect.isgeneratorfunction(impl) != inspect.isgeneratorfunction(
            self.known.correct)
        if inspect.isgeneratorfunction(impl) != student_generator:
            return False
        replays, differs = [], kind_differs
        deadline = min(deadline, time.monotonic() + MISTAKE_BUDGET_S)
        for i, call in enumerate(self.calls):
            if time.monotonic() > deadline:
                self.cut = True
                return False
            got = _replay(impl, call, position=i)
            if not self._equal(i, call.outcome, got, mistake.random):
                return False
            differs = differs or not self._equal(i, self.correct[i], got, mistake.random)
            replays.append(got)
        if self.pairs:
            student = _agreement([c.outcome for c in self.calls], self.pairs)
            if student != _agreement(replays, self.pairs):
                return False
            differs = differs or student != _agreement(self.correct, self.pairs)
        return differs


def _answers_match(answers: Answers, values: dict, mistake: Mistake) -> bool:
    def near(x, y):
        x = _float(x)
        return x is not None and abs(x - y) <= answers.rtol * abs(y)
    student = [values.get(n) for n in answers.names]
    if not all(near(s, w) for s, w in zip(student, mistake.impl)):
        return False
    return not all(near(w, c) for w, c in zip(mistake.impl, answers.correct))


def _usable_calls(recording: Recording, name: str) -> list[Call] | None:
    """The complete recorded calls of student function ``name`` (maybe none), or None when
    they cannot be judged: calls left out, or an untouched stub."""
    if name not in recording.calls or name in recording.incomplete or recording.stub(name):
        return None
    return [c for c in recording.calls[name] if c.outcome.after is not None]


# ----------------------------------------------------------------------------- remembering
_FOUND: dict[tuple, list[dict]] = {}  # (Known, digest of its calls) -> what find named


def _digest(calls: list[Call], generator: bool) -> bytes:
    """A digest of everything ``_Trial.matches`` reads of the calls (types, shapes, bytes):
    equal digests, equal recordings. Raises _NotRecorded for a value it does not know."""
    h = hashlib.blake2b(repr(generator).encode(), digest_size=20)
    for call in calls:
        o = call.outcome
        for value in (call.args, call.kwargs, o.error, o.value, o.items, o.ended, o.after):
            _feed(h, value)
    return h.digest()


def _feed(h, value) -> None:
    kind = type(value)
    if value is None or value is HANDLE or kind in (bool, int, float, complex, str):
        h.update(f"{kind.__name__}:{value!r};".encode())
    elif kind in (tuple, list):
        h.update(f"{kind.__name__}{len(value)}(".encode())
        for item in value:
            _feed(h, item)
    elif kind is dict:
        h.update(f"dict{len(value)}(".encode())
        for key, item in value.items():
            _feed(h, key)
            _feed(h, item)
    elif kind is np.ndarray or isinstance(value, np.generic):
        h.update(f"{kind.__name__}{value.dtype.str}{np.shape(value)}:".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif _is_tensor(value):
        data = value.detach().cpu()
        h.update(f"tensor{data.dtype}{tuple(data.shape)}{value.requires_grad}:".encode())
        try:
            h.update(np.ascontiguousarray(data.numpy()).tobytes())
        except TypeError:  # bfloat16 and other dtypes numpy lacks
            raise _NotRecorded from None
    elif kind is np.random.Generator:
        bits = value.bit_generator
        h.update(f"rng{bits.state!r}{getattr(bits, 'seed_seq', None)!r};".encode())
    else:
        raise _NotRecorded


def find(recording: Recording, library: dict, budget_s: float = CASE_BUDGET_S) -> list[dict]:
    """The known mistakes that explain the recorded calls: [{"name", "explanation"}].
    What a function's calls named is remembered for the process's life: calls recorded
    alike (the same stub or mistake, handed in by many students) are not replayed again."""
    deadline, found = time.monotonic() + budget_s, []
    for key, entry in library.items():
        if isinstance(entry, Answers):
            values = {n: recording.namespace.get(n) for n in entry.names}
            if all(n in recording.names and not callable(values[n]) for n in entry.names):
                found += [_named(key, m) for m in entry.mistakes
                          if _answers_match(entry, values, m)]
            continue
        name = entry.function
        calls = _usable_calls(recording, name)
        if calls is None or not calls and recording.generator[name] == \
                inspect.isgeneratorfunction(entry.correct):
            continue
        try:
            key = (entry, _digest(calls, recording.generator[name]))
        except (_NotRecorded, RecursionError):
            key = None
        remembered = _FOUND.get(key) if key is not None else None
        if remembered is not None:
            found += [dict(d) for d in remembered]
            continue
        named, complete = [], False
        try:
            trial = _Trial(entry, calls)
            named = [_named(name, m) for m in entry.mistakes
                     if trial.matches(m, recording.generator[name], deadline)]
            complete = not trial.cut
        except Exception:  # a comparison that cannot be made names nothing
            named = []
        if key is not None and complete:
            if len(_FOUND) >= MAX_REMEMBERED:
                _FOUND.clear()
            _FOUND[key] = named
        found += named
    return found


def compared(recording: Recording, library: dict, budget_s: float = CASE_BUDGET_S) -> list[dict]:
    """When no known mistake explains a failure: how the student's result differs from the
    library's correct version on the first recorded call where they differ, in the words
    of ``autograder.compare`` ([{"name": "<function>.compared", "explanation", "general":
    True}], or [] when no call differs in a way it can name). Results are compared only on
    calls whose correct result is the same when replayed with other random numbers (a
    function the library does not call random may still draw fresh ones, e.g. rng=None)."""
    deadline = time.monotonic() + budget_s
    for key, entry in library.items():
        if time.monotonic() > deadline:
            break
        if isinstance(entry, Answers):
            text = _answers_difference(entry, recording)
            if text:
                return [{"name": f"{key}.compared", "explanation": text, "general": True}]
            continue
        calls = _usable_calls(recording, entry.function)
        if not calls:
            continue
        try:
            trial = _Trial(entry, calls)
            for i, call in enumerate(calls):
                text = _deterministic(trial, i) and \
                    _difference(entry, call, trial.correct[i], trial.judge)
                if text:
                    return [{"name": f"{entry.function}.compared", "explanation": text,
                             "general": True}]
                if time.monotonic() > deadline:
                    break
        except Exception:  # a comparison that cannot be made says nothing
            continue
    return []


def _deterministic(trial: _Trial, i: int) -> bool:
    """The correct result of call ``i`` does not depend on random numbers."""
    if trial.known.random:
        return trial.fixed[i]
    other = _replay(trial.known.correct, trial.calls[i], 12345, position=i)
    return _same_result(trial.correct[i], other)


def _answers_difference(answers: Answers, recording: Recording) -> str | None:
    values = [recording.namespace.get(n) for n in answers.names]
    if not all(n in recording.names for n in answers.names) or any(map(callable, values)):
        return None
    for name, value, correct in zip(answers.names, values, answers.correct):
        text = compare.describe(value, correct, rtol=answers.rtol)
        if text:
            return f"has {name} equal to {text}"
    return None


def _difference(known: Known, call: Call, correct: Outcome, judge: _Judge) -> str | None:
    """One sentence on how the student's outcome of ``call`` differs from ``correct``: in
    values and shapes (dtypes and containers are the checks' to judge: a check says so in
    its message), an exception, or an input changed in place."""
    student = call.outcome
    if correct.error is not None:   # maybe raised on the student's own objects (a cache)
        return None
    if student.error is not None:
        return f"raises {student.error} where a correct version returns " \
               f"{compare.summary(judge.view(correct))}"
    if (student.items is None) != (correct.items is None):
        return None
    rtol = compare.tolerance(call.args, call.kwargs, student.value, student.items,
                             correct.value, correct.items)
    if student.items is not None:
        text = compare.describe(compare.values_of(student.items),
                                compare.values_of(correct.items), rtol)
        return f"yields {text}" if text else None
    text = compare.describe(compare.values_of(judge.view(student)),
                            compare.values_of(judge.view(correct)), rtol)
    if text:
        return f"returns {text}"
    return _changed_inputs(known, call, correct)


def _changed_inputs(known: Known, call: Call, correct: Outcome) -> str | None:
    """An argument the student changed in place that the correct version leaves alone."""
    try:
        names = list(inspect.signature(known.correct).parameters)
    except (TypeError, ValueError):
        names = []
    (args, kwargs), (after_args, after_kwargs) = (call.args, call.kwargs), call.outcome.after
    (kept_args, kept_kwargs) = correct.after
    pairs = [(names[i] if i < len(names) else f"argument {i + 1}", before, after, kept)
             for i, (before, after, kept) in enumerate(zip(args, after_args, kept_args))]
    pairs += [(k, kwargs[k], after_kwargs.get(k), kept_kwargs.get(k)) for k in kwargs]
    for name, before, after, kept in pairs:
        if isinstance(before, np.random.Generator) or not _identical(before, kept):
            continue
        text = compare.changed(before, after, name)
        if text:
            return text
    return None


def _named(function: str, mistake: Mistake) -> dict:
    return {"name": f"{function}.{mistake.name}", "explanation": mistake.explanation}


def without_stubs(result, stubs: set[str]):
    """``result`` without the diagnoses of functions seen as untouched stubs in any case
    of the submission (``Recording.stubs``)."""
    kept = tuple(d for d in result.diagnosis if d["name"].split(".")[0] not in stubs)
    return result if kept == tuple(result.diagnosis) else replace(result, diagnosis=kept)


@functools.lru_cache(maxsize=None)
def library_of(check_module: str) -> dict:
    """``MISTAKES`` of the assignment a check belongs to (``autograder.<assignment>...``),
    or {} when it has none."""
    from autograder.assignment import sibling

    mistakes = sibling(".".join(check_module.split(".")[:2]), "mistakes")
    return dict(getattr(mistakes, "MISTAKES", {})) if mistakes is not None else {}


def recording_for(case, namespace) -> Recording:
    """A Recording of the student objects ``case`` takes; nothing is wrapped when the
    case's assignment has no MISTAKES."""
    return Recording(namespace, case.needs if library_of(case.check.__module__) else ())


def diagnosed(result, recording: Recording):
    """``result`` (a CaseResult) with the mistakes that explain it, when it failed; when
    none does, how the student's result differs from a correct one (``compared``)."""
    if result.passed:
        return result
    library = library_of(result.case.check.__module__)
    if not library:
        return result
    try:
        found = find(recording, library) or compared(recording, library)
    except Exception:  # what the student sent cannot be compared: nothing is named
        return result
    return replace(result, diagnosis=tuple(found))
