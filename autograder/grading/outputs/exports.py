"""Gradebook exports TAs upload, written next to ``gradebook.csv`` on every run.

``canvas.csv``: Canvas's gradebook import layout, as Canvas's own gradebook export writes it::

    Student,              ID,    SIS User ID, SIS Login ID, Section, <assignment>
        Points Possible,  ,      ,            ,             ,        <graded points>
    doejane,              12345, ,            ,             ,        41.5

    ID is the Canvas user id read from a Canvas bulk download's file names
    (``Result.meta["canvas_user_id"]``); submissions from elsewhere keep what is known
    (their name, the Gradescope SID as SIS User ID) and an empty ID. Where some rows have a
    Canvas user id, a row without one (a file not named the Canvas way) is left out: Canvas
    could not match it to a student (``left_out``; listed in the report).

``gradescope.csv``: Gradescope's "upload scores" layout, one row per person (each member
of a group submission gets the group's score; a person in several submissions appears
once, with their latest)::

    Name, SID, Email, Score

No score the TA has not seen: a row not graded normally (status invalid, error, timeout or
pending) or missing a question someone else has a score for (a written answer not graded
yet) has an empty score, which leaves Canvas's and Gradescope's grade unchanged
(``unfinished``; the report's Needs attention lists each); ``zeros`` writes its total
instead (0 for what is not graded). "Points Possible" counts only the questions some
normally graded row has a score for (``graded_questions``: written questions before
``--manual``, GPU questions before ``--gpu`` are not counted), and ``notes`` says so.

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
NO_SID = {"canvas": "a Canvas download names students by name and Canvas user id only",
          "moodle": "a Moodle download names students by full name and participant id only",
          "gradescope": "empty in the export's submission_metadata.yml",
          "plain": "file and folder names give a name only"}


def people(result) -> list[dict]:
    """People behind a result: the Gradescope submitters it is the latest submission of,
    else one entry from what is known."""
    found = [p for p in result.meta.get("submitters", ()) if isinstance(p, dict)]
    return found or [{"name": result.meta.get("name", "")}]


def graded_questions(results, points: dict[str, float]) -> dict[str, float]:
    """The questions of ``points`` that some normally graded result has a score for."""
    scored = {c["question"] for r in results if r.status == "graded" for c in r.cases}
    return {q: p for q, p in points.items() if q in scored}


def unfinished(result, graded: dict[str, float]) -> str:
    """Why ``result``'s total is not a score to upload ("" when it is): its status, or the
    graded questions it has no score for."""
    if result.status != "graded":
        return f"{result.status}: empty in the uploads"
    missing = [q for q in graded if q not in result.scores()]
    return f"not graded yet: {', '.join(missing)}: empty in the uploads" if missing else ""


def left_out(results) -> list:
    """Results kept out of canvas.csv: those without a Canvas user id when others have
    one (Canvas matches its rows by that id)."""
    if not any(r.meta.get("canvas_user_id") for r in results):
        return []
    return [r for r in results if not r.meta.get("canvas_user_id")]


def _score(result, graded, zeros: bool) -> str:
    return cell(result.total) if zeros or not unfinished(result, graded) else ""


def canvas_rows(results, points: dict[str, float], assignment: str,
                zeros: bool = False) -> list[list[str]]:
    """Rows of ``canvas.csv``; ``assignment``: the column header, the assignment's title in
    Canvas (or "Title (canvas assignment id)" to update an existing assignment)."""
    graded = graded_questions(results, points)
    empty = [""] * (len(CANVAS_IDENTITY) - 1)
    rows = [[*CANVAS_IDENTITY, cell(assignment)],
            [CANVAS_POINTS_POSSIBLE, *empty, cell(sum(graded.values()))]]
    skip = {id(r) for r in left_out(results)}
    for result in results:
        if id(result) in skip:
            continue
        for person in people(result):
            rows.append([cell(person.get("name") or result.student),
                         cell(str(result.meta.get("canvas_user_id", ""))),
                         cell(person.get("sid", "")), "", "", _score(result, graded, zeros)])
    return rows


def gradescope_rows(results, points: dict[str, float] | None = None,
                    zeros: bool = False) -> list[list[str]]:
    """Rows of ``gradescope.csv``: SID and email from a Gradescope export's metadata; the
    student id as Name otherwise. ``points``: every question (None: those of the results)."""
    graded = graded_questions(results, points if points is not None else
                              {c["question"]: 0.0 for r in results for c in r.cases})
    rows = [list(GRADESCOPE_HEADER)]
    for result in results:
        for person in people(result):
            rows.append([cell(person.get("name") or result.student), cell(person.get("sid", "")),
                         cell(person.get("email", "")), _score(result, graded, zeros)])
    return rows


def notes(run: Run) -> list[str]:
    """What the TA should know before uploading canvas.csv and gradescope.csv."""
    graded = graded_questions(run.results, run.points)
    out = []
    ungraded = [q for q in run.points if q not in graded]
    if ungraded and run.results:
        out.append(f"canvas.csv's Points Possible is {sum(graded.values()):g} of "
                   f"{sum(run.points.values()):g}: no one has a score yet for "
                   f"{', '.join(ungraded)}")
    blank = [r for r in run.results if unfinished(r, graded)]
    if blank and run.zeros:
        out.append(f"--zeros: {len(blank)} submission(s) not graded normally count their "
                   "total in canvas.csv and gradescope.csv (0 for what is not graded)")
    elif blank:
        out.append(f"{len(blank)} submission(s) have an empty score in canvas.csv and "
                   "gradescope.csv (not graded normally: see Needs attention); --zeros "
                   "(ZEROS=1) writes their total instead")
    outside = left_out(run.results)
    if outside:
        out.append(f"{len(outside)} submission(s) are not in canvas.csv: their file names "
                   f"hold no Canvas user id ({', '.join(r.student for r in outside)})")
    missing: dict[str, int] = {}
    for result in run.results:
        for person in people(result):
            if not person.get("sid") and not person.get("email"):
                layout = result.meta.get("layout", "plain")
                missing[layout] = missing.get(layout, 0) + 1
    for layout, count in missing.items():
        out.append(f"gradescope.csv: {count} row(s) without SID or email "
                   f"({NO_SID.get(layout, NO_SID['plain'])}): Gradescope matches rows by "
                   "them, add them before uploading")
    return out


def write(out: Path, run: Run) -> list[Path]:
    """Write ``canvas.csv`` and ``gradescope.csv`` into ``out``."""
    out = Path(out)
    return [files.write_csv(out / "canvas.csv", canvas_rows(run.results, run.points,
                                                            run.assignment, run.zeros)),
            files.write_csv(out / "gradescope.csv",
                            gradescope_rows(run.results, run.points, run.zeros))]
