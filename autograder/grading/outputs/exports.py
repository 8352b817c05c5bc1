"""Gradebook exports TAs upload, written next to ``gradebook.csv`` on every run.

``canvas.csv``: Canvas's gradebook import layout, as Canvas's own gradebook export writes it::

    Student,              ID,    SIS User ID, SIS Login ID, Section, <assignment>
        Points Possible,  ,      ,            ,             ,        <max points>
    doejane,              12345, ,            ,             ,        41.5

    ID is the Canvas user id read from a Canvas bulk download's file names
    (``Result.meta["canvas_user_id"]``); submissions from elsewhere keep what is known
    (their name, the Gradescope SID as SIS User ID) and an empty ID.

``gradescope.csv``: Gradescope's "upload scores" layout, one row per submitter (a group
submission gives each member the group's score)::

    Name, SID, Email, Score

Cells that could start a spreadsheet formula are neutralized as in gradebook.csv.
"""
from __future__ import annotations

from pathlib import Path

from autograder.grading.outputs import files
from autograder.grading.outputs.files import cell
from autograder.grading.outputs.run import Run

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_POSSIBLE = "    Points Possible"  # Canvas reads this row as the assignment's points
GRADESCOPE_HEADER = ("Name", "SID", "Email", "Score")


def _submitters(result) -> list[dict]:
    """People behind a result: Gradescope submitters, else one entry from what is known."""
    people = [p for p in result.meta.get("submitters", ()) if isinstance(p, dict)]
    return people or [{"name": result.meta.get("name", "")}]


def canvas_rows(results, points: dict[str, float], assignment: str) -> list[list[str]]:
    """Rows of ``canvas.csv``; ``assignment``: the column header, the assignment's title in
    Canvas (or "Title (canvas assignment id)" to update an existing assignment)."""
    empty = [""] * (len(CANVAS_IDENTITY) - 1)
    rows = [[*CANVAS_IDENTITY, cell(assignment)],
            [CANVAS_POINTS_POSSIBLE, *empty, cell(sum(points.values()))]]
    for result in results:
        person = _submitters(result)[0]
        rows.append([cell(person.get("name") or result.student),
                     cell(str(result.meta.get("canvas_user_id", ""))),
                     cell(person.get("sid", "")), "", "", cell(result.total)])
    return rows


def gradescope_rows(results) -> list[list[str]]:
    """Rows of ``gradescope.csv``: SID and email from a Gradescope export's metadata; the
    student id as Name otherwise."""
    rows = [list(GRADESCOPE_HEADER)]
    for result in results:
        for person in _submitters(result):
            rows.append([cell(person.get("name") or result.student), cell(person.get("sid", "")),
                         cell(person.get("email", "")), cell(result.total)])
    return rows


def write(out: Path, run: Run) -> list[Path]:
    """Write ``canvas.csv`` and ``gradescope.csv`` into ``out``."""
    out = Path(out)
    return [files.write_csv(out / "canvas.csv",
                            canvas_rows(run.results, run.points, run.assignment)),
            files.write_csv(out / "gradescope.csv", gradescope_rows(run.results))]
