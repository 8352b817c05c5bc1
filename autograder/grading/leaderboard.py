"""``leaderboard.csv``: the benchmark measurement (Result.benchmark) of every submission
whose benchmark ran, best first (autograder.measurement.Measurement.rank_key): valid runs
by accuracy then seconds, then the runs that do not count (``error`` says why)."""
from __future__ import annotations

import csv
from pathlib import Path

from autograder.measurement import ranked

COLUMNS = ("student", "accuracy", "seconds", "device", "points", "error")


def rows(results) -> list[dict]:
    """One row per measured result, sorted best first."""
    return [{"student": r.student, "accuracy": f"{r.benchmark.accuracy:.4f}",
             "seconds": "" if r.benchmark.seconds is None else f"{r.benchmark.seconds:.3f}",
             "device": r.benchmark.device, "points": f"{r.benchmark.points:g}",
             "error": r.benchmark.error}
            for r in ranked(results, lambda r: r.benchmark)]


def write(out: Path, results) -> Path:
    target = Path(out) / "leaderboard.csv"
    with open(target, "w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows(results))
    return target
