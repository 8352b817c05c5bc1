"""Test cases: one named, pointed check of student code, shared by every grading path.

A check is a plain function whose parameters are named after the student's globals
(``def adam_matches_torch(adam_step): ...``). It returns None when the student's code
passes and raises ``AssertionError`` with a message for the student when it does not.
The same function runs

- in an Otter test cell (``check(adam_step)``, student objects passed directly), and
- in the sealed bulk grader (``autograder.grading``), where the arguments are proxies
  that call into the sandboxed student process.

A ``Case`` adds what the gradebook needs: question, points, and whether it is hidden.
A check may draw its inputs from the contract's input space with ``drawn(...)``: the
sealed grader seeds them per submission (``seed_of`` its content) and records the seed in
the result, so a regrade draws the same inputs. ``run_case`` reports a failure in the
student's terms: their exception, "not implemented yet" for an untouched stub, and for an
error the check raises itself, the value it could not use.
"""
from __future__ import annotations

import functools
import inspect
import sysconfig
import zlib
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from autograder import compare


@dataclass(frozen=True)
class Case:
    """One test case of a question.

    question: gradebook name ("q1" ... "qN"); check: the check function (its name is the
    case's name); points: credit when the check passes; hidden: True for tests that only
    the autograder has.
    """

    question: str
    check: Callable[..., None]
    points: float = 1.0
    hidden: bool = False

    @property
    def name(self) -> str:
        return self.check.__name__

    @property
    def id(self) -> str:
        return f"{self.question}.{self.name}"

    @functools.cached_property
    def needs(self) -> tuple[str, ...]:
        """Student globals the check takes, in order (its parameter names; read once)."""
        return tuple(inspect.signature(self.check).parameters)


@dataclass(frozen=True)
class CaseResult:
    """Outcome of one case: points earned out of ``case.points`` and a message;
    ``diagnosis``: known mistakes that explain a failure ({"name", "explanation"} each,
    autograder.grading.diagnosis); ``seed``: what its drawn inputs came from."""

    case: Case
    passed: bool
    message: str = ""
    diagnosis: tuple = ()
    seed: int = 0      # the seed its drawn inputs came from (``drawn``)

    @property
    def score(self) -> float:
        return self.case.points if self.passed else 0.0


def run_case(case: Case, namespace: Mapping[str, Any], seed: int = 0) -> CaseResult:
    """Run ``case`` on the student objects in ``namespace``; never raises for student errors.
    Inputs the check draws (``drawn``) come from ``seed``: the same seed, the same inputs.

    A failure's message is, in this order: "not implemented yet" when a student function
    the check called returned None or raised NotImplementedError (an untouched stub); the
    check's AssertionError; the student's exception ("KeyError: ..."); or, for an error
    raised by the check itself on a value it could not use, what the student's function
    returned and what went wrong in the check (never shown as the student's exception)."""
    missing = [name for name in case.needs if name not in namespace]
    if missing:
        return CaseResult(case, False, f"not defined: {', '.join(missing)}")
    watch, token = _Watch(namespace, case.needs), _SEED.set(seed)
    try:
        case.check(*(watch.namespace[name] for name in case.needs))
    except AssertionError as e:
        return CaseResult(case, False, watch.stub or str(e) or "assertion failed", seed=seed)
    except Exception as e:
        message = watch.stub or (f"{type(e).__name__}: {e}" if raised_by_student(e, case.check)
                                 else watch.check_error(e))
        return CaseResult(case, False, message, seed=seed)
    finally:
        _SEED.reset(token)
    return CaseResult(case, True, seed=seed)


# ----------------------------------------------------------------------------- drawn inputs
_SEED: ContextVar[int] = ContextVar("advopt_case_seed", default=0)


def drawn(*salt) -> np.random.Generator:
    """The generator a check draws its inputs from (a point of the contract's input space):
    seeded by the seed ``run_case`` runs the case with (0 when a check is called directly,
    as in Otter) and ``salt`` (what the draw is for), so that the same seed draws the same
    inputs and a regrade gives the same score."""
    return np.random.default_rng([_SEED.get(), *(zlib.crc32(str(s).encode()) for s in salt)])


