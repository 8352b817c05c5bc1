"""A two-question assignment with a measured question (autograder.measurement.Benchmark),
for the runner's tests: ``measure`` calls the student's ``speed`` once; the two cases of
q2 judge its Measurement."""
from autograder.cases import Case
from autograder.measurement import Benchmark, Measurement

NAME = "benchmark fixture"


def doubles(double):
    """double(x) == 2 x."""
    assert double(2) == 4, f"double(2) should be 4, got {double(2)!r}"


def measure(speed) -> Measurement:
    """speed() as the accuracy, on the CPU."""
    return measured(speed, "cpu")


def measured(speed, device: str) -> Measurement:
    """speed() as the accuracy of a run on ``device``; a student error becomes the run's
    error."""
    try:
        return Measurement(float(speed()), 1.0, device, "fixture")
    except Exception as e:
        return Measurement.failed(f"speed raised {type(e).__name__}: {e}", device, "fixture")


def at_least_one(benchmark):
    assert not benchmark.error, benchmark.error
    assert benchmark.accuracy >= 1, "below 1"


def at_least_two(benchmark):
    assert not benchmark.error, benchmark.error
    assert benchmark.accuracy >= 2, "below 2"


CASES = (Case("q1", doubles), Case("q2", at_least_one, hidden=True),
         Case("q2", at_least_two, 2.0, hidden=True))
BENCHMARK = Benchmark("q2", measure)
