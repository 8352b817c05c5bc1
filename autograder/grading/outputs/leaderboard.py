"""``leaderboard.csv``: the benchmark measurement (Result.benchmark) of every submission
whose benchmark ran, best first (autograder.measurement.Measurement.rank_key): valid runs
by accuracy then seconds, then the runs that do not count (``error`` says why)."""
from __future__ import annotations

from pathlib import Path

from autograder.grading.outputs import files
from autograder.grading.outputs.run import Run

COLUMNS = ("student", "accuracy", "seconds", "device", "points", "error")


def ranked(results) -> list:
    """The results with a benchmark measurement, best first (Measurement.rank_key); ties
    keep their order."""
    return sorted((r for r in results if r.benchmark is not None),
                  key=lambda r: r.benchmark.rank_key)


def rows(results) -> list[dict]:
    """One row per measured result, sorted best first."""
    return [{"student": r.student, "accuracy": f"{r.benchmark.accuracy:.4f}",
             "seconds": "" if r.benchmark.seconds is None else f"{r.benchmark.seconds:.3f}",
             "device": r.benchmark.device, "points": f"{r.benchmark.points:g}",
             "error": r.benchmark.error}
            for r in ranked(results)]


def write(out: Path, run: Run) -> Path | None:
    """OUT/leaderboard.csv, for an assignment with a benchmark (None otherwise)."""
    if not run.measured:
        return None
    table = [list(COLUMNS), *([row[c] for c in COLUMNS] for row in rows(run.results))]
    return files.write_csv(Path(out) / "leaderboard.csv", table)
