"""Drawn checks: a property of student code judged on inputs drawn from the contract's
input space, with Hypothesis.

``search(what, inputs, judge, edges=...)`` calls ``judge(drawn)`` on every named edge of
the space (``edges``: tried first on every run, in order; they are small already, so the
first failing one is reported as it is) and then on ``examples`` inputs drawn from the
strategy ``inputs``; ``judge`` calls the student code and raises AssertionError whose message
describes the input (``show``) and what is wrong. On a failure of a drawn input Hypothesis
shrinks it, and ``search`` raises the message of the smallest failing input it found.

Grading stays reproducible: every search draws from its own fixed seed (``seed_of``:
``BASE_SEED`` and the search's name, quoted in the failure message), no example database
is read or written, no deadline or health check depends on the machine's speed, and no
draw depends on which modules the process has imported (``_without_local_constants``): the
same notebook gets the same inputs, the same outcome and the same message on every run.
At most ``CALLS`` judged inputs per search, shrinking included, so that a failing
function costs a bounded number of calls (the diagnosis records up to 64 per case).
Inputs drawn per run are no secret: messages show them (fixed hidden inputs never).
"""
from __future__ import annotations

import zlib
from typing import Any, Callable, Iterable

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants
from hypothesis.strategies import SearchStrategy

BASE_SEED = 20240601
EXAMPLES = 5         # drawn inputs per search when nothing fails (the edges come on top)
CALLS = 40           # judged drawn inputs per search at most, shrinking included
SHOWN_VALUES = 24    # arrays up to this size are shown with their values

_SETTINGS = settings(
    database=None, deadline=None, derandomize=False, print_blob=False,
    report_multiple_bugs=False, verbosity=Verbosity.quiet,
    suppress_health_check=list(HealthCheck),
    phases=(Phase.generate, Phase.shrink))


def _without_local_constants() -> None:
    """Hypothesis (since 6.131) sometimes draws, instead of a random choice, a constant found
    in the source of the "local" modules imported so far (those outside site-packages), so
    the inputs of one seed changed with the install (editable or wheel) and with whatever was
    imported before a search (a later submission of a batch drew other inputs than the
    first). Drawing from no local constants makes a seed's inputs depend on the seed alone.
    Applied once, at import, for the whole process (grading threads share it)."""
    empty = Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()   # pools cached from constants seen before


_without_local_constants()


class _Spent(BaseException):
    """The search used its CALLS: stop shrinking (a BaseException, so Hypothesis lets it
    through instead of treating it as a failure of the property)."""


def seed_of(what: str) -> int:
    """The fixed seed of the search named ``what``."""
    return (BASE_SEED + zlib.crc32(what.encode())) % 2**32


def search(what: str, inputs: SearchStrategy, judge: Callable[[Any], None],
           edges: Iterable = (), examples: int = EXAMPLES) -> None:
    """Judge every edge and ``examples`` drawn inputs; raise AssertionError with the
    message of the first failing edge, or of the smallest failing drawn input found with its
    seed and how many inputs were judged."""
    for edge in edges:
        try:
            judge(edge)
        except AssertionError as e:
            raise AssertionError(f"{e}\n(a named edge of {what!r}, tried on every run)") from None
    failures: list[str] = []
    judged = [0]

    def property_holds(drawn):
        if judged[0] >= CALLS:
            raise _Spent
        judged[0] += 1
        try:
            judge(drawn)
        except AssertionError as e:
            failures.append(str(e))
            raise

    test = seed(seed_of(what))(settings(_SETTINGS, max_examples=examples)(
        given(inputs)(property_holds)))
    try:
        test()
    except _Spent:
        pass
    except Exception:  # the property's failure (or Hypothesis noting a flaky one)
        if not failures:
            raise
    if failures:
        raise AssertionError(f"{failures[-1]}\n(smallest failing input found by {what!r}, "
                             f"seed {seed_of(what)}, among {judged[0]} inputs judged)")


# ----------------------------------------------------------------------------- messages
def show(value) -> str:
    """A drawn value for a message: small arrays and lists with their values and dtype,
    larger ones by shape, dtype and range; numpy scalars with their type."""
    if isinstance(value, np.random.Generator):
        return "a seeded rng"
    if value is None or isinstance(value, (bool, str)):
        return repr(value)
    if isinstance(value, np.generic):
        return f"np.{type(value).__name__}({value.item()!r})"
    if isinstance(value, (int, float)):
        return repr(value)
    if hasattr(value, "detach"):
        return f"a tensor {_show_array(value.detach().cpu().numpy())}"
    if isinstance(value, list):
        array = np.asarray(value)
        if array.dtype == object or not array.size or array.size > SHOWN_VALUES:
            return f"a list of shape {array.shape}"
        return f"a list {_show_array(array)}"
    if isinstance(value, tuple):
        return f"({', '.join(show(v) for v in value)}{',' if len(value) == 1 else ''})"
    if isinstance(value, np.ndarray):
        return _show_array(value)
    return type(value).__name__


def _show_array(a: np.ndarray) -> str:
    if a.size and a.size <= SHOWN_VALUES and a.dtype != object:
        text = np.array2string(a, precision=6, separator=", ", threshold=SHOWN_VALUES)
        return f"{' '.join(text.split())} {a.dtype}"
    if a.size and np.issubdtype(a.dtype, np.number):
        return (f"an array of shape {a.shape} {a.dtype} (values from {a.min():.4g} to "
                f"{a.max():.4g})")
    return f"an array of shape {a.shape} {a.dtype}"
