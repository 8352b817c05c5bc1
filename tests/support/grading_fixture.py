"""A two-question assignment for the grader's CLI tests; q2 stands for a GPU benchmark."""
from autograder.cases import Case

NAME = "fixture"


def doubles(double):
    """double(x) == 2 x."""
    assert double(2) == 4, f"double(2) should be 4, got {double(2)!r}"


def benchmark(speed):
    """speed() reports at least 1 (stands for a GPU run)."""
    assert speed() >= 1, "too slow"


CASES = (Case("q1", doubles), Case("q2", benchmark, 2.0, hidden=True))
GPU_QUESTIONS = ("q2",)
