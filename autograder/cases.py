"""Test cases: one named, pointed check of student code, shared by every grading path.

A check is a plain function whose parameters are named after the student's globals
(``def adam_matches_torch(adam_step): ...``). It returns None when the student's code
passes and raises ``AssertionError`` with a message for the student when it does not.
The same function runs

- in an Otter test cell (``check(adam_step)``, student objects passed directly), and
- in the sealed bulk grader (``autograder.grading``), where the arguments are proxies
  that call into the sandboxed student process.

A ``Case`` adds what the gradebook needs: question, points, and whether it is hidden.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Any, Callable, Mapping


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
    autograder.grading.diagnosis)."""

    case: Case
    passed: bool
    message: str = ""
    diagnosis: tuple = ()

    @property
    def score(self) -> float:
        return self.case.points if self.passed else 0.0


def run_case(case: Case, namespace: Mapping[str, Any]) -> CaseResult:
    """Run ``case`` on the student objects in ``namespace``; never raises for student errors."""
    missing = [name for name in case.needs if name not in namespace]
    if missing:
        return CaseResult(case, False, f"not defined: {', '.join(missing)}")
    try:
        case.check(*(namespace[name] for name in case.needs))
    except AssertionError as e:
        return CaseResult(case, False, str(e) or "assertion failed")
    except Exception as e:  # student code raised: report it as a failure of this case
        return CaseResult(case, False, f"{type(e).__name__}: {e}")
    return CaseResult(case, True)


def questions(cases: tuple[Case, ...]) -> dict[str, float]:
    """Question name -> maximum points, in the order the cases list them."""
    totals: dict[str, float] = {}
    for case in cases:
        totals[case.question] = totals.get(case.question, 0.0) + case.points
    return totals