def seed_of(content: str) -> int:
    """A submission's seed: a function of its content (a regrade draws the same inputs,
    another submission others)."""
    return zlib.crc32(content.encode()) & 0x7FFF_FFFF


# ----------------------------------------------------------------------------- who raised
STUDENT_MARK = "_advopt_raised_by_student"   # set on exceptions rebuilt from the sandbox


def mark_student(error: BaseException) -> BaseException:
    """Mark ``error`` as raised by student code (the sealed grader's proxies do this)."""
    try:
        setattr(error, STUDENT_MARK, True)
    except (AttributeError, TypeError):
        pass
    return error


def _grader_files(check) -> tuple[tuple[str, ...], str]:
    """(folders of the grader and the installed libraries, the check's own file)."""
    paths = sysconfig.get_paths()
    folders = {str(Path(__file__).resolve().parent), *(str(Path(paths[k]).resolve())
               for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths)}
    try:
        own = str(Path(inspect.getsourcefile(check) or "").resolve())
    except TypeError:
        own = ""
    return tuple(sorted(folders)), own


def raised_by_student(error: BaseException, check) -> bool:
    """Whether ``error`` comes from student code: marked by a proxy, or raised below a
    frame of code that is neither the grader's, the check's nor an installed library's
    (a student function or method called directly, e.g. an nn.Module's forward)."""
    if getattr(error, STUDENT_MARK, False):
        return True
    folders, own = _grader_files(check)
    tb = error.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if not name.startswith("<frozen"):
            path = name if name.startswith("<") else str(Path(name).resolve())
            if path != own and not path.startswith(folders):
                return True
        tb = tb.tb_next
    return False


# ----------------------------------------------------------------------------- watching
class _Watch:
    """The student functions a check takes, wrapped to remember the last call and its
    value (for a check's own error) and to see an untouched stub. Exceptions leaving a
    student function are marked as the student's."""

    def __init__(self, namespace: Mapping[str, Any], names):
        self.namespace = dict(namespace)
        self.stub = ""
        self.last: tuple[str, Any] | None = None
        for name in names:
            target = namespace[name]
            if inspect.isfunction(target):
                self.namespace[name] = self._wrap(name, target)

    def _wrap(self, name, function):
        if inspect.isgeneratorfunction(function):
            @functools.wraps(function)
            def generator(*args, **kwargs):
                try:
                    return (yield from function(*args, **kwargs))
                except NotImplementedError as e:
                    self.stub = self.stub or f"{name} is not implemented yet (it raises " \
                                             "NotImplementedError)"
                    raise mark_student(e)
                except Exception as e:
                    raise mark_student(e)
            return generator

        @functools.wraps(function)
        def call(*args, **kwargs):
            try:
                value = function(*args, **kwargs)
            except NotImplementedError as e:
                self.stub = self.stub or f"{name} is not implemented yet (it raises " \
                                         "NotImplementedError)"
                raise mark_student(e)
            except Exception as e:
                raise mark_student(e)
            if value is None:
                self.stub = self.stub or f"{name} is not implemented yet: it returned None " \
                                         "(or its return statement is missing)"
            self.last = (name, value)
            return value
        return call

    def check_error(self, error: Exception) -> str:
        """The message for an error the check raised: the student's last value, then what
        the check could not do with it."""
        what = f"{type(error).__name__}: {error}"
        if self.last is None:
            return f"the check could not run ({what})"
        name, value = self.last
        return (f"{name} returned {compare.summary(value)}, a value the check could not use "
                f"({what}, raised in the check, not in your code): compare it with what the "
                f"prompt asks {name} to return")


def questions(cases: tuple[Case, ...]) -> dict[str, float]:
    """Question name -> maximum points, in the order the cases list them."""
    totals: dict[str, float] = {}
    for case in cases:
        totals[case.question] = totals.get(case.question, 0.0) + case.points
    return totals
