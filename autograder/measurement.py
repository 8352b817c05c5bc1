"""The benchmark record: an assignment's measured question and one submission's run.

An assignment with a benchmark declares ``BENCHMARK = Benchmark(question, measure)``.
``measure`` takes student globals by parameter name, as a check does, and returns one
:class:`Measurement`; the grader calls it once per submission (``grading.runner``), and
every case of ``question`` judges that one measurement, passed to the check as its
``benchmark`` argument (``BENCHMARK_ARGUMENT``). The measurement is kept in the
submission's result (``Result.benchmark``) and read by every output: ``leaderboard.csv``,
the report's leaderboard, the student's feedback, Gradescope's leaderboard entries.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable

BENCHMARK_ARGUMENT = "benchmark"   # the parameter through which a case gets the measurement


@dataclass(frozen=True)
class Measurement:
    """One benchmark run of one submission.

    accuracy: test accuracy, a fraction in [0, 1] (0 when there was nothing to evaluate);
    seconds: the timed part, or None when the run failed before it ended; device: where
    it trained (a GPU's name or "cpu"); torch: the version it trained with; points: what
    the question's cases gave it; error: why it earns nothing ("" when it counts: it ran
    within its budget, from an untrained model); host: the machine it ran on (a Slurm node).
    """

    accuracy: float
    seconds: float | None
    device: str
    torch: str
    points: float = 0.0
    error: str = ""
    host: str = ""

    @property
    def counts(self) -> bool:
        """Whether the run is a valid entry (it may still score below every threshold)."""
        return not self.error and self.seconds is not None

    @property
    def rank_key(self) -> tuple:
        """Sort key, best first: valid runs by accuracy (descending) then seconds
        (ascending); after them the runs that do not count, by accuracy."""
        if self.counts:
            return (0, -self.accuracy, self.seconds)
        return (1, -self.accuracy, math.inf)

    @classmethod
    def failed(cls, error: str, device: str = "", torch: str = "") -> "Measurement":
        """A run that produced nothing to evaluate."""
        return cls(0.0, None, device, torch, error=error)

    def record(self) -> dict:
        """JSON form (results/<student>.json)."""
        return asdict(self)

    @classmethod
    def from_record(cls, data) -> "Measurement | None":
        """The measurement a record holds; None for no measurement ({} or None). Raises
        ValueError on a record that is not one (fields of other types than the writer's:
        numbers are int or float, text is str)."""
        if not data:
            return None
        if type(data) is not dict or not {"accuracy", "device"} <= data.keys():
            raise ValueError("not a benchmark measurement")
        values: dict[str, Any] = {**asdict(cls.failed("")),
                                  **{f.name: data[f.name] for f in fields(cls)
                                     if f.name in data}}
        for name, value in values.items():
            number = name in ("accuracy", "seconds", "points")
            if not (type(value) in (int, float) if number else type(value) is str) \
                    and not (name == "seconds" and value is None):
                raise ValueError(f"benchmark.{name}: {type(value).__name__}")
        try:
            typed: dict[str, Any] = {k: float(v) if type(v) is int else v
                                     for k, v in values.items()}
            return cls(**typed)
        except OverflowError:  # an int beyond any float
            raise ValueError("benchmark: a number beyond a float") from None


@dataclass(frozen=True)
class Benchmark:
    """An assignment's measured question: ``measure`` (parameters named after student
    globals) runs once per submission; the cases of ``question`` judge its Measurement."""

    question: str
    measure: Callable[..., Measurement]

    @property
    def needs(self) -> tuple[str, ...]:
        """Student globals ``measure`` takes, in order."""
        return tuple(inspect.signature(self.measure).parameters)


def gradescope_entries(measurement: Measurement) -> list[dict]:
    """Gradescope's leaderboard columns for one submission: test accuracy in % (0 for a
    run that does not count, so it never tops the board), training seconds, device."""
    timed = measurement.seconds if measurement.counts else None
    accuracy = round(100 * measurement.accuracy, 2) if timed is not None else 0.0
    seconds = round(timed, 2) if timed is not None else "failed"
    return [{"name": "Test accuracy (%)", "value": accuracy, "order": "desc"},
            {"name": "Training time (s)", "value": seconds, "order": "asc"},
            {"name": "Device", "value": measurement.device or "?"}]
