"""``leaderboard.csv``: the benchmark measurement (Result.benchmark) of every submission
whose benchmark ran, best first: accuracy descending, then seconds ascending (failed
runs, without seconds, after those with the same accuracy)."""
from __future__ import annotations

from pathlib import Path

from autograder.grading.outputs import files
from autograder.grading.outputs.run import Run

COLUMNS = ("student", "accuracy", "seconds", "device", "points")


def rows(results) -> list[dict]:
    """One row per measured result, sorted best first."""
    measured = [r for r in results if r.benchmark]
    ranked = sorted(measured, key=lambda r: (-(r.benchmark.get("accuracy") or 0.0),
                                             r.benchmark.get("seconds") is None,
                                             r.benchmark.get("seconds") or 0.0, r.student))
    return [{"student": r.student, "accuracy": f"{r.benchmark.get('accuracy', 0.0):.4f}",
             "seconds": "" if r.benchmark.get("seconds") is None
             else f"{r.benchmark['seconds']:.3f}",
             "device": r.benchmark.get("device", ""),
             "points": f"{r.benchmark.get('points', 0):g}"}
            for r in ranked]


def write(out: Path, run: Run) -> Path | None:
    """OUT/leaderboard.csv, for an assignment with a benchmark (None otherwise)."""
    if not run.measured:
        return None
    table = [list(COLUMNS), *([row[c] for c in COLUMNS] for row in rows(run.results))]
    return files.write_csv(Path(out) / "leaderboard.csv", table)
