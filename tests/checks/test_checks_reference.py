"""The checks accept the reference solutions and reject unfinished stubs."""
import pytest

import solutions.optimization as reference
from autograder.cases import Case, run_case, questions
from autograder.optimization import CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_reference_solution_passes(case):
    result = run_case(case, vars(reference))
    assert result.passed, result.message


def test_unfinished_stubs_score_zero():
    stubs = {name: (lambda *args, **kwargs: None) for name in reference.__all__}
    stubs.update(megabytes_1=..., megabytes_2=...)
    scored = [c.id for c in CASES if run_case(c, stubs).passed]
    assert scored == []


def test_missing_names_and_student_exceptions_are_failures_not_crashes():
    case = next(c for c in CASES if c.name == "adam_matches_torch")
    assert "not defined: adam_step" in run_case(case, {}).message

    def adam_step(*args, **kwargs):
        raise KeyError("boom")
    result = run_case(case, {"adam_step": adam_step})
    assert not result.passed and result.message.startswith("KeyError")


def test_registry_shape():
    assert list(questions(CASES)) == [f"q{i}" for i in range(1, 9)]
    assert len({c.id for c in CASES}) == len(CASES)
    for question in questions(CASES):
        visible = [c for c in CASES if c.question == question and not c.hidden]
        assert len(visible) == 1, f"{question} should have one public case"
    assert all(isinstance(c, Case) and c.points > 0 for c in CASES)
