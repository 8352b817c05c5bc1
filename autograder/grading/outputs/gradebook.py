"""``gradebook.csv``: one row per submission, failed ones included.

Columns: student, q1..qN (points; empty when not graded yet, e.g. a GPU question before
``--gpu``), the written questions qN_written (scores from ``--manual``; empty until
graded, counting 0 in the total), total, max (every question's points, written ones
included), status (graded, timeout, error, invalid), detail.
"""
from __future__ import annotations

import csv
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """A CSV cell that spreadsheets show as text, never evaluate as a formula."""
    text = value if isinstance(value, str) else f"{value:g}"
    if text.startswith(FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


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


def write(out: Path, results, points: dict[str, float]) -> Path:
    return write_csv(Path(out) / "gradebook.csv", rows(results, points))


def write_csv(target: Path, table) -> Path:
    """Write the rows ``table`` to ``target`` atomically."""
    tmp = target.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        csv.writer(f).writerows(table)
    tmp.replace(target)
    return target

