"""``leaderboard.csv``: the benchmark measurement (Result.benchmark) of every submission
whose benchmark ran, best first: accuracy descending, then seconds ascending (failed
runs, without seconds, after those with the same accuracy)."""
from __future__ import annotations

from pathlib import Path

from autograder.grading.outputs import files
from autograder.grading.outputs.run import Run

COLUMNS = ("student", "accuracy", "seconds", "device", "points")


def measured(result, key: str, missing: float | None = 0.0) -> float | None:
    """A number of ``result.benchmark``, or ``missing`` where it has none (a run whose
    training failed has no seconds)."""
    value = result.benchmark.get(key)
    return float(value) if type(value) in (int, float) else missing


def ranked(results) -> list:
    """The results with a benchmark, best first: accuracy descending, then seconds
    ascending (runs without seconds after those with the same accuracy)."""
    return sorted((r for r in results if r.benchmark),
                  key=lambda r: (-(measured(r, "accuracy") or 0.0),
                                 measured(r, "seconds", float("inf")), r.student))


def rows(results) -> list[dict]:
    """One row per measured result, sorted best first."""
    return [{"student": r.student, "accuracy": f"{measured(r, 'accuracy'):.4f}",
             "seconds": "" if measured(r, "seconds", None) is None
             else f"{measured(r, 'seconds'):.3f}",
             "device": str(r.benchmark.get("device", "")),
             "points": f"{measured(r, 'points'):g}"}
            for r in ranked(results)]


def write(out: Path, run: Run) -> Path | None:
    """OUT/leaderboard.csv, for an assignment with a benchmark (None otherwise)."""
    if not run.measured:
        return None
    table = [list(COLUMNS), *([row[c] for c in COLUMNS] for row in rows(run.results))]
    return files.write_csv(Path(out) / "leaderboard.csv", table)
