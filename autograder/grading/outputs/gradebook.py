"""``gradebook.csv``: one row per submission, failed ones included.

Columns: student, q1..qN (points; empty when not graded yet, e.g. a GPU question before
``--gpu``), the written questions qN_written (scores from ``--manual``; empty until
graded, counting 0 in the total), total, max (every question's points, written ones
included), status (graded, timeout, error, invalid), detail.
"""
from __future__ import annotations

from pathlib import Path

from autograder.grading.outputs import files
from autograder.grading.outputs.files import cell
from autograder.grading.outputs.run import Run


def rows(results, points: dict[str, float]) -> list[list[str]]:
    header = ["student", *points, "total", "max", "status", "detail"]
    out = [header]
    for result in results:
        scores = result.scores()
        out.append([cell(result.student),
                    *(cell(scores[q]) if q in scores else "" for q in points),
                    cell(result.total), cell(sum(points.values())), result.status,
                    cell(result.detail)])
    return out


def write(out: Path, run: Run) -> Path:
    return files.write_csv(Path(out) / "gradebook.csv", rows(run.results, run.points))

